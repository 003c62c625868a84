//! IAM statements reduced to their meaning, so that two policies compare by what they allow,
//! not by their bytes: a string equals a one-element list, statement and list order do not
//! matter, action names and condition operators/keys compare case-insensitively, an account-id
//! principal equals its `:root` ARN, `{"AWS": "*"}` equals `"*"`, and Sids are ignored.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// The policy language's default version, assumed when a document has none.
pub const DEFAULT_VERSION: &str = "2012-10-17";

/// A statement's Effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    Allow,
    Deny,
}

/// A statement reduced to its meaning.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NormStatement {
    pub effect: Effect,
    pub principal: Option<BTreeMap<String, BTreeSet<String>>>,
    pub not_principal: Option<BTreeMap<String, BTreeSet<String>>>,
    pub action: Option<BTreeSet<String>>,
    pub not_action: Option<BTreeSet<String>>,
    pub resource: Option<BTreeSet<String>>,
    pub not_resource: Option<BTreeSet<String>>,
    pub condition: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn string_set(v: &Value, lower: bool) -> Result<BTreeSet<String>, String> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut out = BTreeSet::new();
    for i in items {
        let s = scalar_text(i).ok_or_else(|| format!("expected a string, found {i}"))?;
        out.insert(if lower { s.to_ascii_lowercase() } else { s });
    }
    Ok(out)
}

fn principal(v: &Value) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    match v {
        Value::String(s) if s == "*" => {
            out.entry("*".into()).or_default().insert("*".into());
        }
        Value::Object(m) => {
            for (k, vals) in m {
                let kind = k.to_ascii_lowercase();
                for val in string_set(vals, false)? {
                    if kind == "aws" && val == "*" {
                        out.entry("*".into()).or_default().insert("*".into());
                        continue;
                    }
                    let val = match kind.as_str() {
                        "aws" if val.len() == 12 && val.bytes().all(|b| b.is_ascii_digit()) => {
                            format!("arn:aws:iam::{val}:root")
                        }
                        "service" => val.to_ascii_lowercase(),
                        _ => val,
                    };
                    out.entry(kind.clone()).or_default().insert(val);
                }
            }
        }
        other => {
            return Err(format!(
                "Principal must be \"*\" or an object, found {other}"
            ));
        }
    }
    Ok(out)
}

/// Reduce one statement to its meaning.
pub fn normalise_statement(v: &Value) -> Result<NormStatement, String> {
    let m = v.as_object().ok_or("a statement must be an object")?;
    let get = |k: &str| m.iter().find(|(key, _)| key.as_str() == k).map(|(_, v)| v);
    let effect = match get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(format!("Effect must be Allow or Deny, found {other}")),
        None => return Err("a statement needs Effect".into()),
    };
    let mut condition: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    if let Some(c) = get("Condition") {
        let c = c.as_object().ok_or("Condition must be an object")?;
        for (op, kv) in c {
            let kv = kv
                .as_object()
                .ok_or("a condition operator must map keys to values")?;
            let entry = condition.entry(op.to_ascii_lowercase()).or_default();
            for (k, vals) in kv {
                entry
                    .entry(k.to_ascii_lowercase())
                    .or_default()
                    .extend(string_set(vals, false)?);
            }
        }
    }
    Ok(NormStatement {
        effect,
        principal: get("Principal").map(principal).transpose()?,
        not_principal: get("NotPrincipal").map(principal).transpose()?,
        action: get("Action").map(|a| string_set(a, true)).transpose()?,
        not_action: get("NotAction").map(|a| string_set(a, true)).transpose()?,
        resource: get("Resource").map(|a| string_set(a, false)).transpose()?,
        not_resource: get("NotResource")
            .map(|a| string_set(a, false))
            .transpose()?,
        condition,
    })
}

/// A parsed policy document: its statements as written, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDoc {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Value>,
}

/// Why a text is not a policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocError {
    /// Not JSON at all (serde_json's words).
    InvalidJson(String),
    /// JSON, but not an IAM policy document (what is wrong, and where).
    NotAPolicy(String),
}

/// Parse a policy document; every statement must normalise.
pub fn parse_document(text: &str) -> Result<PolicyDoc, DocError> {
    let v: Value = serde_json::from_str(text).map_err(|e| DocError::InvalidJson(e.to_string()))?;
    let not = |detail: &str| DocError::NotAPolicy(detail.to_string());
    let m = v
        .as_object()
        .ok_or_else(|| not("the document is not a JSON object"))?;
    let statements = match m.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(o @ Value::Object(_)) => vec![o.clone()],
        None => Vec::new(),
        Some(_) => return Err(not("Statement must be an object or a list")),
    };
    for (i, s) in statements.iter().enumerate() {
        normalise_statement(s).map_err(|e| not(&format!("statement {}: {e}", i + 1)))?;
    }
    Ok(PolicyDoc {
        version: m.get("Version").and_then(Value::as_str).map(str::to_string),
        id: m.get("Id").and_then(Value::as_str).map(str::to_string),
        statements,
    })
}

/// Whether two policy documents mean the same (statement sets equal, Version defaulted).
pub fn policies_equivalent(a: &str, b: &str) -> bool {
    let (Ok(a), Ok(b)) = (parse_document(a), parse_document(b)) else {
        return false;
    };
    let set = |d: &PolicyDoc| -> BTreeSet<NormStatement> {
        d.statements
            .iter()
            .filter_map(|s| normalise_statement(s).ok())
            .collect()
    };
    a.version.as_deref().unwrap_or(DEFAULT_VERSION)
        == b.version.as_deref().unwrap_or(DEFAULT_VERSION)
        && set(&a) == set(&b)
}
