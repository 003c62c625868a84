//! Acting in another account: STS AssumeRole into the bucket's role (a log-archive account)
//! or the key's role (a security account), session name `orgtrail`, once per role per run;
//! every later call as that role reuses the credentials (they last an hour, longer than a run).

use std::collections::HashMap;
use std::sync::Mutex;

use aws_config::Region;
use aws_sdk_s3::config::Credentials;

use crate::client::{Aws, per_region, sdk_client};
use crate::error::{AwsError, call_error};
use crate::role::{Cached, Role};

impl Aws {
    /// The credentials of `role`, assumed on first use.
    pub(crate) async fn credentials_of(&self, role: &Role) -> Result<Credentials, AwsError> {
        let cell: Cached = self
            .clients
            .roles
            .lock()
            .expect("no panic while holding the role cache lock")
            .entry(role.clone())
            .or_default()
            .clone();
        cell.get_or_init(|| self.assume(role)).await.clone()
    }

    async fn assume(&self, role: &Role) -> Result<Credentials, AwsError> {
        let _s = self.slot("sts").await;
        let out = self
            .sts()
            .assume_role()
            .role_arn(&role.arn)
            .role_session_name("orgtrail")
            .set_external_id(role.external_id.clone())
            .send()
            .await
            .map_err(|e| call_error("sts:AssumeRole", format!("role {}", role.arn), e))?;
        let c = out.credentials().ok_or_else(|| {
            AwsError::data(
                "sts:AssumeRole",
                format!("role {}", role.arn),
                "no credentials in the answer",
            )
        })?;
        Ok(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            std::time::SystemTime::try_from(*c.expiration()).ok(),
            "orgtrail-assume-role",
        ))
    }

    /// The client of `region`: `plain` without a role, else as `role`, from `cache` (one per
    /// region and role), built by `build` with the region and the role's credentials.
    async fn client_as<C: Clone>(
        &self,
        cache: &Mutex<HashMap<String, C>>,
        region: &str,
        role: Option<&Role>,
        plain: impl FnOnce() -> C,
        build: impl FnOnce(Region, Credentials) -> C,
    ) -> Result<C, AwsError> {
        let Some(role) = role else {
            return Ok(plain());
        };
        let creds = self.credentials_of(role).await?;
        let key = format!("{region}|{}", role.arn);
        Ok(per_region(cache, &key, |_| {
            build(Region::new(region.to_string()), creds)
        }))
    }

    /// The S3 client of `region`, as `role` when given.
    pub(crate) async fn s3_as(
        &self,
        region: &str,
        role: Option<&Role>,
    ) -> Result<aws_sdk_s3::Client, AwsError> {
        let path_style = self.custom_endpoint.is_some();
        let (cache, plain) = (&self.clients.s3, || self.s3(region));
        self.client_as(cache, region, role, plain, |r, creds| {
            sdk_client!(
                aws_sdk_s3,
                &self.config,
                region(r),
                force_path_style(path_style),
                credentials_provider(creds)
            )
        })
        .await
    }

    /// The KMS client of `region`, as `role` when given.
    pub(crate) async fn kms_as(
        &self,
        region: &str,
        role: Option<&Role>,
    ) -> Result<aws_sdk_kms::Client, AwsError> {
        let plain = || self.kms(region);
        self.client_as(&self.clients.kms, region, role, plain, |r, creds| {
            sdk_client!(
                aws_sdk_kms,
                &self.config,
                region(r),
                credentials_provider(creds)
            )
        })
        .await
    }
}

impl Aws {
    /// The role a bucket is acted on as, if any: `bucket.read_role_arn` in a connection for the
    /// read-only commands ([`crate::client::Aws::for_reads`]) when the spec names one, else
    /// `bucket.role_arn`.
    pub(crate) fn bucket_role(&self, b: &orgtrail_core::BucketRef) -> Option<Role> {
        let arn = if self.read_only {
            b.read_role_arn.as_ref().or(b.role_arn.as_ref())
        } else {
            b.role_arn.as_ref()
        };
        arn.map(|arn| Role {
            arn: arn.clone(),
            external_id: b.external_id.clone(),
        })
    }
}
