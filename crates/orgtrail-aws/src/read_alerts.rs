//! Guardrail alerts as they are: in each place a spec's alerts live (the core decides where),
//! EventBridge DescribeRule and ListTargetsByRule of `orgtrail-protect-<trail>` (as the spec's
//! role in another account), and the topic's attributes (GetTopicAttributes, as the caller).
//! Read for specs with `guardrails:`, and for specs whose guardrail policies exist (so a spec
//! that dropped its guardrails has its rules removed too).

use aws_sdk_eventbridge::Client as Events;
use orgtrail_core::guardrails::policy_name;
use orgtrail_core::{
    AlertPlace, AlertRuleState, AlertsLive, LiveState, PolicyType, RuleLive, RuleTarget, TopicState,
};
use orgtrail_spec::Spec;

use crate::client::{Aws, sdk_client};
use crate::error::{Absence, AwsError, send};
use crate::role::Role;

impl Aws {
    /// Fill `TrailLive::alerts` of the specs that have, or had, guardrails.
    pub(crate) async fn read_alerts(
        &self,
        specs: &[&Spec],
        live: &mut LiveState,
    ) -> Result<(), AwsError> {
        for (i, s) in specs.iter().enumerate() {
            if !had_guardrails(s, live) {
                continue;
            }
            let name = policy_name(PolicyType::ServiceControlPolicy, &s.trail.name, "");
            let mut rules = Vec::new();
            for (place, _) in orgtrail_core::plan::alert_places(s, &live.trails[i], live) {
                if place.account != live.caller.account && place.role_arn.is_none() {
                    continue; // the plan says no role reaches it
                }
                let rule = self.rule(&place, &name).await?;
                rules.push(AlertRuleState {
                    place,
                    name: name.clone(),
                    rule,
                });
            }
            let topic = match s.guardrails.as_ref().and_then(|g| g.alerts.as_ref()) {
                Some(a) => Some(self.topic(&a.sns_topic).await?),
                None => None,
            };
            live.trails[i].alerts = Some(AlertsLive { rules, topic });
        }
        Ok(())
    }

    /// The EventBridge client of a place: the caller's, or as the place's role.
    pub(crate) async fn events(&self, place: &AlertPlace) -> Result<Events, AwsError> {
        let region = aws_config::Region::new(place.region.clone());
        // The read-only commands read as the read role where the spec names one.
        let arn = match (self.read_only, &place.read_role_arn) {
            (true, Some(read)) => Some(read),
            _ => place.role_arn.as_ref(),
        };
        match arn {
            None => Ok(sdk_client!(
                aws_sdk_eventbridge,
                &self.config,
                region(region)
            )),
            Some(arn) => {
                let role = Role {
                    arn: arn.clone(),
                    external_id: place.external_id.clone(),
                };
                let creds = self.credentials_of(&role).await?;
                Ok(sdk_client!(
                    aws_sdk_eventbridge,
                    &self.config,
                    region(region),
                    credentials_provider(creds)
                ))
            }
        }
    }

    async fn rule(&self, place: &AlertPlace, name: &str) -> Result<Option<RuleLive>, AwsError> {
        let ev = self.events(place).await?;
        let what = format!("rule {name} in account {} {}", place.account, place.region);
        let _s = self.slot("events").await;
        let described = match send!(
            ev.describe_rule().name(name),
            "events:DescribeRule",
            what.clone()
        ) {
            Ok(d) => d,
            Err(e) if e.is_absent(Absence::AlertRule) => return Ok(None),
            Err(e) => return Err(e),
        };
        let listed = send!(
            ev.list_targets_by_rule().rule(name),
            "events:ListTargetsByRule",
            what
        )?;
        let mut targets: Vec<RuleTarget> = listed
            .targets()
            .iter()
            .map(|t| RuleTarget {
                arn: t.arn().to_string(),
                role_arn: t.role_arn().map(str::to_string),
            })
            .collect();
        targets.sort();
        Ok(Some(RuleLive {
            pattern: described.event_pattern().unwrap_or_default().to_string(),
            state: described
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            managed: described
                .description()
                .is_some_and(|d| d.contains(orgtrail_core::MANAGED_MARKER)),
            targets,
        }))
    }

    async fn topic(&self, arn: &str) -> Result<TopicState, AwsError> {
        let region = aws_config::Region::new(arn.split(':').nth(3).unwrap_or_default().to_string());
        let sns = sdk_client!(aws_sdk_sns, &self.config, region(region));
        let _s = self.slot("sns").await;
        let mut t = TopicState {
            arn: arn.to_string(),
            exists: false,
            policy: None,
            unreadable: None,
        };
        match send!(
            sns.get_topic_attributes().topic_arn(arn),
            "sns:GetTopicAttributes",
            format!("topic {arn}")
        ) {
            Ok(out) => {
                t.exists = true;
                t.policy = out.attributes().and_then(|a| a.get("Policy")).cloned();
            }
            Err(e) if e.is_absent(Absence::Topic) => {}
            Err(e) if e.is_access_denied() => t.unreadable = Some("AccessDenied".into()),
            Err(e) => return Err(e),
        }
        Ok(t)
    }
}

/// The spec has `guardrails:`, or its SCP exists (it had them).
fn had_guardrails(s: &Spec, live: &LiveState) -> bool {
    if s.guardrails.is_some() {
        return true;
    }
    let name = policy_name(PolicyType::ServiceControlPolicy, &s.trail.name, "");
    live.organization
        .as_ref()
        .and_then(|o| o.policies.as_ref())
        .is_some_and(|p| {
            p.named(&name, PolicyType::ServiceControlPolicy)
                .is_some_and(|p| p.managed)
        })
}
