//! Compare before write: the resource a step writes, and what changed in it since the plan
//! read it. Apply re-reads that resource right before its first write and refuses when it
//! changed, so an edit made while the plan waited for review (by a person or a second CI job)
//! is never overwritten.

use serde::Serialize;
use serde_json::Value;

use crate::model::{BucketState, LiveState, TrailState};
use crate::plan::{Action, BucketRef, Step};

/// What a step writes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resource {
    Organization,
    Bucket(BucketRef),
    Trail { arn: String, region: String },
}

impl Resource {
    /// Words for messages.
    pub fn describe(&self) -> String {
        match self {
            Resource::Organization => "the organization".into(),
            Resource::Bucket(b) => format!("bucket `{}`", b.name),
            Resource::Trail { arn, .. } => format!("trail {arn}"),
        }
    }
}

/// The resource a step writes. CreateTrail writes the trail its step targets (the ARN the new
/// trail will have).
pub fn resource_of(step: &Step) -> Resource {
    let trail = |region: &String| Resource::Trail {
        arn: step.target.clone(),
        region: region.clone(),
    };
    match &step.action {
        Action::EnableAllFeatures
        | Action::EnableTrustedAccess
        | Action::DisableTrustedAccess
        | Action::RegisterDelegatedAdmin { .. }
        | Action::DeregisterDelegatedAdmin { .. }
        // Guardrail steps re-read the organization: a policy changed meanwhile is converged
        // by the next plan (policies carry no version to compare).
        | Action::EnablePolicyType { .. }
        | Action::CreatePolicy { .. }
        | Action::UpdatePolicy { .. }
        | Action::AttachPolicy { .. }
        | Action::DetachPolicy { .. }
        | Action::DeletePolicy { .. }
        | Action::PutRule { .. }
        | Action::PutTargets { .. }
        | Action::DeleteRule { .. } => Resource::Organization,
        Action::CreateBucket { bucket, .. }
        | Action::PutBucketOwnershipControls { bucket, .. }
        | Action::PutPublicAccessBlock { bucket }
        | Action::PutBucketEncryption { bucket, .. }
        | Action::PutBucketVersioning { bucket }
        | Action::PutObjectLockConfiguration { bucket, .. }
        | Action::PutBucketLifecycle { bucket, .. }
        | Action::RemoveLifecycleRules { bucket, .. }
        | Action::PutBucketPolicy { bucket, .. }
        | Action::PutBucketLogging { bucket, .. } => Resource::Bucket(bucket.clone()),
        Action::CreateTrail { region, .. }
        | Action::UpdateTrail { region, .. }
        | Action::PutEventSelectors { region, .. }
        | Action::PutInsightSelectors { region, .. }
        | Action::AddTags { region, .. }
        | Action::RemoveTags { region, .. }
        | Action::StartLogging { region, .. }
        | Action::StopLogging { region, .. } => trail(region),
    }
}

/// A resource as read again right before a write.
#[derive(Debug, Clone, PartialEq)]
pub enum Reread {
    /// (all features, CloudTrail trusted access, delegated administrators when read)
    Organization {
        all_features: bool,
        trusted_access: bool,
        delegated_admins: Option<Vec<String>>,
    },
    Bucket(BucketState),
    /// `None`: no such trail.
    Trail(Option<TrailState>),
}

/// The top-level fields of two values that differ, by name.
fn fields_differ<T: Serialize>(a: &T, b: &T) -> Vec<String> {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return vec!["its state".into()];
    };
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.replace('_', " "))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// What changed in `resource` between the plan's read (`planned`) and `now`, in words; empty
/// when nothing did.
pub fn changed_since(planned: &LiveState, resource: &Resource, now: &Reread) -> Vec<String> {
    match (resource, now) {
        (
            Resource::Organization,
            Reread::Organization {
                all_features,
                trusted_access,
                delegated_admins,
            },
        ) => {
            let Some(o) = &planned.organization else {
                return vec!["the organization appeared".into()];
            };
            let mut out = Vec::new();
            if o.all_features != *all_features {
                out.push("its feature set".into());
            }
            if o.trusted_access != *trusted_access {
                out.push("CloudTrail trusted access".into());
            }
            if delegated_admins
                .as_ref()
                .is_some_and(|d| *d != o.delegated_admins)
            {
                out.push("its CloudTrail delegated administrators".into());
            }
            out
        }
        (Resource::Bucket(r), Reread::Bucket(b)) => {
            let Some(before) = planned
                .trails
                .iter()
                .map(|t| &t.bucket)
                .find(|x| x.name == r.name)
            else {
                return Vec::new();
            };
            let mut out = Vec::new();
            if before.exists != b.exists {
                out.push(
                    if b.exists {
                        "it was created"
                    } else {
                        "it was deleted"
                    }
                    .to_string(),
                );
            }
            if before.policy != b.policy {
                out.push("its bucket policy".into());
            }
            out
        }
        (Resource::Trail { arn, .. }, Reread::Trail(t)) => {
            let before = planned
                .trails
                .iter()
                .find_map(|x| x.trail.as_ref().filter(|t| t.arn == *arn));
            match (before, t) {
                (None, None) => Vec::new(),
                (None, Some(_)) => vec!["it was created".into()],
                (Some(_), None) => vec!["it was deleted".into()],
                (Some(a), Some(b)) => fields_differ(a, b),
            }
        }
        _ => vec!["its state".into()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{in_sync, spec};

    #[test]
    fn a_change_since_the_plan_is_named_and_no_change_is_empty() {
        let s = spec("");
        let planned = in_sync(&[&s]);
        let trail = planned.trails[0].trail.clone().unwrap();
        let arn = Resource::Trail {
            arn: trail.arn.clone(),
            region: "us-east-2".into(),
        };
        assert!(changed_since(&planned, &arn, &Reread::Trail(Some(trail.clone()))).is_empty());
        let mut edited = trail.clone();
        edited.logging = false;
        edited.settings.s3_key_prefix = Some("x".into());
        assert_eq!(
            changed_since(&planned, &arn, &Reread::Trail(Some(edited))),
            ["logging", "s3 key prefix"]
        );
        assert_eq!(
            changed_since(&planned, &arn, &Reread::Trail(None)),
            ["it was deleted"]
        );
        let bucket = Resource::Bucket(BucketRef {
            name: "my-bucket".into(),
            region: "us-east-2".into(),
            owner: "111111111111".into(),
            role_arn: None,
            read_role_arn: None,
            external_id: None,
        });
        let mut b = planned.trails[0].bucket.clone();
        assert!(changed_since(&planned, &bucket, &Reread::Bucket(b.clone())).is_empty());
        b.policy = Some("{}".into());
        assert_eq!(
            changed_since(&planned, &bucket, &Reread::Bucket(b)),
            ["its bucket policy"]
        );
        let org = Reread::Organization {
            all_features: true,
            trusted_access: false,
            delegated_admins: Some(Vec::new()),
        };
        assert_eq!(
            changed_since(&planned, &Resource::Organization, &org),
            ["CloudTrail trusted access"]
        );
    }
}
