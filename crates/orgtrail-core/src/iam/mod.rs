//! IAM policy language, evaluated the way IAM does for one request: statements reduced to their
//! meaning ([`statement`]) and the decision for a request ([`eval`]). It knows nothing of
//! CloudTrail, buckets or keys: callers (the coverage model, the bucket-policy merge, the KMS
//! check) describe their requests as [`Request`]s.

pub mod eval;
pub mod statement;

pub use eval::{Decision, Principal, Request, evaluate, glob};
pub use statement::{
    DEFAULT_VERSION, DocError, Effect, NormStatement, PolicyDoc, normalise_statement,
    parse_document, policies_equivalent,
};
