//! Eventual consistency, as a test asks for it: for `delay` after a write that CloudTrail
//! depends on (trusted access enabled, a bucket policy or a key policy written), CloudTrail
//! still sees the value from before the write, and a read of the written resource returns it
//! too (deterministically: the worst case AWS allows). With `delay` zero (the default) nothing
//! is delayed.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The value a resource had before a write, visible until `until`.
#[derive(Debug, Clone)]
struct Window<T> {
    until: Instant,
    previous: T,
}

#[derive(Debug, Default)]
pub struct Consistency {
    pub delay: Duration,
    /// Whether CloudTrail was trusted before, by management account.
    trusted: HashMap<String, Window<bool>>,
    /// Bucket policy before the write, by bucket.
    bucket_policies: HashMap<String, Window<Option<String>>>,
    /// Key policy before the write, by key ARN.
    key_policies: HashMap<String, Window<Option<String>>>,
}

fn open<T: Clone>(w: Option<&Window<T>>) -> Option<T> {
    w.filter(|w| Instant::now() < w.until)
        .map(|w| w.previous.clone())
}

impl Consistency {
    /// Whether writes open windows at all.
    pub fn delaying(&self) -> bool {
        !self.delay.is_zero()
    }

    fn window<T>(&self, previous: T) -> Window<T> {
        Window {
            until: Instant::now() + self.delay,
            previous,
        }
    }

    /// A write just succeeded; keep the value from before it visible for `delay` (an earlier
    /// window still open keeps its older value: AWS has not caught up with that one either).
    pub fn trusted_written(&mut self, management: &str, previous: bool) {
        let previous = self.stale_trusted(management).unwrap_or(previous);
        let w = self.window(previous);
        self.trusted.insert(management.to_string(), w);
    }

    pub fn bucket_policy_written(&mut self, bucket: &str, previous: Option<String>) {
        let previous = self.stale_bucket_policy(bucket).unwrap_or(previous);
        let w = self.window(previous);
        self.bucket_policies.insert(bucket.to_string(), w);
    }

    pub fn key_policy_written(&mut self, key_arn: &str, previous: Option<String>) {
        let previous = self.stale_key_policy(key_arn).unwrap_or(previous);
        let w = self.window(previous);
        self.key_policies.insert(key_arn.to_string(), w);
    }

    /// The trusted-access state AWS still shows, while a window is open.
    pub fn stale_trusted(&self, management: &str) -> Option<bool> {
        open(self.trusted.get(management))
    }

    pub fn stale_bucket_policy(&self, bucket: &str) -> Option<Option<String>> {
        open(self.bucket_policies.get(bucket))
    }

    pub fn stale_key_policy(&self, key_arn: &str) -> Option<Option<String>> {
        open(self.key_policies.get(key_arn))
    }

    pub fn forget(&mut self) {
        self.trusted.clear();
        self.bucket_policies.clear();
        self.key_policies.clear();
    }
}
