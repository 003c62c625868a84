//! One digest file judged as the AWS CLI's `validate-logs` judges it (aws-cli
//! `awscli/customizations/cloudtrail/validation.py`; "Custom implementations of CloudTrail log
//! file integrity validation", AWS CloudTrail user guide): one gzip member of JSON with the
//! required fields, found where its `digestS3Bucket`/`digestS3Object` say it was delivered,
//! signed (object metadata `signature`, hex, `signature-algorithm` SHA256withRSA) with the
//! region's key named by `digestPublicKeyFingerprint` over
//! `digestEndTime\n<bucket>/<key>\nhex(SHA-256(uncompressed digest))\n<previousDigestSignature|null>`
//! with RSA PKCS#1 v1.5 and SHA-256.

use std::io::Read;

use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::time::parse_rfc3339;

/// Digests larger than this are not read (real ones are a few kilobytes; one log entry is about
/// 300 bytes, and a digest covers one hour of one account and region).
pub const MAX_DIGEST_BYTES: u64 = 64 * 1024 * 1024;

/// A digest object as read from S3.
#[derive(Debug, Clone)]
pub struct Fetched<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    /// The object's bytes (gzip).
    pub body: &'a [u8],
    /// User metadata `signature` and `signature-algorithm`.
    pub signature: Option<&'a str>,
    pub algorithm: Option<&'a str>,
}

/// A log file a digest vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub bucket: String,
    pub key: String,
    /// Hex SHA-256 of the uncompressed log.
    pub hash: String,
}

/// A digest whose format and place are right (its signature not yet checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub start: i64,
    pub end: i64,
    end_text: String,
    pub bucket: String,
    pub key: String,
    pub fingerprint: String,
    pub previous_bucket: Option<String>,
    pub previous_key: Option<String>,
    previous_signature: Option<String>,
    pub logs: Vec<LogEntry>,
    /// Hex SHA-256 of the uncompressed digest.
    sha256: String,
    signature: String,
}

/// Why a digest is not valid evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestProblem {
    /// Not one gzip member of JSON with the required fields, or no signature metadata.
    Format(String),
    /// Its fields name another place than where it was found (copied or moved).
    Moved { bucket: String, key: String },
    /// No public key of the region has its fingerprint.
    UnknownKey(String),
    /// The signature does not verify: the digest (or its chain) was changed.
    Signature,
    /// Listed, then not found when read: deleted while verify ran (or expired by a lifecycle
    /// rule).
    Gone,
}

impl DigestProblem {
    pub fn reason(&self) -> String {
        match self {
            DigestProblem::Format(why) => format!("invalid format: {why}"),
            DigestProblem::Moved { bucket, key } => {
                format!("moved: its fields say it was delivered to s3://{bucket}/{key}")
            }
            DigestProblem::UnknownKey(fp) => {
                format!("signed with key {fp}, which CloudTrail's ListPublicKeys does not return")
            }
            DigestProblem::Signature => "signature verification failed".to_string(),
            DigestProblem::Gone => "not found: deleted after it was listed".to_string(),
        }
    }
}

fn format_error(why: impl Into<String>) -> DigestProblem {
    DigestProblem::Format(why.into())
}

/// The first gzip member of `body`, uncompressed; bytes after it make the file invalid (the AWS
/// CLI ignores them in a digest but not in a log file; orgtrail is strict for both).
pub fn gunzip_one_member(body: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let mut rest = body;
    let mut out = Vec::new();
    {
        let mut dec = flate2::bufread::GzDecoder::new(&mut rest).take(limit + 1);
        dec.read_to_end(&mut out)
            .map_err(|e| format!("not gzip ({e})"))?;
    }
    if out.len() as u64 > limit {
        return Err(format!("larger than {limit} bytes uncompressed"));
    }
    if !rest.is_empty() {
        return Err(format!(
            "{} bytes after the end of the gzip member",
            rest.len()
        ));
    }
    Ok(out)
}

fn text(v: &Value, field: &str) -> Result<String, DigestProblem> {
    v.get(field)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format_error(format!("no `{field}`")))
}

fn optional(v: &Value, field: &str) -> Option<String> {
    v.get(field).and_then(Value::as_str).map(str::to_string)
}

fn instant(v: &Value, field: &str) -> Result<i64, DigestProblem> {
    let t = text(v, field)?;
    parse_rfc3339(&t).ok_or_else(|| format_error(format!("`{field}` is not a time: {t}")))
}

fn log_entries(v: &Value) -> Result<Vec<LogEntry>, DigestProblem> {
    let Some(list) = v.get("logFiles") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| format_error("`logFiles` is not a list"))?;
    list.iter()
        .map(|l| {
            Ok(LogEntry {
                bucket: text(l, "s3Bucket")?,
                key: text(l, "s3Object")?,
                hash: text(l, "hashValue")?.to_ascii_lowercase(),
            })
        })
        .collect()
}

/// Read a digest: format, required fields and place. The signature is [`Digest::verify`]'s.
pub fn read(f: &Fetched<'_>) -> Result<Digest, DigestProblem> {
    let raw = gunzip_one_member(f.body, MAX_DIGEST_BYTES).map_err(format_error)?;
    let v: Value =
        serde_json::from_slice(&raw).map_err(|e| format_error(format!("not JSON ({e})")))?;
    // `previousDigestSignature` must be present, null for the first digest of a chain.
    if v.get("previousDigestSignature").is_none() {
        return Err(format_error("no `previousDigestSignature`"));
    }
    let (Some(signature), Some(algorithm)) = (f.signature, f.algorithm) else {
        return Err(format_error("no signature in the object's metadata"));
    };
    if !algorithm.eq_ignore_ascii_case("SHA256withRSA") {
        return Err(format_error(format!("signature algorithm {algorithm}")));
    }
    let d = Digest {
        start: instant(&v, "digestStartTime")?,
        end: instant(&v, "digestEndTime")?,
        end_text: text(&v, "digestEndTime")?,
        bucket: text(&v, "digestS3Bucket")?,
        key: text(&v, "digestS3Object")?,
        fingerprint: text(&v, "digestPublicKeyFingerprint")?,
        previous_bucket: optional(&v, "previousDigestS3Bucket"),
        previous_key: optional(&v, "previousDigestS3Object"),
        previous_signature: optional(&v, "previousDigestSignature"),
        logs: log_entries(&v)?,
        sha256: hex(&Sha256::digest(&raw)),
        signature: signature.to_string(),
    };
    if d.bucket != f.bucket || d.key != f.key {
        return Err(DigestProblem::Moved {
            bucket: d.bucket,
            key: d.key,
        });
    }
    Ok(d)
}

impl Digest {
    /// The string CloudTrail signs.
    pub fn signed_string(&self) -> String {
        format!(
            "{}\n{}/{}\n{}\n{}",
            self.end_text,
            self.bucket,
            self.key,
            self.sha256,
            self.previous_signature.as_deref().unwrap_or("null")
        )
    }

    /// Check the signature with the public key (DER PKCS#1) whose fingerprint the digest names.
    pub fn verify(&self, public_key_der: &[u8]) -> Result<(), DigestProblem> {
        let key = RsaPublicKey::from_pkcs1_der(public_key_der).map_err(|e| {
            format_error(format!(
                "public key {} is not PKCS#1 DER ({e})",
                self.fingerprint
            ))
        })?;
        let signature = unhex(&self.signature).ok_or(DigestProblem::Signature)?;
        let hashed = Sha256::digest(self.signed_string().as_bytes());
        key.verify(Pkcs1v15Sign::new::<Sha256>(), &hashed, &signature)
            .map_err(|_| DigestProblem::Signature)
    }
}

pub use crate::model::hex::hex;

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
#[path = "digest_tests.rs"]
mod tests;
