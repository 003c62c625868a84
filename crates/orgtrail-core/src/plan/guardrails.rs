//! Guardrail steps (`guardrails:`, docs/guardrails.md): the SCP and RCP each spec derives,
//! created or updated with a readable policy diff, attached where the spec says, their policy
//! types enabled on the root; removed (detached, then deleted) when the spec drops them.
//! Detaching, narrowing or deleting a guardrail reduces coverage, and drift reports the
//! opposite. Policies orgtrail did not create (no marker in their description) are never
//! touched. Preflight: size, the 5-policies-per-target limit, what SCPs and RCPs cannot reach,
//! CloudTrail's deliveries under the RCP, and the caller's own exemption.

use std::collections::BTreeMap;

use orgtrail_spec::Spec;

use super::desired::{desired, trail_owner};
use super::model::{Action, FindingCode, SpecInput, Step};
use super::out::Out;
use crate::guardrails::{
    self, MAX_POLICIES_PER_TARGET, MAX_POLICY_CHARS, Protected, rcp, scp, weaken,
};
use crate::model::{LiveState, OrgPolicies, OrgPolicy, OrgState, PolicyType, TrailLive};
use crate::policy::canonical_text;

/// One guardrail policy the specs want: its name, type, document and targets (ids).
#[derive(Debug, Clone)]
struct Wanted {
    spec: String,
    name: String,
    policy_type: PolicyType,
    content: String,
    targets: Vec<String>,
}

/// Every guardrail step and finding of `specs`.
pub(crate) fn steps(out: &mut Out, specs: &[SpecInput], live: &LiveState) {
    let Some(org) = live.organization.as_ref() else {
        return;
    };
    let any = specs.iter().any(|s| s.spec.guardrails.is_some());
    if org.policies_denied && !any {
        unlisted(out, specs, live);
    }
    let Some(policies) = org.policies.as_ref() else {
        if any {
            unreadable(out, specs, live, org);
        }
        return;
    };
    let wanted = wanted(out, specs, live, org, policies);
    // Each type once, before the policies that need it (two specs may want the same type).
    let mut types: Vec<PolicyType> = wanted.iter().map(|w| w.policy_type).collect();
    types.sort();
    types.dedup();
    for t in types.into_iter().filter(|t| !policies.enabled.contains(t)) {
        let w = wanted
            .iter()
            .find(|w| w.policy_type == t)
            .expect("a policy of this type");
        enable_type(out, w, policies);
    }
    for w in &wanted {
        converge(out, w, policies);
    }
    remove_dropped(out, specs, &wanted, policies);
}

/// The specs ask for guardrails, but the organization's policies could not be read: only the
/// management account can, and SCPs and RCPs need all features. Without all features it is a
/// warning (the apply that enables them must not be blocked; guardrails follow on the next).
fn unreadable(out: &mut Out, specs: &[SpecInput], live: &LiveState, org: &OrgState) {
    for s in specs.iter().filter(|s| s.spec.guardrails.is_some()) {
        if !org.all_features {
            out.warn(
                &s.path,
                FindingCode::GuardrailsUnreadable,
                "the organization has only consolidated billing: SCPs and RCPs need all features, so guardrails are planned once they are on".to_string(),
                "keep `organization.all_features: true` and apply with `--allow-enable-all-features`, then apply again",
            );
            continue;
        }
        if org.policies_denied {
            out.error(
                &s.path,
                FindingCode::GuardrailsUnreadable,
                format!(
                    "{} may not read the organization's policies (AccessDenied)",
                    live.caller.arn
                ),
                "grant the Organizations policy calls `orgtrail iam-policy --for plan` (and `--for apply`) lists for specs with guardrails",
            );
            continue;
        }
        out.error(
            &s.path,
            FindingCode::GuardrailsUnreadable,
            format!(
                "the organization's policies could not be read as {}: guardrails are managed from the management account",
                live.caller.arn
            ),
            "run apply with the management account's CI role (SCPs and RCPs are created and attached there)",
        );
    }
}

/// The caller may not list the organization's policies (a role deployed before guardrails):
/// guardrails dropped from a spec cannot be seen, so none is removed by mistake either.
fn unlisted(out: &mut Out, specs: &[SpecInput], live: &LiveState) {
    let path = specs.first().map(|s| s.path.as_str()).unwrap_or_default();
    out.warn(
        path,
        FindingCode::GuardrailsUnlisted,
        format!(
            "{} may not list the organization's policies: a guardrail removed from a spec would stay in place unseen",
            live.caller.arn
        ),
        "grant organizations:ListPolicies (`orgtrail iam-policy --for plan` includes it)",
    );
}

/// The policies the specs want, one SCP per trail and one RCP per bucket, with their
/// preflight checks.
fn wanted(
    out: &mut Out,
    specs: &[SpecInput],
    live: &LiveState,
    org: &OrgState,
    policies: &OrgPolicies,
) -> Vec<Wanted> {
    let mut scps = Vec::new();
    // bucket -> (first spec, resources, targets)
    let mut rcps: BTreeMap<String, (String, Vec<String>, Vec<String>)> = BTreeMap::new();
    for (s, tl) in specs.iter().zip(&live.trails) {
        let Some(g) = &s.spec.guardrails else {
            continue;
        };
        let p = protected(s.spec, tl, live);
        let targets = targets(&g.attach_to, policies);
        limits_of_reach(out, &s.path, s.spec, tl, org);
        locks_out_caller(out, &s.path, s.spec, live);
        if g.scp {
            let exempt = guardrails::exemptions(s.spec);
            scps.push(Wanted {
                spec: s.path.clone(),
                name: guardrails::policy_name(
                    PolicyType::ServiceControlPolicy,
                    &s.spec.trail.name,
                    "",
                ),
                policy_type: PolicyType::ServiceControlPolicy,
                content: guardrails::text(&scp::document(&p, &exempt)),
                targets: targets.clone(),
            });
        }
        if g.rcp {
            let e = rcps
                .entry(s.spec.bucket.name.clone())
                .or_insert_with(|| (s.path.clone(), Vec::new(), Vec::new()));
            e.1.extend(rcp::resources(&p));
            e.2.extend(targets);
        }
    }
    let mut out_list = scps;
    for (bucket, (spec, mut resources, mut targets)) in rcps {
        resources.sort();
        resources.dedup();
        targets.sort();
        targets.dedup();
        out_list.push(Wanted {
            spec,
            name: guardrails::policy_name(PolicyType::ResourceControlPolicy, "", &bucket),
            policy_type: PolicyType::ResourceControlPolicy,
            content: guardrails::text(&rcp::document(&resources, &org.id)),
            targets,
        });
    }
    for w in &out_list {
        too_large(out, w);
        target_limit(out, w, policies);
        if w.policy_type == PolicyType::ResourceControlPolicy {
            super::guardrails_delivery::denies_delivery(out, &w.spec, &w.content, specs, live);
        }
    }
    out_list
}

/// What one spec's guardrails protect, from its desired trail.
fn protected(spec: &Spec, tl: &TrailLive, live: &LiveState) -> Protected {
    let partition = live.caller.partition.as_str();
    let d = desired(spec, partition, trail_owner(spec, live), tl.kms.as_ref());
    let logs_prefix = match &d.trail.s3_key_prefix {
        Some(p) => format!("{p}/AWSLogs/"),
        None => "AWSLogs/".to_string(),
    };
    Protected {
        partition: partition.to_string(),
        trail_arn: d.arn,
        bucket: spec.bucket.name.clone(),
        logs_prefix,
        key_arn: d.trail.kms_key_id.filter(|k| k.contains(":key/")),
        log_group_arn: d
            .trail
            .cloudwatch_logs
            .map(|(g, _)| g.trim_end_matches(":*").to_string()),
        alert_topic_arn: spec
            .guardrails
            .as_ref()
            .and_then(|g| g.alerts.as_ref())
            .map(|a| a.sns_topic.clone()),
        alert_rules_arn: spec
            .guardrails
            .as_ref()
            .and_then(|g| g.alerts.as_ref())
            .map(|_| {
                let name =
                    guardrails::policy_name(PolicyType::ServiceControlPolicy, &spec.trail.name, "");
                format!("arn:{partition}:events:*:*:rule/{name}")
            }),
    }
}

/// `attach_to` as ids: `root` is the organization's root.
fn targets(attach_to: &[String], policies: &OrgPolicies) -> Vec<String> {
    let mut out: Vec<String> = attach_to
        .iter()
        .map(|t| {
            if t == "root" {
                policies.root_id.clone()
            } else {
                t.clone()
            }
        })
        .collect();
    out.sort();
    out
}

/// SCPs do not bind the management account's principals, and RCPs do not cover its resources:
/// a bucket or key kept there is protected against member accounts by the SCP only, and against
/// the management account's own principals by alerts alone.
fn limits_of_reach(out: &mut Out, path: &str, spec: &Spec, tl: &TrailLive, org: &OrgState) {
    let mgmt = org.management_account.as_str();
    let mut kept_there = Vec::new();
    if spec.bucket.owner(mgmt) == mgmt {
        kept_there.push(format!("bucket `{}`", spec.bucket.name));
    }
    let key_account = tl
        .kms
        .as_ref()
        .and_then(|k| k.key_arn.as_deref())
        .and_then(|a| a.split(':').nth(4));
    if key_account == Some(mgmt) {
        kept_there.push("the trail's KMS key".to_string());
    }
    let mut message = format!(
        "guardrails cannot reach the management account ({mgmt}): SCPs do not bind its principals, and RCPs do not cover its resources"
    );
    if !kept_there.is_empty() {
        message.push_str(&format!(
            "; {} there {} protected from its own principals by alerts only",
            kept_there.join(" and "),
            if kept_there.len() == 1 { "is" } else { "are" }
        ));
    }
    out.warn(
        path,
        FindingCode::GuardrailUnenforceable,
        message,
        "keep the bucket (and key) in a log-archive account, set `bucket.account` and `bucket.role_arn`, and limit who may use the management account",
    );
}

/// The caller must be exempt: orgtrail never writes a policy that denies the principal that
/// keeps the trail as the spec says (whatever account the same specs are applied from next).
fn locks_out_caller(out: &mut Out, path: &str, spec: &Spec, live: &LiveState) {
    let Some(g) = &spec.guardrails else { return };
    if !g.scp {
        return;
    }
    let principal = principal_arn(&live.caller.arn);
    let exempt = guardrails::exemptions(spec);
    if exempt.iter().any(|e| names_caller(e, &principal)) {
        return;
    }
    out.error(
        path,
        FindingCode::GuardrailLocksOutCaller,
        format!(
            "the SCP would deny {principal} (the caller) every change to trail `{}` and bucket `{}`: it is not among guardrails.exempt_principals",
            spec.trail.name, spec.bucket.name
        ),
        format!(
            "add `{principal}` to guardrails.exempt_principals (the role CI applies with; with its path, `role/PATH/NAME`, if it has one)"
        ),
    );
}

/// Whether exemption `e` names the caller whose role ARN, as its session shows it, is `bare`
/// (no path: an assumed-role session's ARN omits the role's path, which `aws:PrincipalArn`
/// carries). `e` matches as written, or as a role of the same account with a path whose name
/// matches.
pub fn names_caller(e: &str, bare: &str) -> bool {
    if crate::iam::eval::glob(e, bare) {
        return true;
    }
    let (Some((e_head, e_path)), Some((b_head, b_name))) =
        (e.split_once(":role/"), bare.split_once(":role/"))
    else {
        return false;
    };
    // Role names are unique in an account: a path form naming exactly this role stands for it;
    // a wildcard in the name could stand for another role, so it must match as written.
    let name = e_path.rsplit('/').next().unwrap_or(e_path);
    e_head == b_head && e_path.contains('/') && !name.contains(['*', '?']) && name == b_name
}

/// `aws:PrincipalArn` of a caller: an assumed role's session ARN names its role.
pub fn principal_arn(caller: &str) -> String {
    let Some((head, rest)) = caller.split_once(":assumed-role/") else {
        // An IAM user is `arn:aws:iam::A:user/N` in GetCallerIdentity; emulators answer
        // `arn:aws:sts::A:user/N`, which names the same user.
        if let Some((head, user)) = caller.split_once(":user/") {
            return format!("{}:user/{user}", head.replacen(":sts:", ":iam:", 1));
        }
        return caller.to_string();
    };
    let role = rest.split('/').next().unwrap_or(rest);
    format!("{}:role/{role}", head.replacen(":sts:", ":iam:", 1))
}

fn too_large(out: &mut Out, w: &Wanted) {
    if w.name.len() > guardrails::MAX_POLICY_NAME {
        out.error(
            &w.spec,
            FindingCode::GuardrailTooLarge,
            format!(
                "the {} name `{}` is {} characters; Organizations takes at most {}",
                w.policy_type.short(),
                w.name,
                w.name.len(),
                guardrails::MAX_POLICY_NAME
            ),
            "shorten the trail's (or bucket's) name to at most 111 characters",
        );
    }
    let n = w.content.chars().count();
    if n > MAX_POLICY_CHARS {
        out.error(
            &w.spec,
            FindingCode::GuardrailTooLarge,
            format!(
                "{} `{}` is {n} characters; Organizations takes at most {MAX_POLICY_CHARS}",
                w.policy_type.short(),
                w.name
            ),
            "exempt principals with a `*` pattern (one role path) instead of listing each",
        );
    }
}

/// A target may have at most 5 policies of a type; attaching one more to a full target fails.
fn target_limit(out: &mut Out, w: &Wanted, policies: &OrgPolicies) {
    let ours = policies.named(&w.name, w.policy_type);
    for t in &w.targets {
        let attached_already = ours.is_some_and(|p| p.targets.contains(t));
        let now = policies
            .attached_counts
            .get(t)
            .and_then(|c| c.get(&w.policy_type))
            .copied()
            .unwrap_or(0);
        if !attached_already && now >= MAX_POLICIES_PER_TARGET {
            out.error(
                &w.spec,
                FindingCode::GuardrailTargetLimit,
                format!(
                    "{t} already has {now} {}s attached; Organizations allows {MAX_POLICIES_PER_TARGET}, so `{}` cannot be attached",
                    w.policy_type.short(),
                    w.name
                ),
                "attach the guardrails to an OU or account below it (`attach_to`), or merge two of its policies",
            );
        }
    }
}

/// EnablePolicyType on the root for `w`'s type.
fn enable_type(out: &mut Out, w: &Wanted, policies: &OrgPolicies) {
    let short = w.policy_type.short();
    out.step(
        Step::new(
            format!("root {}", policies.root_id),
            w.spec.clone(),
            format!("{short}s are not enabled on the organization's root"),
            Action::EnablePolicyType {
                root_id: policies.root_id.clone(),
                policy_type: w.policy_type,
            },
        )
        .coverage(
            Vec::new(),
            vec![format!(
                "no {short} is enforced anywhere in the organization"
            )],
        ),
    );
}

/// Create or update one wanted policy, then attach and detach it until its targets are the
/// spec's.
fn converge(out: &mut Out, w: &Wanted, policies: &OrgPolicies) {
    let live = policies.named(&w.name, w.policy_type);
    match live {
        Some(p) if !p.managed => return name_taken(out, w, p),
        Some(p) => update(out, w, p),
        None => create(out, w),
    }
    let attached: &[String] = live.map_or(&[], |p| &p.targets);
    for t in w.targets.iter().filter(|t| !attached.contains(t)) {
        let what = what(w);
        out.step(
            step(
                w,
                format!("the spec attaches {what} to {t}"),
                Action::AttachPolicy {
                    name: w.name.clone(),
                    policy_type: w.policy_type,
                    target: t.clone(),
                },
            )
            .coverage(Vec::new(), weaken::everything(&what, &w.content, t)),
        );
    }
    if let Some(p) = live {
        for t in p.targets.iter().filter(|t| !w.targets.contains(t)) {
            out.step(detach(&w.spec, p, t));
        }
    }
}

fn what(w: &Wanted) -> String {
    format!("{} `{}`", w.policy_type.short(), w.name)
}

fn step(w: &Wanted, reason: String, action: Action) -> Step {
    Step::new(format!("policy {}", w.name), w.spec.clone(), reason, action)
}

fn name_taken(out: &mut Out, w: &Wanted, p: &OrgPolicy) {
    out.error(
        &w.spec,
        FindingCode::GuardrailNameTaken,
        format!(
            "{} `{}` ({}) exists but orgtrail did not create it (its description lacks \"{}\"): orgtrail never changes a policy it did not create",
            w.policy_type.short(),
            p.name,
            p.id,
            crate::model::MANAGED_MARKER
        ),
        "rename or delete that policy, or remove `guardrails:` and keep protecting the trail with it",
    );
}

fn create(out: &mut Out, w: &Wanted) {
    let reason = format!("the spec protects its resources with {}", what(w));
    out.step(
        step(
            w,
            reason,
            Action::CreatePolicy {
                name: w.name.clone(),
                policy_type: w.policy_type,
                content: w.content.clone(),
            },
        )
        .with_policy_diff(Some((String::new(), pretty(&w.content))))
        .coverage(Vec::new(), vec![format!("{} does not exist", what(w))]),
    );
}

/// Replace a policy whose document differs from the spec's (formatting aside).
fn update(out: &mut Out, w: &Wanted, p: &OrgPolicy) {
    if canonical_text(&p.content) == canonical_text(&w.content) {
        return;
    }
    let what = what(w);
    let lost = weaken::lost(&what, &p.content, &w.content);
    let restored = weaken::lost(&what, &w.content, &p.content);
    out.step(
        step(
            w,
            format!("{what} differs from the spec"),
            Action::UpdatePolicy {
                policy_id: p.id.clone(),
                name: w.name.clone(),
                policy_type: w.policy_type,
                content: w.content.clone(),
            },
        )
        .with_policy_diff(Some((pretty(&p.content), pretty(&w.content))))
        .coverage(lost, restored),
    );
}

fn pretty(text: &str) -> String {
    canonical_text(text)
}

fn detach(spec: &str, p: &OrgPolicy, target: &str) -> Step {
    let what = format!("{} `{}`", p.policy_type.short(), p.name);
    Step::new(
        format!("policy {}", p.name),
        spec.to_string(),
        format!("the spec no longer attaches {what} to {target}"),
        Action::DetachPolicy {
            policy_id: p.id.clone(),
            name: p.name.clone(),
            target: target.to_string(),
        },
    )
    .coverage(weaken::everything(&what, &p.content, target), Vec::new())
}

/// orgtrail's policies named after these specs' trails and buckets that no spec wants any
/// more: detached everywhere (reducing coverage), then deleted.
fn remove_dropped(out: &mut Out, specs: &[SpecInput], wanted: &[Wanted], policies: &OrgPolicies) {
    for s in specs {
        let names = [
            (
                PolicyType::ServiceControlPolicy,
                guardrails::policy_name(PolicyType::ServiceControlPolicy, &s.spec.trail.name, ""),
            ),
            (
                PolicyType::ResourceControlPolicy,
                guardrails::policy_name(PolicyType::ResourceControlPolicy, "", &s.spec.bucket.name),
            ),
        ];
        for (t, name) in names {
            let still = wanted.iter().any(|w| w.name == name && w.policy_type == t);
            let Some(p) = policies.named(&name, t).filter(|p| p.managed && !still) else {
                continue;
            };
            if out.steps.iter().any(|st| matches!(&st.action, Action::DeletePolicy { policy_id, .. } if *policy_id == p.id)) {
                continue;
            }
            for target in &p.targets {
                out.step(detach(&s.path, p, target));
            }
            out.step(Step::new(
                format!("policy {}", p.name),
                s.path.clone(),
                format!(
                    "the spec no longer has {} `{}`",
                    p.policy_type.short(),
                    p.name
                ),
                Action::DeletePolicy {
                    policy_id: p.id.clone(),
                    name: p.name.clone(),
                },
            ));
        }
    }
}
