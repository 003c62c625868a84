//! What must hold before guardrail alerts can work, each a finding with its fix: a role that
//! reaches each place; an execution role where the topic is in another account ("Sending events
//! to an AWS service in another account", EventBridge user guide: "Specify an execution role
//! ... This execution role must be in the same account as the event bus", and the target's
//! resource policy must let it); a topic in the rule's region ("EventBridge supports sending
//! events to cross-account targets in the same Region"); the topic present and its policy
//! letting EventBridge publish; a trail that records each place's management events (without
//! one, EventBridge receives no "AWS API Call via CloudTrail" event there); and the delegated
//! administrators, whose calls on the trail reach their own account's bus, where no rule is.

use std::collections::BTreeMap;

use orgtrail_spec::Alerts;

use super::alert_places::where_;
use super::model::{FindingCode, SpecInput};
use super::out::Out;
use crate::guardrails::alerts::Part;
use crate::iam::{self, Principal, Request, normalise_statement, parse_document};
use crate::model::{AlertPlace, AlertsLive, LiveState, TrailLive};

const EVENTS_SERVICE: &str = "events.amazonaws.com";

pub(crate) fn unreachable_place(out: &mut Out, path: &str, place: &AlertPlace, parts: &[Part]) {
    let what: Vec<String> = parts.iter().map(Part::describe).collect();
    out.error(
        path,
        FindingCode::AlertsPlaceUnreachable,
        format!(
            "the alert rule for {} must be in account {} ({}), which orgtrail has no role for",
            what.join(", "),
            place.account,
            place.region
        ),
        "name the role orgtrail acts as there (`bucket.role_arn` for the bucket's account, `trail.kms_role_arn` for the key's)",
    );
}

/// The execution role the rule of `place` sends as: `Some(None)` when the topic is in the same
/// account (EventBridge publishes as itself), `Some(Some(arn))` in another account, `None`
/// (and an error) when the spec names none.
pub(crate) fn execution_role(
    out: &mut Out,
    path: &str,
    place: &AlertPlace,
    a: &Alerts,
    partition: &str,
) -> Option<Option<String>> {
    let topic_account = a.sns_topic.split(':').nth(4).unwrap_or_default();
    if topic_account == place.account {
        return Some(None);
    }
    let Some(name) = &a.execution_role_name else {
        out.error(
            path,
            FindingCode::AlertsRoleMissing,
            format!(
                "the alert rule in {} publishes to a topic of account {topic_account}: EventBridge needs an execution role in {} for that",
                where_(place),
                place.account
            ),
            "set guardrails.alerts.execution_role_name to a role, in each such account, that events.amazonaws.com may assume and that may sns:Publish to the topic (docs/guardrails.md)",
        );
        return None;
    };
    Some(Some(format!(
        "arn:{partition}:iam::{}:role/{name}",
        place.account
    )))
}

pub(crate) fn rule_taken(out: &mut Out, path: &str, place: &AlertPlace, name: &str) {
    out.error(
        path,
        FindingCode::AlertsRuleTaken,
        format!(
            "rule {name} in {} exists but orgtrail did not create it (its description lacks \"{}\"): orgtrail never changes a rule it did not create",
            where_(place),
            crate::model::MANAGED_MARKER
        ),
        "rename or delete that rule, or remove `alerts:`",
    );
}

/// EventBridge delivers to an SNS topic in the rule's own region only.
pub(crate) fn topic_region(out: &mut Out, path: &str, place: &AlertPlace, topic: &str) {
    let region = topic.split(':').nth(3).unwrap_or_default();
    if region != place.region {
        out.error(
            path,
            FindingCode::AlertsTopicRegion,
            format!(
                "the alert rule in {} cannot publish to {topic}: EventBridge sends to SNS topics of the rule's own region",
                where_(place)
            ),
            format!(
                "keep the watched resources in {region}, or use a topic in {}",
                place.region
            ),
        );
    }
}

/// The topic must exist and let the rule publish: EventBridge itself (`aws:SourceArn`) in the
/// topic's account, the execution role from another.
pub(crate) fn topic_policy(
    out: &mut Out,
    path: &str,
    al: &AlertsLive,
    rule_arn: &str,
    account: &str,
    role: Option<&str>,
) {
    let Some(t) = &al.topic else { return };
    if let Some(why) = &t.unreadable {
        out.warn(
            path,
            FindingCode::AlertsTopicUnreadable,
            format!("the alerts topic {} could not be read ({why}): orgtrail cannot check that EventBridge may publish to it", t.arn),
            "let the management account read the topic's attributes (sns:GetTopicAttributes), or check its policy by hand",
        );
        return;
    }
    if !t.exists {
        out.error(
            path,
            FindingCode::AlertsTopicMissing,
            format!("the alerts topic {} does not exist", t.arn),
            "create the topic (and subscribe the security team) before applying",
        );
        return;
    }
    if publish_allowed(t.policy.as_deref(), &t.arn, rule_arn, account, role) {
        return;
    }
    let (who, principal, condition) = match role {
        Some(r) => (r.to_string(), format!("{{\"AWS\":\"{r}\"}}"), String::new()),
        None => (
            format!("EventBridge (rule {rule_arn})"),
            format!("{{\"Service\":\"{EVENTS_SERVICE}\"}}"),
            format!(",\"Condition\":{{\"ArnLike\":{{\"aws:SourceArn\":\"{rule_arn}\"}}}}"),
        ),
    };
    out.error(
        path,
        FindingCode::AlertsTopicPolicy,
        format!("the policy of {} does not let {who} publish the alerts", t.arn),
        format!(
            "add to the topic's policy: {{\"Effect\":\"Allow\",\"Principal\":{principal},\"Action\":\"sns:Publish\",\"Resource\":\"{}\"{condition}}}",
            t.arn
        ),
    );
}

fn publish_allowed(
    policy: Option<&str>,
    topic: &str,
    rule_arn: &str,
    account: &str,
    role: Option<&str>,
) -> bool {
    let Some(doc) = policy.and_then(|p| parse_document(p).ok()) else {
        return false;
    };
    let statements: Vec<_> = doc
        .statements
        .iter()
        .filter_map(|s| normalise_statement(s).ok())
        .collect();
    let known = |k: &str, v: &str| (k.to_string(), Some(v.to_string()));
    let (principal, context) = match role {
        Some(r) => (
            Principal::Aws(r.to_string()),
            BTreeMap::from([
                known("aws:principalarn", r),
                known("aws:principalaccount", account),
                known("aws:principalisawsservice", "false"),
            ]),
        ),
        None => (
            Principal::Service(EVENTS_SERVICE.to_string()),
            BTreeMap::from([
                known("aws:sourcearn", rule_arn),
                known("aws:sourceaccount", account),
                known("aws:principalisawsservice", "true"),
            ]),
        ),
    };
    let r = Request {
        principal,
        action: "sns:publish".to_string(),
        resource: topic.to_string(),
        context,
        cautious: false,
    };
    iam::evaluate(&statements, &r).is_allowed()
}

/// Warnings: a place whose events the trail does not record (EventBridge then gets none of its
/// "AWS API Call via CloudTrail" events), and delegated administrators, whose calls on the
/// trail reach their own account's bus.
pub(crate) fn recorded_and_delegated(
    out: &mut Out,
    s: &SpecInput,
    tl: &TrailLive,
    live: &LiveState,
) {
    let t = &s.spec.trail;
    let owner = super::desired::trail_owner(s.spec, live);
    // As the apply leaves the trail: the spec's selectors.
    let d = super::desired::desired(s.spec, &live.caller.partition, owner, tl.kms.as_ref());
    let mgmt_events = crate::coverage::logs_management_events(&d.selectors);
    for (place, _) in super::alert_places::places(s.spec, tl, live) {
        let other_account = place.account != owner && !t.organization;
        let other_region = place.region != t.home_region && !t.multi_region;
        if other_account || other_region || !t.logging || !mgmt_events {
            out.warn(
                &s.path,
                FindingCode::AlertsNotRecorded,
                format!(
                    "trail `{}` does not record the management events of {}: the alert rule there receives no event",
                    t.name,
                    where_(&place)
                ),
                "keep the trail an organization, multi-region trail that logs management events",
            );
        }
    }
    let admins = s
        .spec
        .organization
        .delegated_administrators
        .as_deref()
        .unwrap_or_default();
    if !admins.is_empty() {
        out.warn(
            &s.path,
            FindingCode::DelegatedAdministratorsUnalerted,
            format!(
                "the delegated administrators ({}) can change the trail, and their calls reach their own account's event bus, where orgtrail keeps no alert rule",
                admins.join(", ")
            ),
            "rely on the SCP for them (it binds member accounts), or add an EventBridge rule in each delegated administrator account",
        );
    }
}
