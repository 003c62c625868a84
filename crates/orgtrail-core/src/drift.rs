//! Drift: the plan's differences seen from the audit side. Every step a plan would take is a
//! finding (what drifted, how bad, and that `orgtrail apply` fixes it); delivery errors from
//! GetTrailStatus are findings apply cannot fix.

use serde::{Deserialize, Serialize};

use crate::live::LiveState;
use crate::plan::{Action, FieldChange, Plan, Severity, Step, StepKind, TrailField};

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

type Classified = (&'static str, DriftSeverity, String);

fn lost(rule: &'static str, message: String) -> Classified {
    (rule, DriftSeverity::CoverageLost, message)
}

fn drifted(rule: &'static str, message: String) -> Classified {
    (rule, DriftSeverity::ConfigDrift, message)
}

/// The drift rule a step answers to: what drifted and how bad it is.
fn classify(step: &Step) -> Classified {
    let t = &step.target;
    match step.kind {
        StepKind::CreateTrail => lost(
            "trail-missing",
            format!("trail {t} does not exist (deleted?)"),
        ),
        StepKind::StartLogging => lost("logging-stopped", format!("trail {t} is not logging")),
        StepKind::StopLogging => drifted(
            "logging-on",
            format!("trail {t} is logging, the spec says it should not"),
        ),
        StepKind::EnableTrustedAccess => lost(
            "trusted-access-removed",
            "CloudTrail is no longer a trusted service of the organization".into(),
        ),
        StepKind::DisableTrustedAccess => drifted(
            "trusted-access-on",
            "CloudTrail trusted access is on, the spec says off".into(),
        ),
        StepKind::EnableAllFeatures => lost(
            "all-features-off",
            "the organization does not have all features enabled".into(),
        ),
        StepKind::CreateBucket => lost("bucket-missing", format!("log bucket {t} does not exist")),
        StepKind::PutBucketPolicy => lost(
            "bucket-policy-drift",
            format!(
                "bucket policy of {t} no longer grants CloudTrail what the trail needs ({})",
                step.reason
            ),
        ),
        StepKind::ConvertToOrganizationTrail => lost(
            "not-organization-trail",
            format!("trail {t} is no longer an organization trail"),
        ),
        StepKind::ConvertToMultiRegion => lost(
            "not-multi-region",
            format!("trail {t} is no longer a multi-region trail"),
        ),
        StepKind::PutEventSelectors => selectors_drift(step),
        StepKind::UpdateTrail => settings_drift(step),
        StepKind::PutInsightSelectors => drifted(
            "insights-drift",
            format!("insight selectors of {t} differ from the spec"),
        ),
        StepKind::TagTrail | StepKind::UntagTrail => {
            drifted("tags-drift", format!("tags of {t} differ from the spec"))
        }
    }
}

fn selectors_drift(step: &Step) -> Classified {
    let t = &step.target;
    let drops = match &step.action {
        Action::PutEventSelectors { selectors, .. } => {
            selectors.logs_management_events()
                && step.changes.iter().any(|c| {
                    serde_json::from_value::<crate::live::Selectors>(c.before.clone())
                        .is_ok_and(|s| !s.logs_management_events())
                })
        }
        _ => false,
    };
    if drops {
        lost(
            "management-events-off",
            format!("event selectors of {t} no longer log management events"),
        )
    } else {
        drifted(
            "event-selectors-drift",
            format!("event selectors of {t} differ from the spec"),
        )
    }
}

fn settings_drift(step: &Step) -> Classified {
    let t = &step.target;
    let weakened = match &step.action {
        Action::UpdateTrail { fields, .. } => fields.iter().any(|f| {
            matches!(
                f,
                TrailField::LogFileValidation(true)
                    | TrailField::IncludeGlobalServiceEvents(true)
                    | TrailField::S3Bucket(_)
            )
        }),
        _ => false,
    };
    if weakened {
        lost(
            "trail-settings-weakened",
            format!("settings of trail {t} differ from the spec and weaken the audit trail"),
        )
    } else {
        drifted(
            "trail-settings-drift",
            format!("settings of trail {t} differ from the spec"),
        )
    }
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
        let (Some(trail), Some(h)) = (&t.trail, &t.health) else {
            continue;
        };
        let spec = plan.specs.get(i).cloned().unwrap_or_default();
        for (rule, what, err) in [
            (
                "delivery-error",
                "log delivery to S3",
                &h.latest_delivery_error,
            ),
            (
                "digest-delivery-error",
                "digest delivery to S3",
                &h.latest_digest_delivery_error,
            ),
            (
                "cloudwatch-delivery-error",
                "delivery to CloudWatch Logs",
                &h.latest_cloudwatch_logs_delivery_error,
            ),
        ] {
            if let Some(e) = err {
                findings.push(DriftFinding {
                    rule: rule.into(),
                    severity: DriftSeverity::Warning,
                    spec: spec.clone(),
                    target: trail.arn.clone(),
                    message: format!("recent {what} failed: {e}"),
                    changes: Vec::new(),
                    policy_diff: None,
                    fixed_by_apply: false,
                });
            }
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
