//! Who the caller is and in which organization: sts GetCallerIdentity, organizations
//! DescribeOrganization, whether trusted access for CloudTrail is enabled, and the delegated
//! administrators for CloudTrail. An account in no organization reads as such, not as an error.

use orgtrail_core::Caller;

use crate::client::Aws;
use crate::error::{Absence, AwsError, call_error};

/// The organization, as DescribeOrganization answers it.
pub(crate) struct OrgRead {
    pub id: String,
    pub all_features: bool,
    pub management_account: String,
}

impl Aws {
    pub(crate) async fn caller(&self) -> Result<Caller, AwsError> {
        let _s = self.slot("sts").await;
        let out = self
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| call_error("sts:GetCallerIdentity", "the caller identity", e))?;
        let arn = out.arn().unwrap_or_default().to_string();
        let account = out.account().unwrap_or_default().to_string();
        if account.is_empty() {
            return Err(AwsError::data(
                "sts:GetCallerIdentity",
                "the caller identity",
                "no account id in the response",
            ));
        }
        let partition = arn
            .split(':')
            .nth(1)
            .filter(|p| !p.is_empty())
            .unwrap_or("aws")
            .to_string();
        Ok(Caller {
            account,
            arn,
            partition,
        })
    }

    pub(crate) async fn organization(&self) -> Result<Option<OrgRead>, AwsError> {
        let _s = self.slot("organizations").await;
        match self.organizations().describe_organization().send().await {
            Ok(out) => {
                let o = out.organization().ok_or_else(|| {
                    AwsError::data(
                        "organizations:DescribeOrganization",
                        "the organization",
                        "no organization in the response",
                    )
                })?;
                let feature = o
                    .feature_set()
                    .map(|f| f.as_str().to_string())
                    .unwrap_or_default();
                Ok(Some(OrgRead {
                    id: o.id().unwrap_or_default().to_string(),
                    all_features: feature == "ALL",
                    management_account: o.master_account_id().unwrap_or_default().to_string(),
                }))
            }
            Err(e) => call_error("organizations:DescribeOrganization", "the organization", e)
                .absent_as(Absence::Organization, None),
        }
    }

    /// Whether trusted access for CloudTrail is enabled; the pages stop at the first match.
    pub(crate) async fn trusted_access(&self) -> Result<bool, AwsError> {
        let mut pages = self
            .organizations()
            .list_aws_service_access_for_organization()
            .into_paginator()
            .send();
        while let Some(page) = self.next_page("organizations", pages.next()).await {
            let out = match page {
                Ok(out) => out,
                Err(e) => {
                    return call_error(
                        "organizations:ListAWSServiceAccessForOrganization",
                        "the organization",
                        e,
                    )
                    .absent_as(Absence::Organization, false);
                }
            };
            if out
                .enabled_service_principals()
                .iter()
                .any(|p| p.service_principal() == Some(orgtrail_core::policy::CLOUDTRAIL_SERVICE))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub(crate) async fn delegated_admins(&self) -> Result<Vec<String>, AwsError> {
        let mut pages = self
            .organizations()
            .list_delegated_administrators()
            .service_principal(orgtrail_core::policy::CLOUDTRAIL_SERVICE)
            .into_paginator()
            .send();
        let mut ids = Vec::new();
        while let Some(page) = self.next_page("organizations", pages.next()).await {
            let out = match page {
                Ok(out) => out,
                Err(e) => {
                    call_error(
                        "organizations:ListDelegatedAdministrators",
                        "the organization",
                        e,
                    )
                    .absent_as(Absence::DelegatedAdmins, ())?;
                    break;
                }
            };
            ids.extend(
                out.delegated_administrators()
                    .iter()
                    .filter_map(|a| a.id().map(str::to_string)),
            );
        }
        ids.sort();
        Ok(ids)
    }
}
