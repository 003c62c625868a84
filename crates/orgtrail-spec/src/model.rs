//! The typed spec v1. These types are what the rest of orgtrail sees; they are produced only by
//! the parser (`parse/`), which checks every rule documented in `docs/spec.md` first. The serde
//! and schemars attributes exist for the generated JSON Schema (`orgtrail schema`) and for the
//! spec hash in saved plans, not for parsing: parsing goes through the located tree of
//! `parse/node.rs` so that every error carries a line and column.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::insights::InsightSelector;

pub use crate::protection::*;

fn yes() -> bool {
    true
}

fn version_one() -> u32 {
    1
}

/// One organization trail, its bucket and the AWS Organizations prerequisites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "orgtrail spec v1")]
pub struct Spec {
    /// Spec format version; must be 1.
    #[schemars(range(min = 1, max = 1))]
    #[serde(default = "version_one")]
    pub version: u32,
    /// AWS Organizations prerequisites.
    #[serde(default)]
    pub organization: Organization,
    /// The S3 bucket that receives the organization's log files.
    pub bucket: Bucket,
    /// The organization trail.
    pub trail: Trail,
    /// Warnings the team accepts, each with its reason: the plan prints the reason once instead
    /// of the warning on every plan, apply and PR comment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acknowledge: Vec<Acknowledgement>,
    /// Organization policies that protect the trail, bucket, key and log group the spec
    /// manages, and alerts on attempts to change them (docs/guardrails.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrails: Option<Guardrails>,
}

/// `guardrails:`: a service control policy that denies changes to what the spec manages to
/// every principal but the exempt ones, a resource control policy that keeps the bucket and
/// key inside the organization, and alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Guardrails {
    /// IAM principals that may still change what the spec manages (CI roles, break-glass), by
    /// ARN; `*` may stand for part of a name. The spec's own roles (`bucket.role_arn`,
    /// `trail.kms_role_arn`) are added.
    #[serde(default)]
    pub exempt_principals: Vec<String>,
    /// Where the policies are attached: `root`, OU ids (`ou-...`) or account ids.
    #[serde(default = "root_only")]
    pub attach_to: Vec<String>,
    /// Deny changes to the trail, bucket, log files, key and log group (SCP).
    #[serde(default = "yes")]
    pub scp: bool,
    /// Deny the bucket and key to principals outside the organization (RCP).
    #[serde(default = "yes")]
    pub rcp: bool,
    /// Alerts on attempts to change what the spec manages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<Alerts>,
}

fn root_only() -> Vec<String> {
    vec!["root".to_string()]
}

/// `guardrails.alerts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    /// The SNS topic EventBridge publishes each alert to (an ARN).
    pub sns_topic: String,
    /// The role EventBridge publishes as from a place in another account than the topic's
    /// ("Sending events to an AWS service in another account", EventBridge user guide: an
    /// execution role in the rule's account): its name, the same in every such account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64), regex(pattern = r"^[A-Za-z0-9+=,.@_-]+$"))]
    pub execution_role_name: Option<String>,
}

/// A warning accepted on purpose (`acknowledge:`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    /// The warning's code (one of [`ACKNOWLEDGEABLE`]).
    pub code: String,
    /// Why the team accepts it (printed by the plan).
    pub reason: String,
}

/// The warnings a spec may acknowledge: choices a team can make deliberately (CIS-style
/// recommendations, a paid second copy of management events). Errors, and warnings about
/// someone else's access to the logs, cannot be acknowledged.
pub const ACKNOWLEDGEABLE: &[&str] = &[
    "validation-off",
    "single-region",
    "no-kms",
    "no-cloudwatch-logs",
    "no-management-events",
    "duplicate-management-events",
    "bucket-access-logging-off",
    "bucket-public-access-unmanaged",
    "bucket-versioning-unmanaged",
    "bucket-tls-unmanaged",
    "noncurrent-kept-forever",
];

/// AWS Organizations prerequisites of an organization trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// The organization's FeatureSet must be ALL.
    #[serde(default = "yes")]
    pub all_features: bool,
    /// cloudtrail.amazonaws.com must be a trusted service (EnableAWSServiceAccess).
    #[serde(default = "yes")]
    pub trusted_access: bool,
    /// CloudTrail delegated administrators (account ids), authoritative when set: missing ones
    /// are registered (RegisterOrganizationDelegatedAdmin), others deregistered. `null` (the
    /// default): orgtrail leaves delegated administrators alone.
    #[serde(default)]
    pub delegated_administrators: Option<Vec<String>>,
}

impl Default for Organization {
    fn default() -> Self {
        Organization {
            all_features: true,
            trusted_access: true,
            delegated_administrators: None,
        }
    }
}

/// How orgtrail treats the bucket policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PolicyMode {
    /// Add or replace only the statements CloudTrail needs; keep every other statement.
    #[default]
    Merge,
    /// Never write the policy; fail the plan if a needed statement is missing.
    Verify,
}

impl PolicyMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyMode::Merge => "merge",
            PolicyMode::Verify => "verify",
        }
    }
}

/// The log bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// S3 bucket name.
    pub name: String,
    /// Bucket region; defaults to `trail.home_region`.
    #[serde(default)]
    pub region: Option<String>,
    /// Create the bucket when it is missing (with public access blocked and default encryption).
    #[serde(default)]
    pub create: bool,
    /// `merge` (default) or `verify`.
    #[serde(default)]
    pub policy: PolicyMode,
    /// The account that owns the bucket (a log-archive account); every S3 request sends it as
    /// ExpectedBucketOwner. Default: the account of `role_arn`, else the management account.
    #[serde(default)]
    pub account: Option<String>,
    /// A role in the bucket's account, assumed (session name `orgtrail`) for every read and write
    /// of the bucket. Without it, a bucket of another account is only verified.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// A second role in the bucket's account for the commands that only read (plan, drift,
    /// verify, import), so that the jobs running them cannot change the bucket: least privilege
    /// for pull-request jobs. `role_arn` stays the role of `apply`. Default: `role_arn`.
    #[serde(default)]
    pub read_role_arn: Option<String>,
    /// The external id the role's trust policy requires.
    #[serde(default)]
    pub external_id: Option<String>,
    /// All four S3 public access block settings on (`false`: not managed).
    #[serde(default = "yes")]
    pub public_access_block: bool,
    /// S3 Object Ownership (`null`: not managed).
    #[serde(default = "owner_enforced")]
    pub ownership: Option<Ownership>,
    /// Default encryption; `null`: SSE-KMS with `trail.kms_key_id` (bucket key on) when set,
    /// else SSE-S3.
    #[serde(default)]
    pub encryption: Option<Encryption>,
    /// Versioning enabled (`false`: not managed; orgtrail never suspends it).
    #[serde(default = "yes")]
    pub versioning: bool,
    /// Retention of the log files (`null`: kept forever; any lifecycle rule deleting them earlier
    /// than this is removed).
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
    /// Object Lock default retention (`null`: not managed).
    #[serde(default)]
    pub object_lock: Option<ObjectLock>,
    /// Server access logging to another bucket (`null`: not managed).
    #[serde(default)]
    pub access_logging: Option<AccessLogging>,
    /// A bucket policy statement that denies requests without TLS (`false`: not managed).
    #[serde(default = "yes")]
    pub require_tls: bool,
}

fn owner_enforced() -> Option<Ownership> {
    Some(Ownership::BucketOwnerEnforced)
}

impl Bucket {
    /// The protection the bucket section asks for.
    pub fn protection(&self) -> Protection {
        Protection {
            public_access_block: self.public_access_block,
            ownership: self.ownership,
            encryption: self.encryption,
            versioning: self.versioning,
            lifecycle: self.lifecycle,
            object_lock: self.object_lock,
            access_logging: self.access_logging.clone(),
            require_tls: self.require_tls,
        }
    }

    /// The account that owns the bucket: `account`, else the role's account, else `default`
    /// (the management account).
    pub fn owner<'a>(&'a self, default: &'a str) -> &'a str {
        self.account
            .as_deref()
            .or_else(|| {
                self.role_arn
                    .as_deref()
                    .and_then(crate::rules::role_account)
            })
            .unwrap_or(default)
    }
}

/// CloudWatch Logs delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudWatchLogs {
    /// Log group ARN (with or without the trailing `:*`).
    pub log_group_arn: String,
    /// IAM role CloudTrail assumes to write to the log group.
    pub role_arn: String,
}

/// `ReadWriteType` of a basic event selector.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize, JsonSchema,
)]
pub enum ReadWriteType {
    ReadOnly,
    WriteOnly,
    #[default]
    All,
}

impl ReadWriteType {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadWriteType::ReadOnly => "ReadOnly",
            ReadWriteType::WriteOnly => "WriteOnly",
            ReadWriteType::All => "All",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ReadOnly" => Some(ReadWriteType::ReadOnly),
            "WriteOnly" => Some(ReadWriteType::WriteOnly),
            "All" => Some(ReadWriteType::All),
            _ => None,
        }
    }
}

/// A data resource of a basic event selector.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataResource {
    /// e.g. `AWS::S3::Object`, `AWS::Lambda::Function`.
    #[serde(rename = "type")]
    pub resource_type: String,
    #[serde(default)]
    pub values: Vec<String>,
}

/// A basic event selector.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventSelector {
    #[serde(default)]
    pub read_write_type: ReadWriteType,
    #[serde(default = "yes")]
    pub include_management_events: bool,
    #[serde(default)]
    pub exclude_management_event_sources: Vec<String>,
    #[serde(default)]
    pub data_resources: Vec<DataResource>,
}

impl EventSelector {
    /// The selector AWS gives a new trail: all management events, no data events.
    pub fn aws_default() -> Self {
        EventSelector {
            read_write_type: ReadWriteType::All,
            include_management_events: true,
            exclude_management_event_sources: Vec::new(),
            data_resources: Vec::new(),
        }
    }
}

/// One field condition of an advanced event selector.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSelector {
    /// e.g. `eventCategory`, `resources.type`, `readOnly`.
    pub field: String,
    #[serde(default)]
    pub equals: Vec<String>,
    #[serde(default)]
    pub starts_with: Vec<String>,
    #[serde(default)]
    pub ends_with: Vec<String>,
    #[serde(default)]
    pub not_equals: Vec<String>,
    #[serde(default)]
    pub not_starts_with: Vec<String>,
    #[serde(default)]
    pub not_ends_with: Vec<String>,
}

impl FieldSelector {
    /// Each condition's values sorted (their order carries no meaning), for comparison.
    pub fn sort_values(&mut self) {
        for v in [
            &mut self.equals,
            &mut self.starts_with,
            &mut self.ends_with,
            &mut self.not_equals,
            &mut self.not_starts_with,
            &mut self.not_ends_with,
        ] {
            v.sort();
        }
    }
}

/// An advanced event selector.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvancedEventSelector {
    #[serde(default)]
    pub name: Option<String>,
    pub field_selectors: Vec<FieldSelector>,
}

/// The organization trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trail {
    /// Trail name (3-128 of letters, digits, `.`, `_`, `-`).
    pub name: String,
    /// The region the trail is created in; every write goes there.
    pub home_region: String,
    /// IsOrganizationTrail.
    #[serde(default = "yes")]
    pub organization: bool,
    /// IsMultiRegionTrail.
    #[serde(default = "yes")]
    pub multi_region: bool,
    /// IncludeGlobalServiceEvents.
    #[serde(default = "yes")]
    pub include_global_service_events: bool,
    /// LogFileValidationEnabled.
    #[serde(default = "yes")]
    pub log_file_validation: bool,
    /// Desired IsLogging.
    #[serde(default = "yes")]
    pub logging: bool,
    #[serde(default)]
    pub s3_key_prefix: Option<String>,
    /// Key id, key ARN, `alias/NAME` or alias ARN.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// A role in the key's account (a security account) assumed to read the key and its policy
    /// when `kms_key_id` is a key ARN of another account. Without it such a key is checked for
    /// what can be seen from here, with a warning.
    #[serde(default)]
    pub kms_role_arn: Option<String>,
    /// SNS topic name or ARN.
    #[serde(default)]
    pub sns_topic: Option<String>,
    #[serde(default)]
    pub cloudwatch_logs: Option<CloudWatchLogs>,
    /// Basic event selectors; `null` means AWS's default (all management events).
    #[serde(default)]
    pub event_selectors: Option<Vec<EventSelector>>,
    /// Advanced event selectors (mutually exclusive with `event_selectors`).
    #[serde(default)]
    pub advanced_event_selectors: Option<Vec<AdvancedEventSelector>>,
    /// CloudTrail Insights: a type (`ApiCallRateInsight`: on management events) or
    /// `{type, event_categories: [Management, Data]}`.
    #[serde(default)]
    #[schemars(with = "Vec<crate::insights::InsightSelectorForm>")]
    pub insight_selectors: Vec<InsightSelector>,
    /// Accept S3 data-event selectors that log the trail's own log bucket: CloudTrail then logs
    /// its own deliveries, each log file adding data events to the next, at cost. Default
    /// `false`: such selectors are a preflight error.
    #[serde(default)]
    pub accept_log_bucket_data_events: bool,
    /// Authoritative tag map: tags not listed here are removed.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Expected monthly event volumes: the plan turns the billing effect of each change into
    /// dollars (docs/cost.md). Only an estimate's input; nothing is written to AWS.
    #[serde(default)]
    pub expected_events_per_month: Option<EventVolumes>,
}

/// Events per month a trail is expected to record, per billed kind (CloudTrail bills per event,
/// so a plan can only say what a change costs in dollars when told how many events there are).
/// Each is optional: a kind left out is not estimated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventVolumes {
    /// Management events in the trail's scope (every account and region it covers).
    #[serde(default)]
    pub management: Option<u64>,
    /// Data events its data-event selectors log.
    #[serde(default)]
    pub data: Option<u64>,
    /// Events CloudTrail Insights analyses for each enabled insight type and event category
    /// (each analyses, and is billed for, the events on its own).
    #[serde(default)]
    pub insights: Option<u64>,
    /// Network activity events its selectors log.
    #[serde(default)]
    pub network: Option<u64>,
}

impl Spec {
    /// The bucket's region (defaults to the trail's home region).
    pub fn bucket_region(&self) -> &str {
        self.bucket
            .region
            .as_deref()
            .unwrap_or(&self.trail.home_region)
    }
}
