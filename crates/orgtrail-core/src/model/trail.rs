//! A trail's identity and settings, shared by the live trail (read from AWS) and the desired
//! trail (built from the spec): the settings are one struct so the two can only differ in value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything CreateTrail takes, and what UpdateTrail can change: the live trail embeds it, the
/// desired trail is it. The KMS key is its ARN (CloudTrail stores the ARN, even when created
/// with an alias), the log group ARN ends in `:*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailSettings {
    pub name: String,
    pub s3_bucket: String,
    pub s3_key_prefix: Option<String>,
    pub organization: bool,
    pub multi_region: bool,
    pub include_global_service_events: bool,
    pub log_file_validation: bool,
    pub kms_key_id: Option<String>,
    pub sns_topic: Option<String>,
    /// Log group ARN and role ARN are set or cleared together.
    pub cloudwatch_logs: Option<(String, String)>,
    pub tags: BTreeMap<String, String>,
}

/// What one trail needs from its bucket: enough to name its ARN and its log paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRef {
    pub partition: String,
    pub home_region: String,
    /// The management account: it owns the trail and its `AWSLogs/<account>/` path.
    pub account: String,
    pub trail_name: String,
    pub org_id: String,
    pub bucket: String,
    pub prefix: Option<String>,
}

impl TrailRef {
    pub fn trail_arn(&self) -> String {
        trail_arn(
            &self.partition,
            &self.home_region,
            &self.account,
            &self.trail_name,
        )
    }
    pub fn bucket_arn(&self) -> String {
        format!("arn:{}:s3:::{}", self.partition, self.bucket)
    }
    /// The ARN of every object under `AWSLogs/<id>/` (a policy resource).
    pub fn logs_arn(&self, id: &str) -> String {
        format!("{}/{}", self.bucket_arn(), self.logs_path(id))
    }
    /// `AWSLogs/<id>/*` relative to the bucket, for messages.
    pub fn logs_path(&self, id: &str) -> String {
        match &self.prefix {
            Some(p) => format!("{p}/AWSLogs/{id}/*"),
            None => format!("AWSLogs/{id}/*"),
        }
    }
}

/// The ARN of a trail: `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`.
pub fn trail_arn(partition: &str, region: &str, account: &str, name: &str) -> String {
    format!("arn:{partition}:cloudtrail:{region}:{account}:trail/{name}")
}

/// The account that owns the trail of `spec`: the management account (`mgmt`) for an
/// organization trail, even when a CloudTrail delegated administrator creates it; the caller's
/// account otherwise ("Organization trail delegated administrator", CloudTrail user guide).
pub fn trail_owner_account<'a>(
    spec: &orgtrail_spec::Spec,
    mgmt: Option<&'a str>,
    caller: &'a str,
) -> &'a str {
    match mgmt {
        Some(m) if spec.trail.organization => m,
        _ => caller,
    }
}

/// Log group ARNs are accepted with or without the `:*` suffix; CloudTrail stores `:*`.
pub fn normalise_log_group_arn(arn: &str) -> String {
    if arn.ends_with(":*") {
        arn.to_string()
    } else {
        format!("{arn}:*")
    }
}

/// CloudTrail's service principal: who delivers log files and uses the KMS key.
pub const CLOUDTRAIL_SERVICE: &str = "cloudtrail.amazonaws.com";
