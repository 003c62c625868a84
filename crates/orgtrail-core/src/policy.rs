//! The bucket policy an organization trail needs, IAM-semantic comparison, and the merge that
//! adds CloudTrail's statements while leaving every other statement alone.
//!
//! Comparison follows IAM's meaning, not the bytes: a string equals a one-element list,
//! statement and list order do not matter, action names and condition operators/keys compare
//! case-insensitively, an account-id principal equals its `:root` ARN, `{"AWS": "*"}` equals
//! `"*"`, and Sids are ignored when comparing (but every policy orgtrail writes has unique Sids).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::coverage::delivery::{self, Delivery};
pub use crate::model::TrailRef;

pub const CLOUDTRAIL_SERVICE: &str = "cloudtrail.amazonaws.com";
pub const DEFAULT_VERSION: &str = "2012-10-17";

/// A required statement, with what it is for (used in messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Required {
    pub statement: Value,
    pub purpose: String,
}

/// A Sid unique to this trail and statement: alphanumeric (what IAM accepts everywhere),
/// readable, and stable across runs. S3 answers MalformedPolicy to a policy whose Sids repeat,
/// so two trails sharing a bucket must never derive the same Sid.
fn sid(kind: &str, t: &TrailRef) -> String {
    use sha2::{Digest, Sha256};
    let name: String = t
        .trail_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(40)
        .collect();
    let hash = Sha256::digest(t.trail_arn().as_bytes());
    let short: String = hash.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{kind}{name}{short}")
}

/// A CloudTrail grant: one action on one resource, under `condition`.
fn grant(sid: String, action: &str, resource: String, condition: Value) -> Value {
    json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": CLOUDTRAIL_SERVICE},
        "Action": action,
        "Resource": resource,
        "Condition": condition,
    })
}

/// The three statements AWS documents for an organization trail, each conditioned on
/// `aws:SourceArn` of this trail (confused-deputy protection).
pub fn required_statements(t: &TrailRef) -> Vec<Required> {
    let source = json!({"StringEquals": {"aws:SourceArn": t.trail_arn()}});
    let write_cond = json!({"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": t.trail_arn()}});
    let write = |kind: &str, id: &str| Required {
        statement: grant(
            sid(kind, t),
            "s3:PutObject",
            t.logs_arn(id),
            write_cond.clone(),
        ),
        purpose: format!("lets CloudTrail write `{}`", t.logs_path(id)),
    };
    vec![
        Required {
            statement: grant(
                sid("CloudTrailAclCheck", t),
                "s3:GetBucketAcl",
                t.bucket_arn(),
                source,
            ),
            purpose: format!("lets CloudTrail check the ACL of `{}`", t.bucket),
        },
        write("CloudTrailWrite", &t.account),
        write("CloudTrailOrgWrite", &t.org_id),
    ]
}

/// The statement that denies every request to the bucket made without TLS (Amazon S3 user
/// guide, "Enforce encryption in transit": `aws:SecureTransport` false). CloudTrail delivers over
/// TLS, so it never denies a delivery.
pub fn require_tls(partition: &str, bucket: &str) -> Required {
    let arn = format!("arn:{partition}:s3:::{bucket}");
    Required {
        statement: json!({
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn.clone(), format!("{arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }),
        purpose: format!("denies requests to `{bucket}` made without TLS"),
    }
}

/// The statement that lets S3 server access logging write into `target` for `source` (Amazon
/// S3 user guide, "Permissions for log delivery"), scoped to the source bucket and account.
pub fn access_logging(
    partition: &str,
    target: &str,
    prefix: Option<&str>,
    source: &str,
    account: &str,
) -> Required {
    let resource = format!("arn:{partition}:s3:::{target}/{}*", prefix.unwrap_or(""));
    Required {
        statement: json!({
            "Sid": "S3ServerAccessLogsPolicy",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": resource,
            "Condition": {
                "ArnLike": {"aws:SourceArn": format!("arn:{partition}:s3:::{source}")},
                "StringEquals": {"aws:SourceAccount": account},
            },
        }),
        purpose: format!("lets S3 write the access logs of `{source}` into `{target}`"),
    }
}

/// `live` with `r` added when no statement means the same already (Sids made unique, S3's
/// size limit checked); `None` when nothing needs writing.
pub fn ensure(
    bucket: &str,
    live: Option<&str>,
    r: &Required,
) -> Result<Option<Value>, PolicyError> {
    let doc = match live {
        Some(text) => parse_policy(bucket, text)?,
        None => PolicyDoc {
            version: None,
            id: None,
            statements: Vec::new(),
        },
    };
    let want = normalise_statement(&r.statement).expect("derived statements are valid");
    if doc
        .statements
        .iter()
        .any(|s| normalise_statement(s).ok().as_ref() == Some(&want))
    {
        return Ok(None);
    }
    let mut statements = doc.statements.clone();
    statements.push(r.statement.clone());
    let v = document(doc.version, doc.id, unique_sids(statements));
    let size = serde_json::to_string(&v).map_or(0, |t| t.len());
    if size > MAX_POLICY_BYTES {
        return Err(PolicyError::TooLarge {
            bucket: bucket.to_string(),
            size,
        });
    }
    Ok(Some(v))
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
    #[error(
        "the merged bucket policy of `{bucket}` would be {size} bytes; S3 allows at most {MAX_POLICY_BYTES} bytes per bucket policy; remove statements that are no longer needed, or give trails their own buckets"
    )]
    TooLarge { bucket: String, size: usize },
}

/// S3's limit on a bucket policy's size (Amazon S3 user guide, "Bucket policies": 20 KB).
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

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

/// Whether a live statement is a CloudTrail grant on these trails' bucket paths: the only kind
/// the merge may replace (everything else is foreign and never touched).
fn is_cloudtrail_grant(n: &NormStatement, trails: &[TrailRef]) -> bool {
    let actions_ok = n.action.as_ref().is_some_and(|a| {
        !a.is_empty()
            && a.iter()
                .all(|a| a == "s3:getbucketacl" || a == "s3:putobject")
    });
    let ours = |r: &String| {
        trails.iter().any(|t| {
            let bucket = t.bucket_arn();
            *r == bucket || r.starts_with(&format!("{bucket}/"))
        })
    };
    // A grant scoped to other trails or accounts belongs to them: never ours to replace.
    let names_others = n.condition.values().any(|kv| {
        kv.get("aws:sourcearn")
            .into_iter()
            .flatten()
            .any(|a| !trails.iter().any(|t| t.trail_arn() == *a))
            || kv
                .get("aws:sourceaccount")
                .into_iter()
                .flatten()
                .any(|a| !trails.iter().any(|t| t.account == *a))
    });
    n.effect == "Allow"
        && !names_others
        && is_cloudtrail_only(n)
        && n.not_action.is_none()
        && n.not_resource.is_none()
        && actions_ok
        && n.resource
            .as_ref()
            .is_some_and(|r| !r.is_empty() && r.iter().all(ours))
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
    /// Warnings (a CloudTrail grant kept because it allows more than orgtrail's statements).
    pub warnings: Vec<String>,
    /// CloudTrail deliveries the live policy allows and the new one would deny.
    pub coverage_lost: Vec<String>,
    /// Deliveries of these trails the live policy denies and the new one allows.
    pub coverage_restored: Vec<String>,
    /// Deliveries of these trails that the resulting policy still denies (a Deny statement
    /// orgtrail keeps, since it never removes a foreign statement): CloudTrail cannot deliver.
    pub still_denied: Vec<String>,
}

struct Derived {
    statements: Vec<(Required, NormStatement)>,
}

impl Derived {
    fn new(trails: &[TrailRef], extra: &[Required]) -> Derived {
        let mut statements: Vec<(Required, NormStatement)> = Vec::new();
        let all = trails
            .iter()
            .flat_map(required_statements)
            .chain(extra.iter().cloned());
        {
            for r in all {
                let n = normalise_statement(&r.statement).expect("derived statements are valid");
                if !statements.iter().any(|(_, m)| *m == n) {
                    statements.push((r, n));
                }
            }
        }
        Derived { statements }
    }
    fn position(&self, n: &NormStatement) -> Option<usize> {
        self.statements.iter().position(|(_, r)| r == n)
    }
    fn norms(&self) -> Vec<NormStatement> {
        self.statements.iter().map(|(_, n)| n.clone()).collect()
    }
}

/// The deliveries a live grant allows that the derived statements do not: empty when the grant
/// is exactly covered and can be replaced without losing anything.
fn uncovered(n: &NormStatement, derived: &[NormStatement], universe: &[Delivery]) -> Vec<Delivery> {
    delivery::denied_after(std::slice::from_ref(n), derived, universe)
}

fn sid_of(s: &Value) -> &str {
    s.get("Sid").and_then(Value::as_str).unwrap_or("(no Sid)")
}

fn kept_warning(bucket: &str, s: &Value, lost: &[Delivery]) -> String {
    let mut what: Vec<String> = lost.iter().map(|d| d.describe(bucket)).collect();
    what.dedup();
    let more = what.len().saturating_sub(3);
    what.truncate(3);
    let more = if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    };
    format!(
        "bucket policy of `{bucket}` keeps the CloudTrail statement `{}`: it allows more than orgtrail's statements scoped to its trails, and without it these would be denied: {}{more}; scope it with aws:SourceArn once nothing relies on the rest",
        sid_of(s),
        what.join("; ")
    )
}

/// The live statements sorted by what the merge does with them.
struct Sorted {
    kept: Vec<Value>,
    superseded: Vec<Value>,
    warnings: Vec<String>,
    /// Where a superseded statement stood: (index in the result, its actions).
    /// Where a superseded statement stood, as the number of kept statements before it, with the
    /// statement (to find the derived statement that replaces it).
    slots: Vec<(usize, NormStatement)>,
    /// Which derived statements the live policy already has.
    satisfied: Vec<bool>,
}

fn sort_live(
    bucket: &str,
    statements: &[Value],
    norms: &[NormStatement],
    trails: &[TrailRef],
    derived: &Derived,
    universe: &[Delivery],
) -> Sorted {
    let derived_norms = derived.norms();
    let mut out = Sorted {
        kept: Vec::new(),
        superseded: Vec::new(),
        warnings: Vec::new(),
        slots: Vec::new(),
        satisfied: vec![false; derived.statements.len()],
    };
    for (s, n) in statements.iter().zip(norms) {
        if let Some(i) = derived.position(n) {
            out.satisfied[i] = true;
            out.kept.push(s.clone());
        } else if !is_cloudtrail_grant(n, trails) {
            out.kept.push(s.clone());
        } else {
            let lost = uncovered(n, &derived_norms, universe);
            if lost.is_empty() {
                out.slots.push((out.kept.len(), n.clone()));
                out.superseded.push(s.clone());
            } else {
                out.warnings.push(kept_warning(bucket, s, &lost));
                out.kept.push(s.clone());
            }
        }
    }
    out
}

/// (deliveries the new statements deny that live allows, deliveries of our trails live denies
/// and the new statements allow), in words.
fn coverage_change(
    bucket: &str,
    trails: &[TrailRef],
    before: &[NormStatement],
    statements: &[Value],
    universe: &[Delivery],
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let after: Vec<NormStatement> = statements
        .iter()
        .filter_map(|s| normalise_statement(s).ok())
        .collect();
    let describe = |ds: Vec<Delivery>| -> Vec<String> {
        let mut v: Vec<String> = ds.iter().map(|d| d.describe(bucket)).collect();
        v.dedup();
        v
    };
    let ours: Vec<Delivery> = trails.iter().flat_map(delivery::of_trail).collect();
    let still: Vec<Delivery> = ours
        .iter()
        .filter(|d| !delivery::allows(&after, d))
        .cloned()
        .collect();
    (
        describe(delivery::denied_after(before, &after, universe)),
        describe(delivery::denied_after(&after, before, &ours)),
        describe(still),
    )
}

/// Merge the statements `trails` need into `live` (the policy text, if any).
///
/// The live statement order is kept: a superseded statement is replaced in place by the derived
/// statement with the same action, other derived statements are appended. A live CloudTrail
/// grant is superseded only when the derived statements allow every delivery it allows
/// (`other_trails`: ARNs of trails not managed here that write to this bucket). Sids of the
/// result are unique (S3 rejects repeats) and it must fit S3's size limit.
pub fn merge(
    bucket: &str,
    live: Option<&str>,
    trails: &[TrailRef],
    other_trails: &[String],
) -> Result<Merge, PolicyError> {
    merge_with(bucket, live, trails, other_trails, &[])
}

/// [`merge`], with `extra` statements the bucket must also carry (the TLS-only Deny).
pub fn merge_with(
    bucket: &str,
    live: Option<&str>,
    trails: &[TrailRef],
    other_trails: &[String],
    extra: &[Required],
) -> Result<Merge, PolicyError> {
    let doc = match live {
        Some(text) => parse_policy(bucket, text)?,
        None => PolicyDoc {
            version: None,
            id: None,
            statements: Vec::new(),
        },
    };
    let norms = doc
        .statements
        .iter()
        .map(|s| {
            normalise_statement(s).map_err(|detail| PolicyError::NotAPolicy {
                bucket: bucket.to_string(),
                detail,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (s, n) in doc.statements.iter().zip(&norms) {
        refuse_public_allow(bucket, s, n)?;
    }
    let derived = Derived::new(trails, extra);
    let universe = delivery::universe(trails, &norms, other_trails);
    let Sorted {
        kept,
        superseded,
        warnings,
        slots,
        satisfied,
    } = sort_live(bucket, &doc.statements, &norms, trails, &derived, &universe);
    let missing: Vec<String> = derived
        .statements
        .iter()
        .zip(&satisfied)
        .filter(|(_, ok)| !**ok)
        .map(|((r, _), _)| r.purpose.clone())
        .collect();
    let no_change = missing.is_empty() && superseded.is_empty() && live.is_some();
    let statements = if no_change {
        doc.statements.clone()
    } else {
        place(kept, &slots, &derived, &satisfied)
    };
    let (coverage_lost, coverage_restored, still_denied) =
        coverage_change(bucket, trails, &norms, &statements, &universe);
    let new_policy = if no_change {
        None
    } else {
        let v = document(doc.version, doc.id, unique_sids(statements));
        let size = serde_json::to_string(&v).map_or(0, |t| t.len());
        if size > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge {
                bucket: bucket.to_string(),
                size,
            });
        }
        Some(v)
    };
    Ok(Merge {
        new_policy,
        missing,
        superseded,
        warnings,
        coverage_lost,
        coverage_restored,
        still_denied,
    })
}

/// The kept statements with the missing derived ones: each fills the slot of a superseded
/// statement with the same actions when there is one, the rest are appended.
fn place(
    kept: Vec<Value>,
    slots: &[(usize, NormStatement)],
    derived: &Derived,
    satisfied: &[bool],
) -> Vec<Value> {
    let mut todo: Vec<&(Required, NormStatement)> = derived
        .statements
        .iter()
        .zip(satisfied)
        .filter(|(_, ok)| !**ok)
        .map(|(r, _)| r)
        .collect();
    // The derived statement for a slot: same action and resource, else same action.
    let mut fill: Vec<(usize, Value)> = Vec::new();
    for (at, old) in slots {
        let same = |n: &NormStatement| n.action == old.action && n.resource == old.resource;
        let pick = todo
            .iter()
            .position(|(_, n)| same(n))
            .or_else(|| todo.iter().position(|(_, n)| n.action == old.action));
        if let Some(i) = pick {
            fill.push((*at, todo.remove(i).0.statement.clone()));
        }
    }
    let mut out = Vec::with_capacity(kept.len() + fill.len() + todo.len());
    let mut fill = fill.into_iter().peekable();
    for (i, s) in kept.into_iter().enumerate() {
        while let Some((_, v)) = fill.next_if(|(at, _)| *at == i) {
            out.push(v);
        }
        out.push(s);
    }
    out.extend(fill.map(|(_, v)| v));
    out.extend(todo.into_iter().map(|(r, _)| r.statement.clone()));
    out
}

/// Make Sids unique: a repeated Sid gets a numeric suffix (a Sid is only a label; S3 rejects a
/// policy whose Sids repeat).
fn unique_sids(mut statements: Vec<Value>) -> Vec<Value> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for s in &mut statements {
        let Some(sid) = s.get("Sid").and_then(Value::as_str).map(str::to_string) else {
            continue;
        };
        let mut candidate = sid.clone();
        let mut n = 2;
        while seen.contains(&candidate) {
            candidate = format!("{sid}{n}");
            n += 1;
        }
        if candidate != sid {
            s["Sid"] = Value::String(candidate.clone());
        }
        seen.insert(candidate);
    }
    statements
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
