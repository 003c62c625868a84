//! orgtrail's pure core: the live-state model, IAM policy evaluation, the coverage model, the
//! bucket-policy merge, the deterministic `diff(specs, live) -> Plan`, drift, and the inverse
//! mapping of a live trail to a spec (import), and the judgement of delivered digests and logs
//! (verify).
//!
//! Modules are layered bottom to top: `model` -> `iam` -> `coverage`, `kms` -> `policy`,
//! `guardrails` -> `plan` -> `drift`, `guard`, `import`, `least_privilege` -> `trust`, `lockout`; `verify` stands on `model` alone;
//! none imports a layer above it
//! (`scripts/check-layers` keeps it so).
//!
//! No I/O, no async, no AWS SDK types: everything here is a plain function over data
//! (BTreeMaps, sorted output), so plans are reproducible and snapshot tests are stable.
//! Reading AWS lives in `orgtrail-aws`; rendering in `orgtrail-render`.

pub mod coverage;
pub mod drift;
#[cfg(test)]
mod fixtures;
pub mod guard;
pub mod guardrails;
pub mod iam;
pub mod import;
mod kms;
pub mod least_privilege;
pub mod lockout;
pub mod model;
pub mod plan;
pub mod policy;
pub mod trust;
pub mod verify;

pub use model::*;
pub use plan::*;
