//! The statements orgtrail derives for a bucket: CloudTrail's three grants per trail (each
//! scoped with `aws:SourceArn`), the TLS-only Deny, and S3 server access logging's grant.

use serde_json::{Value, json};

use crate::model::{CLOUDTRAIL_SERVICE, TrailRef};

/// A required statement, with what it is for (used in messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Required {
    pub statement: Value,
    pub purpose: String,
}

/// A Sid unique to this trail and statement: alphanumeric (what IAM accepts everywhere),
/// readable, and stable across runs. S3 answers MalformedPolicy to a policy whose Sids repeat,
/// so two trails sharing a bucket must never derive the same Sid.
fn sid(kind: &str, t: &TrailRef) -> String {
    use sha2::{Digest, Sha256};
    let name: String = t
        .trail_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(40)
        .collect();
    let hash = Sha256::digest(t.trail_arn().as_bytes());
    let short = crate::model::hex::hex(&hash[..4]);
    format!("{kind}{name}{short}")
}

/// A CloudTrail grant: one action on one resource, under `condition`.
fn grant(sid: String, action: &str, resource: String, condition: Value) -> Value {
    json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": CLOUDTRAIL_SERVICE},
        "Action": action,
        "Resource": resource,
        "Condition": condition,
    })
}

/// The three statements AWS documents for an organization trail, each conditioned on
/// `aws:SourceArn` of this trail (confused-deputy protection).
pub fn required_statements(t: &TrailRef) -> Vec<Required> {
    let source = json!({"StringEquals": {"aws:SourceArn": t.trail_arn()}});
    let write_cond = json!({"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": t.trail_arn()}});
    let write = |kind: &str, id: &str| Required {
        statement: grant(
            sid(kind, t),
            "s3:PutObject",
            t.logs_arn(id),
            write_cond.clone(),
        ),
        purpose: format!("lets CloudTrail write `{}`", t.logs_path(id)),
    };
    vec![
        Required {
            statement: grant(
                sid("CloudTrailAclCheck", t),
                "s3:GetBucketAcl",
                t.bucket_arn(),
                source,
            ),
            purpose: format!("lets CloudTrail check the ACL of `{}`", t.bucket),
        },
        write("CloudTrailWrite", &t.account),
        write("CloudTrailOrgWrite", &t.org_id),
    ]
}

/// The statement that denies every request to the bucket made without TLS (Amazon S3 user
/// guide, "Enforce encryption in transit": `aws:SecureTransport` false). CloudTrail delivers over
/// TLS, so it never denies a delivery.
pub fn require_tls(partition: &str, bucket: &str) -> Required {
    let arn = format!("arn:{partition}:s3:::{bucket}");
    Required {
        statement: json!({
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn.clone(), format!("{arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }),
        purpose: format!("denies requests to `{bucket}` made without TLS"),
    }
}

/// The statement that lets S3 server access logging write into `target` for `source` (Amazon
/// S3 user guide, "Permissions for log delivery"), scoped to the source bucket and account.
pub fn access_logging(
    partition: &str,
    target: &str,
    prefix: Option<&str>,
    source: &str,
    account: &str,
) -> Required {
    let resource = format!("arn:{partition}:s3:::{target}/{}*", prefix.unwrap_or(""));
    Required {
        statement: json!({
            "Sid": "S3ServerAccessLogsPolicy",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": resource,
            "Condition": {
                "ArnLike": {"aws:SourceArn": format!("arn:{partition}:s3:::{source}")},
                "StringEquals": {"aws:SourceAccount": account},
            },
        }),
        purpose: format!("lets S3 write the access logs of `{source}` into `{target}`"),
    }
}
