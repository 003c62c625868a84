//! The organization's guardrails, which moto stores but never applies: service control
//! policies bind the principals of member accounts, resource control policies the S3 buckets
//! and KMS keys of member accounts. Judged before the per-service rules, for S3, CloudTrail,
//! KMS and CloudWatch Logs, with the layer's own evaluator ([`super::policy`]).
//!
//! SCP evaluation ("SCP evaluation", Organizations User Guide): an explicit Deny in any SCP on
//! the path from the root to the caller's account denies; otherwise every level of that path
//! (root, each OU, the account) must have an SCP that allows the action. RCP evaluation ("RCP
//! evaluation"): an explicit Deny in any RCP on the path to the resource owner's account
//! denies; RCPs never grant (RCPFullAWSAccess is on every level). Neither binds the management
//! account, its principals or its resources.
//!
//! Also AttachPolicy of a policy type not enabled on the root, which AWS refuses
//! (PolicyTypeNotEnabledException) and moto accepts.

use serde_json::json;

use super::orgpolicy::{Kind, OrgPolicies};
use super::policy::{self, Decision, PolicyError, Principal, Request};
use super::request::{Cx, Outcome};
use super::target::{self, Target};
use super::wire::Reply;

/// RCPs apply to these of the services the layer judges ("List of AWS services that support
/// RCPs").
const RCP_SERVICES: &[&str] = &["s3", "kms"];

/// AWS's answer to a request the guardrails deny; `None` lets the per-service rules judge it.
pub fn check(cx: &Cx) -> Option<Outcome> {
    if cx.req.service == "organizations" {
        return attach_needs_enabled_type(cx);
    }
    let target = target::of(cx)?;
    if redirected(cx, &target) {
        return None;
    }
    let caller = cx.caller().clone();
    // Service-linked roles are never bound by SCPs or RCPs ("Tasks and entities not
    // restricted by SCPs").
    if caller.arn.contains(":assumed-role/AWSServiceRole") {
        return None;
    }
    let known = |a: &str| {
        cx.shared
            .managements
            .lock()
            .expect("managements lock")
            .contains(a)
    };
    if target.owner == caller.account && known(&caller.account) {
        return None;
    }
    let caller_org = OrgPolicies::read(cx.world(), &caller.account);
    if let Some(org) = &caller_org {
        let mut m = cx.shared.managements.lock().expect("managements lock");
        m.insert(org.org.management.clone());
    }
    let owner_org = if target.owner == caller.account {
        None
    } else {
        OrgPolicies::read(cx.world(), &target.owner)
    };
    let req = request(cx, &target, caller_org.as_ref(), owner_org.as_ref());
    let verdict = caller_org
        .as_ref()
        .and_then(|org| scp(org, &caller.account, &req))
        .or_else(|| {
            let org = if target.owner == caller.account {
                caller_org.as_ref()?
            } else {
                owner_org.as_ref()?
            };
            rcp(org, &target, &req)
        })?;
    Some(match verdict {
        Ok(denial) => deny(cx, &target, &caller.arn, denial),
        Err(e) => unsupported(cx, &e),
    })
}

/// An S3 request to the wrong regional endpoint is redirected before it is authorized.
fn redirected(cx: &Cx, target: &Target) -> bool {
    let Some(bucket) = &target.bucket else {
        return false;
    };
    let signed = cx.req.region.as_str();
    !signed.is_empty()
        && target.action != "s3:CreateBucket"
        && cx
            .world()
            .bucket(bucket)
            .is_some_and(|f| f.region != signed)
}

/// The request with the condition keys SCPs and RCPs are written with ("AWS global condition
/// context keys").
fn request(
    cx: &Cx,
    target: &Target,
    caller_org: Option<&OrgPolicies>,
    owner_org: Option<&OrgPolicies>,
) -> Request {
    let caller = cx.caller();
    let mut req = Request::new(
        Principal::Account {
            account: caller.account.clone(),
            arn: caller.arn.clone(),
        },
        &target.action,
        &target.resource,
    )
    .with("aws:PrincipalArn", &target::principal_arn(&caller.arn))
    .with("aws:PrincipalAccount", &caller.account)
    .with("aws:PrincipalIsAWSService", "false")
    .with("aws:SecureTransport", "true")
    .with("aws:RequestedRegion", &cx.req.region)
    .with("aws:ResourceAccount", &target.owner);
    if let Some(org) = caller_org {
        req = req.with("aws:PrincipalOrgID", &org.org.id);
    }
    if let Some(org) = owner_org.or(caller_org.filter(|_| target.owner == caller.account)) {
        req = req.with("aws:ResourceOrgID", &org.org.id);
    }
    req
}

/// Why a guardrail denied.
enum Denial {
    ScpExplicit,
    ScpNoAllow,
    RcpExplicit,
}

/// The SCPs binding a member account's principal; `None` when they allow the request.
fn scp(org: &OrgPolicies, account: &str, req: &Request) -> Option<Result<Denial, PolicyError>> {
    if !org.binds(account) || !org.in_force(Kind::Scp) {
        return None;
    }
    let mut every_level_allows = true;
    for level in org.path(account) {
        let mut allowed = false;
        for doc in org.attached(&level, Kind::Scp) {
            match policy::evaluate(&doc, req) {
                Ok(Decision::ExplicitDeny) => return Some(Ok(Denial::ScpExplicit)),
                Ok(Decision::Allow) => allowed = true,
                Ok(Decision::ImplicitDeny) => {}
                Err(e) => return Some(Err(e)),
            }
        }
        every_level_allows &= allowed;
    }
    (!every_level_allows).then_some(Ok(Denial::ScpNoAllow))
}

/// The RCPs on a member account's S3 bucket or KMS key; `None` when none denies.
fn rcp(org: &OrgPolicies, target: &Target, req: &Request) -> Option<Result<Denial, PolicyError>> {
    if !RCP_SERVICES.contains(&target.service.as_str())
        || !org.binds(&target.owner)
        || !org.in_force(Kind::Rcp)
    {
        return None;
    }
    for level in org.path(&target.owner) {
        for doc in org.attached(&level, Kind::Rcp) {
            match policy::evaluate(&doc, req) {
                Ok(Decision::ExplicitDeny) => return Some(Ok(Denial::RcpExplicit)),
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }
    None
}

/// AWS's AccessDenied, worded as its access-denied messages are ("Access denied error message
/// examples", IAM User Guide): S3's 403 XML, the JSON services' AccessDeniedException.
fn deny(cx: &Cx, target: &Target, caller_arn: &str, denial: Denial) -> Outcome {
    let (rule, why) = match denial {
        Denial::ScpExplicit => (
            "scp-deny",
            "with an explicit deny in a service control policy".to_string(),
        ),
        Denial::ScpNoAllow => (
            "scp-no-allow",
            format!(
                "because no service control policy allows the {} action",
                target.action
            ),
        ),
        Denial::RcpExplicit => (
            "rcp-deny",
            "with an explicit deny in a resource control policy".to_string(),
        ),
    };
    let (action, resource) = (&target.action, &target.resource);
    let reply = if target.service == "s3" {
        let message = format!(
            "User: {caller_arn} is not authorized to perform: {action} on resource: \"{resource}\" {why}"
        );
        Reply::s3_error(403, "AccessDenied", &message, &[])
    } else {
        let message = format!(
            "User: {caller_arn} is not authorized to perform: {action} on resource: {resource} {why}"
        );
        Reply::json_error("AccessDeniedException", message_key(cx), &message)
    };
    Outcome::reject(rule, reply)
}

/// CloudTrail names its error message `Message`, KMS and CloudWatch Logs `message`.
fn message_key(cx: &Cx) -> &'static str {
    if cx.req.service == "cloudtrail" {
        "Message"
    } else {
        "message"
    }
}

fn unsupported(cx: &Cx, e: &PolicyError) -> Outcome {
    let message = format!("the contract layer cannot evaluate an attached SCP or RCP: {e}");
    let reply = if cx.req.service == "s3" {
        Reply::s3_error(400, "OrgtrailContractLayerUnsupported", &message, &[])
    } else {
        Reply::json_error(
            "OrgtrailContractLayerUnsupported",
            message_key(cx),
            &message,
        )
    };
    Outcome::reject("contract-unsupported", reply)
}

/// AttachPolicy of a policy whose type is not enabled on the root: AWS answers
/// PolicyTypeNotEnabledException ("AttachPolicy", Organizations API Reference); moto attaches
/// it. Judged for the management account (the Organizations rules answer the others).
fn attach_needs_enabled_type(cx: &Cx) -> Option<Outcome> {
    if cx.req.operation != "AttachPolicy" {
        return None;
    }
    let caller = cx.caller().account.clone();
    let org = OrgPolicies::read(cx.world(), &caller).filter(|o| o.org.management == caller)?;
    let id = cx.req.json()["PolicyId"].as_str()?.to_string();
    let described = cx.world().call(
        &caller,
        "us-east-1",
        "AWSOrganizationsV20161128.DescribePolicy",
        json!({"PolicyId": id}),
    );
    let kind = match described.json_body()["Policy"]["PolicySummary"]["Type"].as_str()? {
        "SERVICE_CONTROL_POLICY" => Kind::Scp,
        "RESOURCE_CONTROL_POLICY" => Kind::Rcp,
        _ => return None,
    };
    if org.enabled(kind) {
        return None;
    }
    Some(Outcome::reject(
        "organizations-policy-type-not-enabled",
        Reply::json_error(
            "PolicyTypeNotEnabledException",
            "Message",
            "This operation can be performed only for enabled policy types.",
        ),
    ))
}
