//! Drift: the plan's differences seen from the audit side. Every step a plan would take is a
//! finding (what drifted, how bad, and that `orgtrail apply` fixes it); delivery errors from
//! GetTrailStatus are findings apply cannot fix.

use serde::{Deserialize, Serialize};

use crate::model::{LiveState, TrailHealth};
use crate::plan::{FieldChange, Plan, Severity, Step, StepKind};

/// Version of the drift JSON format.
pub const DRIFT_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftSeverity {
    /// Audit coverage is lost: events are not recorded or not delivered.
    CoverageLost,
    /// A setting differs from the spec.
    ConfigDrift,
    Warning,
}

impl DriftSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftSeverity::CoverageLost => "coverage-lost",
            DriftSeverity::ConfigDrift => "config-drift",
            DriftSeverity::Warning => "warning",
        }
    }
}

/// One drift finding; JSON: one record per finding, usable as an alert payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftFinding {
    /// Stable machine-readable id, e.g. `logging-stopped`.
    pub rule: String,
    pub severity: DriftSeverity,
    pub spec: String,
    pub target: String,
    pub message: String,
    pub changes: Vec<FieldChange>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub policy_diff: Option<(String, String)>,
    /// `orgtrail apply` would fix it.
    pub fixed_by_apply: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    pub format_version: u32,
    pub specs: Vec<String>,
    pub findings: Vec<DriftFinding>,
    /// Preflight errors: drift could not be judged.
    pub errors: Vec<String>,
}

impl DriftReport {
    pub fn in_sync(&self) -> bool {
        self.findings
            .iter()
            .all(|f| f.severity == DriftSeverity::Warning)
            && self.errors.is_empty()
    }
    pub fn drifted(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity != DriftSeverity::Warning)
    }
}

/// The drift rule a step answers to. Severity is the coverage model's call: a step that restores
/// coverage the live state lacks (`Step::coverage_restored`) is coverage lost, anything else a
/// setting that differs. Plan and drift use the same model, so they never disagree.
fn classify(step: &Step) -> (&'static str, DriftSeverity, String) {
    let lost = !step.coverage_restored.is_empty();
    let (rule, message) = describe(step, lost);
    if lost {
        let message = format!("{message}; lost: {}", step.coverage_restored.join("; "));
        (rule, DriftSeverity::CoverageLost, message)
    } else {
        (rule, DriftSeverity::ConfigDrift, message)
    }
}

/// (rule id, message) of a bucket step.
fn describe_bucket(step: &Step, lost: bool) -> (&'static str, String) {
    let t = &step.target;
    let pick = |a: &'static str, b: &'static str| if lost { a } else { b };
    match step.kind {
        StepKind::CreateBucket => ("bucket-missing", format!("log bucket {t} does not exist")),
        StepKind::PutPublicAccessBlock => (
            "bucket-public-access",
            format!("public access block of log bucket {t} is not fully on"),
        ),
        StepKind::PutBucketEncryption => (
            pick("bucket-encryption-weakened", "bucket-encryption-drift"),
            format!("default encryption of log bucket {t} differs from the spec"),
        ),
        StepKind::PutBucketOwnershipControls => (
            "bucket-ownership-drift",
            format!("object ownership of log bucket {t} differs from the spec"),
        ),
        StepKind::PutBucketVersioning => (
            "bucket-versioning-off",
            format!("versioning of log bucket {t} is not enabled"),
        ),
        StepKind::PutObjectLockConfiguration => (
            pick("bucket-object-lock-weakened", "bucket-object-lock-drift"),
            format!("object lock of log bucket {t} differs from the spec"),
        ),
        StepKind::PutBucketLifecycle => (
            pick("bucket-retention-shortened", "bucket-retention-drift"),
            format!("retention of log bucket {t} differs from the spec"),
        ),
        StepKind::PutBucketLogging => (
            "bucket-access-logging-off",
            format!("server access logging of log bucket {t} differs from the spec"),
        ),
        StepKind::PutBucketPolicy => (
            pick("bucket-policy-drift", "bucket-policy-tidy"),
            format!(
                "bucket policy of {t} differs from what the trails need ({})",
                step.reason
            ),
        ),
        _ => (
            "bucket-drift",
            format!("log bucket {t} differs from the spec"),
        ),
    }
}

/// (rule id, message) of a step, picked by whether it restores coverage.
fn describe(step: &Step, lost: bool) -> (&'static str, String) {
    let t = &step.target;
    let pick = |a: &'static str, b: &'static str| if lost { a } else { b };
    match step.kind {
        StepKind::CreateTrail => (
            "trail-missing",
            format!("trail {t} does not exist (deleted?)"),
        ),
        StepKind::StartLogging => ("logging-stopped", format!("trail {t} is not logging")),
        StepKind::StopLogging => (
            "logging-on",
            format!("trail {t} is logging, the spec says it should not"),
        ),
        StepKind::EnableTrustedAccess => (
            "trusted-access-removed",
            "CloudTrail is no longer a trusted service of the organization".into(),
        ),
        StepKind::DisableTrustedAccess => (
            "trusted-access-on",
            "CloudTrail trusted access is on, the spec says off".into(),
        ),
        StepKind::RegisterDelegatedAdministrator => (
            "delegated-admin-missing",
            format!("{t} is not a CloudTrail delegated administrator, the spec says it should be"),
        ),
        StepKind::DeregisterDelegatedAdministrator => (
            "delegated-admin-extra",
            format!("{t} is a CloudTrail delegated administrator the spec does not list"),
        ),
        StepKind::EnableAllFeatures => (
            "all-features-off",
            "the organization does not have all features enabled".into(),
        ),
        StepKind::CreateBucket
        | StepKind::PutPublicAccessBlock
        | StepKind::PutBucketEncryption
        | StepKind::PutBucketOwnershipControls
        | StepKind::PutBucketVersioning
        | StepKind::PutObjectLockConfiguration
        | StepKind::PutBucketLifecycle
        | StepKind::PutBucketLogging
        | StepKind::PutBucketPolicy => describe_bucket(step, lost),
        StepKind::ConvertToOrganizationTrail => (
            "not-organization-trail",
            format!("trail {t} is no longer an organization trail"),
        ),
        StepKind::ConvertToMultiRegion => (
            "not-multi-region",
            format!("trail {t} is no longer a multi-region trail"),
        ),
        StepKind::PutEventSelectors => (
            pick("events-not-logged", "event-selectors-drift"),
            format!("event selectors of {t} differ from the spec"),
        ),
        StepKind::UpdateTrail => (
            pick("trail-settings-weakened", "trail-settings-drift"),
            format!("settings of trail {t} differ from the spec"),
        ),
        StepKind::PutInsightSelectors => (
            pick("insights-off", "insights-drift"),
            format!("insight selectors of {t} differ from the spec"),
        ),
        StepKind::TagTrail | StepKind::UntagTrail => {
            ("tags-drift", format!("tags of {t} differ from the spec"))
        }
    }
}

/// Delivery errors from GetTrailStatus. Log delivery that is failing now (an error and no
/// successful delivery for [`DELIVERY_STALE_SECS`]) means no log is arriving: coverage lost.
/// An older error is a warning.
fn health_findings(spec: &str, arn: &str, h: &TrailHealth) -> Vec<DriftFinding> {
    let logs_failing = h.delivery_failing();
    let checks = [
        (
            "delivery-error",
            "log delivery to S3",
            &h.latest_delivery_error,
            logs_failing,
        ),
        (
            "digest-delivery-error",
            "digest delivery to S3",
            &h.latest_digest_delivery_error,
            false,
        ),
        (
            "cloudwatch-delivery-error",
            "delivery to CloudWatch Logs",
            &h.latest_cloudwatch_logs_delivery_error,
            false,
        ),
    ];
    let mut out = Vec::new();
    for (rule, what, err, failing) in checks {
        let Some(e) = err else { continue };
        let (rule, severity, message) = if failing {
            (
                "delivery-failing",
                DriftSeverity::CoverageLost,
                format!("{what} is failing and no log file arrived for over an hour: {e}"),
            )
        } else {
            (
                rule,
                DriftSeverity::Warning,
                format!("recent {what} failed: {e}"),
            )
        };
        out.push(DriftFinding {
            rule: rule.into(),
            severity,
            spec: spec.to_string(),
            target: arn.to_string(),
            message,
            changes: Vec::new(),
            policy_diff: None,
            fixed_by_apply: false,
        });
    }
    out
}

/// Build the drift report from a plan and the live state it was computed from.
pub fn report(plan: &Plan, live: &LiveState) -> DriftReport {
    let mut findings = Vec::new();
    for step in &plan.steps {
        let (rule, severity, message) = classify(step);
        findings.push(DriftFinding {
            rule: rule.into(),
            severity,
            spec: step.spec.clone(),
            target: step.target.clone(),
            message,
            changes: step.changes.clone(),
            policy_diff: step.policy_diff.clone(),
            fixed_by_apply: true,
        });
    }
    for (i, t) in live.trails.iter().enumerate() {
        if let (Some(trail), Some(h)) = (&t.trail, &t.health) {
            let spec = plan.specs.get(i).map_or("", String::as_str);
            findings.extend(health_findings(spec, &trail.arn, h));
        }
    }
    findings.sort_by(|a, b| {
        (a.severity, &a.spec, &a.rule, &a.target).cmp(&(b.severity, &b.spec, &b.rule, &b.target))
    });
    DriftReport {
        format_version: DRIFT_FORMAT_VERSION,
        specs: plan.specs.clone(),
        findings,
        errors: plan
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{} (fix: {})", f.message, f.fix))
            .collect(),
    }
}

#[cfg(test)]
#[path = "drift_tests.rs"]
mod tests;
