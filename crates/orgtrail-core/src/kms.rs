//! Whether a KMS key policy lets CloudTrail encrypt a trail's log files with the key, evaluated
//! as IAM does (an Allow applies and no Deny does, conditions included) for the requests
//! CloudTrail makes on the key: `kms:GenerateDataKey` and `kms:DescribeKey` by
//! `cloudtrail.amazonaws.com`, with `aws:SourceArn` and the encryption context
//! `aws:cloudtrail:arn` set to the trail ARN (CloudTrail user guide, "Configure AWS KMS key
//! policies for CloudTrail": the "Allow CloudTrail to encrypt logs" and "Allow CloudTrail to
//! describe key" statements).

use std::collections::BTreeMap;

use crate::iam::{self, Principal, Request};
use crate::model::CLOUDTRAIL_SERVICE;

/// The request CloudTrail makes on the key for trail `trail_arn`: the encryption context names
/// the trail on GenerateDataKey only (DescribeKey carries none).
fn request(action: &str, key_arn: &str, trail_arn: &str) -> Request {
    let account = trail_arn.split(':').nth(4).unwrap_or_default();
    let context = (action == "kms:generatedatakey").then(|| trail_arn.to_string());
    Request {
        principal: Principal::Service(CLOUDTRAIL_SERVICE.to_string()),
        action: action.to_string(),
        resource: key_arn.to_string(),
        context: BTreeMap::from([
            ("aws:sourcearn".to_string(), Some(trail_arn.to_string())),
            ("aws:sourceaccount".to_string(), Some(account.to_string())),
            ("aws:securetransport".to_string(), Some("true".to_string())),
            ("s3:x-amz-acl".to_string(), None),
            (
                "kms:encryptioncontext:aws:cloudtrail:arn".to_string(),
                context,
            ),
        ]),
        cautious: false,
    }
}

/// Whether the key policy `text` of `key_arn` lets CloudTrail encrypt log files of `trail_arn`.
pub fn kms_policy_allows_cloudtrail(text: &str, key_arn: &str, trail_arn: &str) -> bool {
    let Ok(doc) = iam::parse_document(text) else {
        return false;
    };
    let Ok(statements) = doc
        .statements
        .iter()
        .map(iam::normalise_statement)
        .collect::<Result<Vec<_>, _>>()
    else {
        return false;
    };
    ["kms:generatedatakey", "kms:describekey"]
        .into_iter()
        .all(|a| iam::evaluate(&statements, &request(a, key_arn, trail_arn)).is_allowed())
}
