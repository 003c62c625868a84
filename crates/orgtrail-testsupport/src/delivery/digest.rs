//! What CloudTrail writes, byte for byte in form: log files (gzip JSON `{"Records": […]}`), digest
//! files ("CloudTrail digest file structure") and their signature ("Custom implementations of
//! CloudTrail log file integrity validation": SHA256withRSA over the digest's end time, its
//! location, the hash of its uncompressed bytes and the previous digest's signature).

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::keys::{SigningKey, hex};

/// `(year, month, day, hour, minute, second)` of a unix time (UTC).
pub fn civil(t: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        (secs % 3600 / 60) as u32,
        (secs % 60) as u32,
    )
}

/// `2015-08-17T15:01:31Z`.
pub fn iso(t: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `YYYY/MM/DD`.
pub fn ymd_path(t: i64) -> String {
    let (y, mo, d, ..) = civil(t);
    format!("{y:04}/{mo:02}/{d:02}")
}

/// `YYYYMMDDTHHMMSSZ`.
pub fn compact_seconds(t: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// `YYYYMMDDTHHMMZ`.
pub fn compact_minutes(t: i64) -> String {
    let (y, mo, d, h, mi, _) = civil(t);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}Z")
}

/// Parse `2015-08-17T15:01:31Z` (or with fractional seconds / `+00:00`), or unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // days-from-civil.
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + sec)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// One gzip member.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

pub fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

/// A stable number from some text (FNV-1a), for the deterministic variations.
pub fn stable(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// 16 alphanumerics, as the tail of a log file's name.
pub fn alphanumerics(seed: u64) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = seed;
    (0..16)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            A[(x >> 33) as usize % A.len()] as char
        })
        .collect()
}

const EVENTS: &[(&str, &str, bool)] = &[
    ("ec2.amazonaws.com", "DescribeInstances", true),
    ("s3.amazonaws.com", "ListBuckets", true),
    ("iam.amazonaws.com", "GetRole", true),
    ("sts.amazonaws.com", "AssumeRole", false),
    ("kms.amazonaws.com", "Decrypt", true),
    ("ec2.amazonaws.com", "CreateTags", false),
];

/// A log file's uncompressed JSON: one or two management events at `times`.
pub fn log_json(account: &str, region: &str, times: &[i64], seed: u64) -> Vec<u8> {
    let records: Vec<Value> = times
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let (source, name, read_only) = EVENTS[(seed as usize + i) % EVENTS.len()];
            let id = format!("{:016x}{:016x}", seed, seed.rotate_left(17) ^ i as u64);
            json!({
                "eventVersion": "1.09",
                "userIdentity": {
                    "type": "AssumedRole",
                    "principalId": "AROAORGTRAILSIMULATED:session",
                    "arn": format!("arn:aws:sts::{account}:assumed-role/Operator/session"),
                    "accountId": account,
                    "accessKeyId": "ASIAORGTRAILSIMULATE"
                },
                "eventTime": iso(*t),
                "eventSource": source,
                "eventName": name,
                "awsRegion": region,
                "sourceIPAddress": "192.0.2.10",
                "userAgent": "aws-cli/2.15.0",
                "requestParameters": null,
                "responseElements": null,
                "requestID": format!("{}-{}-{}-{}-{}", &id[0..8], &id[8..12], &id[12..16], &id[16..20], &id[20..32]),
                "eventID": format!("{}-{}-{}-{}-{}", &id[1..9], &id[9..13], &id[13..17], &id[17..21], &id[21..32]),
                "readOnly": read_only,
                "eventType": "AwsApiCall",
                "managementEvent": true,
                "recipientAccountId": account,
                "eventCategory": "Management"
            })
        })
        .collect();
    json!({ "Records": records }).to_string().into_bytes()
}

/// A log file as a digest lists it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub bucket: String,
    pub key: String,
    /// SHA-256 of the uncompressed log, hex.
    pub hash: String,
    pub oldest: i64,
    pub newest: i64,
}

/// The link to the previous digest of a chain.
#[derive(Debug, Clone)]
pub struct Previous {
    pub bucket: String,
    pub key: String,
    /// SHA-256 of its uncompressed bytes, hex.
    pub hash: String,
    pub signature: String,
    pub end: i64,
}

pub struct DigestSpec<'a> {
    pub account: &'a str,
    pub bucket: &'a str,
    pub key: &'a str,
    pub start: i64,
    pub end: i64,
    pub logs: &'a [LogEntry],
    pub previous: Option<&'a Previous>,
}

/// The digest's JSON, in the field order of "CloudTrail digest file structure".
pub fn digest_json(s: &DigestSpec, fingerprint: &str) -> Value {
    let oldest = s.logs.iter().map(|l| l.oldest).min();
    let newest = s.logs.iter().map(|l| l.newest).max();
    let p = s.previous;
    json!({
        "awsAccountId": s.account,
        "digestStartTime": iso(s.start),
        "digestEndTime": iso(s.end),
        "digestS3Bucket": s.bucket,
        "digestS3Object": s.key,
        "digestPublicKeyFingerprint": fingerprint,
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": newest.map(iso),
        "oldestEventTime": oldest.map(iso),
        "previousDigestS3Bucket": p.map(|p| p.bucket.clone()),
        "previousDigestS3Object": p.map(|p| p.key.clone()),
        "previousDigestHashValue": p.map(|p| p.hash.clone()),
        "previousDigestHashAlgorithm": p.map(|_| "SHA-256"),
        "previousDigestSignature": p.map(|p| p.signature.clone()),
        "logFiles": s.logs.iter().map(|l| json!({
            "s3Bucket": l.bucket,
            "s3Object": l.key,
            "hashValue": l.hash,
            "hashAlgorithm": "SHA-256",
            "newestEventTime": iso(l.newest),
            "oldestEventTime": iso(l.oldest),
        })).collect::<Vec<_>>(),
    })
}

/// The string CloudTrail signs for a digest (uncompressed bytes `raw`).
pub fn string_to_sign(v: &Value, raw: &[u8]) -> String {
    let previous = v["previousDigestSignature"].as_str().unwrap_or("null");
    format!(
        "{}\n{}/{}\n{}\n{previous}",
        v["digestEndTime"].as_str().unwrap_or_default(),
        v["digestS3Bucket"].as_str().unwrap_or_default(),
        v["digestS3Object"].as_str().unwrap_or_default(),
        sha256_hex(raw)
    )
}

/// A signed digest: its uncompressed bytes, its signature (hex) and the object's metadata.
pub struct Signed {
    pub raw: Vec<u8>,
    pub signature: String,
    pub metadata: Vec<(String, String)>,
}

pub fn sign(v: &Value, key: &SigningKey) -> Signed {
    let raw = v.to_string().into_bytes();
    let signature = key.sign(string_to_sign(v, &raw).as_bytes());
    let metadata = vec![
        ("signature".to_string(), signature.clone()),
        (
            "signature-algorithm".to_string(),
            "SHA256withRSA".to_string(),
        ),
    ];
    Signed {
        raw,
        signature,
        metadata,
    }
}
