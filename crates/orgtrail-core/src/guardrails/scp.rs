//! The service control policy `orgtrail-protect-<trail>`: Deny, unless `aws:PrincipalArn` is
//! exempt (`ArnNotLike`), the calls that stop, narrow or erase the audit trail, each on exactly
//! the resource the spec manages (Stratus Red Team's `cloudtrail-stop`,
//! `cloudtrail-lifecycle-rule`, `cloudtrail-event-selectors`; Control Tower's
//! `AWS-GR_CLOUDTRAIL_CHANGE_PROHIBITED` and `AWS-GR_AUDIT_BUCKET_*` do the same by name).
//! SCPs bind the principals of member accounts only, never the management account's
//! ("Service control policies (SCPs)", AWS Organizations user guide).

use serde_json::{Value, json};

use super::Protected;

/// Calls that stop the trail or change what it records.
pub const TRAIL_ACTIONS: &[&str] = &[
    "cloudtrail:DeleteTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:PutInsightSelectors",
    "cloudtrail:RemoveTags",
    "cloudtrail:StopLogging",
    "cloudtrail:UpdateTrail",
];

/// Calls that delete the bucket or weaken what keeps its files (an ACL grant lets others
/// write or read where ownership controls do not disable ACLs).
pub const BUCKET_ACTIONS: &[&str] = &[
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketLogging",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
];

/// Calls that delete, overwrite or unlock log files: a forged file put over a delivered one
/// (versioning keeps the original only as a noncurrent version), an ACL on a file, a shorter
/// Object Lock retention, a lifted legal hold, a governance-mode bypass. CloudTrail writes as
/// its service principal, which SCPs never bind ("SCPs don't affect service principals"), so
/// denying PutObject to every member-account principal costs no delivery.
pub const OBJECT_ACTIONS: &[&str] = &[
    "s3:BypassGovernanceRetention",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
];

/// Calls that make the key unusable or change who may use it.
pub const KEY_ACTIONS: &[&str] = &[
    "kms:DisableKey",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
];

/// Calls that delete the log group, its streams (their events with them), or shorten how long
/// it keeps events.
pub const LOG_GROUP_ACTIONS: &[&str] = &[
    "logs:DeleteLogGroup",
    "logs:DeleteLogStream",
    "logs:DeleteRetentionPolicy",
    "logs:PutRetentionPolicy",
];

/// Calls that silence the alerts: the rules' pattern, state or targets changed, or deleted.
pub const ALERT_RULE_ACTIONS: &[&str] = &[
    "events:DeleteRule",
    "events:DisableRule",
    "events:PutRule",
    "events:PutTargets",
    "events:RemoveTargets",
];

/// Calls that silence the alerts at their topic.
pub const TOPIC_ACTIONS: &[&str] = &[
    "sns:DeleteTopic",
    "sns:RemovePermission",
    "sns:SetTopicAttributes",
];

/// The SCP for `p`, exempting `exempt` (role, user or root ARNs; `*` allowed).
pub fn document(p: &Protected, exempt: &[String]) -> Value {
    let mut statements = vec![
        deny(
            "ProtectTrail",
            TRAIL_ACTIONS,
            std::slice::from_ref(&p.trail_arn),
            exempt,
        ),
        deny(
            "ProtectLogBucket",
            BUCKET_ACTIONS,
            &[p.bucket_arn()],
            exempt,
        ),
        deny(
            "ProtectLogFiles",
            OBJECT_ACTIONS,
            &[p.log_objects_arn()],
            exempt,
        ),
    ];
    if let Some(key) = &p.key_arn {
        statements.push(deny(
            "ProtectLogKey",
            KEY_ACTIONS,
            std::slice::from_ref(key),
            exempt,
        ));
    }
    if let Some(group) = &p.log_group_arn {
        // Log group actions name the group with or without the `:*` of its streams.
        let both = [group.clone(), format!("{group}:*")];
        statements.push(deny("ProtectLogGroup", LOG_GROUP_ACTIONS, &both, exempt));
    }
    if let Some(topic) = &p.alert_topic_arn {
        statements.push(deny(
            "ProtectAlertTopic",
            TOPIC_ACTIONS,
            std::slice::from_ref(topic),
            exempt,
        ));
    }
    if let Some(rules) = &p.alert_rules_arn {
        statements.push(deny(
            "ProtectAlertRules",
            ALERT_RULE_ACTIONS,
            std::slice::from_ref(rules),
            exempt,
        ));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn deny(sid: &str, actions: &[&str], resources: &[String], exempt: &[String]) -> Value {
    json!({
        "Sid": sid,
        "Effect": "Deny",
        "Action": actions,
        "Resource": resources,
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": exempt}},
    })
}
