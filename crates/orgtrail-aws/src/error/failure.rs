//! [`AwsError`]: one failed call (or unusable data, or an unusable configuration), what the rest
//! of the crate asks of it (absent, not propagated yet, access denied, transient), and its
//! message: the operation, the resource, what went wrong and the fix.

use std::fmt;

use super::codes::{Absence, AwsCode, fix_for};
use super::kind::ErrorKind;

/// An AWS call that failed, AWS data orgtrail could not use, or an AWS configuration orgtrail
/// cannot work with. Its `Display` is the whole message: what failed, why, and the fix.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct AwsError(Box<Failure>);

#[derive(Debug, Clone)]
struct Failure {
    kind: ErrorKind,
    /// The IAM action, e.g. `cloudtrail:UpdateTrail`; `None` for the configuration checks made
    /// before any call.
    operation: Option<&'static str>,
    resource: String,
    /// What went wrong: AWS's code and message, the root cause in the OS's words, or the data.
    detail: String,
    /// The custom endpoint (`--endpoint-url`, `AWS_ENDPOINT_URL`) the call went to, if any.
    endpoint: Option<String>,
    /// A fix decided at conversion; otherwise the kind decides it.
    fix: Option<String>,
}

pub(super) const CREDENTIALS_FIX: &str = "no usable AWS credentials: set AWS_PROFILE/--profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (for SSO: `aws sso login --profile ...`)";

impl AwsError {
    /// A failed call, converted (see `convert`): the kind decided, the detail worded.
    pub(super) fn of_call(
        operation: &'static str,
        resource: String,
        kind: ErrorKind,
        detail: String,
        fix: Option<String>,
    ) -> Self {
        AwsError(Box::new(Failure {
            kind,
            operation: Some(operation),
            resource,
            detail,
            endpoint: None,
            fix,
        }))
    }

    pub(crate) fn data(
        operation: &'static str,
        resource: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        AwsError::of_call(
            operation,
            resource.into(),
            ErrorKind::Data,
            detail.into(),
            None,
        )
    }

    /// A configuration orgtrail cannot work with, found before any call.
    pub(crate) fn configuration(detail: impl Into<String>, fix: impl Into<String>) -> Self {
        AwsError(Box::new(Failure {
            kind: ErrorKind::Configuration,
            operation: None,
            resource: String::new(),
            detail: detail.into(),
            endpoint: None,
            fix: Some(fix.into()),
        }))
    }

    /// Name the custom endpoint the call went to (the SDK's error does not).
    pub(crate) fn at_endpoint(mut self, endpoint: Option<&str>) -> Self {
        self.0.endpoint = endpoint.map(str::to_string);
        self
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// AWS's error code, as AWS spells it, when AWS answered with one.
    pub fn code(&self) -> Option<&str> {
        self.0.kind.code()
    }

    /// The HTTP status of AWS's error answer.
    pub fn status(&self) -> Option<u16> {
        self.0.kind.status()
    }

    /// Whether the answer says that `what` does not exist (which codes say so for which read is
    /// decided in [`Absence`]).
    pub(crate) fn is_absent(&self, what: Absence) -> bool {
        matches!(self.0.kind, ErrorKind::Service { .. })
            && what.said_by(self.0.kind.aws_code(), self.status())
    }

    /// An answer that means "there is none" (e.g. no public access block): read it as `absent`;
    /// any other error stays an error.
    pub(crate) fn absent_as<T>(self, what: Absence, absent: T) -> Result<T, AwsError> {
        if self.is_absent(what) {
            Ok(absent)
        } else {
            Err(self)
        }
    }

    /// AWS refused the call for lack of permission (any service's access-denied code, or a 403
    /// without one).
    pub fn is_access_denied(&self) -> bool {
        match self.0.kind.aws_code() {
            Some(code) => code.is_access_denied(),
            None => self.status() == Some(403),
        }
    }

    /// AWS says that a change made a moment ago has not propagated yet (a bucket or key policy,
    /// trusted access): worth waiting for, even for calls that are not idempotent.
    pub fn is_not_propagated_yet(&self) -> bool {
        self.0
            .kind
            .aws_code()
            .is_some_and(AwsCode::is_not_propagated_yet)
    }

    /// What the call asks for is already so (a guardrail's policy type enabled, its policy
    /// attached): done.
    pub(crate) fn is_already_so(&self) -> bool {
        self.0.kind.aws_code().is_some_and(AwsCode::is_already_so)
    }

    /// S3 answered for a bucket of another region: a 301 redirect, or (a request signed for
    /// us-east-1, the global endpoint) AuthorizationHeaderMalformed. Both name the bucket's
    /// region in `x-amz-bucket-region`.
    pub(crate) fn is_other_region(&self) -> bool {
        self.status() == Some(301)
            || self.0.kind.aws_code() == Some(&AwsCode::AuthorizationHeaderMalformed)
    }

    /// Whether the failure says nothing about the request itself (throttling, a 5xx, a timeout,
    /// a broken connection, a truncated response): the same call may well succeed a moment later.
    pub fn is_transient(&self) -> bool {
        self.0.kind.is_transient()
    }
}

impl Failure {
    /// The endpoint as the user knows it: the custom one, or AWS's endpoint for the service.
    fn endpoint(&self) -> String {
        match (&self.endpoint, self.operation) {
            (Some(e), _) => e.clone(),
            (None, Some(op)) => {
                let service = op.split(':').next().unwrap_or(op);
                format!("the AWS {service} endpoint")
            }
            (None, None) => "AWS".to_string(),
        }
    }

    fn message(&self) -> String {
        let d = &self.detail;
        match &self.kind {
            ErrorKind::Timeout => format!("no answer from {} in time ({d})", self.endpoint()),
            ErrorKind::ConnectionRefused => {
                format!("cannot connect to {} (connection refused)", self.endpoint())
            }
            ErrorKind::Network => format!("the connection to {} failed ({d})", self.endpoint()),
            ErrorKind::Response => format!(
                "the response from {} could not be read ({d})",
                self.endpoint()
            ),
            _ => d.clone(),
        }
    }

    fn fix(&self) -> String {
        if let Some(fix) = &self.fix {
            return fix.clone();
        }
        let op = self.operation.unwrap_or("the call");
        let custom = self.endpoint.is_some();
        match &self.kind {
            ErrorKind::Service { code, .. } => fix_for(code.as_ref(), op),
            ErrorKind::Throttled { .. } => "AWS is throttling the account; run again later".into(),
            ErrorKind::Unavailable { .. } => {
                "AWS (or a proxy in between) is failing or unavailable; run again later".into()
            }
            ErrorKind::Timeout => {
                "check the network and the endpoint, or raise --connect-timeout / --operation-timeout"
                    .into()
            }
            ErrorKind::ConnectionRefused if custom => {
                "start the service at that endpoint, or correct --endpoint-url / AWS_ENDPOINT_URL (unset both to use AWS)".into()
            }
            ErrorKind::ConnectionRefused | ErrorKind::Network if !custom => {
                "check that this machine can reach AWS over HTTPS (network, firewall, HTTPS_PROXY); then run again".into()
            }
            ErrorKind::Network => {
                "check the endpoint (--endpoint-url / AWS_ENDPOINT_URL) and the network; then run again".into()
            }
            ErrorKind::Credentials => CREDENTIALS_FIX.into(),
            ErrorKind::Response => "this is usually a network problem (truncated response); run again".into(),
            _ => "this looks like an AWS or endpoint problem; run again, and report it if it persists".into(),
        }
    }
}

/// The whole message: what failed (the operation on the resource), why, and the fix.
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = self.message();
        match (self.operation, &self.kind) {
            (None, _) => f.write_str(&message)?,
            (Some(op), ErrorKind::Data) => write!(
                f,
                "{op} on {} returned data orgtrail cannot use: {message}",
                self.resource
            )?,
            (Some(op), _) => write!(f, "{op} on {} failed: {message}", self.resource)?,
        }
        write!(f, "\n  fix: {}", self.fix())
    }
}
