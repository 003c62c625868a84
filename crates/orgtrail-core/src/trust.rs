//! The trust policies of orgtrail's roles (`orgtrail iam-policy --trust`): who may assume each.
//!
//! - The CI roles in the management account trust GitHub's OIDC provider
//!   (`token.actions.githubusercontent.com`, audience `sts.amazonaws.com`), each for exactly the
//!   jobs that run it ("Configuring OpenID Connect in Amazon Web Services", GitHub docs; the
//!   `sub` claim): the read role for pull requests (plan) and the default branch (nightly drift
//!   and verify), the verify role for the default branch, the apply role for the protected
//!   environment only (its required reviewers gate the apply job).
//! - The bucket and key roles in other accounts trust exactly the CI roles that need them, with
//!   the spec's external id and orgtrail's session name (`orgtrail`, crates/orgtrail-aws/src/
//!   assume.rs) as conditions.

use serde_json::{Value, json};

use crate::least_privilege::Purpose;

/// The GitHub repository and the job scopes the CI roles are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHub {
    /// `owner/name`.
    pub repo: String,
    /// The environment the apply job runs in (required reviewers).
    pub environment: String,
    /// The default branch (nightly drift and verify).
    pub branch: String,
}

/// The `sub` claims of the jobs a CI role of `purpose` serves.
pub fn subjects(gh: &GitHub, purpose: Purpose) -> Vec<String> {
    let repo = &gh.repo;
    let branch = format!("repo:{repo}:ref:refs/heads/{}", gh.branch);
    match purpose {
        Purpose::Plan => vec![format!("repo:{repo}:pull_request"), branch],
        Purpose::Verify => vec![branch],
        Purpose::Apply => vec![format!("repo:{repo}:environment:{}", gh.environment)],
    }
}

/// The trust policy of the CI role of `purpose` in `account` (the management account).
pub fn ci_role(gh: &GitHub, purpose: Purpose, account: &str, partition: &str) -> Value {
    let provider =
        format!("arn:{partition}:iam::{account}:oidc-provider/token.actions.githubusercontent.com");
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "GitHubActionsOidc",
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": subjects(gh, purpose)
                }
            }
        }]
    })
}

/// The trust policy of a bucket or key role: exactly `ci_roles` may assume it, with the
/// external id the spec names and orgtrail's session name.
pub fn layout_role(ci_roles: &[String], external_id: Option<&str>) -> Value {
    let mut equals = serde_json::Map::new();
    equals.insert("sts:RoleSessionName".into(), json!("orgtrail"));
    if let Some(id) = external_id {
        equals.insert("sts:ExternalId".into(), json!(id));
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OrgtrailCiRoles",
            "Effect": "Allow",
            "Principal": {"AWS": ci_roles},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": equals}
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gh() -> GitHub {
        GitHub {
            repo: "acme/trails".into(),
            environment: "production".into(),
            branch: "main".into(),
        }
    }

    #[test]
    fn each_ci_role_trusts_only_the_jobs_that_run_it() {
        assert_eq!(
            subjects(&gh(), Purpose::Plan),
            [
                "repo:acme/trails:pull_request",
                "repo:acme/trails:ref:refs/heads/main"
            ]
        );
        assert_eq!(
            subjects(&gh(), Purpose::Verify),
            ["repo:acme/trails:ref:refs/heads/main"]
        );
        assert_eq!(
            subjects(&gh(), Purpose::Apply),
            ["repo:acme/trails:environment:production"]
        );
        let doc = ci_role(&gh(), Purpose::Apply, "111111111111", "aws");
        let st = &doc["Statement"][0];
        assert_eq!(
            st["Principal"]["Federated"],
            "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
        );
        assert_eq!(
            st["Condition"]["StringEquals"]["token.actions.githubusercontent.com:aud"],
            "sts.amazonaws.com"
        );
    }

    #[test]
    fn a_layout_role_trusts_exactly_the_ci_roles_with_the_external_id_and_session_name() {
        let doc = layout_role(
            &["arn:aws:iam::111111111111:role/orgtrail-plan".into()],
            Some("x-1"),
        );
        let st = &doc["Statement"][0];
        assert_eq!(
            st["Principal"]["AWS"][0],
            "arn:aws:iam::111111111111:role/orgtrail-plan"
        );
        assert_eq!(st["Condition"]["StringEquals"]["sts:ExternalId"], "x-1");
        assert_eq!(
            st["Condition"]["StringEquals"]["sts:RoleSessionName"],
            "orgtrail"
        );
        let none = layout_role(&[], None);
        assert!(
            none["Statement"][0]["Condition"]["StringEquals"]
                .get("sts:ExternalId")
                .is_none()
        );
    }
}
