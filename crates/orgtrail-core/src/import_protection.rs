//! The bucket's protection as `import` reads it: every setting that is on is managed as it is,
//! so the spec keeps protecting what was protected and the next plan changes nothing; a setting
//! that is off, or that a spec cannot state, stays "not managed" (`false`/`null`: orgtrail never
//! switches a protection off). Each setting gets a note saying what was found, which
//! `orgtrail-render::spec_yaml` writes beside it.

use std::collections::BTreeMap;

use orgtrail_spec::{AccessLogging, Bucket, Encryption, EncryptionType, Lifecycle, Ownership};

use crate::coverage::protection as cov;
use crate::model::{BucketProtection, BucketState, LifecycleRule, RETENTION_RULE};
use crate::policy;

/// Per spec field (`public_access_block`, ...): what import found.
pub type Notes = BTreeMap<String, String>;

/// Around the bucket: the partition, the account that owns it, and where the trail writes
/// (`[prefix/]AWSLogs/`).
pub(super) struct Around<'a> {
    pub partition: &'a str,
    pub owner: &'a str,
    pub logs: &'a [String],
}

/// Manage in `b` what `live`'s protection has on, and say per setting what was found.
pub(super) fn manage(b: &mut Bucket, live: &BucketState, at: &Around) -> Notes {
    let mut notes = Notes::new();
    let Some(p) = &live.protection else {
        return notes;
    };
    let mut note = |k: &str, v: String| {
        notes.insert(k.to_string(), v);
    };
    b.public_access_block = p.public_access_blocked;
    note(
        "public_access_block",
        if p.public_access_blocked {
            "read: all four settings block public access".into()
        } else {
            "read: not all four settings on; false leaves them as they are".into()
        },
    );
    b.ownership = p.ownership.as_deref().and_then(Ownership::parse);
    note(
        "ownership",
        match (&p.ownership, b.ownership) {
            (Some(o), Some(Ownership::BucketOwnerEnforced)) => format!("read: {o} (ACLs disabled)"),
            (Some(o), Some(_)) => format!("read: {o}"),
            _ => "read: no ownership controls; null leaves them as they are".into(),
        },
    );
    let (enc, why) = encryption(p);
    b.encryption = enc;
    note("encryption", why);
    b.versioning = p.versioning.as_deref() == Some("Enabled");
    note(
        "versioning",
        match p.versioning.as_deref() {
            Some("Enabled") => "read: Enabled".into(),
            Some(s) => format!("read: {s}; false leaves it so"),
            None => "read: never enabled; false leaves it off".into(),
        },
    );
    let (l, why) = lifecycle(p, at.logs);
    b.lifecycle = l;
    note("lifecycle", why);
    let (lock, why) = object_lock(p, b);
    b.object_lock = lock;
    note("object_lock", why);
    let (logging, why) = access_logging(p, live, at);
    b.access_logging = logging;
    note("access_logging", why);
    let (tls, why) = require_tls(live, at.partition);
    b.require_tls = tls;
    note("require_tls", why);
    notes
}

/// Default encryption as the spec states it (S3 has encrypted every bucket with SSE-S3 by
/// default since January 2023: "Amazon S3 now automatically encrypts all new objects", Amazon
/// S3 user guide, "Setting default server-side encryption behavior").
fn encryption(p: &BucketProtection) -> (Option<Encryption>, String) {
    match p.encryption.as_deref() {
        Some(a) if a.starts_with("aws:kms") => {
            let key = if p.bucket_key { "on" } else { "off" };
            (
                Some(Encryption {
                    kind: EncryptionType::SseKms,
                    bucket_key: p.bucket_key,
                }),
                format!("read: {a}, S3 Bucket Key {key}"),
            )
        }
        Some(a) => (
            Some(Encryption {
                kind: EncryptionType::SseS3,
                bucket_key: false,
            }),
            format!("read: {a} (SSE-S3)"),
        ),
        None => (
            None,
            "read: no default encryption; null means SSE-S3, which the next plan sets".into(),
        ),
    }
}

fn days(rules: &[&LifecycleRule]) -> String {
    rules
        .iter()
        .map(|r| {
            let current = r.expire_days.map(|d| format!("after {d} days"));
            let noncurrent = r
                .noncurrent_expire_days
                .map(|d| format!("noncurrent versions after {d} days"));
            let when: Vec<String> = current.into_iter().chain(noncurrent).collect();
            format!("`{}` ({})", r.id, when.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The retention the bucket really has (orgtrail's rule and every other enabled rule that can
/// delete log files, whichever deletes first) as `lifecycle`: the plan then neither rewrites
/// orgtrail's rule nor removes another's (`plan/protection.rs`, `retention`).
fn lifecycle(p: &BucketProtection, logs: &[String]) -> (Option<Lifecycle>, String) {
    let deleting: Vec<&LifecycleRule> = p
        .other_lifecycle_rules
        .iter()
        .filter(|r| r.expire_days.is_some() || r.noncurrent_expire_days.is_some())
        .filter(|r| cov::rule_touches_logs(r, logs))
        .collect();
    let foreign: Vec<LifecycleRule> = p
        .other_lifecycle_rules
        .iter()
        .filter(|r| r.id != RETENTION_RULE)
        .cloned()
        .collect();
    let Some(e) = cov::effective_retention(p.retention, &foreign, logs) else {
        return (
            None,
            "read: no enabled rule deletes log files; null keeps them forever".into(),
        );
    };
    let valid = |d: u32| (1..=36_500).contains(&d);
    let archive = p.retention.and_then(|l| l.archive_after_days);
    if !valid(e.expire_days)
        || e.noncurrent_expire_days.is_some_and(|d| !valid(d))
        || archive.is_some_and(|a| a >= e.expire_days)
    {
        return (
            None,
            format!(
                "read: {} delete log files in a way a spec cannot state (a date, or noncurrent versions only); the next plan removes them unless lifecycle keeps them",
                days(&deleting)
            ),
        );
    }
    let own = if p.retention.is_some() {
        format!(" (orgtrail's `{RETENTION_RULE}` among them)")
    } else {
        String::new()
    };
    let first = if deleting.len() > 1 {
        "; whichever deletes first"
    } else {
        ""
    };
    (
        Some(Lifecycle {
            expire_days: e.expire_days,
            noncurrent_expire_days: e.noncurrent_expire_days,
            archive_after_days: archive,
        }),
        format!("read: {}{own}{first}", days(&deleting)),
    )
}

/// Object Lock's default retention, unless the spec could not state it beside the rest (S3
/// needs versioning for it; a lock longer than the retention is a spec error).
fn object_lock(p: &BucketProtection, b: &Bucket) -> (Option<orgtrail_spec::ObjectLock>, String) {
    let Some(l) = p.object_lock else {
        return (None, "read: no default retention".into());
    };
    let found = format!("read: {} for {} days", l.mode.as_str(), l.days);
    if !b.versioning || b.lifecycle.is_some_and(|r| r.expire_days < l.days) {
        return (
            None,
            format!(
                "{found}, beside a shorter retention or without versioning, which a spec cannot state; null leaves the lock as it is"
            ),
        );
    }
    (Some(l), found)
}

/// Access logging, managed when the next plan would change nothing for it: the target exists,
/// uses no Object Lock and its policy already lets S3 deliver (the statement orgtrail keeps
/// there); otherwise it is left as it is.
fn access_logging(
    p: &BucketProtection,
    live: &BucketState,
    at: &Around,
) -> (Option<AccessLogging>, String) {
    let Some((target, prefix)) = &p.logging else {
        return (None, "read: off".into());
    };
    let found = format!("read: into `{target}`");
    let statement = policy::access_logging(
        at.partition,
        target,
        prefix.as_deref(),
        &live.name,
        at.owner,
    );
    let ready = live.logging_target.as_ref().is_some_and(|t| {
        t.name == *target
            && t.exists
            && !t.object_lock
            && matches!(
                policy::ensure(target, t.policy.as_deref(), &statement),
                Ok(None)
            )
    });
    if !ready {
        return (
            None,
            format!(
                "{found}, whose policy lacks the statement orgtrail keeps there (or it is missing or locked); null leaves the logging as it is"
            ),
        );
    }
    let logging = AccessLogging {
        target_bucket: target.clone(),
        prefix: prefix.clone(),
    };
    (Some(logging), found)
}

/// The TLS-only statement: managed when the policy has one meaning what orgtrail's means.
fn require_tls(live: &BucketState, partition: &str) -> (bool, String) {
    let Some(text) = live.policy.as_deref() else {
        return (false, "read: no bucket policy; false adds none".into());
    };
    let ours = policy::require_tls(partition, &live.name);
    if matches!(policy::ensure(&live.name, Some(text), &ours), Ok(None)) {
        return (
            true,
            "read: the policy denies every request without TLS".into(),
        );
    }
    let other = text.contains("aws:SecureTransport") || text.contains("s3:TlsVersion");
    if other {
        return (
            false,
            "read: a TLS condition unlike orgtrail's statement; false leaves it, true adds orgtrail's beside it".into(),
        );
    }
    (false, "read: no TLS-only statement; false adds none".into())
}
