//! The coverage model: what an organization trail records and delivers, and what a change
//! would lose. One function per concern, each `(from, to) -> losses` in words a reviewer
//! understands. The plan calls them with (live, desired): a non-empty result makes the step
//! reducing, refused without `--allow-coverage-reduction`. Drift calls the same functions with
//! (desired, live): what live lacks is coverage lost. So plan and drift cannot disagree.
//!
//! A trail that does not exist has no coverage to lose: creating one never reduces coverage.

pub mod delivery;
pub(crate) mod events;
pub mod protection;
pub mod sample;
pub mod tamper;

use orgtrail_spec::InsightSelector;

use crate::model::Selectors;
use crate::model::TrailSettings;

/// Losses of a change to the trail's own settings (CreateTrail / UpdateTrail fields).
pub fn settings(from: &TrailSettings, to: &TrailSettings) -> Vec<String> {
    let mut out = Vec::new();
    let mut off = |was: bool, now: bool, what: &str| {
        if was && !now {
            out.push(what.to_string());
        }
    };
    off(
        from.organization,
        to.organization,
        "the events of every member account (no longer an organization trail)",
    );
    off(
        from.multi_region,
        to.multi_region,
        "events in every region but the home region (no longer multi-region)",
    );
    off(
        from.include_global_service_events,
        to.include_global_service_events,
        "global service events (IAM, STS, CloudFront)",
    );
    off(
        from.log_file_validation,
        to.log_file_validation,
        "log file integrity validation (digest files)",
    );
    if from.s3_bucket != to.s3_bucket {
        out.push(format!(
            "log files in `{}`: new ones go to `{}`",
            from.s3_bucket, to.s3_bucket
        ));
    }
    if from.s3_key_prefix != to.s3_key_prefix {
        let at = |p: &Option<String>| {
            p.as_ref()
                .map_or("the bucket root".to_string(), |p| format!("`{p}/`"))
        };
        out.push(format!(
            "log files under {}: new ones go under {}",
            at(&from.s3_key_prefix),
            at(&to.s3_key_prefix)
        ));
    }
    if let (Some(k), None) = (&from.kms_key_id, &to.kms_key_id) {
        out.push(format!("SSE-KMS encryption of log files with `{k}`"));
    }
    if let Some((group, _)) = &from.cloudwatch_logs
        && to.cloudwatch_logs.as_ref().is_none_or(|(g, _)| g != group)
    {
        out.push(format!(
            "delivery to CloudWatch Logs group `{group}` (its metric filters and alarms)"
        ));
    }
    out
}

/// Events `from` logs and `to` would not.
pub fn selectors(from: &Selectors, to: &Selectors) -> Vec<String> {
    events::lost(&from.clone().normalised(), &to.clone().normalised())
        .into_iter()
        .map(|e| format!("{e} are no longer logged"))
        .collect()
}

/// Whether the selectors log any management event.
pub fn logs_management_events(s: &Selectors) -> bool {
    events::logs_management_events(s)
}

/// Whether the selectors log any data event (billed on every copy, docs/cost.md).
pub fn logs_data_events(s: &Selectors) -> bool {
    events::logs_category(s, events::Category::Data)
}

/// Whether the selectors log any network activity event (billed on every copy).
pub fn logs_network_activity_events(s: &Selectors) -> bool {
    events::logs_category(s, events::Category::NetworkActivity)
}

/// Events `to` logs and `from` does not, in the coverage model's words (`read data events of
/// AWS::S3::Object under ...`), without the trailing "no longer logged".
pub fn events_added(from: &Selectors, to: &Selectors) -> Vec<String> {
    events::lost(&to.clone().normalised(), &from.clone().normalised())
}

/// Insights `from` runs and `to` does not, per (type, event category): sending only `Data`
/// where `Management` was on switches Insights on management events off.
pub fn insights(from: &[InsightSelector], to: &[InsightSelector]) -> Vec<String> {
    let to = InsightSelector::pairs(to);
    InsightSelector::pairs(from)
        .difference(&to)
        .map(|(t, c)| format!("CloudTrail Insights `{}` on {}", t.as_str(), c.describe()))
        .collect()
}

/// Logging turned off loses every event.
pub fn logging(from: bool, to: bool) -> Vec<String> {
    if from && !to {
        vec!["logging of every event (the trail is not logging)".into()]
    } else {
        Vec::new()
    }
}

/// CloudTrail trusted access turned off: organization trails stop covering member accounts.
pub fn trusted_access(from: bool, to: bool) -> Vec<String> {
    if from && !to {
        vec!["the events of every member account: organization trails need CloudTrail trusted access".into()]
    } else {
        Vec::new()
    }
}

/// What a missing resource costs (drift: restored by creating it).
pub fn missing(what: &str) -> Vec<String> {
    vec![format!("every event the trail would record: {what}")]
}

#[cfg(test)]
mod tests;
