//! SDK errors -> [`AwsError`]: the operation, the resource, what went wrong and the fix.
//!
//! Each error's [`ErrorKind`] is decided once, where the SDK error is converted (`convert`:
//! `call_error`, and `transport_kind` for failures before any answer), and so is its code: an
//! [`AwsCode`] from the closed set in `codes`. Everything else matches on those: retries on the
//! kind, and the questions the reads and the apply ask (is it absent, not propagated yet, access
//! denied) on predicates of [`AwsError`] that `codes` decides, never on a code's spelling or a
//! message's words.

mod codes;
mod convert;
mod failure;
mod kind;

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;

pub(crate) use codes::Absence;
pub use codes::AwsCode;
pub(crate) use convert::{call_error, is_html_error_page, transport_kind};
pub use failure::AwsError;
pub use kind::ErrorKind;

/// Send the request `req`; a failure is converted by [`call_error`] as the call `op` on `res`
/// (evaluated only on failure).
macro_rules! send {
    ($req:expr, $op:literal, $res:expr) => {
        $req.send()
            .await
            .map_err(|e| $crate::error::call_error($op, $res, e))
    };
}
pub(crate) use send;

/// Send the S3 request `req` to the bucket `b` (a `BucketRef`), naming its owner as
/// ExpectedBucketOwner; a failure is the call `op`'s on ``bucket `NAME` ``.
macro_rules! send_to_bucket {
    ($req:expr, $op:literal, $b:expr) => {
        $crate::error::send!(
            $req.bucket(&$b.name).expected_bucket_owner(&$b.owner),
            $op,
            format!("bucket `{}`", $b.name)
        )
    };
}
pub(crate) use send_to_bucket;
