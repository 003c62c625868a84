//! The AWS error codes orgtrail acts on, as a closed set, and what each means: its kind
//! (throttled, unavailable, about the request), "absent", "not propagated yet", "access denied",
//! and its fix. The only place that knows AWS's code strings.

/// Declares [`AwsCode`] with one variant per code, each spelled as AWS spells it: the variant's
/// name is the code, so no code is written twice.
macro_rules! aws_codes {
    ($($(#[$doc:meta])* $code:ident,)*) => {
        /// An AWS error code, parsed once where the SDK error is converted.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum AwsCode {
            $($(#[$doc])* $code,)*
            /// Any other code, as AWS sent it: orgtrail does not act on it, but messages show it.
            Other(String),
        }

        impl AwsCode {
            /// The code AWS sent; a code orgtrail acts on is never [`AwsCode::Other`].
            pub fn parse(code: &str) -> AwsCode {
                match code {
                    $(stringify!($code) => AwsCode::$code,)*
                    other => AwsCode::Other(other.to_string()),
                }
            }

            /// The code as AWS spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(AwsCode::$code => stringify!($code),)*
                    AwsCode::Other(code) => code,
                }
            }
        }
    };
}

aws_codes! {
    // Access denied: any service's.
    /// S3, STS.
    AccessDenied,
    /// CloudTrail, KMS, Organizations.
    AccessDeniedException,
    /// Organizations, when a service it depends on refused.
    AccessDeniedForDependencyException,
    UnauthorizedOperation,
    AuthorizationError,

    // Throttling: retried.
    Throttling,
    ThrottlingException,
    ThrottledException,
    TooManyRequestsException,
    RequestLimitExceeded,
    SlowDown,

    // AWS failing or unavailable: retried.
    InternalFailure,
    InternalError,
    InternalServerError,
    ServiceUnavailable,
    ServiceUnavailableException,
    ServiceException,

    // Invalid or expired credentials.
    ExpiredToken,
    ExpiredTokenException,
    InvalidClientTokenId,
    UnrecognizedClientException,
    SignatureDoesNotMatch,
    InvalidAccessKeyId,

    // A change made a moment ago has not propagated yet: a bucket policy, trusted access, a
    // key policy.
    InsufficientS3BucketPolicyException,
    CloudTrailAccessNotEnabledException,
    InsufficientEncryptionPolicyException,
    /// AttachPolicy right after EnablePolicyType, which AWS carries out in the background.
    PolicyTypeNotEnabledException,

    // What the call asks for is already so: a retried guardrail call after a lost answer.
    PolicyTypeAlreadyEnabledException,
    DuplicatePolicyAttachmentException,
    /// DetachPolicy of a policy no longer attached, DeletePolicy of one already gone.
    PolicyNotAttachedException,
    PolicyNotFoundException,

    // "There is none", each for the read named in [`Absence`].
    NoSuchBucket,
    /// S3: no such object (GetObject of a log or digest file).
    NoSuchKey,
    /// S3's code for a 404 without a body (HEAD).
    NotFound,
    NoSuchBucketPolicy,
    NoSuchPublicAccessBlockConfiguration,
    ServerSideEncryptionConfigurationNotFoundError,
    OwnershipControlsNotFoundError,
    NoSuchLifecycleConfiguration,
    ObjectLockConfigurationNotFoundError,
    AWSOrganizationsNotInUseException,
    /// Emulators' answer to ListDelegatedAdministrators for CloudTrail (see [`Absence`]).
    InvalidInputException,
    InsightNotEnabledException,
    /// KMS: no such key.
    NotFoundException,
    /// EventBridge: no such rule.
    ResourceNotFoundException,

    /// A request signed for another region: S3 names the bucket's region in a header.
    AuthorizationHeaderMalformed,

    // Codes with a fix of their own.
    KmsException,
    NotOrganizationMasterAccountException,
    NotOrganizationManagementAccountException,
    OrganizationNotInAllFeaturesModeException,
    MaximumNumberOfTrailsExceededException,
    TrailAlreadyExistsException,
}

/// What an error answer with a code says about the request, which decides its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    /// AWS is throttling the caller.
    Throttled,
    /// AWS failed internally or is unavailable.
    Unavailable,
    /// Something about the request itself (denied, absent, invalid, a conflict, ...).
    Request,
}

impl AwsCode {
    pub(super) fn class(&self) -> Class {
        use AwsCode::*;
        match self {
            Throttling
            | ThrottlingException
            | ThrottledException
            | TooManyRequestsException
            | RequestLimitExceeded
            | SlowDown => Class::Throttled,
            InternalFailure
            | InternalError
            | InternalServerError
            | ServiceUnavailable
            | ServiceUnavailableException
            | ServiceException => Class::Unavailable,
            _ => Class::Request,
        }
    }

    /// Refused for lack of permission, whichever service says so.
    pub fn is_access_denied(&self) -> bool {
        use AwsCode::*;
        matches!(
            self,
            AccessDenied
                | AccessDeniedException
                | AccessDeniedForDependencyException
                | UnauthorizedOperation
                | AuthorizationError
        )
    }

    /// A change made a moment ago (a bucket or key policy, trusted access) has not propagated
    /// yet: worth waiting for, even for calls that are not idempotent.
    pub fn is_not_propagated_yet(&self) -> bool {
        use AwsCode::*;
        matches!(
            self,
            InsufficientS3BucketPolicyException
                | CloudTrailAccessNotEnabledException
                | InsufficientEncryptionPolicyException
                | PolicyTypeNotEnabledException
        )
    }

    /// What the call asks for is already so (the policy type enabled, the policy attached,
    /// detached or deleted): the call succeeded, maybe on an attempt whose answer was lost.
    /// Asked only of the guardrail calls these codes answer.
    pub fn is_already_so(&self) -> bool {
        use AwsCode::*;
        matches!(
            self,
            PolicyTypeAlreadyEnabledException
                | DuplicatePolicyAttachmentException
                | PolicyNotAttachedException
                | PolicyNotFoundException
        )
    }

    /// The credentials were read, but AWS does not accept them.
    fn is_bad_credentials(&self) -> bool {
        use AwsCode::*;
        matches!(
            self,
            ExpiredToken
                | ExpiredTokenException
                | InvalidClientTokenId
                | UnrecognizedClientException
                | SignatureDoesNotMatch
                | InvalidAccessKeyId
        )
    }
}

const SEE_THE_MESSAGE: &str =
    "see the AWS message above; run `orgtrail plan` to check the live state";

/// The fix for an error answer to the call `operation`, by its code (if it has one).
pub(super) fn fix_for(code: Option<&AwsCode>, operation: &str) -> String {
    use AwsCode::*;
    let Some(code) = code else {
        return SEE_THE_MESSAGE.into();
    };
    if code.is_access_denied() {
        return format!(
            "grant `{operation}` to the caller (see docs/iam/ for the exact read-only and apply policies)"
        );
    }
    if code.is_bad_credentials() {
        return "the credentials are invalid or expired; refresh them (e.g. `aws sso login --profile ...`)".into();
    }
    match code {
        AWSOrganizationsNotInUseException => {
            "this account is not in an organization; use credentials of the organization's management account".into()
        }
        InsufficientS3BucketPolicyException => {
            "the bucket policy does not let CloudTrail write yet; run `orgtrail plan` to see the statements orgtrail derives".into()
        }
        CloudTrailAccessNotEnabledException => {
            "enable trusted access for cloudtrail.amazonaws.com in AWS Organizations (orgtrail plans it when `organization.trusted_access: true`)".into()
        }
        InsufficientEncryptionPolicyException | KmsException => {
            "the KMS key policy must let cloudtrail.amazonaws.com use the key; see the CloudTrail guide's key policy".into()
        }
        NotOrganizationMasterAccountException | NotOrganizationManagementAccountException => {
            "use credentials of the organization's management account (or a CloudTrail delegated administrator)".into()
        }
        OrganizationNotInAllFeaturesModeException => {
            "enable all features in AWS Organizations (orgtrail plans `enable-all-features`)".into()
        }
        MaximumNumberOfTrailsExceededException => {
            "CloudTrail allows 5 trails per region; delete one you no longer need".into()
        }
        TrailAlreadyExistsException => {
            "a trail with this name exists; run `orgtrail plan` again to see its state".into()
        }
        _ => SEE_THE_MESSAGE.into(),
    }
}

/// What a read may find missing. Which answer says so is decided here, for each read: a code
/// means "there is none" only for the read it answers (InvalidInputException is "no delegated
/// administrators" for ListDelegatedAdministrators, and an error anywhere else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Absence {
    /// The bucket (GetBucketPolicy): NoSuchBucket, NotFound, or any other 404. NoSuchBucketPolicy
    /// is a 404 too: ask for [`Absence::BucketPolicy`] first.
    Bucket,
    /// The bucket exists without a policy (GetBucketPolicy).
    BucketPolicy,
    PublicAccessBlock,
    DefaultEncryption,
    OwnershipControls,
    /// No lifecycle configuration at all (GetBucketLifecycleConfiguration).
    Lifecycle,
    ObjectLock,
    /// The account is in no organization (DescribeOrganization and the organization's lists).
    Organization,
    /// No delegated administrator for CloudTrail: emulators that do not know CloudTrail as a
    /// delegable service answer InvalidInputException, where AWS itself answers an empty list.
    DelegatedAdmins,
    /// Insights were never enabled on the trail (GetInsightSelectors).
    InsightSelectors,
    /// No such KMS key (DescribeKey).
    KmsKey,
    /// No trails in an opt-in region the account has not enabled (DescribeTrails): AWS does not
    /// accept the account's credentials there, "UnrecognizedClientException" / "The security
    /// token included in the request is invalid" ("Enable or disable AWS Regions in your
    /// account", AWS Account Management reference guide: a disabled Region's resources cannot
    /// be used; "Manage AWS STS in an AWS Region", IAM user guide: tokens are valid only in
    /// enabled Regions). Nothing logs or delivers from such a region.
    RegionTrails,
    /// An object (GetObject of a digest or log file that was deleted): NoSuchKey.
    Object,
    /// No such EventBridge rule (DescribeRule): ResourceNotFoundException.
    AlertRule,
    /// No such SNS topic (GetTopicAttributes): NotFound.
    Topic,
}

impl Absence {
    /// Every absence, for the tests' tables.
    #[cfg(test)]
    pub(crate) const ALL: [Absence; 15] = [
        Absence::Bucket,
        Absence::BucketPolicy,
        Absence::PublicAccessBlock,
        Absence::DefaultEncryption,
        Absence::OwnershipControls,
        Absence::Lifecycle,
        Absence::ObjectLock,
        Absence::Organization,
        Absence::DelegatedAdmins,
        Absence::InsightSelectors,
        Absence::KmsKey,
        Absence::RegionTrails,
        Absence::Object,
        Absence::AlertRule,
        Absence::Topic,
    ];

    /// Whether an error answer with this code (if any) and HTTP status says there is none.
    pub(super) fn said_by(self, code: Option<&AwsCode>, status: Option<u16>) -> bool {
        use AwsCode::*;
        let Some(code) = code else {
            // Without a code only a 404 says anything: S3's answer to a HEAD, or an error body
            // the SDK could not parse, on the bucket read.
            return self == Absence::Bucket && status == Some(404);
        };
        match self {
            Absence::Bucket => matches!(code, NoSuchBucket | NotFound) || status == Some(404),
            Absence::BucketPolicy => *code == NoSuchBucketPolicy,
            Absence::PublicAccessBlock => *code == NoSuchPublicAccessBlockConfiguration,
            Absence::DefaultEncryption => *code == ServerSideEncryptionConfigurationNotFoundError,
            Absence::OwnershipControls => *code == OwnershipControlsNotFoundError,
            Absence::Lifecycle => *code == NoSuchLifecycleConfiguration,
            Absence::ObjectLock => *code == ObjectLockConfigurationNotFoundError,
            Absence::Organization => *code == AWSOrganizationsNotInUseException,
            Absence::DelegatedAdmins => *code == InvalidInputException,
            Absence::InsightSelectors => *code == InsightNotEnabledException,
            Absence::KmsKey => *code == NotFoundException,
            Absence::RegionTrails => {
                matches!(code, UnrecognizedClientException | InvalidClientTokenId)
            }
            Absence::Object => *code == NoSuchKey,
            Absence::AlertRule => *code == ResourceNotFoundException,
            Absence::Topic => *code == NotFound,
        }
    }
}
