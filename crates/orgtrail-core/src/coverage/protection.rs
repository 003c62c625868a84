//! What weakening the log bucket's protection loses: each function compares one protection
//! `from` -> `to` (plan: live -> desired; drift: desired -> live), like the rest of the model.

use orgtrail_spec::{Lifecycle, LockMode, ObjectLock};

use crate::model::LifecycleRule;

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

/// How long something is kept, in words ("without expiry", "for 90 days").
fn kept_for(days: u32) -> String {
    if days == u32::MAX {
        "without expiry".to_string()
    } else {
        format!("for {days} days")
    }
}

/// Days current and noncurrent versions of log files are kept (`u32::MAX`: forever).
fn kept(l: Option<Lifecycle>) -> (u32, u32) {
    l.map_or((u32::MAX, u32::MAX), |l| {
        (l.expire_days, l.noncurrent_expire_days.unwrap_or(u32::MAX))
    })
}

/// Retention: log files kept for a shorter time (or, from none, deleted at all) is a loss, and
/// so are noncurrent versions kept for a shorter time: they are what survives an overwrite or a
/// delete.
pub fn retention(from: Option<Lifecycle>, to: Option<Lifecycle>) -> Vec<String> {
    let ((a, na), (b, nb)) = (kept(from), kept(to));
    let mut out = Vec::new();
    if b < a {
        out.push(format!(
            "log files kept {}: they would be deleted after {b} days",
            kept_for(a)
        ));
    }
    if nb < na {
        out.push(format!(
            "noncurrent versions of log files (what survives an overwrite or delete) kept {}: they would be deleted after {nb} days",
            kept_for(na)
        ));
    }
    out
}

/// Whether a lifecycle rule's filter can match a key under one of `log_prefixes`
/// (`[prefix/]AWSLogs/`): the two prefixes overlap. A tag or size condition narrows it, but
/// log files can carry tags and come in every size, so it still counts (see `LifecycleRule`).
pub fn rule_touches_logs(rule: &LifecycleRule, log_prefixes: &[String]) -> bool {
    log_prefixes
        .iter()
        .any(|l| l.starts_with(&rule.prefix) || rule.prefix.starts_with(l.as_str()))
}

/// What a lifecycle rule that is not orgtrail's deletes earlier than the spec keeps log files
/// (`keep`: the spec's retention; none keeps them forever).
pub fn foreign_rule(
    rule: &LifecycleRule,
    log_prefixes: &[String],
    keep: Option<Lifecycle>,
) -> Vec<String> {
    if !rule_touches_logs(rule, log_prefixes) {
        return Vec::new();
    }
    let (current, noncurrent) = kept(keep);
    let mut out = Vec::new();
    if let Some(d) = rule.expire_days.filter(|d| *d < current) {
        out.push(format!(
            "log files kept {}: lifecycle rule `{}` deletes them after {d} days",
            kept_for(current),
            rule.id
        ));
    }
    if let Some(d) = rule.noncurrent_expire_days.filter(|d| *d < noncurrent) {
        out.push(format!(
            "noncurrent versions of log files kept {}: lifecycle rule `{}` deletes them after {d} days",
            kept_for(noncurrent),
            rule.id
        ));
    }
    out
}

/// The retention the bucket really has: orgtrail's rule and every other rule that can delete
/// log files, whichever deletes first.
pub fn effective_retention(
    own: Option<Lifecycle>,
    others: &[LifecycleRule],
    log_prefixes: &[String],
) -> Option<Lifecycle> {
    let (mut current, mut noncurrent) = kept(own);
    for r in others.iter().filter(|r| rule_touches_logs(r, log_prefixes)) {
        current = current.min(r.expire_days.unwrap_or(u32::MAX));
        noncurrent = noncurrent.min(r.noncurrent_expire_days.unwrap_or(u32::MAX));
    }
    if current == u32::MAX && noncurrent == u32::MAX {
        return None;
    }
    Some(Lifecycle {
        expire_days: current,
        noncurrent_expire_days: (noncurrent != u32::MAX).then_some(noncurrent),
        archive_after_days: own.and_then(|l| l.archive_after_days),
    })
}

/// Object ownership away from BucketOwnerEnforced turns ACLs on again: a writer could own the
/// log files it puts and keep the bucket owner from reading them.
pub fn ownership(from: Option<&str>, to: Option<&str>) -> Vec<String> {
    let enforced = |o: Option<&str>| o == Some("BucketOwnerEnforced");
    switch(
        "ACLs disabled on the log bucket (BucketOwnerEnforced: the bucket owner owns every log file)",
        enforced(from),
        enforced(to),
    )
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
