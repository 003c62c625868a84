//! The desired state of one trail, resolved against live facts: its ARN, the SNS topic ARN, the
//! KMS key ARN DescribeKey returned, the log group ARN with `:*`, normalised selectors.

use orgtrail_spec::{InsightSelector, Spec};

use crate::model::TrailSettings;
use crate::model::{KmsState, LiveState, Selectors, normalise_log_group_arn, trail_arn};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Desired {
    pub arn: String,
    pub region: String,
    pub trail: TrailSettings,
    pub selectors: Selectors,
    pub insights: Vec<InsightSelector>,
    pub logging: bool,
}

/// The account that owns the spec's trail (and its `AWSLogs/<account>/` path). An organization
/// trail belongs to the management account even when a CloudTrail delegated administrator
/// creates it; any other trail belongs to the caller's account (CloudTrail user guide,
/// "Organization trail delegated administrator").
pub(crate) fn trail_owner<'a>(spec: &Spec, live: &'a LiveState) -> &'a str {
    let mgmt = live
        .organization
        .as_ref()
        .map(|o| o.management_account.as_str());
    crate::model::trail_owner_account(spec, mgmt, &live.caller.account)
}

/// Resolve `spec` for a trail owned by `account`.
pub(crate) fn desired(
    spec: &Spec,
    partition: &str,
    account: &str,
    kms: Option<&KmsState>,
) -> Desired {
    let t = &spec.trail;
    let sns = t.sns_topic.as_ref().map(|s| {
        if s.starts_with("arn:") {
            s.clone()
        } else {
            format!("arn:{partition}:sns:{}:{account}:{s}", t.home_region)
        }
    });
    // The key as DescribeKey resolved it (an alias becomes the key ARN CloudTrail stores).
    let kms_arn = t.kms_key_id.as_ref().map(|k| {
        kms.and_then(|k| k.key_arn.clone())
            .unwrap_or_else(|| k.clone())
    });
    let selectors = match (&t.event_selectors, &t.advanced_event_selectors) {
        (_, Some(a)) => Selectors::Advanced(a.clone()),
        (Some(b), None) => Selectors::Basic(b.clone()),
        (None, None) => Selectors::aws_default(),
    }
    // In the spec's order, which the plan shows; compared normalised.
    .or_default();
    Desired {
        arn: trail_arn(partition, &t.home_region, account, &t.name),
        region: t.home_region.clone(),
        trail: TrailSettings {
            name: t.name.clone(),
            s3_bucket: spec.bucket.name.clone(),
            s3_key_prefix: t.s3_key_prefix.clone(),
            organization: t.organization,
            multi_region: t.multi_region,
            include_global_service_events: t.include_global_service_events,
            log_file_validation: t.log_file_validation,
            kms_key_id: kms_arn,
            sns_topic: sns,
            cloudwatch_logs: t.cloudwatch_logs.as_ref().map(|c| {
                (
                    normalise_log_group_arn(&c.log_group_arn),
                    c.role_arn.clone(),
                )
            }),
            tags: t.tags.clone(),
        },
        selectors,
        insights: InsightSelector::normalise(&t.insight_selectors),
        logging: t.logging,
    }
}
