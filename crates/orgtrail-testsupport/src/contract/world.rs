//! The state the rules need, read from moto directly (as the account that owns it, through
//! moto's `x-moto-account-id`), never through orgtrail's code: who a caller is, who owns a
//! bucket and where it is, the organization, its trusted services and delegated
//! administrators, trails and KMS keys. Plus what moto cannot hold: CloudTrail's delegated
//! administrators (moto's Organizations refuses `cloudtrail.amazonaws.com` as a delegated
//! service), kept here per organization.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use serde_json::{Value, json};

use super::wire::{Query, Reply, ask, xml_values};

/// moto's default account: the test access key maps to it.
pub const DEFAULT_ACCOUNT: &str = "123456789012";
pub const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";
const ORGS: &str = "AWSOrganizationsV20161128";
const TRAILS: &str = "CloudTrail_20131101";

#[derive(Debug, Clone)]
pub struct Caller {
    pub account: String,
    pub arn: String,
}

#[derive(Debug, Clone)]
pub struct BucketFacts {
    pub owner: String,
    pub region: String,
}

#[derive(Debug, Clone)]
pub struct OrgFacts {
    pub id: String,
    pub management: String,
    pub all_features: bool,
}

#[derive(Debug, Clone)]
pub struct KeyFacts {
    pub arn: String,
    pub account: String,
    pub region: String,
}

pub struct World {
    port: u16,
    callers: Mutex<HashMap<String, Caller>>,
    buckets: Mutex<HashMap<String, BucketFacts>>,
    /// CloudTrail delegated administrators, by organization id.
    trail_admins: Mutex<BTreeMap<String, BTreeSet<String>>>,
}

impl World {
    pub fn new(port: u16) -> World {
        World {
            port,
            callers: Mutex::default(),
            buckets: Mutex::default(),
            trail_admins: Mutex::default(),
        }
    }

    /// Forget what was learned (after moto's state was reset).
    pub fn forget(&self) {
        self.buckets.lock().expect("lock").clear();
        self.trail_admins.lock().expect("lock").clear();
    }

    fn ask(&self, q: &Query) -> Reply {
        ask(self.port, q).unwrap_or_else(|e| Reply::new(599, "text/plain", e.to_string().into()))
    }

    /// A JSON-protocol call answered by moto as `account`.
    pub fn call(&self, account: &str, region: &str, target: &str, body: Value) -> Reply {
        let service = if target.starts_with(ORGS) {
            "organizations"
        } else if target.starts_with(TRAILS) {
            "cloudtrail"
        } else {
            "kms"
        };
        self.ask(&Query::json(service, region, target, body).as_account(account))
    }

    /// Who signs with `access_key` (moto's GetCallerIdentity ignores the signature).
    pub fn caller(&self, access_key: &str) -> Caller {
        if let Some(c) = self.callers.lock().expect("lock").get(access_key) {
            return c.clone();
        }
        let mut q = Query::new("POST", "/", "sts", "us-east-1");
        q.access_key = Some(access_key);
        q.body = b"Action=GetCallerIdentity&Version=2011-06-15".to_vec();
        let text = self.ask(&q).text();
        let account = xml_values(&text, "Account")
            .pop()
            .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string());
        let arn = xml_values(&text, "Arn")
            .pop()
            .unwrap_or_else(|| format!("arn:aws:iam::{account}:root"));
        let c = Caller { account, arn };
        self.callers
            .lock()
            .expect("lock")
            .insert(access_key.to_string(), c.clone());
        c
    }

    /// Every account the layer knows of: moto's default, every caller seen.
    fn known_accounts(&self) -> BTreeSet<String> {
        let mut set: BTreeSet<String> = self
            .callers
            .lock()
            .expect("lock")
            .values()
            .map(|c| c.account.clone())
            .collect();
        set.insert(DEFAULT_ACCOUNT.to_string());
        set
    }

    /// The inline policies of role `name` in `account` (moto's IAM), read every time (a test may
    /// change them); `None` when moto has no such role or it has no inline policy: the layer
    /// then judges nothing about it (the roles the suite assumes without creating them,
    /// `OrganizationAccountAccessRole`, keep working).
    pub fn role_policies(&self, account: &str, name: &str) -> Option<Vec<String>> {
        let iam = |body: String| {
            let mut q = Query::new("POST", "/", "iam", "us-east-1").as_account(account);
            q.body = body.into_bytes();
            self.ask(&q).text()
        };
        let names = xml_values(
            &iam(format!(
                "Action=ListRolePolicies&RoleName={name}&Version=2010-05-08"
            )),
            "member",
        );
        let docs: Vec<String> = names
            .iter()
            .map(|p| {
                let text = iam(format!(
                    "Action=GetRolePolicy&RoleName={name}&PolicyName={p}&Version=2010-05-08"
                ));
                let doc = xml_values(&text, "PolicyDocument")
                    .pop()
                    .unwrap_or_default();
                super::wire::percent_decode(&doc.replace("&quot;", "\"").replace("&amp;", "&"))
            })
            .collect();
        (!docs.is_empty()).then_some(docs)
    }

    /// The trust policy of role `name` in `account` (moto's IAM); `None` when there is no such
    /// role.
    pub fn role_trust(&self, account: &str, name: &str) -> Option<String> {
        let mut q = Query::new("POST", "/", "iam", "us-east-1").as_account(account);
        q.body = format!("Action=GetRole&RoleName={name}&Version=2010-05-08").into_bytes();
        let doc = xml_values(&self.ask(&q).text(), "AssumeRolePolicyDocument").pop()?;
        Some(super::wire::percent_decode(
            &doc.replace("&quot;", "\"").replace("&amp;", "&"),
        ))
    }

    /// The owner and region of a bucket; `None` when it does not exist.
    pub fn bucket(&self, name: &str) -> Option<BucketFacts> {
        if let Some(f) = self.buckets.lock().expect("lock").get(name) {
            return Some(f.clone());
        }
        let head = self.ask(&Query::new("HEAD", &format!("/{name}"), "s3", "us-east-1"));
        let region = head.header("x-amz-bucket-region")?.to_string();
        let owner = self.bucket_owner(name)?;
        let facts = BucketFacts { owner, region };
        self.buckets
            .lock()
            .expect("lock")
            .insert(name.to_string(), facts.clone());
        Some(facts)
    }

    /// The account whose ListBuckets names the bucket: known accounts first, then the accounts
    /// of their organizations.
    fn bucket_owner(&self, name: &str) -> Option<String> {
        let known = self.known_accounts();
        if let Some(a) = known.iter().find(|a| self.lists_bucket(a, name)) {
            return Some(a.clone());
        }
        let managements: BTreeSet<String> = known
            .iter()
            .filter_map(|a| self.organization(a))
            .map(|o| o.management)
            .collect();
        managements
            .iter()
            .flat_map(|m| self.org_accounts(m))
            .filter(|a| !known.contains(a))
            .find(|a| self.lists_bucket(a, name))
    }

    fn lists_bucket(&self, account: &str, name: &str) -> bool {
        let list = self.ask(&Query::new("GET", "/", "s3", "us-east-1").as_account(account));
        xml_values(&list.text(), "Name").iter().any(|n| n == name)
    }

    /// The bucket policy as moto holds it now.
    pub fn bucket_policy(&self, name: &str, facts: &BucketFacts) -> Option<String> {
        let r = self.ask(
            &Query::new("GET", &format!("/{name}?policy"), "s3", &facts.region)
                .as_account(&facts.owner),
        );
        r.is_success().then(|| r.text())
    }

    /// The organization `account` belongs to.
    pub fn organization(&self, account: &str) -> Option<OrgFacts> {
        let r = self.call(
            account,
            "us-east-1",
            &format!("{ORGS}.DescribeOrganization"),
            json!({}),
        );
        let o = r.json_body().get("Organization")?.clone();
        Some(OrgFacts {
            id: o["Id"].as_str()?.to_string(),
            management: o["MasterAccountId"].as_str()?.to_string(),
            all_features: o["FeatureSet"] == "ALL",
        })
    }

    /// Whether CloudTrail is a trusted service of the organization managed by `management`.
    pub fn trusted(&self, management: &str) -> bool {
        let r = self.call(
            management,
            "us-east-1",
            &format!("{ORGS}.ListAWSServiceAccessForOrganization"),
            json!({}),
        );
        r.json_body()["EnabledServicePrincipals"]
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s["ServicePrincipal"] == CLOUDTRAIL))
    }

    /// The member accounts (and the management account) of an organization, with moto's
    /// descriptions.
    pub fn org_account_details(&self, management: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let body = match &token {
                Some(t) => json!({"NextToken": t}),
                None => json!({}),
            };
            let r = self
                .call(
                    management,
                    "us-east-1",
                    &format!("{ORGS}.ListAccounts"),
                    body,
                )
                .json_body();
            out.extend(r["Accounts"].as_array().cloned().unwrap_or_default());
            match r["NextToken"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return out,
            }
        }
    }

    pub fn org_accounts(&self, management: &str) -> Vec<String> {
        self.org_account_details(management)
            .iter()
            .filter_map(|a| a["Id"].as_str().map(str::to_string))
            .collect()
    }

    /// Whether `account` is a delegated administrator of the organization for any service.
    pub fn is_delegated_admin(&self, org: &OrgFacts, account: &str) -> bool {
        if self.trail_admins(&org.id).contains(account) {
            return true;
        }
        let r = self.call(
            &org.management,
            "us-east-1",
            &format!("{ORGS}.ListDelegatedAdministrators"),
            json!({}),
        );
        r.json_body()["DelegatedAdministrators"]
            .as_array()
            .is_some_and(|l| l.iter().any(|a| a["Id"] == account))
    }

    pub fn trail_admins(&self, org_id: &str) -> BTreeSet<String> {
        self.trail_admins
            .lock()
            .expect("lock")
            .get(org_id)
            .cloned()
            .unwrap_or_default()
    }

    pub fn set_trail_admin(&self, org_id: &str, account: &str, registered: bool) {
        let mut all = self.trail_admins.lock().expect("lock");
        let set = all.entry(org_id.to_string()).or_default();
        if registered {
            set.insert(account.to_string());
        } else {
            set.remove(account);
        }
    }

    /// A trail as GetTrail shows it to its owner.
    pub fn trail(&self, account: &str, region: &str, name_or_arn: &str) -> Option<Value> {
        let r = self.call(
            account,
            region,
            &format!("{TRAILS}.GetTrail"),
            json!({"Name": name_or_arn}),
        );
        r.is_success().then(|| r.json_body()["Trail"].clone())
    }

    /// The trails DescribeTrails lists in `region` (shadow trails included).
    pub fn trails(&self, account: &str, region: &str) -> Vec<Value> {
        let r = self.call(
            account,
            region,
            &format!("{TRAILS}.DescribeTrails"),
            json!({"includeShadowTrails": true}),
        );
        r.json_body()["trailList"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// A KMS key as its owner sees it (`key` an id, alias or ARN).
    pub fn key(&self, account: &str, region: &str, key: &str) -> Option<KeyFacts> {
        let r = self.call(
            account,
            region,
            "TrentService.DescribeKey",
            json!({"KeyId": key}),
        );
        let arn = r.json_body()["KeyMetadata"]["Arn"].as_str()?.to_string();
        let parts: Vec<&str> = arn.split(':').collect();
        Some(KeyFacts {
            account: parts.get(4)?.to_string(),
            region: parts.get(3)?.to_string(),
            arn,
        })
    }

    pub fn key_policy(&self, key: &KeyFacts) -> Option<String> {
        let r = self.call(
            &key.account,
            &key.region,
            "TrentService.GetKeyPolicy",
            json!({"KeyId": key.arn, "PolicyName": "default"}),
        );
        r.json_body()["Policy"].as_str().map(str::to_string)
    }
}

/// The account and region named by an ARN (`arn:partition:service:region:account:…`).
pub fn arn_account_region(arn: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    (parts.len() == 6 && parts[0] == "arn").then(|| (parts[4].to_string(), parts[3].to_string()))
}
