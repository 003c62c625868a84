//! Parsing the bucket's protection fields, with the rules S3 states (checked offline).

use serde_saphyr::Spanned;

use crate::model::*;
use crate::parse::{Cx, Fields, Node, join};
use crate::rules;

/// The bucket fields this module parses.
pub(crate) const FIELDS: &[&str] = &[
    "public_access_block",
    "ownership",
    "encryption",
    "versioning",
    "lifecycle",
    "object_lock",
    "access_logging",
    "require_tls",
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

impl Cx {
    /// A whole number of days, 1 to 36,500 (S3 lifecycle and Object Lock limits are in days).
    fn days(&mut self, f: &Fields, key: &str) -> Option<u32> {
        let n = f.map.get(key).filter(|n| !matches!(n.value, Node::Null))?;
        match &n.value {
            Node::Int(v) if (1..=36_500).contains(v) => u32::try_from(*v).ok(),
            other => {
                self.err(
                    n,
                    &join(&f.path, key),
                    format!(
                        "expected a number of days from 1 to 36500, found {}",
                        match other {
                            Node::Int(v) => v.to_string(),
                            o => o.kind().to_string(),
                        }
                    ),
                    "write a whole number of days, e.g. `400`",
                );
                None
            }
        }
    }

    fn choice<T: Copy>(
        &mut self,
        n: &Spanned<Node>,
        path: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let s = self.string(n, path)?;
        if let Some((_, v)) = options.iter().find(|(name, _)| *name == s) {
            return Some(*v);
        }
        let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
        let help = match rules::did_you_mean(&s, &names) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("use one of: {}", names.join(", ")),
        };
        self.err(n, path, format!("unknown value `{s}`"), help);
        None
    }

    /// The required `key` of `f`, one of `options`.
    fn required_choice<T: Copy>(
        &mut self,
        f: &Fields,
        key: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let n = self.require(f, key)?;
        self.choice(n, &join(&f.path, key), options)
    }

    fn some_map<'a>(&mut self, f: &Fields<'a>, key: &str, allowed: &[&str]) -> Option<Fields<'a>> {
        let n = f.map.get(key).filter(|n| !matches!(n.value, Node::Null))?;
        self.fields(n, &join(&f.path, key), allowed)
    }

    fn ownership(&mut self, f: &Fields) -> Option<Ownership> {
        match f.map.get("ownership") {
            None => Some(Ownership::BucketOwnerEnforced),
            Some(n) if matches!(n.value, Node::Null) => None,
            Some(n) => self.choice(
                n,
                "bucket.ownership",
                &[
                    ("BucketOwnerEnforced", Ownership::BucketOwnerEnforced),
                    ("BucketOwnerPreferred", Ownership::BucketOwnerPreferred),
                    ("ObjectWriter", Ownership::ObjectWriter),
                ],
            ),
        }
    }

    fn encryption(&mut self, f: &Fields) -> Option<Encryption> {
        let e = self.some_map(f, "encryption", &["type", "bucket_key"])?;
        let kind = self.required_choice(&e, "type", ENCRYPTION_TYPES)?;
        let bucket_key = self.bool_or(&e, "bucket_key", kind == EncryptionType::SseKms);
        if bucket_key && kind == EncryptionType::SseS3 {
            self.err(
                e.at,
                "bucket.encryption.bucket_key",
                "an S3 Bucket Key only applies to SSE-KMS",
                "remove `bucket_key`, or use `type: SSE-KMS`",
            );
        }
        Some(Encryption { kind, bucket_key })
    }

    fn lifecycle(&mut self, f: &Fields) -> Option<Lifecycle> {
        let l = self.some_map(
            f,
            "lifecycle",
            &[
                "expire_days",
                "noncurrent_expire_days",
                "archive_after_days",
            ],
        )?;
        let Some(expire_days) = self.days(&l, "expire_days") else {
            self.err(
                l.at,
                "bucket.lifecycle.expire_days",
                "a retention rule needs `expire_days`: a rule that only expires noncurrent versions never deletes CloudTrail's log files",
                "add `expire_days: N` (e.g. 400), the age at which log files are deleted",
            );
            return None;
        };
        let noncurrent_expire_days = self.days(&l, "noncurrent_expire_days");
        let archive_after_days = self.days(&l, "archive_after_days");
        if archive_after_days.is_some_and(|a| a >= expire_days) {
            self.err(
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

    fn object_lock(&mut self, f: &Fields) -> Option<ObjectLock> {
        let o = self.some_map(f, "object_lock", &["mode", "days"])?;
        let mode = self.required_choice(&o, "mode", LOCK_MODES)?;
        let Some(days) = self.days(&o, "days") else {
            self.err(
                o.at,
                "bucket.object_lock.days",
                "object lock needs a default retention in days",
                "add `days: N`",
            );
            return None;
        };
        Some(ObjectLock { mode, days })
    }

    fn access_logging(&mut self, f: &Fields, bucket: Option<&str>) -> Option<AccessLogging> {
        let a = self.some_map(f, "access_logging", &["target_bucket", "prefix"])?;
        let (target, at) = self.req_string(&a, "target_bucket")?;
        self.check(
            &at,
            "bucket.access_logging.target_bucket",
            rules::bucket_name(&target),
        );
        if Some(target.as_str()) == bucket {
            self.err(&at, "bucket.access_logging.target_bucket", "a bucket cannot log its own accesses into itself (every log write would be logged again)", "send the access logs to another bucket");
        }
        let prefix = self.opt_string(&a, "prefix").map(|p| p.0);
        Some(AccessLogging {
            target_bucket: target,
            prefix,
        })
    }

    /// The protection fields of `bucket`, with the cross-field rules.
    pub(crate) fn protection(&mut self, f: &Fields, bucket: Option<&str>) -> Protection {
        let p = Protection {
            public_access_block: self.bool_or(f, "public_access_block", true),
            ownership: self.ownership(f),
            encryption: self.encryption(f),
            versioning: self.bool_or(f, "versioning", true),
            lifecycle: self.lifecycle(f),
            object_lock: self.object_lock(f),
            access_logging: self.access_logging(f, bucket),
            require_tls: self.bool_or(f, "require_tls", true),
        };
        if p.object_lock.is_some() && !p.versioning {
            let at = f.map.get("versioning").copied().unwrap_or(f.at);
            self.err(
                at,
                "bucket.versioning",
                "S3 Object Lock needs versioning",
                "set `versioning: true` (or remove `object_lock`)",
            );
        }
        if let (Some(l), Some(o)) = (p.lifecycle, p.object_lock)
            && l.expire_days < o.days
        {
            let at = f.map.get("lifecycle").copied().unwrap_or(f.at);
            self.err(at, "bucket.lifecycle.expire_days", format!("log files are locked for {} days but expire after {}: S3 cannot delete them while locked", o.days, l.expire_days), "make `expire_days` at least the lock's `days`");
        }
        p
    }
}
