//! Guardrail calls (management account only): EnablePolicyType, CreatePolicy (with orgtrail's
//! marker in the description), UpdatePolicy, AttachPolicy (the policy found by name: an earlier
//! step of the same apply may have created it), DetachPolicy, DeletePolicy; and the alert
//! rules: EventBridge PutRule, PutTargets, RemoveTargets + DeleteRule, in the rule's place.

use aws_sdk_eventbridge::types::{RuleState, Target};
use aws_sdk_organizations::types::PolicyType as SdkType;
use orgtrail_core::{Action, AlertPlace, MANAGED_MARKER, PolicyType};

use crate::client::Aws;
use crate::error::{AwsError, send};

impl Aws {
    /// One guardrail step's call.
    pub(crate) async fn execute_policy(&self, action: &Action) -> Result<(), AwsError> {
        match action {
            Action::EnablePolicyType {
                root_id,
                policy_type,
            } => self.enable_policy_type(root_id, *policy_type).await,
            Action::CreatePolicy {
                name,
                policy_type,
                content,
            } => self.create_policy(name, *policy_type, content).await,
            Action::UpdatePolicy {
                policy_id,
                name,
                content,
                ..
            } => self.update_policy(policy_id, name, content).await,
            Action::AttachPolicy {
                name,
                policy_type,
                target,
            } => self.attach_policy(name, *policy_type, target).await,
            Action::DetachPolicy {
                policy_id,
                name,
                target,
            } => self.detach_policy(policy_id, name, target).await,
            Action::DeletePolicy { policy_id, name } => self.delete_policy(policy_id, name).await,
            Action::PutRule {
                place,
                name,
                pattern,
            } => self.put_rule(place, name, pattern).await,
            Action::PutTargets {
                place,
                rule,
                topic_arn,
                role_arn,
            } => {
                self.put_targets(place, rule, topic_arn, role_arn.as_deref())
                    .await
            }
            Action::DeleteRule { place, name } => self.delete_rule(place, name).await,
            _ => unreachable!("execute_policy is called for guardrail steps only"),
        }
    }

    pub(crate) async fn enable_policy_type(
        &self,
        root_id: &str,
        t: PolicyType,
    ) -> Result<(), AwsError> {
        let req = self
            .organizations()
            .enable_policy_type()
            .root_id(root_id)
            .policy_type(SdkType::from(t.as_str()));
        // Enabled already: an earlier attempt whose answer was lost.
        match send!(
            req,
            "organizations:EnablePolicyType",
            format!("root {root_id}")
        ) {
            Err(e) if e.is_already_so() => Ok(()),
            other => other.map(drop),
        }
    }

    pub(crate) async fn create_policy(
        &self,
        name: &str,
        t: PolicyType,
        content: &str,
    ) -> Result<(), AwsError> {
        let req = self
            .organizations()
            .create_policy()
            .name(name)
            .r#type(SdkType::from(t.as_str()))
            .description(format!(
                "{MANAGED_MARKER}: protects the audit trail its spec names (docs/guardrails.md)"
            ))
            .content(content);
        send!(
            req,
            "organizations:CreatePolicy",
            format!("policy `{name}`")
        )
        .map(drop)
    }

    pub(crate) async fn update_policy(
        &self,
        id: &str,
        name: &str,
        content: &str,
    ) -> Result<(), AwsError> {
        let req = self
            .organizations()
            .update_policy()
            .policy_id(id)
            .content(content);
        send!(
            req,
            "organizations:UpdatePolicy",
            format!("policy `{name}` ({id})")
        )
        .map(drop)
    }

    pub(crate) async fn attach_policy(
        &self,
        name: &str,
        t: PolicyType,
        target: &str,
    ) -> Result<(), AwsError> {
        let id = self.policy_id(name, t).await?;
        let req = self
            .organizations()
            .attach_policy()
            .policy_id(&id)
            .target_id(target);
        // Attached already: an earlier attempt whose answer was lost.
        match send!(
            req,
            "organizations:AttachPolicy",
            format!("policy `{name}` ({id}) at {target}")
        ) {
            Err(e) if e.is_already_so() => Ok(()),
            other => other.map(drop),
        }
    }

    pub(crate) async fn detach_policy(
        &self,
        id: &str,
        name: &str,
        target: &str,
    ) -> Result<(), AwsError> {
        let req = self
            .organizations()
            .detach_policy()
            .policy_id(id)
            .target_id(target);
        // Detached already: an earlier attempt whose answer was lost.
        match send!(
            req,
            "organizations:DetachPolicy",
            format!("policy `{name}` ({id}) at {target}")
        ) {
            Err(e) if e.is_already_so() => Ok(()),
            other => other.map(drop),
        }
    }

    pub(crate) async fn delete_policy(&self, id: &str, name: &str) -> Result<(), AwsError> {
        let req = self.organizations().delete_policy().policy_id(id);
        // Deleted already: an earlier attempt whose answer was lost.
        match send!(
            req,
            "organizations:DeletePolicy",
            format!("policy `{name}` ({id})")
        ) {
            Err(e) if e.is_already_so() => Ok(()),
            other => other.map(drop),
        }
    }

    /// The id of orgtrail's policy `name` of type `t`. Organizations may list a policy created
    /// a moment ago only a little later: listed again for up to 10 seconds.
    async fn policy_id(&self, name: &str, t: PolicyType) -> Result<String, AwsError> {
        for attempt in 0..10 {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            if let Some(id) = self.listed_policy(name, t).await? {
                return Ok(id);
            }
        }
        Err(AwsError::data(
            "organizations:ListPolicies",
            format!("policy `{name}`"),
            "the policy an earlier step created is still not listed after 10 seconds",
        ))
    }

    async fn listed_policy(&self, name: &str, t: PolicyType) -> Result<Option<String>, AwsError> {
        let listed = self.list_policies(t).await?;
        Ok(listed
            .iter()
            .find(|p| p.name() == Some(name))
            .map(|p| p.id().unwrap_or_default().to_string()))
    }

    pub(crate) async fn put_rule(
        &self,
        place: &AlertPlace,
        name: &str,
        pattern: &str,
    ) -> Result<(), AwsError> {
        let ev = self.events(place).await?;
        let req = ev
            .put_rule()
            .name(name)
            .event_pattern(pattern)
            .state(RuleState::Enabled)
            .description(format!(
                "{MANAGED_MARKER}: alerts on changes to the audit trail (docs/guardrails.md)"
            ));
        send!(req, "events:PutRule", rule_what(place, name)).map(drop)
    }

    pub(crate) async fn put_targets(
        &self,
        place: &AlertPlace,
        rule: &str,
        topic: &str,
        role: Option<&str>,
    ) -> Result<(), AwsError> {
        let ev = self.events(place).await?;
        let target = Target::builder()
            .id("orgtrail-alerts")
            .arn(topic)
            .set_role_arn(role.map(str::to_string))
            .build()
            .map_err(|e| {
                AwsError::data("events:PutTargets", rule_what(place, rule), e.to_string())
            })?;
        let req = ev.put_targets().rule(rule).targets(target);
        let out = send!(req, "events:PutTargets", rule_what(place, rule))?;
        if out.failed_entry_count() > 0 {
            let why = out
                .failed_entries()
                .iter()
                .map(|f| {
                    format!(
                        "{}: {}",
                        f.error_code().unwrap_or_default(),
                        f.error_message().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            return Err(AwsError::data(
                "events:PutTargets",
                rule_what(place, rule),
                why,
            ));
        }
        Ok(())
    }

    pub(crate) async fn delete_rule(&self, place: &AlertPlace, name: &str) -> Result<(), AwsError> {
        let ev = self.events(place).await?;
        // Gone already: an earlier attempt whose answer was lost.
        let listed = match send!(
            ev.list_targets_by_rule().rule(name),
            "events:ListTargetsByRule",
            rule_what(place, name)
        ) {
            Err(e) if e.is_absent(crate::error::Absence::AlertRule) => return Ok(()),
            other => other?,
        };
        let ids: Vec<String> = listed
            .targets()
            .iter()
            .map(|t| t.id().to_string())
            .collect();
        if !ids.is_empty() {
            let req = ev.remove_targets().rule(name).set_ids(Some(ids));
            send!(req, "events:RemoveTargets", rule_what(place, name))?;
        }
        send!(
            ev.delete_rule().name(name),
            "events:DeleteRule",
            rule_what(place, name)
        )
        .map(drop)
    }
}

fn rule_what(place: &AlertPlace, name: &str) -> String {
    format!("rule {name} in account {} {}", place.account, place.region)
}
