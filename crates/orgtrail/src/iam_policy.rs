//! `orgtrail iam-policy`: the policy documents come from `orgtrail_core::least_privilege`; this
//! picks the one asked for, prints it, and says on stderr which other roles the specs need a
//! policy for. Offline: no AWS configuration is loaded.

use anyhow::{Result, anyhow};
use orgtrail_core::least_privilege::{self as iam, Principal, Purpose};
use serde_json::Value;

use crate::cli::{Exit, IamFor, IamPolicyArgs};
use crate::printer::Printer;
use crate::setup::{check_flag, load};

pub fn run(a: &IamPolicyArgs, p: &Printer) -> Result<Exit> {
    if let Some(account) = &a.account {
        check_flag("--account", orgtrail_spec::rules::account_id(account))?;
    }
    let specs = load(&a.paths)?;
    let refs: Vec<&orgtrail_spec::Spec> = specs.iter().map(|s| &s.spec).collect();
    let purpose = match a.purpose {
        IamFor::Plan => Purpose::Plan,
        IamFor::Apply => Purpose::Apply,
        IamFor::Verify => Purpose::Verify,
    };
    if a.trust {
        let doc = trust_policy(a, purpose, &refs)?;
        p.out(&(serde_json::to_string_pretty(&doc)? + "\n"));
        return Ok(Exit::Success);
    }
    let opts = iam::Options {
        partition: a.partition.clone(),
        account: a.account.clone(),
        enable_all_features: a.allow_enable_all_features,
    };
    let doc = pick(iam::policies(&refs, purpose, &opts), &a.role, &refs)?;
    p.out(&(serde_json::to_string_pretty(&doc)? + "\n"));
    let others: Vec<String> = iam::roles(&refs)
        .into_iter()
        .filter(|r| *r != a.role && a.role != "all")
        .collect();
    if a.purpose != IamFor::Apply {
        for s in &refs {
            if s.bucket.role_arn.is_some() && s.bucket.read_role_arn.is_none() {
                p.info(&format!(
                    "note: bucket `{}` has no `read_role_arn`: this role assumes `role_arn`, apply's role, and could change the bucket; set `bucket.read_role_arn` to a role that only reads",
                    s.bucket.name
                ));
            }
        }
    }
    if a.account.is_none() {
        p.info(
            "note: trail and key ARNs name any account (`*`); pass --account <management account id> to pin them to yours",
        );
    }
    if !others.is_empty() {
        p.info(&format!(
            "note: these specs also need a policy for {} (print it with --role ARN, or all of them with --role all)",
            others.join(", ")
        ));
    }
    Ok(Exit::Success)
}

/// `--trust`: the CI role's trust in GitHub's OIDC provider, or a bucket/key role's trust in the
/// CI roles given.
fn trust_policy(
    a: &IamPolicyArgs,
    purpose: Purpose,
    refs: &[&orgtrail_spec::Spec],
) -> Result<Value> {
    if a.role == "management" {
        let repo = a.github_repo.clone().ok_or_else(|| {
            anyhow!("--trust for the CI role needs --github-repo OWNER/NAME (the repository whose workflows assume it)")
        })?;
        let account = a.account.as_deref().ok_or_else(|| {
            anyhow!("--trust for the CI role needs --account (the management account, where GitHub's OIDC provider is registered)")
        })?;
        let gh = orgtrail_core::trust::GitHub {
            repo,
            environment: a.environment.clone(),
            branch: a.branch.clone(),
        };
        return Ok(orgtrail_core::trust::ci_role(
            &gh,
            purpose,
            account,
            &a.partition,
        ));
    }
    if !iam::roles(refs).contains(&a.role) {
        return Err(anyhow!(
            "--role {}: the specs name no such role; they name: management{}",
            a.role,
            iam::roles(refs)
                .iter()
                .map(|r| format!(", {r}"))
                .collect::<String>()
        ));
    }
    if a.ci_roles.is_empty() {
        return Err(anyhow!(
            "--trust --role {}: name the CI role(s) that assume it with --ci-role ARN (the read role for `read_role_arn` and `kms_role_arn`, the apply role for `role_arn`)",
            a.role
        ));
    }
    for r in &a.ci_roles {
        check_flag("--ci-role", orgtrail_spec::rules::role_arn(r))?;
    }
    let external = refs
        .iter()
        .find(|s| [&s.bucket.role_arn, &s.bucket.read_role_arn].contains(&&Some(a.role.clone())))
        .and_then(|s| s.bucket.external_id.as_deref());
    Ok(orgtrail_core::trust::layout_role(&a.ci_roles, external))
}

/// The document `--role` asks for: every principal's (`all`), the management account's, or a
/// role's the specs name.
fn pick(
    mut all: std::collections::BTreeMap<Principal, Value>,
    role: &str,
    refs: &[&orgtrail_spec::Spec],
) -> Result<Value> {
    Ok(match role {
        "all" => Value::Object(
            all.into_iter()
                .map(|(who, v)| (who.label().to_string(), v))
                .collect(),
        ),
        "management" => all.remove(&Principal::Management).unwrap_or_default(),
        arn if iam::roles(refs).iter().any(|r| r == arn)
            && !all.contains_key(&Principal::Role(arn.to_string())) =>
        {
            return Err(anyhow!(
                "--role {arn}: this command does not use that role: plan, drift, verify and import read the bucket as `bucket.read_role_arn`, apply as `bucket.role_arn` (print each with the matching --for)"
            ));
        }
        arn => all
            .remove(&Principal::Role(arn.to_string()))
            .ok_or_else(|| {
                anyhow!(
                    "--role {arn}: the specs name no such role; they name: management{}",
                    iam::roles(refs)
                        .iter()
                        .map(|r| format!(", {r}"))
                        .collect::<String>()
                )
            })?,
    })
}
