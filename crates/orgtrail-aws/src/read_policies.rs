//! The organization's guardrail policies (management account only): ListPolicies of both
//! authorization types, to find orgtrail's own (`orgtrail-protect-<trail or bucket>` of these
//! specs); only when one exists or a spec has `guardrails:`, the root (ListRoots: its id and
//! enabled policy types), each policy's document and description (DescribePolicy), its targets
//! (ListTargetsForPolicy), and how many policies each target of the specs has
//! (ListPoliciesForTarget, against the 5-per-target limit).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_organizations::types::{PolicySummary, PolicyType as SdkType, PolicyTypeStatus};
use orgtrail_core::guardrails::policy_name;
use orgtrail_core::{MANAGED_MARKER, OrgPolicies, OrgPolicy, PolicyType};
use orgtrail_spec::Spec;

use crate::client::Aws;
use crate::error::{AwsError, send};

const TYPES: [PolicyType; 2] = [
    PolicyType::ServiceControlPolicy,
    PolicyType::ResourceControlPolicy,
];

fn sdk(t: PolicyType) -> SdkType {
    SdkType::from(t.as_str())
}

/// The names orgtrail gives these specs' guardrails, by type.
fn our_names(specs: &[&Spec]) -> BTreeSet<(PolicyType, String)> {
    specs
        .iter()
        .flat_map(|s| TYPES.map(|t| (t, policy_name(t, &s.trail.name, &s.bucket.name))))
        .collect()
}

impl Aws {
    /// `None` when no spec has `guardrails:` and none of their policies exists (two
    /// ListPolicies calls find out).
    pub(crate) async fn org_policies(
        &self,
        specs: &[&Spec],
    ) -> Result<Option<OrgPolicies>, AwsError> {
        let names = our_names(specs);
        let (scps, rcps) = tokio::join!(self.list_policies(TYPES[0]), self.list_policies(TYPES[1]));
        let mut ours: Vec<(PolicyType, PolicySummary)> = Vec::new();
        for (t, listed) in [(TYPES[0], scps?), (TYPES[1], rcps?)] {
            for p in listed {
                if names.contains(&(t, p.name().unwrap_or_default().to_string())) {
                    ours.push((t, p));
                }
            }
        }
        if ours.is_empty() && specs.iter().all(|s| s.guardrails.is_none()) {
            return Ok(None);
        }
        let (root_id, enabled) = self.root().await?;
        let mut policies = Vec::new();
        for (t, summary) in ours {
            policies.push(self.policy(t, &summary).await?);
        }
        let mut attached_counts = BTreeMap::new();
        for target in spec_targets(specs, &root_id) {
            let mut counts = BTreeMap::new();
            for t in TYPES {
                counts.insert(t, self.policies_for_target(&target, t).await?);
            }
            attached_counts.insert(target, counts);
        }
        Ok(Some(OrgPolicies {
            root_id,
            enabled,
            policies,
            attached_counts,
        }))
    }

    pub(crate) async fn list_policies(
        &self,
        t: PolicyType,
    ) -> Result<Vec<PolicySummary>, AwsError> {
        let _s = self.slot("organizations").await;
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let req = self
                .organizations()
                .list_policies()
                .filter(sdk(t))
                .set_next_token(token);
            let page = send!(
                req,
                "organizations:ListPolicies",
                "the organization's policies"
            )?;
            out.extend(page.policies().iter().cloned());
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// The root's id and the guardrail policy types enabled on it.
    async fn root(&self) -> Result<(String, Vec<PolicyType>), AwsError> {
        let _s = self.slot("organizations").await;
        let req = self.organizations().list_roots();
        let out = send!(req, "organizations:ListRoots", "the organization's root")?;
        let root = out.roots().first().ok_or_else(|| {
            AwsError::data(
                "organizations:ListRoots",
                "the organization's root",
                "no root in the response",
            )
        })?;
        let enabled = root
            .policy_types()
            .iter()
            // Being enabled (in the background) counts: enabling it again would be refused.
            .filter(|p| {
                matches!(
                    p.status(),
                    Some(PolicyTypeStatus::Enabled | PolicyTypeStatus::PendingEnable)
                )
            })
            .filter_map(|p| p.r#type().and_then(|t| PolicyType::parse(t.as_str())))
            .collect();
        Ok((root.id().unwrap_or_default().to_string(), enabled))
    }

    async fn policy(&self, t: PolicyType, s: &PolicySummary) -> Result<OrgPolicy, AwsError> {
        let id = s.id().unwrap_or_default().to_string();
        let name = s.name().unwrap_or_default().to_string();
        let what = format!("policy `{name}` ({id})");
        let _s = self.slot("organizations").await;
        let req = self.organizations().describe_policy().policy_id(&id);
        let out = send!(req, "organizations:DescribePolicy", what.clone())?;
        let content = out
            .policy()
            .and_then(|p| p.content())
            .unwrap_or_default()
            .to_string();
        let mut targets = Vec::new();
        let mut token = None;
        loop {
            let req = self
                .organizations()
                .list_targets_for_policy()
                .policy_id(&id)
                .set_next_token(token);
            let page = send!(req, "organizations:ListTargetsForPolicy", what.clone())?;
            targets.extend(
                page.targets()
                    .iter()
                    .filter_map(|x| x.target_id().map(str::to_string)),
            );
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        targets.sort();
        Ok(OrgPolicy {
            managed: s.description().unwrap_or_default().contains(MANAGED_MARKER),
            id,
            name,
            policy_type: t,
            content,
            targets,
        })
    }

    async fn policies_for_target(&self, target: &str, t: PolicyType) -> Result<usize, AwsError> {
        let _s = self.slot("organizations").await;
        let mut n = 0;
        let mut token = None;
        loop {
            let req = self
                .organizations()
                .list_policies_for_target()
                .target_id(target)
                .filter(sdk(t))
                .set_next_token(token);
            let page = send!(
                req,
                "organizations:ListPoliciesForTarget",
                format!("target {target}")
            )?;
            n += page.policies().len();
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(n);
            }
        }
    }
}

/// Every target the specs attach guardrails to, `root` as the root's id.
fn spec_targets(specs: &[&Spec], root_id: &str) -> BTreeSet<String> {
    specs
        .iter()
        .flat_map(|s| s.guardrails.iter().flat_map(|g| g.attach_to.iter()))
        .map(|t| {
            if t == "root" {
                root_id.to_string()
            } else {
                t.clone()
            }
        })
        .collect()
}
