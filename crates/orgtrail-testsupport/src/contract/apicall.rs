//! The "AWS API Call via CloudTrail" event CloudTrail gives EventBridge for one request, built
//! as CloudTrail records it ("CloudTrail record contents for management events", CloudTrail
//! User Guide; "AWS service events delivered via AWS CloudTrail", EventBridge User Guide): the
//! envelope EventBridge adds (`detail-type`, `source: aws.<service>`, `account`, `region`) around
//! the CloudTrail record (`eventSource`, `eventName`, `userIdentity`, `requestParameters`,
//! `errorCode` for a refused call, `resources`, `readOnly`, `recipientAccountId`).

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value, json};

use super::request::Cx;
use super::target::{Target, principal_arn};
use super::wire::Reply;

/// The event name CloudTrail records for a request and whether it is read-only; `None` for
/// requests the layer hands no event for (S3 object calls are data events, which a trail logs
/// only when told to; reads of S3 configuration; services the layer does not cover).
pub fn event_name(cx: &Cx) -> Option<(String, bool)> {
    let op = cx.req.operation.as_str();
    match cx.req.service.as_str() {
        "s3" => s3_event_name(cx).map(|n| (n.to_string(), false)),
        "cloudtrail" | "kms" | "logs" if !op.is_empty() => Some((op.to_string(), read_only(op))),
        _ => None,
    }
}

/// S3's bucket-level management calls, with CloudTrail's names for them (which are not the IAM
/// actions: s3:PutLifecycleConfiguration is recorded as `PutBucketLifecycle`).
fn s3_event_name(cx: &Cx) -> Option<&'static str> {
    let path = cx.req.path.strip_prefix('/')?;
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    if bucket.is_empty() || !key.is_empty() {
        return None;
    }
    let sub = cx.req.query.first().map_or("", |(k, _)| k.as_str());
    Some(match (cx.req.method.as_str(), sub) {
        ("PUT", "") => "CreateBucket",
        ("DELETE", "") => "DeleteBucket",
        ("PUT", "lifecycle") => "PutBucketLifecycle",
        ("DELETE", "lifecycle") => "DeleteBucketLifecycle",
        ("PUT", "policy") => "PutBucketPolicy",
        ("DELETE", "policy") => "DeleteBucketPolicy",
        ("PUT", "versioning") => "PutBucketVersioning",
        ("PUT", "encryption") => "PutBucketEncryption",
        ("DELETE", "encryption") => "DeleteBucketEncryption",
        ("PUT", "publicAccessBlock") => "PutBucketPublicAccessBlock",
        ("DELETE", "publicAccessBlock") => "DeleteBucketPublicAccessBlock",
        ("PUT", "ownershipControls") => "PutBucketOwnershipControls",
        ("DELETE", "ownershipControls") => "DeleteBucketOwnershipControls",
        ("PUT", "logging") => "PutBucketLogging",
        ("PUT", "object-lock") => "PutObjectLockConfiguration",
        ("PUT", "acl") => "PutBucketAcl",
        _ => return None,
    })
}

/// CloudTrail's `readOnly`: reads, and KMS's cryptographic operations.
fn read_only(op: &str) -> bool {
    const READS: &[&str] = &["Get", "List", "Describe", "Lookup", "Filter", "Search"];
    const CRYPTO: &[&str] = &[
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateRandom",
        "GenerateMac",
        "VerifyMac",
        "Sign",
        "Verify",
    ];
    READS.iter().any(|p| op.starts_with(p)) || CRYPTO.iter().any(|p| op.starts_with(p))
}

/// The event as EventBridge delivers it to `recipient`'s default bus.
pub fn event(cx: &Cx, target: &Target, name: &str, reply: &Reply, recipient: &str) -> Value {
    let now = crate::delivery::digest::iso(crate::delivery::now());
    let service = cx.req.service.as_str();
    let mut detail = json!({
        "eventVersion": "1.09",
        "userIdentity": user_identity(cx),
        "eventTime": now,
        "eventSource": format!("{service}.amazonaws.com"),
        "eventName": name,
        "awsRegion": cx.req.region,
        "sourceIPAddress": "127.0.0.1",
        "userAgent": cx.req.header("user-agent").unwrap_or_default(),
        "requestParameters": request_parameters(cx, target),
        "responseElements": Value::Null,
        "requestID": unique_id(),
        "eventID": unique_id(),
        "readOnly": read_only(name),
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": recipient,
        "eventCategory": "Management",
    });
    if !reply.is_success() {
        detail["errorCode"] = json!(error_code(reply));
        detail["errorMessage"] = json!(error_message(reply));
    }
    if let Some(resources) = resources(target) {
        detail["resources"] = resources;
    }
    json!({
        "version": "0",
        "id": unique_id(),
        "detail-type": "AWS API Call via CloudTrail",
        "source": format!("aws.{service}"),
        "account": recipient,
        "time": now,
        "region": cx.req.region,
        "resources": [],
        "detail": detail,
    })
}

/// `userIdentity` ("CloudTrail userIdentity element"): a role session with the role that
/// issued it, the root user, or an IAM user.
fn user_identity(cx: &Cx) -> Value {
    let caller = cx.caller();
    if caller.arn.contains(":assumed-role/") {
        let role = principal_arn(&caller.arn);
        let role_name = role.rsplit('/').next().unwrap_or_default();
        return json!({
            "type": "AssumedRole",
            "arn": caller.arn,
            "accountId": caller.account,
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "arn": role, "accountId": caller.account, "userName": role_name,
            }},
        });
    }
    let kind = if caller.arn.ends_with(":root") {
        "Root"
    } else {
        "IAMUser"
    };
    json!({"type": kind, "arn": caller.arn, "accountId": caller.account})
}

/// S3: `bucketName`, `Host` and the sub-resource (`"lifecycle": ""`); the JSON services: the
/// request's members, each name's first letter lower-cased as CloudTrail writes them.
fn request_parameters(cx: &Cx, target: &Target) -> Value {
    if let Some(bucket) = &target.bucket {
        let mut params = json!({
            "bucketName": bucket,
            "Host": cx.req.header("host").unwrap_or_default(),
        });
        if let Some((sub, _)) = cx.req.query.first() {
            params[sub] = json!("");
        }
        return params;
    }
    camel(cx.req.json())
}

fn camel(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (lower_first(&k), camel(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel).collect()),
        other => other,
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The resources CloudTrail names for S3 buckets and KMS keys.
fn resources(target: &Target) -> Option<Value> {
    let kind = match target.service.as_str() {
        "s3" if target.bucket.is_some() => "AWS::S3::Bucket",
        "kms" if target.resource != "*" => "AWS::KMS::Key",
        _ => return None,
    };
    let arn = match &target.bucket {
        Some(b) => format!("arn:aws:s3:::{b}"),
        None => target.resource.clone(),
    };
    Some(json!([{"ARN": arn, "accountId": target.owner, "type": kind}]))
}

/// CloudTrail records a refused call's error code; an access denial is `AccessDenied` whatever
/// the protocol calls it.
fn error_code(reply: &Reply) -> String {
    match super::error_code(reply).as_str() {
        "AccessDeniedException" => "AccessDenied".to_string(),
        other => other.to_string(),
    }
}

fn error_message(reply: &Reply) -> String {
    let text = reply.text();
    super::wire::xml_values(&text, "Message")
        .pop()
        .or_else(|| {
            let body = reply.json_body();
            body["Message"]
                .as_str()
                .or(body["message"].as_str())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// A fresh UUID-shaped id (unique within the run: the time and a counter).
fn unique_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        t >> 32,
        (t >> 16) & 0xffff,
        t & 0xfff,
        n & 0xfff,
        n
    )
}
