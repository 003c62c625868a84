//! `organization:` -> [`Organization`]: the AWS Organizations prerequisites and the
//! delegated administrators (distinct account ids).

use serde_saphyr::Spanned;

use super::cx::Cx;
use super::node::Node;
use crate::model::Organization;

pub(super) fn organization(cx: &mut Cx, n: &Spanned<Node>) -> Option<Organization> {
    let f = cx.fields(
        n,
        "organization",
        &["all_features", "trusted_access", "delegated_administrators"],
    )?;
    let admins = f
        .present("delegated_administrators")
        .map(|a| account_list(cx, a));
    Some(Organization {
        all_features: cx.bool_or(&f, "all_features", true),
        trusted_access: cx.bool_or(&f, "trusted_access", true),
        delegated_administrators: admins,
    })
}

/// A list of distinct account ids, sorted.
fn account_list(cx: &mut Cx, n: &Spanned<Node>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let path = "organization.delegated_administrators";
    for (i, item) in cx.list(n, path).iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(s) = cx.account_string(item, &p) else {
            continue;
        };
        if out.contains(&s) {
            cx.err(
                item,
                &p,
                format!("account {s} is listed twice"),
                "list each account once",
            );
        } else {
            out.push(s);
        }
    }
    out.sort();
    out
}
