//! The merge: the derived statements added to a live bucket policy, every foreign statement left
//! alone and in place, a live CloudTrail grant replaced only when the derived statements allow
//! every delivery it allows (judged by the coverage model's deliveries).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::error::{MAX_POLICY_BYTES, PolicyError, parse_policy};
use super::statements::{Required, required_statements};
use crate::coverage::delivery::{self, Delivery};
use crate::coverage::sample::{self, Known};
use crate::iam::{DEFAULT_VERSION, Effect, NormStatement, PolicyDoc, glob, normalise_statement};
use crate::model::{CLOUDTRAIL_SERVICE, TrailRef};

/// The live policy document, or an empty one when the bucket has none.
fn live_doc(bucket: &str, live: Option<&str>) -> Result<PolicyDoc, PolicyError> {
    Ok(match live {
        Some(text) => parse_policy(bucket, text)?,
        None => PolicyDoc {
            version: None,
            id: None,
            statements: Vec::new(),
        },
    })
}

/// The document to write: Sids made unique (S3 rejects repeats), within S3's size limit.
fn written(
    bucket: &str,
    version: Option<String>,
    id: Option<String>,
    statements: Vec<Value>,
) -> Result<Value, PolicyError> {
    let v = document(version, id, unique_sids(statements));
    let size = serde_json::to_string(&v).map_or(0, |t| t.len());
    if size > MAX_POLICY_BYTES {
        return Err(PolicyError::TooLarge {
            bucket: bucket.to_string(),
            size,
        });
    }
    Ok(v)
}

/// `live` with `r` added when no statement means the same already (Sids made unique, S3's
/// size limit checked); `None` when nothing needs writing.
pub fn ensure(
    bucket: &str,
    live: Option<&str>,
    r: &Required,
) -> Result<Option<Value>, PolicyError> {
    let doc = live_doc(bucket, live)?;
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
    written(bucket, doc.version, doc.id, statements).map(Some)
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
    n.effect == Effect::Allow
        && !names_others
        && is_cloudtrail_only(n)
        && n.not_action.is_none()
        && n.not_resource.is_none()
        && actions_ok
        && n.resource
            .as_ref()
            .is_some_and(|r| !r.is_empty() && r.iter().all(ours))
}

/// Whether `policy` carries a CloudTrail grant without an `aws:SourceArn` or
/// `aws:SourceAccount` condition on the bucket itself (the ACL check) or on keys under
/// `AWSLogs/<id>/` for one of `ids` (the management account, the organization): the grants that
/// knowing every trail of the management account can retire, so only then are they read
/// (`BucketState::known_trails`). An unreadable policy needs nothing: the plan reports it.
pub fn needs_known_trails(bucket: &str, partition: &str, policy: &str, ids: &[&str]) -> bool {
    let Ok(doc) = parse_policy(bucket, policy) else {
        return false;
    };
    let bucket_arn = format!("arn:{partition}:s3:::{bucket}");
    let on_paths = |r: &String| {
        glob(r, &bucket_arn)
            || ids.iter().any(|id| {
                r.contains(&format!("/AWSLogs/{id}/"))
                    || glob(r, &format!("{bucket_arn}/AWSLogs/{id}/x"))
            })
    };
    doc.statements
        .iter()
        .filter_map(|s| normalise_statement(s).ok())
        .any(|n| {
            let scoped = n
                .condition
                .values()
                .any(|kv| kv.contains_key("aws:sourcearn") || kv.contains_key("aws:sourceaccount"));
            n.effect == Effect::Allow
                && is_cloudtrail_only(&n)
                && !scoped
                && n.resource.iter().flatten().any(on_paths)
        })
}

/// An unconditioned Allow for everyone would make the organization's logs public: refuse to
/// build on such a policy.
fn refuse_public_allow(bucket: &str, s: &Value, n: &NormStatement) -> Result<(), PolicyError> {
    if n.effect == Effect::Allow
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

/// The deliveries a live grant allows that the policy without it would not: the derived
/// statements and every statement the merge keeps (another trail's own scoped grant covers that
/// trail too; a foreign Deny denies with or without the grant). Empty when the grant can be
/// replaced without losing anything.
fn uncovered(
    n: &NormStatement,
    derived: &[NormStatement],
    kept: &[NormStatement],
    universe: &[Delivery],
) -> Vec<Delivery> {
    let before: Vec<NormStatement> = kept.iter().chain([n]).cloned().collect();
    let after: Vec<NormStatement> = kept.iter().chain(derived).cloned().collect();
    delivery::denied_after(&before, &after, universe)
}

fn sid_of(s: &Value) -> &str {
    s.get("Sid").and_then(Value::as_str).unwrap_or("(no Sid)")
}

fn kept_warning(bucket: &str, s: &Value, lost: &[Delivery], universe: &[Delivery]) -> String {
    let mut what = delivery::describe_all(lost, universe, bucket);
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
    // The statements the merge keeps whatever it decides: neither derived nor a CloudTrail grant
    // it may replace.
    let kept_anyway: Vec<NormStatement> = norms
        .iter()
        .filter(|n| derived.position(n).is_none() && !is_cloudtrail_grant(n, trails))
        .cloned()
        .collect();
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
            let lost = uncovered(n, &derived_norms, &kept_anyway, universe);
            if lost.is_empty() {
                out.slots.push((out.kept.len(), n.clone()));
                out.superseded.push(s.clone());
            } else {
                out.warnings.push(kept_warning(bucket, s, &lost, universe));
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
    // Judged on both policies' names: an account the live policy denies is in the sample.
    let named: Vec<NormStatement> = before.iter().chain(&after).cloned().collect();
    let ours = sample::of_trails(trails, &named);
    let still: Vec<Delivery> = ours
        .iter()
        .filter(|d| !delivery::surely_allows(&after, d))
        .cloned()
        .collect();
    let lost = delivery::denied_after(before, &after, universe);
    let restored = delivery::denied_after(&after, before, &ours);
    (
        delivery::describe_all(&lost, universe, bucket),
        delivery::describe_all(&restored, &ours, bucket),
        delivery::describe_all(&still, &ours, bucket),
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
    let others = Others {
        trails: other_trails,
        known: None,
    };
    merge_beside(bucket, live, trails, others, extra)
}

/// Who else delivers to the bucket, as far as orgtrail can tell.
#[derive(Debug, Clone, Copy, Default)]
pub struct Others<'a> {
    /// ARNs of trails not managed here that DescribeTrails shows writing to the bucket.
    pub trails: &'a [String],
    /// Every trail of the management account writing to the bucket, when all of them are known
    /// (`BucketState::known_trails`): an unscoped grant on its paths is then judged on them
    /// rather than on a stand-in for trails it might have.
    pub known: Option<&'a Known>,
}

/// [`merge_with`], knowing who else delivers to the bucket.
pub fn merge_beside(
    bucket: &str,
    live: Option<&str>,
    trails: &[TrailRef],
    others: Others,
    extra: &[Required],
) -> Result<Merge, PolicyError> {
    let doc = live_doc(bucket, live)?;
    let norms = doc
        .statements
        .iter()
        .map(|s| {
            normalise_statement(s).map_err(|detail| PolicyError::unreadable(bucket, detail, true))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (s, n) in doc.statements.iter().zip(&norms) {
        refuse_public_allow(bucket, s, n)?;
    }
    let derived = Derived::new(trails, extra);
    let universe = sample::universe(trails, &norms, others.trails, others.known);
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
        Some(written(bucket, doc.version, doc.id, statements)?)
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
