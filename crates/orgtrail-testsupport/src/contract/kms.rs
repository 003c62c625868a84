//! KMS's contract for keys of other accounts (moto looks every key id up in the caller's own
//! account): GetKeyPolicy and PutKeyPolicy cannot be used across accounts
//! (AccessDeniedException); DescribeKey can, where the key policy allows the caller. Key
//! policies take the test's propagation delay to reach CloudTrail.

use serde_json::json;

use super::policy::{self, Decision, Principal, Request};
use super::request::{Cx, Outcome};
use super::wire::Reply;
use super::world::arn_account_region;

pub fn check(cx: &Cx) -> Outcome {
    let body = cx.req.json();
    let key_id = body["KeyId"].as_str().unwrap_or_default().to_string();
    let caller = cx.caller().account.clone();
    let foreign = arn_account_region(&key_id).filter(|(account, _)| *account != caller);
    match (cx.req.operation.as_str(), foreign) {
        ("DescribeKey", Some((owner, region))) => describe_foreign(cx, &key_id, &owner, &region),
        ("GetKeyPolicy" | "PutKeyPolicy", Some(_)) => denied(cx, &key_id),
        ("GetKeyPolicy", None) => stale_read(cx, &key_id),
        ("PutKeyPolicy", None) => policy_written(cx, &key_id),
        _ => Outcome::forward(),
    }
}

fn denied(cx: &Cx, key_arn: &str) -> Outcome {
    let caller = cx.caller();
    Outcome::reject(
        "kms-cross-account",
        Reply::json_error(
            "AccessDeniedException",
            "message",
            &format!(
                "User: {} is not authorized to perform: kms:{} on resource: {key_arn} because {} cannot be used with a KMS key in another account",
                caller.arn, cx.req.operation, cx.req.operation
            ),
        ),
    )
}

/// DescribeKey of another account's key: answered (by the owner's moto backend) when the key
/// policy allows the caller's account kms:DescribeKey, AccessDeniedException otherwise.
fn describe_foreign(cx: &Cx, key_arn: &str, owner: &str, region: &str) -> Outcome {
    let Some(key) = cx.world().key(owner, region, key_arn) else {
        return Outcome::forward_as(owner); // NotFoundException, from the owner's account
    };
    let caller = cx.caller();
    let req = Request::new(
        Principal::Account {
            account: caller.account.clone(),
            arn: caller.arn.clone(),
        },
        "kms:DescribeKey",
        &key.arn,
    )
    .with("kms:CallerAccount", &caller.account);
    let allowed = cx
        .world()
        .key_policy(&key)
        .is_some_and(|p| policy::evaluate(&p, &req) == Ok(Decision::Allow));
    if allowed {
        Outcome::forward_as(owner)
    } else {
        denied(cx, key_arn)
    }
}

/// The caller's own key, resolved to its ARN (id, alias or ARN).
fn own_key_arn(cx: &Cx, key_id: &str) -> Option<String> {
    let caller = cx.caller().account.clone();
    cx.world()
        .key(&caller, &cx.req.region, key_id)
        .map(|k| k.arn)
}

fn stale_read(cx: &Cx, key_id: &str) -> Outcome {
    if !cx.delaying() {
        return Outcome::forward();
    }
    let Some(arn) = own_key_arn(cx, key_id) else {
        return Outcome::forward();
    };
    let Some(previous) = cx.shared.consistency().stale_key_policy(&arn) else {
        return Outcome::forward();
    };
    let body = match previous {
        Some(p) => json!({"Policy": p, "PolicyName": "default"}),
        None => json!({"PolicyName": "default"}),
    };
    Outcome::answer("kms-stale-key-policy-read", Reply::json(&body))
}

fn policy_written(cx: &Cx, key_id: &str) -> Outcome {
    if !cx.delaying() {
        return Outcome::forward();
    }
    let caller = cx.caller().account.clone();
    let Some(key) = cx.world().key(&caller, &cx.req.region, key_id) else {
        return Outcome::forward();
    };
    let previous = cx.world().key_policy(&key);
    let shared = cx.shared.clone();
    Outcome::forward_then(move |reply| {
        if reply.is_success() {
            shared.consistency().key_policy_written(&key.arn, previous);
        }
        reply
    })
}
