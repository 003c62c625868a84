//! The organization's policies as guardrails need them: which policy types the root has
//! enabled, orgtrail's own policies (named `orgtrail-protect-...`, marked in their description)
//! with their content and targets, and how many policies of each type each target already
//! has (Organizations allows 5 per target).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The description orgtrail gives every policy it creates: a policy without it is never
/// touched, whatever its name.
pub const MANAGED_MARKER: &str = "managed by orgtrail";

/// What every policy orgtrail manages is named after: `orgtrail-protect-<trail or bucket>`.
pub const POLICY_PREFIX: &str = "orgtrail-protect-";

/// An Organizations authorization policy type guardrails use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyType {
    ServiceControlPolicy,
    ResourceControlPolicy,
}

impl PolicyType {
    /// The name Organizations' API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::ServiceControlPolicy => "SERVICE_CONTROL_POLICY",
            PolicyType::ResourceControlPolicy => "RESOURCE_CONTROL_POLICY",
        }
    }
    /// As reviewers say it.
    pub fn short(self) -> &'static str {
        match self {
            PolicyType::ServiceControlPolicy => "SCP",
            PolicyType::ResourceControlPolicy => "RCP",
        }
    }
    pub fn parse(s: &str) -> Option<PolicyType> {
        [
            PolicyType::ServiceControlPolicy,
            PolicyType::ResourceControlPolicy,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// One policy named `orgtrail-protect-...` of a guardrail type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgPolicy {
    pub id: String,
    pub name: String,
    pub policy_type: PolicyType,
    /// Carries [`MANAGED_MARKER`]: orgtrail created it and may change it.
    pub managed: bool,
    /// The document exactly as DescribePolicy returned it.
    pub content: String,
    /// Root, OU and account ids it is attached to, sorted.
    pub targets: Vec<String>,
}

/// Read when a spec has `guardrails:` or orgtrail's policies exist (management account only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgPolicies {
    /// The organization's root (`r-...`): what `attach_to: [root]` means.
    pub root_id: String,
    /// Policy types enabled on the root.
    pub enabled: Vec<PolicyType>,
    pub policies: Vec<OrgPolicy>,
    /// For each target the specs attach to: how many policies of each type it has now.
    pub attached_counts: BTreeMap<String, BTreeMap<PolicyType, usize>>,
}

impl OrgPolicies {
    pub fn named(&self, name: &str, t: PolicyType) -> Option<&OrgPolicy> {
        self.policies
            .iter()
            .find(|p| p.name == name && p.policy_type == t)
    }
}
