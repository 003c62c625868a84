//! Bucket steps: create the bucket when the spec allows it, and one merged policy per bucket
//! (the statements every trail on it needs, merged into the live policy by `crate::policy`).

use std::collections::BTreeSet;

use orgtrail_spec::PolicyMode;
use serde_json::{Value, json};

use super::desired::trail_owner;
use super::model::{Action, SpecInput, Step, StepKind, change};
use super::out::Out;
use crate::coverage;
use crate::live::{BucketProtection, LiveState, OrgState, TrailLive};
use crate::policy::{self, Merge, TrailRef};

/// The specs writing to one bucket, with their live reads (`live.trails[i]` is `specs[i]`'s).
pub(crate) struct BucketGroup<'a> {
    pub name: &'a str,
    pub members: Vec<(&'a SpecInput<'a>, &'a TrailLive)>,
}

impl BucketGroup<'_> {
    fn path(&self) -> &str {
        &self.members[0].0.path
    }
    fn region(&self) -> &str {
        self.members[0].0.spec.bucket_region()
    }
    fn live(&self) -> &TrailLive {
        self.members[0].1
    }
}

/// Group specs by bucket, in the order buckets first appear.
pub(crate) fn groups<'a>(specs: &'a [SpecInput<'a>], live: &'a LiveState) -> Vec<BucketGroup<'a>> {
    let mut out: Vec<BucketGroup<'a>> = Vec::new();
    for (s, tl) in specs.iter().zip(&live.trails) {
        match out.iter_mut().find(|g| g.name == s.spec.bucket.name) {
            Some(g) => g.members.push((s, tl)),
            None => out.push(BucketGroup {
                name: &s.spec.bucket.name,
                members: vec![(s, tl)],
            }),
        }
    }
    out
}

/// Steps for one bucket.
pub(crate) fn steps(out: &mut Out, g: &BucketGroup, live: &LiveState, partition: &str) {
    if !exists_in_region(out, g) {
        return;
    }
    if let Some(org) = &live.organization {
        policy_step(out, g, &trail_refs(g, live, partition, org));
    }
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
                "bucket-missing",
                format!("bucket `{bucket}` does not exist (or this account cannot see it)"),
                "create it, or set `bucket.create: true` so orgtrail creates it",
            );
            return false;
        }
        out.step(create_step(g));
        setup_steps(out, g, None);
        return true;
    }
    match &live.region {
        Some(actual) if actual != region => {
            out.error(
                path,
                "bucket-region",
                format!("bucket `{bucket}` is in {actual}, but the spec says {region}"),
                format!("set `bucket.region: {actual}` in {path}"),
            );
            false
        }
        _ => {
            if let Some(p) = &live.protection {
                setup_steps(out, g, Some(p));
            }
            true
        }
    }
}

fn bucket_step(g: &BucketGroup, kind: StepKind, reason: &str, action: Action) -> Step {
    Step::new(
        kind,
        format!("s3://{}", g.name),
        g.path().to_string(),
        reason.into(),
        action,
    )
}

fn create_step(g: &BucketGroup) -> Step {
    let region = g.region().to_string();
    let action = Action::CreateBucket {
        bucket: g.name.to_string(),
        region: region.clone(),
    };
    bucket_step(
        g,
        StepKind::CreateBucket,
        "the spec sets `bucket.create: true` and the bucket is missing",
        action,
    )
    .with_changes(vec![change("region", Value::Null, json!(region))])
    .coverage(
        Vec::new(),
        coverage::missing("the log bucket does not exist"),
    )
}

/// Public access block and default encryption of a bucket orgtrail creates: separate steps, so
/// one that failed is planned again on the next run (`live`: `None` for a bucket not created yet).
fn setup_steps(out: &mut Out, g: &BucketGroup, live: Option<&BucketProtection>) {
    let (bucket, region) = (g.name.to_string(), g.region().to_string());
    if !live.is_some_and(|p| p.public_access_blocked) {
        let action = Action::PutPublicAccessBlock {
            bucket: bucket.clone(),
            region: region.clone(),
        };
        let before = json!(live.map(|p| p.public_access_blocked));
        out.step(
            bucket_step(
                g,
                StepKind::PutPublicAccessBlock,
                "a log bucket must never be public",
                action,
            )
            .with_changes(vec![change("block_public_access", before, json!(true))]),
        );
    }
    if live.is_none_or(|p| p.encryption.is_none()) {
        // Default encryption with the trails' KMS key when one is set.
        let kms = g
            .members
            .iter()
            .find_map(|(_, tl)| tl.kms.as_ref()?.key_arn.clone());
        let encryption = if kms.is_some() { "aws:kms" } else { "AES256" };
        let action = Action::PutBucketEncryption {
            bucket,
            region,
            kms_key_arn: kms,
        };
        out.step(
            bucket_step(
                g,
                StepKind::PutBucketEncryption,
                "log files are encrypted at rest by default",
                action,
            )
            .with_changes(vec![change(
                "default_encryption",
                Value::Null,
                json!(encryption),
            )]),
        );
    }
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

fn policy_step(out: &mut Out, g: &BucketGroup, refs: &[TrailRef]) {
    let path = g.path();
    let others = other_trails_on_bucket(g, refs);
    let live_policy = g.live().bucket.policy.as_deref();
    let m = match policy::merge(g.name, live_policy, refs, &others) {
        Ok(m) => m,
        Err(e) => {
            out.error(
                path,
                "bucket-policy",
                e.to_string(),
                "fix the bucket policy in S3, then run plan again",
            );
            return;
        }
    };
    for w in &m.warnings {
        out.warn(path, "legacy-statement-kept", w.clone(), "");
    }
    let Some(new) = &m.new_policy else { return };
    if g.members[0].0.spec.bucket.policy == PolicyMode::Verify {
        verify_error(out, g, &m);
        return;
    }
    let before = live_policy.map(policy::canonical_text).unwrap_or_default();
    out.step(
        Step::new(
            StepKind::PutBucketPolicy,
            format!("s3://{}", g.name),
            path.to_string(),
            merge_reason(&m),
            Action::PutBucketPolicy {
                bucket: g.name.to_string(),
                region: g.region().to_string(),
                policy: serde_json::to_string(new).unwrap_or_default(),
            },
        )
        .with_policy_diff(Some((before, policy::canonical_pretty(new))))
        .coverage(m.coverage_lost.clone(), m.coverage_restored.clone()),
    );
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
            "replace {} unscoped CloudTrail statement(s) with ones scoped to the trail (aws:SourceArn)",
            m.superseded.len()
        ));
    }
    reason.join("; ")
}

/// `policy: verify`: orgtrail never writes the policy, so what is missing is an error.
fn verify_error(out: &mut Out, g: &BucketGroup, m: &Merge) {
    let path = g.path();
    let mut what: Vec<String> = m
        .missing
        .iter()
        .map(|p| format!("the statement that {p}"))
        .collect();
    if !m.superseded.is_empty() {
        what.push(format!(
            "{} unscoped CloudTrail statement(s) should be replaced",
            m.superseded.len()
        ));
    }
    out.error(
        path,
        "bucket-policy-lacking",
        format!("bucket policy of `{}` lacks {}", g.name, what.join("; ")),
        format!("add them (run `orgtrail plan` with `policy: merge` to see the exact statements), or set `bucket.policy: merge` in {path}"),
    );
}
