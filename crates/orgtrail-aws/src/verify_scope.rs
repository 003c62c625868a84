//! What `orgtrail verify` judges, read from AWS: the spec's trail (DescribeTrails in its home
//! region: bucket, prefix, organization, multi-region, log file validation), the organization's
//! accounts (ListAccounts: status and when each joined), the regions enabled for each account
//! (AWS Account Management ListRegions; the management account asks for itself without
//! `AccountId`, as the API requires), and CloudTrail's public keys per region (ListPublicKeys).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_account::types::RegionOptStatus;
use aws_sdk_cloudtrail::primitives::DateTime;
use aws_sdk_organizations::types::{AccountState, AccountStatus};
use orgtrail_core::verify::time::HOUR;
use orgtrail_core::verify::{Layout, Window};

use crate::client::Aws;
use crate::error::{AwsError, call_error};
use crate::verify_error::VerifyError;

/// The trail as DescribeTrails reports it, reduced to what verify needs.
pub(crate) struct TrailFacts {
    pub arn: String,
    pub bucket: String,
    pub prefix: Option<String>,
    pub organization: bool,
    pub multi_region: bool,
}

/// One account of the organization.
pub(crate) struct Account {
    pub id: String,
    pub active: bool,
    pub joined: Option<i64>,
}

/// Public keys of one region: fingerprint -> DER PKCS#1.
pub(crate) type Keys = BTreeMap<String, Vec<u8>>;

impl Aws {
    pub(crate) async fn verify_trail(
        &self,
        name: &str,
        home: &str,
    ) -> Result<TrailFacts, VerifyError> {
        let trails = self.describe_trails(home).await?;
        let t = trails
            .iter()
            .find(|t| t.name() == Some(name) && t.home_region() == Some(home))
            .ok_or_else(|| VerifyError::TrailMissing {
                trail: name.to_string(),
                region: home.to_string(),
            })?;
        if t.log_file_validation_enabled() != Some(true) {
            return Err(VerifyError::NoDigests {
                trail: name.to_string(),
            });
        }
        Ok(TrailFacts {
            arn: t.trail_arn().unwrap_or_default().to_string(),
            bucket: t.s3_bucket_name().unwrap_or_default().to_string(),
            prefix: t
                .s3_key_prefix()
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            organization: t.is_organization_trail() == Some(true),
            multi_region: t.is_multi_region_trail() == Some(true),
        })
    }

    /// Every account of the organization (ListAccounts, all pages).
    pub(crate) async fn accounts(&self) -> Result<Vec<Account>, AwsError> {
        let mut pages = self.organizations().list_accounts().into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = self.next_page("organizations", pages.next()).await {
            let page = page.map_err(|e| {
                call_error(
                    "organizations:ListAccounts",
                    "the organization's accounts",
                    e,
                )
            })?;
            for a in page.accounts() {
                out.push(Account {
                    id: a.id().unwrap_or_default().to_string(),
                    // `State` replaces the deprecated `Status`; an emulator may send either.
                    active: a.state() == Some(&AccountState::Active)
                        || a.status() == Some(&AccountStatus::Active),
                    joined: a.joined_timestamp().map(DateTime::secs),
                });
            }
        }
        Ok(out)
    }

    /// The regions enabled for `account` (enabled by default or opted in). The management
    /// account asks without `AccountId` ("the management account can't specify its own
    /// AccountId", ListRegions, AWS Account Management API reference).
    pub(crate) async fn enabled_regions(
        &self,
        account: &str,
        management: bool,
    ) -> Result<BTreeSet<String>, VerifyError> {
        let mut pages = self
            .account()
            .list_regions()
            .set_account_id((!management).then(|| account.to_string()))
            .region_opt_status_contains(RegionOptStatus::Enabled)
            .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
            .into_paginator()
            .send();
        let mut out = BTreeSet::new();
        while let Some(page) = self.next_page("account", pages.next()).await {
            let page = page.map_err(|e| {
                let e = call_error(
                    "account:ListRegions",
                    format!("the regions of account {account}"),
                    e,
                );
                if e.is_access_denied() && !management {
                    VerifyError::RegionsDenied {
                        account: account.to_string(),
                        cause: e,
                    }
                } else {
                    VerifyError::Aws(e)
                }
            })?;
            out.extend(
                page.regions()
                    .iter()
                    .filter_map(|r| r.region_name())
                    .map(str::to_string),
            );
        }
        Ok(out)
    }

    /// CloudTrail's public keys of `region` valid at some time in `[from, to]`.
    pub(crate) async fn public_keys(
        &self,
        region: &str,
        from: i64,
        to: i64,
    ) -> Result<Keys, AwsError> {
        let _s = self.slot(&format!("cloudtrail/{region}")).await;
        let out = self
            .cloudtrail(region)
            .list_public_keys()
            .start_time(DateTime::from_secs(from))
            .end_time(DateTime::from_secs(to))
            .send()
            .await
            .map_err(|e| {
                call_error(
                    "cloudtrail:ListPublicKeys",
                    format!("CloudTrail's public keys in {region}"),
                    e,
                )
            })?;
        Ok(out
            .public_key_list()
            .iter()
            .filter_map(|k| Some((k.fingerprint()?.to_string(), k.value()?.as_ref().to_vec())))
            .collect())
    }

    /// The keys a window's digests may be signed with: the AWS CLI asks for the window and two
    /// hours after it (a digest is delivered after the hour it covers).
    pub(crate) async fn window_keys(&self, region: &str, w: Window) -> Result<Keys, AwsError> {
        self.public_keys(region, w.from - HOUR, w.to + 2 * HOUR)
            .await
    }
}

/// Where the trail's files are.
pub(crate) fn layout(t: &TrailFacts, org_id: Option<&str>, name: &str, home: &str) -> Layout {
    Layout {
        bucket: t.bucket.clone(),
        prefix: t.prefix.clone(),
        org_id: t
            .organization
            .then(|| org_id.unwrap_or_default().to_string()),
        trail_name: name.to_string(),
        home_region: home.to_string(),
    }
}
