//! Execute one plan [`Action`]. Trail calls go to the trail's home region and address the trail
//! by ARN. Right after a policy write or a trusted-access change AWS may still answer
//! InsufficientS3BucketPolicyException / CloudTrailAccessNotEnabledException: those are retried
//! with bounded exponential backoff and jitter, on top of the SDK's own retries.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_cloudtrail::types as ct;
use orgtrail_core::{Action, Selectors, TrailField, TrailSettings};
use orgtrail_spec::InsightSelector;

use crate::client::Aws;
use crate::error::{AwsError, send};

/// Backoff for eventual-consistency errors.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Give up once this much time was spent retrying.
    pub budget: Duration,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            budget: Duration::from_secs(60),
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// How often a call refused for a change that has not propagated yet is tried again.
const PROPAGATION_POLL: Duration = Duration::from_millis(250);

fn jitter(max: Duration) -> Duration {
    // Cheap jitter without a RNG dependency: the clock's sub-second nanos.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let frac = f64::from(nanos % 1000) / 1000.0;
    max.mul_f64(frac)
}

/// Actions that can be sent twice with the same result. CreateTrail and CreateBucket are not
/// retried blindly after a transient failure (the first attempt may have succeeded); the
/// convergence check and a re-run of apply handle them from the live state.
fn is_idempotent(action: &Action) -> bool {
    !matches!(
        action,
        Action::CreateTrail { .. }
            | Action::CreateBucket { .. }
            | Action::EnableAllFeatures
            | Action::CreatePolicy { .. }
    )
}

fn opt_or_empty(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn tag(k: &str, v: &str) -> Result<ct::Tag, AwsError> {
    ct::Tag::builder()
        .key(k)
        .value(v)
        .build()
        .map_err(|e| AwsError::data("cloudtrail:AddTags", format!("tag `{k}`"), e.to_string()))
}

fn invalid_selector(e: aws_sdk_cloudtrail::error::BuildError) -> AwsError {
    AwsError::data(
        "cloudtrail:PutEventSelectors",
        "advanced selector",
        e.to_string(),
    )
}

fn sdk_selectors(
    s: &Selectors,
) -> Result<(Vec<ct::EventSelector>, Vec<ct::AdvancedEventSelector>), AwsError> {
    match s {
        Selectors::Basic(v) => Ok((
            v.iter()
                .map(|e| {
                    ct::EventSelector::builder()
                        .read_write_type(ct::ReadWriteType::from(e.read_write_type.as_str()))
                        .include_management_events(e.include_management_events)
                        .set_exclude_management_event_sources(Some(
                            e.exclude_management_event_sources.clone(),
                        ))
                        .set_data_resources(Some(
                            e.data_resources
                                .iter()
                                .map(|d| {
                                    ct::DataResource::builder()
                                        .r#type(&d.resource_type)
                                        .set_values(Some(d.values.clone()))
                                        .build()
                                })
                                .collect(),
                        ))
                        .build()
                })
                .collect(),
            Vec::new(),
        )),
        Selectors::Advanced(v) => {
            let mut out = Vec::new();
            for a in v {
                let mut fields = Vec::new();
                for f in &a.field_selectors {
                    let non_empty =
                        |x: &Vec<String>| if x.is_empty() { None } else { Some(x.clone()) };
                    fields.push(
                        ct::AdvancedFieldSelector::builder()
                            .field(&f.field)
                            .set_equals(non_empty(&f.equals))
                            .set_starts_with(non_empty(&f.starts_with))
                            .set_ends_with(non_empty(&f.ends_with))
                            .set_not_equals(non_empty(&f.not_equals))
                            .set_not_starts_with(non_empty(&f.not_starts_with))
                            .set_not_ends_with(non_empty(&f.not_ends_with))
                            .build()
                            .map_err(invalid_selector)?,
                    );
                }
                out.push(
                    ct::AdvancedEventSelector::builder()
                        .set_name(a.name.clone())
                        .set_field_selectors(Some(fields))
                        .build()
                        .map_err(invalid_selector)?,
                );
            }
            Ok((Vec::new(), out))
        }
    }
}

fn some_unless_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    if v.is_empty() { None } else { Some(v) }
}

impl Aws {
    /// Execute one action, retrying eventual-consistency errors within `retry.budget`.
    /// `on_wait` is told how long the next wait is and why (for a spinner or a log line).
    pub async fn execute(
        &self,
        action: &Action,
        retry: RetryPolicy,
        mut on_wait: impl FnMut(Duration, &AwsError),
    ) -> Result<(), AwsError> {
        let start = Instant::now();
        let mut delay = retry.first_delay;
        loop {
            match self.located(self.execute_once(action).await) {
                Ok(()) => return Ok(()),
                Err(e)
                    if e.is_not_propagated_yet() || (e.is_transient() && is_idempotent(action)) =>
                {
                    // Propagation ends at a moment nobody announces: polling at a short, steady
                    // interval finds it within one interval, where a doubling wait would
                    // overshoot by up to the last wait. Throttling and failures back off.
                    let wait = if e.is_not_propagated_yet() {
                        retry.first_delay.min(PROPAGATION_POLL) + jitter(PROPAGATION_POLL / 5)
                    } else {
                        (delay + jitter(delay / 2)).min(retry.max_delay)
                    };
                    if start.elapsed() + wait > retry.budget {
                        return Err(e);
                    }
                    on_wait(wait, &e);
                    tokio::time::sleep(wait).await;
                    delay = (delay * 2).min(retry.max_delay);
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn execute_once(&self, action: &Action) -> Result<(), AwsError> {
        // Apply runs one step at a time; the slot only counts the call.
        let _s = self.slot("apply").await;
        match action {
            Action::EnableAllFeatures => self.enable_all_features().await,
            Action::EnableTrustedAccess => self.set_trusted_access(true).await,
            Action::DisableTrustedAccess => self.set_trusted_access(false).await,
            Action::RegisterDelegatedAdmin { region, account } => {
                self.set_delegated_admin(region, account, true).await
            }
            Action::DeregisterDelegatedAdmin { region, account } => {
                self.set_delegated_admin(region, account, false).await
            }
            Action::CreateBucket { .. }
            | Action::PutBucketOwnershipControls { .. }
            | Action::PutPublicAccessBlock { .. }
            | Action::PutBucketEncryption { .. }
            | Action::PutBucketVersioning { .. }
            | Action::PutObjectLockConfiguration { .. }
            | Action::PutBucketLifecycle { .. }
            | Action::RemoveLifecycleRules { .. }
            | Action::PutBucketPolicy { .. }
            | Action::PutBucketLogging { .. } => self.execute_bucket(action).await,
            Action::CreateTrail { region, trail } => self.create_trail(region, trail).await,
            Action::UpdateTrail {
                region,
                trail_arn,
                fields,
            } => self.update_trail(region, trail_arn, fields).await,
            Action::PutEventSelectors {
                region,
                trail_arn,
                selectors,
            } => self.put_event_selectors(region, trail_arn, selectors).await,
            Action::PutInsightSelectors {
                region,
                trail_arn,
                insights,
            } => {
                self.put_insight_selectors(region, trail_arn, insights)
                    .await
            }
            Action::AddTags {
                region,
                trail_arn,
                tags,
            } => self.add_tags(region, trail_arn, tags).await,
            Action::RemoveTags {
                region,
                trail_arn,
                keys,
            } => self.remove_tags(region, trail_arn, keys).await,
            Action::StartLogging { region, trail_arn } => {
                self.set_logging(region, trail_arn, true).await
            }
            Action::StopLogging { region, trail_arn } => {
                self.set_logging(region, trail_arn, false).await
            }
            Action::EnablePolicyType { .. }
            | Action::CreatePolicy { .. }
            | Action::UpdatePolicy { .. }
            | Action::AttachPolicy { .. }
            | Action::DetachPolicy { .. }
            | Action::DeletePolicy { .. }
            | Action::PutRule { .. }
            | Action::PutTargets { .. }
            | Action::DeleteRule { .. } => self.execute_policy(action).await,
        }
    }

    // Organization.

    async fn enable_all_features(&self) -> Result<(), AwsError> {
        let req = self.organizations().enable_all_features();
        send!(req, "organizations:EnableAllFeatures", "the organization").map(drop)
    }

    async fn set_trusted_access(&self, enabled: bool) -> Result<(), AwsError> {
        let orgs = self.organizations();
        let service = orgtrail_core::policy::CLOUDTRAIL_SERVICE;
        if enabled {
            let req = orgs.enable_aws_service_access().service_principal(service);
            send!(
                req,
                "organizations:EnableAWSServiceAccess",
                "the organization"
            )?;
        } else {
            let req = orgs.disable_aws_service_access().service_principal(service);
            send!(
                req,
                "organizations:DisableAWSServiceAccess",
                "the organization"
            )?;
        }
        Ok(())
    }

    // Bucket.

    /// CloudTrail's own registration call, not Organizations': it also creates the
    /// service-linked role CloudTrail needs in the delegated administrator's account
    /// ("Add a CloudTrail delegated administrator", CloudTrail user guide).
    async fn set_delegated_admin(
        &self,
        region: &str,
        account: &str,
        register: bool,
    ) -> Result<(), AwsError> {
        let ct = self.cloudtrail(region);
        let res = format!("account {account}");
        if register {
            let req = ct
                .register_organization_delegated_admin()
                .member_account_id(account);
            send!(req, "cloudtrail:RegisterOrganizationDelegatedAdmin", res)?;
        } else {
            let req = ct
                .deregister_organization_delegated_admin()
                .delegated_admin_account_id(account);
            send!(req, "cloudtrail:DeregisterOrganizationDelegatedAdmin", res)?;
        }
        Ok(())
    }

    // Trail.

    async fn create_trail(&self, region: &str, trail: &TrailSettings) -> Result<(), AwsError> {
        let mut tags = Vec::new();
        for (k, v) in &trail.tags {
            tags.push(tag(k, v)?);
        }
        let (cw_group, cw_role) = match &trail.cloudwatch_logs {
            Some((g, r)) => (Some(g.clone()), Some(r.clone())),
            None => (None, None),
        };
        let req = self
            .cloudtrail(region)
            .create_trail()
            .name(&trail.name)
            .s3_bucket_name(&trail.s3_bucket)
            .set_s3_key_prefix(trail.s3_key_prefix.clone())
            .is_organization_trail(trail.organization)
            .is_multi_region_trail(trail.multi_region)
            .include_global_service_events(trail.include_global_service_events)
            .enable_log_file_validation(trail.log_file_validation)
            .set_kms_key_id(trail.kms_key_id.clone())
            .set_sns_topic_name(trail.sns_topic.clone())
            .set_cloud_watch_logs_log_group_arn(cw_group)
            .set_cloud_watch_logs_role_arn(cw_role)
            .set_tags_list(some_unless_empty(tags));
        send!(
            req,
            "cloudtrail:CreateTrail",
            format!("trail `{}` in {region}", trail.name)
        )
        .map(drop)
    }

    async fn update_trail(
        &self,
        region: &str,
        trail_arn: &str,
        fields: &[TrailField],
    ) -> Result<(), AwsError> {
        let mut req = self.cloudtrail(region).update_trail().name(trail_arn);
        for f in fields {
            req = match f {
                TrailField::S3Bucket(b) => req.s3_bucket_name(b),
                // An empty string clears an optional setting.
                TrailField::S3KeyPrefix(p) => req.s3_key_prefix(opt_or_empty(p)),
                TrailField::Organization(v) => req.is_organization_trail(*v),
                TrailField::MultiRegion(v) => req.is_multi_region_trail(*v),
                TrailField::IncludeGlobalServiceEvents(v) => req.include_global_service_events(*v),
                TrailField::LogFileValidation(v) => req.enable_log_file_validation(*v),
                TrailField::KmsKeyId(k) => req.kms_key_id(opt_or_empty(k)),
                TrailField::SnsTopic(t) => req.sns_topic_name(opt_or_empty(t)),
                TrailField::CloudWatchLogs(Some((g, r))) => req
                    .cloud_watch_logs_log_group_arn(g)
                    .cloud_watch_logs_role_arn(r),
                TrailField::CloudWatchLogs(None) => req
                    .cloud_watch_logs_log_group_arn("")
                    .cloud_watch_logs_role_arn(""),
            };
        }
        send!(req, "cloudtrail:UpdateTrail", format!("trail {trail_arn}")).map(drop)
    }

    // Selectors.

    async fn put_event_selectors(
        &self,
        region: &str,
        trail_arn: &str,
        selectors: &Selectors,
    ) -> Result<(), AwsError> {
        let (basic, advanced) = sdk_selectors(selectors)?;
        let req = self
            .cloudtrail(region)
            .put_event_selectors()
            .trail_name(trail_arn)
            .set_event_selectors(some_unless_empty(basic))
            .set_advanced_event_selectors(some_unless_empty(advanced));
        send!(
            req,
            "cloudtrail:PutEventSelectors",
            format!("trail {trail_arn}")
        )
        .map(drop)
    }

    async fn put_insight_selectors(
        &self,
        region: &str,
        trail_arn: &str,
        insights: &[InsightSelector],
    ) -> Result<(), AwsError> {
        // EventCategories always sent: it replaces what the trail had, so the result is exactly
        // the spec's (without it AWS would mean management events only).
        let sel = insights
            .iter()
            .map(|i| {
                let categories = i
                    .event_categories
                    .iter()
                    .map(|c| ct::SourceEventCategory::from(c.as_str()))
                    .collect();
                ct::InsightSelector::builder()
                    .insight_type(ct::InsightType::from(i.insight_type.as_str()))
                    .set_event_categories(Some(categories))
                    .build()
            })
            .collect();
        let req = self
            .cloudtrail(region)
            .put_insight_selectors()
            .trail_name(trail_arn)
            .set_insight_selectors(Some(sel));
        send!(
            req,
            "cloudtrail:PutInsightSelectors",
            format!("trail {trail_arn}")
        )
        .map(drop)
    }

    // Tags.

    async fn add_tags(
        &self,
        region: &str,
        trail_arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        let mut list = Vec::new();
        for (k, v) in tags {
            list.push(tag(k, v)?);
        }
        let req = self
            .cloudtrail(region)
            .add_tags()
            .resource_id(trail_arn)
            .set_tags_list(Some(list));
        send!(req, "cloudtrail:AddTags", format!("trail {trail_arn}")).map(drop)
    }

    async fn remove_tags(
        &self,
        region: &str,
        trail_arn: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        let mut list = Vec::new();
        for k in keys {
            list.push(ct::Tag::builder().key(k).build().map_err(|e| {
                AwsError::data("cloudtrail:RemoveTags", format!("tag `{k}`"), e.to_string())
            })?);
        }
        let req = self
            .cloudtrail(region)
            .remove_tags()
            .resource_id(trail_arn)
            .set_tags_list(Some(list));
        send!(req, "cloudtrail:RemoveTags", format!("trail {trail_arn}")).map(drop)
    }

    // Logging.

    async fn set_logging(&self, region: &str, trail_arn: &str, on: bool) -> Result<(), AwsError> {
        let ct = self.cloudtrail(region);
        let res = format!("trail {trail_arn}");
        if on {
            let req = ct.start_logging().name(trail_arn);
            send!(req, "cloudtrail:StartLogging", res)?;
        } else {
            let req = ct.stop_logging().name(trail_arn);
            send!(req, "cloudtrail:StopLogging", res)?;
        }
        Ok(())
    }
}
