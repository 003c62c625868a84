//! Guardrail alerts: an EventBridge rule `orgtrail-protect-<trail>` in each place where the
//! events on the spec's resources happen (the trail and its log group: the trail owner's home
//! region; the bucket: its account and region; the key: its account and region), matching the
//! "AWS API Call via CloudTrail" events of the calls the SCP denies, on exactly those resources,
//! allowed or denied (CloudTrail records denied calls with their `errorCode`). The organization
//! trail records every account, so it feeds every place's default bus.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::AlertPlace;

/// CloudTrail's event names of the trail calls the SCP denies (`requestParameters.name` or
/// `trailName`, the trail's name or ARN; `resourceId` for RemoveTags).
pub const TRAIL_EVENTS: &[&str] = &[
    "DeleteTrail",
    "PutEventSelectors",
    "PutInsightSelectors",
    "StopLogging",
    "UpdateTrail",
];

/// CloudTrail's event names of S3's bucket-configuration calls (they differ from the IAM
/// actions: s3:PutLifecycleConfiguration is recorded as `PutBucketLifecycle`), the deletes of
/// the same configurations included. Object deletions are data events: they reach EventBridge
/// only when a trail logs data events on the bucket, which the log bucket's own trail must not.
pub const BUCKET_EVENTS: &[&str] = &[
    "DeleteBucket",
    "DeleteBucketEncryption",
    "DeleteBucketLifecycle",
    "DeleteBucketOwnershipControls",
    "DeleteBucketPolicy",
    "DeleteBucketPublicAccessBlock",
    "PutBucketAcl",
    "PutBucketEncryption",
    "PutBucketLifecycle",
    "PutBucketLogging",
    "PutBucketOwnershipControls",
    "PutBucketPolicy",
    "PutBucketPublicAccessBlock",
    "PutBucketVersioning",
    "PutObjectLockConfiguration",
];

pub const KEY_EVENTS: &[&str] = &["DisableKey", "PutKeyPolicy", "ScheduleKeyDeletion"];

pub const LOG_GROUP_EVENTS: &[&str] = &[
    "DeleteLogGroup",
    "DeleteLogStream",
    "DeleteRetentionPolicy",
    "PutRetentionPolicy",
];

/// One watched resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Trail { name: String, arn: String },
    Bucket(String),
    Key(String),
    LogGroup(String),
}

impl Part {
    /// Words for a reviewer.
    pub fn describe(&self) -> String {
        match self {
            Part::Trail { arn, .. } => format!("trail {arn}"),
            Part::Bucket(b) => format!("bucket `{b}`"),
            Part::Key(k) => format!("key {k}"),
            Part::LogGroup(g) => format!("log group `{g}`"),
        }
    }

    /// The pattern alternatives matching changes to this resource.
    fn alternatives(&self) -> Vec<Value> {
        match self {
            Part::Trail { name, arn } => vec![
                json!({"eventSource": ["cloudtrail.amazonaws.com"], "eventName": TRAIL_EVENTS,
                       "requestParameters": {"name": [name, arn]}}),
                json!({"eventSource": ["cloudtrail.amazonaws.com"], "eventName": TRAIL_EVENTS,
                       "requestParameters": {"trailName": [name, arn]}}),
                json!({"eventSource": ["cloudtrail.amazonaws.com"], "eventName": ["RemoveTags"],
                       "requestParameters": {"resourceId": [arn]}}),
            ],
            Part::Bucket(b) => vec![
                json!({"eventSource": ["s3.amazonaws.com"], "eventName": BUCKET_EVENTS,
                       "requestParameters": {"bucketName": [b]}}),
            ],
            Part::Key(k) => vec![
                json!({"eventSource": ["kms.amazonaws.com"], "eventName": KEY_EVENTS,
                       "resources": {"ARN": [k]}}),
            ],
            Part::LogGroup(g) => vec![
                json!({"eventSource": ["logs.amazonaws.com"], "eventName": LOG_GROUP_EVENTS,
                       "requestParameters": {"logGroupName": [g]}}),
            ],
        }
    }
}

/// The event pattern of one place's rule: any change to any of `parts`.
pub fn pattern(parts: &[Part]) -> Value {
    let alternatives: Vec<Value> = parts.iter().flat_map(Part::alternatives).collect();
    json!({
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"$or": alternatives},
    })
}

/// What a spec's alerts watch: its resources, each with the account and region its events
/// happen in and the role that reaches that account (with its external id).
pub struct Watch<'a> {
    /// The account orgtrail runs as.
    pub caller: &'a str,
    /// (name, ARN, owner account, home region)
    pub trail: (&'a str, &'a str, &'a str, &'a str),
    /// (name, owner account, region, role, read role, external id)
    pub bucket: (
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    ),
    /// (key ARN, role)
    pub key: Option<(&'a str, Option<&'a str>)>,
    pub log_group_arn: Option<&'a str>,
}

/// (role, read role, external id)
type Reach = (Option<String>, Option<String>, Option<String>);

/// Places and what each watches. A place in another account than `caller` is reached through
/// the spec's role for a resource there; without one its `role_arn` is `None` (the plan's
/// preflight refuses it).
pub fn places(w: &Watch) -> Vec<(AlertPlace, Vec<Part>)> {
    let mut out: BTreeMap<(String, String), (Reach, Vec<Part>)> = BTreeMap::new();
    let mut add = |account: &str, region: &str, reach: [Option<&str>; 3], part: Part| {
        let e = out
            .entry((account.to_string(), region.to_string()))
            .or_insert(((None, None, None), Vec::new()));
        if account != w.caller && e.0.0.is_none() {
            let [role, read, ext] = reach.map(|x| x.map(str::to_string));
            e.0 = (role, read, ext);
        }
        e.1.push(part);
    };
    let (name, arn, account, region) = w.trail;
    let trail = Part::Trail {
        name: name.into(),
        arn: arn.into(),
    };
    add(account, region, [None; 3], trail);
    let (bucket, owner, bucket_region, role, read_role, external_id) = w.bucket;
    let reach = [role, read_role, external_id];
    add(owner, bucket_region, reach, Part::Bucket(bucket.into()));
    if let Some((key_arn, role)) = w.key {
        let p: Vec<&str> = key_arn.splitn(6, ':').collect();
        if p.len() == 6 {
            add(p[4], p[3], [role, None, None], Part::Key(key_arn.into()));
        }
    }
    if let Some(g) = w.log_group_arn {
        let p: Vec<&str> = g.splitn(7, ':').collect();
        if p.len() == 7 && p[5] == "log-group" {
            let group = p[6].trim_end_matches(":*").to_string();
            add(p[4], p[3], [None; 3], Part::LogGroup(group));
        }
    }
    out.into_iter()
        .map(
            |((account, region), ((role_arn, read_role_arn, external_id), mut parts))| {
                parts.sort();
                let place = AlertPlace {
                    account,
                    region,
                    role_arn,
                    read_role_arn,
                    external_id,
                };
                (place, parts)
            },
        )
        .collect()
}
