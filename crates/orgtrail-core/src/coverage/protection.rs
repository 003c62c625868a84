//! What weakening the log bucket's protection loses: each function compares one protection
//! `from` -> `to` (plan: live -> desired; drift: desired -> live), like the rest of the model.

use orgtrail_spec::{Lifecycle, LockMode, ObjectLock};

/// A protection that is on or off.
pub fn switch(what: &str, from: bool, to: bool) -> Vec<String> {
    if from && !to {
        vec![what.to_string()]
    } else {
        Vec::new()
    }
}

/// A bucket's default encryption, weakest first: what matters to the coverage model is only
/// whether a change goes down this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Encryption {
    None,
    SseS3,
    SseKms,
}

impl Encryption {
    /// From S3's SSEAlgorithm (`AES256`, `aws:kms`, `aws:kms:dsse`), `None` when there is none.
    pub fn of_algorithm(algorithm: Option<&str>) -> Encryption {
        match algorithm {
            None => Encryption::None,
            Some(a) if a.starts_with("aws:kms") => Encryption::SseKms,
            Some(_) => Encryption::SseS3,
        }
    }

    /// The name reviewers see; `None` when there is no default encryption.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Encryption::None => None,
            Encryption::SseS3 => Some("SSE-S3"),
            Encryption::SseKms => Some("SSE-KMS"),
        }
    }
}

/// Default encryption weakened.
pub fn encryption(from: Encryption, to: Encryption) -> Vec<String> {
    let name = |e: Encryption| e.label().unwrap_or("no default encryption");
    if to < from {
        vec![format!(
            "{} of the log files (new ones would get {})",
            name(from),
            name(to)
        )]
    } else {
        Vec::new()
    }
}

/// Retention: log files kept for a shorter time (or, from none, deleted at all) is a loss.
pub fn retention(from: Option<Lifecycle>, to: Option<Lifecycle>) -> Vec<String> {
    let kept = |l: Option<Lifecycle>| l.map_or(u32::MAX, |l| l.expire_days);
    let (a, b) = (kept(from), kept(to));
    if b >= a {
        return Vec::new();
    }
    let was = if a == u32::MAX {
        "without expiry".to_string()
    } else {
        format!("for {a} days")
    };
    vec![format!(
        "log files kept {was}: they would be deleted after {b} days"
    )]
}

/// Object Lock: removed, shorter, or COMPLIANCE relaxed to GOVERNANCE (which privileged users
/// may bypass) is a loss.
pub fn lock(from: Option<ObjectLock>, to: Option<ObjectLock>) -> Vec<String> {
    let Some(f) = from else { return Vec::new() };
    let describe = |l: ObjectLock| format!("{} lock of {} days", l.mode.as_str(), l.days);
    match to {
        None => vec![format!("the {} on new log files", describe(f))],
        Some(t)
            if t.days < f.days
                || (f.mode == LockMode::Compliance && t.mode == LockMode::Governance) =>
        {
            vec![format!(
                "the {} on new log files (it would be a {})",
                describe(f),
                describe(t)
            )]
        }
        Some(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(days: u32) -> Option<Lifecycle> {
        Some(Lifecycle {
            expire_days: days,
            noncurrent_expire_days: None,
            archive_after_days: None,
        })
    }

    fn lock_of(mode: LockMode, days: u32) -> Option<ObjectLock> {
        Some(ObjectLock { mode, days })
    }

    /// (behaviour, what it loses, loses something)
    #[test]
    fn weakening_a_protection_is_a_loss_and_strengthening_is_not() {
        use LockMode::{Compliance as C, Governance as G};
        let cases = [
            ("retention shortened", retention(keep(400), keep(90)), true),
            (
                "retention lengthened",
                retention(keep(90), keep(400)),
                false,
            ),
            (
                "expiry added to kept-forever logs",
                retention(None, keep(400)),
                true,
            ),
            ("expiry removed", retention(keep(400), None), false),
            ("lock removed", lock(lock_of(G, 365), None), true),
            (
                "lock shortened",
                lock(lock_of(G, 365), lock_of(G, 30)),
                true,
            ),
            (
                "compliance relaxed",
                lock(lock_of(C, 365), lock_of(G, 365)),
                true,
            ),
            ("lock added", lock(None, lock_of(G, 365)), false),
            (
                "encryption downgraded",
                encryption(Encryption::SseKms, Encryption::SseS3),
                true,
            ),
            (
                "encryption upgraded",
                encryption(Encryption::SseS3, Encryption::SseKms),
                false,
            ),
            (
                "versioning suspended",
                switch("versioning", true, false),
                true,
            ),
        ];
        for (name, lost, want) in cases {
            assert_eq!(!lost.is_empty(), want, "{name}");
        }
    }
}
