//! A role to act as in another account (a log-archive account's bucket role, a security
//! account's key role), and the cell its credentials are kept in for the run.

use std::sync::Arc;

use aws_sdk_s3::config::Credentials;
use tokio::sync::OnceCell;

use crate::error::AwsError;

/// One role to act as.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Role {
    pub arn: String,
    pub external_id: Option<String>,
}

/// A role's credentials, or why they could not be had: assumed once per run, on first use.
pub(crate) type Cached = Arc<OnceCell<Result<Credentials, AwsError>>>;

impl crate::client::Aws {
    /// The role a bucket is acted on as, if any: `bucket.read_role_arn` in a connection for the
    /// read-only commands ([`crate::client::Aws::for_reads`]) when the spec names one, else
    /// `bucket.role_arn`.
    pub(crate) fn bucket_role(&self, b: &orgtrail_core::BucketRef) -> Option<Role> {
        let arn = if self.read_only {
            b.read_role_arn.as_ref().or(b.role_arn.as_ref())
        } else {
            b.role_arn.as_ref()
        };
        arn.map(|arn| Role {
            arn: arn.clone(),
            external_id: b.external_id.clone(),
        })
    }
}
