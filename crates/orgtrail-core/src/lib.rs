//! orgtrail's pure core: the live-state model, IAM-semantic bucket-policy normalisation and
//! merge, and the deterministic `diff(specs, live) -> Plan`.
//!
//! No I/O, no async, no AWS SDK types: everything here is a plain function over data
//! (BTreeMaps, sorted output), so plans are reproducible and snapshot tests are stable.
//! Reading AWS lives in `orgtrail-aws`; rendering in `orgtrail-render`.

pub mod coverage;
pub mod drift;
#[cfg(test)]
mod fixtures;
pub mod guard;
pub mod iam;
pub mod import;
mod kms;
pub mod least_privilege;
pub mod model;
pub mod plan;
pub mod policy;

pub use model::*;
pub use plan::*;
