//! Never lock out CI: every SCP a plan writes is evaluated against every call the next apply
//! of the same specs makes, for each principal that makes them — the caller (its role, for an
//! assumed-role session) and the spec's bucket and key roles — taking the calls from
//! [`crate::least_privilege`] for apply (the same list `iam-policy --for apply` prints). A
//! call the SCP denies is a preflight error naming the principal, the call and the resource:
//! apply writes nothing. Above `plan` and `least_privilege`, so the diff itself stays unaware.

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
    let scps: Vec<(String, String, Vec<NormStatement>)> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::CreatePolicy {
                name,
                policy_type: PolicyType::ServiceControlPolicy,
                content,
            }
            | Action::UpdatePolicy { name, content, .. }
                if name.starts_with(crate::model::POLICY_PREFIX) =>
            {
                Some((s.spec.clone(), name.clone(), statements(content)))
            }
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
    let caller = crate::plan::principal_arn(&live.caller.arn);
    for (who, doc) in least_privilege::policies(&refs, Purpose::Apply, &opts) {
        let arn = match &who {
            least_privilege::Principal::Management => caller.clone(),
            least_privilege::Principal::Role(r) => r.clone(),
        };
        for (spec, name, st) in &scps {
            if let Some((action, resource)) = first_denied(st, &arn, &doc) {
                plan.findings.push(Finding {
                    severity: Severity::Error,
                    code: FindingCode::GuardrailLocksOutCaller,
                    spec: spec.clone(),
                    message: format!(
                        "SCP `{name}` would deny {arn} the call {action} on {resource}, which the next apply makes"
                    ),
                    fix: format!("add `{arn}` to guardrails.exempt_principals"),
                });
            }
        }
    }
    plan.findings
        .sort_by(|a, b| (a.severity, &a.spec, &a.code).cmp(&(b.severity, &b.spec, &b.code)));
    plan.findings.dedup();
}

fn statements(content: &str) -> Vec<NormStatement> {
    parse_document(content)
        .map(|d| {
            d.statements
                .iter()
                .filter_map(|s| normalise_statement(s).ok())
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

/// The first (action, resource) of the identity policy `doc` the SCP denies `principal`.
fn first_denied(scp: &[NormStatement], principal: &str, doc: &Value) -> Option<(String, String)> {
    let grants = doc["Statement"].as_array().cloned().unwrap_or_default();
    for g in &grants {
        for action in strings(&g["Action"]) {
            for resource in strings(&g["Resource"]) {
                let r = Request {
                    principal: Principal::Aws(principal.to_string()),
                    action: action.to_lowercase(),
                    resource: resource.clone(),
                    context: BTreeMap::from([(
                        "aws:principalarn".to_string(),
                        Some(principal.to_string()),
                    )]),
                    cautious: false,
                };
                if iam::evaluate(scp, &r) == Decision::ExplicitlyDenied {
                    return Some((action, resource));
                }
            }
        }
    }
    None
}
