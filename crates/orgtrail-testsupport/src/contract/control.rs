//! What tests tell the layer that no AWS API can (a test-control endpoint, `POST /__contract/…`,
//! never reached by AWS clients, and the same as methods on [`super::Contract`]): CloudTrail's
//! public keys per region (the delivery simulator's signing keys, which ListPublicKeys answers
//! with) and an account's JoinedTimestamp (moto stamps the creation time; a test needs an
//! account that joined before or after some date).

use serde_json::{Value, json};

use super::request::{Cx, Outcome};
use super::wire::Reply;

pub use super::knobs::{Control, PublicKey};

fn bad_request(message: &str) -> Vec<u8> {
    Reply::new(
        400,
        "application/json",
        json!({"error": message}).to_string().into_bytes(),
    )
    .to_bytes(false)
}

/// `POST /__contract/cloudtrail/public-keys` and `POST /__contract/organizations/joined`.
pub fn handle(cx: &Cx) -> Vec<u8> {
    if cx.req.method != "POST" {
        return bad_request("the test-control endpoint takes POST");
    }
    let body = cx.req.json();
    let control = &cx.shared.control;
    match cx.req.path.as_str() {
        "/__contract/cloudtrail/public-keys" => {
            let Some(region) = body["region"].as_str() else {
                return bad_request("region missing");
            };
            let keys: Option<Vec<PublicKey>> = body["keys"]
                .as_array()
                .map(|l| l.iter().map(parse_key).collect())
                .unwrap_or_default();
            let Some(keys) = keys else {
                return bad_request(
                    "keys: [{Fingerprint, Value, ValidityStartTime, ValidityEndTime}]",
                );
            };
            control.set_public_keys(region, keys);
        }
        "/__contract/organizations/joined" => {
            let (Some(account), Some(joined)) = (body["account"].as_str(), body["joined"].as_i64())
            else {
                return bad_request("{account, joined} expected");
            };
            control.set_joined(account, joined);
        }
        _ => return bad_request("unknown test-control path"),
    }
    Reply::new(200, "application/json", b"{}".to_vec()).to_bytes(false)
}

fn parse_key(v: &Value) -> Option<PublicKey> {
    Some(PublicKey {
        fingerprint: v["Fingerprint"].as_str()?.to_string(),
        der: aws_smithy_types::base64::decode(v["Value"].as_str()?).ok()?,
        start: v["ValidityStartTime"].as_i64()?,
        end: v["ValidityEndTime"].as_i64()?,
    })
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// CloudTrail ListPublicKeys ("CloudTrail API Reference", ListPublicKeys): the public keys of the
/// request's region whose validity overlaps [StartTime, EndTime] (each defaults to now;
/// InvalidTimeRangeException when the start is after the end). moto lacks the operation.
pub fn list_public_keys(cx: &Cx) -> Outcome {
    let body = cx.req.json();
    let time = |k: &str| body[k].as_f64().map(|t| t as i64);
    let start = time("StartTime").unwrap_or_else(now);
    let end = time("EndTime").unwrap_or_else(now);
    if start > end {
        return Outcome::reject(
            "cloudtrail-list-public-keys",
            Reply::json_error(
                "InvalidTimeRangeException",
                "Message",
                "Occurs if the timestamp values are not valid. Either the start time occurs after the end time, or the time range is outside the range of possible values.",
            ),
        );
    }
    let list: Vec<Value> = cx
        .shared
        .control
        .public_keys(&cx.req.region)
        .into_iter()
        .filter(|k| k.start <= end && k.end >= start)
        .map(|k| {
            json!({
                "Value": aws_smithy_types::base64::encode(&k.der),
                "ValidityStartTime": k.start,
                "ValidityEndTime": k.end,
                "Fingerprint": k.fingerprint,
            })
        })
        .collect();
    Outcome::answer(
        "cloudtrail-list-public-keys",
        Reply::json(&json!({"PublicKeyList": list})),
    )
}

/// Organizations ListAccounts / ListAccountsForParent / DescribeAccount: moto's answer with
/// the overridden JoinedTimestamps.
pub fn joined_overrides(cx: &Cx, outcome: Outcome) -> Outcome {
    let joined = cx.shared.control.joined.lock().expect("lock").clone();
    if joined.is_empty() {
        return outcome;
    }
    let Outcome::Forward { as_account, then } = outcome else {
        return outcome;
    };
    let adapt = move |reply: Reply| {
        let mut reply = match then {
            Some(f) => f(reply),
            None => reply,
        };
        let mut v = reply.json_body();
        let mut fix = |a: &mut Value| {
            if let Some(t) = a["Id"].as_str().and_then(|id| joined.get(id)) {
                a["JoinedTimestamp"] = json!(*t);
            }
        };
        if let Some(list) = v["Accounts"].as_array_mut() {
            list.iter_mut().for_each(&mut fix);
        } else if v["Account"].is_object() {
            fix(&mut v["Account"]);
        } else {
            return reply;
        }
        reply.body = v.to_string().into_bytes();
        reply
    };
    Outcome::Forward {
        as_account,
        then: Some(Box::new(adapt)),
    }
}
