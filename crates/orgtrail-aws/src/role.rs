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
