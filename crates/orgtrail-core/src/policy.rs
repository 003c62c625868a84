//! The bucket policy an organization trail needs, IAM-semantic comparison, and the merge that
//! adds CloudTrail's statements while leaving every other statement alone.
//!
//! Comparison follows IAM's meaning, not the bytes: a string equals a one-element list,
//! statement and list order do not matter, action names and condition operators/keys compare
//! case-insensitively, an account-id principal equals its `:root` ARN, `{"AWS": "*"}` equals
//! `"*"`, and Sids are ignored (they may repeat: the AWS guide's own example does).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::live::trail_arn;

pub const CLOUDTRAIL_SERVICE: &str = "cloudtrail.amazonaws.com";
pub const DEFAULT_VERSION: &str = "2012-10-17";

/// What one trail needs from its bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRef {
    pub partition: String,
    pub home_region: String,
    /// The management account: it owns the trail and its `AWSLogs/<account>/` path.
    pub account: String,
    pub trail_name: String,
    pub org_id: String,
    pub bucket: String,
    pub prefix: Option<String>,
}

impl TrailRef {
    pub fn trail_arn(&self) -> String {
        trail_arn(
            &self.partition,
            &self.home_region,
            &self.account,
            &self.trail_name,
        )
    }
    fn bucket_arn(&self) -> String {
        format!("arn:{}:s3:::{}", self.partition, self.bucket)
    }
    fn logs_arn(&self, id: &str) -> String {
        match &self.prefix {
            Some(p) => format!("{}/{p}/AWSLogs/{id}/*", self.bucket_arn()),
            None => format!("{}/AWSLogs/{id}/*", self.bucket_arn()),
        }
    }
    /// `AWSLogs/<id>/*` relative to the bucket, for messages.
    pub fn logs_path(&self, id: &str) -> String {
        match &self.prefix {
            Some(p) => format!("{p}/AWSLogs/{id}/*"),
            None => format!("AWSLogs/{id}/*"),
        }
    }
}

/// A required statement, with what it is for (used in messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Required {
    pub statement: Value,
    pub purpose: String,
}

/// The three statements AWS documents for an organization trail, each conditioned on
/// `aws:SourceArn` of this trail (confused-deputy protection).
pub fn required_statements(t: &TrailRef) -> Vec<Required> {
    let source = json!({"StringEquals": {"aws:SourceArn": t.trail_arn()}});
    let write_cond = json!({"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": t.trail_arn()}});
    vec![
        Required {
            statement: json!({
                "Sid": "AWSCloudTrailAclCheck20150319",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL_SERVICE},
                "Action": "s3:GetBucketAcl",
                "Resource": t.bucket_arn(),
                "Condition": source,
            }),
            purpose: format!("lets CloudTrail check the ACL of `{}`", t.bucket),
        },
        Required {
            statement: json!({
                "Sid": "AWSCloudTrailWrite20150319",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL_SERVICE},
                "Action": "s3:PutObject",
                "Resource": t.logs_arn(&t.account),
                "Condition": write_cond.clone(),
            }),
            purpose: format!("lets CloudTrail write `{}`", t.logs_path(&t.account)),
        },
        Required {
            statement: json!({
                "Sid": "AWSCloudTrailOrganizationWrite20150319",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL_SERVICE},
                "Action": "s3:PutObject",
                "Resource": t.logs_arn(&t.org_id),
                "Condition": write_cond,
            }),
            purpose: format!("lets CloudTrail write `{}`", t.logs_path(&t.org_id)),
        },
    ]
}

/// Why a policy could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "bucket policy of `{bucket}` is not valid JSON ({detail}); fix or delete it in S3, then run plan again"
    )]
    InvalidJson { bucket: String, detail: String },
    #[error(
        "bucket policy of `{bucket}` is not an IAM policy document ({detail}); fix it in S3, then run plan again"
    )]
    NotAPolicy { bucket: String, detail: String },
    #[error(
        "bucket policy of `{bucket}` has an Allow statement{sid} for `\"Principal\": \"*\"` without a condition: the organization's logs would be public; remove or restrict that statement first"
    )]
    PublicAllow { bucket: String, sid: String },
}

/// A statement reduced to its meaning.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NormStatement {
    pub effect: String,
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
    let effect = get("Effect")
        .and_then(Value::as_str)
        .ok_or("a statement needs Effect")?
        .to_string();
    if effect != "Allow" && effect != "Deny" {
        return Err(format!("Effect must be Allow or Deny, found {effect}"));
    }
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

pub fn parse_policy(bucket: &str, text: &str) -> Result<PolicyDoc, PolicyError> {
    let v: Value = serde_json::from_str(text).map_err(|e| PolicyError::InvalidJson {
        bucket: bucket.to_string(),
        detail: e.to_string(),
    })?;
    let not = |detail: &str| PolicyError::NotAPolicy {
        bucket: bucket.to_string(),
        detail: detail.to_string(),
    };
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
    let (Ok(a), Ok(b)) = (parse_policy("", a), parse_policy("", b)) else {
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

fn is_cloudtrail_only(n: &NormStatement) -> bool {
    match &n.principal {
        Some(p) => {
            p.len() == 1
                && p.get("service")
                    .is_some_and(|s| s.len() == 1 && s.contains(CLOUDTRAIL_SERVICE))
        }
        None => false,
    }
}

fn condition_values<'a>(n: &'a NormStatement, key: &str) -> Vec<&'a String> {
    n.condition
        .values()
        .filter_map(|kv| kv.get(key))
        .flatten()
        .collect()
}

/// Classification of a live CloudTrail statement relative to the trails on this bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Legacy {
    /// Not a CloudTrail statement for these trails' paths: foreign, never touched.
    No,
    /// Superseded by the derived statements (no source condition, or names one of our trails).
    Superseded {
        /// True when it has no aws:SourceArn/aws:SourceAccount at all.
        unscoped: bool,
    },
}

fn classify(n: &NormStatement, trails: &[TrailRef]) -> Legacy {
    if n.effect != "Allow"
        || !is_cloudtrail_only(n)
        || n.not_action.is_some()
        || n.not_resource.is_some()
    {
        return Legacy::No;
    }
    let Some(actions) = &n.action else {
        return Legacy::No;
    };
    if actions.is_empty()
        || !actions
            .iter()
            .all(|a| a == "s3:getbucketacl" || a == "s3:putobject")
    {
        return Legacy::No;
    }
    let Some(resources) = &n.resource else {
        return Legacy::No;
    };
    let ours = |r: &String| {
        trails.iter().any(|t| {
            let bucket = t.bucket_arn();
            let logs = match &t.prefix {
                Some(p) => format!("{bucket}/{p}/AWSLogs/"),
                None => format!("{bucket}/AWSLogs/"),
            };
            *r == bucket || r.starts_with(&logs)
        })
    };
    if resources.is_empty() || !resources.iter().all(ours) {
        return Legacy::No;
    }
    let arns = condition_values(n, "aws:sourcearn");
    let accounts = condition_values(n, "aws:sourceaccount");
    if arns.is_empty() && accounts.is_empty() {
        return Legacy::Superseded { unscoped: true };
    }
    let our_arns: Vec<String> = trails.iter().map(TrailRef::trail_arn).collect();
    if !arns.is_empty() && arns.iter().all(|a| our_arns.contains(a)) {
        return Legacy::Superseded { unscoped: false };
    }
    Legacy::No
}

/// An unconditioned Allow for everyone would make the organization's logs public: refuse to
/// build on such a policy.
fn refuse_public_allow(bucket: &str, s: &Value, n: &NormStatement) -> Result<(), PolicyError> {
    if n.effect == "Allow"
        && n.condition.is_empty()
        && n.principal.as_ref().is_some_and(|p| p.contains_key("*"))
    {
        let sid = s
            .get("Sid")
            .and_then(Value::as_str)
            .map(|s| format!(" (`{s}`)"))
            .unwrap_or_default();
        return Err(PolicyError::PublicAllow {
            bucket: bucket.to_string(),
            sid,
        });
    }
    Ok(())
}

/// A policy document: Version (defaulted), the live Id if any, the statements.
fn document(version: Option<String>, id: Option<String>, statements: Vec<Value>) -> Value {
    let mut m = Map::new();
    m.insert(
        "Version".into(),
        Value::String(version.unwrap_or_else(|| DEFAULT_VERSION.to_string())),
    );
    if let Some(id) = id {
        m.insert("Id".into(), Value::String(id));
    }
    m.insert("Statement".into(), Value::Array(statements));
    Value::Object(m)
}

/// The result of merging the derived statements into a live policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    /// The policy to write, or `None` when the live policy already grants what is needed and
    /// nothing superseded remains.
    pub new_policy: Option<Value>,
    /// Required statements missing from the live policy (purposes, for messages).
    pub missing: Vec<String>,
    /// Live statements replaced by the derived ones (as written).
    pub superseded: Vec<Value>,
    /// Warnings (e.g. a legacy statement kept because another trail relies on it).
    pub warnings: Vec<String>,
}

/// Merge the statements `trails` need into `live` (the policy text, if any).
///
/// `other_trails_on_bucket`: names of trails not managed here that deliver to this bucket; an
/// unscoped legacy statement may be what they rely on, so it is kept (with a warning).
pub fn merge(
    bucket: &str,
    live: Option<&str>,
    trails: &[TrailRef],
    other_trails_on_bucket: &[String],
) -> Result<Merge, PolicyError> {
    let doc = match live {
        Some(text) => parse_policy(bucket, text)?,
        None => PolicyDoc {
            version: None,
            id: None,
            statements: Vec::new(),
        },
    };
    let mut required: Vec<(Required, NormStatement)> = Vec::new();
    for t in trails {
        for r in required_statements(t) {
            let n = normalise_statement(&r.statement).expect("derived statements are valid");
            if !required.iter().any(|(_, m)| *m == n) {
                required.push((r, n));
            }
        }
    }
    let mut satisfied = vec![false; required.len()];
    let mut kept = Vec::new();
    let mut superseded = Vec::new();
    let mut warnings = Vec::new();
    for s in &doc.statements {
        let n = normalise_statement(s).map_err(|detail| PolicyError::NotAPolicy {
            bucket: bucket.to_string(),
            detail,
        })?;
        refuse_public_allow(bucket, s, &n)?;
        if let Some(i) = required.iter().position(|(_, r)| *r == n) {
            satisfied[i] = true;
            kept.push(s.clone());
            continue;
        }
        match classify(&n, trails) {
            Legacy::No => kept.push(s.clone()),
            Legacy::Superseded { unscoped: true } if !other_trails_on_bucket.is_empty() => {
                let sid = s.get("Sid").and_then(Value::as_str).unwrap_or("(no Sid)");
                warnings.push(format!(
                    "bucket policy of `{bucket}` keeps the unscoped CloudTrail statement `{sid}` because trail(s) {} also deliver to this bucket and may rely on it; scope it with aws:SourceArn once they have their own statements",
                    other_trails_on_bucket.join(", ")
                ));
                kept.push(s.clone());
            }
            Legacy::Superseded { .. } => superseded.push(s.clone()),
        }
    }
    let missing: Vec<String> = required
        .iter()
        .zip(&satisfied)
        .filter(|(_, ok)| !**ok)
        .map(|((r, _), _)| r.purpose.clone())
        .collect();
    if missing.is_empty() && superseded.is_empty() && live.is_some() {
        return Ok(Merge {
            new_policy: None,
            missing,
            superseded,
            warnings,
        });
    }
    for ((r, _), ok) in required.iter().zip(&satisfied) {
        if !ok {
            kept.push(r.statement.clone());
        }
    }
    Ok(Merge {
        new_policy: Some(document(doc.version, doc.id, kept)),
        missing,
        superseded,
        warnings,
    })
}

/// Canonical pretty JSON (keys sorted at every level) for stable diffs and hashes.
pub fn canonical_pretty(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), sort(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    let mut s = serde_json::to_string_pretty(&sort(v)).unwrap_or_default();
    s.push('\n');
    s
}

/// Canonical pretty form of a policy text; unparsable text is shown as it is.
pub fn canonical_text(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => canonical_pretty(&v),
        Err(_) => text.to_string(),
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
