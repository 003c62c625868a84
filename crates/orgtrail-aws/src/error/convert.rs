//! SDK error -> [`AwsError`]: the one place that looks inside the SDK's errors. The kind is
//! decided here (the code parsed into an `AwsCode`, transport failures by their I/O kind,
//! credentials by the providers' error type), and the detail is worded from the `Display` texts
//! of the error chain, never a debug dump of SDK internals.

use std::error::Error as StdError;
use std::future::Future;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::error::{ConnectorError, ProvideErrorMetadata, SdkError};

use super::codes::AwsCode;
use super::failure::{AwsError, CREDENTIALS_FIX};
use super::kind::ErrorKind;

/// Convert an SDK error of the call `operation` on `resource`; this decides its [`ErrorKind`].
pub(crate) fn call_error<E>(
    operation: &'static str,
    resource: impl Into<String>,
    err: SdkError<E, HttpResponse>,
) -> AwsError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let (kind, detail, fix) = classify(operation, &err);
    AwsError::of_call(operation, resource.into(), kind, detail, fix)
}

/// The kind, the detail for the message and, when the kind alone does not decide it, the fix.
fn classify<E>(
    operation: &str,
    err: &SdkError<E, HttpResponse>,
) -> (ErrorKind, String, Option<String>)
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let status = se.raw().status();
            if e.code().is_none() && status.is_success() {
                return unreadable(operation, e, status.as_u16());
            }
            if e.code().is_none() && is_html_error_page(status.as_u16(), se.raw().body().bytes()) {
                return not_implemented(operation, status.as_u16());
            }
            let status = status.as_u16();
            let detail = match (e.code(), e.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                (None, Some(m)) => format!("HTTP {status}: {m}"),
                (None, None) => format!("AWS answered HTTP {status} without an error code"),
            };
            let kind = ErrorKind::of_answer(e.code().map(AwsCode::parse), status);
            (kind, clip(&detail, 600), None)
        }
        SdkError::TimeoutError(_) => (ErrorKind::Timeout, "operation timeout".into(), None),
        SdkError::DispatchFailure(d) => match d.as_connector_error() {
            Some(c) => {
                let kind = transport_kind(c);
                let detail = match kind {
                    ErrorKind::Timeout => "connect timeout".to_string(),
                    ErrorKind::Credentials | ErrorKind::Configuration => {
                        // The provider's own words: for the default chain, every provider it
                        // tried and why each had nothing (one per line, indented under the
                        // first line, deeper than the fix).
                        let text = c.source().map(chain_text).unwrap_or_default();
                        text.replace('\n', "\n  ")
                    }
                    _ => root_cause(c),
                };
                (kind, clip(&detail, 2000), None)
            }
            None => (
                ErrorKind::Network,
                "the request could not be sent".into(),
                None,
            ),
        },
        SdkError::ResponseError(_) => {
            let detail = err.source().map(root_cause).unwrap_or_default();
            (ErrorKind::Response, clip(&detail, 400), None)
        }
        // Construction failures: the request could not even be built (no region, an invalid
        // endpoint, no credentials for signing).
        other => {
            let detail = chain_text(other);
            let (kind, fix) = if chain(other).any(is_credentials_error) {
                (ErrorKind::Credentials, CREDENTIALS_FIX)
            } else if blames_the_region(other) {
                (
                    ErrorKind::Configuration,
                    "set a region: --region, AWS_REGION, or `region` in the profile",
                )
            } else {
                (
                    ErrorKind::Configuration,
                    "check the AWS configuration (region, credentials, endpoint)",
                )
            };
            (kind, clip(&detail, 600), Some(fix.to_string()))
        }
    }
}

/// A server error answered with a web server's HTML error page instead of an AWS error
/// document: AWS never does that; an emulator does for an operation it does not implement (moto
/// answers Werkzeug's "500 Internal Server Error" page). Retrying cannot help, so the SDK's
/// classifier (`RefusedIsFinal`) stops at once and the message says so.
pub(crate) fn is_html_error_page(status: u16, body: Option<&[u8]>) -> bool {
    let Some(body) = body else {
        return false;
    };
    let head = String::from_utf8_lossy(&body[..body.len().min(200)]).to_ascii_lowercase();
    status >= 500
        && (head.trim_start().starts_with("<!doctype html")
            || head.trim_start().starts_with("<html"))
}

fn not_implemented(operation: &str, status: u16) -> (ErrorKind, String, Option<String>) {
    let detail = format!(
        "the endpoint answered {operation} with an HTML error page (HTTP {status}), not an AWS error: it does not implement that operation"
    );
    let fix = "an emulator: moto lacks some of the calls orgtrail makes (CloudTrail's delegated-administrator API among them); run it behind orgtrail's AWS contract layer (`./scripts/try SPEC`), or against AWS unset --endpoint-url / AWS_ENDPOINT_URL".to_string();
    (ErrorKind::Data, detail, Some(fix))
}

/// A successful answer (2xx) the SDK could not deserialise: it reports those as an operation
/// error without a code, whose source is the deserialiser's error. The kind is `Data`, not
/// `Response`: the answer arrived whole, in a shape AWS never sends for this operation (seen
/// with emulators), so reading it again gives the same answer and retrying is pointless.
fn unreadable<E>(operation: &str, e: &E, status: u16) -> (ErrorKind, String, Option<String>)
where
    E: StdError + 'static,
{
    let why = e
        .source()
        .map(chain_text)
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| e.to_string());
    let detail = format!("its answer (HTTP {status}) could not be read: {why}");
    let fix = format!(
        "the endpoint answered {operation} in a shape AWS does not send: if it is an emulator or a proxy (--endpoint-url / AWS_ENDPOINT_URL), that answer is its bug; against AWS itself, run again and report it if it persists"
    );
    (ErrorKind::Data, clip(&detail, 600), Some(fix))
}

/// The kind of a failure before any answer arrived. The one place that looks inside the SDK's
/// transport errors; the SDK's retry classifier (see `RefusedIsFinal`) uses it too.
pub(crate) fn transport_kind(err: &ConnectorError) -> ErrorKind {
    if err.is_timeout() {
        return ErrorKind::Timeout;
    }
    // `as_other` is set for failures the HTTP client knows to be transient (e.g. a connection
    // closed before the answer was complete).
    if err.is_io() || err.as_other().is_some() {
        let io_kind = chain(err)
            .find_map(|e| e.downcast_ref::<std::io::Error>())
            .map(std::io::Error::kind);
        return match io_kind {
            Some(std::io::ErrorKind::ConnectionRefused) => ErrorKind::ConnectionRefused,
            Some(std::io::ErrorKind::TimedOut) => ErrorKind::Timeout,
            _ => ErrorKind::Network,
        };
    }
    if err.is_user() {
        return ErrorKind::Configuration;
    }
    // Credential providers fail before anything is sent; the SDK reports it as a dispatch
    // failure of no known class, whose source is the provider's error.
    if chain(err).any(is_credentials_error) {
        ErrorKind::Credentials
    } else {
        ErrorKind::Network
    }
}

/// Whether `e` is a credentials provider's error (`CredentialsError` of aws-credential-types:
/// none found, an expired SSO session, a failing credential process). That crate is no
/// dependency of ours and the SDK re-exports the error type nowhere; it re-exports the
/// `ProvideCredentials` trait, whose future's output names the type, so the compiler names it
/// here.
fn is_credentials_error(e: &(dyn StdError + 'static)) -> bool {
    fn is_error_of<T, E, F>(
        e: &(dyn StdError + 'static),
        _provide: fn(&'static SharedCredentialsProvider) -> F,
    ) -> bool
    where
        E: StdError + 'static,
        F: Future<Output = Result<T, E>>,
    {
        e.is::<E>()
    }
    is_error_of(e, SharedCredentialsProvider::provide_credentials)
}

/// The one decision made on an error's words, for a request that could not be built: whether
/// the region is to blame. The SDK's endpoint resolution reports a missing or unusable region
/// only as text (aws-smithy-http's `ResolveEndpointError` is a message and nothing else, e.g.
/// "Invalid Configuration: Missing Region", and no SDK crate re-exports even its type), so
/// there is no type or variant to match.
fn blames_the_region(err: &(dyn StdError + 'static)) -> bool {
    chain(err).any(|e| e.to_string().to_ascii_lowercase().contains("region"))
}

/// The errors of a chain, outermost first.
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&e| e.source())
}

/// The innermost cause, in its own words (e.g. "Connection reset by peer (os error 104)").
fn root_cause(err: &(dyn StdError + 'static)) -> String {
    chain(err)
        .last()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// The `Display` texts of a chain joined with ": ", skipping texts an outer error already
/// repeats. Never `Debug`.
fn chain_text(err: &(dyn StdError + 'static)) -> String {
    let mut out = String::new();
    for e in chain(err) {
        let text = e.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Keep a message readable: at most `max` characters.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() > max {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}
