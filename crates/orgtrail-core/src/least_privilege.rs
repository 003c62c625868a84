//! The least-privilege IAM policy a CI role needs to run `orgtrail plan` or `orgtrail apply` on
//! exactly a given set of specs (`orgtrail iam-policy`).
//!
//! Every grant names what it is for: the trail ARNs of the specs, their bucket ARN, their KMS
//! key, the roles they assume. `"Resource": "*"` appears only for actions AWS offers no
//! resource-level permission for (see [`STAR_ONLY`] and docs/iam/README.md, which cites the
//! Service Authorization Reference for each). Which calls are needed follows the spec: no
//! `StopLogging` for a spec that logs, no bucket writes for `policy: verify`, no S3 calls at
//! all for the management account when the bucket has a role in its own account (the role's
//! policy gets them, and the management account gets `sts:AssumeRole` on exactly that role).
//!
//! The actions here are the `call_error("svc:Action", ..)` names of `orgtrail-aws`; an
//! end-to-end test fails when the two disagree by a single action.

use std::collections::{BTreeMap, BTreeSet};

use orgtrail_spec::{PolicyMode, Spec};
use serde_json::{Map, Value, json};

use crate::model::CLOUDTRAIL_SERVICE;

#[path = "least_privilege_guardrails.rs"]
mod guardrails;
#[path = "least_privilege_verify.rs"]
mod verify; // `--for verify`'s grants, added to `Grants` // `guardrails:`'s grants, added to `Grants`

/// Which command the policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `plan`, `drift`, `import`: reads only.
    Plan,
    /// `apply`: the reads and every write apply may make.
    Apply,
    /// `verify`: the trail, the organization's accounts and regions, CloudTrail's public keys,
    /// and reading (never writing) the trail's files.
    Verify,
}

/// Who makes a call: the CI role itself (in the management account or a delegated
/// administrator account), or a role the specs name in another account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Principal {
    Management,
    Role(String),
}

impl Principal {
    pub fn label(&self) -> &str {
        match self {
            Principal::Management => "management",
            Principal::Role(arn) => arn,
        }
    }
}

/// Where the ARNs point when the specs cannot say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// The account of the trails (the management account for an organization trail) and of
    /// KMS keys named by id or alias; `None`: any account (`*`).
    pub account: Option<String>,
    /// Grant `organizations:EnableAllFeatures`: apply calls it only with
    /// `--allow-enable-all-features`, so a role whose organization has all features never needs
    /// it (`iam-policy --allow-enable-all-features`).
    pub enable_all_features: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            partition: "aws".into(),
            account: None,
            enable_all_features: false,
        }
    }
}

/// Actions that AWS authorizes only on `"Resource": "*"` (their Service Authorization
/// Reference entries list no resource type), with the page that says so.
pub const STAR_ONLY: [(&str, &str); 13] = [
    ("sts:GetCallerIdentity", "list_awssecuritytokenservice.html"),
    (
        "organizations:DescribeOrganization",
        "list_awsorganizations.html",
    ),
    (
        "organizations:ListAWSServiceAccessForOrganization",
        "list_awsorganizations.html",
    ),
    (
        "organizations:ListDelegatedAdministrators",
        "list_awsorganizations.html",
    ),
    (
        "organizations:EnableAllFeatures",
        "list_awsorganizations.html",
    ),
    (
        "organizations:EnableAWSServiceAccess",
        "list_awsorganizations.html",
    ),
    (
        "organizations:DisableAWSServiceAccess",
        "list_awsorganizations.html",
    ),
    ("organizations:ListAccounts", "list_awsorganizations.html"),
    ("organizations:ListPolicies", "list_awsorganizations.html"),
    ("organizations:ListRoots", "list_awsorganizations.html"),
    ("cloudtrail:DescribeTrails", "list_awscloudtrail.html"),
    ("cloudtrail:ListPublicKeys", "list_awscloudtrail.html"),
    (
        "cloudtrail:RegisterOrganizationDelegatedAdmin / DeregisterOrganizationDelegatedAdmin",
        "list_awscloudtrail.html",
    ),
];

/// One action on one resource, for one principal, under an optional condition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    who: Principal,
    /// The statement it belongs in (its Sid, before numbering).
    group: &'static str,
    action: &'static str,
    resource: String,
    condition: Option<String>,
}

/// Collects the grants of a set of specs.
struct Grants<'a> {
    purpose: Purpose,
    opts: &'a Options,
    out: BTreeSet<Grant>,
}

const STAR: &str = "*";
const NO_RESOURCE: &str = "NoResourceLevelPermissions";
const CLOUDTRAIL_ONLY: &str = "NoResourceLevelPermissionsCloudTrailOnly";

fn service_principal() -> String {
    json!({"StringEquals": {"organizations:ServicePrincipal": CLOUDTRAIL_SERVICE}}).to_string()
}

impl Grants<'_> {
    fn add(
        &mut self,
        who: &Principal,
        group: &'static str,
        actions: &[&'static str],
        resource: &str,
    ) {
        self.add_if(who, group, actions, resource, None);
    }

    fn add_if(
        &mut self,
        who: &Principal,
        group: &'static str,
        actions: &[&'static str],
        resource: &str,
        condition: Option<String>,
    ) {
        for action in actions {
            self.out.insert(Grant {
                who: who.clone(),
                group,
                action,
                resource: resource.to_string(),
                condition: condition.clone(),
            });
        }
    }

    fn apply(&self) -> bool {
        self.purpose == Purpose::Apply
    }

    fn account(&self) -> &str {
        self.opts.account.as_deref().unwrap_or(STAR)
    }

    fn spec(&mut self, s: &Spec) {
        if self.purpose == Purpose::Verify {
            self.verify(s);
            return;
        }
        self.caller_and_organization(s);
        self.guardrails(s);
        self.trail(s);
        self.bucket(s);
        self.kms(s);
        if self.apply() {
            self.organization_writes(s);
            self.organization_trail(s);
        }
    }

    /// Who is calling, the organization, the trails of the home region: always read.
    fn caller_and_organization(&mut self, s: &Spec) {
        let m = Principal::Management;
        self.add(
            &m,
            NO_RESOURCE,
            &[
                "sts:GetCallerIdentity",
                "organizations:DescribeOrganization",
                "organizations:ListAWSServiceAccessForOrganization",
                "cloudtrail:DescribeTrails",
            ],
            STAR,
        );
        // Read when a spec lists delegated administrators or the caller is one (not known
        // before the run): always granted, and only for CloudTrail's.
        self.add_if(
            &m,
            CLOUDTRAIL_ONLY,
            &["organizations:ListDelegatedAdministrators"],
            STAR,
            Some(service_principal()),
        );
        for role in [self.bucket_role(s), s.trail.kms_role_arn.as_ref()]
            .into_iter()
            .flatten()
        {
            self.add(&m, "AssumeLayoutRoles", &["sts:AssumeRole"], role);
        }
    }

    /// The bucket role this command assumes: apply's `role_arn`; for the commands that only
    /// read, `read_role_arn` when the spec names one.
    fn bucket_role<'s>(&self, s: &'s Spec) -> Option<&'s String> {
        let b = &s.bucket;
        if self.apply() {
            b.role_arn.as_ref()
        } else {
            b.read_role_arn.as_ref().or(b.role_arn.as_ref())
        }
    }

    fn trail(&mut self, s: &Spec) {
        let arn = format!(
            "arn:{}:cloudtrail:{}:{}:trail/{}",
            self.opts.partition,
            s.trail.home_region,
            self.account(),
            s.trail.name
        );
        let m = Principal::Management;
        let reads = [
            "cloudtrail:GetTrailStatus",
            "cloudtrail:GetEventSelectors",
            "cloudtrail:GetInsightSelectors",
            "cloudtrail:ListTags",
        ];
        self.add(&m, "Trail", &reads, &arn);
        if !self.apply() {
            return;
        }
        let writes = [
            "cloudtrail:CreateTrail",
            "cloudtrail:UpdateTrail",
            "cloudtrail:PutEventSelectors",
            "cloudtrail:PutInsightSelectors",
            "cloudtrail:AddTags",
            "cloudtrail:RemoveTags",
            // A spec that logs never stops logging, and the other way round.
            if s.trail.logging {
                "cloudtrail:StartLogging"
            } else {
                "cloudtrail:StopLogging"
            },
        ];
        self.add(&m, "Trail", &writes, &arn);
        if let Some(cw) = &s.trail.cloudwatch_logs {
            // CreateTrail/UpdateTrail hand CloudTrail the CloudWatch Logs role.
            let passed = json!({"StringEquals": {"iam:PassedToService": CLOUDTRAIL_SERVICE}});
            self.add_if(
                &m,
                "PassCloudWatchLogsRoleToCloudTrail",
                &["iam:PassRole"],
                &cw.role_arn,
                Some(passed.to_string()),
            );
        }
    }

    /// The bucket's calls, made as its role when it has one.
    fn bucket(&mut self, s: &Spec) {
        let b = &s.bucket;
        let who = self
            .bucket_role(s)
            .cloned()
            .map_or(Principal::Management, Principal::Role);
        let arn = format!("arn:{}:s3:::{}", self.opts.partition, b.name);
        self.add(&who, "LogBucket", &["s3:GetBucketPolicy"], &arn);
        // orgtrail manages the protection of a bucket it may write: its own account's, or one
        // reached through the bucket's role (crates/orgtrail-aws/src/read_protection.rs).
        let managed = b.role_arn.is_some()
            || b.account.is_none()
            || b.account.as_deref() == self.opts.account.as_deref();
        if !managed {
            return;
        }
        self.add(&who, "LogBucket", &bucket_reads(), &arn);
        if let Some(l) = &b.access_logging {
            let target = format!("arn:{}:s3:::{}", self.opts.partition, l.target_bucket);
            let reads = ["s3:GetBucketPolicy", "s3:GetBucketObjectLockConfiguration"];
            self.add(&who, "AccessLogTarget", &reads, &target);
            if self.apply() {
                self.add(&who, "AccessLogTarget", &["s3:PutBucketPolicy"], &target);
            }
        }
        if self.apply() {
            self.add(&who, "LogBucket", &bucket_writes(s), &arn);
        }
    }

    /// The trail's KMS key: described and its policy read, as the key role when there is one.
    fn kms(&mut self, s: &Spec) {
        let Some(key) = &s.trail.kms_key_id else {
            return;
        };
        let who = s
            .trail
            .kms_role_arn
            .clone()
            .map_or(Principal::Management, Principal::Role);
        let (resource, condition) = key_resource(key, s.bucket_region(), self.opts);
        self.add_if(
            &who,
            "TrailKey",
            &["kms:DescribeKey", "kms:GetKeyPolicy"],
            &resource,
            condition,
        );
    }

    fn organization_writes(&mut self, s: &Spec) {
        let m = Principal::Management;
        let o = &s.organization;
        if o.all_features && self.opts.enable_all_features {
            self.add(&m, NO_RESOURCE, &["organizations:EnableAllFeatures"], STAR);
        }
        let access = if o.trusted_access {
            "organizations:EnableAWSServiceAccess"
        } else {
            "organizations:DisableAWSServiceAccess"
        };
        self.add_if(
            &m,
            CLOUDTRAIL_ONLY,
            &[access],
            STAR,
            Some(service_principal()),
        );
        let Some(admins) = &o.delegated_administrators else {
            return;
        };
        let both = [
            "cloudtrail:RegisterOrganizationDelegatedAdmin",
            "cloudtrail:DeregisterOrganizationDelegatedAdmin",
        ];
        self.add(&m, NO_RESOURCE, &both, STAR);
        // What CloudTrail calls with the caller's credentials to (de)register one.
        let p = &self.opts.partition;
        let mgmt = self.account().to_string();
        for id in admins {
            let account = format!("arn:{p}:organizations::{mgmt}:account/o-*/{id}");
            self.add_if(
                &m,
                "DelegatedAdministrators",
                &["organizations:RegisterDelegatedAdministrator"],
                &account,
                Some(service_principal()),
            );
        }
        // Deregistration removes accounts the spec does not list: any member account.
        let any = format!("arn:{p}:organizations::{mgmt}:account/o-*/*");
        self.add_if(
            &m,
            "DelegatedAdministrators",
            &["organizations:DeregisterDelegatedAdministrator"],
            &any,
            Some(service_principal()),
        );
        self.service_linked_role();
    }

    /// An organization trail: CloudTrail creates its service-linked role and lists the
    /// organization's accounts with the caller's credentials.
    fn organization_trail(&mut self, s: &Spec) {
        if !s.trail.organization {
            return;
        }
        self.add(
            &Principal::Management,
            NO_RESOURCE,
            &["organizations:ListAccounts"],
            STAR,
        );
        self.service_linked_role();
    }

    fn service_linked_role(&mut self) {
        let m = Principal::Management;
        let role = format!(
            "arn:{}:iam::{}:role/aws-service-role/{CLOUDTRAIL_SERVICE}/AWSServiceRoleForCloudTrail",
            self.opts.partition,
            self.account()
        );
        let named = json!({"StringEquals": {"iam:AWSServiceName": CLOUDTRAIL_SERVICE}});
        self.add_if(
            &m,
            "CloudTrailServiceLinkedRole",
            &["iam:CreateServiceLinkedRole"],
            &role,
            Some(named.to_string()),
        );
        self.add(
            &m,
            "CloudTrailServiceLinkedRoleRead",
            &["iam:GetRole"],
            &role,
        );
    }
}

/// The bucket reads for a managed bucket: every protection setting (the lifecycle always:
/// anyone's rule can delete the logs). Plan reads Object Lock and access logging only when the
/// spec manages them, but `import` reads every setting to adopt what is live
/// (crates/orgtrail/src/import.rs), and the read role serves plan, drift and import alike
/// (docs/iam/README.md).
fn bucket_reads() -> Vec<&'static str> {
    vec![
        "s3:GetBucketPublicAccessBlock",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketVersioning",
        "s3:GetLifecycleConfiguration",
        "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketLogging",
    ]
}

/// The bucket writes apply may make for a managed bucket, for exactly what the spec manages.
fn bucket_writes(s: &Spec) -> Vec<&'static str> {
    let b = &s.bucket;
    let mut out = vec!["s3:PutEncryptionConfiguration"];
    let mut when = |cond: bool, actions: &[&'static str]| {
        if cond {
            out.extend_from_slice(actions);
        }
    };
    // The TLS-only statement rides on the policy merge; `verify` never writes the policy.
    when(b.policy == PolicyMode::Merge, &["s3:PutBucketPolicy"]);
    when(b.create, &["s3:CreateBucket"]);
    when(b.public_access_block, &["s3:PutBucketPublicAccessBlock"]);
    when(b.ownership.is_some(), &["s3:PutBucketOwnershipControls"]);
    when(b.versioning, &["s3:PutBucketVersioning"]);
    // Apply removes lifecycle rules that delete log files (whoever wrote them), and sets
    // orgtrail's own; PutBucketLifecycleConfiguration replaces the whole configuration, so apply
    // reads it first to keep the bucket's other rules.
    when(
        true,
        &[
            "s3:PutLifecycleConfiguration",
            "s3:GetLifecycleConfiguration",
        ],
    );
    when(
        b.object_lock.is_some(),
        &["s3:PutBucketObjectLockConfiguration"],
    );
    when(b.access_logging.is_some(), &["s3:PutBucketLogging"]);
    out.sort_unstable();
    out.dedup();
    out
}

/// The IAM resource of a `kms_key_id`: a key ARN as is; a key id as a key ARN in the bucket's
/// region; an alias as every key of its account that carries that alias (`kms:ResourceAliases`).
fn key_resource(key: &str, region: &str, opts: &Options) -> (String, Option<String>) {
    let p = &opts.partition;
    let account = opts.account.as_deref().unwrap_or(STAR);
    let aliased = |alias: &str| {
        let cond = json!({"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias}});
        Some(cond.to_string())
    };
    if let Some(rest) = key.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if let [part, _, r, acct, res] = parts[..]
            && let Some(alias) = res.strip_prefix("alias/")
        {
            return (
                format!("arn:{part}:kms:{r}:{acct}:key/*"),
                aliased(&format!("alias/{alias}")),
            );
        }
        return (key.to_string(), None);
    }
    if key.starts_with("alias/") {
        return (
            format!("arn:{p}:kms:{region}:{account}:key/*"),
            aliased(key),
        );
    }
    (format!("arn:{p}:kms:{region}:{account}:key/{key}"), None)
}

/// The roles in other accounts the specs name (bucket roles, key roles), sorted.
pub fn roles(specs: &[&Spec]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for s in specs {
        out.extend(s.bucket.role_arn.clone());
        out.extend(s.bucket.read_role_arn.clone());
        out.extend(s.trail.kms_role_arn.clone());
    }
    out.into_iter().collect()
}

/// Every principal's policy document for `specs`: the management account's first, then one per
/// role the specs name.
pub fn policies(specs: &[&Spec], purpose: Purpose, opts: &Options) -> BTreeMap<Principal, Value> {
    let mut g = Grants {
        purpose,
        opts,
        out: BTreeSet::new(),
    };
    for s in specs {
        g.spec(s);
    }
    let mut by_who: BTreeMap<Principal, Vec<Grant>> = BTreeMap::new();
    for grant in g.out {
        by_who.entry(grant.who.clone()).or_default().push(grant);
    }
    by_who
        .into_iter()
        .map(|(who, grants)| (who, document(&grants)))
        .collect()
}

/// One statement per (group, condition, set of actions), with every resource those actions are
/// granted on; Sids numbered when a group needs more than one statement.
fn document(grants: &[Grant]) -> Value {
    // (group, condition, resource) -> actions
    let mut per_resource: BTreeMap<(&str, Option<&String>, &str), BTreeSet<&str>> = BTreeMap::new();
    for g in grants {
        per_resource
            .entry((g.group, g.condition.as_ref(), g.resource.as_str()))
            .or_default()
            .insert(g.action);
    }
    // (group, condition, actions) -> resources
    type Key<'a> = (&'a str, Option<&'a String>, Vec<&'a str>);
    let mut statements: BTreeMap<Key, BTreeSet<&str>> = BTreeMap::new();
    for ((group, cond, resource), actions) in per_resource {
        statements
            .entry((group, cond, actions.into_iter().collect()))
            .or_default()
            .insert(resource);
    }
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    let list: Vec<Value> = statements
        .into_iter()
        .map(|((group, cond, actions), resources)| {
            let n = used.entry(group).or_insert(0);
            *n += 1;
            let sid = if *n == 1 {
                group.to_string()
            } else {
                format!("{group}{n}")
            };
            statement(&sid, &actions, &resources, cond)
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": list})
}

fn statement(
    sid: &str,
    actions: &[&str],
    resources: &BTreeSet<&str>,
    cond: Option<&String>,
) -> Value {
    let mut m = Map::new();
    m.insert("Sid".into(), json!(sid));
    m.insert("Effect".into(), json!("Allow"));
    m.insert("Action".into(), json!(actions));
    let resource = if resources.len() == 1 {
        json!(resources.iter().next())
    } else {
        json!(resources)
    };
    m.insert("Resource".into(), resource);
    if let Some(c) = cond {
        m.insert(
            "Condition".into(),
            serde_json::from_str(c).unwrap_or(Value::Null),
        );
    }
    Value::Object(m)
}

#[cfg(test)]
#[path = "least_privilege_tests.rs"]
mod tests;
