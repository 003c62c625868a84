//! Guardrails derived from a spec (`guardrails:`, docs/guardrails.md): the service control
//! policy that denies changes to exactly the trail, bucket, log files, key and log group the
//! spec manages to every principal but the exempt ones ([`scp`]), the resource control policy
//! that keeps the bucket and key inside the organization ([`rcp`]), and what a change of either
//! weakens ([`weaken`]). Pure documents over plain ARNs: the plan decides where they go.

pub mod alerts;
pub mod rcp;
pub mod scp;
pub mod weaken;

use serde_json::Value;

use crate::model::{POLICY_PREFIX, PolicyType};

/// What a spec's guardrails protect, as ARNs (the plan fills it from the desired trail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    pub partition: String,
    pub trail_arn: String,
    pub bucket: String,
    /// `[prefix/]AWSLogs/`: where the trail's log files are (every account's folder below it).
    pub logs_prefix: String,
    /// The trail's KMS key, resolved to its ARN.
    pub key_arn: Option<String>,
    /// The CloudWatch Logs log group the trail delivers to (its ARN without `:*`).
    pub log_group_arn: Option<String>,
    /// The alert rules (`orgtrail-protect-<trail>` in every place), when the spec has alerts:
    /// an intruder disables the alarm first.
    pub alert_rules_arn: Option<String>,
    /// The alerts' SNS topic, when the spec has alerts.
    pub alert_topic_arn: Option<String>,
}

impl Protected {
    pub fn bucket_arn(&self) -> String {
        format!("arn:{}:s3:::{}", self.partition, self.bucket)
    }
    /// The log files of every account (`arn:aws:s3:::bucket/[prefix/]AWSLogs/*`).
    pub fn log_objects_arn(&self) -> String {
        format!("{}/{}*", self.bucket_arn(), self.logs_prefix)
    }
}

/// SCPs and RCPs may hold 5,120 characters ("Quotas and service limits for AWS
/// Organizations": "Maximum size of a policy document ... 5,120 characters"); Organizations
/// counts the document as sent, so orgtrail sends it minified.
pub const MAX_POLICY_CHARS: usize = 5120;

/// At most 5 SCPs, and 5 RCPs, may be attached to one root, OU or account (same page).
pub const MAX_POLICIES_PER_TARGET: usize = 5;

/// Organizations' longest policy name ("CreatePolicy", AWS Organizations API reference: Name,
/// "Length Constraints: Minimum length of 1. Maximum length of 128").
pub const MAX_POLICY_NAME: usize = 128;

/// The policy's name: `orgtrail-protect-<trail>` for the SCP, `orgtrail-protect-<bucket>` for
/// the RCP (a bucket shared by several trails has one RCP).
pub fn policy_name(t: PolicyType, trail: &str, bucket: &str) -> String {
    match t {
        PolicyType::ServiceControlPolicy => format!("{POLICY_PREFIX}{trail}"),
        PolicyType::ResourceControlPolicy => format!("{POLICY_PREFIX}{bucket}"),
    }
}

/// The document as sent to Organizations (minified, members in a fixed order).
pub fn text(doc: &Value) -> String {
    serde_json::to_string(doc).expect("plain JSON values always serialise")
}

/// The exempt principals: the spec's list and its own roles, each once, sorted.
pub fn exemptions(spec: &orgtrail_spec::Spec) -> Vec<String> {
    let mut out: Vec<String> = spec
        .guardrails
        .iter()
        .flat_map(|g| g.exempt_principals.iter().cloned())
        .chain(spec.bucket.role_arn.clone())
        .chain(spec.trail.kms_role_arn.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}
