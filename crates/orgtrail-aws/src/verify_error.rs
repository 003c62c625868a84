//! What `orgtrail verify` is asked ([`VerifyRequest`]) and why it could not judge
//! ([`VerifyError`]): below the reads and the orchestration that use them.

use orgtrail_core::verify::Window;

use crate::error::AwsError;

/// What to verify.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    pub window: Window,
    pub validate: bool,
    /// `--accounts`: only these (each must be an ACTIVE member).
    pub accounts: Option<Vec<String>>,
    /// `--regions`: only these of the regions the trail logs.
    pub regions: Option<Vec<String>>,
}

/// Why verify could not judge.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(
        "trail `{trail}` not found in {region} (cloudtrail:DescribeTrails); run `orgtrail plan` and `orgtrail apply` first"
    )]
    TrailMissing { trail: String, region: String },
    #[error(
        "trail `{trail}` delivers no digest files: log file validation is off. Set `trail.log_file_validation: true` and run `orgtrail apply`; digests are delivered from then on"
    )]
    NoDigests { trail: String },
    #[error(
        "trail `{trail}` delivers to bucket `{live}`, the spec names `{spec}`: run `orgtrail plan` to see the drift, then verify after `orgtrail apply`"
    )]
    OtherBucket {
        trail: String,
        live: String,
        spec: String,
    },
    #[error(
        "--accounts: {account} is not an ACTIVE account of the organization (organizations:ListAccounts); list the organization's accounts with `aws organizations list-accounts`"
    )]
    UnknownAccount { account: String },
    #[error(
        "{cause}\n  (account:ListRegions for a member account needs trusted access for AWS Account Management: `aws organizations enable-aws-service-access --service-principal account.amazonaws.com`, and the caller in the management account or a delegated administrator for it)"
    )]
    RegionsDenied { account: String, cause: AwsError },
    #[error(
        "--regions: {region} is not a region the trail's accounts have enabled (account:ListRegions); the regions are: {known}"
    )]
    UnknownRegion { region: String, known: String },
    #[error(
        "trail `{trail}` is an organization trail, but the caller's account is in no organization (organizations:DescribeOrganization): run verify with credentials of the organization's management account"
    )]
    NoOrganization { trail: String },
}
