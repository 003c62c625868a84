//! SDK answers -> orgtrail-core's types: a trail from DescribeTrails and its details, the other
//! trails of a region, event and Insights selectors (sorted and normalised, so an unchanged
//! trail compares equal to its spec), delivery health.

use std::collections::BTreeMap;

use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use aws_sdk_cloudtrail::types as ct;
use orgtrail_core::{
    OtherTrail, Selectors, TrailHealth, TrailSettings, TrailState, normalise_log_group_arn,
};
use orgtrail_spec::{
    AdvancedEventSelector, DataResource, EventSelector, FieldSelector, InsightCategory,
    InsightSelector, InsightType, ReadWriteType,
};

use crate::error::AwsError;

fn arn_parts(arn: &str) -> (String, String) {
    // arn:partition:service:region:account:resource
    let p: Vec<&str> = arn.splitn(6, ':').collect();
    (
        p.get(3).copied().unwrap_or_default().to_string(),
        p.get(4).copied().unwrap_or_default().to_string(),
    )
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// What round 2 reads of a trail DescribeTrails listed.
pub(crate) struct TrailDetail {
    pub logging: bool,
    pub health: TrailHealth,
    pub selectors: Selectors,
    pub insights: Vec<InsightSelector>,
    pub tags: BTreeMap<String, String>,
}

/// Delivery health from GetTrailStatus, stamped with when it was read.
pub(crate) fn trail_health(status: &GetTrailStatusOutput) -> TrailHealth {
    TrailHealth {
        latest_delivery_error: non_empty(status.latest_delivery_error()),
        latest_digest_delivery_error: non_empty(status.latest_digest_delivery_error()),
        latest_cloudwatch_logs_delivery_error: non_empty(
            status.latest_cloud_watch_logs_delivery_error(),
        ),
        latest_delivery_time: status.latest_delivery_time().map(|t| t.secs()),
        read_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok()),
    }
}

/// The other trails of the home region `list` (not `want`), sorted by ARN.
pub(crate) fn other_trails(list: &[ct::Trail], want: &str) -> Vec<OtherTrail> {
    let mut others: Vec<OtherTrail> = list
        .iter()
        .filter(|t| t.trail_arn() != Some(want))
        .map(|t| {
            let arn = t.trail_arn().unwrap_or_default().to_string();
            let (region, account) = arn_parts(&arn);
            OtherTrail {
                name: t.name().unwrap_or_default().to_string(),
                home_region: t.home_region().map(str::to_string).unwrap_or(region),
                account,
                s3_bucket: non_empty(t.s3_bucket_name()),
                organization: t.is_organization_trail().unwrap_or(false),
                multi_region: t.is_multi_region_trail().unwrap_or(false),
                arn,
            }
        })
        .collect();
    others.sort_by(|a, b| a.arn.cmp(&b.arn));
    others
}

/// The live state of a trail from DescribeTrails' entry and the round-2 details.
pub(crate) fn trail_state(arn: &str, region: &str, t: &ct::Trail, d: &TrailDetail) -> TrailState {
    TrailState {
        arn: arn.to_string(),
        home_region: region.to_string(),
        settings: TrailSettings {
            name: t.name().unwrap_or_default().to_string(),
            s3_bucket: t.s3_bucket_name().unwrap_or_default().to_string(),
            s3_key_prefix: non_empty(t.s3_key_prefix()),
            organization: t.is_organization_trail().unwrap_or(false),
            multi_region: t.is_multi_region_trail().unwrap_or(false),
            include_global_service_events: t.include_global_service_events().unwrap_or(false),
            log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
            kms_key_id: non_empty(t.kms_key_id()),
            sns_topic: non_empty(t.sns_topic_arn()),
            // CloudTrail sets or clears the log group and its role together.
            cloudwatch_logs: non_empty(t.cloud_watch_logs_log_group_arn()).map(|g| {
                (
                    normalise_log_group_arn(&g),
                    non_empty(t.cloud_watch_logs_role_arn()).unwrap_or_default(),
                )
            }),
            tags: d.tags.clone(),
        },
        logging: d.logging,
        selectors: d.selectors.clone(),
        insights: d.insights.clone(),
    }
}

/// GetInsightSelectors -> one selector per type with its event categories; no
/// `EventCategories` means management events (what AWS enables when none are sent).
pub(crate) fn convert_insights(
    list: &[ct::InsightSelector],
    resource: &str,
) -> Result<Vec<InsightSelector>, AwsError> {
    let unknown = |what: &str, value: &str| {
        AwsError::data(
            "cloudtrail:GetInsightSelectors",
            resource,
            format!("unknown {what} `{value}`"),
        )
    };
    let mut out = Vec::new();
    for i in list {
        let Some(t) = i.insight_type() else { continue };
        let insight_type =
            InsightType::parse(t.as_str()).ok_or_else(|| unknown("insight type", t.as_str()))?;
        let mut event_categories = Vec::new();
        for c in i.event_categories() {
            event_categories.push(
                InsightCategory::parse(c.as_str())
                    .ok_or_else(|| unknown("insight event category", c.as_str()))?,
            );
        }
        if event_categories.is_empty() {
            event_categories.push(InsightCategory::Management);
        }
        out.push(InsightSelector {
            insight_type,
            event_categories,
        });
    }
    Ok(InsightSelector::normalise(&out))
}

pub(crate) fn convert_selectors(
    basic: &[ct::EventSelector],
    advanced: &[ct::AdvancedEventSelector],
    resource: &str,
) -> Result<Selectors, AwsError> {
    if !advanced.is_empty() {
        let mut out = Vec::new();
        for a in advanced {
            let mut fields: Vec<FieldSelector> = a
                .field_selectors()
                .iter()
                .map(|f| {
                    let sorted = |v: &[String]| {
                        let mut v = v.to_vec();
                        v.sort();
                        v
                    };
                    FieldSelector {
                        field: f.field().to_string(),
                        equals: sorted(f.equals()),
                        starts_with: sorted(f.starts_with()),
                        ends_with: sorted(f.ends_with()),
                        not_equals: sorted(f.not_equals()),
                        not_starts_with: sorted(f.not_starts_with()),
                        not_ends_with: sorted(f.not_ends_with()),
                    }
                })
                .collect();
            fields.sort();
            out.push(AdvancedEventSelector {
                name: non_empty(a.name()),
                field_selectors: fields,
            });
        }
        return Ok(Selectors::Advanced(out).normalised());
    }
    let mut out = Vec::new();
    for b in basic {
        let rw = match b.read_write_type() {
            None => ReadWriteType::All,
            Some(r) => ReadWriteType::parse(r.as_str()).ok_or_else(|| {
                AwsError::data(
                    "cloudtrail:GetEventSelectors",
                    resource,
                    format!("unknown ReadWriteType `{}`", r.as_str()),
                )
            })?,
        };
        let mut excl = b.exclude_management_event_sources().to_vec();
        excl.sort();
        let mut drs: Vec<DataResource> = b
            .data_resources()
            .iter()
            .map(|d| {
                let mut values = d.values().to_vec();
                values.sort();
                DataResource {
                    resource_type: d.r#type().unwrap_or_default().to_string(),
                    values,
                }
            })
            .collect();
        drs.sort();
        out.push(EventSelector {
            read_write_type: rw,
            include_management_events: b.include_management_events().unwrap_or(true),
            exclude_management_event_sources: excl,
            data_resources: drs,
        });
    }
    Ok(Selectors::Basic(out).normalised())
}
