//! Whether a KMS key policy lets CloudTrail encrypt a trail's log files with the key, evaluated
//! as IAM does (an Allow applies and no Deny does, conditions included) for the requests
//! CloudTrail makes on the key: `kms:GenerateDataKey` and `kms:DescribeKey` by
//! `cloudtrail.amazonaws.com`, with `aws:SourceArn` and the encryption context
//! `aws:cloudtrail:arn` set to the trail ARN (CloudTrail user guide, "Configure AWS KMS key
//! policies for CloudTrail": the "Allow CloudTrail to encrypt logs" and "Allow CloudTrail to
//! describe key" statements).

use crate::coverage::delivery::{self, Delivery};
use crate::policy;

/// Whether the key policy `text` of `key_arn` lets CloudTrail encrypt log files of `trail_arn`.
pub fn kms_policy_allows_cloudtrail(text: &str, key_arn: &str, trail_arn: &str) -> bool {
    let Ok(doc) = policy::parse_policy("", text) else {
        return false;
    };
    let Ok(statements) = doc
        .statements
        .iter()
        .map(policy::normalise_statement)
        .collect::<Result<Vec<_>, _>>()
    else {
        return false;
    };
    let request = |action: &'static str| Delivery {
        source_arn: trail_arn.to_string(),
        source_account: trail_arn.split(':').nth(4).unwrap_or_default().to_string(),
        action,
        resource: key_arn.to_string(),
        key: String::new(),
    };
    ["kms:generatedatakey", "kms:describekey"]
        .into_iter()
        .all(|a| delivery::allows(&statements, &request(a)))
}
