//! Read what a command needs: the live state a plan depends on (see `read_rounds`), one bucket
//! (import), or a resource again right before a step writes it (compare before write). Reads are
//! idempotent, so a whole read is retried on a transient failure.

use std::future::Future;

use orgtrail_core::guard::{Reread, Resource};
use orgtrail_core::{BucketRef, BucketState, LiveState};
use orgtrail_spec::Spec;

use crate::client::Aws;
use crate::error::AwsError;
use crate::read_convert::trail_state;
use crate::read_protection::Wants;

/// Whole-read attempts on transient failures (each call also has the SDK's own retries).
const READ_ATTEMPTS: u32 = 3;

/// Reads are idempotent: on a transient failure (network, timeout, throttling, 5xx) that outlived
/// the SDK's own retries, read again, a bounded number of times.
async fn with_read_retries<T, F, Fut>(mut read: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let mut delay = std::time::Duration::from_millis(200);
    let mut attempt = 1;
    loop {
        match read().await {
            Err(e) if e.is_transient() && attempt < READ_ATTEMPTS => {
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

impl Aws {
    /// Read everything the plan for `specs` depends on.
    pub async fn read_live(&self, specs: &[&Spec]) -> Result<LiveState, AwsError> {
        self.located(with_read_retries(|| self.read_live_once(specs, true)).await)
    }

    /// Like [`Aws::read_live`] without reading the buckets: each spec's bucket comes back as not
    /// read (`exists: false`, no region, no policy). `import` uses it to learn a trail's bucket
    /// from the trail before reading that bucket with [`Aws::read_bucket`].
    pub async fn read_live_without_buckets(&self, specs: &[&Spec]) -> Result<LiveState, AwsError> {
        self.located(with_read_retries(|| self.read_live_once(specs, false)).await)
    }

    /// Read again what a step is about to write, for the compare-before-write check: the
    /// organization (2 calls), a bucket (1 call), or a trail (DescribeTrails, and when it
    /// exists its status, selectors, insights and tags).
    pub async fn reread(&self, resource: &Resource) -> Result<Reread, AwsError> {
        self.located(with_read_retries(|| self.reread_once(resource)).await)
    }

    async fn reread_once(&self, resource: &Resource) -> Result<Reread, AwsError> {
        match resource {
            Resource::Organization => {
                let (org, trusted) = tokio::join!(self.organization(), self.trusted_access());
                Ok(Reread::Organization {
                    all_features: org?.is_some_and(|o| o.all_features),
                    trusted_access: trusted?,
                    // Not re-read: one more call before every organization write, for a list
                    // only the management account changes.
                    delegated_admins: None,
                })
            }
            Resource::Bucket(b) => Ok(Reread::Bucket(self.bucket(b).await?)),
            Resource::Trail { arn, region } => {
                let list = self.describe_trails(region).await?;
                let Some(t) = list.iter().find(|t| t.trail_arn() == Some(arn.as_str())) else {
                    return Ok(Reread::Trail(None));
                };
                let (detail, tags) = tokio::join!(
                    self.trail_detail(arn, region),
                    self.tags(region, std::slice::from_ref(arn))
                );
                let mut detail = detail?;
                detail.tags = tags?.remove(arn).unwrap_or_default();
                Ok(Reread::Trail(Some(trail_state(arn, region, t, &detail))))
            }
        }
    }

    /// Read one bucket (existence, region and policy) with one GetBucketPolicy call.
    pub async fn read_bucket(&self, b: &BucketRef) -> Result<BucketState, AwsError> {
        self.located(with_read_retries(|| self.bucket(b)).await)
    }

    /// Read one bucket with all of its protection (`import`): its policy and, concurrently,
    /// public access block, encryption, ownership, versioning, lifecycle, Object Lock and access
    /// logging; then, when it logs its accesses, the target bucket (its policy and Object Lock),
    /// which decides whether the spec can manage that logging without a change.
    pub async fn read_bucket_protection(&self, b: &BucketRef) -> Result<BucketState, AwsError> {
        self.located(
            with_read_retries(|| async {
                let mut st = self.bucket_and_setup(b, &Wants::everything()).await?;
                let target = st
                    .protection
                    .as_ref()
                    .and_then(|p| p.logging.as_ref())
                    .map(|(t, _)| t.clone());
                if let Some(t) = target {
                    st.logging_target = Some(self.logging_target(b, &t).await?);
                }
                Ok(st)
            })
            .await,
        )
    }
}
