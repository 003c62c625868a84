//! Alert steps over hand-built rules and topics: a rule and its target in each place the spec's
//! resources' events happen, nothing when in place, a disabled rule or a lost target restored
//! (drift: coverage lost), dropped alerts deleted (reducing), and each preflight error.

use super::*;
use crate::drift::{DriftRule, DriftSeverity};
use crate::fixtures::*;
use crate::model::*;

const TOPIC: &str = "arn:aws:sns:us-east-2:111111111111:audit-alerts";
const ARCHIVE: &str = "222222222222";

fn spec_alerting(bucket_extra: &str, topic: &str) -> orgtrail_spec::Spec {
    let yaml = format!(
        "version: 1\nbucket:\n  name: my-bucket\n{bucket_extra}trail:\n  name: my-trail\n  home_region: us-east-2\nguardrails:\n  exempt_principals: [\"arn:aws:iam::111111111111:role/admin\"]\n  alerts:\n    sns_topic: {topic}\n    execution_role_name: orgtrail-alerts\n"
    );
    orgtrail_spec::parse_bytes("t.yaml", yaml.as_bytes()).unwrap()
}

fn in_archive() -> String {
    format!(
        "  account: \"{ARCHIVE}\"\n  role_arn: arn:aws:iam::{ARCHIVE}:role/bucket\n  create: false\n  policy: verify\n"
    )
}

fn no_policies() -> OrgPolicies {
    OrgPolicies {
        root_id: "r-root".into(),
        enabled: vec![
            PolicyType::ServiceControlPolicy,
            PolicyType::ResourceControlPolicy,
        ],
        policies: Vec::new(),
        attached_counts: std::collections::BTreeMap::new(),
    }
}

fn topic(policy: &str) -> TopicState {
    TopicState {
        arn: TOPIC.into(),
        exists: true,
        policy: Some(policy.into()),
        unreadable: None,
    }
}

const EVENTS_MAY_PUBLISH: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"arn:aws:sns:us-east-2:111111111111:audit-alerts"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/orgtrail-alerts"},"Action":"sns:Publish","Resource":"arn:aws:sns:us-east-2:111111111111:audit-alerts"}]}"#;

fn live_with(s: &orgtrail_spec::Spec, rules: Vec<AlertRuleState>, t: TopicState) -> LiveState {
    let mut live = in_sync(&[s]);
    live.organization.as_mut().unwrap().policies = Some(no_policies());
    live.trails[0].alerts = Some(AlertsLive {
        rules,
        topic: Some(t),
    });
    live
}

/// The rules as the first apply leaves them.
fn applied(s: &orgtrail_spec::Spec) -> Vec<AlertRuleState> {
    let p = plan_of(&[s], &live_with(s, Vec::new(), topic(EVENTS_MAY_PUBLISH)));
    let target_of = |place: &AlertPlace| {
        p.steps.iter().find_map(|st| match &st.action {
            Action::PutTargets {
                place: at,
                topic_arn,
                role_arn,
                ..
            } if at == place => Some(RuleTarget {
                arn: topic_arn.clone(),
                role_arn: role_arn.clone(),
            }),
            _ => None,
        })
    };
    p.steps
        .iter()
        .filter_map(|st| match &st.action {
            Action::PutRule {
                place,
                name,
                pattern,
            } => Some(AlertRuleState {
                place: place.clone(),
                name: name.clone(),
                rule: Some(RuleLive {
                    pattern: pattern.clone(),
                    state: "ENABLED".into(),
                    managed: true,
                    targets: target_of(place).into_iter().collect(),
                }),
            }),
            _ => None,
        })
        .collect()
}

fn alert_kinds(p: &Plan) -> Vec<(StepKind, bool)> {
    kinds(p)
        .into_iter()
        .filter(|(k, _)| {
            matches!(
                k,
                StepKind::PutRule | StepKind::PutTargets | StepKind::DeleteRule
            )
        })
        .collect()
}

#[test]
fn a_rule_and_its_target_go_in_each_place_the_resources_events_happen() {
    let s = spec_alerting(&in_archive(), TOPIC);
    let p = plan_of(&[&s], &live_with(&s, Vec::new(), topic(EVENTS_MAY_PUBLISH)));
    assert_eq!(
        alert_kinds(&p),
        [
            (StepKind::PutRule, false),
            (StepKind::PutRule, false),
            (StepKind::PutTargets, false),
            (StepKind::PutTargets, false),
        ]
    );
    let rules = applied(&s);
    let archive = rules
        .iter()
        .find(|r| r.place.account == ARCHIVE)
        .expect("the bucket's place");
    assert_eq!(
        archive.place.role_arn.as_deref(),
        Some("arn:aws:iam::222222222222:role/bucket")
    );
    let pattern = &archive.rule.as_ref().unwrap().pattern;
    assert!(
        pattern.contains("\"bucketName\":[\"my-bucket\"]")
            && pattern.contains("PutBucketLifecycle"),
        "{pattern}"
    );
    let trail = rules
        .iter()
        .find(|r| r.place.account == MGMT)
        .expect("the trail's place");
    assert!(trail.place.role_arn.is_none());
    assert!(trail.rule.as_ref().unwrap().pattern.contains(ARN));
    assert!(!p.has_errors(), "{:?}", p.findings);
}

#[test]
fn alerts_in_place_plan_nothing() {
    let s = spec_alerting(&in_archive(), TOPIC);
    let p = plan_of(
        &[&s],
        &live_with(&s, applied(&s), topic(EVENTS_MAY_PUBLISH)),
    );
    assert!(alert_kinds(&p).is_empty(), "{:?}", kinds(&p));
}

#[test]
fn a_disabled_rule_and_a_lost_target_are_coverage_lost_in_drift() {
    let s = spec_alerting(&in_archive(), TOPIC);
    let mut rules = applied(&s);
    rules[0].rule.as_mut().unwrap().state = "DISABLED".into();
    rules[1].rule.as_mut().unwrap().targets.clear();
    let live = live_with(&s, rules, topic(EVENTS_MAY_PUBLISH));
    let p = plan_of(&[&s], &live);
    assert_eq!(
        alert_kinds(&p),
        [(StepKind::PutRule, false), (StepKind::PutTargets, false)]
    );
    let report = crate::drift::report(&p, &live);
    let got: Vec<(DriftRule, DriftSeverity)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.severity))
        .collect();
    assert!(
        got.contains(&(DriftRule::AlertMissing, DriftSeverity::CoverageLost)),
        "{got:?}"
    );
    assert!(
        got.contains(&(DriftRule::AlertUntargeted, DriftSeverity::CoverageLost)),
        "{got:?}"
    );
}

#[test]
fn dropping_alerts_deletes_each_rule_reducing_coverage() {
    let s = spec_alerting(&in_archive(), TOPIC);
    let rules = applied(&s);
    let plain = orgtrail_spec::parse_bytes(
        "t.yaml",
        format!(
            "version: 1\nbucket:\n  name: my-bucket\n{}trail:\n  name: my-trail\n  home_region: us-east-2\nguardrails:\n  exempt_principals: [\"arn:aws:iam::111111111111:role/admin\"]\n",
            in_archive()
        )
        .as_bytes(),
    )
    .unwrap();
    let mut live = in_sync(&[&plain]);
    live.organization.as_mut().unwrap().policies = Some(no_policies());
    live.trails[0].alerts = Some(AlertsLive { rules, topic: None });
    let p = plan_of(&[&plain], &live);
    assert_eq!(
        alert_kinds(&p),
        [(StepKind::DeleteRule, true), (StepKind::DeleteRule, true)]
    );
}

#[test]
fn each_alert_preflight_error_names_the_fix() {
    let cases: [(&str, String, &str, TopicState); 4] = [
        (
            "no role in the bucket's account",
            format!("  account: \"{ARCHIVE}\"\n  create: false\n  policy: verify\n"),
            TOPIC,
            topic(EVENTS_MAY_PUBLISH),
        ),
        (
            "a topic in another region",
            String::new(),
            "arn:aws:sns:eu-west-1:111111111111:audit-alerts",
            topic(EVENTS_MAY_PUBLISH),
        ),
        (
            "a topic EventBridge may not publish to",
            String::new(),
            TOPIC,
            topic(r#"{"Version":"2012-10-17","Statement":[]}"#),
        ),
        (
            "no topic",
            String::new(),
            TOPIC,
            TopicState {
                exists: false,
                policy: None,
                ..topic("")
            },
        ),
    ];
    let want = [
        FindingCode::AlertsPlaceUnreachable,
        FindingCode::AlertsTopicRegion,
        FindingCode::AlertsTopicPolicy,
        FindingCode::AlertsTopicMissing,
    ];
    for ((name, bucket, t, state), code) in cases.into_iter().zip(want) {
        let s = spec_alerting(&bucket, t);
        let p = plan_of(&[&s], &live_with(&s, Vec::new(), state));
        let f = p.findings.iter().find(|f| f.code == code);
        assert!(
            f.is_some_and(|f| f.severity == Severity::Error && !f.fix.is_empty()),
            "{name}: {:?}",
            p.findings
        );
    }
}

#[test]
fn a_rule_that_watches_less_than_live_reduces_coverage_and_a_foreign_rule_is_never_touched() {
    let s = spec_alerting(&in_archive(), TOPIC);
    let mut rules = applied(&s);
    let r = rules[0].rule.as_mut().unwrap();
    let mut wider: serde_json::Value = serde_json::from_str(&r.pattern).unwrap();
    wider["detail"]["$or"].as_array_mut().unwrap().push(
        serde_json::json!({"eventSource": ["sns.amazonaws.com"], "eventName": ["DeleteTopic"]}),
    );
    r.pattern = wider.to_string();
    let p = plan_of(
        &[&s],
        &live_with(&s, rules.clone(), topic(EVENTS_MAY_PUBLISH)),
    );
    let step = p
        .steps
        .iter()
        .find(|st| st.kind == StepKind::PutRule)
        .expect("put-rule");
    assert!(step.reduces_coverage, "{:?}", step.coverage_lost);
    assert!(
        step.coverage_lost[0].contains("DeleteTopic"),
        "{:?}",
        step.coverage_lost
    );
    rules[0].rule.as_mut().unwrap().managed = false;
    let p = plan_of(&[&s], &live_with(&s, rules, topic(EVENTS_MAY_PUBLISH)));
    assert!(
        p.findings
            .iter()
            .any(|f| f.code == FindingCode::AlertsRuleTaken),
        "{:?}",
        p.findings
    );
    assert_eq!(alert_kinds(&p).len(), 0, "{:?}", kinds(&p));
}

#[test]
fn a_rule_narrowed_outside_its_alternatives_watches_nothing() {
    let s = spec_alerting(&in_archive(), TOPIC);
    let mut rules = applied(&s);
    let r = rules[0].rule.as_mut().unwrap();
    let mut narrowed: serde_json::Value = serde_json::from_str(&r.pattern).unwrap();
    narrowed["account"] = serde_json::json!(["000000000000"]);
    r.pattern = narrowed.to_string();
    let live = live_with(&s, rules, topic(EVENTS_MAY_PUBLISH));
    let p = plan_of(&[&s], &live);
    let report = crate::drift::report(&p, &live);
    assert!(
        report
            .findings
            .iter()
            .any(|f| (f.rule, f.severity) == (DriftRule::AlertMissing, DriftSeverity::CoverageLost)),
        "{:?}",
        report.findings
    );
}

#[test]
fn a_rule_in_another_account_than_the_topic_needs_an_execution_role() {
    let yaml = format!(
        "version: 1\nbucket:\n  name: my-bucket\n{}trail:\n  name: my-trail\n  home_region: us-east-2\nguardrails:\n  exempt_principals: [\"arn:aws:iam::111111111111:role/admin\"]\n  alerts:\n    sns_topic: {TOPIC}\n",
        in_archive()
    );
    let s = orgtrail_spec::parse_bytes("t.yaml", yaml.as_bytes()).unwrap();
    let p = plan_of(&[&s], &live_with(&s, Vec::new(), topic(EVENTS_MAY_PUBLISH)));
    let f = p
        .findings
        .iter()
        .find(|f| f.code == FindingCode::AlertsRoleMissing)
        .expect("role missing");
    assert!(f.message.contains(ARCHIVE), "{}", f.message);
}
