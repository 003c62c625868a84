//! Acting in another account: STS AssumeRole into the bucket's role (a log-archive account)
//! or the key's role (a security account), session name `orgtrail`, once per role per run;
//! every later call as that role reuses the credentials (they last an hour, longer than a run).

use std::sync::Arc;

use aws_config::Region;
use aws_sdk_s3::config::Credentials;
use tokio::sync::OnceCell;

use crate::error::call_error;
use crate::{Aws, AwsError, RefusedIsFinal};

/// One role to act as.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Role {
    pub arn: String,
    pub external_id: Option<String>,
}

pub(crate) type Cached = Arc<OnceCell<Result<Credentials, AwsError>>>;

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

    /// The S3 client of `region`, as `role` when given.
    pub(crate) async fn s3_as(
        &self,
        region: &str,
        role: Option<&Role>,
    ) -> Result<aws_sdk_s3::Client, AwsError> {
        let Some(role) = role else {
            return Ok(self.s3(region));
        };
        let creds = self.credentials_of(role).await?;
        let key = format!("{region}|{}", role.arn);
        Ok(crate::per_region(&self.clients.s3, &key, |_| {
            let conf = aws_sdk_s3::config::Builder::from(&self.config)
                .region(Region::new(region.to_string()))
                .force_path_style(self.custom_endpoint.is_some())
                .retry_classifier(RefusedIsFinal)
                .credentials_provider(creds)
                .build();
            aws_sdk_s3::Client::from_conf(conf)
        }))
    }

    /// The KMS client of `region`, as `role` when given.
    pub(crate) async fn kms_as(
        &self,
        region: &str,
        role: Option<&Role>,
    ) -> Result<aws_sdk_kms::Client, AwsError> {
        let Some(role) = role else {
            return Ok(self.kms(region));
        };
        let creds = self.credentials_of(role).await?;
        let key = format!("{region}|{}", role.arn);
        Ok(crate::per_region(&self.clients.kms, &key, |_| {
            let conf = aws_sdk_kms::config::Builder::from(&self.config)
                .region(Region::new(region.to_string()))
                .retry_classifier(RefusedIsFinal)
                .credentials_provider(creds)
                .build();
            aws_sdk_kms::Client::from_conf(conf)
        }))
    }
}

/// The role a bucket is acted on as, if any.
pub(crate) fn bucket_role(b: &orgtrail_core::BucketRef) -> Option<Role> {
    b.role_arn.as_ref().map(|arn| Role {
        arn: arn.clone(),
        external_id: b.external_id.clone(),
    })
}
