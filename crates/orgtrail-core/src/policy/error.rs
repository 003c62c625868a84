//! Why a bucket policy cannot be used or written, and reading one as an IAM document.

use crate::iam::{DocError, PolicyDoc, parse_document};

/// Why a policy could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The live policy cannot be read: `problem` says what it is not, `fix` what to do.
    #[error("bucket policy of `{bucket}` is {problem} ({detail}); {fix}, then run plan again")]
    Unreadable {
        bucket: String,
        problem: &'static str,
        detail: String,
        fix: &'static str,
    },
    #[error(
        "bucket policy of `{bucket}` has an Allow statement{sid} for `\"Principal\": \"*\"` without a condition: the organization's logs would be public; remove or restrict that statement first"
    )]
    PublicAllow { bucket: String, sid: String },
    #[error(
        "the merged bucket policy of `{bucket}` would be {size} bytes; S3 allows at most {MAX_POLICY_BYTES} bytes per bucket policy; remove statements that are no longer needed, or give trails their own buckets"
    )]
    TooLarge { bucket: String, size: usize },
}

/// S3's limit on a bucket policy's size (Amazon S3 user guide, "Bucket policies": 20 KB).
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

/// Parse the policy of `bucket`; errors name the bucket and the fix.
pub fn parse_policy(bucket: &str, text: &str) -> Result<PolicyDoc, PolicyError> {
    parse_document(text).map_err(|e| match e {
        DocError::InvalidJson(detail) => PolicyError::unreadable(bucket, detail, false),
        DocError::NotAPolicy(detail) => PolicyError::unreadable(bucket, detail, true),
    })
}

impl PolicyError {
    /// A policy that is not valid JSON, or (`json`) JSON that is not a policy document.
    pub fn unreadable(bucket: &str, detail: String, json: bool) -> PolicyError {
        let (problem, fix) = if json {
            ("not an IAM policy document", "fix it in S3")
        } else {
            ("not valid JSON", "fix or delete it in S3")
        };
        PolicyError::Unreadable {
            bucket: bucket.to_string(),
            problem,
            detail,
            fix,
        }
    }
}
