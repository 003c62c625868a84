//! `bucket:` -> [`Bucket`]: its name and region, whether to create it, how to treat its
//! policy, the account it is in and how to act there; its protection is read by
//! [`super::protection`].

use serde_saphyr::Spanned;

use super::cx::{Cx, did_you_mean_or};
use super::fields::Fields;
use super::node::Node;
use super::protection;
use crate::model::{Bucket, PolicyMode};
use crate::rules;

/// The bucket fields read here, before the protection fields.
const FIELDS: &[&str] = &[
    "name",
    "region",
    "create",
    "policy",
    "account",
    "role_arn",
    "read_role_arn",
    "external_id",
];

pub(super) fn bucket(cx: &mut Cx, n: &Spanned<Node>) -> Option<Bucket> {
    let f = cx.fields(n, "bucket", &[FIELDS, protection::FIELDS].concat())?;
    let (account, role_arn, external_id) = access(cx, &f);
    let read_role_arn = read_role(cx, &f, account.as_deref(), role_arn.as_deref());
    let name = cx.checked(&f, "name", Cx::req_string, rules::bucket_name);
    let region = cx.checked(&f, "region", Cx::opt_string, rules::region);
    let create = cx.bool_or(&f, "create", false);
    let policy = policy_mode(cx, &f);
    if policy == PolicyMode::Verify && create {
        cx.err(
            n,
            "bucket",
            "`create: true` with `policy: verify` cannot work: a new bucket has no policy to verify",
            "use `policy: merge` (orgtrail writes the statements), or create the bucket and its policy yourself",
        );
    }
    let p = protection::protection(cx, &f, name.as_ref().map(|n| n.0.as_str()));
    Some(Bucket {
        name: name?.0,
        region: region.map(|r| r.0),
        create,
        policy,
        account,
        role_arn,
        read_role_arn,
        external_id,
        public_access_block: p.public_access_block,
        ownership: p.ownership,
        encryption: p.encryption,
        versioning: p.versioning,
        lifecycle: p.lifecycle,
        object_lock: p.object_lock,
        access_logging: p.access_logging,
        require_tls: p.require_tls,
    })
}

/// `bucket.account`, `bucket.role_arn`, `bucket.external_id`: the bucket's account and how
/// to act in it.
fn access(cx: &mut Cx, f: &Fields) -> (Option<String>, Option<String>, Option<String>) {
    let account = f
        .present("account")
        .and_then(|a| cx.account_string(a, "bucket.account"));
    let role = cx.opt_string(f, "role_arn");
    if let Some((r, at)) = &role {
        cx.check(at, "bucket.role_arn", rules::role_arn(r));
        if let (Some(a), Some(ra)) = (&account, rules::role_account(r))
            && a != ra
        {
            cx.err(
                at,
                "bucket.role_arn",
                format!("role {r} is in account {ra}, but `bucket.account` is {a}"),
                "use a role in the bucket's account (the log-archive account)",
            );
        }
    }
    let external = cx.opt_string(f, "external_id");
    if let Some((e, at)) = &external {
        cx.check(at, "bucket.external_id", rules::external_id(e));
        if role.is_none() {
            cx.err(
                at,
                "bucket.external_id",
                "`external_id` without `role_arn` has no use",
                "set `bucket.role_arn`, or remove `external_id`",
            );
        }
    }
    (account, role.map(|r| r.0), external.map(|e| e.0))
}

/// `bucket.read_role_arn`: the read-only commands' role, in the bucket's account, beside
/// `role_arn` (apply's).
fn read_role(
    cx: &mut Cx,
    f: &Fields,
    account: Option<&str>,
    write_role: Option<&str>,
) -> Option<String> {
    let (r, at) = cx.opt_string(f, "read_role_arn")?;
    cx.check(&at, "bucket.read_role_arn", rules::role_arn(&r));
    let Some(write) = write_role else {
        cx.err(
            &at,
            "bucket.read_role_arn",
            "`read_role_arn` without `role_arn`: apply would have no role to write the bucket with",
            "set `bucket.role_arn` to the role apply assumes, and keep `read_role_arn` for plan, drift and verify",
        );
        return None;
    };
    let owner = account.or_else(|| rules::role_account(write));
    if let (Some(a), Some(ra)) = (owner, rules::role_account(&r))
        && a != ra
    {
        cx.err(
            &at,
            "bucket.read_role_arn",
            format!("role {r} is in account {ra}, but the bucket is in account {a}"),
            "use a role in the bucket's account (the log-archive account)",
        );
    }
    Some(r)
}

/// `bucket.policy`: `merge` (the default) or `verify`.
fn policy_mode(cx: &mut Cx, f: &Fields) -> PolicyMode {
    let Some(p) = f.present("policy") else {
        return PolicyMode::Merge;
    };
    match &p.value {
        Node::Str(s) if s == "merge" => PolicyMode::Merge,
        Node::Str(s) if s == "verify" => PolicyMode::Verify,
        Node::Str(s) => {
            let help = did_you_mean_or(s, &["merge", "verify"], "use `merge` or `verify`");
            cx.err(
                p,
                "bucket.policy",
                format!("unknown policy mode `{s}`"),
                help,
            );
            PolicyMode::Merge
        }
        other => {
            cx.err(
                p,
                "bucket.policy",
                format!("expected `merge` or `verify`, found {}", other.kind()),
                "use `merge` or `verify`",
            );
            PolicyMode::Merge
        }
    }
}
