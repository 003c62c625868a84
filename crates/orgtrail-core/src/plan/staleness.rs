//! Staleness of a saved plan: per-read hashes of the live state and a hash of the spec files,
//! and the words that say which read changed.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::model::{Plan, SpecInput};
use crate::live::LiveState;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Per-read hashes of the live state (health excluded: it changes on its own).
pub fn live_components(live: &LiveState) -> BTreeMap<String, String> {
    fn h<T: serde::Serialize>(v: &T) -> String {
        sha256_hex(serde_json::to_string(v).unwrap_or_default().as_bytes())
    }
    let mut out = BTreeMap::new();
    out.insert("caller identity".to_string(), h(&live.caller));
    out.insert("organization".to_string(), h(&live.organization));
    for t in &live.trails {
        out.insert(format!("bucket `{}`", t.bucket.name), h(&t.bucket));
        let name = t.trail.as_ref().map(|t| t.arn.clone()).unwrap_or_default();
        if !name.is_empty() {
            out.insert(format!("trail `{name}`"), h(&t.trail));
        }
        out.insert(
            format!("trails in the home region of `{}`", t.bucket.name),
            h(&t.other_trails),
        );
        if t.kms.is_some() {
            out.insert(format!("KMS key for `{}`", t.bucket.name), h(&t.kms));
        }
    }
    out
}

/// One hash over every per-read hash.
pub fn fingerprint(components: &BTreeMap<String, String>) -> String {
    let mut s = String::new();
    for (k, v) in components {
        s.push_str(k);
        s.push('=');
        s.push_str(v);
        s.push('\n');
    }
    sha256_hex(s.as_bytes())
}

pub fn spec_hash(specs: &[SpecInput]) -> String {
    let mut h = Sha256::new();
    for s in specs {
        h.update(s.path.as_bytes());
        h.update([0]);
        h.update(s.source);
        h.update([0]);
    }
    hex(&h.finalize())
}

/// What is different between a saved plan's reads and fresh ones, in words.
pub fn stale_reasons(
    saved: &Plan,
    fresh_components: &BTreeMap<String, String>,
    fresh_spec_hash: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    if saved.spec_hash != fresh_spec_hash {
        out.push("the spec files changed since the plan was made".to_string());
    }
    let keys: BTreeSet<&String> = saved
        .live_components
        .keys()
        .chain(fresh_components.keys())
        .collect();
    for k in keys {
        match (saved.live_components.get(k), fresh_components.get(k)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(_), Some(_)) => out.push(format!("{k} changed in AWS")),
            (Some(_), None) => out.push(format!("{k} no longer exists in AWS")),
            (None, Some(_)) => out.push(format!("{k} appeared in AWS")),
            (None, None) => {}
        }
    }
    out
}
