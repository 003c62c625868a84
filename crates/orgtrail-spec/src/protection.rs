//! The log bucket's protection (`bucket.public_access_block`, `ownership`, `encryption`,
//! `versioning`, `lifecycle`, `object_lock`, `access_logging`, `require_tls`): the types and
//! their secure defaults. `parse/protection.rs` reads them, with the rules AWS states.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// S3 Object Ownership. `BucketOwnerEnforced` disables ACLs (CloudTrail's
/// `bucket-owner-full-control` ACL is still accepted).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Ownership {
    BucketOwnerEnforced,
    BucketOwnerPreferred,
    ObjectWriter,
}

impl Ownership {
    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::BucketOwnerEnforced => "BucketOwnerEnforced",
            Ownership::BucketOwnerPreferred => "BucketOwnerPreferred",
            Ownership::ObjectWriter => "ObjectWriter",
        }
    }
    pub fn parse(s: &str) -> Option<Ownership> {
        [
            Ownership::BucketOwnerEnforced,
            Ownership::BucketOwnerPreferred,
            Ownership::ObjectWriter,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// Default encryption of the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Encryption {
    /// `SSE-S3` or `SSE-KMS` (SSE-KMS uses `trail.kms_key_id`).
    #[serde(rename = "type")]
    pub kind: EncryptionType,
    /// S3 Bucket Key (fewer KMS requests); only with SSE-KMS.
    #[serde(default)]
    pub bucket_key: bool,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum EncryptionType {
    #[serde(rename = "SSE-S3")]
    SseS3,
    #[serde(rename = "SSE-KMS")]
    SseKms,
}

/// Retention of the log files. `expire_days` expires **current** objects (a rule that only
/// expires noncurrent versions never deletes CloudTrail logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    pub expire_days: u32,
    #[serde(default)]
    pub noncurrent_expire_days: Option<u32>,
    /// Move log files to S3 Glacier Flexible Retrieval after this many days.
    #[serde(default)]
    pub archive_after_days: Option<u32>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum LockMode {
    #[serde(rename = "GOVERNANCE")]
    Governance,
    #[serde(rename = "COMPLIANCE")]
    Compliance,
}

impl LockMode {
    pub fn as_str(self) -> &'static str {
        match self {
            LockMode::Governance => "GOVERNANCE",
            LockMode::Compliance => "COMPLIANCE",
        }
    }
}

/// S3 Object Lock default retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectLock {
    pub mode: LockMode,
    pub days: u32,
}

/// S3 server access logging of the log bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessLogging {
    pub target_bucket: String,
    #[serde(default)]
    pub prefix: Option<String>,
}

/// The protection a spec asks for. `false`/`null` means "orgtrail does not manage it" (it
/// never switches a protection off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Protection {
    pub public_access_block: bool,
    pub ownership: Option<Ownership>,
    /// `None`: SSE-KMS with the trail's key (bucket key on) when it has one, else SSE-S3.
    pub encryption: Option<Encryption>,
    pub versioning: bool,
    pub lifecycle: Option<Lifecycle>,
    pub object_lock: Option<ObjectLock>,
    pub access_logging: Option<AccessLogging>,
    pub require_tls: bool,
}

impl Default for Protection {
    /// The secure defaults: public access blocked, ACLs disabled, default encryption,
    /// versioning, TLS only. Retention, object lock and access logging are choices.
    fn default() -> Self {
        Protection {
            public_access_block: true,
            ownership: Some(Ownership::BucketOwnerEnforced),
            encryption: None,
            versioning: true,
            lifecycle: None,
            object_lock: None,
            access_logging: None,
            require_tls: true,
        }
    }
}
