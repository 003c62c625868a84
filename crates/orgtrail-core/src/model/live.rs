//! The live-state model: what orgtrail-aws read from AWS, already normalised (KMS alias -> key
//! ARN, SNS name -> ARN, log group ARN with `:*`, absent vs empty selectors, tag maps), so the
//! diff never sees SDK types or SDK noise.

use orgtrail_spec::{AdvancedEventSelector, EventSelector, InsightSelector};
use serde::{Deserialize, Serialize};

use super::trail::TrailSettings;

/// Who is calling (sts GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub account: String,
    pub arn: String,
    /// `aws`, `aws-cn`, `aws-us-gov`: taken from the caller ARN.
    pub partition: String,
}

/// The organization (DescribeOrganization + ListAWSServiceAccessForOrganization +
/// ListDelegatedAdministrators for cloudtrail.amazonaws.com).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgState {
    pub id: String,
    /// FeatureSet == ALL.
    pub all_features: bool,
    pub management_account: String,
    /// cloudtrail.amazonaws.com is a trusted service.
    pub trusted_access: bool,
    /// Account ids registered as CloudTrail delegated administrators.
    pub delegated_admins: Vec<String>,
    /// Guardrail policies; `None`: not read (no spec has `guardrails:`, or not the management
    /// account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<super::org_policies::OrgPolicies>,
    /// ListPolicies was refused (AccessDenied) and no spec has `guardrails:`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub policies_denied: bool,
}

/// The log bucket (one GetBucketPolicy: existence, region and policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketState {
    pub name: String,
    pub exists: bool,
    pub region: Option<String>,
    /// The policy document exactly as S3 returned it; `None` when the bucket has no policy.
    pub policy: Option<String>,
    /// The set-up orgtrail manages on buckets it creates; `None` when not read (a bucket the
    /// spec does not let orgtrail create, or one that does not exist).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection: Option<BucketProtection>,
    /// S3 answered AccessDenied: the bucket belongs to another account than the one asking (or
    /// than the expected owner), or this account may not read its policy. Nothing else is known.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub denied: bool,
    /// The access-logging target, read when the spec asks for access logging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_target: Option<LoggingTarget>,
    /// Every trail of the management account, organization trails included, from DescribeTrails
    /// in every region of the partition: who can deliver to `AWSLogs/<management account>/` and
    /// `AWSLogs/<org-id>/`. Read only when the policy carries an unscoped CloudTrail grant on
    /// those paths and the caller is the management account (`policy::needs_known_trails`);
    /// `None`: not read, or not complete (a region refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_trails: Option<Vec<OtherTrail>>,
}

impl BucketState {
    /// A bucket as GetBucketPolicy answered (existence, region, policy); nothing else read yet.
    pub fn read(name: &str, exists: bool, region: Option<String>, policy: Option<String>) -> Self {
        BucketState {
            name: name.to_string(),
            exists,
            region,
            policy,
            protection: None,
            denied: false,
            logging_target: None,
            known_trails: None,
        }
    }

    /// A bucket that does not exist (or was not read).
    pub fn missing(name: &str) -> Self {
        BucketState::read(name, false, None, None)
    }
}

/// GetPublicAccessBlock and GetBucketEncryption of a bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BucketProtection {
    /// All four public access block settings are on.
    pub public_access_blocked: bool,
    /// The default encryption algorithm (`AES256`, `aws:kms`, `aws:kms:dsse`), if any.
    pub encryption: Option<String>,
    /// S3 Bucket Key on in the default encryption rule.
    pub bucket_key: bool,
    /// Object Ownership (`BucketOwnerEnforced`, ...); `None` when not configured.
    pub ownership: Option<String>,
    /// Versioning status: `Enabled`, `Suspended`, or `None` (never enabled).
    pub versioning: Option<String>,
    /// orgtrail's retention rule (`orgtrail-log-retention`) as read; `None` when absent.
    pub retention: Option<orgtrail_spec::Lifecycle>,
    /// Object Lock default retention; `None` when the bucket has none.
    pub object_lock: Option<orgtrail_spec::ObjectLock>,
    /// Server access logging target (bucket, prefix); `None` when off.
    pub logging: Option<(String, Option<String>)>,
    /// Every enabled lifecycle rule of the bucket (orgtrail's own included, by its ID): the
    /// coverage model judges each one that can delete log or digest files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_lifecycle_rules: Vec<LifecycleRule>,
}

/// The ID of orgtrail's own retention rule.
pub const RETENTION_RULE: &str = "orgtrail-log-retention";

/// An enabled lifecycle rule, reduced to what decides whether it deletes log files. A tag or
/// object-size condition in its filter does not keep it from log files (anyone who may tag them
/// brings them under it, and log files come in every size), so only the prefix is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LifecycleRule {
    /// The rule's ID (S3 assigns one when the writer gave none).
    pub id: String,
    /// The key prefix the filter names (`""`: every object).
    pub prefix: String,
    /// Current versions expire after this many days (`Some(0)`: a date that may have passed).
    pub expire_days: Option<u32>,
    /// Noncurrent versions (what survives an overwrite or delete) expire after this many days.
    pub noncurrent_expire_days: Option<u32>,
}

/// The bucket that receives the log bucket's access logs: it must exist, must not use Object
/// Lock (S3 refuses to deliver access logs into it), and its policy must let
/// `logging.s3.amazonaws.com` write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggingTarget {
    pub name: String,
    pub exists: bool,
    pub policy: Option<String>,
    pub object_lock: bool,
}

/// A trail's event selectors, normalised: a trail with neither basic nor advanced selectors
/// reads as AWS's default selector (all management events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selectors {
    Basic(Vec<EventSelector>),
    Advanced(Vec<AdvancedEventSelector>),
}

impl Selectors {
    pub fn aws_default() -> Self {
        Selectors::Basic(vec![EventSelector::aws_default()])
    }

    /// The canonical form, for comparison: every list sorted at every level (CloudTrail gives
    /// no meaning to the order of selectors, their data resources and values, field selectors
    /// or their values), and no selectors at all read as AWS's default.
    pub fn normalised(self) -> Self {
        match self.or_default() {
            Selectors::Basic(mut v) => {
                for s in &mut v {
                    s.exclude_management_event_sources.sort();
                    for r in &mut s.data_resources {
                        r.values.sort();
                    }
                    s.data_resources.sort();
                }
                v.sort();
                Selectors::Basic(v)
            }
            Selectors::Advanced(mut v) => {
                for s in &mut v {
                    for f in &mut s.field_selectors {
                        f.sort_values();
                    }
                    s.field_selectors.sort();
                }
                v.sort();
                Selectors::Advanced(v)
            }
        }
    }

    /// In the order written (the order a reviewer reads in the spec and in the plan); only no
    /// selectors at all read as AWS's default.
    pub fn or_default(self) -> Self {
        let empty = match &self {
            Selectors::Basic(v) => v.is_empty(),
            Selectors::Advanced(v) => v.is_empty(),
        };
        if empty {
            Selectors::aws_default()
        } else {
            self
        }
    }
}

/// The trail itself, read in its home region by ARN: its settings in the same terms as the
/// desired trail, plus what only a live trail has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailState {
    pub arn: String,
    pub home_region: String,
    #[serde(flatten)]
    pub settings: TrailSettings,
    pub logging: bool,
    pub selectors: Selectors,
    /// Normalised: one selector per type, categories sorted (see `InsightSelector::normalise`).
    pub insights: Vec<InsightSelector>,
}

/// Delivery health from GetTrailStatus. Volatile, so it is reported by drift but kept out of
/// the live-state fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailHealth {
    pub latest_delivery_error: Option<String>,
    pub latest_digest_delivery_error: Option<String>,
    pub latest_cloudwatch_logs_delivery_error: Option<String>,
    /// LatestDeliveryTime (seconds since the epoch): the last successful log delivery.
    #[serde(default)]
    pub latest_delivery_time: Option<i64>,
    /// When the status was read (seconds since the epoch).
    #[serde(default)]
    pub read_at: Option<i64>,
}

/// A log delivery error with no successful delivery for this long means delivery is failing
/// now. CloudTrail delivers log files about every 5 minutes (CloudTrail user guide, "How
/// CloudTrail works"), so an hour without one is far beyond normal.
pub const DELIVERY_STALE_SECS: i64 = 3600;

impl TrailHealth {
    /// GetTrailStatus has no time for its latest error: the error is current when the last
    /// successful delivery is older than [`DELIVERY_STALE_SECS`] (or there never was one).
    pub fn delivery_failing(&self) -> bool {
        if self.latest_delivery_error.is_none() {
            return false;
        }
        match (self.latest_delivery_time, self.read_at) {
            (None, _) => true,
            (Some(last), Some(now)) => now - last > DELIVERY_STALE_SECS,
            (Some(_), None) => false,
        }
    }
}

/// Another trail seen by DescribeTrails in the home region (shadow trails included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherTrail {
    pub arn: String,
    pub name: String,
    pub home_region: String,
    pub account: String,
    pub s3_bucket: Option<String>,
    pub organization: bool,
    pub multi_region: bool,
}

/// The KMS key named by the spec (DescribeKey + GetKeyPolicy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmsState {
    /// `None` when DescribeKey found no such key.
    pub key_arn: Option<String>,
    pub policy: Option<String>,
    /// KeyMetadata.Enabled; `None` when the key could not be described from this account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Everything read for one spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailLive {
    pub bucket: BucketState,
    pub trail: Option<TrailState>,
    /// DescribeTrails in the home region, without the trail itself.
    pub other_trails: Vec<OtherTrail>,
    pub kms: Option<KmsState>,
    #[serde(skip)]
    pub health: Option<TrailHealth>,
    /// Guardrail alert rules and their topic; `None`: not read (no `guardrails.alerts`, and no
    /// rule of a spec that had them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<super::alerts::AlertsLive>,
}

/// The whole live state a plan depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveState {
    pub caller: Caller,
    /// `None`: the account is not in an organization.
    pub organization: Option<OrgState>,
    /// One entry per spec, in the order of the specs.
    pub trails: Vec<TrailLive>,
}
