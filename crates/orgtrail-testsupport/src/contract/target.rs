//! What one request is in IAM's terms, for the guardrails (SCPs, RCPs) and the CloudTrail events
//! the layer hands to EventBridge: the action (`s3:PutLifecycleConfiguration`,
//! `cloudtrail:StopLogging`, `kms:ScheduleKeyDeletion`, `logs:DeleteLogGroup`,
//! `events:DisableRule`), the resource ARN
//! it acts on ("Actions, resources, and condition keys" of each service in the Service
//! Authorization Reference) and the account that owns that resource (RCPs bind the owner's
//! account, CloudTrail also tells the owner of a cross-account call).

use super::request::Cx;
use super::world::arn_account_region;

/// One request as IAM sees it.
#[derive(Debug, Clone)]
pub struct Target {
    /// `s3`, `cloudtrail`, `kms`, `logs`, `events`.
    pub service: String,
    /// `service:Operation` (S3: the IAM action, which is not always the operation's name).
    pub action: String,
    /// The resource's ARN; `*` when the call names none (CreateKey, DescribeTrails, …).
    pub resource: String,
    /// The account owning the resource (the caller's when the call names none).
    pub owner: String,
    /// The bucket, for S3 (CloudTrail names it in `requestParameters`).
    pub bucket: Option<String>,
}

/// The request's target, for the services the guardrails and alerts cover; `None` for the
/// others and for an S3 bucket that does not exist (moto answers NoSuchBucket).
pub fn of(cx: &Cx) -> Option<Target> {
    match cx.req.service.as_str() {
        "s3" => s3(cx),
        "cloudtrail" => cloudtrail(cx),
        "kms" => kms(cx),
        "logs" => logs(cx),
        "events" => events(cx),
        _ => None,
    }
}

/// The rule an EventBridge call names (`Name`, or `Rule` for its targets), on the default bus
/// of the caller's account in the request's region.
fn events(cx: &Cx) -> Option<Target> {
    let named = named(cx, &["Name", "Rule"]);
    let Some(named) = named else {
        return Some(target(cx, "*".into(), None));
    };
    let caller = cx.caller().account.clone();
    let arn = format!("arn:aws:events:{}:{caller}:rule/{named}", cx.req.region);
    Some(target(cx, arn, None))
}

/// The first of `keys` the JSON request names a resource by (non-empty).
fn named(cx: &Cx, keys: &[&str]) -> Option<String> {
    let body = cx.req.json();
    keys.iter().find_map(|k| {
        body[*k]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    })
}

fn target(cx: &Cx, resource: String, owner: Option<String>) -> Target {
    let service = cx.req.service.clone();
    Target {
        action: format!("{service}:{}", cx.req.operation),
        service,
        resource,
        owner: owner.unwrap_or_else(|| cx.caller().account.clone()),
        bucket: None,
    }
}

fn s3(cx: &Cx) -> Option<Target> {
    let path = cx.req.path.strip_prefix('/').unwrap_or_default();
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    let caller = cx.caller().account.clone();
    let (action, owner) = if bucket.is_empty() {
        ("s3:ListAllMyBuckets", caller)
    } else if cx.req.method == "PUT" && key.is_empty() && cx.req.query.is_empty() {
        ("s3:CreateBucket", caller)
    } else {
        let facts = cx.world().bucket(bucket)?;
        let action = super::s3::iam_action(&cx.req.method, key, &cx.req.query);
        (action, facts.owner)
    };
    let resource = match (bucket, key) {
        ("", _) => "*".to_string(),
        (b, "") => format!("arn:aws:s3:::{b}"),
        (b, _) if action == "s3:ListBucket" => format!("arn:aws:s3:::{b}"),
        (b, k) => format!("arn:aws:s3:::{b}/{k}"),
    };
    Some(Target {
        service: "s3".into(),
        action: action.to_string(),
        resource,
        owner,
        bucket: (!bucket.is_empty()).then(|| bucket.to_string()),
    })
}

/// The trail a CloudTrail call names (`Name`, `TrailName`, `ResourceId`): an ARN as given, a
/// name as the caller's trail in the request's region.
fn cloudtrail(cx: &Cx) -> Option<Target> {
    let named = named(cx, &["Name", "TrailName", "ResourceId"]);
    let Some(named) = named else {
        return Some(target(cx, "*".into(), None));
    };
    if let Some((account, _)) = arn_account_region(&named) {
        return Some(target(cx, named, Some(account)));
    }
    let caller = cx.caller().account.clone();
    let arn = format!(
        "arn:aws:cloudtrail:{}:{caller}:trail/{named}",
        cx.req.region
    );
    Some(target(cx, arn, None))
}

/// The key a KMS call names (`KeyId`, `TargetKeyId`): an id, alias or ARN, resolved to the key's
/// ARN the way KMS does (an ARN names its account; an id or alias is the caller's).
fn kms(cx: &Cx) -> Option<Target> {
    let named = named(cx, &["KeyId", "TargetKeyId"]);
    let Some(named) = named else {
        return Some(target(cx, "*".into(), None));
    };
    let (account, region) = arn_account_region(&named)
        .unwrap_or_else(|| (cx.caller().account.clone(), cx.req.region.clone()));
    let resource = match cx.world().key(&account, &region, &named) {
        Some(key) => key.arn,
        None if named.starts_with("arn:") => named,
        None => format!("arn:aws:kms:{region}:{account}:key/{named}"),
    };
    Some(target(cx, resource, Some(account)))
}

/// The log group a CloudWatch Logs call names (`logGroupName`, or `logGroupIdentifier`, which
/// may be its ARN).
fn logs(cx: &Cx) -> Option<Target> {
    let named = named(cx, &["logGroupName", "logGroupIdentifier"]);
    let Some(named) = named else {
        return Some(target(cx, "*".into(), None));
    };
    if let Some((account, _)) = arn_account_region(&named) {
        let arn = named.trim_end_matches(":*").to_string();
        return Some(target(cx, arn, Some(account)));
    }
    let caller = cx.caller().account.clone();
    let arn = format!("arn:aws:logs:{}:{caller}:log-group:{named}", cx.req.region);
    Some(target(cx, arn, None))
}

/// The IAM ARN of the principal behind a caller's ARN: a role session
/// (`arn:aws:sts::A:assumed-role/R/S`) stands for its role (`arn:aws:iam::A:role/R`), which is
/// what `aws:PrincipalArn` holds ("AWS global condition context keys", aws:PrincipalArn).
pub fn principal_arn(caller_arn: &str) -> String {
    let Some((head, rest)) = caller_arn.split_once(":assumed-role/") else {
        return caller_arn.to_string();
    };
    let account = head.rsplit(':').next().unwrap_or_default();
    let role = rest.split('/').next().unwrap_or_default();
    format!("arn:aws:iam::{account}:role/{role}")
}
