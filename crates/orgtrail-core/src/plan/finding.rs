//! Preflight findings as data: their severity, their stable codes (for scripts, SARIF rule ids
//! and the docs' table, checked by `tests/e2e/docs.rs`), and the finding itself.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks apply: fix it first.
    Error,
    Warning,
}

crate::model::names::named! {
    /// What a preflight finding is about: stable, for scripts and SARIF rule ids.
    pub enum FindingCode {
        AccessLoggingTargetLocked => "access-logging-target-locked",
        AlertsNotRecorded => "alerts-not-recorded",
        AlertsPlaceUnreachable => "alerts-place-unreachable",
        AlertsRoleMissing => "alerts-role-missing",
        AlertsRuleTaken => "alerts-rule-taken",
        AlertsTopicMissing => "alerts-topic-missing",
        AlertsTopicPolicy => "alerts-topic-policy",
        AlertsTopicRegion => "alerts-topic-region",
        AlertsTopicUnreadable => "alerts-topic-unreadable",
        AccessLoggingTargetMissing => "access-logging-target-missing",
        AccessLoggingTargetPolicy => "access-logging-target-policy",
        BucketAccessLoggingOff => "bucket-access-logging-off",
        BucketMissing => "bucket-missing",
        BucketNotOwned => "bucket-not-owned",
        BucketPolicy => "bucket-policy",
        BucketPolicyAllowsTampering => "bucket-policy-allows-tampering",
        BucketPolicyDeniesTrail => "bucket-policy-denies-trail",
        BucketPolicyLacking => "bucket-policy-lacking",
        BucketPublicAccessUnmanaged => "bucket-public-access-unmanaged",
        BucketRegion => "bucket-region",
        BucketTlsUnmanaged => "bucket-tls-unmanaged",
        BucketVerifyOnly => "bucket-verify-only",
        BucketVersioningUnmanaged => "bucket-versioning-unmanaged",
        ConflictingBucket => "conflicting-bucket",
        ConflictingDelegatedAdministrators => "conflicting-delegated-administrators",
        DataEventsLogTheirOwnBucket => "data-events-log-their-own-bucket",
        DelegatedAdministratorsUnalerted => "delegated-administrators-unalerted",
        DuplicateManagementEvents => "duplicate-management-events",
        DuplicateTrail => "duplicate-trail",
        EnableAllFeatures => "enable-all-features",
        GuardrailDeniesDelivery => "guardrail-denies-delivery",
        GuardrailLocksOutCaller => "guardrail-locks-out-caller",
        GuardrailNameTaken => "guardrail-name-taken",
        GuardrailTargetLimit => "guardrail-target-limit",
        GuardrailTooLarge => "guardrail-too-large",
        GuardrailUnenforceable => "guardrail-unenforceable",
        GuardrailsUnlisted => "guardrails-unlisted",
        GuardrailsUnreadable => "guardrails-unreadable",
        KmsKeyDisabled => "kms-key-disabled",
        KmsKeyMissing => "kms-key-missing",
        KmsKeyPolicy => "kms-key-policy",
        KmsKeyPolicyUnreadable => "kms-key-policy-unreadable",
        KmsKeyRegion => "kms-key-region",
        LegacyStatementKept => "legacy-statement-kept",
        ManagedByLandingZone => "managed-by-landing-zone",
        ManagementAccountOnly => "management-account-only",
        NoCloudwatchLogs => "no-cloudwatch-logs",
        NoKms => "no-kms",
        NoManagementEvents => "no-management-events",
        NotInOrganization => "not-in-organization",
        NotManagementAccount => "not-management-account",
        NoncurrentKeptForever => "noncurrent-kept-forever",
        SecondOrganizationTrail => "second-organization-trail",
        SingleRegion => "single-region",
        TrailLimit => "trail-limit",
        TrailNameTaken => "trail-name-taken",
        ValidationOff => "validation-off",
    }
}

/// A preflight finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: FindingCode,
    /// The spec file it concerns (empty when organization-wide).
    pub spec: String,
    pub message: String,
    pub fix: String,
}
