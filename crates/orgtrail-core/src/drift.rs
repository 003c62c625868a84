//! Drift: the plan's differences seen from the audit side. Every step a plan would take is a
//! finding (what drifted, how bad, and that `orgtrail apply` fixes it); delivery errors from
//! GetTrailStatus are findings apply cannot fix.

use serde::{Deserialize, Serialize};

use crate::model::{LiveState, TrailHealth};
use crate::plan::{Action, FieldChange, Finding, FindingCode, Plan, Severity, Step, StepKind};

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

crate::model::names::named! {
    /// The drift rule a finding answers to (`logging-stopped`, ...): stable, for alerts and SARIF.
    pub enum DriftRule {
        AlertDrift => "alert-drift",
        AlertExtra => "alert-extra",
        AlertMissing => "alert-missing",
        AlertUntargeted => "alert-untargeted",
        AllFeaturesOff => "all-features-off",
        BucketAccessLoggingOff => "bucket-access-logging-off",
        BucketDrift => "bucket-drift",
        BucketEncryptionDrift => "bucket-encryption-drift",
        BucketEncryptionWeakened => "bucket-encryption-weakened",
        BucketMissing => "bucket-missing",
        BucketObjectLockDrift => "bucket-object-lock-drift",
        BucketObjectLockWeakened => "bucket-object-lock-weakened",
        BucketOwnershipDrift => "bucket-ownership-drift",
        BucketPolicyDrift => "bucket-policy-drift",
        BucketPolicyTidy => "bucket-policy-tidy",
        BucketPolicyAllowsTampering => "bucket-policy-allows-tampering",
        BucketPolicyDeniesTrail => "bucket-policy-denies-trail",
        BucketNotOwned => "bucket-not-owned",
        BucketPolicyLacking => "bucket-policy-lacking",
        KmsKeyDisabled => "kms-key-disabled",
        KmsKeyMissing => "kms-key-missing",
        KmsKeyPolicy => "kms-key-policy",
        KmsKeyRegion => "kms-key-region",
        BucketPublicAccess => "bucket-public-access",
        BucketRetentionDrift => "bucket-retention-drift",
        BucketRetentionShortened => "bucket-retention-shortened",
        BucketLifecycleDeletesLogs => "bucket-lifecycle-deletes-logs",
        BucketOwnershipWeakened => "bucket-ownership-weakened",
        BucketVersioningOff => "bucket-versioning-off",
        CloudwatchDeliveryError => "cloudwatch-delivery-error",
        DelegatedAdminExtra => "delegated-admin-extra",
        DelegatedAdminMissing => "delegated-admin-missing",
        DeliveryError => "delivery-error",
        DeliveryFailing => "delivery-failing",
        DigestDeliveryError => "digest-delivery-error",
        EventSelectorsDrift => "event-selectors-drift",
        EventsNotLogged => "events-not-logged",
        GuardrailDetached => "guardrail-detached",
        GuardrailDrift => "guardrail-drift",
        GuardrailExtra => "guardrail-extra",
        GuardrailMissing => "guardrail-missing",
        GuardrailTypeDisabled => "guardrail-type-disabled",
        GuardrailWeakened => "guardrail-weakened",
        InsightsDrift => "insights-drift",
        InsightsOff => "insights-off",
        LoggingOn => "logging-on",
        LoggingStopped => "logging-stopped",
        NotMultiRegion => "not-multi-region",
        NotOrganizationTrail => "not-organization-trail",
        PaidDuplicateManagementEvents => "paid-duplicate-management-events",
        TagsDrift => "tags-drift",
        TrailMissing => "trail-missing",
        TrailSettingsDrift => "trail-settings-drift",
        TrailSettingsWeakened => "trail-settings-weakened",
        TrustedAccessOn => "trusted-access-on",
        TrustedAccessRemoved => "trusted-access-removed",
    }
}

/// One drift finding; JSON: one record per finding, usable as an alert payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftFinding {
    /// Stable machine-readable id, e.g. `logging-stopped`.
    pub rule: DriftRule,
    pub severity: DriftSeverity,
    pub spec: String,
    pub target: String,
    pub message: String,
    pub changes: Vec<FieldChange>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub policy_diff: Option<(String, String)>,
    /// `orgtrail apply` would fix it.
    pub fixed_by_apply: bool,
    /// The flags apply needs to carry out the fix (`--allow-coverage-reduction` for a step that
    /// reduces coverage, as restoring a spec's shorter retention does); empty: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apply_flags: Vec<String>,
}

/// The flags `orgtrail apply` refuses `step` without.
fn apply_flags(step: &crate::plan::Step) -> Vec<String> {
    let mut flags = Vec::new();
    if step.reduces_coverage {
        flags.push("--allow-coverage-reduction".to_string());
    }
    if step.kind == crate::plan::StepKind::EnableAllFeatures {
        flags.push("--allow-enable-all-features".to_string());
    }
    flags
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
    /// Some finding is coverage lost (events not recorded or delivered, or evidence at risk).
    pub fn coverage_lost(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == DriftSeverity::CoverageLost)
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
fn classify(step: &Step) -> (DriftRule, DriftSeverity, String) {
    let lost = !step.coverage_restored.is_empty();
    let (rule, message) = describe(step, lost);
    if lost {
        let message = format!("{message}; lost: {}", step.coverage_restored.join("; "));
        (rule, DriftSeverity::CoverageLost, message)
    } else {
        (rule, DriftSeverity::ConfigDrift, message)
    }
}

/// Picks the rule for coverage lost or the one for a setting that differs.
#[derive(Clone, Copy)]
struct Pick(bool);

impl Pick {
    fn of(self, lost: DriftRule, differs: DriftRule) -> DriftRule {
        if self.0 { lost } else { differs }
    }
}

/// (rule id, message) of a bucket step.
fn describe_bucket(step: &Step, t: &str, pick: Pick) -> (DriftRule, String) {
    match step.kind {
        StepKind::CreateBucket => (
            DriftRule::BucketMissing,
            format!("log bucket {t} does not exist"),
        ),
        StepKind::PutPublicAccessBlock => (
            DriftRule::BucketPublicAccess,
            format!("public access block of log bucket {t} is not fully on"),
        ),
        StepKind::PutBucketEncryption => (
            pick.of(
                DriftRule::BucketEncryptionWeakened,
                DriftRule::BucketEncryptionDrift,
            ),
            format!("default encryption of log bucket {t} differs from the spec"),
        ),
        StepKind::PutBucketOwnershipControls => (
            pick.of(
                DriftRule::BucketOwnershipWeakened,
                DriftRule::BucketOwnershipDrift,
            ),
            format!("object ownership of log bucket {t} differs from the spec"),
        ),
        StepKind::RemoveLifecycleRules => (
            DriftRule::BucketLifecycleDeletesLogs,
            format!(
                "lifecycle rules of log bucket {t} delete log files earlier than the spec keeps them"
            ),
        ),
        StepKind::PutBucketVersioning => (
            DriftRule::BucketVersioningOff,
            format!("versioning of log bucket {t} is not enabled"),
        ),
        StepKind::PutObjectLockConfiguration => (
            pick.of(
                DriftRule::BucketObjectLockWeakened,
                DriftRule::BucketObjectLockDrift,
            ),
            format!("object lock of log bucket {t} differs from the spec"),
        ),
        StepKind::PutBucketLifecycle => (
            pick.of(
                DriftRule::BucketRetentionShortened,
                DriftRule::BucketRetentionDrift,
            ),
            format!("retention of log bucket {t} differs from the spec"),
        ),
        StepKind::PutBucketLogging => (
            DriftRule::BucketAccessLoggingOff,
            format!("server access logging of log bucket {t} differs from the spec"),
        ),
        StepKind::PutBucketPolicy => (
            pick.of(DriftRule::BucketPolicyDrift, DriftRule::BucketPolicyTidy),
            format!(
                "bucket policy of {t} differs from what the trails need ({})",
                step.reason
            ),
        ),
        _ => (
            DriftRule::BucketDrift,
            format!("log bucket {t} differs from the spec"),
        ),
    }
}

/// (rule id, message) of a guardrail or alert step.
fn describe_guardrail(step: &Step, t: &str, pick: Pick) -> (DriftRule, String) {
    match &step.action {
        Action::EnablePolicyType { policy_type, .. } => (
            DriftRule::GuardrailTypeDisabled,
            format!(
                "{}s are disabled on the organization's root",
                policy_type.short()
            ),
        ),
        Action::CreatePolicy { .. } => (
            DriftRule::GuardrailMissing,
            format!("{t} does not exist (deleted?)"),
        ),
        Action::AttachPolicy { target, .. } => (
            DriftRule::GuardrailDetached,
            format!("{t} is not attached to {target} (detached?)"),
        ),
        Action::DetachPolicy { target, .. } => (
            DriftRule::GuardrailExtra,
            format!("{t} is attached to {target}, which the spec does not name"),
        ),
        Action::DeletePolicy { .. } => (
            DriftRule::GuardrailExtra,
            format!("{t} exists, the spec has no such guardrail"),
        ),
        Action::PutRule { .. } => (
            pick.of(DriftRule::AlertMissing, DriftRule::AlertDrift),
            format!("alert {t} is missing, disabled or differs from the spec"),
        ),
        Action::PutTargets { .. } => (
            DriftRule::AlertUntargeted,
            format!("alert {t} does not publish to the spec's topic"),
        ),
        Action::DeleteRule { .. } => (
            DriftRule::AlertExtra,
            format!("alert {t} exists, the spec has no alerts"),
        ),
        // UpdatePolicy.
        _ => (
            pick.of(DriftRule::GuardrailWeakened, DriftRule::GuardrailDrift),
            format!("{t} differs from the spec (edited?)"),
        ),
    }
}

/// (rule id, message) of a step, picked by whether it restores coverage.
fn describe(step: &Step, lost: bool) -> (DriftRule, String) {
    let (t, pick) = (&step.target, Pick(lost));
    match step.kind {
        StepKind::CreateTrail => (
            DriftRule::TrailMissing,
            format!("trail {t} does not exist (deleted?)"),
        ),
        StepKind::StartLogging => (
            DriftRule::LoggingStopped,
            format!("trail {t} is not logging"),
        ),
        StepKind::StopLogging => (
            DriftRule::LoggingOn,
            format!("trail {t} is logging, the spec says it should not"),
        ),
        StepKind::EnableTrustedAccess => (
            DriftRule::TrustedAccessRemoved,
            "CloudTrail is no longer a trusted service of the organization".into(),
        ),
        StepKind::DisableTrustedAccess => (
            DriftRule::TrustedAccessOn,
            "CloudTrail trusted access is on, the spec says off".into(),
        ),
        StepKind::RegisterDelegatedAdministrator => (
            DriftRule::DelegatedAdminMissing,
            format!("{t} is not a CloudTrail delegated administrator, the spec says it should be"),
        ),
        StepKind::DeregisterDelegatedAdministrator => (
            DriftRule::DelegatedAdminExtra,
            format!("{t} is a CloudTrail delegated administrator the spec does not list"),
        ),
        StepKind::EnableAllFeatures => (
            DriftRule::AllFeaturesOff,
            "the organization does not have all features enabled".into(),
        ),
        StepKind::CreateBucket
        | StepKind::PutPublicAccessBlock
        | StepKind::PutBucketEncryption
        | StepKind::PutBucketOwnershipControls
        | StepKind::PutBucketVersioning
        | StepKind::PutObjectLockConfiguration
        | StepKind::PutBucketLifecycle
        | StepKind::RemoveLifecycleRules
        | StepKind::PutBucketLogging
        | StepKind::PutBucketPolicy => describe_bucket(step, t, pick),
        StepKind::ConvertToOrganizationTrail => (
            DriftRule::NotOrganizationTrail,
            format!("trail {t} is no longer an organization trail"),
        ),
        StepKind::ConvertToMultiRegion => (
            DriftRule::NotMultiRegion,
            format!("trail {t} is no longer a multi-region trail"),
        ),
        StepKind::PutEventSelectors => (
            pick.of(DriftRule::EventsNotLogged, DriftRule::EventSelectorsDrift),
            format!("event selectors of {t} differ from the spec"),
        ),
        StepKind::UpdateTrail => (
            pick.of(
                DriftRule::TrailSettingsWeakened,
                DriftRule::TrailSettingsDrift,
            ),
            format!("settings of trail {t} differ from the spec"),
        ),
        StepKind::PutInsightSelectors => (
            pick.of(DriftRule::InsightsOff, DriftRule::InsightsDrift),
            format!("insight selectors of {t} differ from the spec"),
        ),
        StepKind::TagTrail | StepKind::UntagTrail => (
            DriftRule::TagsDrift,
            format!("tags of {t} differ from the spec"),
        ),
        // Guardrail policies and alert rules (`StepKind::is_guardrail`).
        _ => describe_guardrail(step, t, pick),
    }
}

/// Delivery errors from GetTrailStatus. Log delivery that is failing now (an error and no
/// successful delivery for [`DELIVERY_STALE_SECS`]) means no log is arriving: coverage lost.
/// An older error is a warning.
fn health_findings(spec: &str, arn: &str, h: &TrailHealth) -> Vec<DriftFinding> {
    let logs_failing = h.delivery_failing();
    let checks = [
        (
            DriftRule::DeliveryError,
            "log delivery to S3",
            &h.latest_delivery_error,
            logs_failing,
        ),
        (
            DriftRule::DigestDeliveryError,
            "digest delivery to S3",
            &h.latest_digest_delivery_error,
            false,
        ),
        (
            DriftRule::CloudwatchDeliveryError,
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
                DriftRule::DeliveryFailing,
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
            rule,
            severity,
            spec: spec.to_string(),
            target: arn.to_string(),
            message,
            changes: Vec::new(),
            policy_diff: None,
            fixed_by_apply: false,
            apply_flags: Vec::new(),
        });
    }
    out
}

/// The drift rule of a preflight finding that puts delivery or retention of the evidence at
/// risk (CloudTrail cannot deliver, or someone other than the spec's principals may delete or
/// rewrite the logs): such a finding is coverage lost, so a scheduled drift job exits 2 on it
/// rather than 1 ("the tool broke"). Apply cannot fix these; the finding says what to do.
fn at_risk(code: FindingCode) -> Option<DriftRule> {
    Some(match code {
        FindingCode::BucketMissing => DriftRule::BucketMissing,
        FindingCode::BucketNotOwned => DriftRule::BucketNotOwned,
        FindingCode::BucketPolicyAllowsTampering => DriftRule::BucketPolicyAllowsTampering,
        FindingCode::BucketPolicyDeniesTrail => DriftRule::BucketPolicyDeniesTrail,
        FindingCode::BucketPolicyLacking => DriftRule::BucketPolicyLacking,
        FindingCode::KmsKeyDisabled => DriftRule::KmsKeyDisabled,
        FindingCode::KmsKeyMissing => DriftRule::KmsKeyMissing,
        FindingCode::KmsKeyPolicy => DriftRule::KmsKeyPolicy,
        FindingCode::KmsKeyRegion => DriftRule::KmsKeyRegion,
        _ => return None,
    })
}

/// A preflight finding as a drift finding: apply cannot fix it, its fix says what to do.
fn of_finding(f: &Finding, rule: DriftRule, severity: DriftSeverity) -> DriftFinding {
    DriftFinding {
        rule,
        severity,
        spec: f.spec.clone(),
        target: String::new(),
        message: format!("{} (fix: {})", f.message, f.fix),
        changes: Vec::new(),
        policy_diff: None,
        fixed_by_apply: false,
        apply_flags: Vec::new(),
    }
}

fn evidence_at_risk(f: &Finding) -> DriftFinding {
    let rule = at_risk(f.code).unwrap_or(DriftRule::BucketDrift);
    of_finding(f, rule, DriftSeverity::CoverageLost)
}

/// A second, paid copy of management events beside the spec's trail (another trail that
/// appeared out of band, a landing zone's organization trail): preflight's
/// `duplicate-management-events` judgement, reported as a warning so a scheduled drift job
/// surfaces the bill without failing (apply cannot remove a trail it does not manage).
fn paid_duplicate(f: &Finding) -> Option<DriftFinding> {
    (f.code == FindingCode::DuplicateManagementEvents).then(|| {
        of_finding(
            f,
            DriftRule::PaidDuplicateManagementEvents,
            DriftSeverity::Warning,
        )
    })
}

/// Build the drift report from a plan and the live state it was computed from.
pub fn report(plan: &Plan, live: &LiveState) -> DriftReport {
    let mut findings = Vec::new();
    for step in &plan.steps {
        let (rule, severity, message) = classify(step);
        findings.push(DriftFinding {
            rule,
            severity,
            spec: step.spec.clone(),
            target: step.target.clone(),
            message,
            changes: step.changes.clone(),
            policy_diff: step.policy_diff.clone(),
            fixed_by_apply: true,
            apply_flags: apply_flags(step),
        });
    }
    for (i, t) in live.trails.iter().enumerate() {
        if let (Some(trail), Some(h)) = (&t.trail, &t.health) {
            let spec = plan.specs.get(i).map_or("", String::as_str);
            findings.extend(health_findings(spec, &trail.arn, h));
        }
    }
    let (risks, errors): (Vec<&Finding>, Vec<&Finding>) = plan
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error || at_risk(f.code).is_some())
        .partition(|f| at_risk(f.code).is_some());
    findings.extend(risks.into_iter().map(evidence_at_risk));
    findings.extend(plan.findings.iter().filter_map(paid_duplicate));
    findings.sort_by(|a, b| {
        (a.severity, &a.spec, &a.rule, &a.target).cmp(&(b.severity, &b.spec, &b.rule, &b.target))
    });
    DriftReport {
        format_version: DRIFT_FORMAT_VERSION,
        specs: plan.specs.clone(),
        findings,
        errors: errors
            .into_iter()
            .map(|f| format!("{} (fix: {})", f.message, f.fix))
            .collect(),
    }
}

#[cfg(test)]
#[path = "drift_tests.rs"]
mod tests;
