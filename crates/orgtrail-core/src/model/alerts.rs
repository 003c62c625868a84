//! Guardrail alerts as read: each EventBridge rule orgtrail keeps (one per place where the
//! spec's resources' events happen) and the SNS topic they publish to.

use serde::{Deserialize, Serialize};

/// Where an alert rule lives: the account and region where the events it matches happen
/// ("AWS API Call via CloudTrail" events reach the default bus of the account and region of
/// the call), and the role orgtrail acts as there (`None`: the caller itself).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AlertPlace {
    pub account: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The role the read-only commands act as there (`bucket.read_role_arn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

impl AlertPlace {
    pub fn rule_arn(&self, partition: &str, name: &str) -> String {
        format!(
            "arn:{partition}:events:{}:{}:rule/{name}",
            self.region, self.account
        )
    }
}

/// A rule's target: where it sends, and the role it sends as (another account's target).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RuleTarget {
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

/// A rule as DescribeRule and ListTargetsByRule answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleLive {
    /// The event pattern exactly as EventBridge returned it.
    pub pattern: String,
    /// `ENABLED`, `DISABLED`, ...
    pub state: String,
    /// Carries orgtrail's marker in its description: orgtrail created it and may change it.
    pub managed: bool,
    /// The targets, sorted.
    pub targets: Vec<RuleTarget>,
}

/// One place's rule named `name`; `rule`: `None` when there is no such rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRuleState {
    pub place: AlertPlace,
    pub name: String,
    pub rule: Option<RuleLive>,
}

/// The alerts' SNS topic (GetTopicAttributes, as the caller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicState {
    pub arn: String,
    pub exists: bool,
    /// The topic's access policy.
    pub policy: Option<String>,
    /// Why it could not be read (AccessDenied from another account): nothing else is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

/// The alert rules and topic of one spec; read for specs with `guardrails:`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsLive {
    pub rules: Vec<AlertRuleState>,
    pub topic: Option<TopicState>,
}
