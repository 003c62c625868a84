//! Read a log bucket's protection (public access block, ownership, default encryption,
//! versioning, and when the spec manages them retention, Object Lock and access logging, with
//! the access-logging target), concurrently with the bucket-policy read.

use aws_sdk_s3::types as s3t;
use orgtrail_core::{BucketProtection, BucketRef, LifecycleRule, LoggingTarget};
use orgtrail_spec::{Lifecycle, LockMode, ObjectLock, Spec};

use crate::client::Aws;
use crate::error::{Absence, AwsError, send_to_bucket};

pub(crate) use orgtrail_core::RETENTION_RULE;

/// Which protection reads a bucket needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Wants {
    /// orgtrail may write the bucket (its own account, or through the bucket's role): its
    /// protection is managed and read.
    pub managed: bool,
    /// Every managed bucket's lifecycle is read: anyone's rule can delete the logs.
    pub lifecycle: bool,
    pub object_lock: bool,
    /// GetBucketLogging: when the spec names a target, or on import (whatever is live).
    pub logging: bool,
    pub logging_target: Option<String>,
}

impl Wants {
    pub fn of(s: &Spec, managed: bool) -> Wants {
        let b = &s.bucket;
        let logging_target = b
            .access_logging
            .as_ref()
            .filter(|_| managed)
            .map(|a| a.target_bucket.clone());
        Wants {
            managed,
            lifecycle: managed,
            object_lock: managed && b.object_lock.is_some(),
            logging: logging_target.is_some(),
            logging_target,
        }
    }

    /// Everything, for `import`: what is live decides what the spec manages.
    pub fn everything() -> Wants {
        Wants {
            managed: true,
            lifecycle: true,
            object_lock: true,
            logging: true,
            logging_target: None,
        }
    }
}

impl Aws {
    async fn s3_for(
        &self,
        b: &BucketRef,
    ) -> Result<(aws_sdk_s3::Client, tokio::sync::OwnedSemaphorePermit), AwsError> {
        let s3 = self.s3_as(&b.region, self.bucket_role(b).as_ref()).await?;
        let permit = self.slot(&format!("s3/{}", b.region)).await;
        Ok((s3, permit))
    }

    /// The protection of `b` (errors of a bucket that turns out not to exist are the caller's
    /// to ignore).
    pub(crate) async fn protection(
        &self,
        b: &BucketRef,
        w: &Wants,
    ) -> Result<BucketProtection, AwsError> {
        let (blocked, encryption, ownership, versioning, retention, lock, logging) = tokio::join!(
            self.public_access_blocked(b),
            self.default_encryption(b),
            self.ownership(b),
            self.versioning(b),
            async {
                if w.lifecycle {
                    self.lifecycle(b).await
                } else {
                    Ok((None, Vec::new()))
                }
            },
            async {
                if w.object_lock {
                    self.object_lock(b).await
                } else {
                    Ok(None)
                }
            },
            async {
                if w.logging {
                    self.logging(b).await
                } else {
                    Ok(None)
                }
            },
        );
        let (encryption, bucket_key) = encryption?;
        let (retention, other_lifecycle_rules) = retention?;
        Ok(BucketProtection {
            public_access_blocked: blocked?,
            encryption,
            bucket_key,
            ownership: ownership?,
            versioning: versioning?,
            retention,
            object_lock: lock?,
            logging: logging?,
            other_lifecycle_rules,
        })
    }

    /// Whether all four public access block settings are on (none configured: false).
    async fn public_access_blocked(&self, b: &BucketRef) -> Result<bool, AwsError> {
        let (s3, _s) = self.s3_for(b).await?;
        match send_to_bucket!(
            s3.get_public_access_block(),
            "s3:GetBucketPublicAccessBlock",
            b
        ) {
            Ok(out) => Ok(out.public_access_block_configuration().is_some_and(|c| {
                c.block_public_acls() == Some(true)
                    && c.ignore_public_acls() == Some(true)
                    && c.block_public_policy() == Some(true)
                    && c.restrict_public_buckets() == Some(true)
            })),
            Err(e) => e.absent_as(Absence::PublicAccessBlock, false),
        }
    }

    /// The default encryption algorithm, if any, and whether the S3 Bucket Key is on.
    async fn default_encryption(&self, b: &BucketRef) -> Result<(Option<String>, bool), AwsError> {
        let (s3, _s) = self.s3_for(b).await?;
        match send_to_bucket!(
            s3.get_bucket_encryption(),
            "s3:GetEncryptionConfiguration",
            b
        ) {
            Ok(out) => {
                let rule = out
                    .server_side_encryption_configuration()
                    .and_then(|c| c.rules().first());
                let algorithm = rule
                    .and_then(|r| r.apply_server_side_encryption_by_default())
                    .map(|d| d.sse_algorithm().as_str().to_string());
                Ok((
                    algorithm,
                    rule.and_then(|r| r.bucket_key_enabled()).unwrap_or(false),
                ))
            }
            Err(e) => e.absent_as(Absence::DefaultEncryption, (None, false)),
        }
    }

    async fn ownership(&self, b: &BucketRef) -> Result<Option<String>, AwsError> {
        let (s3, _s) = self.s3_for(b).await?;
        match send_to_bucket!(
            s3.get_bucket_ownership_controls(),
            "s3:GetBucketOwnershipControls",
            b
        ) {
            Ok(out) => Ok(out
                .ownership_controls()
                .and_then(|c| c.rules().first())
                .map(|r| r.object_ownership().as_str().to_string())),
            Err(e) => e.absent_as(Absence::OwnershipControls, None),
        }
    }

    async fn versioning(&self, b: &BucketRef) -> Result<Option<String>, AwsError> {
        let (s3, _s) = self.s3_for(b).await?;
        let out = send_to_bucket!(s3.get_bucket_versioning(), "s3:GetBucketVersioning", b)?;
        Ok(out.status().map(|s| s.as_str().to_string()))
    }

    /// orgtrail's retention rule, if the bucket has it, and every other enabled rule.
    async fn lifecycle(
        &self,
        b: &BucketRef,
    ) -> Result<(Option<Lifecycle>, Vec<LifecycleRule>), AwsError> {
        let (s3, _s) = self.s3_for(b).await?;
        let rules = match send_to_bucket!(
            s3.get_bucket_lifecycle_configuration(),
            "s3:GetLifecycleConfiguration",
            b
        ) {
            Ok(out) => out.rules().to_vec(),
            Err(e) => return e.absent_as(Absence::Lifecycle, (None, Vec::new())),
        };
        let own = rules
            .iter()
            .find(|r| r.id() == Some(RETENTION_RULE))
            .map(retention_of);
        let enabled = rules
            .iter()
            .filter(|r| *r.status() == s3t::ExpirationStatus::Enabled)
            .map(rule_of)
            .collect();
        Ok((own, enabled))
    }

    async fn object_lock(&self, b: &BucketRef) -> Result<Option<ObjectLock>, AwsError> {
        let (s3, _s) = self.s3_for(b).await?;
        match send_to_bucket!(
            s3.get_object_lock_configuration(),
            "s3:GetBucketObjectLockConfiguration",
            b
        ) {
            Ok(out) => Ok(out.object_lock_configuration().and_then(lock_of)),
            Err(e) => e.absent_as(Absence::ObjectLock, None),
        }
    }

    async fn logging(&self, b: &BucketRef) -> Result<Option<(String, Option<String>)>, AwsError> {
        let (s3, _s) = self.s3_for(b).await?;
        let out = send_to_bucket!(s3.get_bucket_logging(), "s3:GetBucketLogging", b)?;
        Ok(out.logging_enabled().map(|l| {
            let prefix = Some(l.target_prefix().to_string()).filter(|p| !p.is_empty());
            (l.target_bucket().to_string(), prefix)
        }))
    }

    /// The access-logging target (same account and region as the log bucket, S3's rule): its
    /// existence, policy and whether it uses Object Lock.
    pub(crate) async fn logging_target(
        &self,
        b: &BucketRef,
        target: &str,
    ) -> Result<LoggingTarget, AwsError> {
        let t = BucketRef {
            name: target.to_string(),
            ..b.clone()
        };
        let (state, lock) = tokio::join!(self.bucket(&t), self.object_lock(&t));
        let state = state?;
        let locked = if state.exists && !state.denied {
            lock?.is_some()
        } else {
            false
        };
        Ok(LoggingTarget {
            name: target.to_string(),
            exists: state.exists,
            policy: state.policy,
            object_lock: locked,
        })
    }
}

/// A rule reduced to what decides whether it deletes log files: its prefix (the filter's, the
/// And operator's, or the rule's legacy one; tags and sizes do not keep it from log files) and
/// when it expires current and noncurrent versions (a date as 0 days: it may have passed).
fn rule_of(r: &s3t::LifecycleRule) -> LifecycleRule {
    let f = r.filter();
    let and = f.and_then(|f| f.and());
    #[allow(
        deprecated,
        reason = "a rule written with the legacy top-level Prefix still applies"
    )]
    let legacy = r.prefix();
    let prefix = f
        .and_then(|f| f.prefix())
        .or_else(|| and.and_then(|a| a.prefix()))
        .or(legacy)
        .unwrap_or_default();
    let days = |d: Option<i32>| d.and_then(|d| u32::try_from(d).ok());
    let expire_days = r
        .expiration()
        .and_then(|e| days(e.days()).or_else(|| e.date().map(|_| 0)));
    LifecycleRule {
        id: r.id().unwrap_or_default().to_string(),
        prefix: prefix.to_string(),
        expire_days,
        noncurrent_expire_days: days(
            r.noncurrent_version_expiration()
                .and_then(|e| e.noncurrent_days()),
        ),
    }
}

fn retention_of(r: &s3t::LifecycleRule) -> Lifecycle {
    let days = |d: Option<i32>| d.and_then(|d| u32::try_from(d).ok());
    Lifecycle {
        expire_days: days(r.expiration().and_then(|e| e.days())).unwrap_or(0),
        noncurrent_expire_days: days(
            r.noncurrent_version_expiration()
                .and_then(|e| e.noncurrent_days()),
        ),
        archive_after_days: days(r.transitions().first().and_then(|t| t.days())),
    }
}

fn lock_of(c: &s3t::ObjectLockConfiguration) -> Option<ObjectLock> {
    let d = c.rule()?.default_retention()?;
    let mode = match d.mode()? {
        s3t::ObjectLockRetentionMode::Compliance => LockMode::Compliance,
        _ => LockMode::Governance,
    };
    let days = d.days().and_then(|d| u32::try_from(d).ok()).or_else(|| {
        d.years()
            .and_then(|y| u32::try_from(y).ok())
            .map(|y| y * 365)
    })?;
    Some(ObjectLock { mode, days })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expiring(days: i32) -> s3t::LifecycleExpiration {
        s3t::LifecycleExpiration::builder().days(days).build()
    }

    /// (behaviour, the rule as S3 returns it, prefix, current expiry, noncurrent expiry)
    type Case = (
        &'static str,
        s3t::LifecycleRule,
        &'static str,
        Option<u32>,
        Option<u32>,
    );

    /// (shape of the rule as S3 returns it, prefix read, current expiry, noncurrent expiry):
    /// whichever way the filter is written, the prefix is found, and tag or size conditions do
    /// not hide a rule from the log files.
    #[test]
    #[allow(
        clippy::too_many_lines,
        reason = "a table of rule shapes, one per case"
    )]
    fn every_filter_shape_yields_its_prefix_and_expiry() {
        let tag = s3t::Tag::builder().key("k").value("v").build().unwrap();
        let base = || {
            s3t::LifecycleRule::builder()
                .id("r")
                .status(s3t::ExpirationStatus::Enabled)
        };
        #[allow(
            deprecated,
            reason = "the legacy top-level Prefix is a shape S3 still returns"
        )]
        let legacy = base().prefix("AWSLogs/").expiration(expiring(1));
        let dated = s3t::LifecycleExpiration::builder()
            .date(aws_smithy_types::DateTime::from_secs(0))
            .build();
        let cases: Vec<Case> = vec![
            (
                "Filter.Prefix",
                base()
                    .filter(
                        s3t::LifecycleRuleFilter::builder()
                            .prefix("AWSLogs/")
                            .build(),
                    )
                    .expiration(expiring(1))
                    .build()
                    .unwrap(),
                "AWSLogs/",
                Some(1),
                None,
            ),
            (
                "And: prefix and a tag",
                base()
                    .filter(
                        s3t::LifecycleRuleFilter::builder()
                            .and(
                                s3t::LifecycleRuleAndOperator::builder()
                                    .prefix("AWSLogs/o-x/")
                                    .tags(tag.clone())
                                    .build(),
                            )
                            .build(),
                    )
                    .expiration(expiring(2))
                    .build()
                    .unwrap(),
                "AWSLogs/o-x/",
                Some(2),
                None,
            ),
            (
                "a tag alone: every object",
                base()
                    .filter(s3t::LifecycleRuleFilter::builder().tag(tag).build())
                    .expiration(expiring(3))
                    .build()
                    .unwrap(),
                "",
                Some(3),
                None,
            ),
            (
                "an object size: every object",
                base()
                    .filter(
                        s3t::LifecycleRuleFilter::builder()
                            .object_size_greater_than(1)
                            .build(),
                    )
                    .noncurrent_version_expiration(
                        s3t::NoncurrentVersionExpiration::builder()
                            .noncurrent_days(4)
                            .build(),
                    )
                    .build()
                    .unwrap(),
                "",
                None,
                Some(4),
            ),
            (
                "the legacy Prefix",
                legacy.build().unwrap(),
                "AWSLogs/",
                Some(1),
                None,
            ),
            (
                "a date: expires at once",
                base().expiration(dated).build().unwrap(),
                "",
                Some(0),
                None,
            ),
        ];
        for (name, rule, prefix, expire, noncurrent) in cases {
            let r = rule_of(&rule);
            assert_eq!(
                (r.prefix.as_str(), r.expire_days, r.noncurrent_expire_days),
                (prefix, expire, noncurrent),
                "{name}"
            );
        }
    }
}
