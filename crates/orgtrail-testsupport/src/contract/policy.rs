//! IAM policy evaluation for the contract layer, written from the IAM documentation and
//! independently of `orgtrail-core` (the layer must not judge orgtrail with orgtrail's own code).
//!
//! Covers what bucket and key policies for CloudTrail use: `Effect` Allow/Deny (an explicit Deny
//! wins, nothing matching is an implicit deny), `Principal`/`NotPrincipal` (`"*"`, `{"AWS": …}`
//! with account ids, `:root` ARNs and principal ARNs, `{"Service": …}`), `Action`/`NotAction`
//! (case-insensitive, `*` and `?` wildcards), `Resource`/`NotResource` (wildcards), and the
//! condition operators `StringEquals`, `StringNotEquals`, `StringEqualsIgnoreCase`,
//! `StringNotEqualsIgnoreCase`, `StringLike`, `StringNotLike`, `ArnEquals`, `ArnLike`,
//! `ArnNotEquals`, `ArnNotLike`, `Bool`, `Null`, each with its `…IfExists` form and the
//! `ForAnyValue:` / `ForAllValues:` set qualifiers for multi-valued keys.
//! References: IAM User Guide, "Policy evaluation logic", "IAM JSON policy elements: Condition
//! operators", "Single-valued vs. multivalued context keys".
//!
//! An operator outside that list is not guessed at: evaluation answers
//! [`PolicyError::Unsupported`], and the layer refuses the request loudly instead.

use std::collections::BTreeMap;

use serde_json::Value;

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An AWS service, e.g. `cloudtrail.amazonaws.com`.
    Service(String),
    /// An IAM identity of `account`; `arn` is its ARN (a role session, a user or the root).
    Account { account: String, arn: String },
}

/// One request as IAM sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    pub resource: String,
    /// Condition keys (any case) and their values; a key with several values is multi-valued.
    pub context: BTreeMap<String, Vec<String>>,
}

impl Request {
    pub fn new(principal: Principal, action: &str, resource: &str) -> Request {
        Request {
            principal,
            action: action.to_string(),
            resource: resource.to_string(),
            context: BTreeMap::new(),
        }
    }

    /// Add a context key with one value.
    pub fn with(mut self, key: &str, value: &str) -> Request {
        self.context
            .insert(key.to_ascii_lowercase(), vec![value.to_string()]);
        self
    }

    fn values(&self, key: &str) -> Option<&Vec<String>> {
        self.context.get(&key.to_ascii_lowercase())
    }
}

/// The outcome of evaluating one policy for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A Deny statement matched.
    ExplicitDeny,
    /// No statement allowed it.
    ImplicitDeny,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// Not a policy document (not JSON, no Statement, a statement without Effect, …).
    Malformed(String),
    /// A condition operator this evaluator does not implement.
    Unsupported(String),
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PolicyError::Malformed(m) => write!(f, "malformed policy: {m}"),
            PolicyError::Unsupported(m) => write!(f, "unsupported by the contract layer: {m}"),
        }
    }
}

/// The statements of a policy document (a single statement object counts as a list of one).
pub fn statements(policy: &Value) -> Result<Vec<&Value>, PolicyError> {
    match policy.get("Statement") {
        Some(Value::Array(list)) => Ok(list.iter().collect()),
        Some(s @ Value::Object(_)) => Ok(vec![s]),
        _ => Err(PolicyError::Malformed("no Statement".into())),
    }
}

/// Evaluate `policy` (a JSON text) for `req`.
pub fn evaluate(policy: &str, req: &Request) -> Result<Decision, PolicyError> {
    let doc: Value =
        serde_json::from_str(policy).map_err(|e| PolicyError::Malformed(e.to_string()))?;
    evaluate_value(&doc, req)
}

pub fn evaluate_value(doc: &Value, req: &Request) -> Result<Decision, PolicyError> {
    let mut allowed = false;
    for st in statements(doc)? {
        if !statement_applies(st, req)? {
            continue;
        }
        match st.get("Effect").and_then(Value::as_str) {
            Some("Deny") => return Ok(Decision::ExplicitDeny),
            Some("Allow") => allowed = true,
            other => return Err(PolicyError::Malformed(format!("Effect {other:?}"))),
        }
    }
    Ok(if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    })
}

/// Whether one statement matches the request (principal, action, resource and conditions).
fn statement_applies(st: &Value, req: &Request) -> Result<bool, PolicyError> {
    let principal = match (st.get("Principal"), st.get("NotPrincipal")) {
        (Some(p), _) => principal_matches(p, &req.principal),
        (None, Some(np)) => !principal_matches(np, &req.principal),
        // Identity policies have no principal; bucket and key policies always do.
        (None, None) => true,
    };
    let action = match (st.get("Action"), st.get("NotAction")) {
        (Some(a), _) => strings(a).iter().any(|p| action_matches(p, &req.action)),
        (None, Some(na)) => !strings(na).iter().any(|p| action_matches(p, &req.action)),
        (None, None) => return Err(PolicyError::Malformed("no Action".into())),
    };
    let resource = match (st.get("Resource"), st.get("NotResource")) {
        (Some(r), _) => strings(r).iter().any(|p| glob(p, &req.resource)),
        (None, Some(nr)) => !strings(nr).iter().any(|p| glob(p, &req.resource)),
        (None, None) => true,
    };
    if !(principal && action && resource) {
        return Ok(false);
    }
    match st.get("Condition") {
        None => Ok(true),
        Some(Value::Object(block)) => {
            for (op, keys) in block {
                let Value::Object(keys) = keys else {
                    return Err(PolicyError::Malformed(format!("condition {op}")));
                };
                for (key, expected) in keys {
                    if !condition_holds(op, key, &strings(expected), req)? {
                        return Ok(false);
                    }
                }
            }
            Ok(true)
        }
        Some(_) => Err(PolicyError::Malformed("Condition is not an object".into())),
    }
}

/// A string or a list of strings (booleans and numbers as their text).
pub fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::Bool(b) => vec![b.to_string()],
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

fn principal_matches(p: &Value, who: &Principal) -> bool {
    match p {
        Value::String(s) => s == "*",
        Value::Object(map) => map.iter().any(|(kind, ids)| {
            let ids = strings(ids);
            match (kind.as_str(), who) {
                ("AWS", _) if ids.iter().any(|i| i == "*") => true,
                ("AWS", Principal::Account { account, arn }) => ids.iter().any(|i| {
                    i == account || *i == format!("arn:aws:iam::{account}:root") || i == arn
                }),
                ("Service", Principal::Service(name)) => ids.iter().any(|i| i == name),
                _ => false,
            }
        }),
        _ => false,
    }
}

fn action_matches(pattern: &str, action: &str) -> bool {
    glob(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

/// `*` matches any run of characters (also none), `?` exactly one; everything else literally.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// ARN matching: each of the six colon-separated parts is matched on its own, with wildcards.
fn arn_like(pattern: &str, arn: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    if p.len() != 6 || a.len() != 6 {
        return glob(pattern, arn);
    }
    p.iter().zip(&a).all(|(p, a)| glob(p, a))
}

/// How one operator compares one request value with one policy value.
#[derive(Clone, Copy)]
enum Compare {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Arn,
    Bool,
}

impl Compare {
    fn test(self, expected: &str, actual: &str) -> bool {
        match self {
            Compare::StringEquals => expected == actual,
            Compare::StringEqualsIgnoreCase => expected.eq_ignore_ascii_case(actual),
            Compare::StringLike => glob(expected, actual),
            Compare::Arn => arn_like(expected, actual),
            Compare::Bool => expected.eq_ignore_ascii_case(actual),
        }
    }
}

/// An operator split into its parts: set qualifier, base comparison, negation, IfExists.
struct Operator {
    set: Option<&'static str>,
    compare: Compare,
    negated: bool,
    if_exists: bool,
}

fn parse_operator(op: &str) -> Result<Option<Operator>, PolicyError> {
    let (set, rest) = if let Some(r) = op.strip_prefix("ForAnyValue:") {
        (Some("any"), r)
    } else if let Some(r) = op.strip_prefix("ForAllValues:") {
        (Some("all"), r)
    } else {
        (None, op)
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (rest, false),
    };
    let (compare, negated) = match base {
        "StringEquals" => (Compare::StringEquals, false),
        "StringNotEquals" => (Compare::StringEquals, true),
        "StringEqualsIgnoreCase" => (Compare::StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (Compare::StringEqualsIgnoreCase, true),
        "StringLike" => (Compare::StringLike, false),
        "StringNotLike" => (Compare::StringLike, true),
        "ArnEquals" | "ArnLike" => (Compare::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Compare::Arn, true),
        "Bool" => (Compare::Bool, false),
        "Null" => return Ok(None),
        _ => return Err(PolicyError::Unsupported(format!("condition operator {op}"))),
    };
    Ok(Some(Operator {
        set,
        compare,
        negated,
        if_exists,
    }))
}

fn condition_holds(
    op: &str,
    key: &str,
    expected: &[String],
    req: &Request,
) -> Result<bool, PolicyError> {
    let actual = req.values(key);
    let Some(operator) = parse_operator(op)? else {
        // Null: "true" means the key must be absent, "false" that it must be present.
        let absent = actual.is_none_or(Vec::is_empty);
        return Ok(expected
            .iter()
            .any(|e| e.eq_ignore_ascii_case("true") == absent));
    };
    let values = match actual {
        Some(v) if !v.is_empty() => v,
        // A missing key: IfExists forms and ForAllValues hold; negated operators hold (the
        // value is not equal to anything); the rest do not.
        _ => return Ok(operator.if_exists || operator.set == Some("all") || operator.negated),
    };
    let matches = |v: &String| expected.iter().any(|e| operator.compare.test(e, v));
    let holds = match operator.set {
        Some("all") => values.iter().all(|v| matches(v) != operator.negated),
        Some(_) => values.iter().any(|v| matches(v) != operator.negated),
        None if operator.negated => !values.iter().any(matches),
        None => values.iter().any(matches),
    };
    Ok(holds)
}
