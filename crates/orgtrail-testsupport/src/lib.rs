//! Test support for orgtrail's end-to-end tests: a real moto server per test, seeded through the
//! Rust AWS SDK (never by reaching into moto), the orgtrail binary run against it through the
//! AWS contract layer ([`contract`]: moto held to what AWS documents), and moto's request
//! recorder to count the requests that reached AWS (read vs write).
//!
//! Seeding talks to moto directly: it arranges the world as it already is, history included
//! (a trail created while a policy allowed it, say). Everything orgtrail sends goes through the
//! contract layer, unless a test opts out with [`Moto::start_without_contract`], which takes the
//! reason.
#![allow(clippy::print_stderr)]

pub mod awscli;
pub mod contract;
pub mod delivery;
pub mod local;
pub mod moto;
pub mod proxy;
pub mod reaped;
pub mod recorder;
pub mod run;

pub use local::{TempDir, base64_decode, http_status, repo_root, write_spec};
pub use moto::{ACCESS_KEY, MANAGEMENT_EMAIL, Moto, SECRET_KEY};
pub use reaped::Reaped;
pub use recorder::Request;
pub use run::Run;

pub use aws_sdk_cloudtrail as cloudtrail;
pub use aws_sdk_kms as kms;
pub use aws_sdk_organizations as organizations;
pub use aws_sdk_s3 as s3;
pub use aws_sdk_sts as sts;
