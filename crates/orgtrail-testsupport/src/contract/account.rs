//! AWS Account Management (REST-JSON, `POST /listRegions`, `/getRegionOptStatus`,
//! `/enableRegion`, `/disableRegion`), which moto lacks: the layer answers it. Sources: "AWS
//! Account Management API Reference", ListRegions, GetRegionOptStatus, EnableRegion,
//! DisableRegion (the `AccountId` parameter: the caller must be the management account or a
//! delegated administrator, the account a member of the same organization with all features
//! and trusted access for `account.amazonaws.com`; the management account may not name itself)
//! and "Common Errors"; "Specify which AWS Regions your account can use" (the Regions enabled by
//! default and the opt-in ones).

use serde_json::{Value, json};

use super::request::{Cx, Outcome};
use super::wire::Reply;
use super::world::OrgFacts;

pub const ACCOUNT_SERVICE: &str = "account.amazonaws.com";

/// The Regions of partition `aws` enabled by default (ENABLED_BY_DEFAULT, never opt-in).
pub const DEFAULT_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "sa-east-1",
];

/// The opt-in Regions: DISABLED until EnableRegion.
pub const OPT_IN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// ListRegions' page size when MaxResults is absent, and its largest.
pub const DEFAULT_PAGE: usize = 20;
pub const MAX_PAGE: usize = 50;

const RULE: &str = "account-management";

/// The REST-JSON error: the status, `x-amzn-ErrorType`, and `{"__type", "message"}`.
fn error(status: u16, code: &str, message: &str) -> Outcome {
    let body = json!({"__type": code, "message": message});
    Outcome::reject(
        RULE,
        Reply::new(status, "application/json", body.to_string().into_bytes())
            .with_header("x-amzn-ErrorType", code)
            .with_header("x-amzn-RequestId", "0RGTRA1LC0NTRACT"),
    )
}

fn validation(message: &str) -> Outcome {
    error(400, "ValidationException", message)
}

fn access_denied(message: &str) -> Outcome {
    error(403, "AccessDeniedException", message)
}

fn ok(body: Value) -> Outcome {
    Outcome::answer(
        RULE,
        Reply::new(200, "application/json", body.to_string().into_bytes())
            .with_header("x-amzn-RequestId", "0RGTRA1LC0NTRACT"),
    )
}

pub fn check(cx: &Cx) -> Outcome {
    if cx.req.method != "POST" {
        return error(404, "ResourceNotFoundException", "Unknown operation");
    }
    let body = cx.req.json();
    let account = match target_account(cx, &body) {
        Ok(a) => a,
        Err(refusal) => return refusal,
    };
    match cx.req.path.as_str() {
        "/listRegions" => list_regions(cx, &account, &body),
        "/getRegionOptStatus" => region_name(&body)
            .map(|r| ok(json!({"RegionName": r, "RegionOptStatus": status(cx, &account, &r)})))
            .unwrap_or_else(|e| e),
        "/enableRegion" => set_region(cx, &account, &body, true),
        "/disableRegion" => set_region(cx, &account, &body, false),
        _ => error(404, "ResourceNotFoundException", "Unknown operation"),
    }
}

/// The account a call is about: the caller's own (no AccountId), or a member account the caller
/// may manage.
fn target_account(cx: &Cx, body: &Value) -> Result<String, Outcome> {
    let caller = cx.caller().account.clone();
    let Some(account) = body["AccountId"].as_str().filter(|a| !a.is_empty()) else {
        return Ok(caller);
    };
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(validation("AccountId must be a 12-digit account ID."));
    }
    let denied = || {
        access_denied(&format!(
            "The caller {caller} is not authorized to perform this operation on account {account}."
        ))
    };
    let Some(org) = cx.world().organization(&caller) else {
        return Err(denied());
    };
    if account == org.management && caller == org.management {
        return Err(validation(
            "The management account can't specify its own AccountId. It must call the operation in standalone context by not including the AccountId parameter.",
        ));
    }
    if caller != org.management && !account_admin(cx, &org, &caller) {
        return Err(denied());
    }
    if !org.all_features || !trusted(cx, &org) {
        return Err(access_denied(
            "The organization must have all features enabled and trusted access enabled for account.amazonaws.com.",
        ));
    }
    if !cx
        .world()
        .org_accounts(&org.management)
        .iter()
        .any(|a| a == account)
        || account == org.management
    {
        return Err(denied());
    }
    Ok(account.to_string())
}

/// A delegated administrator for the Account Management service.
fn account_admin(cx: &Cx, org: &OrgFacts, caller: &str) -> bool {
    let r = cx.world().call(
        &org.management,
        "us-east-1",
        "AWSOrganizationsV20161128.ListDelegatedAdministrators",
        json!({"ServicePrincipal": ACCOUNT_SERVICE}),
    );
    r.json_body()["DelegatedAdministrators"]
        .as_array()
        .is_some_and(|l| l.iter().any(|a| a["Id"] == caller))
}

fn trusted(cx: &Cx, org: &OrgFacts) -> bool {
    let r = cx.world().call(
        &org.management,
        "us-east-1",
        "AWSOrganizationsV20161128.ListAWSServiceAccessForOrganization",
        json!({}),
    );
    r.json_body()["EnabledServicePrincipals"]
        .as_array()
        .is_some_and(|l| l.iter().any(|s| s["ServicePrincipal"] == ACCOUNT_SERVICE))
}

fn status(cx: &Cx, account: &str, region: &str) -> &'static str {
    if DEFAULT_REGIONS.contains(&region) {
        return "ENABLED_BY_DEFAULT";
    }
    let enabled = cx.shared.control.enabled_regions.lock().expect("lock");
    if enabled.get(account).is_some_and(|s| s.contains(region)) {
        "ENABLED"
    } else {
        "DISABLED"
    }
}

fn region_name(body: &Value) -> Result<String, Outcome> {
    let Some(r) = body["RegionName"].as_str() else {
        return Err(validation("RegionName is required."));
    };
    if !DEFAULT_REGIONS.contains(&r) && !OPT_IN_REGIONS.contains(&r) {
        return Err(validation(&format!("{r} is not a valid Region name.")));
    }
    Ok(r.to_string())
}

fn set_region(cx: &Cx, account: &str, body: &Value, enable: bool) -> Outcome {
    let region = match region_name(body) {
        Ok(r) => r,
        Err(e) => return e,
    };
    if DEFAULT_REGIONS.contains(&region.as_str()) {
        return validation(&format!(
            "{region} is enabled by default and cannot be enabled or disabled."
        ));
    }
    let mut all = cx.shared.control.enabled_regions.lock().expect("lock");
    let set = all.entry(account.to_string()).or_default();
    if enable {
        set.insert(region);
    } else {
        set.remove(&region);
    }
    ok(json!({}))
}

fn list_regions(cx: &Cx, account: &str, body: &Value) -> Outcome {
    let page = match body.get("MaxResults").filter(|v| !v.is_null()) {
        None => DEFAULT_PAGE,
        Some(v) => match v.as_u64().map(|n| n as usize) {
            Some(n @ 1..=MAX_PAGE) => n,
            _ => return validation("MaxResults must be between 1 and 50."),
        },
    };
    let from = match body["NextToken"].as_str() {
        None => 0,
        Some(t) => match decode_token(t) {
            Some(n) => n,
            None => return validation("The NextToken is not valid."),
        },
    };
    let wanted: Option<Vec<String>> = body["RegionOptStatusContains"].as_array().map(|l| {
        l.iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    });
    let mut names: Vec<&str> = DEFAULT_REGIONS
        .iter()
        .chain(OPT_IN_REGIONS)
        .copied()
        .collect();
    names.sort_unstable();
    let all: Vec<Value> = names
        .into_iter()
        .map(|r| (r, status(cx, account, r)))
        .filter(|(_, s)| wanted.as_ref().is_none_or(|w| w.iter().any(|x| x == s)))
        .map(|(r, s)| json!({"RegionName": r, "RegionOptStatus": s}))
        .collect();
    let end = (from + page).min(all.len());
    let mut out = json!({"Regions": all.get(from..end).unwrap_or_default()});
    if end < all.len() {
        out["NextToken"] = json!(encode_token(end));
    }
    ok(out)
}

fn encode_token(n: usize) -> String {
    aws_smithy_types::base64::encode(format!("orgtrail-contract:{n}"))
}

fn decode_token(t: &str) -> Option<usize> {
    let raw = aws_smithy_types::base64::decode(t).ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("orgtrail-contract:")?
        .parse()
        .ok()
}
