//! Guardrail steps over hand-built organization policies: created and attached once, nothing
//! when in place, a detached or edited guardrail restored (drift: coverage lost), a dropped one
//! detached (reducing) and deleted, never a policy orgtrail did not create, and never one that
//! denies the caller.

use std::collections::BTreeMap;

use super::*;
use crate::drift::{DriftRule, DriftSeverity};
use crate::fixtures::*;
use crate::model::*;

const GUARDED: &str =
    "guardrails:\n  exempt_principals: [\"arn:aws:iam::111111111111:role/admin\"]\n";

fn empty_policies() -> OrgPolicies {
    OrgPolicies {
        root_id: "r-root".into(),
        enabled: vec![PolicyType::ServiceControlPolicy],
        policies: Vec::new(),
        attached_counts: BTreeMap::new(),
    }
}

fn with_policies(specs: &[&orgtrail_spec::Spec], p: OrgPolicies) -> LiveState {
    let mut live = in_sync(specs);
    live.organization.as_mut().unwrap().policies = Some(p);
    live
}

/// The policies as the first apply leaves them.
fn applied(s: &orgtrail_spec::Spec) -> OrgPolicies {
    let p = plan_of(&[s], &with_policies(&[s], empty_policies()));
    let mut out = empty_policies();
    out.enabled.push(PolicyType::ResourceControlPolicy);
    for (i, st) in p.steps.iter().enumerate() {
        if let Action::CreatePolicy {
            name,
            policy_type,
            content,
        } = &st.action
        {
            out.policies.push(OrgPolicy {
                id: format!("p-{i}"),
                name: name.clone(),
                policy_type: *policy_type,
                managed: true,
                content: content.clone(),
                targets: vec!["r-root".into()],
            });
        }
    }
    out
}

#[test]
fn first_plan_enables_rcps_creates_and_attaches_both_policies_reducing_nothing() {
    let s = spec(GUARDED);
    let p = plan_of(&[&s], &with_policies(&[&s], empty_policies()));
    let guard: Vec<_> = kinds(&p)
        .into_iter()
        .filter(|(k, _)| *k as u8 >= StepKind::EnablePolicyType as u8)
        .collect();
    assert_eq!(
        guard,
        [
            (StepKind::EnablePolicyType, false),
            (StepKind::CreatePolicy, false),
            (StepKind::CreatePolicy, false),
            (StepKind::AttachPolicy, false),
            (StepKind::AttachPolicy, false),
        ]
    );
    assert!(!p.has_errors(), "{:?}", p.findings);
    let scp = p.steps.iter().find_map(|s| match &s.action {
        Action::CreatePolicy {
            name,
            policy_type: PolicyType::ServiceControlPolicy,
            content,
        } => Some((name.clone(), content.clone())),
        _ => None,
    });
    let (name, content) = scp.expect("an SCP");
    assert_eq!(name, "orgtrail-protect-my-trail");
    assert!(
        content.contains("\"arn:aws:s3:::my-bucket/AWSLogs/*\""),
        "{content}"
    );
    assert!(content.contains(ARN), "{content}");
    assert!(
        content.contains("arn:aws:iam::111111111111:role/admin"),
        "{content}"
    );
    // The attacker's variants on the log files: overwrite and unlock, not only delete.
    for call in [
        "s3:PutObject\"",
        "s3:PutObjectRetention",
        "s3:BypassGovernanceRetention",
    ] {
        assert!(content.contains(call), "{call}: {content}");
    }
}

#[test]
fn guardrails_in_place_plan_nothing() {
    let s = spec(GUARDED);
    let p = plan_of(&[&s], &with_policies(&[&s], applied(&s)));
    assert!(p.steps.is_empty(), "{:?}", kinds(&p));
}

#[test]
fn a_detached_scp_is_reattached_and_drift_calls_it_coverage_lost() {
    let s = spec(GUARDED);
    let mut pol = applied(&s);
    pol.policies[0].targets.clear();
    let live = with_policies(&[&s], pol);
    let p = plan_of(&[&s], &live);
    assert_eq!(kinds(&p), [(StepKind::AttachPolicy, false)]);
    let report = crate::drift::report(&p, &live);
    let f = &report.findings[0];
    assert_eq!(
        (f.rule, f.severity),
        (DriftRule::GuardrailDetached, DriftSeverity::CoverageLost),
        "{f:?}"
    );
}

#[test]
fn an_edited_scp_that_exempts_someone_else_is_coverage_lost_and_restored() {
    let s = spec(GUARDED);
    let mut pol = applied(&s);
    pol.policies[0].content = pol.policies[0].content.replace(
        "\"arn:aws:iam::111111111111:role/admin\"",
        "\"arn:aws:iam::111111111111:role/admin\",\"arn:aws:iam::222222222222:role/intruder\"",
    );
    let live = with_policies(&[&s], pol);
    let p = plan_of(&[&s], &live);
    assert_eq!(kinds(&p), [(StepKind::UpdatePolicy, false)]);
    let report = crate::drift::report(&p, &live);
    assert_eq!(report.findings[0].rule, DriftRule::GuardrailWeakened);
    assert!(
        report.findings[0].message.contains("role/intruder"),
        "{}",
        report.findings[0].message
    );
}

#[test]
fn dropping_guardrails_detaches_them_reducing_coverage_then_deletes_them() {
    let guarded = spec(GUARDED);
    let pol = applied(&guarded);
    let plain = spec("");
    let p = plan_of(&[&plain], &with_policies(&[&plain], pol));
    assert_eq!(
        kinds(&p),
        [
            (StepKind::DetachPolicy, true),
            (StepKind::DetachPolicy, true),
            (StepKind::DeletePolicy, false),
            (StepKind::DeletePolicy, false),
        ]
    );
}

#[test]
fn a_policy_orgtrail_did_not_create_is_never_touched() {
    let s = spec(GUARDED);
    let mut pol = applied(&s);
    pol.policies[0].managed = false;
    let p = plan_of(&[&s], &with_policies(&[&s], pol.clone()));
    assert!(
        codes(&p).contains(&(Severity::Error, "guardrail-name-taken".into())),
        "{:?}",
        codes(&p)
    );
    assert!(p.steps.iter().all(|st| !matches!(&st.action, Action::UpdatePolicy { policy_id, .. } | Action::DetachPolicy { policy_id, .. } | Action::DeletePolicy { policy_id, .. } if *policy_id == pol.policies[0].id)));
    let plain = spec("");
    let p = plan_of(&[&plain], &with_policies(&[&plain], pol));
    assert!(p.steps.iter().all(|st| !matches!(&st.action, Action::DeletePolicy { policy_id, .. } | Action::DetachPolicy { policy_id, .. } if policy_id == "p-1")), "{:?}", kinds(&p));
}

#[test]
fn exemptions_that_omit_the_caller_are_a_preflight_error() {
    let s = spec("guardrails:\n  exempt_principals: [\"arn:aws:iam::111111111111:role/ci\"]\n");
    let p = plan_of(&[&s], &with_policies(&[&s], empty_policies()));
    assert!(p.has_errors());
    let f = p
        .findings
        .iter()
        .find(|f| f.code == FindingCode::GuardrailLocksOutCaller)
        .expect("lock-out");
    assert!(
        f.fix.contains("arn:aws:iam::111111111111:role/admin"),
        "{}",
        f.fix
    );
}

#[test]
fn an_assumed_role_session_is_judged_by_its_role() {
    assert_eq!(
        guardrails::principal_arn("arn:aws:sts::111111111111:assumed-role/ci/session-1"),
        "arn:aws:iam::111111111111:role/ci"
    );
    assert_eq!(
        guardrails::principal_arn("arn:aws:iam::111111111111:user/alice"),
        "arn:aws:iam::111111111111:user/alice"
    );
}

#[test]
fn a_full_target_is_a_preflight_error() {
    let s = spec(GUARDED);
    let mut pol = empty_policies();
    pol.attached_counts.insert(
        "r-root".into(),
        BTreeMap::from([(PolicyType::ServiceControlPolicy, 5)]),
    );
    let p = plan_of(&[&s], &with_policies(&[&s], pol));
    assert!(
        codes(&p).contains(&(Severity::Error, "guardrail-target-limit".into())),
        "{:?}",
        codes(&p)
    );
}

#[test]
fn the_rcp_never_denies_cloudtrails_deliveries_and_a_bucket_in_the_management_account_is_named() {
    let s = spec(GUARDED);
    let p = plan_of(&[&s], &with_policies(&[&s], empty_policies()));
    assert!(
        !codes(&p)
            .iter()
            .any(|(_, c)| c == "guardrail-denies-delivery")
    );
    let w = p
        .findings
        .iter()
        .find(|f| f.code == FindingCode::GuardrailUnenforceable)
        .expect("reach");
    assert!(
        w.message.contains(
            "bucket `my-bucket` there is protected from its own principals by alerts only"
        ),
        "{}",
        w.message
    );
}

#[test]
fn an_scp_over_organizations_size_limit_is_a_preflight_error() {
    let many: Vec<String> = (0..80)
        .map(|i| format!("\"arn:aws:iam::111111111111:role/team-{i:03}-deployer\""))
        .collect();
    let s = spec(&format!(
        "guardrails:\n  exempt_principals: [\"arn:aws:iam::111111111111:role/admin\", {}]\n",
        many.join(", ")
    ));
    let p = plan_of(&[&s], &with_policies(&[&s], empty_policies()));
    let f = p
        .findings
        .iter()
        .find(|f| f.code == FindingCode::GuardrailTooLarge)
        .expect("too large");
    assert!(f.message.contains("5120"), "{}", f.message);
}
