//! The plan as data: steps (each with the exact [`Action`] apply makes), field-level
//! before/after for review, findings. No logic beyond small constructors lives here.

use std::collections::BTreeMap;

use orgtrail_spec::{InsightSelector, Spec};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{AlertPlace, PolicyType, Selectors, TrailSettings};

pub use super::finding::{Finding, FindingCode, Severity};

/// The kind of a step, as shown to reviewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    EnableAllFeatures,
    EnableTrustedAccess,
    DisableTrustedAccess,
    RegisterDelegatedAdministrator,
    DeregisterDelegatedAdministrator,
    CreateBucket,
    PutBucketOwnershipControls,
    PutPublicAccessBlock,
    PutBucketEncryption,
    PutBucketVersioning,
    PutObjectLockConfiguration,
    PutBucketLifecycle,
    RemoveLifecycleRules,
    PutBucketPolicy,
    PutBucketLogging,
    CreateTrail,
    UpdateTrail,
    ConvertToOrganizationTrail,
    ConvertToMultiRegion,
    PutEventSelectors,
    PutInsightSelectors,
    TagTrail,
    UntagTrail,
    StartLogging,
    StopLogging,
    EnablePolicyType,
    CreatePolicy,
    UpdatePolicy,
    AttachPolicy,
    DetachPolicy,
    DeletePolicy,
    PutRule,
    PutTargets,
    DeleteRule,
}

impl StepKind {
    /// Every kind, in declaration order (the docs' step table is checked against it).
    pub const ALL: &'static [StepKind] = &[
        StepKind::EnableAllFeatures,
        StepKind::EnableTrustedAccess,
        StepKind::DisableTrustedAccess,
        StepKind::RegisterDelegatedAdministrator,
        StepKind::DeregisterDelegatedAdministrator,
        StepKind::CreateBucket,
        StepKind::PutBucketOwnershipControls,
        StepKind::PutPublicAccessBlock,
        StepKind::PutBucketEncryption,
        StepKind::PutBucketVersioning,
        StepKind::PutObjectLockConfiguration,
        StepKind::PutBucketLifecycle,
        StepKind::RemoveLifecycleRules,
        StepKind::PutBucketPolicy,
        StepKind::PutBucketLogging,
        StepKind::CreateTrail,
        StepKind::UpdateTrail,
        StepKind::ConvertToOrganizationTrail,
        StepKind::ConvertToMultiRegion,
        StepKind::PutEventSelectors,
        StepKind::PutInsightSelectors,
        StepKind::TagTrail,
        StepKind::UntagTrail,
        StepKind::StartLogging,
        StepKind::StopLogging,
        StepKind::EnablePolicyType,
        StepKind::CreatePolicy,
        StepKind::UpdatePolicy,
        StepKind::AttachPolicy,
        StepKind::DetachPolicy,
        StepKind::DeletePolicy,
        StepKind::PutRule,
        StepKind::PutTargets,
        StepKind::DeleteRule,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::EnableAllFeatures => "enable-all-features",
            StepKind::EnableTrustedAccess => "enable-trusted-access",
            StepKind::DisableTrustedAccess => "disable-trusted-access",
            StepKind::RegisterDelegatedAdministrator => "register-delegated-administrator",
            StepKind::DeregisterDelegatedAdministrator => "deregister-delegated-administrator",
            StepKind::CreateBucket => "create-bucket",
            StepKind::PutBucketOwnershipControls => "put-bucket-ownership-controls",
            StepKind::PutPublicAccessBlock => "put-public-access-block",
            StepKind::PutBucketVersioning => "put-bucket-versioning",
            StepKind::PutObjectLockConfiguration => "put-object-lock-configuration",
            StepKind::PutBucketLifecycle => "put-bucket-lifecycle",
            StepKind::RemoveLifecycleRules => "remove-lifecycle-rules",
            StepKind::PutBucketLogging => "put-bucket-logging",
            StepKind::PutBucketEncryption => "put-bucket-encryption",
            StepKind::PutBucketPolicy => "put-bucket-policy",
            StepKind::CreateTrail => "create-trail",
            StepKind::UpdateTrail => "update-trail",
            StepKind::ConvertToOrganizationTrail => "convert-to-organization-trail",
            StepKind::ConvertToMultiRegion => "convert-to-multi-region",
            StepKind::PutEventSelectors => "put-event-selectors",
            StepKind::PutInsightSelectors => "put-insight-selectors",
            StepKind::TagTrail => "tag-trail",
            StepKind::UntagTrail => "untag-trail",
            StepKind::StartLogging => "start-logging",
            StepKind::StopLogging => "stop-logging",
            StepKind::EnablePolicyType => "enable-policy-type",
            StepKind::CreatePolicy => "create-policy",
            StepKind::UpdatePolicy => "update-policy",
            StepKind::AttachPolicy => "attach-policy",
            StepKind::DetachPolicy => "detach-policy",
            StepKind::DeletePolicy => "delete-policy",
            StepKind::PutRule => "put-rule",
            StepKind::PutTargets => "put-targets",
            StepKind::DeleteRule => "delete-rule",
        }
    }
    /// A guardrail policy or alert rule step (`guardrails:`).
    pub fn is_guardrail(self) -> bool {
        self >= StepKind::EnablePolicyType
    }
    /// Whether the step creates something (`+`) rather than changing it (`~`).
    pub fn is_create(self) -> bool {
        matches!(
            self,
            StepKind::CreateBucket | StepKind::CreateTrail | StepKind::CreatePolicy
        )
    }
}

/// One field of UpdateTrail. Only changed fields are sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "field", content = "value")]
pub enum TrailField {
    S3Bucket(String),
    /// `None` clears the prefix.
    S3KeyPrefix(Option<String>),
    Organization(bool),
    MultiRegion(bool),
    IncludeGlobalServiceEvents(bool),
    LogFileValidation(bool),
    KmsKeyId(Option<String>),
    SnsTopic(Option<String>),
    /// Log group ARN and role ARN are set or cleared together.
    CloudWatchLogs(Option<(String, String)>),
}

/// A bucket and how to act on it: every request names `owner` as ExpectedBucketOwner (S3
/// refuses a bucket owned by anyone else) and is made as `role_arn` when set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BucketRef {
    pub name: String,
    pub region: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The role of the read-only commands (`bucket.read_role_arn`), when the spec names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

impl BucketRef {
    /// The bucket of `spec`; `default_owner`: the management account.
    pub fn of(spec: &Spec, default_owner: &str) -> BucketRef {
        let b = &spec.bucket;
        BucketRef {
            name: b.name.clone(),
            region: spec.bucket_region().to_string(),
            owner: b.owner(default_owner).to_string(),
            role_arn: b.role_arn.clone(),
            read_role_arn: b.read_role_arn.clone(),
            external_id: b.external_id.clone(),
        }
    }
}

/// The exact call a step makes. Apply executes this and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "call")]
pub enum Action {
    EnableAllFeatures,
    EnableTrustedAccess,
    DisableTrustedAccess,
    /// CloudTrail's RegisterOrganizationDelegatedAdmin (management account only).
    RegisterDelegatedAdmin {
        region: String,
        account: String,
    },
    /// CloudTrail's DeregisterOrganizationDelegatedAdmin (management account only).
    DeregisterDelegatedAdmin {
        region: String,
        account: String,
    },
    CreateBucket {
        bucket: BucketRef,
        /// Create it with S3 Object Lock enabled.
        #[serde(default)]
        object_lock: bool,
    },
    PutBucketOwnershipControls {
        bucket: BucketRef,
        ownership: String,
    },
    /// All four public access block settings on.
    PutPublicAccessBlock {
        bucket: BucketRef,
    },
    PutBucketEncryption {
        bucket: BucketRef,
        /// SSE-KMS key for default encryption; SSE-S3 when `None`.
        kms_key_arn: Option<String>,
        #[serde(default)]
        bucket_key: bool,
    },
    PutBucketVersioning {
        bucket: BucketRef,
    },
    PutObjectLockConfiguration {
        bucket: BucketRef,
        mode: String,
        days: u32,
    },
    /// Sets orgtrail's retention rule (`orgtrail-log-retention`); every other lifecycle rule of
    /// the bucket is kept as it is.
    PutBucketLifecycle {
        bucket: BucketRef,
        expire_days: u32,
        noncurrent_expire_days: Option<u32>,
        archive_after_days: Option<u32>,
    },
    /// Removes these lifecycle rules (by ID), keeping every other rule of the bucket.
    RemoveLifecycleRules {
        bucket: BucketRef,
        rule_ids: Vec<String>,
    },
    PutBucketLogging {
        bucket: BucketRef,
        target_bucket: String,
        prefix: Option<String>,
    },
    PutBucketPolicy {
        bucket: BucketRef,
        policy: String,
    },
    CreateTrail {
        region: String,
        trail: TrailSettings,
    },
    UpdateTrail {
        region: String,
        trail_arn: String,
        fields: Vec<TrailField>,
    },
    PutEventSelectors {
        region: String,
        trail_arn: String,
        selectors: Selectors,
    },
    PutInsightSelectors {
        region: String,
        trail_arn: String,
        /// Each type with its event categories, always sent (`EventCategories` replaces what
        /// the trail had).
        insights: Vec<InsightSelector>,
    },
    AddTags {
        region: String,
        trail_arn: String,
        tags: BTreeMap<String, String>,
    },
    RemoveTags {
        region: String,
        trail_arn: String,
        keys: Vec<String>,
    },
    StartLogging {
        region: String,
        trail_arn: String,
    },
    StopLogging {
        region: String,
        trail_arn: String,
    },
    /// Organizations' EnablePolicyType on the root (management account only).
    EnablePolicyType {
        root_id: String,
        policy_type: PolicyType,
    },
    /// CreatePolicy with orgtrail's marker in the description.
    CreatePolicy {
        name: String,
        policy_type: PolicyType,
        content: String,
    },
    UpdatePolicy {
        policy_id: String,
        name: String,
        policy_type: PolicyType,
        content: String,
    },
    /// AttachPolicy of the policy named `name` (created by an earlier step of the same apply,
    /// so found by name) to a root, OU or account.
    AttachPolicy {
        name: String,
        policy_type: PolicyType,
        target: String,
    },
    DetachPolicy {
        policy_id: String,
        name: String,
        target: String,
    },
    /// DeletePolicy of a policy orgtrail created, once detached everywhere.
    DeletePolicy {
        policy_id: String,
        name: String,
    },
    /// EventBridge PutRule on the default bus of `place` (state ENABLED).
    PutRule {
        place: AlertPlace,
        name: String,
        pattern: String,
    },
    /// EventBridge PutTargets: the rule publishes to the SNS topic, as `role_arn` when the
    /// topic is in another account.
    PutTargets {
        place: AlertPlace,
        rule: String,
        topic_arn: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role_arn: Option<String>,
    },
    /// EventBridge RemoveTargets (all of them) then DeleteRule.
    DeleteRule {
        place: AlertPlace,
        name: String,
    },
}

impl Action {
    /// The kind of step this call is, as reviewers see it: an UpdateTrail that makes the trail
    /// an organization (or multi-region) trail is named after that conversion.
    pub fn kind(&self) -> StepKind {
        match self {
            Action::EnableAllFeatures => StepKind::EnableAllFeatures,
            Action::EnableTrustedAccess => StepKind::EnableTrustedAccess,
            Action::DisableTrustedAccess => StepKind::DisableTrustedAccess,
            Action::RegisterDelegatedAdmin { .. } => StepKind::RegisterDelegatedAdministrator,
            Action::DeregisterDelegatedAdmin { .. } => StepKind::DeregisterDelegatedAdministrator,
            Action::CreateBucket { .. } => StepKind::CreateBucket,
            Action::PutBucketOwnershipControls { .. } => StepKind::PutBucketOwnershipControls,
            Action::PutPublicAccessBlock { .. } => StepKind::PutPublicAccessBlock,
            Action::PutBucketEncryption { .. } => StepKind::PutBucketEncryption,
            Action::PutBucketVersioning { .. } => StepKind::PutBucketVersioning,
            Action::PutObjectLockConfiguration { .. } => StepKind::PutObjectLockConfiguration,
            Action::PutBucketLifecycle { .. } => StepKind::PutBucketLifecycle,
            Action::RemoveLifecycleRules { .. } => StepKind::RemoveLifecycleRules,
            Action::PutBucketLogging { .. } => StepKind::PutBucketLogging,
            Action::PutBucketPolicy { .. } => StepKind::PutBucketPolicy,
            Action::CreateTrail { .. } => StepKind::CreateTrail,
            Action::UpdateTrail { fields, .. } => update_kind(fields),
            Action::PutEventSelectors { .. } => StepKind::PutEventSelectors,
            Action::PutInsightSelectors { .. } => StepKind::PutInsightSelectors,
            Action::AddTags { .. } => StepKind::TagTrail,
            Action::RemoveTags { .. } => StepKind::UntagTrail,
            Action::StartLogging { .. } => StepKind::StartLogging,
            Action::StopLogging { .. } => StepKind::StopLogging,
            Action::EnablePolicyType { .. } => StepKind::EnablePolicyType,
            Action::CreatePolicy { .. } => StepKind::CreatePolicy,
            Action::UpdatePolicy { .. } => StepKind::UpdatePolicy,
            Action::AttachPolicy { .. } => StepKind::AttachPolicy,
            Action::DetachPolicy { .. } => StepKind::DetachPolicy,
            Action::DeletePolicy { .. } => StepKind::DeletePolicy,
            Action::PutRule { .. } => StepKind::PutRule,
            Action::PutTargets { .. } => StepKind::PutTargets,
            Action::DeleteRule { .. } => StepKind::DeleteRule,
        }
    }
}

/// UpdateTrail sends only changed fields, so `Organization(true)` means the trail becomes an
/// organization trail, `MultiRegion(true)` that it starts logging every region.
fn update_kind(fields: &[TrailField]) -> StepKind {
    if fields.contains(&TrailField::Organization(true)) {
        StepKind::ConvertToOrganizationTrail
    } else if fields.contains(&TrailField::MultiRegion(true)) {
        StepKind::ConvertToMultiRegion
    } else {
        StepKind::UpdateTrail
    }
}

/// A field's value before and after, for review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub kind: StepKind,
    /// What the step acts on (`organization`, `s3://my-bucket`, a trail ARN).
    pub target: String,
    /// The spec file this step comes from (empty for organization-wide steps).
    pub spec: String,
    pub changes: Vec<FieldChange>,
    /// The bucket policy before/after (canonical pretty JSON) for put-bucket-policy.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub policy_diff: Option<(String, String)>,
    /// Display only; apply never reads it.
    pub reason: String,
    /// `coverage_lost` is not empty: apply refuses the step without `--allow-coverage-reduction`.
    pub reduces_coverage: bool,
    /// Audit coverage live has now that the step would lose, in words (see `crate::coverage`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage_lost: Vec<String>,
    /// Audit coverage the live state lacks and the step restores; drift reports these as
    /// coverage lost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage_restored: Vec<String>,
    /// Which events the step makes billable or stops billing, in words, with the monthly
    /// amount when the spec states its volumes (`plan/billing.rs`, docs/cost.md). Display only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub billing: Vec<String>,
    pub action: Action,
}

impl Step {
    /// A step that does not reduce coverage, with no field changes and no policy diff yet; its
    /// kind is the action's.
    pub(crate) fn new(target: String, spec: String, reason: String, action: Action) -> Step {
        Step {
            kind: action.kind(),
            target,
            spec,
            changes: Vec::new(),
            policy_diff: None,
            reason,
            reduces_coverage: false,
            coverage_lost: Vec::new(),
            coverage_restored: Vec::new(),
            billing: Vec::new(),
            action,
        }
    }
    pub(crate) fn with_changes(mut self, changes: Vec<FieldChange>) -> Step {
        self.changes = changes;
        self
    }
    pub(crate) fn with_policy_diff(mut self, diff: Option<(String, String)>) -> Step {
        self.policy_diff = diff;
        self
    }
    /// What the step loses (live -> desired) and restores (desired -> live).
    pub(crate) fn coverage(mut self, lost: Vec<String>, restored: Vec<String>) -> Step {
        self.reduces_coverage = !lost.is_empty();
        self.coverage_lost = lost;
        self.coverage_restored = restored;
        self
    }
}

/// A plan: steps in dependency order, findings, and the hashes that make a saved plan stale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub specs: Vec<String>,
    pub steps: Vec<Step>,
    pub findings: Vec<Finding>,
    /// Hash of every read the plan depends on.
    pub live_fingerprint: String,
    /// Per-read hashes, to say which read changed when a saved plan is stale.
    pub live_components: BTreeMap<String, String>,
    /// Hash of the spec files' bytes.
    pub spec_hash: String,
    /// The monthly CloudTrail charge of each trail whose spec states its expected volumes
    /// (`trail.expected_events_per_month`), before and after the plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub estimates: Vec<Estimate>,
    /// Warnings a spec acknowledged (`acknowledge:`), with its reason: shown once, not as warnings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acknowledged: Vec<Acknowledged>,
}

/// A warning a spec acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledged {
    pub spec: String,
    pub code: FindingCode,
    pub reason: String,
}

/// The estimated monthly CloudTrail charge of one spec's trail, live and as the plan leaves it,
/// from the volumes its spec states (docs/cost.md). In US cents, so the figures add up exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Estimate {
    pub spec: String,
    /// The trail's ARN.
    pub trail: String,
    pub before_cents: u64,
    pub after_cents: u64,
    /// What the figures assume, in words (a paid copy in part of the trail's scope counted in
    /// full, a kind whose volume the spec does not state).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Plan {
    /// What the plan's coverage reductions are, as one value a review can approve: SHA-256 of
    /// the reducing steps' kind, target and exact call, in plan order; `None` without any.
    /// `orgtrail apply --approved-reductions` applies reductions only when they are exactly these.
    pub fn reductions_fingerprint(&self) -> Option<String> {
        let reducing: Vec<serde_json::Value> = self
            .steps
            .iter()
            .filter(|s| s.reduces_coverage)
            .map(|s| serde_json::json!([s.kind.as_str(), s.target, s.action]))
            .collect();
        if reducing.is_empty() {
            return None;
        }
        let bytes = serde_json::to_vec(&reducing).expect("plain JSON values always serialise");
        Some(format!("sha256:{}", crate::model::hex::sha256_hex(&bytes)))
    }

    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
    pub fn counts(&self) -> (usize, usize, usize) {
        let add = self.steps.iter().filter(|s| s.kind.is_create()).count();
        let reduce = self.steps.iter().filter(|s| s.reduces_coverage).count();
        (add, self.steps.len() - add, reduce)
    }
}

/// One spec as input to the diff.
#[derive(Debug, Clone)]
pub struct SpecInput<'a> {
    pub path: String,
    pub source: &'a [u8],
    pub spec: &'a Spec,
}

/// A field's before/after for review.
pub(crate) fn change(field: &str, before: Value, after: Value) -> FieldChange {
    FieldChange {
        field: field.to_string(),
        before,
        after,
    }
}
