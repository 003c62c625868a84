//! `guardrails:`'s grants, added to `Grants`: the management account reads the organization's
//! policies (plan) and creates, updates, attaches, detaches and deletes orgtrail's own (apply).
//! Granted on `*` for now: Organizations scopes these to policy and target ARNs whose ids are
//! known only after CreatePolicy (docs/guardrails.md says so).

use super::{Grants, Principal, STAR};

const GROUP: &str = "OrganizationPolicies";

const READS: &[&str] = &[
    "organizations:DescribePolicy",
    "organizations:ListPolicies",
    "organizations:ListPoliciesForTarget",
    "organizations:ListRoots",
    "organizations:ListTargetsForPolicy",
];

const WRITES: &[&str] = &[
    "organizations:AttachPolicy",
    "organizations:CreatePolicy",
    "organizations:DeletePolicy",
    "organizations:DetachPolicy",
    "organizations:EnablePolicyType",
    "organizations:UpdatePolicy",
];

impl Grants<'_> {
    pub(super) fn guardrails(&mut self, s: &orgtrail_spec::Spec) {
        if s.guardrails.is_none() {
            return;
        }
        let m = Principal::Management;
        self.add(&m, GROUP, READS, STAR);
        if self.apply() {
            self.add(&m, GROUP, WRITES, STAR);
        }
    }
}
