//! [`ErrorKind`]: what kind of failure an error is, which decides whether it is retried, and
//! how an error answer's code or HTTP status decides it.

use std::fmt;

use super::codes::{AwsCode, Class};

/// What kind of failure an `AwsError` is. It decides whether the call is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// AWS answered with an error about the request itself (access denied, not found, invalid
    /// input, a conflict, ...): `code` is AWS's own error code, when the body carried one.
    /// Not retried.
    Service { code: Option<AwsCode>, status: u16 },
    /// AWS (or a proxy answering for it) is throttling the caller: a throttling code, or HTTP 429
    /// without a code. Retried.
    Throttled { code: Option<AwsCode>, status: u16 },
    /// AWS failed internally or is unavailable: such a code, or HTTP 500/502/503/504 without a
    /// code. Retried.
    Unavailable { code: Option<AwsCode>, status: u16 },
    /// No connection or no answer within the connect or operation timeout. Retried.
    Timeout,
    /// Nothing accepts connections at the endpoint. Not retried, by the SDK or by orgtrail: a
    /// wrong endpoint or a stopped emulator does not come back within a run.
    ConnectionRefused,
    /// The connection failed otherwise: reset, closed early, name resolution, TLS. Retried.
    Network,
    /// No usable credentials (none found, expired SSO session, failing credential process).
    /// Not retried.
    Credentials,
    /// The AWS configuration is incomplete or wrong (unknown profile, no region, bad endpoint).
    /// Not retried.
    Configuration,
    /// An answer arrived but could not be read (truncated, cut connection). Retried.
    Response,
    /// AWS answered, but with data orgtrail cannot use, or in a shape it cannot read at all.
    /// Not retried.
    Data,
}

impl ErrorKind {
    /// The kind of an error answer from AWS: its code decides; without one (a proxy or load
    /// balancer answering for AWS, a body the SDK could not parse), its HTTP status.
    pub(super) fn of_answer(code: Option<AwsCode>, status: u16) -> ErrorKind {
        let class = match &code {
            Some(c) => c.class(),
            None if status == 429 => Class::Throttled,
            None if matches!(status, 500 | 502..=504) => Class::Unavailable,
            None => Class::Request,
        };
        match class {
            Class::Throttled => ErrorKind::Throttled { code, status },
            Class::Unavailable => ErrorKind::Unavailable { code, status },
            Class::Request => ErrorKind::Service { code, status },
        }
    }

    /// AWS's error code, for the kinds where AWS answered with one.
    pub(super) fn aws_code(&self) -> Option<&AwsCode> {
        match self {
            ErrorKind::Service { code, .. }
            | ErrorKind::Throttled { code, .. }
            | ErrorKind::Unavailable { code, .. } => code.as_ref(),
            _ => None,
        }
    }

    /// AWS's error code, as AWS spells it, for the kinds where AWS answered with one.
    pub fn code(&self) -> Option<&str> {
        self.aws_code().map(AwsCode::as_str)
    }

    /// The HTTP status of AWS's error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            ErrorKind::Service { status, .. }
            | ErrorKind::Throttled { status, .. }
            | ErrorKind::Unavailable { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the same call may well succeed a moment later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ErrorKind::Throttled { .. }
                | ErrorKind::Unavailable { .. }
                | ErrorKind::Timeout
                | ErrorKind::Network
                | ErrorKind::Response
        )
    }
}

/// A short name for the kind (AWS's code when there is one), e.g. for "waiting for AWS (...)".
impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = self.code() {
            return f.write_str(code);
        }
        match self {
            ErrorKind::Service { status, .. }
            | ErrorKind::Throttled { status, .. }
            | ErrorKind::Unavailable { status, .. } => write!(f, "HTTP {status}"),
            ErrorKind::Timeout => f.write_str("timeout"),
            ErrorKind::ConnectionRefused => f.write_str("connection refused"),
            ErrorKind::Network => f.write_str("network error"),
            ErrorKind::Credentials => f.write_str("no credentials"),
            ErrorKind::Configuration => f.write_str("configuration error"),
            ErrorKind::Response => f.write_str("unreadable response"),
            ErrorKind::Data => f.write_str("unusable data"),
        }
    }
}
