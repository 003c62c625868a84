//! Read the KMS key a trail encrypts with, in the bucket's region (CloudTrail needs the key
//! where it writes), as the key's role when the spec names one (a security account's key).

use orgtrail_core::KmsState;

use crate::client::Aws;
use crate::error::{Absence, AwsError, call_error};
use crate::role::Role;

fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4)
}

impl Aws {
    /// DescribeKey: the key's ARN (an alias resolves to it) and whether it is enabled. A key ARN
    /// of another account that this account cannot describe comes back as that ARN with nothing
    /// else known: the plan checks what it can and warns.
    pub(crate) async fn describe_key(
        &self,
        key: &str,
        region: &str,
        role: Option<&Role>,
    ) -> Result<KmsState, AwsError> {
        let kms = self.kms_as(region, role).await?;
        let res = {
            let _s = self.slot(&format!("kms/{region}")).await;
            kms.describe_key().key_id(key).send().await
        };
        let unknown = |key_arn: Option<String>| KmsState {
            key_arn,
            policy: None,
            enabled: None,
        };
        match res {
            Ok(out) => Ok(KmsState {
                key_arn: out.key_metadata().and_then(|m| m.arn()).map(str::to_string),
                policy: None,
                enabled: out.key_metadata().map(|m| m.enabled()),
            }),
            Err(e) => {
                let err = call_error("kms:DescribeKey", format!("KMS key `{key}` in {region}"), e);
                let foreign = role.is_none() && key.starts_with("arn:");
                if foreign && (err.is_access_denied() || err.is_absent(Absence::KmsKey)) {
                    Ok(unknown(Some(key.to_string())))
                } else {
                    err.absent_as(Absence::KmsKey, unknown(None))
                }
            }
        }
    }

    /// GetKeyPolicy of a key DescribeKey found. KMS never lets another account read a key
    /// policy ("GetKeyPolicy: cross-account use: No"): without the key's role, a key of another
    /// account keeps `policy: None` and the plan warns instead of failing.
    pub(crate) async fn key_policy(
        &self,
        read: &(String, String, Option<Role>),
        mut state: KmsState,
        caller: &str,
    ) -> Result<KmsState, AwsError> {
        let (_, region, role) = read;
        let Some(arn) = state.key_arn.clone() else {
            return Ok(state);
        };
        let foreign = role.is_none() && account_of(&arn).is_some_and(|a| a != caller);
        if foreign {
            return Ok(state);
        }
        let kms = self.kms_as(region, role.as_ref()).await?;
        let _s = self.slot(&format!("kms/{region}")).await;
        let out = kms
            .get_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .send()
            .await
            .map_err(|e| call_error("kms:GetKeyPolicy", format!("KMS key `{arn}`"), e))?;
        state.policy = out.policy().map(str::to_string);
        Ok(state)
    }
}
