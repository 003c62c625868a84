//! IAM's decision for one request against a set of statements: allowed when an Allow statement
//! applies and no Deny statement does ("Policy evaluation logic", IAM user guide). Principal,
//! NotPrincipal, Action, NotAction, Resource, NotResource and the string, ARN, Bool and Null
//! condition operators (with `IfExists`, `ForAllValues:` and `ForAnyValue:`) are evaluated. A
//! condition orgtrail cannot evaluate (an operator it does not know, a key the request does not
//! model) counts as met in an Allow and as not met in a Deny: a grant it does not understand is
//! assumed to be relied on, and a Deny it does not understand is never assumed to protect.

use std::collections::{BTreeMap, BTreeSet};

use super::statement::{Effect, NormStatement};

/// Who makes a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An AWS service (`cloudtrail.amazonaws.com`).
    Service(String),
    /// An IAM principal by ARN (`arn:aws:iam::111111111111:role/x`, or an account's `:root`).
    Aws(String),
    /// Any other kind a Principal element names (`federated`, `canonicaluser`), lower-case.
    Named { kind: String, id: String },
}

/// One request, with the condition keys the caller models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: Principal,
    /// Lower-case IAM action (`s3:putobject`).
    pub action: String,
    pub resource: String,
    /// Lower-case condition keys the request is known to carry (`Some`) or known to lack
    /// (`None`); a key not in the map is one orgtrail cannot evaluate.
    pub context: BTreeMap<String, Option<String>>,
    /// How a condition orgtrail cannot evaluate counts: `false`, met in an Allow and not met in
    /// a Deny (may the request be allowed?); `true`, met in a Deny and not met in an Allow (is
    /// it surely allowed?).
    pub cautious: bool,
}

/// What IAM decides for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// No Allow statement applies.
    ImplicitlyDenied,
    /// A Deny statement applies (whatever the Allows say).
    ExplicitlyDenied,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allowed
    }
}

/// IAM's decision for `r` under `statements`.
pub fn evaluate(statements: &[NormStatement], r: &Request) -> Decision {
    let applying = |effect: Effect| {
        statements
            .iter()
            .any(|s| s.effect == effect && applies(s, r))
    };
    if applying(Effect::Deny) {
        Decision::ExplicitlyDenied
    } else if applying(Effect::Allow) {
        Decision::Allowed
    } else {
        Decision::ImplicitlyDenied
    }
}

/// IAM's wildcard match: `*` any run of characters, `?` exactly one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// One condition: `Some(met)`, or `None` when orgtrail cannot evaluate it.
fn condition(op: &str, key: &str, values: &BTreeSet<String>, r: &Request) -> Option<bool> {
    // ForAllValues over a key the request does not carry is true (IAM user guide, "Single-valued
    // vs. multivalued context keys"); ForAnyValue over it is false, like the plain operators.
    let for_all = op.starts_with("forallvalues:");
    let op = op
        .trim_start_matches("forallvalues:")
        .trim_start_matches("foranyvalue:");
    let (op, if_exists) = match op.strip_suffix("ifexists") {
        Some(o) => (o, true),
        None => (op, false),
    };
    let actual = r.context.get(key)?.as_deref();
    if op == "null" {
        return Some(values.iter().any(|v| (v == "true") == actual.is_none()));
    }
    let Some(v) = actual else {
        return Some(if_exists || for_all || op.contains("not"));
    };
    let any = |f: &dyn Fn(&str) -> bool| values.iter().any(|x| f(x));
    Some(match op {
        "stringequals" => any(&|x| x == v),
        "stringnotequals" => !any(&|x| x == v),
        "stringequalsignorecase" => any(&|x| x.eq_ignore_ascii_case(v)),
        "stringnotequalsignorecase" => !any(&|x| x.eq_ignore_ascii_case(v)),
        "stringlike" | "arnequals" | "arnlike" => any(&|x| glob(x, v)),
        "stringnotlike" | "arnnotequals" | "arnnotlike" => !any(&|x| glob(x, v)),
        "bool" => any(&|x| x.eq_ignore_ascii_case(v)),
        _ => return None,
    })
}

/// Whether a Principal element names `p`: `*`, the service, the ARN, or the ARN's account
/// (an account's `:root` stands for every principal of the account).
fn names_principal(m: &BTreeMap<String, BTreeSet<String>>, p: &Principal) -> bool {
    if m.contains_key("*") {
        return true;
    }
    match p {
        Principal::Service(s) => m.get("service").is_some_and(|v| v.contains(s)),
        Principal::Named { kind, id } => m.get(kind).is_some_and(|v| v.contains(id)),
        Principal::Aws(arn) => m.get("aws").is_some_and(|v| {
            let account = arn.split(':').nth(4).unwrap_or_default();
            v.iter()
                .any(|x| x == arn || (x.split(':').nth(4) == Some(account) && x.ends_with(":root")))
        }),
    }
}

fn principal_matches(s: &NormStatement, r: &Request) -> bool {
    let names = |m: &BTreeMap<String, BTreeSet<String>>| names_principal(m, &r.principal);
    match (&s.principal, &s.not_principal) {
        (Some(p), _) => names(p),
        (None, Some(np)) => !names(np),
        (None, None) => false,
    }
}

fn action_matches(s: &NormStatement, r: &Request) -> bool {
    match (&s.action, &s.not_action) {
        (Some(a), _) => a.iter().any(|p| glob(p, &r.action)),
        (None, Some(na)) => !na.iter().any(|p| glob(p, &r.action)),
        (None, None) => false,
    }
}

fn resource_matches(s: &NormStatement, r: &Request) -> bool {
    match (&s.resource, &s.not_resource) {
        (Some(rs), _) => rs.iter().any(|p| glob(p, &r.resource)),
        (None, Some(nr)) => !nr.iter().any(|p| glob(p, &r.resource)),
        (None, None) => false,
    }
}

/// Whether statement `s` applies to `r`; unknown conditions count as met in an Allow and as
/// not met in a Deny.
pub fn applies(s: &NormStatement, r: &Request) -> bool {
    principal_matches(s, r)
        && action_matches(s, r)
        && resource_matches(s, r)
        && s.condition.iter().all(|(op, kv)| {
            kv.iter().all(|(k, vals)| {
                condition(op, k, vals, r).unwrap_or((s.effect == Effect::Allow) != r.cautious)
            })
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::iam::normalise_statement;

    fn request(action: &str, resource: &str, source: Option<&str>) -> Request {
        Request {
            principal: Principal::Service("cloudtrail.amazonaws.com".into()),
            action: action.into(),
            resource: resource.into(),
            context: BTreeMap::from([
                ("aws:sourcearn".to_string(), source.map(str::to_string)),
                ("aws:securetransport".to_string(), Some("true".into())),
            ]),
            cautious: false,
        }
    }

    fn decide(statements: &[serde_json::Value], r: &Request) -> Decision {
        let norms: Vec<NormStatement> = statements
            .iter()
            .map(|s| normalise_statement(s).unwrap())
            .collect();
        evaluate(&norms, r)
    }

    /// (behaviour, statements, decision) for one PutObject by CloudTrail with a source ARN.
    #[test]
    fn a_deny_wins_an_allow_is_needed_and_unknown_conditions_favour_the_grant() {
        let allow = json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"});
        let deny = json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": "arn:aws:s3:::b/AWSLogs/*"});
        let unknown_allow = json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-x"}}});
        let unknown_deny = json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": "arn:aws:s3:::b/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-x"}}});
        let tls_deny = json!({"Effect": "Deny", "Principal": "*", "NotAction": "s3:GetObject",
            "NotResource": "arn:aws:s3:::other/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
        let scoped = json!({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*",
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:111111111111:trail/*"}}});
        let r = request(
            "s3:putobject",
            "arn:aws:s3:::b/AWSLogs/1/x",
            Some("arn:aws:cloudtrail:us-east-1:111111111111:trail/t"),
        );
        let cases = [
            ("no statement", vec![], Decision::ImplicitlyDenied),
            ("an Allow applies", vec![allow.clone()], Decision::Allowed),
            (
                "a Deny wins",
                vec![allow.clone(), deny],
                Decision::ExplicitlyDenied,
            ),
            (
                "unknown key in an Allow is met",
                vec![unknown_allow],
                Decision::Allowed,
            ),
            (
                "unknown key in a Deny is not met",
                vec![allow.clone(), unknown_deny],
                Decision::Allowed,
            ),
            (
                "TLS-only Deny spares TLS requests",
                vec![allow, tls_deny],
                Decision::Allowed,
            ),
            (
                "a source-ARN pattern matches",
                vec![scoped],
                Decision::Allowed,
            ),
        ];
        for (name, statements, want) in cases {
            assert_eq!(decide(&statements, &r), want, "{name}");
        }
    }

    #[test]
    fn glob_matches_like_iam() {
        for (p, t, want) in [
            ("*", "", true),
            ("a*c", "abbbc", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            (
                "arn:*:trail/*",
                "arn:aws:cloudtrail:us-east-1:1:trail/t",
                true,
            ),
            ("abc", "abd", false),
        ] {
            assert_eq!(glob(p, t), want, "{p} vs {t}");
        }
    }
}
