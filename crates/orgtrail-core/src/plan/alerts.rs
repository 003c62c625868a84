//! Guardrail alert steps (`guardrails.alerts`, docs/guardrails.md): in each place where the
//! events on the spec's resources happen, the EventBridge rule `orgtrail-protect-<trail>`
//! (PutRule; narrowing it reduces coverage) and its target, the spec's SNS topic (PutTargets,
//! as the execution role when the topic is in another account); removed (DeleteRule, reducing
//! coverage) when the spec drops alerts. A rule without orgtrail's marker is never touched.
//! What must hold first is in `alerts_preflight.rs`.

use serde_json::Value;

use super::alert_places::{places, where_};
use super::alerts_preflight as preflight;
use super::model::{Action, SpecInput, Step};
use super::out::Out;
use crate::guardrails::alerts::{self, Part};
use crate::guardrails::policy_name;
use crate::model::{
    AlertPlace, AlertsLive, LiveState, PolicyType, RuleLive, RuleTarget, TrailLive,
};
use crate::policy::canonical_text;

/// Every alert step and finding of `specs`.
pub(crate) fn steps(out: &mut Out, specs: &[SpecInput], live: &LiveState) {
    for (s, tl) in specs.iter().zip(&live.trails) {
        let Some(al) = &tl.alerts else { continue };
        let name = policy_name(PolicyType::ServiceControlPolicy, &s.spec.trail.name, "");
        let wanted = s.spec.guardrails.as_ref().and_then(|g| g.alerts.as_ref());
        match wanted {
            Some(a) => {
                preflight::recorded_and_delegated(out, s, tl, live);
                converge(out, s, tl, al, live, &name, a);
            }
            None => remove(out, &s.path, al, &name),
        }
    }
}

fn converge(
    out: &mut Out,
    s: &SpecInput,
    tl: &TrailLive,
    al: &AlertsLive,
    live: &LiveState,
    name: &str,
    a: &orgtrail_spec::Alerts,
) {
    let partition = live.caller.partition.as_str();
    let topic = a.sns_topic.as_str();
    for (place, parts) in places(s.spec, tl, live) {
        if place.account != live.caller.account && place.role_arn.is_none() {
            preflight::unreachable_place(out, &s.path, &place, &parts);
            continue;
        }
        let Some(role) = preflight::execution_role(out, &s.path, &place, a, partition) else {
            continue;
        };
        preflight::topic_region(out, &s.path, &place, topic);
        let rule_arn = place.rule_arn(partition, name);
        preflight::topic_policy(out, &s.path, al, &rule_arn, &place.account, role.as_deref());
        let state = al.rules.iter().find(|r| {
            r.name == name && r.place.account == place.account && r.place.region == place.region
        });
        let rule = state.and_then(|r| r.rule.as_ref());
        if rule.is_some_and(|r| !r.managed) {
            preflight::rule_taken(out, &s.path, &place, name);
            continue;
        }
        put_rule(out, &s.path, &place, name, &parts, rule);
        let want = RuleTarget {
            arn: topic.to_string(),
            role_arn: role.clone(),
        };
        if !rule.is_some_and(|r| r.targets.contains(&want)) {
            put_targets(out, &s.path, &place, name, want, rule.is_some());
        }
    }
}

fn put_targets(
    out: &mut Out,
    path: &str,
    place: &AlertPlace,
    name: &str,
    want: RuleTarget,
    existed: bool,
) {
    let restored = if existed {
        vec![format!("alerts in {} reach no topic", where_(place))]
    } else {
        Vec::new()
    };
    out.step(
        Step::new(
            target(place, name),
            path.to_string(),
            format!(
                "the spec sends the alerts of {} to {}",
                where_(place),
                want.arn
            ),
            Action::PutTargets {
                place: place.clone(),
                rule: name.to_string(),
                topic_arn: want.arn,
                role_arn: want.role_arn,
            },
        )
        .coverage(Vec::new(), restored),
    );
}

fn target(p: &AlertPlace, name: &str) -> String {
    format!("rule {name} ({})", where_(p))
}

/// PutRule when the rule is missing, disabled or matches other events than the spec's: what
/// the live rule watches and the spec's does not is lost (reducing), what the spec's watches
/// and the live rule does not is restored.
fn put_rule(
    out: &mut Out,
    path: &str,
    place: &AlertPlace,
    name: &str,
    parts: &[Part],
    live: Option<&RuleLive>,
) {
    let text = crate::guardrails::text(&alerts::pattern(parts));
    // A rule whose frame (detail-type, source, account, ...) differs may match nothing: it
    // watches nothing, whatever its alternatives say.
    let enabled = live.filter(|r| r.state == "ENABLED" && same_frame(&r.pattern, &text));
    if enabled.is_some_and(|r| canonical_text(&r.pattern) == canonical_text(&text)) {
        return;
    }
    let restored: Vec<String> = parts
        .iter()
        .filter(|p| !enabled.is_some_and(|r| watches(&r.pattern, &alternatives_of(p))))
        .map(|p| {
            format!(
                "changes to {} in {} raise no alert",
                p.describe(),
                where_(place)
            )
        })
        .collect();
    let lost: Vec<String> = enabled
        .map(|r| alternatives_in(&r.pattern))
        .unwrap_or_default()
        .into_iter()
        .filter(|alt| !watches(&text, std::slice::from_ref(alt)))
        .map(|alt| {
            format!(
                "the rule in {} no longer alerts on {}",
                where_(place),
                compact(&alt)
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
        .coverage(lost, restored),
    );
}

/// Whether two pattern texts are the same once their `detail.$or` alternatives are set aside.
fn same_frame(a: &str, b: &str) -> bool {
    let frame = |t: &str| {
        serde_json::from_str::<Value>(t).ok().map(|mut v| {
            if let Some(d) = v.get_mut("detail").and_then(Value::as_object_mut) {
                d.remove("$or");
            }
            compact(&v)
        })
    };
    let (fa, fb) = (frame(a), frame(b));
    fa.is_some() && fa == fb
}

/// The `detail.$or` alternatives of a pattern text (none when it is not one of ours).
fn alternatives_in(pattern: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(pattern)
        .ok()
        .and_then(|v| v.pointer("/detail/$or").and_then(Value::as_array).cloned())
        .unwrap_or_default()
}

fn alternatives_of(part: &Part) -> Vec<Value> {
    alternatives_in(&alerts::pattern(std::slice::from_ref(part)).to_string())
}

/// Whether a pattern text carries every one of `alts`.
fn watches(pattern: &str, alts: &[Value]) -> bool {
    let have = alternatives_in(pattern);
    alts.iter()
        .all(|a| have.iter().any(|h| compact(h) == compact(a)))
}

/// One line, members sorted.
fn compact(v: &Value) -> String {
    let pretty = crate::policy::canonical_pretty(v);
    pretty.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The spec no longer has alerts: each of its rules orgtrail created is deleted, reducing
/// coverage.
fn remove(out: &mut Out, path: &str, al: &AlertsLive, name: &str) {
    for r in al.rules.iter().filter(|r| r.name == name) {
        if !r.rule.as_ref().is_some_and(|x| x.managed) {
            continue;
        }
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
