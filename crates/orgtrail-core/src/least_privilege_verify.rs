//! `orgtrail iam-policy --for verify`: the grants of `orgtrail verify` (who is calling, the
//! organization and its accounts, the regions, the public keys, and reading the trail's files).

use orgtrail_spec::Spec;
use serde_json::json;

use super::{Grants, NO_RESOURCE, Principal, STAR, key_resource};

impl Grants<'_> {
    /// `orgtrail verify`: who is calling, the organization and its accounts, the trail, the
    /// regions of each account (Account Management's ListRegions: the management account's own
    /// `account` resource and its members' `accountInOrganization`), the public keys, and the
    /// trail's files: list only under `[prefix/]AWSLogs/`, read only below it.
    pub(super) fn verify(&mut self, s: &Spec) {
        let m = Principal::Management;
        let reads = [
            "sts:GetCallerIdentity",
            "organizations:DescribeOrganization",
            "organizations:ListAccounts",
            "cloudtrail:DescribeTrails",
            "cloudtrail:ListPublicKeys",
        ];
        self.add(&m, NO_RESOURCE, &reads, STAR);
        let p = self.opts.partition.clone();
        let account = self.account().to_string();
        let own = format!("arn:{p}:account::{account}:account");
        let members = format!("arn:{p}:account::{account}:account/o-*/*");
        self.add(&m, "AccountRegions", &["account:ListRegions"], &own);
        self.add(&m, "AccountRegions", &["account:ListRegions"], &members);
        let who = match self.bucket_role(s).cloned() {
            Some(role) => {
                self.add(&m, "AssumeLayoutRoles", &["sts:AssumeRole"], &role);
                Principal::Role(role)
            }
            None => m,
        };
        let b = &s.bucket.name;
        let root = match s.trail.s3_key_prefix.as_deref() {
            Some(prefix) if !prefix.is_empty() => {
                format!("{}/AWSLogs/", prefix.trim_end_matches('/'))
            }
            _ => "AWSLogs/".to_string(),
        };
        let under = json!({"StringLike": {"s3:prefix": format!("{root}*")}});
        let bucket = format!("arn:{p}:s3:::{b}");
        self.add_if(
            &who,
            "ListTrailFiles",
            &["s3:ListBucket"],
            &bucket,
            Some(under.to_string()),
        );
        self.add(
            &who,
            "ReadTrailFiles",
            &["s3:GetObject"],
            &format!("{bucket}/{root}*"),
        );
        // Files CloudTrail encrypts with the trail's key (SSE-KMS) are read only with
        // kms:Decrypt on that key ("Using server-side encryption with AWS KMS keys", Amazon S3
        // user guide): S3 calls it with the reader's credentials.
        if let Some(key) = &s.trail.kms_key_id {
            let (resource, cond) = key_resource(key, s.bucket_region(), self.opts);
            self.add_if(&who, "DecryptTrailFiles", &["kms:Decrypt"], &resource, cond);
        }
    }
}
