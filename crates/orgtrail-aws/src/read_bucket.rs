//! Read a log bucket: existence, region and policy in one GetBucketPolicy call, and for a bucket
//! orgtrail creates its public access block and default encryption. Every request names the
//! bucket's owner as ExpectedBucketOwner (S3 answers 403 when another account owns the bucket:
//! "Verifying bucket ownership with bucket owner condition", Amazon S3 user guide) and is made
//! as the bucket's role when the spec names one.

use orgtrail_core::{BucketProtection, BucketRef, BucketState};

use crate::assume::bucket_role;
use crate::error::call_error;
use crate::{Aws, AwsError};

fn state(
    b: &BucketRef,
    exists: bool,
    region: Option<String>,
    policy: Option<String>,
) -> BucketState {
    BucketState {
        name: b.name.clone(),
        exists,
        region,
        policy,
        protection: None,
        denied: false,
    }
}

impl Aws {
    /// One call answers existence, region and policy: GetBucketPolicy returns the policy (the
    /// bucket is in `region`), NoSuchBucketPolicy (exists here, no policy), NoSuchBucket/404
    /// (missing), a 301 redirect whose `x-amz-bucket-region` header names the real region, or
    /// 403 (another owner, or no permission: `denied`). That saves a HeadBucket round trip on
    /// every plan.
    pub(crate) async fn bucket(&self, b: &BucketRef) -> Result<BucketState, AwsError> {
        let s3 = self.s3_as(&b.region, bucket_role(b).as_ref()).await?;
        let res = {
            let _s = self.slot(&format!("s3/{}", b.region)).await;
            s3.get_bucket_policy()
                .bucket(&b.name)
                .expected_bucket_owner(&b.owner)
                .send()
                .await
        };
        let here = Some(b.region.clone());
        let e = match res {
            Ok(out) => return Ok(state(b, true, here, out.policy().map(str::to_string))),
            Err(e) => e,
        };
        let moved_to = e
            .raw_response()
            .and_then(|r| r.headers().get("x-amz-bucket-region"))
            .map(str::to_string);
        let err = call_error("s3:GetBucketPolicy", format!("bucket `{}`", b.name), e);
        if err.is_service_code("NoSuchBucketPolicy") {
            return Ok(state(b, true, here, None));
        }
        if err.is_service_code("NoSuchBucket")
            || err.is_service_code("NotFound")
            || err.status() == Some(404)
        {
            return Ok(state(b, false, None, None));
        }
        if err.is_access_denied() {
            return Ok(BucketState {
                denied: true,
                ..state(b, true, None, None)
            });
        }
        match (err.status(), moved_to) {
            // Another region: the plan reports the mismatch (and reads nothing more there).
            (Some(301), Some(r)) if r != b.region => Ok(state(b, true, Some(r), None)),
            _ => Err(err),
        }
    }

    /// The bucket, and for a bucket orgtrail manages (`managed`) that exists in its region, its
    /// public access block and default encryption (concurrently).
    pub(crate) async fn bucket_and_setup(
        &self,
        b: &BucketRef,
        managed: bool,
    ) -> Result<BucketState, AwsError> {
        let mut st = self.bucket(b).await?;
        if managed && st.exists && !st.denied && st.region.as_deref() == Some(b.region.as_str()) {
            let (blocked, encryption) =
                tokio::join!(self.public_access_blocked(b), self.default_encryption(b));
            st.protection = Some(BucketProtection {
                public_access_blocked: blocked?,
                encryption: encryption?,
            });
        }
        Ok(st)
    }

    /// Whether all four public access block settings are on (none configured: false).
    async fn public_access_blocked(&self, b: &BucketRef) -> Result<bool, AwsError> {
        let s3 = self.s3_as(&b.region, bucket_role(b).as_ref()).await?;
        let _s = self.slot(&format!("s3/{}", b.region)).await;
        match s3
            .get_public_access_block()
            .bucket(&b.name)
            .expected_bucket_owner(&b.owner)
            .send()
            .await
        {
            Ok(out) => Ok(out.public_access_block_configuration().is_some_and(|c| {
                c.block_public_acls() == Some(true)
                    && c.ignore_public_acls() == Some(true)
                    && c.block_public_policy() == Some(true)
                    && c.restrict_public_buckets() == Some(true)
            })),
            Err(e) => call_error(
                "s3:GetBucketPublicAccessBlock",
                format!("bucket `{}`", b.name),
                e,
            )
            .absent_as("NoSuchPublicAccessBlockConfiguration", false),
        }
    }

    /// The default encryption algorithm, if any.
    async fn default_encryption(&self, b: &BucketRef) -> Result<Option<String>, AwsError> {
        let s3 = self.s3_as(&b.region, bucket_role(b).as_ref()).await?;
        let _s = self.slot(&format!("s3/{}", b.region)).await;
        match s3
            .get_bucket_encryption()
            .bucket(&b.name)
            .expected_bucket_owner(&b.owner)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .server_side_encryption_configuration()
                .and_then(|c| c.rules().first())
                .and_then(|r| r.apply_server_side_encryption_by_default())
                .map(|d| d.sse_algorithm().as_str().to_string())),
            Err(e) => call_error(
                "s3:GetEncryptionConfiguration",
                format!("bucket `{}`", b.name),
                e,
            )
            .absent_as("ServerSideEncryptionConfigurationNotFoundError", None),
        }
    }
}
