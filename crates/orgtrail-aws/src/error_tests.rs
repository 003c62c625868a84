//! Tests of the SDK error conversion: kinds decided once, the closed set of codes and what each
//! means, and messages in plain words.

use std::error::Error as StdError;
use std::fmt;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ConnectorError, SdkError};
use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningError;
use aws_sdk_sts::error::ErrorMetadata;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
use aws_smithy_types::body::SdkBody;

use super::{Absence, AwsCode, AwsError, ErrorKind, call_error};

type StsError = SdkError<GetCallerIdentityError, HttpResponse>;

fn raw(status: u16) -> HttpResponse {
    HttpResponse::new(status.try_into().expect("valid status"), SdkBody::empty())
}

fn convert(err: StsError) -> AwsError {
    call_error("sts:GetCallerIdentity", "the caller identity", err)
}

fn service_error(status: u16, code: Option<&str>) -> AwsError {
    let mut meta = ErrorMetadata::builder();
    if let Some(c) = code {
        meta = meta.code(c);
    }
    convert(SdkError::service_error(
        GetCallerIdentityError::generic(meta.build()),
        raw(status),
    ))
}

fn assert_plain(text: &str) {
    for marker in ["DispatchFailure", "ConnectorError", "Some(", "{ "] {
        assert!(!text.contains(marker), "debug output `{marker}` in: {text}");
    }
}

/// Found by the fault campaign: a 503 whose body the SDK cannot parse (here, a JSON body on a
/// query-protocol service) has no error code, and was not retried.
#[test]
fn error_without_a_code_is_classified_by_its_http_status() {
    fn service(code: Option<&str>, status: u16) -> ErrorKind {
        ErrorKind::Service {
            code: code.map(AwsCode::parse),
            status,
        }
    }
    fn throttled(code: Option<&str>, status: u16) -> ErrorKind {
        ErrorKind::Throttled {
            code: code.map(AwsCode::parse),
            status,
        }
    }
    fn unavailable(code: Option<&str>, status: u16) -> ErrorKind {
        ErrorKind::Unavailable {
            code: code.map(AwsCode::parse),
            status,
        }
    }
    // (status, code in the body, kind orgtrail goes by, transient)
    let cases = [
        (503, None, unavailable(None, 503), true),
        (502, None, unavailable(None, 502), true),
        (504, None, unavailable(None, 504), true),
        (500, None, unavailable(None, 500), true),
        (429, None, throttled(None, 429), true),
        (403, None, service(None, 403), false),
        (404, None, service(None, 404), false),
        (
            400,
            Some("ValidationError"),
            service(Some("ValidationError"), 400),
            false,
        ),
        // A code in the body wins over the status.
        (
            503,
            Some("AccessDenied"),
            service(Some("AccessDenied"), 503),
            false,
        ),
        (
            400,
            Some("Throttling"),
            throttled(Some("Throttling"), 400),
            true,
        ),
    ];
    for (status, body_code, kind, transient) in cases {
        let e = service_error(status, body_code);
        assert_eq!(e.kind(), &kind, "HTTP {status} with code {body_code:?}");
        assert_eq!(e.code(), body_code, "HTTP {status} with code {body_code:?}");
        assert_eq!(
            e.is_transient(),
            transient,
            "HTTP {status} with code {body_code:?}"
        );
        let text = e.to_string();
        assert!(
            text.contains("sts:GetCallerIdentity") && text.contains("fix:"),
            "{text}"
        );
        if body_code.is_none() {
            assert!(text.contains(&format!("HTTP {status}")), "{text}");
        }
    }
}

#[test]
fn aws_error_codes_decide_the_kind_and_only_aws_codes_are_codes() {
    // (code, kind name, transient)
    let cases = [
        ("ThrottlingException", "throttled", true),
        ("TooManyRequestsException", "throttled", true),
        ("RequestLimitExceeded", "throttled", true),
        ("SlowDown", "throttled", true),
        ("InternalError", "unavailable", true),
        ("InternalFailure", "unavailable", true),
        ("ServiceUnavailableException", "unavailable", true),
        ("AccessDeniedException", "service", false),
        ("NoSuchBucketPolicy", "service", false),
        ("InsufficientS3BucketPolicyException", "service", false),
        ("TrailNotFoundException", "service", false),
    ];
    for (code, kind, transient) in cases {
        let e = service_error(400, Some(code));
        let got = match e.kind() {
            ErrorKind::Service { .. } => "service",
            ErrorKind::Throttled { .. } => "throttled",
            ErrorKind::Unavailable { .. } => "unavailable",
            other => panic!("{code}: {other:?}"),
        };
        assert_eq!((got, e.is_transient()), (kind, transient), "{code}");
        assert_eq!(e.code(), Some(code), "{code}");
        assert_eq!(e.kind().to_string(), code);
    }
}

/// What one code means to orgtrail: at most one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Means {
    AccessDenied,
    Transient,
    NotPropagatedYet,
    /// That this is absent, for the read that asks.
    Absent(Absence),
    /// The same code says "absent" for two reads (S3's 404 NotFound, SNS's NotFound).
    AbsentFor(Absence, Absence),
    /// What the call asks for is already so.
    AlreadySo,
    /// Nothing orgtrail acts on by itself (an error with a fix of its own, or none).
    Error,
}

/// Code string -> `AwsCode` -> what it means.
const CODES: &[(&str, AwsCode, Means)] = {
    use AwsCode as C;
    use Means::*;
    &[
        ("AccessDenied", C::AccessDenied, AccessDenied),
        (
            "AccessDeniedException",
            C::AccessDeniedException,
            AccessDenied,
        ),
        (
            "AccessDeniedForDependencyException",
            C::AccessDeniedForDependencyException,
            AccessDenied,
        ),
        (
            "UnauthorizedOperation",
            C::UnauthorizedOperation,
            AccessDenied,
        ),
        ("AuthorizationError", C::AuthorizationError, AccessDenied),
        ("Throttling", C::Throttling, Transient),
        ("ThrottledException", C::ThrottledException, Transient),
        ("SlowDown", C::SlowDown, Transient),
        ("InternalServerError", C::InternalServerError, Transient),
        ("ServiceUnavailable", C::ServiceUnavailable, Transient),
        ("ServiceException", C::ServiceException, Transient),
        ("ExpiredToken", C::ExpiredToken, Error),
        ("KmsException", C::KmsException, Error),
        (
            "InsufficientS3BucketPolicyException",
            C::InsufficientS3BucketPolicyException,
            NotPropagatedYet,
        ),
        (
            "CloudTrailAccessNotEnabledException",
            C::CloudTrailAccessNotEnabledException,
            NotPropagatedYet,
        ),
        (
            "InsufficientEncryptionPolicyException",
            C::InsufficientEncryptionPolicyException,
            NotPropagatedYet,
        ),
        ("NoSuchBucket", C::NoSuchBucket, Absent(Absence::Bucket)),
        (
            "PolicyTypeNotEnabledException",
            C::PolicyTypeNotEnabledException,
            NotPropagatedYet,
        ),
        (
            "PolicyTypeAlreadyEnabledException",
            C::PolicyTypeAlreadyEnabledException,
            AlreadySo,
        ),
        (
            "DuplicatePolicyAttachmentException",
            C::DuplicatePolicyAttachmentException,
            AlreadySo,
        ),
        (
            "PolicyNotAttachedException",
            C::PolicyNotAttachedException,
            AlreadySo,
        ),
        (
            "PolicyNotFoundException",
            C::PolicyNotFoundException,
            AlreadySo,
        ),
        (
            "NotFound",
            C::NotFound,
            AbsentFor(Absence::Bucket, Absence::Topic),
        ),
        (
            "ResourceNotFoundException",
            C::ResourceNotFoundException,
            Absent(Absence::AlertRule),
        ),
        (
            "NoSuchBucketPolicy",
            C::NoSuchBucketPolicy,
            Absent(Absence::BucketPolicy),
        ),
        (
            "NoSuchPublicAccessBlockConfiguration",
            C::NoSuchPublicAccessBlockConfiguration,
            Absent(Absence::PublicAccessBlock),
        ),
        (
            "ServerSideEncryptionConfigurationNotFoundError",
            C::ServerSideEncryptionConfigurationNotFoundError,
            Absent(Absence::DefaultEncryption),
        ),
        (
            "OwnershipControlsNotFoundError",
            C::OwnershipControlsNotFoundError,
            Absent(Absence::OwnershipControls),
        ),
        (
            "NoSuchLifecycleConfiguration",
            C::NoSuchLifecycleConfiguration,
            Absent(Absence::Lifecycle),
        ),
        (
            "ObjectLockConfigurationNotFoundError",
            C::ObjectLockConfigurationNotFoundError,
            Absent(Absence::ObjectLock),
        ),
        (
            "AWSOrganizationsNotInUseException",
            C::AWSOrganizationsNotInUseException,
            Absent(Absence::Organization),
        ),
        (
            "InvalidInputException",
            C::InvalidInputException,
            Absent(Absence::DelegatedAdmins),
        ),
        (
            "InsightNotEnabledException",
            C::InsightNotEnabledException,
            Absent(Absence::InsightSelectors),
        ),
        (
            "NotFoundException",
            C::NotFoundException,
            Absent(Absence::KmsKey),
        ),
        (
            "UnrecognizedClientException",
            C::UnrecognizedClientException,
            Absent(Absence::RegionTrails),
        ),
        (
            "InvalidClientTokenId",
            C::InvalidClientTokenId,
            Absent(Absence::RegionTrails),
        ),
        ("NoSuchKey", C::NoSuchKey, Absent(Absence::Object)),
    ]
};

/// What each code means, decided once: code string -> `AwsCode` -> absent (for which read),
/// not propagated yet, access denied, transient.
#[test]
fn each_code_is_parsed_once_into_what_it_means() {
    // Codes orgtrail does not act on keep AWS's spelling; case matters.
    let others = ["TrailNotFoundException", "ValidationError", "accessdenied"]
        .map(|c| (c, AwsCode::Other(c.to_string()), Means::Error));
    for (code, parsed, means) in CODES.iter().cloned().chain(others) {
        assert_eq!(AwsCode::parse(code), parsed, "{code}");
        assert_eq!(parsed.as_str(), code);
        let e = service_error(400, Some(code));
        for what in Absence::ALL {
            let absent = means == Means::Absent(what)
                || matches!(means, Means::AbsentFor(a, b) if a == what || b == what);
            assert_eq!(e.is_absent(what), absent, "{code}: {what:?}");
        }
        assert_eq!(
            (
                e.is_not_propagated_yet(),
                e.is_access_denied(),
                e.is_transient(),
                e.is_already_so()
            ),
            (
                means == Means::NotPropagatedYet,
                means == Means::AccessDenied,
                means == Means::Transient,
                means == Means::AlreadySo
            ),
            "{code}"
        );
    }
}

/// What only the HTTP status says, without a code; and GetBucketPolicy's two 404s.
#[test]
fn statuses_without_a_code_and_the_bucket_answers() {
    let forbidden = service_error(403, None);
    assert!(forbidden.is_access_denied() && !forbidden.is_transient());
    let missing = service_error(404, None);
    for what in Absence::ALL {
        assert_eq!(missing.is_absent(what), what == Absence::Bucket, "{what:?}");
    }
    // NoSuchBucketPolicy is a 404: the bucket read asks for the policy's absence first.
    let no_policy = service_error(404, Some("NoSuchBucketPolicy"));
    assert!(no_policy.is_absent(Absence::BucketPolicy));
    // Throttling or a 5xx is never "absent", whatever the read.
    for e in [
        service_error(503, None),
        service_error(400, Some("SlowDown")),
    ] {
        assert!(Absence::ALL.iter().all(|&what| !e.is_absent(what)), "{e}");
    }
    assert!(service_error(301, None).is_other_region());
    assert!(service_error(400, Some("AuthorizationHeaderMalformed")).is_other_region());
    assert!(!service_error(400, Some("AccessDenied")).is_other_region());
    // `absent_as` reads the absence as the given value, and keeps any other error.
    let lifecycle = service_error(404, Some("NoSuchLifecycleConfiguration"));
    assert_eq!(lifecycle.absent_as(Absence::Lifecycle, 7).ok(), Some(7));
    let denied = service_error(403, Some("AccessDenied"));
    assert!(denied.absent_as(Absence::Lifecycle, 7).is_err());
}

/// Seen against a plain moto server: a GetBucketVersioning answer (HTTP 200) whose root element
/// S3 never sends. The SDK reports it as an operation error without a code; the message says
/// which answer could not be read and why, not "HTTP 200 without an error code".
#[test]
fn an_answer_that_cannot_be_read_says_which_operation_and_why() {
    let why = "error parsing XML: encountered invalid XML root: expected VersioningConfiguration but got ListBucketResult";
    let err = SdkError::service_error(GetBucketVersioningError::unhandled(Said(why)), raw(200));
    let e = call_error("s3:GetBucketVersioning", "bucket `logs`", err);
    let text = e.to_string();
    assert_eq!(
        (e.kind(), e.is_transient(), e.code()),
        (&ErrorKind::Data, false, None),
        "{text}"
    );
    assert!(
        text.starts_with(&format!(
            "s3:GetBucketVersioning on bucket `logs` returned data orgtrail cannot use: its answer (HTTP 200) could not be read: {why}\n  fix: "
        )),
        "{text}"
    );
    assert!(
        text.contains("answered s3:GetBucketVersioning in a shape AWS does not send")
            && !text.contains("without an error code"),
        "{text}"
    );
    assert!(!e.is_access_denied() && !e.is_not_propagated_yet());
}

/// An error of some layer below the SDK, in its own words.
#[derive(Debug)]
struct Said(&'static str);

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl StdError for Said {}

fn io(kind: std::io::ErrorKind) -> Box<dyn StdError + Send + Sync> {
    Box::new(std::io::Error::new(kind, format!("{kind:?} from the OS")))
}

fn said(text: &'static str) -> Box<dyn StdError + Send + Sync> {
    Box::new(Said(text))
}

/// A GetCallerIdentity call whose credentials provider finds nothing: the SDK's own error, as
/// the real default chain would report it (a chain of providers, each saying why it had
/// nothing). It fails before anything is sent.
async fn without_credentials() -> StsError {
    use aws_config::meta::credentials::CredentialsProviderChain;
    use aws_config::profile::ProfileFileCredentialsProvider;
    #[allow(deprecated)] // aws-config's names for aws-runtime's types, which is no dependency
    use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
    use aws_sdk_sts::config::{BehaviorVersion, Region};

    #[allow(deprecated)]
    let files = ProfileFiles::builder()
        .with_contents(
            ProfileFileKind::Config,
            "[profile other]\nregion = us-east-1\n",
        )
        .build();
    let profile = ProfileFileCredentialsProvider::builder()
        .profile_files(files)
        .profile_name("nosuch")
        .build();
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .credentials_provider(CredentialsProviderChain::first_try("Profile", profile))
        .build();
    aws_sdk_sts::Client::from_conf(conf)
        .get_caller_identity()
        .send()
        .await
        .expect_err("no credentials")
}

#[tokio::test]
async fn failures_before_an_answer_are_classified_once_and_read_plainly() {
    use std::io::ErrorKind as Io;
    let transient = Some(aws_smithy_types::retry::ErrorKind::TransientError);
    let dispatch = SdkError::dispatch_failure;
    // (error, kind, transient, words in the message)
    let cases: Vec<(StsError, ErrorKind, bool, &str)> = vec![
        (
            dispatch(ConnectorError::io(io(Io::ConnectionRefused))),
            ErrorKind::ConnectionRefused,
            false,
            "cannot connect to http://127.0.0.1:9 (connection refused)",
        ),
        (
            dispatch(ConnectorError::io(io(Io::ConnectionReset))),
            ErrorKind::Network,
            true,
            "the connection to http://127.0.0.1:9 failed (ConnectionReset from the OS)",
        ),
        (
            dispatch(ConnectorError::other(said("closed early"), transient)),
            ErrorKind::Network,
            true,
            "(closed early)",
        ),
        (
            dispatch(ConnectorError::timeout(io(Io::TimedOut))),
            ErrorKind::Timeout,
            true,
            "no answer from http://127.0.0.1:9 in time (connect timeout)",
        ),
        (
            SdkError::timeout_error(io(Io::TimedOut)),
            ErrorKind::Timeout,
            true,
            "in time (operation timeout)",
        ),
        (
            without_credentials().await,
            ErrorKind::Credentials,
            false,
            "Attempted:\n    Profile: ",
        ),
        // Credentials are recognised by the providers' error type, not by words.
        (
            dispatch(ConnectorError::other(said("no credentials in sight"), None)),
            ErrorKind::Network,
            true,
            "(no credentials in sight)",
        ),
        (
            SdkError::response_error(said("body cut short"), raw(200)),
            ErrorKind::Response,
            true,
            "could not be read (body cut short)",
        ),
        (
            SdkError::construction_failure(said("a region must be set")),
            ErrorKind::Configuration,
            false,
            "fix: set a region: --region",
        ),
    ];
    for (err, kind, transient, words) in cases {
        let e = convert(err).at_endpoint(Some("http://127.0.0.1:9"));
        let text = e.to_string();
        assert_eq!(
            (e.kind(), e.is_transient(), e.code()),
            (&kind, transient, None),
            "{text}"
        );
        assert!(text.contains(words), "`{words}` not in: {text}");
        assert!(
            text.starts_with("sts:GetCallerIdentity on the caller identity failed: ")
                && text.contains("\n  fix: "),
            "{text}"
        );
        assert_plain(&text);
    }
}

#[test]
fn without_a_custom_endpoint_the_message_names_the_aws_service_endpoint() {
    let refused = || {
        convert(SdkError::dispatch_failure(ConnectorError::io(Box::new(
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        ))))
    };
    let text = refused().to_string();
    assert!(
        text.contains("cannot connect to the AWS sts endpoint (connection refused)")
            && text.contains("HTTPS_PROXY"),
        "{text}"
    );
    let text = refused()
        .at_endpoint(Some("http://127.0.0.1:9"))
        .to_string();
    assert!(text.contains("AWS_ENDPOINT_URL"), "{text}");
}
