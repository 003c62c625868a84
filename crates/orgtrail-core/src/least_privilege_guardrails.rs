//! `guardrails:`'s grants, added to `Grants`: the management account lists the organization's
//! policies on every plan (a spec that dropped its guardrails has them removed), reads and (for
//! apply) creates, updates, attaches, detaches and deletes orgtrail's own, on `*`
//! (Organizations scopes these to policy and target ARNs whose ids exist only after
//! CreatePolicy); the alert rule `orgtrail-protect-<trail>` is read and written in each place,
//! as the principal that reaches it, scoped to that rule's ARN; the topic's attributes are read.

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

const RULE_READS: &[&str] = &["events:DescribeRule", "events:ListTargetsByRule"];

const RULE_WRITES: &[&str] = &[
    "events:DeleteRule",
    "events:PutRule",
    "events:PutTargets",
    "events:RemoveTargets",
];

impl Grants<'_> {
    pub(super) fn guardrails(&mut self, s: &orgtrail_spec::Spec) {
        let m = Principal::Management;
        // Listed on every plan: whether guardrails of these specs exist.
        self.add(&m, GROUP, &["organizations:ListPolicies"], STAR);
        let Some(g) = &s.guardrails else { return };
        self.add(&m, GROUP, READS, STAR);
        if self.apply() {
            self.add(&m, GROUP, WRITES, STAR);
        }
        let rule = crate::guardrails::policy_name(
            crate::model::PolicyType::ServiceControlPolicy,
            &s.trail.name,
            "",
        );
        for (who, region, account) in self.alert_places(s) {
            let arn = format!(
                "arn:{}:events:{region}:{account}:rule/{rule}",
                self.opts.partition
            );
            self.add(&who, "AlertRule", RULE_READS, &arn);
            let Some(a) = g.alerts.as_ref().filter(|_| self.apply()) else {
                continue;
            };
            self.add(&who, "AlertRule", RULE_WRITES, &arn);
            // PutTargets with the execution role, for a topic in another account.
            let topic_account = a.sns_topic.split(':').nth(4).unwrap_or_default();
            if let Some(name) = a
                .execution_role_name
                .as_ref()
                .filter(|_| account != topic_account)
            {
                let role = format!("arn:{}:iam::{account}:role/{name}", self.opts.partition);
                let to_events = serde_json::json!({"StringEquals": {"iam:PassedToService": "events.amazonaws.com"}}).to_string();
                self.add_if(
                    &who,
                    "PassAlertRole",
                    &["iam:PassRole"],
                    &role,
                    Some(to_events),
                );
            }
        }
        if let Some(a) = &g.alerts {
            self.add(&m, "AlertTopic", &["sns:GetTopicAttributes"], &a.sns_topic);
        }
    }

    /// (who, region, account) of each place an alert rule of `s` lives: the trail's home
    /// region (management account), the bucket's (as its role), the key's (as its role).
    fn alert_places(&self, s: &orgtrail_spec::Spec) -> Vec<(Principal, String, String)> {
        let mgmt = self.account().to_string();
        let mut out = vec![(
            Principal::Management,
            s.trail.home_region.clone(),
            mgmt.clone(),
        )];
        let b = &s.bucket;
        let bucket_who = self
            .bucket_role(s)
            .cloned()
            .map_or(Principal::Management, Principal::Role);
        let bucket_account = b.account.clone().unwrap_or_else(|| mgmt.clone());
        out.push((bucket_who, s.bucket_region().to_string(), bucket_account));
        if let (Some(key), Some(role)) = (&s.trail.kms_key_id, &s.trail.kms_role_arn) {
            let p: Vec<&str> = key.splitn(6, ':').collect();
            let (region, account) = if p.len() == 6 {
                (p[3].to_string(), p[4].to_string())
            } else {
                (s.bucket_region().to_string(), super::STAR.to_string())
            };
            out.push((Principal::Role(role.clone()), region, account));
        }
        out.sort();
        out.dedup();
        out
    }
}
