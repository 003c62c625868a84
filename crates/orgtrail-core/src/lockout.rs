//! Never lock out CI: every SCP and RCP a plan writes is evaluated against every call the next
//! apply of the same specs makes, for each principal that makes them — the caller (its role,
//! for an assumed-role session) and the spec's bucket and key roles — taking the calls from
//! [`crate::least_privilege`] for apply (the same list `iam-policy --for apply` prints). An SCP
//! has no `Principal` (it applies to every principal of the accounts it is attached to, "SCP
//! syntax", AWS Organizations user guide), so it is evaluated as if it named `*`; the RCP with
//! the organization's id as `aws:PrincipalOrgID` (the principals are the organization's). A
//! denied call is a preflight error naming the principal, the call and the resource: apply
//! writes nothing. Above `plan` and `least_privilege`, so the diff itself stays unaware.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::iam::{
    self, Decision, NormStatement, Principal, Request, normalise_statement, parse_document,
};
use crate::least_privilege::{self, Options, Purpose};
use crate::model::{LiveState, PolicyType};
use crate::plan::{Action, Finding, FindingCode, Plan, Severity, SpecInput};

/// Add a `guardrail-locks-out-caller` error for each apply call an SCP of `plan` denies.
pub fn check(plan: &mut Plan, specs: &[SpecInput], live: &LiveState) {
    let scps: Vec<(String, String, PolicyType, Vec<NormStatement>)> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::CreatePolicy {
                name,
                policy_type,
                content,
            }
            | Action::UpdatePolicy {
                name,
                policy_type,
                content,
                ..
            } => Some((
                s.spec.clone(),
                name.clone(),
                *policy_type,
                statements(content),
            )),
            _ => None,
        })
        .collect();
    if scps.is_empty() {
        return;
    }
    let refs: Vec<&orgtrail_spec::Spec> = specs.iter().map(|s| s.spec).collect();
    let opts = Options {
        partition: live.caller.partition.clone(),
        account: live
            .organization
            .as_ref()
            .map(|o| o.management_account.clone()),
        enable_all_features: false,
    };
    let caller = caller_as_exempted(specs, &live.caller.arn);
    let org_id = live.organization.as_ref().map(|o| o.id.clone());
    for (who, doc) in least_privilege::policies(&refs, Purpose::Apply, &opts) {
        let arn = match &who {
            least_privilege::Principal::Management => caller.clone(),
            least_privilege::Principal::Role(r) => r.clone(),
        };
        for (spec, name, t, st) in &scps {
            let Some((action, resource)) = first_denied(st, &arn, org_id.as_deref(), &doc) else {
                continue;
            };
            plan.findings.push(Finding {
                severity: Severity::Error,
                code: FindingCode::GuardrailLocksOutCaller,
                spec: spec.clone(),
                message: format!(
                    "{} `{name}` would deny {arn} the call {action} on {resource}, which the next apply makes",
                    t.short()
                ),
                fix: format!("add `{arn}` to guardrails.exempt_principals"),
            });
        }
    }
    plan.findings
        .sort_by(|a, b| (a.severity, &a.spec, &a.code).cmp(&(b.severity, &b.spec, &b.code)));
    plan.findings.dedup();
}

/// The caller's `aws:PrincipalArn` as the exemptions name it: an assumed-role session's ARN
/// carries no role path, so an exemption naming the role with its path stands for it.
fn caller_as_exempted(specs: &[SpecInput], caller: &str) -> String {
    let bare = crate::plan::principal_arn(caller);
    specs
        .iter()
        .filter_map(|s| s.spec.guardrails.as_ref())
        .flat_map(|g| g.exempt_principals.iter())
        .find(|e| crate::plan::names_caller(e, &bare))
        .cloned()
        .unwrap_or(bare)
}

/// A policy's statements; one without `Principal` (an SCP's) applies to every principal.
fn statements(content: &str) -> Vec<NormStatement> {
    parse_document(content)
        .map(|d| {
            d.statements
                .iter()
                .filter_map(|s| {
                    let mut s = s.clone();
                    if let Some(m) = s.as_object_mut()
                        && !m.contains_key("Principal")
                        && !m.contains_key("NotPrincipal")
                    {
                        m.insert("Principal".into(), Value::from("*"));
                    }
                    normalise_statement(&s).ok()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The first (action, resource) of the identity policy `doc` the policy denies `principal` (a
/// principal of the organization `org_id`).
fn first_denied(
    scp: &[NormStatement],
    principal: &str,
    org_id: Option<&str>,
    doc: &Value,
) -> Option<(String, String)> {
    let grants = doc["Statement"].as_array().cloned().unwrap_or_default();
    for g in &grants {
        for action in strings(&g["Action"]) {
            for resource in strings(&g["Resource"]) {
                let r = Request {
                    principal: Principal::Aws(principal.to_string()),
                    action: action.to_lowercase(),
                    resource: resource.clone(),
                    context: BTreeMap::from([
                        ("aws:principalarn".to_string(), Some(principal.to_string())),
                        ("aws:principalorgid".to_string(), org_id.map(str::to_string)),
                        (
                            "aws:principalisawsservice".to_string(),
                            Some("false".to_string()),
                        ),
                        ("aws:securetransport".to_string(), Some("true".to_string())),
                    ]),
                    // A Deny condition orgtrail cannot evaluate counts as met: a lock-out is
                    // assumed rather than missed.
                    cautious: true,
                };
                if iam::evaluate(scp, &r) == Decision::ExplicitlyDenied {
                    return Some((action, resource));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;
    use crate::model::OrgPolicies;

    const ROLE: &str = "arn:aws:iam::222222222222:role/bucket";

    /// The plan for a guarded spec whose bucket is reached through `ROLE`, its inputs and live.
    fn guarded() -> (orgtrail_spec::Spec, LiveState) {
        let yaml = format!(
            "version: 1\nbucket:\n  name: my-bucket\n  account: \"222222222222\"\n  role_arn: {ROLE}\ntrail:\n  name: my-trail\n  home_region: us-east-2\nguardrails:\n  exempt_principals: [\"arn:aws:iam::111111111111:role/admin\"]\n"
        );
        let s = orgtrail_spec::parse_bytes("t.yaml", yaml.as_bytes()).unwrap();
        let mut live = in_sync(&[&s]);
        live.organization.as_mut().unwrap().policies = Some(OrgPolicies {
            root_id: "r-root".into(),
            enabled: vec![
                PolicyType::ServiceControlPolicy,
                PolicyType::ResourceControlPolicy,
            ],
            policies: Vec::new(),
            attached_counts: BTreeMap::new(),
        });
        (s, live)
    }

    fn checked(s: &orgtrail_spec::Spec, live: &LiveState, edit: impl Fn(&mut String)) -> Plan {
        let mut p = plan_of(&[s], live);
        for st in &mut p.steps {
            if let Action::CreatePolicy { content, .. } = &mut st.action {
                edit(content);
            }
        }
        let inputs = [SpecInput {
            path: "specs/0.yaml".into(),
            source: b"",
            spec: s,
        }];
        check(&mut p, &inputs, live);
        p
    }

    #[test]
    fn the_derived_guardrails_deny_no_call_of_the_next_apply() {
        let (s, live) = guarded();
        let p = checked(&s, &live, |_| {});
        assert!(
            !p.findings
                .iter()
                .any(|f| f.code == FindingCode::GuardrailLocksOutCaller),
            "{:?}",
            p.findings
        );
    }

    #[test]
    fn an_scp_that_no_longer_exempts_the_bucket_role_is_a_lock_out_naming_the_call() {
        let (s, live) = guarded();
        let p = checked(&s, &live, |c| {
            *c = c
                .replace(&format!(",\"{ROLE}\""), "")
                .replace(&format!("\"{ROLE}\","), "")
        });
        let f = p
            .findings
            .iter()
            .find(|f| f.code == FindingCode::GuardrailLocksOutCaller)
            .expect("a lock-out");
        assert!(
            f.message.contains(ROLE) && f.message.contains("on arn:aws:s3:::my-bucket"),
            "{}",
            f.message
        );
    }

    #[test]
    fn an_exemption_naming_the_callers_role_with_its_path_stands_for_the_session() {
        let specs_yaml = "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\nguardrails:\n  exempt_principals: [\"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1\"]\n";
        let s = orgtrail_spec::parse_bytes("t.yaml", specs_yaml.as_bytes()).unwrap();
        let inputs = [SpecInput {
            path: "p".into(),
            source: b"",
            spec: &s,
        }];
        assert_eq!(
            caller_as_exempted(
                &inputs,
                "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_1/alice"
            ),
            "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1"
        );
    }
}
