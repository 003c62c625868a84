//! Changes to delivered objects, made as the bucket account straight in moto, each one a way the
//! CLI's validator tells a log or digest file was tampered with.

use serde_json::{Value, json};

use super::digest;
use super::keys;
use super::store::{Object, Store};

fn other(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn read_json(store: &Store, key: &str) -> std::io::Result<(Object, Value)> {
    let o = store.get(key)?;
    let raw = digest::gunzip(&o.body)?;
    let v = serde_json::from_slice(&raw).map_err(other)?;
    Ok((o, v))
}

/// Change one record of a log file (its eventName), re-gzip, keep the metadata: "hash value
/// doesn't match".
pub fn modify_log(store: &Store, key: &str) -> std::io::Result<()> {
    let (mut o, mut v) = read_json(store, key)?;
    v["Records"][0]["eventName"] = json!("DeleteTrail");
    o.body = digest::gzip(&serde_json::to_vec(&v).map_err(other)?);
    store.put(&o)
}

/// Delete an object: "not found".
pub fn delete(store: &Store, key: &str) -> std::io::Result<()> {
    store.delete(key)
}

/// Change a field inside a digest (its newestEventTime, or its start time when it lists no
/// log), re-gzip, keep the old signature: "signature verification failed".
pub fn modify_digest(store: &Store, key: &str) -> std::io::Result<()> {
    let (mut o, mut v) = read_json(store, key)?;
    if v["newestEventTime"].is_string() {
        v["newestEventTime"] = json!("2001-01-01T00:00:00Z");
    } else {
        v["awsAccountId"] = json!("000000000000");
    }
    o.body = digest::gzip(v.to_string().as_bytes());
    store.put(&o)
}

/// Append bytes after the gzip member: for a log file "unexpected data after end of
/// compressed stream".
pub fn append_after_gzip(store: &Store, key: &str) -> std::io::Result<()> {
    let mut o = store.get(key)?;
    o.body.extend_from_slice(b"orgtrail-appended-bytes");
    store.put(&o)
}

/// Re-sign a digest with a key never registered (its fingerprint in
/// digestPublicKeyFingerprint): "public key not found".
pub fn resign_with_unknown_key(store: &Store, digest_key: &str) -> std::io::Result<()> {
    let (mut o, mut v) = read_json(store, digest_key)?;
    let unknown = keys::key("unregistered", u8::MAX);
    v["digestPublicKeyFingerprint"] = json!(unknown.fingerprint);
    let signed = digest::sign(&v, &unknown);
    o.body = digest::gzip(&signed.raw);
    o.metadata
        .retain(|(k, _)| k != "signature" && k != "signature-algorithm");
    o.metadata.extend(signed.metadata);
    store.put(&o)
}

/// Copy a digest to another key with the same content and metadata, delete the original: "has
/// been moved from its original location" (and the original "not found").
pub fn move_digest(store: &Store, from_key: &str, to_key: &str) -> std::io::Result<()> {
    let mut o = store.get(from_key)?;
    o.key = to_key.to_string();
    store.put(&o)?;
    store.delete(from_key)
}
