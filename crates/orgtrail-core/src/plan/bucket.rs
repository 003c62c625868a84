//! Bucket steps: create the bucket when the spec allows it, and one merged policy per bucket
//! (the statements every trail on it needs, merged into the live policy by `crate::policy`).

use std::collections::BTreeSet;

use orgtrail_spec::PolicyMode;
use serde_json::{Value, json};

use super::bucket_group::BucketGroup;
use super::desired::trail_owner;
use super::model::{Action, FindingCode, Step, change};
use super::out::Out;
use super::protection;
use crate::coverage;
use crate::coverage::sample::{self, Known};
use crate::coverage::tamper;
use crate::iam::{NormStatement, normalise_statement};
use crate::model::{LiveState, OrgState};
use crate::policy::{self, Merge, TrailRef};

/// Steps for one bucket.
pub(crate) fn steps(out: &mut Out, g: &BucketGroup, live: &LiveState, partition: &str) {
    let Some(org) = &live.organization else {
        exists_in_region(out, g);
        return;
    };
    let refs = trail_refs(g, live, partition, org);
    if g.live().bucket.denied {
        denied(out, g, &refs, &live.caller.account);
        return;
    }
    if exists_in_region(out, g) {
        policy_step(out, g, &refs, live);
        tampering(out, g, &refs);
        if can_write(g, &live.caller.account) {
            protection::access_logging(out, g, partition);
        }
    }
}

/// S3 refused to show the bucket. With a role, orgtrail acts as the owner, so the refusal means
/// the bucket is not `owner`'s (a deleted and re-registered name) or the role may not read it:
/// an error. Without a role the bucket belongs to another account: verify only, say what
/// CloudTrail needs, and let the plan go on.
fn denied(out: &mut Out, g: &BucketGroup, refs: &[TrailRef], caller: &str) {
    let (b, path) = (&g.target, g.path());
    if b.role_arn.is_some() || b.owner == caller {
        out.error(
            path,
            FindingCode::BucketNotOwned,
            format!(
                "S3 refused to read bucket `{}` as owned by account {} (ExpectedBucketOwner): another account owns that bucket name, or the caller may not read it",
                b.name, b.owner
            ),
            match &b.role_arn {
                Some(role) => format!("check that `{}` belongs to account {} (`bucket.account`) and that {role} may call s3:GetBucketPolicy on it", b.name, b.owner),
                None => format!("if `{}` is in another account (a log-archive account), set `bucket.account` to that account's id and `bucket.role_arn` to a role in it that orgtrail may assume (docs/spec.md); otherwise let the caller call s3:GetBucketPolicy on it", b.name),
            },
        );
        return;
    }
    let needed: Vec<String> = refs
        .iter()
        .flat_map(policy::required_statements)
        .map(|r| r.statement.to_string())
        .collect();
    out.warn(
        path,
        FindingCode::BucketVerifyOnly,
        format!(
            "bucket `{}` belongs to account {} and account {caller} cannot read it, so orgtrail neither reads nor changes its policy; CloudTrail needs these statements in it: {}",
            b.name, b.owner, needed.join(" ")
        ),
        format!("set `bucket.role_arn` to a role in account {} that may read and write the bucket policy, or have that account add the statements", b.owner),
    );
}

/// Plan the bucket's creation and set-up, or check its region. False when nothing more can be
/// planned.
fn exists_in_region(out: &mut Out, g: &BucketGroup) -> bool {
    let (path, region, bucket) = (g.path(), g.region(), g.name);
    let live = &g.live().bucket;
    let create = g.members[0].0.spec.bucket.create;
    if !live.exists {
        if !create {
            out.error(
                path,
                FindingCode::BucketMissing,
                format!("bucket `{bucket}` does not exist (or this account cannot see it)"),
                "create it, or set `bucket.create: true` so orgtrail creates it",
            );
            return false;
        }
        out.step(create_step(g));
        protection::steps(out, g, None);
        return true;
    }
    match &live.region {
        Some(actual) if actual != region => {
            out.error(
                path,
                FindingCode::BucketRegion,
                format!("bucket `{bucket}` is in {actual}, but the spec says {region}"),
                format!("set `bucket.region: {actual}` in {path}"),
            );
            false
        }
        _ => {
            if let Some(p) = &live.protection {
                protection::steps(out, g, Some(p));
            }
            true
        }
    }
}

fn bucket_step(g: &BucketGroup, reason: &str, action: Action) -> Step {
    Step::new(
        format!("s3://{}", g.name),
        g.path().to_string(),
        reason.into(),
        action,
    )
}

fn create_step(g: &BucketGroup) -> Step {
    let region = g.region().to_string();
    let action = Action::CreateBucket {
        bucket: g.target.clone(),
        object_lock: g.members[0].0.spec.bucket.object_lock.is_some(),
    };
    bucket_step(
        g,
        "the spec sets `bucket.create: true` and the bucket is missing",
        action,
    )
    .with_changes(vec![change("region", Value::Null, json!(region))])
    .coverage(
        Vec::new(),
        coverage::missing("the log bucket does not exist"),
    )
}

fn trail_refs(g: &BucketGroup, live: &LiveState, partition: &str, org: &OrgState) -> Vec<TrailRef> {
    g.members
        .iter()
        .map(|(s, _)| TrailRef {
            partition: partition.to_string(),
            home_region: s.spec.trail.home_region.clone(),
            account: trail_owner(s.spec, live).to_string(),
            trail_name: s.spec.trail.name.clone(),
            org_id: org.id.clone(),
            bucket: g.name.to_string(),
            prefix: s.spec.trail.s3_key_prefix.clone(),
        })
        .collect()
}

/// ARNs of trails not managed by these specs that deliver to this bucket.
fn other_trails_on_bucket(g: &BucketGroup, refs: &[TrailRef]) -> Vec<String> {
    let managed: BTreeSet<String> = refs.iter().map(TrailRef::trail_arn).collect();
    let others: BTreeSet<String> = g
        .members
        .iter()
        .flat_map(|(_, tl)| &tl.other_trails)
        .filter(|o| o.s3_bucket.as_deref() == Some(g.name) && !managed.contains(&o.arn))
        .map(|o| o.arn.clone())
        .collect();
    others.into_iter().collect()
}

/// Every trail of the management account that writes to this bucket, when orgtrail-aws read
/// them all (`BucketState::known_trails`).
fn known_trails(g: &BucketGroup, live: &LiveState) -> Option<Known> {
    let list = g.live().bucket.known_trails.as_ref()?;
    let org = live.organization.as_ref()?;
    Some(Known {
        account: org.management_account.clone(),
        trails: list
            .iter()
            .filter(|t| t.s3_bucket.as_deref() == Some(g.name))
            .map(|t| (t.arn.clone(), t.organization))
            .collect(),
    })
}

/// orgtrail acts on a bucket it owns, or through the bucket's role.
fn can_write(g: &BucketGroup, caller: &str) -> bool {
    g.target.owner == caller || g.target.role_arn.is_some()
}

fn policy_step(out: &mut Out, g: &BucketGroup, refs: &[TrailRef], live: &LiveState) {
    let caller = live.caller.account.as_str();
    let tls = g.members[0].0.spec.bucket.require_tls;
    let extra: Vec<policy::Required> = if tls {
        vec![policy::require_tls(&live.caller.partition, g.name)]
    } else {
        Vec::new()
    };
    let path = g.path();
    let others = other_trails_on_bucket(g, refs);
    let known = known_trails(g, live);
    let beside = policy::Others {
        trails: &others,
        known: known.as_ref(),
    };
    let live_policy = g.live().bucket.policy.as_deref();
    let m = match policy::merge_beside(g.name, live_policy, refs, beside, &extra) {
        Ok(m) => m,
        Err(e) => {
            out.error(
                path,
                FindingCode::BucketPolicy,
                e.to_string(),
                "fix the bucket policy in S3, then run plan again",
            );
            return;
        }
    };
    for w in &m.warnings {
        out.warn(path, FindingCode::LegacyStatementKept, w.clone(), "");
    }
    if !m.still_denied.is_empty() {
        out.error(
            path,
            FindingCode::BucketPolicyDeniesTrail,
            format!(
                "bucket policy of `{}` denies what CloudTrail must do even with orgtrail's statements (a Deny statement applies): {}",
                g.name,
                m.still_denied.join("; ")
            ),
            "narrow the Deny statement so it does not apply to cloudtrail.amazonaws.com for these trails (orgtrail never removes another statement)",
        );
        return;
    }
    let Some(new) = &m.new_policy else { return };
    // A bucket of another account can only be changed through a role in that account.
    let foreign = !can_write(g, caller);
    if g.members[0].0.spec.bucket.policy == PolicyMode::Verify || foreign {
        // Only what is missing blocks: a narrower statement that merge would tidy away is fine.
        if !m.missing.is_empty() {
            verify_error(out, g, &m);
        }
        return;
    }
    let before = live_policy.map(policy::canonical_text).unwrap_or_default();
    out.step(
        Step::new(
            format!("s3://{}", g.name),
            path.to_string(),
            merge_reason(&m),
            Action::PutBucketPolicy {
                bucket: g.target.clone(),
                policy: serde_json::to_string(new).unwrap_or_default(),
            },
        )
        .with_policy_diff(Some((before, policy::canonical_pretty(new))))
        .coverage(m.coverage_lost.clone(), restored_by(&m, &extra)),
    );
}

/// A live statement letting a principal outside the bucket's account and the spec's roles
/// delete or overwrite log files, or change the bucket's policy, lifecycle, versioning or
/// Object Lock: the evidence is at the mercy of that principal (drift: coverage lost). orgtrail
/// never removes another statement, so this is a finding with the fix.
fn tampering(out: &mut Out, g: &BucketGroup, refs: &[TrailRef]) {
    let Some(text) = g.live().bucket.policy.as_deref() else {
        return;
    };
    let Ok(doc) = policy::parse_policy(g.name, text) else {
        return;
    };
    let norms: Vec<NormStatement> = doc
        .statements
        .iter()
        .filter_map(|s| normalise_statement(s).ok())
        .collect();
    let objects: Vec<String> = sample::of_trails(refs, &norms)
        .into_iter()
        .filter(|d| !d.key.is_empty())
        .map(|d| d.resource)
        .collect();
    let roles = g
        .members
        .iter()
        .flat_map(|(s, _)| {
            [
                s.spec.bucket.role_arn.as_deref(),
                s.spec.trail.kms_role_arn.as_deref(),
            ]
        })
        .flatten()
        .collect();
    let trusted = tamper::Trusted {
        owner_account: &g.target.owner,
        roles,
    };
    let bucket_arn = refs.first().map(TrailRef::bucket_arn).unwrap_or_default();
    let grants = tamper::grants(&norms, &bucket_arn, &objects, &trusted);
    if grants.is_empty() {
        return;
    }
    out.warn(
        g.path(),
        FindingCode::BucketPolicyAllowsTampering,
        format!(
            "bucket policy of `{}` lets principals outside account {} and the spec's roles destroy the evidence: {}",
            g.name,
            g.target.owner,
            grants.join("; ")
        ),
        "remove those grants, or narrow them so no one outside the log-archive account may delete, overwrite or reconfigure the logs (orgtrail never removes another statement)",
    );
}

/// What the policy step restores: the deliveries live denies, and the TLS-only statement when
/// live lacks it.
fn restored_by(m: &Merge, extra: &[policy::Required]) -> Vec<String> {
    let mut out = m.coverage_restored.clone();
    if extra.iter().any(|r| m.missing.contains(&r.purpose)) {
        out.push("TLS-only access to the log bucket (requests without TLS are not denied)".into());
    }
    out
}

fn merge_reason(m: &Merge) -> String {
    let mut reason = Vec::new();
    if !m.missing.is_empty() {
        reason.push(format!(
            "add the statement(s) that {}",
            m.missing.join(", ")
        ));
    }
    if !m.superseded.is_empty() {
        reason.push(format!(
            "replace {} CloudTrail statement(s) for these trails that the scoped statements (aws:SourceArn) fully cover",
            m.superseded.len()
        ));
    }
    reason.join("; ")
}

/// `policy: verify`: orgtrail never writes the policy, so what is missing is an error.
fn verify_error(out: &mut Out, g: &BucketGroup, m: &Merge) {
    let path = g.path();
    let what: Vec<String> = m
        .missing
        .iter()
        .map(|p| format!("the statement that {p}"))
        .collect();
    out.error(
        path,
        FindingCode::BucketPolicyLacking,
        format!("bucket policy of `{}` lacks {}", g.name, what.join("; ")),
        format!("add them (run `orgtrail plan` with `policy: merge` to see the exact statements), or set `bucket.policy: merge` in {path}"),
    );
}
