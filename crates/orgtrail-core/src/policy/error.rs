//! Why a bucket policy cannot be used or written, and reading one as an IAM document.

use crate::iam::{DocError, PolicyDoc, parse_document};

/// Why a policy could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "bucket policy of `{bucket}` is not valid JSON ({detail}); fix or delete it in S3, then run plan again"
    )]
    InvalidJson { bucket: String, detail: String },
    #[error(
        "bucket policy of `{bucket}` is not an IAM policy document ({detail}); fix it in S3, then run plan again"
    )]
    NotAPolicy { bucket: String, detail: String },
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
        DocError::InvalidJson(detail) => PolicyError::InvalidJson {
            bucket: bucket.to_string(),
            detail,
        },
        DocError::NotAPolicy(detail) => PolicyError::NotAPolicy {
            bucket: bucket.to_string(),
            detail,
        },
    })
}
