//! Staleness of a saved plan: per-read hashes of the live state and a hash of the spec files,
//! and the words that say which read changed.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::model::{Plan, SpecInput};
use crate::model::LiveState;
use crate::model::hex::{hex, sha256_hex};

/// Per-read hashes of the live state (health excluded: it changes on its own). Keys name the
/// read with what makes it unique (bucket and region, trail ARN, home region, key and trail),
/// so specs sharing a bucket or a region never overwrite each other's entries.
pub fn live_components(specs: &[SpecInput], live: &LiveState) -> BTreeMap<String, String> {
    fn h<T: serde::Serialize>(v: &T) -> String {
        sha256_hex(serde_json::to_string(v).unwrap_or_default().as_bytes())
    }
    let mut out = BTreeMap::new();
    out.insert("caller identity".to_string(), h(&live.caller));
    out.insert("organization".to_string(), h(&live.organization));
    for (s, t) in specs.iter().zip(&live.trails) {
        let (trail, region) = (&s.spec.trail, s.spec.bucket_region());
        out.insert(
            format!("bucket `{}` in {region}", t.bucket.name),
            h(&t.bucket),
        );
        if let Some(live_trail) = &t.trail {
            out.insert(format!("trail `{}`", live_trail.arn), h(&t.trail));
        }
        out.insert(
            // Each spec's list leaves its own trail out, so the key names the trail too.
            format!("trails beside `{}` in {}", trail.name, trail.home_region),
            h(&t.other_trails),
        );
        if let Some(k) = &t.kms {
            let key = trail.kms_key_id.as_deref().unwrap_or_default();
            out.insert(
                format!(
                    "KMS key `{key}` of trail `{}` in {}",
                    trail.name, trail.home_region
                ),
                h(k),
            );
        }
    }
    out
}

/// How a fresh plan's steps differ from the reviewed ones, in words (empty: the same calls).
/// Only what apply executes is compared: kind, target and the exact call.
pub fn steps_differ(saved: &Plan, fresh: &Plan) -> Vec<String> {
    let key = |s: &crate::plan::Step| {
        let call = serde_json::to_string(&s.action).unwrap_or_default();
        format!("{} {} {call}", s.kind.as_str(), s.target)
    };
    let (a, b): (Vec<String>, Vec<String>) = (
        saved.steps.iter().map(key).collect(),
        fresh.steps.iter().map(key).collect(),
    );
    let only = |plan: &Plan, keys: &[String], other: &[String], what: &str| -> Vec<String> {
        plan.steps
            .iter()
            .zip(keys)
            .filter(|(_, k)| !other.contains(k))
            .map(|(s, _)| format!("step `{} {}` {what}", s.kind.as_str(), s.target))
            .collect()
    };
    let mut out = only(
        saved,
        &a,
        &b,
        "was reviewed but would not run now, or would send a different call",
    );
    out.extend(only(fresh, &b, &a, "would run now but was not reviewed"));
    if out.is_empty() && a != b {
        out.push("the same steps would run in a different order".into());
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
