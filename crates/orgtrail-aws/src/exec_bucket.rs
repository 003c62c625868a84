//! Execute the log bucket's steps: creation, protection, policy, access logging. Every request
//! names the owner as ExpectedBucketOwner and is made as the bucket's role when given.

use aws_sdk_s3::types as s3t;
use orgtrail_core::{Action, BucketRef};

use crate::client::Aws;
use crate::error::{Absence, AwsError, send, send_to_bucket};
use crate::read_protection::RETENTION_RULE;

fn res(b: &BucketRef) -> String {
    format!("bucket `{}`", b.name)
}

fn invalid(op: &'static str, b: &BucketRef) -> impl Fn(aws_sdk_s3::error::BuildError) -> AwsError {
    let r = res(b);
    move |e| AwsError::data(op, r.clone(), e.to_string())
}

fn days(d: u32) -> i32 {
    i32::try_from(d).unwrap_or(i32::MAX)
}

/// Default encryption: SSE-KMS with the trail's key, or SSE-S3.
fn encryption(
    b: &BucketRef,
    kms_key_arn: Option<&str>,
    bucket_key: bool,
) -> Result<s3t::ServerSideEncryptionConfiguration, AwsError> {
    let op = "s3:PutEncryptionConfiguration";
    let by_default = match kms_key_arn {
        Some(k) => s3t::ServerSideEncryptionByDefault::builder()
            .sse_algorithm(s3t::ServerSideEncryption::AwsKms)
            .kms_master_key_id(k),
        None => s3t::ServerSideEncryptionByDefault::builder()
            .sse_algorithm(s3t::ServerSideEncryption::Aes256),
    }
    .build()
    .map_err(invalid(op, b))?;
    s3t::ServerSideEncryptionConfiguration::builder()
        .rules(
            s3t::ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(by_default)
                .bucket_key_enabled(kms_key_arn.is_some() && bucket_key)
                .build(),
        )
        .build()
        .map_err(invalid(op, b))
}

impl Aws {
    async fn s3_of(&self, b: &BucketRef) -> Result<aws_sdk_s3::Client, AwsError> {
        self.s3_as(&b.region, self.bucket_role(b).as_ref()).await
    }

    pub(crate) async fn execute_bucket(&self, action: &Action) -> Result<(), AwsError> {
        match action {
            Action::CreateBucket {
                bucket,
                object_lock,
            } => self.create_bucket(bucket, *object_lock).await,
            Action::PutBucketOwnershipControls { bucket, ownership } => {
                self.put_ownership(bucket, ownership).await
            }
            Action::PutPublicAccessBlock { bucket } => self.put_public_access_block(bucket).await,
            Action::PutBucketEncryption {
                bucket,
                kms_key_arn,
                bucket_key,
            } => {
                self.put_bucket_encryption(bucket, kms_key_arn.as_deref(), *bucket_key)
                    .await
            }
            Action::PutBucketVersioning { bucket } => self.put_versioning(bucket).await,
            Action::PutObjectLockConfiguration { bucket, mode, days } => {
                self.put_object_lock(bucket, mode, *days).await
            }
            Action::PutBucketLifecycle {
                bucket,
                expire_days,
                noncurrent_expire_days,
                archive_after_days,
            } => {
                let rule = retention_rule(
                    bucket,
                    *expire_days,
                    *noncurrent_expire_days,
                    *archive_after_days,
                )?;
                self.put_lifecycle_rules(bucket, |r| r.id() != Some(RETENTION_RULE), Some(rule))
                    .await
            }
            Action::RemoveLifecycleRules { bucket, rule_ids } => {
                let drop =
                    |r: &s3t::LifecycleRule| !rule_ids.iter().any(|id| r.id() == Some(id.as_str()));
                self.put_lifecycle_rules(bucket, drop, None).await
            }
            Action::PutBucketPolicy { bucket, policy } => {
                self.put_bucket_policy(bucket, policy).await
            }
            Action::PutBucketLogging {
                bucket,
                target_bucket,
                prefix,
            } => {
                self.put_logging(bucket, target_bucket, prefix.as_deref())
                    .await
            }
            _ => unreachable!("execute_bucket is only called for bucket actions"),
        }
    }

    /// A new bucket in its region (as the bucket's role when given: the role's account owns it),
    /// with Object Lock enabled when the spec wants a lock (it can only be set at creation or on
    /// a versioned bucket).
    async fn create_bucket(&self, b: &BucketRef, object_lock: bool) -> Result<(), AwsError> {
        let mut req = self.s3_of(b).await?.create_bucket().bucket(&b.name);
        if object_lock {
            req = req.object_lock_enabled_for_bucket(true);
        }
        if b.region != "us-east-1" {
            req = req.create_bucket_configuration(
                s3t::CreateBucketConfiguration::builder()
                    .location_constraint(s3t::BucketLocationConstraint::from(b.region.as_str()))
                    .build(),
            );
        }
        send!(req, "s3:CreateBucket", res(b)).map(drop)
    }

    async fn put_ownership(&self, b: &BucketRef, ownership: &str) -> Result<(), AwsError> {
        let op = "s3:PutBucketOwnershipControls";
        let rule = s3t::OwnershipControlsRule::builder()
            .object_ownership(s3t::ObjectOwnership::from(ownership))
            .build()
            .map_err(invalid(op, b))?;
        let controls = s3t::OwnershipControls::builder()
            .rules(rule)
            .build()
            .map_err(invalid(op, b))?;
        let s3 = self.s3_of(b).await?;
        let req = s3
            .put_bucket_ownership_controls()
            .ownership_controls(controls);
        send_to_bucket!(req, "s3:PutBucketOwnershipControls", b).map(drop)
    }

    async fn put_public_access_block(&self, b: &BucketRef) -> Result<(), AwsError> {
        let s3 = self.s3_of(b).await?;
        let block = s3t::PublicAccessBlockConfiguration::builder()
            .block_public_acls(true)
            .ignore_public_acls(true)
            .block_public_policy(true)
            .restrict_public_buckets(true)
            .build();
        let req = s3
            .put_public_access_block()
            .public_access_block_configuration(block);
        send_to_bucket!(req, "s3:PutBucketPublicAccessBlock", b).map(drop)
    }

    async fn put_bucket_encryption(
        &self,
        b: &BucketRef,
        kms_key_arn: Option<&str>,
        bucket_key: bool,
    ) -> Result<(), AwsError> {
        let s3 = self.s3_of(b).await?;
        let req = s3
            .put_bucket_encryption()
            .server_side_encryption_configuration(encryption(b, kms_key_arn, bucket_key)?);
        send_to_bucket!(req, "s3:PutEncryptionConfiguration", b).map(drop)
    }

    async fn put_versioning(&self, b: &BucketRef) -> Result<(), AwsError> {
        let conf = s3t::VersioningConfiguration::builder()
            .status(s3t::BucketVersioningStatus::Enabled)
            .build();
        let s3 = self.s3_of(b).await?;
        let req = s3.put_bucket_versioning().versioning_configuration(conf);
        send_to_bucket!(req, "s3:PutBucketVersioning", b).map(drop)
    }

    async fn put_object_lock(&self, b: &BucketRef, mode: &str, d: u32) -> Result<(), AwsError> {
        let retention = s3t::DefaultRetention::builder()
            .mode(s3t::ObjectLockRetentionMode::from(mode))
            .days(days(d))
            .build();
        let conf = s3t::ObjectLockConfiguration::builder()
            .object_lock_enabled(s3t::ObjectLockEnabled::Enabled)
            .rule(
                s3t::ObjectLockRule::builder()
                    .default_retention(retention)
                    .build(),
            )
            .build();
        let s3 = self.s3_of(b).await?;
        let req = s3
            .put_object_lock_configuration()
            .object_lock_configuration(conf);
        send_to_bucket!(req, "s3:PutBucketObjectLockConfiguration", b).map(drop)
    }

    /// Keep the lifecycle rules `keep` accepts, add `rule`, and write the result (a
    /// PutBucketLifecycleConfiguration replaces the whole configuration, so the current one is
    /// read first; with no rule left the configuration is deleted: S3 refuses an empty one).
    async fn put_lifecycle_rules(
        &self,
        b: &BucketRef,
        keep: impl Fn(&s3t::LifecycleRule) -> bool,
        rule: Option<s3t::LifecycleRule>,
    ) -> Result<(), AwsError> {
        let s3 = self.s3_of(b).await?;
        let req = s3.get_bucket_lifecycle_configuration();
        let current = match send_to_bucket!(req, "s3:GetLifecycleConfiguration", b) {
            Ok(out) => out.rules().to_vec(),
            Err(e) => e.absent_as(Absence::Lifecycle, Vec::new())?,
        };
        let mut rules: Vec<s3t::LifecycleRule> = current.into_iter().filter(|r| keep(r)).collect();
        rules.extend(rule);
        if rules.is_empty() {
            let req = s3.delete_bucket_lifecycle();
            return send_to_bucket!(req, "s3:PutLifecycleConfiguration", b).map(drop);
        }
        let conf = s3t::BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(invalid("s3:PutLifecycleConfiguration", b))?;
        let req = s3
            .put_bucket_lifecycle_configuration()
            .lifecycle_configuration(conf);
        send_to_bucket!(req, "s3:PutLifecycleConfiguration", b).map(drop)
    }

    pub(crate) async fn put_bucket_policy(
        &self,
        b: &BucketRef,
        policy: &str,
    ) -> Result<(), AwsError> {
        let req = self.s3_of(b).await?.put_bucket_policy().policy(policy);
        send_to_bucket!(req, "s3:PutBucketPolicy", b).map(drop)
    }

    async fn put_logging(
        &self,
        b: &BucketRef,
        target: &str,
        prefix: Option<&str>,
    ) -> Result<(), AwsError> {
        let enabled = s3t::LoggingEnabled::builder()
            .target_bucket(target)
            .target_prefix(prefix.unwrap_or(""))
            .build()
            .map_err(invalid("s3:PutBucketLogging", b))?;
        let status = s3t::BucketLoggingStatus::builder()
            .logging_enabled(enabled)
            .build();
        let s3 = self.s3_of(b).await?;
        let req = s3.put_bucket_logging().bucket_logging_status(status);
        send_to_bucket!(req, "s3:PutBucketLogging", b).map(drop)
    }
}

/// orgtrail's retention rule: expire current log files after `expire` days (a rule that only
/// expires noncurrent versions never deletes CloudTrail's logs), noncurrent versions after
/// `noncurrent`, and archive to S3 Glacier Flexible Retrieval after `archive`.
fn retention_rule(
    b: &BucketRef,
    expire: u32,
    noncurrent: Option<u32>,
    archive: Option<u32>,
) -> Result<s3t::LifecycleRule, AwsError> {
    let mut rule = s3t::LifecycleRule::builder()
        .id(RETENTION_RULE)
        .status(s3t::ExpirationStatus::Enabled)
        .filter(s3t::LifecycleRuleFilter::builder().prefix("").build())
        .expiration(
            s3t::LifecycleExpiration::builder()
                .days(days(expire))
                .build(),
        );
    if let Some(n) = noncurrent {
        rule = rule.noncurrent_version_expiration(
            s3t::NoncurrentVersionExpiration::builder()
                .noncurrent_days(days(n))
                .build(),
        );
    }
    if let Some(a) = archive {
        rule = rule.transitions(
            s3t::Transition::builder()
                .days(days(a))
                .storage_class(s3t::TransitionStorageClass::Glacier)
                .build(),
        );
    }
    rule.build()
        .map_err(invalid("s3:PutLifecycleConfiguration", b))
}
