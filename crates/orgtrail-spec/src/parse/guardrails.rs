//! `guardrails:` -> [`Guardrails`]: exempt principals (IAM ARNs, `*` allowed in the name),
//! where to attach (`root`, OU ids, account ids; each once), which policies, and the alerts'
//! topic (an SNS topic ARN: the rules and the topic's policy name its account and region).

use serde_saphyr::Spanned;

use super::cx::{Cx, join};
use super::fields::Fields;
use super::node::Node;
use crate::model::{Alerts, Guardrails};

pub(super) fn guardrails(cx: &mut Cx, n: &Spanned<Node>) -> Option<Guardrails> {
    let f = cx.fields(
        n,
        "guardrails",
        &["exempt_principals", "attach_to", "scp", "rcp", "alerts"],
    )?;
    let scp = cx.bool_or(&f, "scp", true);
    let rcp = cx.bool_or(&f, "rcp", true);
    let exempt_principals = located_strings(cx, &f, "exempt_principals")
        .into_iter()
        .filter(|(s, at)| principal(cx, s, at))
        .map(|(s, _)| s)
        .collect::<Vec<_>>();
    let attach_to = match f.present("attach_to") {
        Some(_) => attach_to(cx, &f),
        None => vec!["root".to_string()],
    };
    let alerts = alerts(cx, &f);
    if scp && exempt_principals.is_empty() {
        cx.err(
            f.at,
            "guardrails.exempt_principals",
            "the service control policy would exempt no principal but the spec's own roles",
            "list the CI role that runs `orgtrail apply` (and a break-glass role) under `exempt_principals`, or set `scp: false`",
        );
    }
    if !scp && !rcp && alerts.is_none() {
        cx.err(
            f.at,
            "guardrails",
            "guardrails with `scp: false`, `rcp: false` and no `alerts` protect nothing",
            "remove `guardrails:`, or turn on `scp`, `rcp` or `alerts`",
        );
    }
    Some(Guardrails {
        exempt_principals,
        attach_to,
        scp,
        rcp,
        alerts,
    })
}

/// A list of strings with where each one is, for errors at the item.
fn located_strings<'a>(cx: &mut Cx, f: &Fields<'a>, key: &str) -> Vec<(String, &'a Spanned<Node>)> {
    let Some(n) = f.present(key) else {
        return Vec::new();
    };
    let path = join(&f.path, key);
    let mut out = Vec::new();
    for (i, item) in cx.list(n, &path).iter().enumerate() {
        if let Some(s) = cx.string(item, &format!("{path}[{i}]")) {
            out.push((s, item));
        }
    }
    out
}

/// An IAM principal ARN an SCP condition can name: a role, a user or an account's root
/// (`aws:PrincipalArn` holds the role's ARN for an assumed role, never the session's).
fn principal(cx: &mut Cx, s: &str, at: &Spanned<Node>) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && (parts[5].starts_with("role/") || parts[5].starts_with("user/") || parts[5] == "root");
    if !ok {
        let fix = if s.contains(":sts::") && s.contains(":assumed-role/") {
            "name the role, not a session: `arn:aws:iam::ACCOUNT:role/NAME` (`aws:PrincipalArn` is the role's ARN)"
        } else {
            "write `arn:aws:iam::ACCOUNT:role/NAME` (a `*` may stand for part of the name)"
        };
        cx.err(
            at,
            "guardrails.exempt_principals",
            format!("`{s}` is not an IAM role, user or root ARN"),
            fix,
        );
    }
    ok
}

/// `attach_to`: `root`, `ou-...` ids or account ids, each once, at least one.
fn attach_to(cx: &mut Cx, f: &Fields) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let items = located_strings(cx, f, "attach_to");
    if items.is_empty() {
        cx.err(
            f.locate("attach_to"),
            "guardrails.attach_to",
            "the policies would be attached nowhere",
            "write `attach_to: [root]`, or list OU ids (`ou-...`) or account ids",
        );
    }
    for (s, at) in items {
        let ok = s == "root" || is_ou_id(&s) || crate::rules::account_id(&s).is_ok();
        if !ok {
            cx.err(
                at,
                "guardrails.attach_to",
                format!("`{s}` is not `root`, an OU id or an account id"),
                "write `root`, an OU id such as `ou-ab12-cdef3456`, or a quoted 12-digit account id",
            );
        } else if out.contains(&s) {
            cx.err(
                at,
                "guardrails.attach_to",
                format!("`{s}` is listed twice"),
                "list each target once",
            );
        } else {
            out.push(s);
        }
    }
    out
}

/// `ou-` then 4-32 letters or digits, `-`, then 8-32 more (Organizations' OU id pattern).
fn is_ou_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("ou-") else {
        return false;
    };
    let Some((a, b)) = rest.split_once('-') else {
        return false;
    };
    let alnum = |x: &str| {
        x.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    (4..=32).contains(&a.len()) && (8..=32).contains(&b.len()) && alnum(a) && alnum(b)
}

/// `alerts: {sns_topic: ARN}`.
fn alerts(cx: &mut Cx, f: &Fields) -> Option<Alerts> {
    let a = cx.some_map(f, "alerts", &["sns_topic", "execution_role_name"])?;
    let execution_role_name = cx
        .opt_string(&a, "execution_role_name")
        .and_then(|(n, at)| {
            let ok = !n.is_empty()
                && n.len() <= 64
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
            if !ok {
                cx.err(
                    &at,
                    "guardrails.alerts.execution_role_name",
                    format!("`{n}` is not an IAM role name"),
                    "write the role's name (1-64 letters, digits and +=,.@_-), not its ARN",
                );
            }
            ok.then_some(n)
        });
    let (topic, at) = cx.req_string(&a, "sns_topic")?;
    let parts: Vec<&str> = topic.split(':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "sns" {
        cx.err(
            &at,
            "guardrails.alerts.sns_topic",
            format!("`{topic}` is not an SNS topic ARN"),
            "write the topic's ARN, `arn:aws:sns:REGION:ACCOUNT:NAME`: the alert rules publish to it from other accounts and regions",
        );
        return None;
    }
    Some(Alerts {
        sns_topic: topic,
        execution_role_name,
    })
}
