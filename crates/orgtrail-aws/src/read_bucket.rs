//! Read a log bucket: existence, region and policy in one GetBucketPolicy call, and for a bucket
//! orgtrail creates its public access block and default encryption. Every request names the
//! bucket's owner as ExpectedBucketOwner (S3 answers 403 when another account owns the bucket:
//! "Verifying bucket ownership with bucket owner condition", Amazon S3 user guide) and is made
//! as the bucket's role when the spec names one.

use orgtrail_core::{BucketRef, BucketState};

use crate::client::Aws;
use crate::error::{Absence, AwsError, call_error};
use crate::read_protection::Wants;

fn state(
    b: &BucketRef,
    exists: bool,
    region: Option<String>,
    policy: Option<String>,
) -> BucketState {
    BucketState::read(&b.name, exists, region, policy)
}

impl Aws {
    /// One call answers existence, region and policy: GetBucketPolicy returns the policy (the
    /// bucket is in `region`), NoSuchBucketPolicy (exists here, no policy), NoSuchBucket/404
    /// (missing), a 301 redirect whose `x-amz-bucket-region` header names the real region, or
    /// 403 (another owner, or no permission: `denied`). That saves a HeadBucket round trip on
    /// every plan.
    pub(crate) async fn bucket(&self, b: &BucketRef) -> Result<BucketState, AwsError> {
        let s3 = self.s3_as(&b.region, self.bucket_role(b).as_ref()).await?;
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
        // NoSuchBucketPolicy is a 404 too: asked first.
        if err.is_absent(Absence::BucketPolicy) {
            return Ok(state(b, true, here, None));
        }
        if err.is_absent(Absence::Bucket) {
            return Ok(state(b, false, None, None));
        }
        if err.is_access_denied() {
            return Ok(BucketState {
                denied: true,
                ..state(b, true, None, None)
            });
        }
        // Another region: the plan reports the mismatch (and reads nothing more there).
        match moved_to {
            Some(r) if err.is_other_region() && r != b.region => Ok(state(b, true, Some(r), None)),
            _ => Err(err),
        }
    }

    /// The bucket, and for a bucket orgtrail manages that exists in its region, its protection
    /// (read concurrently with the policy: a plan stays at two dependent rounds) and the
    /// access-logging target.
    pub(crate) async fn bucket_and_setup(
        &self,
        b: &BucketRef,
        w: &Wants,
    ) -> Result<BucketState, AwsError> {
        let protection = async {
            if w.managed {
                Some(self.protection(b, w).await)
            } else {
                None
            }
        };
        let target = async {
            match &w.logging_target {
                Some(t) => Some(self.logging_target(b, t).await),
                None => None,
            }
        };
        let (st, protection, target) = tokio::join!(self.bucket(b), protection, target);
        let mut st = st?;
        // A missing, refused or misplaced bucket has no protection to speak of: the errors its
        // protection reads got say nothing more.
        if st.exists && !st.denied && st.region.as_deref() == Some(b.region.as_str()) {
            st.protection = protection.transpose()?;
        }
        // The target is a bucket of its own: read it even while the log bucket is to be created.
        if !st.denied {
            st.logging_target = target.transpose()?;
        }
        Ok(st)
    }
}
