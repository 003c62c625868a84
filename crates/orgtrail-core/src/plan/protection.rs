//! The log bucket's protection as the spec states it (public access block, ownership, default
//! encryption, versioning, Object Lock, retention, access logging), one step per setting that
//! differs, each read back on the next plan. `false`/`null` in the spec means "not managed":
//! orgtrail never switches a protection off; except retention: any lifecycle rule deleting log
//! files earlier than `lifecycle` keeps them (forever when `null`) is removed, and `lifecycle` is
//! met when the rules together (orgtrail's and others') delete log files as it says. A step that weakens a protection (an explicit
//! downgrade, a shorter retention or lock) reduces coverage; drift calls the reverse coverage
//! lost. The TLS-only statement is part of the bucket policy (crates/orgtrail-core/src/policy.rs).

use orgtrail_spec::{AccessLogging, Encryption, EncryptionType, Lifecycle, Protection};
use serde_json::{Value, json};

use super::bucket_group::BucketGroup;
use super::model::{Action, BucketRef, FindingCode, Step, change};
use super::out::Out;
use crate::coverage::protection::{self as cov, Encryption as Strength};
use crate::model::{BucketProtection, LoggingTarget, RETENTION_RULE};

fn step(b: &BucketRef, path: &str, reason: &str, action: Action) -> Step {
    Step::new(
        format!("s3://{}", b.name),
        path.to_string(),
        reason.into(),
        action,
    )
}

/// The encryption the spec wants: as written, or SSE-KMS with the trail's key (bucket key on)
/// when it has one, else SSE-S3.
fn wanted_encryption(p: &Protection, kms: Option<&String>) -> Encryption {
    p.encryption.unwrap_or(match kms {
        Some(_) => Encryption {
            kind: EncryptionType::SseKms,
            bucket_key: true,
        },
        None => Encryption {
            kind: EncryptionType::SseS3,
            bucket_key: false,
        },
    })
}

/// The setting the spec wants and the live one, when the spec manages it and they differ.
fn differing<T: PartialEq>(want: Option<T>, now: Option<T>) -> Option<(T, Option<T>)> {
    let want = want?;
    (now.as_ref() != Some(&want)).then_some((want, now))
}

/// Where a protection step is planned: the bucket, its spec, the protection the spec states and
/// the live one (`None` for a bucket being created).
#[derive(Clone, Copy)]
struct At<'a> {
    b: &'a BucketRef,
    path: &'a str,
    p: &'a Protection,
    live: Option<&'a BucketProtection>,
    /// `[prefix/]AWSLogs/` of every trail on the bucket.
    logs: &'a [String],
}

/// Steps for a bucket orgtrail may write (`live`: `None` for one being created).
pub(crate) fn steps(out: &mut Out, g: &BucketGroup, live: Option<&BucketProtection>) {
    let p = g.members[0].0.spec.bucket.protection();
    let logs = log_prefixes(g);
    let at = At {
        b: &g.target,
        path: g.path(),
        p: &p,
        live,
        logs: &logs,
    };
    ownership(out, &at);
    public_access(out, &at);
    encryption(out, g, &p, live);
    versioning(out, &at);
    object_lock(out, &at);
    retention(out, &at);
    foreign_lifecycle(out, &at);
}

/// Where the bucket's trails deliver: `[prefix/]AWSLogs/` of each spec on it.
fn log_prefixes(g: &BucketGroup) -> Vec<String> {
    let mut out: Vec<String> = g
        .members
        .iter()
        .map(|(s, _)| {
            s.spec
                .trail
                .s3_key_prefix
                .as_ref()
                .map_or("AWSLogs/".to_string(), |p| format!("{p}/AWSLogs/"))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Lifecycle rules that are not orgtrail's and delete log or digest files earlier than the spec
/// keeps them (forever without `lifecycle`), whoever wrote them: removed in one restoring step
/// (S3 cannot filter a rule to leave the log prefixes out of a prefix that contains them).
/// Rules that cannot touch log files are kept untouched.
fn foreign_lifecycle(out: &mut Out, at: &At) {
    let (b, path, p, live, logs) = (at.b, at.path, at.p, at.live, at.logs);
    let Some(live) = live else { return };
    let mut ids = Vec::new();
    let mut restored = Vec::new();
    // With a `lifecycle` in the spec, orgtrail's own rule is `retention`'s to set; without one,
    // a rule under orgtrail's ID is anyone's.
    let own = p.lifecycle.is_some().then_some(RETENTION_RULE);
    for r in live
        .other_lifecycle_rules
        .iter()
        .filter(|r| Some(r.id.as_str()) != own)
    {
        let losses = cov::foreign_rule(r, logs, p.lifecycle);
        if !losses.is_empty() {
            ids.push(r.id.clone());
            restored.extend(losses);
        }
    }
    if ids.is_empty() {
        return;
    }
    let action = Action::RemoveLifecycleRules {
        bucket: b.clone(),
        rule_ids: ids.clone(),
    };
    out.step(
        step(
            b,
            path,
            "lifecycle rules that delete log files earlier than the spec keeps them (other rules are kept)",
            action,
        )
        .with_changes(vec![change("lifecycle_rules", json!(ids), json!([]))])
        .coverage(Vec::new(), restored),
    );
}

fn ownership(out: &mut Out, at: &At) {
    let At {
        b, path, p, live, ..
    } = *at;
    let Some(want) = p.ownership else { return };
    let now = live.and_then(|l| l.ownership.clone());
    if now.as_deref() == Some(want.as_str()) {
        return;
    }
    let action = Action::PutBucketOwnershipControls {
        bucket: b.clone(),
        ownership: want.as_str().into(),
    };
    out.step(
        step(
            b,
            path,
            "the spec sets `bucket.ownership` (BucketOwnerEnforced disables ACLs)",
            action,
        )
        .with_changes(vec![change("ownership", json!(now), json!(want.as_str()))])
        .coverage(
            cov::ownership(now.as_deref(), Some(want.as_str())),
            cov::ownership(Some(want.as_str()), now.as_deref()),
        ),
    );
}

fn public_access(out: &mut Out, at: &At) {
    let At {
        b, path, p, live, ..
    } = *at;
    let now = live.is_some_and(|l| l.public_access_blocked);
    if !p.public_access_block || now {
        return;
    }
    let action = Action::PutPublicAccessBlock { bucket: b.clone() };
    let what = "the public access block (the logs could be made public)";
    out.step(
        step(b, path, "a log bucket must never be public", action)
            .with_changes(vec![change(
                "public_access_block",
                json!(live.map(|l| l.public_access_blocked)),
                json!(true),
            )])
            .coverage(Vec::new(), cov::switch(what, live.is_some(), false)),
    );
}

fn encryption(out: &mut Out, g: &BucketGroup, p: &Protection, live: Option<&BucketProtection>) {
    let kms = g
        .members
        .iter()
        .find_map(|(_, tl)| tl.kms.as_ref()?.key_arn.clone());
    let want = wanted_encryption(p, kms.as_ref());
    let want_strength = if want.kind == EncryptionType::SseKms {
        Strength::SseKms
    } else {
        Strength::SseS3
    };
    let now = Strength::of_algorithm(live.and_then(|l| l.encryption.as_deref()));
    let explicit = p.encryption.is_some();
    let key_differs = want.kind == EncryptionType::SseKms
        && live.is_some_and(|l| l.bucket_key != want.bucket_key);
    // Without an explicit setting, a stronger live encryption is kept (never downgraded).
    let differs = now < want_strength || (explicit && now > want_strength) || key_differs;
    if !differs {
        return;
    }
    let (b, path) = (&g.target, g.path());
    let label = |s: Strength| s.label().map_or(Value::Null, |l| json!(l));
    let action = Action::PutBucketEncryption {
        bucket: b.clone(),
        kms_key_arn: if want.kind == EncryptionType::SseKms {
            kms
        } else {
            None
        },
        bucket_key: want.bucket_key,
    };
    out.step(
        step(
            b,
            path,
            "log files are encrypted at rest as the spec says",
            action,
        )
        .with_changes(vec![change("encryption", label(now), label(want_strength))])
        .coverage(
            cov::encryption(now, want_strength),
            cov::encryption(want_strength, now),
        ),
    );
}

fn versioning(out: &mut Out, at: &At) {
    let At {
        b, path, p, live, ..
    } = *at;
    let now = live.and_then(|l| l.versioning.clone());
    if !p.versioning || now.as_deref() == Some("Enabled") {
        return;
    }
    let was_on = live.is_some() && now.as_deref() == Some("Suspended");
    let what = "versioning (an overwritten or deleted log file could not be recovered)";
    out.step(
        step(
            b,
            path,
            "versioning keeps every version of the log files",
            Action::PutBucketVersioning { bucket: b.clone() },
        )
        .with_changes(vec![change("versioning", json!(now), json!("Enabled"))])
        .coverage(
            Vec::new(),
            cov::switch(what, was_on || live.is_some(), false),
        ),
    );
}

fn object_lock(out: &mut Out, at: &At) {
    let At {
        b, path, p, live, ..
    } = *at;
    let Some((want, now)) = differing(p.object_lock, live.and_then(|l| l.object_lock)) else {
        return;
    };
    let show = |l: Option<orgtrail_spec::ObjectLock>| {
        l.map_or(
            Value::Null,
            |l| json!({"mode": l.mode.as_str(), "days": l.days}),
        )
    };
    let action = Action::PutObjectLockConfiguration {
        bucket: b.clone(),
        mode: want.mode.as_str().into(),
        days: want.days,
    };
    out.step(
        step(
            b,
            path,
            "new log files are locked against deletion and overwrite",
            action,
        )
        .with_changes(vec![change("object_lock", show(now), show(Some(want)))])
        .coverage(cov::lock(now, Some(want)), cov::lock(Some(want), now)),
    );
}

fn retention(out: &mut Out, at: &At) {
    let (b, path, p, live, logs) = (at.b, at.path, at.p, at.live, at.logs);
    let Some((want, now)) = differing(p.lifecycle, live.and_then(|l| l.retention)) else {
        return;
    };
    // What the bucket keeps now, other rules included: a shorter rule of someone else's is
    // removed by its own step, so setting orgtrail's rule loses nothing against it.
    let effective =
        live.and_then(|l| cov::effective_retention(l.retention, &l.other_lifecycle_rules, logs));
    // The rules already delete log files exactly as the spec says (another's rule, say one
    // Terraform wrote, that `import` adopted): there is nothing to write.
    if effective == Some(want) {
        return;
    }
    let show = |l: Option<Lifecycle>| {
        l.map_or(Value::Null, |l| json!({"expire_days": l.expire_days, "noncurrent_expire_days": l.noncurrent_expire_days, "archive_after_days": l.archive_after_days}))
    };
    let action = Action::PutBucketLifecycle {
        bucket: b.clone(),
        expire_days: want.expire_days,
        noncurrent_expire_days: want.noncurrent_expire_days,
        archive_after_days: want.archive_after_days,
    };
    out.step(
        step(
            b,
            path,
            "the retention rule `orgtrail-log-retention` (other lifecycle rules are kept)",
            action,
        )
        .with_changes(vec![change("lifecycle", show(now), show(Some(want)))])
        // A bucket being created holds no log files that a retention rule could delete.
        .coverage(
            if live.is_some() {
                cov::retention(effective, Some(want))
            } else {
                Vec::new()
            },
            cov::retention(Some(want), now),
        ),
    );
}

/// Server access logging into the target the spec names: the target must exist and must not use
/// Object Lock (S3 cannot deliver access logs into a locked bucket), its policy gets the
/// statement that lets `logging.s3.amazonaws.com` write (merged, every other statement kept),
/// then PutBucketLogging (S3 answers InvalidTargetBucketForLogging without that statement).
pub(crate) fn access_logging(out: &mut Out, g: &BucketGroup, partition: &str) {
    let Some(want) = g.members[0].0.spec.bucket.access_logging.clone() else {
        return;
    };
    let Some(target) = &g.live().bucket.logging_target else {
        return;
    };
    if !target_usable(out, g.path(), target) {
        return;
    }
    target_policy(out, g, target, &want, partition);
    logging_step(out, g, want);
}

fn target_usable(out: &mut Out, path: &str, target: &LoggingTarget) -> bool {
    let name = &target.name;
    let problem = if !target.exists {
        Some((
            FindingCode::AccessLoggingTargetMissing,
            format!("access-logging target bucket `{name}` does not exist"),
            "create it (same account and region as the log bucket), or change `bucket.access_logging.target_bucket`",
        ))
    } else if target.object_lock {
        Some((
            FindingCode::AccessLoggingTargetLocked,
            format!(
                "access-logging target bucket `{name}` uses S3 Object Lock: S3 cannot deliver server access logs into it"
            ),
            "send the access logs to a bucket without Object Lock",
        ))
    } else {
        None
    };
    let Some((code, message, fix)) = problem else {
        return true;
    };
    out.error(path, code, message, fix);
    false
}

/// The target's policy with the statement that lets S3 deliver the access logs.
fn target_policy(
    out: &mut Out,
    g: &BucketGroup,
    target: &LoggingTarget,
    want: &AccessLogging,
    partition: &str,
) {
    let b = &g.target;
    let statement = crate::policy::access_logging(
        partition,
        &want.target_bucket,
        want.prefix.as_deref(),
        &b.name,
        &b.owner,
    );
    let tb = BucketRef {
        name: want.target_bucket.clone(),
        ..b.clone()
    };
    match crate::policy::ensure(&tb.name, target.policy.as_deref(), &statement) {
        Err(e) => out.error(
            g.path(),
            FindingCode::AccessLoggingTargetPolicy,
            e.to_string(),
            "fix the target bucket's policy in S3, then run plan again",
        ),
        Ok(Some(new)) => {
            let before = target
                .policy
                .as_deref()
                .map(crate::policy::canonical_text)
                .unwrap_or_default();
            let action = Action::PutBucketPolicy {
                bucket: tb.clone(),
                policy: serde_json::to_string(&new).unwrap_or_default(),
            };
            let reason = format!("add the statement that {}", statement.purpose);
            out.step(
                step(&tb, g.path(), &reason, action)
                    .with_policy_diff(Some((before, crate::policy::canonical_pretty(&new)))),
            );
        }
        Ok(None) => {}
    }
}

fn logging_step(out: &mut Out, g: &BucketGroup, want: AccessLogging) {
    let (b, live) = (&g.target, &g.live().bucket);
    let now = live.protection.as_ref().and_then(|p| p.logging.clone());
    let wanted = (want.target_bucket.clone(), want.prefix.clone());
    if now.as_ref() == Some(&wanted) {
        return;
    }
    let show = |l: &Option<(String, Option<String>)>| {
        l.as_ref().map_or(
            Value::Null,
            |(t, p)| json!({"target_bucket": t, "prefix": p}),
        )
    };
    let restored = cov::switch(
        "server access logging of the log bucket",
        live.protection.is_some(),
        false,
    );
    let action = Action::PutBucketLogging {
        bucket: b.clone(),
        target_bucket: want.target_bucket,
        prefix: want.prefix,
    };
    out.step(
        step(
            b,
            g.path(),
            "server access logs record who reads and changes the log files (CIS 3.6)",
            action,
        )
        .with_changes(vec![change(
            "access_logging",
            show(&now),
            show(&Some(wanted)),
        )])
        .coverage(Vec::new(), restored),
    );
}
