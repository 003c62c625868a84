//! The trail's own settings (what CreateTrail and UpdateTrail take), compared field by field
//! with one table: name, live value, desired value, the UpdateTrail field that sets it. What a
//! change loses is the coverage model's call (`crate::coverage::settings`).

use serde_json::{Value, json};

use super::model::{Action, FieldChange, Step, TrailField, change};
use super::target::Target;
use crate::coverage;
use crate::model::{TrailSettings, TrailState};

/// One row of the comparison.
pub(crate) struct Compared {
    pub name: &'static str,
    pub live: Value,
    pub desired: Value,
    /// What UpdateTrail sends to reach `desired`.
    pub set: TrailField,
}

fn opt(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| json!(s))
}

fn cloudwatch(c: &Option<(String, String)>) -> Value {
    c.as_ref().map_or(
        Value::Null,
        |(g, r)| json!({"log_group_arn": g, "role_arn": r}),
    )
}

fn flag(name: &'static str, live: bool, want: bool, set: fn(bool) -> TrailField) -> Compared {
    Compared {
        name,
        live: json!(live),
        desired: json!(want),
        set: set(want),
    }
}

fn value(name: &'static str, live: Value, desired: Value, set: TrailField) -> Compared {
    Compared {
        name,
        live,
        desired,
        set,
    }
}

fn optional(
    name: &'static str,
    live: &Option<String>,
    want: &Option<String>,
    set: fn(Option<String>) -> TrailField,
) -> Compared {
    value(name, opt(live), opt(want), set(want.clone()))
}

/// The table, in the order reviewers see the fields.
fn table(live: &TrailSettings, want: &TrailSettings) -> Vec<Compared> {
    vec![
        value(
            "s3_bucket",
            json!(live.s3_bucket),
            json!(want.s3_bucket),
            TrailField::S3Bucket(want.s3_bucket.clone()),
        ),
        flag(
            "organization",
            live.organization,
            want.organization,
            TrailField::Organization,
        ),
        flag(
            "multi_region",
            live.multi_region,
            want.multi_region,
            TrailField::MultiRegion,
        ),
        flag(
            "include_global_service_events",
            live.include_global_service_events,
            want.include_global_service_events,
            TrailField::IncludeGlobalServiceEvents,
        ),
        flag(
            "log_file_validation",
            live.log_file_validation,
            want.log_file_validation,
            TrailField::LogFileValidation,
        ),
        optional(
            "s3_key_prefix",
            &live.s3_key_prefix,
            &want.s3_key_prefix,
            TrailField::S3KeyPrefix,
        ),
        optional(
            "kms_key_id",
            &live.kms_key_id,
            &want.kms_key_id,
            TrailField::KmsKeyId,
        ),
        optional(
            "sns_topic",
            &live.sns_topic,
            &want.sns_topic,
            TrailField::SnsTopic,
        ),
        value(
            "cloudwatch_logs",
            cloudwatch(&live.cloudwatch_logs),
            cloudwatch(&want.cloudwatch_logs),
            TrailField::CloudWatchLogs(want.cloudwatch_logs.clone()),
        ),
    ]
}

/// The fields a new trail sets (absent optional settings left out).
pub(crate) fn compared_new(want: &TrailSettings) -> Vec<Compared> {
    table(want, want)
        .into_iter()
        .filter(|c| !c.desired.is_null())
        .collect()
}

/// The fields that differ between the live trail and the desired one.
pub(crate) fn differing(live: &TrailState, want: &TrailSettings) -> Vec<Compared> {
    table(&live.settings, want)
        .into_iter()
        .filter(|c| c.live != c.desired)
        .collect()
}

/// One UpdateTrail with only the changed fields, named after the change reviewers care about
/// most (conversion to an organization or multi-region trail); `None` when nothing differs.
pub(crate) fn update_step(t: &Target, live: &TrailState, want: &TrailSettings) -> Option<Step> {
    let now = &live.settings;
    let rows = differing(live, want);
    if rows.is_empty() {
        return None;
    }
    let reason = update_reason(live, want, t.region);
    let changes: Vec<FieldChange> = rows
        .iter()
        .map(|r| change(r.name, r.live.clone(), r.desired.clone()))
        .collect();
    let fields = rows.into_iter().map(|r| r.set).collect();
    Some(
        t.step(
            reason,
            Action::UpdateTrail {
                region: t.region(),
                trail_arn: t.trail_arn(),
                fields,
            },
        )
        .with_changes(changes)
        .coverage(coverage::settings(now, want), coverage::settings(want, now)),
    )
}

/// Why the UpdateTrail runs, in the words of the change reviewers care about most (its step
/// kind, from the action, names the same conversion).
fn update_reason(live: &TrailState, want: &TrailSettings, region: &str) -> String {
    if !live.settings.organization && want.organization {
        format!(
            "apply `{}` to every account of the organization (same ARN, UpdateTrail in place)",
            want.name
        )
    } else if !live.settings.multi_region && want.multi_region {
        format!("log all regions, not only {region} (same ARN, UpdateTrail in place)")
    } else {
        "live trail settings differ from the spec".into()
    }
}
