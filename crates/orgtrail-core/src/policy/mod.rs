//! The bucket policy an organization trail needs: the derived statements ([`statements`]), the
//! merge into a live policy ([`merge`]), why a policy cannot be used ([`error`]) and its
//! canonical text for diffs ([`canonical`]). IAM's semantics come from [`crate::iam`]; what a
//! merge loses is judged on CloudTrail's deliveries ([`crate::coverage::delivery`]).

pub mod canonical;
pub mod error;
pub mod merge;
pub mod statements;

pub use canonical::{canonical_pretty, canonical_text};
pub use error::{MAX_POLICY_BYTES, PolicyError, parse_policy};
pub use merge::{Merge, Others, ensure, merge, merge_beside, merge_with, needs_known_trails};
pub use statements::{Required, access_logging, require_tls, required_statements};

pub use crate::model::{CLOUDTRAIL_SERVICE, TrailRef};

#[cfg(test)]
mod tests;
