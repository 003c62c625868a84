//! The bucket's protection fields (`public_access_block`, `ownership`, `encryption`,
//! `versioning`, `lifecycle`, `object_lock`, `access_logging`, `require_tls`) -> [`Protection`],
//! with the rules S3 states (checked offline).

use super::cx::Cx;
use super::fields::Fields;
use crate::protection::{
    AccessLogging, Encryption, EncryptionType, Lifecycle, LockMode, ObjectLock, Ownership,
    Protection,
};
use crate::rules;

/// The bucket fields this module parses.
pub(super) const FIELDS: &[&str] = &[
    "public_access_block",
    "ownership",
    "encryption",
    "versioning",
    "lifecycle",
    "object_lock",
    "access_logging",
    "require_tls",
];

/// The spellings of `bucket.ownership`.
const OWNERSHIPS: &[(&str, Ownership)] = &[
    ("BucketOwnerEnforced", Ownership::BucketOwnerEnforced),
    ("BucketOwnerPreferred", Ownership::BucketOwnerPreferred),
    ("ObjectWriter", Ownership::ObjectWriter),
];

/// The spellings of `bucket.encryption.type`.
const ENCRYPTION_TYPES: &[(&str, EncryptionType)] = &[
    ("SSE-S3", EncryptionType::SseS3),
    ("SSE-KMS", EncryptionType::SseKms),
];

/// The spellings of `bucket.object_lock.mode`.
const LOCK_MODES: &[(&str, LockMode)] = &[
    ("GOVERNANCE", LockMode::Governance),
    ("COMPLIANCE", LockMode::Compliance),
];

/// The protection fields of `bucket` (named `bucket` when its name is valid), with the
/// cross-field rules.
pub(super) fn protection(cx: &mut Cx, f: &Fields, bucket: Option<&str>) -> Protection {
    let p = Protection {
        public_access_block: cx.bool_or(f, "public_access_block", true),
        ownership: ownership(cx, f),
        encryption: encryption(cx, f),
        versioning: cx.bool_or(f, "versioning", true),
        lifecycle: lifecycle(cx, f),
        object_lock: object_lock(cx, f),
        access_logging: access_logging(cx, f, bucket),
        require_tls: cx.bool_or(f, "require_tls", true),
    };
    if p.object_lock.is_some() && !p.versioning {
        cx.err(
            f.locate("versioning"),
            "bucket.versioning",
            "S3 Object Lock needs versioning",
            "set `versioning: true` (or remove `object_lock`)",
        );
    }
    if let (Some(l), Some(o)) = (p.lifecycle, p.object_lock)
        && l.expire_days < o.days
    {
        cx.err(
            f.locate("lifecycle"),
            "bucket.lifecycle.expire_days",
            format!(
                "log files are locked for {} days but expire after {}: S3 cannot delete them while locked",
                o.days, l.expire_days
            ),
            "make `expire_days` at least the lock's `days`",
        );
    }
    p
}

/// Absent: ACLs disabled (the secure default); `null`: not managed.
fn ownership(cx: &mut Cx, f: &Fields) -> Option<Ownership> {
    match f.map.get("ownership") {
        None => Some(Ownership::BucketOwnerEnforced),
        Some(n) if n.value.is_null() => None,
        Some(n) => cx.choice(n, "bucket.ownership", OWNERSHIPS),
    }
}

fn encryption(cx: &mut Cx, f: &Fields) -> Option<Encryption> {
    let e = cx.some_map(f, "encryption", &["type", "bucket_key"])?;
    let kind = cx.required_choice(&e, "type", ENCRYPTION_TYPES)?;
    let bucket_key = cx.bool_or(&e, "bucket_key", kind == EncryptionType::SseKms);
    if bucket_key && kind == EncryptionType::SseS3 {
        cx.err(
            e.at,
            "bucket.encryption.bucket_key",
            "an S3 Bucket Key only applies to SSE-KMS",
            "remove `bucket_key`, or use `type: SSE-KMS`",
        );
    }
    Some(Encryption { kind, bucket_key })
}

fn lifecycle(cx: &mut Cx, f: &Fields) -> Option<Lifecycle> {
    let l = cx.some_map(
        f,
        "lifecycle",
        &[
            "expire_days",
            "noncurrent_expire_days",
            "archive_after_days",
        ],
    )?;
    let Some(expire_days) = cx.days(&l, "expire_days") else {
        cx.err(
            l.at,
            "bucket.lifecycle.expire_days",
            "a retention rule needs `expire_days`: a rule that only expires noncurrent versions never deletes CloudTrail's log files",
            "add `expire_days: N` (e.g. 400), the age at which log files are deleted",
        );
        return None;
    };
    let noncurrent_expire_days = cx.days(&l, "noncurrent_expire_days");
    let archive_after_days = cx.days(&l, "archive_after_days");
    if archive_after_days.is_some_and(|a| a >= expire_days) {
        cx.err(
            l.at,
            "bucket.lifecycle.archive_after_days",
            "log files would expire before they are archived",
            "make `archive_after_days` smaller than `expire_days`, or remove it",
        );
    }
    Some(Lifecycle {
        expire_days,
        noncurrent_expire_days,
        archive_after_days,
    })
}

fn object_lock(cx: &mut Cx, f: &Fields) -> Option<ObjectLock> {
    let o = cx.some_map(f, "object_lock", &["mode", "days"])?;
    let mode = cx.required_choice(&o, "mode", LOCK_MODES)?;
    let Some(days) = cx.days(&o, "days") else {
        cx.err(
            o.at,
            "bucket.object_lock.days",
            "object lock needs a default retention in days",
            "add `days: N`",
        );
        return None;
    };
    Some(ObjectLock { mode, days })
}

fn access_logging(cx: &mut Cx, f: &Fields, bucket: Option<&str>) -> Option<AccessLogging> {
    let a = cx.some_map(f, "access_logging", &["target_bucket", "prefix"])?;
    let (target, at) = cx.req_string(&a, "target_bucket")?;
    cx.check(
        &at,
        "bucket.access_logging.target_bucket",
        rules::bucket_name(&target),
    );
    if Some(target.as_str()) == bucket {
        cx.err(
            &at,
            "bucket.access_logging.target_bucket",
            "a bucket cannot log its own accesses into itself (every log write would be logged again)",
            "send the access logs to another bucket",
        );
    }
    let prefix = cx.opt_string(&a, "prefix").map(|p| p.0);
    Some(AccessLogging {
        target_bucket: target,
        prefix,
    })
}
