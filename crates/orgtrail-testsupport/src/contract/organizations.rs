//! Organizations' contract. moto keeps one Organizations backend per account, so a member
//! account calling a management-only operation changes or reads an empty organization of its
//! own; AWS refuses it (AccessDeniedException), and answers a delegated administrator from the
//! organization's data. The CloudTrail delegated administrators the layer keeps (moto refuses
//! that service principal) are part of ListDelegatedAdministrators. Trusted access takes the
//! test's propagation delay to show.

use serde_json::{Value, json};

use super::request::{Cx, Outcome};
use super::wire::Reply;
use super::world::{CLOUDTRAIL, OrgFacts};

/// Only the management account may call these ("Organizations API Reference", each operation).
const MANAGEMENT_ONLY: &[&str] = &[
    "EnableAWSServiceAccess",
    "DisableAWSServiceAccess",
    "EnableAllFeatures",
    "RegisterDelegatedAdministrator",
    "DeregisterDelegatedAdministrator",
    "CreateAccount",
    "InviteAccountToOrganization",
    "RemoveAccountFromOrganization",
    "DeleteOrganization",
    "CreateOrganizationalUnit",
    "DeleteOrganizationalUnit",
    "UpdateOrganizationalUnit",
    "MoveAccount",
    "CreatePolicy",
    "UpdatePolicy",
    "DeletePolicy",
    "AttachPolicy",
    "DetachPolicy",
    "EnablePolicyType",
    "DisablePolicyType",
];

/// The management account or a delegated administrator may call these.
const MANAGEMENT_OR_DELEGATED: &[&str] = &[
    "ListAWSServiceAccessForOrganization",
    "ListDelegatedAdministrators",
    "ListDelegatedServicesForAccount",
    "ListAccounts",
    "ListAccountsForParent",
    "DescribeAccount",
    "ListRoots",
    "ListOrganizationalUnitsForParent",
    "ListChildren",
    "ListParents",
    "DescribeOrganizationalUnit",
    "ListPolicies",
    "ListPoliciesForTarget",
    "ListTargetsForPolicy",
    "DescribePolicy",
    "ListCreateAccountStatus",
    "DescribeCreateAccountStatus",
    "ListHandshakesForOrganization",
    "ListTagsForResource",
];

fn error(rule: &'static str, code: &str, message: &str) -> Outcome {
    Outcome::reject(rule, Reply::json_error(code, "Message", message))
}

pub fn check(cx: &Cx) -> Outcome {
    let outcome = judge(cx);
    match cx.req.operation.as_str() {
        "ListAccounts" | "ListAccountsForParent" | "DescribeAccount" => {
            super::control::joined_overrides(cx, outcome)
        }
        _ => outcome,
    }
}

fn judge(cx: &Cx) -> Outcome {
    let op = cx.req.operation.as_str();
    let management_only = MANAGEMENT_ONLY.contains(&op);
    if !management_only && !MANAGEMENT_OR_DELEGATED.contains(&op) {
        return Outcome::forward(); // DescribeOrganization, CreateOrganization, …: any account
    }
    let caller = cx.caller().account.clone();
    let Some(org) = cx.world().organization(&caller) else {
        return error(
            "organizations-not-in-use",
            "AWSOrganizationsNotInUseException",
            "Your account is not a member of an organization.",
        );
    };
    if caller != org.management {
        return member_call(cx, &org, &caller, management_only);
    }
    management_call(cx, &org)
}

fn access_denied() -> Outcome {
    error(
        "organizations-management-account-only",
        "AccessDeniedException",
        "You don't have permissions to access this resource.",
    )
}

/// A member account: refused, unless it is a delegated administrator reading the organization
/// (then moto answers from the management account's backend, where the organization is).
fn member_call(cx: &Cx, org: &OrgFacts, caller: &str, management_only: bool) -> Outcome {
    if management_only || !cx.world().is_delegated_admin(org, caller) {
        return access_denied();
    }
    management_call(cx, org).answered_by(&org.management)
}

fn management_call(cx: &Cx, org: &OrgFacts) -> Outcome {
    let body = cx.req.json();
    let service = body["ServicePrincipal"].as_str().unwrap_or_default();
    match cx.req.operation.as_str() {
        "ListDelegatedAdministrators" => list_admins(cx, org, service),
        "RegisterDelegatedAdministrator" | "DeregisterDelegatedAdministrator"
            if service == CLOUDTRAIL =>
        {
            register_trail_admin(cx, org, &body)
        }
        "EnableAWSServiceAccess" if service == CLOUDTRAIL => trusted_written(cx, org),
        "ListAWSServiceAccessForOrganization" => stale_trusted_read(cx, org),
        _ => Outcome::forward(),
    }
}

/// moto's delegated administrators plus CloudTrail's (kept by the layer).
fn list_admins(cx: &Cx, org: &OrgFacts, service: &str) -> Outcome {
    let trail_admins = cx.world().trail_admins(&org.id);
    let details = if trail_admins.is_empty() {
        Vec::new()
    } else {
        cx.world().org_account_details(&org.management)
    };
    let ours: Vec<Value> = details
        .into_iter()
        .filter(|a| a["Id"].as_str().is_some_and(|id| trail_admins.contains(id)))
        .map(|mut a| {
            a["DelegationEnabledDate"] = a["JoinedTimestamp"].clone();
            a
        })
        .collect();
    if service == CLOUDTRAIL {
        return Outcome::answer(
            "organizations-cloudtrail-delegated-admins",
            Reply::json(&json!({"DelegatedAdministrators": ours})),
        );
    }
    Outcome::forward_then(move |mut reply| {
        let mut v = reply.json_body();
        if let Some(list) = v["DelegatedAdministrators"].as_array_mut() {
            for a in ours {
                if !list.iter().any(|o| o["Id"] == a["Id"]) {
                    list.push(a);
                }
            }
            reply.body = v.to_string().into_bytes();
        }
        reply
    })
}

/// Organizations' own Register/DeregisterDelegatedAdministrator for CloudTrail (AWS accepts
/// the service principal; moto does not), kept with CloudTrail's.
fn register_trail_admin(cx: &Cx, org: &OrgFacts, body: &Value) -> Outcome {
    let account = body["AccountId"].as_str().unwrap_or_default();
    let register = cx.req.operation == "RegisterDelegatedAdministrator";
    if account == org.management {
        return error(
            "organizations-cloudtrail-delegated-admins",
            "ConstraintViolationException",
            "You cannot register the management account as a delegated administrator.",
        );
    }
    if !cx
        .world()
        .org_accounts(&org.management)
        .iter()
        .any(|a| a == account)
    {
        return error(
            "organizations-cloudtrail-delegated-admins",
            "AccountNotFoundException",
            "You specified an account that doesn't exist.",
        );
    }
    let registered = cx.world().trail_admins(&org.id).contains(account);
    match (register, registered) {
        (true, true) => error(
            "organizations-cloudtrail-delegated-admins",
            "AccountAlreadyRegisteredException",
            "The provided account is already a delegated administrator for your organization.",
        ),
        (false, false) => error(
            "organizations-cloudtrail-delegated-admins",
            "AccountNotRegisteredException",
            "The provided account is not a registered delegated administrator for your organization.",
        ),
        _ => {
            cx.world().set_trail_admin(&org.id, account, register);
            Outcome::answer(
                "organizations-cloudtrail-delegated-admins",
                Reply::json(&json!({})),
            )
        }
    }
}

/// EnableAWSServiceAccess for CloudTrail: with a propagation delay, CloudTrail and
/// ListAWSServiceAccessForOrganization keep seeing the state from before for a while.
fn trusted_written(cx: &Cx, org: &OrgFacts) -> Outcome {
    if !cx.delaying() {
        return Outcome::forward();
    }
    let previous = cx.world().trusted(&org.management);
    let (shared, management) = (cx.shared.clone(), org.management.clone());
    Outcome::forward_then(move |reply| {
        if reply.is_success() {
            shared.consistency().trusted_written(&management, previous);
        }
        reply
    })
}

fn stale_trusted_read(cx: &Cx, org: &OrgFacts) -> Outcome {
    let Some(previous) = cx.shared.consistency().stale_trusted(&org.management) else {
        return Outcome::forward();
    };
    Outcome::forward_then(move |mut reply| {
        let mut v = reply.json_body();
        if let Some(list) = v["EnabledServicePrincipals"].as_array_mut() {
            let has = list.iter().any(|s| s["ServicePrincipal"] == CLOUDTRAIL);
            if has && !previous {
                list.retain(|s| s["ServicePrincipal"] != CLOUDTRAIL);
            } else if !has && previous {
                list.push(json!({"ServicePrincipal": CLOUDTRAIL}));
            }
            reply.body = v.to_string().into_bytes();
        }
        reply
    })
}
