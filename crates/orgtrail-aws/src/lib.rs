//! orgtrail's AWS boundary: the only crate that names aws-sdk types.
//!
//! It loads the standard AWS configuration (credential chain, `--profile`, `--region`,
//! `AWS_ENDPOINT_URL`), reads the live state concurrently with each read issued once per run,
//! normalises it into `orgtrail_core::LiveState`, and executes plan [`Action`]s, addressing
//! trails by ARN in their home region; for `verify` it lists and reads the trail's delivered
//! digest and log files (judged by `orgtrail_core::verify`). It never prints and never decides *what* to change:
//! that is `orgtrail_core::diff`.
//!
//! [`Action`]: orgtrail_core::Action

mod assume;
mod client;
mod error;
mod exec;
mod exec_bucket;
mod exec_policy;
mod poll;
mod profile;
mod read;
mod read_alerts;
mod read_bucket;
mod read_cloudtrail;
mod read_convert;
mod read_kms;
mod read_known;
mod read_organization;
mod read_policies;
mod read_protection;
mod read_rounds;
mod role;
mod verify;
mod verify_error;
mod verify_read;
mod verify_scope;

pub use client::{Aws, AwsOptions};
pub use error::{AwsCode, AwsError, ErrorKind};
pub use exec::RetryPolicy;
pub use poll::{Backoff, poll_until};
pub use role::Role;
pub use verify_error::{VerifyError, VerifyRequest};
