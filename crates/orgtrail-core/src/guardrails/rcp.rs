//! The resource control policy `orgtrail-protect-<bucket>`: the bucket, its files and the key
//! only for principals of the organization, and for AWS services only on the organization's
//! behalf (AWS's data-perimeter RCP examples: `aws:PrincipalOrgID` with
//! `aws:PrincipalIsAWSService`, and `aws:SourceOrgID` where `aws:SourceAccount` is present).
//! CloudTrail delivers with `aws:SourceAccount` and `aws:SourceOrgID` of the trail's
//! organization, S3 server access logging with the source bucket's account, so neither is
//! denied (checked against the coverage model's deliveries in the plan's preflight). RCPs
//! cover resources of member accounts only, never the management account's ("Resource control
//! policies (RCPs)", AWS Organizations user guide).

use serde_json::{Value, json};

use super::Protected;

/// The services an RCP statement here covers.
pub const ACTIONS: &[&str] = &["kms:*", "s3:*"];

/// The resources of `p` the RCP covers: the bucket, every object in it, the key.
pub fn resources(p: &Protected) -> Vec<String> {
    let mut out = vec![p.bucket_arn(), format!("{}/*", p.bucket_arn())];
    out.extend(p.key_arn.clone());
    out
}

/// The RCP for the resources of `specs` (one bucket, maybe several keys), for `org_id`.
pub fn document(resources: &[String], org_id: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OrganizationPrincipalsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ACTIONS,
                "Resource": resources,
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                },
            },
            {
                "Sid": "ServicesForTheOrganizationOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ACTIONS,
                "Resource": resources,
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:SourceOrgID": org_id},
                    "Null": {"aws:SourceAccount": "false"},
                    "Bool": {"aws:PrincipalIsAWSService": "true"},
                },
            },
        ],
    })
}
