//! S3's contract: the region a bucket must be addressed in, who may touch a bucket
//! (the owner's account; another account only where the bucket policy says so, and never its
//! policy), `x-amz-expected-bucket-owner`, and what PutBucketPolicy accepts.

use serde_json::Value;

use super::policy::{self, Decision, Principal, Request, glob};
use super::request::{Cx, Outcome};
use super::world::BucketFacts;
use crate::contract::wire::Reply;

/// S3's limit on a bucket policy's size ("Bucket policy examples": 20 KB).
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

pub fn check(cx: &Cx) -> Outcome {
    let req = &cx.req;
    let Some((bucket, key)) = bucket_and_key(&req.path) else {
        return Outcome::forward();
    };
    if req.method == "PUT" && key.is_empty() && req.query.is_empty() {
        return Outcome::forward(); // CreateBucket: moto checks the name is free
    }
    let Some(facts) = cx.world().bucket(&bucket) else {
        return Outcome::forward(); // moto answers NoSuchBucket
    };
    let action = iam_action(&req.method, &key, &req.query);
    wrong_region(cx, &bucket, &facts)
        .or_else(|| identity_denies(cx, &bucket, &facts, &key, action))
        .or_else(|| not_owner(cx, &bucket, &facts, &key, action))
        .or_else(|| unexpected_owner(cx, &facts))
        .or_else(|| match action {
            "s3:PutBucketPolicy" => put_policy(cx, &bucket, &facts),
            "s3:GetBucketPolicy" => stale_policy_read(cx, &bucket),
            "s3:GetBucketVersioning" => Some(versioning_shape()),
            "s3:GetEncryptionConfiguration" => Some(default_encryption()),
            _ => None,
        })
        .unwrap_or_else(Outcome::forward)
}

/// GetBucketVersioning of a bucket never versioned: S3 answers an empty
/// `<VersioningConfiguration/>` (API reference, GetBucketVersioning: "If the versioning state has
/// never been set on a bucket, then no versioning state is returned"); moto names the root
/// element `GetBucketVersioningResponse`, which AWS's SDKs cannot read.
fn versioning_shape() -> Outcome {
    Outcome::forward_then(|mut reply| {
        let body = String::from_utf8_lossy(&reply.body)
            .replace("GetBucketVersioningResponse", "VersioningConfiguration");
        reply.body = body.into_bytes();
        reply
            .headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("content-length"));
        reply
    })
}

/// GetBucketEncryption of a bucket never given a configuration: since January 2023 S3 applies
/// SSE-S3 to every bucket and reports it ("Setting default server-side encryption behavior for
/// Amazon S3 buckets": "all Amazon S3 buckets have encryption configured by default"); moto
/// answers ServerSideEncryptionConfigurationNotFoundError.
fn default_encryption() -> Outcome {
    Outcome::forward_then(|reply| {
        if reply.status != 404
            || !String::from_utf8_lossy(&reply.body)
                .contains("ServerSideEncryptionConfigurationNotFoundError")
        {
            return reply;
        }
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>"#;
        Reply::new(200, "application/xml", body.as_bytes().to_vec())
    })
}

/// Path-style addressing: `/bucket[/key]`.
fn bucket_and_key(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix('/')?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then(|| (bucket.to_string(), key.to_string()))
}

/// The IAM action of an S3 request ("Actions, resources, and condition keys for Amazon S3").
pub fn iam_action(method: &str, key: &str, query: &[(String, String)]) -> &'static str {
    let sub = query.first().map(|(k, _)| k.as_str()).unwrap_or("");
    if !key.is_empty() {
        return match method {
            "GET" | "HEAD" => "s3:GetObject",
            "DELETE" => "s3:DeleteObject",
            _ => "s3:PutObject",
        };
    }
    match (method, sub) {
        ("GET", "policy") => "s3:GetBucketPolicy",
        ("PUT", "policy") => "s3:PutBucketPolicy",
        ("DELETE", "policy") => "s3:DeleteBucketPolicy",
        ("GET", "acl") => "s3:GetBucketAcl",
        ("PUT", "acl") => "s3:PutBucketAcl",
        ("GET", "publicAccessBlock") => "s3:GetBucketPublicAccessBlock",
        ("PUT" | "DELETE", "publicAccessBlock") => "s3:PutBucketPublicAccessBlock",
        ("GET", "encryption") => "s3:GetEncryptionConfiguration",
        ("PUT" | "DELETE", "encryption") => "s3:PutEncryptionConfiguration",
        ("GET", "location") => "s3:GetBucketLocation",
        ("GET", "versioning") => "s3:GetBucketVersioning",
        ("PUT", "versioning") => "s3:PutBucketVersioning",
        ("GET", "lifecycle") => "s3:GetLifecycleConfiguration",
        ("PUT" | "DELETE", "lifecycle") => "s3:PutLifecycleConfiguration",
        ("GET", "ownershipControls") => "s3:GetBucketOwnershipControls",
        ("PUT" | "DELETE", "ownershipControls") => "s3:PutBucketOwnershipControls",
        ("GET", "object-lock") => "s3:GetBucketObjectLockConfiguration",
        ("PUT", "object-lock") => "s3:PutBucketObjectLockConfiguration",
        ("GET", "logging") => "s3:GetBucketLogging",
        ("PUT", "logging") => "s3:PutBucketLogging",
        ("GET", "policyStatus") => "s3:GetBucketPolicyStatus",
        ("DELETE", "") => "s3:DeleteBucket",
        ("GET" | "HEAD", _) => "s3:ListBucket",
        _ => "s3:*",
    }
}

/// A bucket addressed through another region's endpoint (the signing region stands for the
/// endpoint: every region shares this one host): `301 PermanentRedirect`, or, signed for
/// us-east-1 (the global endpoint), `400 AuthorizationHeaderMalformed` naming the region;
/// both carry `x-amz-bucket-region`.
fn wrong_region(cx: &Cx, bucket: &str, facts: &BucketFacts) -> Option<Outcome> {
    let signed = cx.req.region.as_str();
    if signed.is_empty() || signed == facts.region {
        return None;
    }
    let reply = if signed == "us-east-1" {
        Reply::s3_error(
            400,
            "AuthorizationHeaderMalformed",
            &format!(
                "The authorization header is malformed; the region '{signed}' is wrong; expecting '{}'",
                facts.region
            ),
            &[("Region", &facts.region)],
        )
    } else {
        Reply::s3_error(
            301,
            "PermanentRedirect",
            "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
            &[
                (
                    "Endpoint",
                    &format!("{bucket}.s3.{}.amazonaws.com", facts.region),
                ),
                ("Bucket", bucket),
            ],
        )
    };
    Some(Outcome::reject(
        "s3-wrong-region",
        reply.with_header("x-amz-bucket-region", &facts.region),
    ))
}

/// The ARN a call is authorized on: the object for an object call, the bucket for a bucket
/// call or a listing.
fn resource_arn(bucket: &str, key: &str, action: &str) -> String {
    if key.is_empty() || action == "s3:ListBucket" {
        format!("arn:aws:s3:::{bucket}")
    } else {
        format!("arn:aws:s3:::{bucket}/{key}")
    }
}

/// Another account's request: allowed only where the bucket policy grants it, and the bucket
/// policy itself only to the owner's account (403 without permission, 405 with it).
fn not_owner(
    cx: &Cx,
    bucket: &str,
    facts: &BucketFacts,
    key: &str,
    action: &str,
) -> Option<Outcome> {
    let caller = cx.caller();
    if caller.account == facts.owner {
        return None;
    }
    // An object call is judged on the object's ARN (a grant on `bucket/*` covers it), a
    // bucket call on the bucket's.
    let resource = resource_arn(bucket, key, action);
    let allowed = cx
        .world()
        .bucket_policy(bucket, facts)
        .map(|p| {
            let req = Request::new(
                Principal::Account {
                    account: caller.account.clone(),
                    arn: caller.arn.clone(),
                },
                action,
                &resource,
            )
            .with("aws:PrincipalAccount", &caller.account)
            .with("aws:SecureTransport", "true");
            policy::evaluate(&p, &req) == Ok(Decision::Allow)
        })
        .unwrap_or(false);
    let policy_call = action.ends_with("BucketPolicy");
    if allowed && !policy_call {
        return None;
    }
    let reply = if allowed {
        Reply::s3_error(
            405,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
            &[],
        )
    } else {
        access_denied()
    };
    Some(Outcome::reject("s3-not-bucket-owner", reply))
}

/// A role's identity policy that does not allow the request: AWS answers AccessDenied ("no
/// identity-based policy allows the s3:... action", "Policy evaluation logic", IAM user guide:
/// without an Allow in an identity policy of the caller's own account, the request is implicitly
/// denied). Judged for assumed roles whose policies moto holds (see `World::role_policies`).
fn identity_denies(
    cx: &Cx,
    bucket: &str,
    facts: &BucketFacts,
    key: &str,
    action: &str,
) -> Option<Outcome> {
    let caller = cx.caller();
    let role = caller
        .arn
        .split(":assumed-role/")
        .nth(1)?
        .split('/')
        .next()?;
    let policies = cx.world().role_policies(&caller.account, role)?;
    let resource = resource_arn(bucket, key, action);
    let mut req = Request::new(
        Principal::Account {
            account: caller.account.clone(),
            arn: caller.arn.clone(),
        },
        action,
        &resource,
    )
    .with("aws:SecureTransport", "true");
    if let Some((_, prefix)) = cx.req.query.iter().find(|(k, _)| k == "prefix") {
        req = req.with("s3:prefix", prefix);
    }
    let decisions: Vec<Decision> = policies
        .iter()
        .filter_map(|p| policy::evaluate(p, &req).ok())
        .collect();
    let allowed =
        decisions.contains(&Decision::Allow) && !decisions.contains(&Decision::ExplicitDeny);
    // In the bucket's own account a bucket-policy Allow is enough without an identity Allow (the
    // two are a union within one account).
    let by_bucket = caller.account == facts.owner
        && cx
            .world()
            .bucket_policy(bucket, facts)
            .is_some_and(|p| policy::evaluate(&p, &req) == Ok(Decision::Allow));
    if allowed || by_bucket {
        return None;
    }
    let message = format!(
        "User: {} is not authorized to perform: {action} on resource: \"{resource}\" because no identity-based policy allows the {action} action",
        caller.arn
    );
    Some(Outcome::reject(
        "s3-identity-policy",
        Reply::s3_error(403, "AccessDenied", &message, &[]),
    ))
}

fn access_denied() -> Reply {
    Reply::s3_error(403, "AccessDenied", "Access Denied", &[])
}

/// `x-amz-expected-bucket-owner` names another account: 403 AccessDenied.
fn unexpected_owner(cx: &Cx, facts: &BucketFacts) -> Option<Outcome> {
    let expected = cx.req.header("x-amz-expected-bucket-owner")?;
    (expected != facts.owner).then(|| Outcome::reject("s3-expected-bucket-owner", access_denied()))
}

fn malformed(message: &str) -> Outcome {
    Outcome::reject(
        "s3-malformed-policy",
        Reply::s3_error(400, "MalformedPolicy", message, &[]),
    )
}

/// PutBucketPolicy: the document S3 accepts; then, with a propagation delay, the old policy
/// stays visible for a while.
fn put_policy(cx: &Cx, bucket: &str, facts: &BucketFacts) -> Option<Outcome> {
    if let Err(message) = validate_policy(&cx.req.body, bucket) {
        return Some(malformed(&message));
    }
    if !cx.delaying() {
        return None;
    }
    let previous = cx.world().bucket_policy(bucket, facts);
    let (shared, bucket) = (cx.shared.clone(), bucket.to_string());
    Some(Outcome::forward_then(move |reply| {
        if reply.is_success() {
            shared
                .consistency()
                .bucket_policy_written(&bucket, previous);
        }
        reply
    }))
}

/// What S3 checks of a bucket policy document, with its messages.
pub fn validate_policy(body: &[u8], bucket: &str) -> Result<(), String> {
    if body.len() > MAX_POLICY_BYTES {
        return Err("Policy exceeds the maximum allowed document size.".into());
    }
    let doc: Value = serde_json::from_slice(body)
        .ok()
        .filter(Value::is_object)
        .ok_or("Policies must be valid JSON and the first byte must be '{'")?;
    let statements = policy::statements(&doc).map_err(|_| "Missing required field Statement")?;
    if statements.is_empty() {
        return Err("Could not parse the policy: Statement is empty!".into());
    }
    let mut sids = std::collections::BTreeSet::new();
    for st in statements {
        if let Some(sid) = st.get("Sid").and_then(Value::as_str)
            && !sids.insert(sid)
        {
            return Err("Statement IDs (SID) in a single policy must be unique.".into());
        }
        validate_statement(st, bucket)?;
    }
    Ok(())
}

fn validate_statement(st: &Value, bucket: &str) -> Result<(), String> {
    match st.get("Effect").and_then(Value::as_str) {
        Some("Allow" | "Deny") => {}
        other => return Err(format!("Invalid effect: {}", other.unwrap_or(""))),
    }
    for (a, b, field) in [
        ("Principal", "NotPrincipal", "Principal"),
        ("Action", "NotAction", "Action"),
        ("Resource", "NotResource", "Resource"),
    ] {
        if st.get(a).is_none() && st.get(b).is_none() {
            return Err(format!("Missing required field {field}"));
        }
    }
    let resources = policy::strings(
        st.get("Resource")
            .or(st.get("NotResource"))
            .unwrap_or(&Value::Null),
    );
    if let Some(r) = resources.iter().find(|r| !in_bucket(r, bucket)) {
        return Err(format!("Policy has invalid resource: {r}"));
    }
    if let (Some(actions), Some(res)) = (st.get("Action"), st.get("Resource")) {
        let (actions, res) = (policy::strings(actions), policy::strings(res));
        if !actions.iter().any(|a| applies(a, &res, bucket)) {
            return Err("Action does not apply to any resource(s) in statement".into());
        }
    }
    Ok(())
}

/// Whether a Resource pattern can name this bucket or an object in it.
fn in_bucket(pattern: &str, bucket: &str) -> bool {
    let arn = format!("arn:aws:s3:::{bucket}");
    let objects = format!("{arn}/");
    let literal = pattern.split(['*', '?']).next().unwrap_or("");
    glob(pattern, &arn)
        || literal.starts_with(&objects)
        || (literal.len() < pattern.len() && objects.starts_with(literal))
}

/// Whether `action` applies to one of `resources`: bucket actions to the bucket ARN, object
/// actions to an object ARN. Wildcard and unlisted actions are taken to apply.
fn applies(action: &str, resources: &[String], bucket: &str) -> bool {
    let arn = format!("arn:aws:s3:::{bucket}");
    let a = action.to_ascii_lowercase();
    let to_bucket = |r: &String| glob(r, &arn);
    let to_object = |r: &String| {
        let literal = r.split(['*', '?']).next().unwrap_or("");
        literal.starts_with(&format!("{arn}/"))
            || (literal.len() < r.len() && format!("{arn}/").starts_with(literal))
    };
    if OBJECT_ACTIONS.contains(&a.as_str()) {
        resources.iter().any(to_object)
    } else if BUCKET_ACTIONS.contains(&a.as_str()) {
        resources.iter().any(to_bucket)
    } else {
        true
    }
}

const OBJECT_ACTIONS: &[&str] = &[
    "s3:putobject",
    "s3:getobject",
    "s3:deleteobject",
    "s3:putobjectacl",
    "s3:getobjectacl",
    "s3:getobjectversion",
    "s3:putobjecttagging",
    "s3:getobjecttagging",
    "s3:abortmultipartupload",
    "s3:listmultipartuploadparts",
];

const BUCKET_ACTIONS: &[&str] = &[
    "s3:getbucketacl",
    "s3:putbucketacl",
    "s3:listbucket",
    "s3:getbucketlocation",
    "s3:getbucketpolicy",
    "s3:putbucketpolicy",
    "s3:deletebucketpolicy",
    "s3:getbucketpublicaccessblock",
    "s3:putbucketpublicaccessblock",
    "s3:getencryptionconfiguration",
    "s3:putencryptionconfiguration",
    "s3:deletebucket",
    "s3:listbucketmultipartuploads",
    "s3:getbucketversioning",
    "s3:putbucketversioning",
];

/// During a propagation window GetBucketPolicy still answers the policy from before the write.
fn stale_policy_read(cx: &Cx, bucket: &str) -> Option<Outcome> {
    let previous = cx.shared.consistency().stale_bucket_policy(bucket)?;
    let reply = match previous {
        Some(p) => Reply::new(200, "application/json", p.into_bytes()),
        None => Reply::s3_error(
            404,
            "NoSuchBucketPolicy",
            "The bucket policy does not exist",
            &[("BucketName", bucket)],
        ),
    };
    Some(Outcome::answer("s3-stale-policy-read", reply))
}
