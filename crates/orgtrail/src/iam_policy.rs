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
    let opts = iam::Options {
        partition: a.partition.clone(),
        account: a.account.clone(),
    };
    let doc = pick(iam::policies(&refs, purpose, &opts), &a.role, &refs)?;
    p.out(&(serde_json::to_string_pretty(&doc)? + "\n"));
    let others: Vec<String> = iam::roles(&refs)
        .into_iter()
        .filter(|r| *r != a.role && a.role != "all")
        .collect();
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
