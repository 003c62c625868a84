//! The organization's authorization policies (SCPs, RCPs) as moto holds them, read for one
//! request as the management account: whether the policy type is enabled on the root, the path
//! from the root to an account (root, OUs, the account), and the documents attached at each
//! level. Nothing is kept across requests: a test attaches, edits and detaches policies between
//! calls, and Organizations is strongly consistent for the suite's purpose.

use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::{Value, json};

use super::world::{OrgFacts, World};

const ORGS: &str = "AWSOrganizationsV20161128";

/// SCPs or RCPs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scp,
    Rcp,
}

impl Kind {
    fn type_name(self) -> &'static str {
        match self {
            Kind::Scp => "SERVICE_CONTROL_POLICY",
            Kind::Rcp => "RESOURCE_CONTROL_POLICY",
        }
    }
}

/// One organization's policies, as far as one request needs them.
pub struct OrgPolicies<'a> {
    world: &'a World,
    pub org: OrgFacts,
    enabled: Vec<String>,
    /// Policy documents by id, read once per request.
    docs: RefCell<HashMap<String, Option<String>>>,
    /// Whether a policy of each kind other than AWS's managed ones exists (`None`: not asked).
    custom: RefCell<HashMap<&'static str, bool>>,
}

impl<'a> OrgPolicies<'a> {
    /// The organization `account` belongs to, with its root's enabled policy types; `None`
    /// when the account is in no organization.
    pub fn read(world: &'a World, account: &str) -> Option<OrgPolicies<'a>> {
        let org = world.organization(account)?;
        let roots = call(world, &org.management, "ListRoots", json!({}));
        let enabled = roots["Roots"][0]["PolicyTypes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["Status"] == "ENABLED")
            .filter_map(|t| t["Type"].as_str().map(str::to_string))
            .collect();
        Some(OrgPolicies {
            world,
            org,
            enabled,
            docs: RefCell::default(),
            custom: RefCell::default(),
        })
    }

    /// Whether `account` is a member (bound by the organization's policies): the management
    /// account never is ("SCPs don't affect users or roles in the management account"; "RCPs
    /// don't affect resources in the management account").
    pub fn binds(&self, account: &str) -> bool {
        account != self.org.management
    }

    /// Whether policies of `kind` take effect: the type is enabled on the root (disabling it
    /// detaches every policy of the type) and some policy other than AWS's managed
    /// FullAWSAccess / RCPFullAWSAccess exists (those allow everything: nothing to evaluate).
    pub fn in_force(&self, kind: Kind) -> bool {
        self.enabled(kind) && self.has_custom(kind)
    }

    /// Whether the policy type is enabled on the root.
    pub fn enabled(&self, kind: Kind) -> bool {
        self.enabled.iter().any(|t| t == kind.type_name())
    }

    fn has_custom(&self, kind: Kind) -> bool {
        if let Some(known) = self.custom.borrow().get(kind.type_name()) {
            return *known;
        }
        let custom = self
            .list(
                "ListPolicies",
                json!({"Filter": kind.type_name()}),
                "Policies",
            )
            .iter()
            .any(|p| p["AwsManaged"] != true);
        self.custom.borrow_mut().insert(kind.type_name(), custom);
        custom
    }

    /// The targets from the root down to `account`: the root, each OU on the way, the account.
    pub fn path(&self, account: &str) -> Vec<String> {
        let mut path = vec![account.to_string()];
        let mut child = account.to_string();
        // An organization is at most five OUs deep under its root: a bound on a broken answer.
        for _ in 0..8 {
            let parents = self.list("ListParents", json!({"ChildId": child}), "Parents");
            let Some(parent) = parents.first() else { break };
            let Some(id) = parent["Id"].as_str() else {
                break;
            };
            path.insert(0, id.to_string());
            if parent["Type"] == "ROOT" {
                break;
            }
            child = id.to_string();
        }
        path
    }

    /// The documents of the policies of `kind` attached directly to `target`.
    pub fn attached(&self, target: &str, kind: Kind) -> Vec<String> {
        let body = json!({"TargetId": target, "Filter": kind.type_name()});
        self.list("ListPoliciesForTarget", body, "Policies")
            .iter()
            .filter_map(|p| p["Id"].as_str())
            .filter_map(|id| self.document(id))
            .collect()
    }

    fn document(&self, id: &str) -> Option<String> {
        if let Some(doc) = self.docs.borrow().get(id) {
            return doc.clone();
        }
        let r = call(
            self.world,
            &self.org.management,
            "DescribePolicy",
            json!({"PolicyId": id}),
        );
        let doc = r["Policy"]["Content"].as_str().map(str::to_string);
        self.docs.borrow_mut().insert(id.to_string(), doc.clone());
        doc
    }

    /// Every page of a list operation, as the management account.
    fn list(&self, op: &str, body: Value, member: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut body = body;
        loop {
            let r = call(self.world, &self.org.management, op, body.clone());
            out.extend(r[member].as_array().cloned().unwrap_or_default());
            match r["NextToken"].as_str() {
                Some(t) if !t.is_empty() => body["NextToken"] = json!(t),
                _ => return out,
            }
        }
    }
}

fn call(world: &World, management: &str, op: &str, body: Value) -> Value {
    world
        .call(management, "us-east-1", &format!("{ORGS}.{op}"), body)
        .json_body()
}
