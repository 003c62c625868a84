//! Guardrail alert steps (`guardrails.alerts`, docs/guardrails.md): in each place where the
//! events on the spec's resources happen, the EventBridge rule `orgtrail-protect-<trail>`
//! (PutRule) and its target, the spec's SNS topic (PutTargets); removed (DeleteRule, reducing
//! coverage) when the spec drops alerts. Preflight: a place in another account needs the
//! spec's role there; EventBridge delivers to an SNS topic of the rule's region only; the
//! topic's policy must let EventBridge publish for each rule.

use std::collections::BTreeMap;

use orgtrail_spec::Spec;
use serde_json::Value;

use super::desired::{desired, trail_owner};
use super::model::{Action, FindingCode, SpecInput, Step};
use super::out::Out;
use crate::guardrails::alerts::{self, Part, Watch};
use crate::guardrails::policy_name;
use crate::iam::{self, Principal, Request, normalise_statement, parse_document};
use crate::model::{AlertPlace, AlertsLive, LiveState, PolicyType, RuleLive, TrailLive};
use crate::policy::canonical_text;

const EVENTS_SERVICE: &str = "events.amazonaws.com";

/// Every alert step and finding of `specs`.
pub(crate) fn steps(out: &mut Out, specs: &[SpecInput], live: &LiveState) {
    for (s, tl) in specs.iter().zip(&live.trails) {
        let Some(al) = &tl.alerts else { continue };
        let name = policy_name(PolicyType::ServiceControlPolicy, &s.spec.trail.name, "");
        let wanted = s.spec.guardrails.as_ref().and_then(|g| g.alerts.as_ref());
        match wanted {
            Some(a) => converge(out, s, tl, al, live, &name, &a.sns_topic),
            None => remove(out, &s.path, al, &name),
        }
    }
}

/// The places of `spec`'s resources and what each watches (orgtrail-aws reads the rules
/// there).
pub fn places(spec: &Spec, tl: &TrailLive, live: &LiveState) -> Vec<(AlertPlace, Vec<Part>)> {
    let owner = trail_owner(spec, live);
    let d = desired(spec, &live.caller.partition, owner, tl.kms.as_ref());
    let mgmt = live
        .organization
        .as_ref()
        .map_or(live.caller.account.as_str(), |o| {
            o.management_account.as_str()
        });
    let b = &spec.bucket;
    let key = d
        .trail
        .kms_key_id
        .as_deref()
        .filter(|k| k.contains(":key/"));
    let group = d.trail.cloudwatch_logs.as_ref().map(|(g, _)| g.as_str());
    alerts::places(&Watch {
        caller: &live.caller.account,
        trail: (&spec.trail.name, &d.arn, owner, &spec.trail.home_region),
        bucket: (
            &b.name,
            b.owner(mgmt),
            spec.bucket_region(),
            b.role_arn.as_deref(),
            b.read_role_arn.as_deref(),
            b.external_id.as_deref(),
        ),
        key: key.map(|k| (k, spec.trail.kms_role_arn.as_deref())),
        log_group_arn: group,
    })
}

fn converge(
    out: &mut Out,
    s: &SpecInput,
    tl: &TrailLive,
    al: &AlertsLive,
    live: &LiveState,
    name: &str,
    topic: &str,
) {
    let partition = live.caller.partition.as_str();
    for (place, parts) in places(s.spec, tl, live) {
        if place.account != live.caller.account && place.role_arn.is_none() {
            unreachable_place(out, &s.path, &place, &parts);
            continue;
        }
        topic_region(out, &s.path, &place, topic);
        topic_policy(
            out,
            &s.path,
            al,
            &place.rule_arn(partition, name),
            &place.account,
        );
        let rule = al
            .rules
            .iter()
            .find(|r| {
                r.name == name && r.place.account == place.account && r.place.region == place.region
            })
            .and_then(|r| r.rule.as_ref());
        let pattern = alerts::pattern(&parts);
        put_rule(out, &s.path, &place, name, &pattern, &parts, rule);
        if !rule.is_some_and(|r| r.targets.iter().any(|t| t == topic)) {
            let restored = match rule {
                Some(_) => vec![format!("alerts in {} reach no topic", where_(&place))],
                None => Vec::new(),
            };
            out.step(
                Step::new(
                    target(&place, name),
                    s.path.clone(),
                    format!("the spec sends the alerts of {} to {topic}", where_(&place)),
                    Action::PutTargets {
                        place: place.clone(),
                        rule: name.to_string(),
                        topic_arn: topic.to_string(),
                    },
                )
                .coverage(Vec::new(), restored),
            );
        }
    }
}

fn where_(p: &AlertPlace) -> String {
    format!("account {} {}", p.account, p.region)
}

fn target(p: &AlertPlace, name: &str) -> String {
    format!("rule {name} ({})", where_(p))
}

/// PutRule when the rule is missing, disabled or matches other events than the spec's.
fn put_rule(
    out: &mut Out,
    path: &str,
    place: &AlertPlace,
    name: &str,
    pattern: &Value,
    parts: &[Part],
    live: Option<&RuleLive>,
) {
    let text = crate::guardrails::text(pattern);
    let same = live.is_some_and(|r| {
        canonical_text(&r.pattern) == canonical_text(&text) && r.state == "ENABLED"
    });
    if same {
        return;
    }
    let unwatched: Vec<String> = parts
        .iter()
        .filter(|p| !live.is_some_and(|r| r.state == "ENABLED" && watches(&r.pattern, p)))
        .map(|p| {
            format!(
                "changes to {} in {} raise no alert",
                p.describe(),
                where_(place)
            )
        })
        .collect();
    let reason = match live {
        None => format!("the spec alerts on changes in {}", where_(place)),
        Some(r) if r.state != "ENABLED" => format!("the alert rule is {}", r.state),
        Some(_) => "the alert rule's pattern differs from the spec's".to_string(),
    };
    let before = live.map(|r| canonical_text(&r.pattern)).unwrap_or_default();
    out.step(
        Step::new(
            target(place, name),
            path.to_string(),
            reason,
            Action::PutRule {
                place: place.clone(),
                name: name.to_string(),
                pattern: text.clone(),
            },
        )
        .with_policy_diff(Some((before, canonical_text(&text))))
        .coverage(Vec::new(), unwatched),
    );
}

/// Whether a live pattern carries every alternative the spec's pattern has for `part`.
fn watches(live_pattern: &str, part: &Part) -> bool {
    let Ok(v) = serde_json::from_str::<Value>(live_pattern) else {
        return false;
    };
    let have = v
        .pointer("/detail/$or")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let want = alerts::pattern(std::slice::from_ref(part));
    want.pointer("/detail/$or")
        .and_then(Value::as_array)
        .is_some_and(|alts| {
            alts.iter()
                .all(|a| have.iter().any(|h| canonical(h) == canonical(a)))
        })
}

fn canonical(v: &Value) -> String {
    canonical_text(&v.to_string())
}

/// The spec no longer has alerts: each of its rules is deleted, reducing coverage.
fn remove(out: &mut Out, path: &str, al: &AlertsLive, name: &str) {
    for r in al
        .rules
        .iter()
        .filter(|r| r.rule.is_some() && r.name == name)
    {
        out.step(
            Step::new(
                target(&r.place, name),
                path.to_string(),
                "the spec no longer has alerts".to_string(),
                Action::DeleteRule {
                    place: r.place.clone(),
                    name: name.to_string(),
                },
            )
            .coverage(
                vec![format!("changes in {} raise no alert", where_(&r.place))],
                Vec::new(),
            ),
        );
    }
}

fn unreachable_place(out: &mut Out, path: &str, place: &AlertPlace, parts: &[Part]) {
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

/// EventBridge delivers to an SNS topic in the rule's own region only.
fn topic_region(out: &mut Out, path: &str, place: &AlertPlace, topic: &str) {
    let region = topic.split(':').nth(3).unwrap_or_default();
    if region != place.region {
        out.error(
            path,
            FindingCode::AlertsTopicRegion,
            format!(
                "the alert rule in {} cannot publish to {topic}: EventBridge sends to SNS topics of the rule's own region",
                where_(place)
            ),
            format!("keep the watched resources in {region}, or use a topic in {}", place.region),
        );
    }
}

/// The topic must exist and let EventBridge publish for the rule (`aws:SourceArn`).
fn topic_policy(out: &mut Out, path: &str, al: &AlertsLive, rule_arn: &str, account: &str) {
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
    if !publish_allowed(t.policy.as_deref(), &t.arn, rule_arn, account) {
        out.error(
            path,
            FindingCode::AlertsTopicPolicy,
            format!("the policy of {} does not let EventBridge publish the alerts of rule {rule_arn}", t.arn),
            format!(
                "add to the topic's policy: {{\"Effect\":\"Allow\",\"Principal\":{{\"Service\":\"{EVENTS_SERVICE}\"}},\"Action\":\"sns:Publish\",\"Resource\":\"{}\",\"Condition\":{{\"ArnLike\":{{\"aws:SourceArn\":\"{rule_arn}\"}}}}}}",
                t.arn
            ),
        );
    }
}

fn publish_allowed(policy: Option<&str>, topic: &str, rule_arn: &str, account: &str) -> bool {
    let Some(doc) = policy.and_then(|p| parse_document(p).ok()) else {
        return false;
    };
    let statements: Vec<_> = doc
        .statements
        .iter()
        .filter_map(|s| normalise_statement(s).ok())
        .collect();
    let context = BTreeMap::from([
        ("aws:sourcearn".to_string(), Some(rule_arn.to_string())),
        ("aws:sourceaccount".to_string(), Some(account.to_string())),
        (
            "aws:principalisawsservice".to_string(),
            Some("true".to_string()),
        ),
    ]);
    iam::evaluate(
        &statements,
        &Request {
            principal: Principal::Service(EVENTS_SERVICE.to_string()),
            action: "sns:publish".to_string(),
            resource: topic.to_string(),
            context,
            cautious: false,
        },
    )
    .is_allowed()
}
