//! CloudTrail's contract: what CreateTrail and UpdateTrail check before they accept a trail
//! (the bucket policy lets CloudTrail deliver, the organization prerequisites, the KMS key,
//! the trail limit, a name already taken), the delegated-administrator API moto lacks, the
//! default event selector AWS reports, and an organization trail seen from member accounts.

use serde_json::{Value, json};

use super::policy::{self, Decision, PolicyError, Principal, Request};
use super::request::{Cx, Outcome};
use super::wire::Reply;
use super::world::{CLOUDTRAIL, OrgFacts, arn_account_region};

/// Trails per region and account ("Quotas in AWS CloudTrail").
pub const TRAIL_LIMIT: usize = 5;
/// CloudTrail delegated administrators per organization.
pub const DELEGATED_ADMIN_LIMIT: usize = 3;

pub fn check(cx: &Cx) -> Outcome {
    match cx.req.operation.as_str() {
        "CreateTrail" => create_trail(cx),
        "UpdateTrail" => update_trail(cx),
        "GetEventSelectors" => default_selectors(by_arn(cx)),
        "RegisterOrganizationDelegatedAdmin" => register_admin(cx, true),
        "DeregisterOrganizationDelegatedAdmin" => register_admin(cx, false),
        "DescribeTrails" => describe_trails(cx),
        "ListPublicKeys" => super::control::list_public_keys(cx),
        _ => by_arn(cx),
    }
}

fn error(rule: &'static str, code: &str, message: &str) -> Outcome {
    Outcome::reject(rule, Reply::json_error(code, "Message", message))
}

/// What a trail will be once the call succeeds: the fields the checks read.
struct Settings {
    name: String,
    region: String,
    bucket: String,
    prefix: String,
    organization: bool,
    kms_key: Option<String>,
}

impl Settings {
    fn arn(&self, owner: &str) -> String {
        format!(
            "arn:aws:cloudtrail:{}:{owner}:trail/{}",
            self.region, self.name
        )
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn create_trail(cx: &Cx) -> Outcome {
    let body = cx.req.json();
    let s = Settings {
        name: text(&body["Name"]),
        region: cx.req.region.clone(),
        bucket: text(&body["S3BucketName"]),
        prefix: text(&body["S3KeyPrefix"]),
        organization: body["IsOrganizationTrail"] == true,
        kms_key: body["KmsKeyId"].as_str().map(str::to_string),
    };
    let caller = cx.caller().account.clone();
    let org = if s.organization {
        match organization_rules(cx, &caller) {
            Ok(org) => Some(org),
            Err(refusal) => return refusal,
        }
    } else {
        None
    };
    // The management account owns an organization trail, also one a delegated admin creates.
    let owner = org
        .as_ref()
        .map_or(caller.clone(), |o| o.management.clone());
    name_taken_or_limit(cx, &s, &owner)
        .or_else(|| bucket_rule(cx, &s, &owner, org.as_ref()))
        .or_else(|| kms_rule(cx, &s, &owner))
        .unwrap_or_else(|| forward_as_owner(&owner, &caller))
}

/// moto keeps a trail with the account that creates it; AWS with its owner.
fn forward_as_owner(owner: &str, caller: &str) -> Outcome {
    if owner == caller {
        Outcome::forward()
    } else {
        Outcome::forward_as(owner)
    }
}

fn update_trail(cx: &Cx) -> Outcome {
    let body = cx.req.json();
    let name = text(&body["Name"]);
    let caller = cx.caller().account.clone();
    let owner = arn_account_region(&name).map_or(caller.clone(), |(a, _)| a);
    let Some(current) = cx.world().trail(&owner, &cx.req.region, &name) else {
        return by_arn(cx); // moto answers TrailNotFoundException
    };
    let field = |k: &str| body.get(k).filter(|v| !v.is_null());
    let s = Settings {
        name: text(&current["Name"]),
        region: current["HomeRegion"]
            .as_str()
            .unwrap_or(&cx.req.region)
            .to_string(),
        bucket: text(field("S3BucketName").unwrap_or(&current["S3BucketName"])),
        prefix: text(field("S3KeyPrefix").unwrap_or(&current["S3KeyPrefix"])),
        organization: field("IsOrganizationTrail").unwrap_or(&current["IsOrganizationTrail"])
            == &Value::Bool(true),
        kms_key: body["KmsKeyId"].as_str().map(str::to_string),
    };
    let converting = body["IsOrganizationTrail"] == true;
    let org = if converting || (s.organization && owner != caller) {
        match organization_rules(cx, &caller) {
            Ok(org) => Some(org),
            Err(refusal) => return refusal,
        }
    } else if s.organization {
        cx.world().organization(&owner)
    } else {
        None
    };
    let delivery_changes =
        converting || field("S3BucketName").is_some() || field("S3KeyPrefix").is_some();
    delivery_changes
        .then(|| bucket_rule(cx, &s, &owner, org.as_ref()))
        .flatten()
        .or_else(|| kms_rule(cx, &s, &owner))
        .unwrap_or_else(|| forward_as_owner(&owner, &caller))
}

/// An organization trail: the caller's account is in an organization with all features, is
/// its management account or a CloudTrail delegated administrator, and CloudTrail is a trusted
/// service (as CloudTrail sees it: during a propagation window, as it was before).
fn organization_rules(cx: &Cx, caller: &str) -> Result<OrgFacts, Outcome> {
    let Some(org) = cx.world().organization(caller) else {
        return Err(error(
            "cloudtrail-organization-required",
            "OrganizationsNotInUseException",
            "This account is not a member of an organization.",
        ));
    };
    if !org.all_features {
        return Err(error(
            "cloudtrail-all-features",
            "OrganizationNotInAllFeaturesModeException",
            "All features must be enabled in AWS Organizations to create an organization trail.",
        ));
    }
    if caller != org.management && !cx.world().trail_admins(&org.id).contains(caller) {
        return Err(error(
            "cloudtrail-management-or-delegated-admin",
            "NotOrganizationMasterAccountException",
            &format!(
                "Account {caller} is neither the management account of organization {} nor a CloudTrail delegated administrator.",
                org.id
            ),
        ));
    }
    let stale = cx.shared.consistency().stale_trusted(&org.management);
    if !stale.unwrap_or_else(|| cx.world().trusted(&org.management)) {
        return Err(error(
            "cloudtrail-trusted-access",
            "CloudTrailAccessNotEnabledException",
            "Trusted access for cloudtrail.amazonaws.com is not enabled in AWS Organizations.",
        ));
    }
    Ok(org)
}

/// CreateTrail of a name the region already shows (moto would silently replace the trail), or
/// a sixth trail in the region.
fn name_taken_or_limit(cx: &Cx, s: &Settings, owner: &str) -> Option<Outcome> {
    let trails = cx.world().trails(owner, &s.region);
    if trails.iter().any(|t| t["Name"] == s.name.as_str()) {
        return Some(error(
            "cloudtrail-trail-exists",
            "TrailAlreadyExistsException",
            &format!("Trail {} already exists for customer: {owner}", s.name),
        ));
    }
    (trails.len() >= TRAIL_LIMIT).then(|| {
        error(
            "cloudtrail-trail-limit",
            "MaximumNumberOfTrailsExceededException",
            &format!(
                "User: {owner} already has {TRAIL_LIMIT} trails in {}.",
                s.region
            ),
        )
    })
}

/// The requests CloudTrail makes to the bucket for this trail ("Amazon S3 bucket policy for
/// CloudTrail"): the ACL check, a log file under `AWSLogs/<owner>/`, and for an organization
/// trail one under `AWSLogs/<org-id>/<account>/`, each with `aws:SourceArn` and
/// `aws:SourceAccount`, the object ones with the `bucket-owner-full-control` ACL.
pub fn deliveries(
    bucket: &str,
    prefix: &str,
    trail_arn: &str,
    owner: &str,
    org_id: Option<&str>,
) -> Vec<Request> {
    let region = arn_account_region(trail_arn)
        .map(|(_, r)| r)
        .unwrap_or_default();
    let service = || {
        Request::new(Principal::Service(CLOUDTRAIL.into()), "", "")
            .with("aws:SourceArn", trail_arn)
            .with("aws:SourceAccount", owner)
            .with("aws:SecureTransport", "true")
            .with("aws:PrincipalIsAWSService", "true")
            .with("aws:PrincipalServiceName", CLOUDTRAIL)
    };
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    let object = |path: &str| {
        let mut r = service().with("s3:x-amz-acl", "bucket-owner-full-control");
        r.action = "s3:PutObject".into();
        r.resource = format!(
            "arn:aws:s3:::{bucket}/{prefix}AWSLogs/{path}/CloudTrail/{region}/2025/01/01/{owner}_CloudTrail_{region}_20250101T0000Z_contract.json.gz"
        );
        r
    };
    let mut acl = service();
    acl.action = "s3:GetBucketAcl".into();
    acl.resource = format!("arn:aws:s3:::{bucket}");
    let mut out = vec![acl, object(owner)];
    if let Some(id) = org_id {
        out.push(object(&format!("{id}/{owner}")));
    }
    out
}

/// InsufficientS3BucketPolicyException unless the bucket policy (as CloudTrail sees it) allows
/// every delivery.
fn bucket_rule(cx: &Cx, s: &Settings, owner: &str, org: Option<&OrgFacts>) -> Option<Outcome> {
    let facts = cx.world().bucket(&s.bucket)?; // missing: moto answers S3BucketDoesNotExist
    let stale = cx.shared.consistency().stale_bucket_policy(&s.bucket);
    let policy = stale.unwrap_or_else(|| cx.world().bucket_policy(&s.bucket, &facts));
    let org_id = org.filter(|_| s.organization).map(|o| o.id.as_str());
    let requests = deliveries(&s.bucket, &s.prefix, &s.arn(owner), owner, org_id);
    match allows_all(policy.as_deref(), &requests) {
        Ok(true) => None,
        Ok(false) => Some(error(
            "cloudtrail-bucket-policy",
            "InsufficientS3BucketPolicyException",
            &format!(
                "Incorrect S3 bucket policy is detected for bucket: {}",
                s.bucket
            ),
        )),
        Err(e) => Some(unsupported(&e)),
    }
}

fn allows_all(policy: Option<&str>, requests: &[Request]) -> Result<bool, PolicyError> {
    let Some(policy) = policy else {
        return Ok(false);
    };
    for r in requests {
        if policy::evaluate(policy, r)? != Decision::Allow {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A policy the layer cannot judge: refused loudly, never guessed.
fn unsupported(e: &PolicyError) -> Outcome {
    error(
        "contract-unsupported",
        "OrgtrailContractLayerUnsupported",
        &format!("the contract layer cannot evaluate this policy: {e}"),
    )
}

/// The trail's KMS key: it exists, is in the bucket's region (KmsKeyNotFoundException), and its
/// policy lets CloudTrail generate data keys for this trail (InsufficientEncryptionPolicy).
fn kms_rule(cx: &Cx, s: &Settings, owner: &str) -> Option<Outcome> {
    let key_id = s.kms_key.as_deref().filter(|k| !k.is_empty())?;
    let (account, region) =
        arn_account_region(key_id).unwrap_or((owner.to_string(), s.region.clone()));
    let Some(key) = cx.world().key(&account, &region, key_id) else {
        return Some(error(
            "cloudtrail-kms-key-missing",
            "KmsKeyNotFoundException",
            &format!("KMS key {key_id} does not exist."),
        ));
    };
    let bucket_region = cx.world().bucket(&s.bucket).map(|b| b.region);
    if bucket_region.as_ref().is_some_and(|r| *r != key.region) {
        return Some(error(
            "cloudtrail-kms-key-region",
            "KmsKeyNotFoundException",
            &format!(
                "KMS key {} is in {}, not in {}, the region of bucket {}.",
                key.arn,
                key.region,
                bucket_region.unwrap_or_default(),
                s.bucket
            ),
        ));
    }
    let stale = cx.shared.consistency().stale_key_policy(&key.arn);
    let policy = stale.unwrap_or_else(|| cx.world().key_policy(&key));
    let trail_arn = s.arn(owner);
    let req = Request::new(
        Principal::Service(CLOUDTRAIL.into()),
        "kms:GenerateDataKey",
        &key.arn,
    )
    .with("aws:SourceArn", &trail_arn)
    .with("aws:SourceAccount", owner)
    .with("kms:EncryptionContext:aws:cloudtrail:arn", &trail_arn);
    match allows_all(policy.as_deref(), &[req]) {
        Ok(true) => None,
        Ok(false) => Some(error(
            "cloudtrail-kms-key-policy",
            "InsufficientEncryptionPolicyException",
            &format!(
                "Insufficient permissions to access S3 bucket {} or KMS key {}.",
                s.bucket, key.arn
            ),
        )),
        Err(e) => Some(unsupported(&e)),
    }
}

/// The trail a call addresses, when it is an ARN: `Name`, `TrailName`, `ResourceId` or the
/// first of `ResourceIdList`.
fn addressed_arn(body: &Value) -> Option<String> {
    ["Name", "TrailName", "ResourceId"]
        .iter()
        .find_map(|k| body[*k].as_str())
        .or_else(|| body["ResourceIdList"][0].as_str())
        .filter(|s| s.starts_with("arn:"))
        .map(str::to_string)
}

/// A call by ARN on the management account's organization trail, from a member account: AWS
/// lets members read it and CloudTrail delegated administrators change it; moto keeps it with
/// the management account, so it answers as that account.
fn by_arn(cx: &Cx) -> Outcome {
    let Some((account, _)) = addressed_arn(&cx.req.json()).and_then(|a| arn_account_region(&a))
    else {
        return Outcome::forward();
    };
    let caller = cx.caller().account.clone();
    if account == caller {
        return Outcome::forward();
    }
    let Some(org) = cx.world().organization(&caller) else {
        return Outcome::forward();
    };
    let op = cx.req.operation.as_str();
    let read = ["Get", "List", "Describe", "Lookup"]
        .iter()
        .any(|p| op.starts_with(p));
    let admin = cx.world().trail_admins(&org.id).contains(&caller);
    if org.management == account && (read || admin) {
        Outcome::forward_as(&account)
    } else {
        Outcome::forward()
    }
}

/// DescribeTrails from a member account also lists the organization's trails.
fn describe_trails(cx: &Cx) -> Outcome {
    let caller = cx.caller().account.clone();
    let Some(org) = cx
        .world()
        .organization(&caller)
        .filter(|o| o.management != caller)
    else {
        return Outcome::forward();
    };
    let org_trails: Vec<Value> = cx
        .world()
        .trails(&org.management, &cx.req.region)
        .into_iter()
        .filter(|t| t["IsOrganizationTrail"] == true)
        .collect();
    Outcome::forward_then(move |mut reply| {
        let mut v = reply.json_body();
        if let Some(list) = v["trailList"].as_array_mut() {
            for t in org_trails {
                if !list.iter().any(|o| o["TrailARN"] == t["TrailARN"]) {
                    list.push(t);
                }
            }
            reply.body = v.to_string().into_bytes();
        }
        reply
    })
}

/// GetEventSelectors of a trail never given selectors: AWS answers its default (one basic
/// selector, all read and write management events), moto answers none.
fn default_selectors(outcome: Outcome) -> Outcome {
    let Outcome::Forward { as_account, .. } = outcome else {
        return outcome;
    };
    Outcome::Forward {
        as_account,
        then: Some(Box::new(|mut reply| {
            let mut v = reply.json_body();
            let empty = |k: &str| v[k].as_array().is_none_or(Vec::is_empty);
            if reply.is_success() && empty("EventSelectors") && empty("AdvancedEventSelectors") {
                v["EventSelectors"] = json!([{
                    "ReadWriteType": "All",
                    "IncludeManagementEvents": true,
                    "DataResources": [],
                    "ExcludeManagementEventSources": []
                }]);
                if let Some(o) = v.as_object_mut() {
                    o.remove("AdvancedEventSelectors");
                }
                reply.body = v.to_string().into_bytes();
            }
            reply
        })),
    }
}

/// RegisterOrganizationDelegatedAdmin / DeregisterOrganizationDelegatedAdmin, on top of moto's
/// organization data: only the management account of an organization with all features and
/// CloudTrail trusted, for a member account of it; at most three.
fn register_admin(cx: &Cx, register: bool) -> Outcome {
    let body = cx.req.json();
    let member = text(
        &body[if register {
            "MemberAccountId"
        } else {
            "DelegatedAdminAccountId"
        }],
    );
    let caller = cx.caller().account.clone();
    let org = match admin_prerequisites(cx, &caller) {
        Ok(org) => org,
        Err(refusal) => return refusal,
    };
    if register && member == org.management {
        return error(
            "cloudtrail-delegated-admin",
            "CannotDelegateManagementAccountException",
            "The management account cannot be registered as a CloudTrail delegated administrator.",
        );
    }
    if !cx.world().org_accounts(&org.management).contains(&member) {
        return error(
            "cloudtrail-delegated-admin",
            "AccountNotFoundException",
            &format!(
                "Account {member} is not a member of organization {}.",
                org.id
            ),
        );
    }
    let admins = cx.world().trail_admins(&org.id);
    let refusal = match (register, admins.contains(&member)) {
        (true, true) => Some(("AccountRegisteredException", "is already")),
        (false, false) => Some(("AccountNotRegisteredException", "is not")),
        (true, false) if admins.len() >= DELEGATED_ADMIN_LIMIT => Some((
            "DelegatedAdminAccountLimitExceededException",
            "cannot be added: the organization has the maximum number of",
        )),
        _ => None,
    };
    if let Some((code, what)) = refusal {
        return error(
            "cloudtrail-delegated-admin",
            code,
            &format!("Account {member} {what} CloudTrail delegated administrator(s)."),
        );
    }
    cx.world().set_trail_admin(&org.id, &member, register);
    Outcome::answer("cloudtrail-delegated-admin", Reply::json(&json!({})))
}

fn admin_prerequisites(cx: &Cx, caller: &str) -> Result<OrgFacts, Outcome> {
    let Some(org) = cx.world().organization(caller) else {
        return Err(error(
            "cloudtrail-delegated-admin",
            "OrganizationsNotInUseException",
            "This account is not a member of an organization.",
        ));
    };
    if caller != org.management {
        return Err(error(
            "cloudtrail-delegated-admin",
            "NotOrganizationManagementAccountException",
            "Only the management account of the organization can change CloudTrail delegated administrators.",
        ));
    }
    if !org.all_features {
        return Err(error(
            "cloudtrail-delegated-admin",
            "OrganizationNotInAllFeaturesModeException",
            "All features must be enabled in AWS Organizations.",
        ));
    }
    if !cx.world().trusted(&org.management) {
        return Err(error(
            "cloudtrail-delegated-admin",
            "CloudTrailAccessNotEnabledException",
            "Trusted access for cloudtrail.amazonaws.com is not enabled in AWS Organizations.",
        ));
    }
    Ok(org)
}
