//! `orgtrail import`: read a live trail from AWS, map it to a spec (`orgtrail_core::import`, the
//! inverse of the desired-state builder), write it (`orgtrail_render::spec_yaml`) and print it.
//! This module only reads and checks; it decides no spec value and writes no YAML itself.

use anyhow::{Result, anyhow, bail};
use orgtrail_aws::Aws;
use orgtrail_core::import::{self, BucketAccess, Choices, Imported};
use orgtrail_spec::PolicyMode;
use orgtrail_spec::rules;

use crate::cli::{Exit, Global, ImportArgs, PolicyArg};
use crate::printer::Printer;
use crate::setup::{check_flag, connect, runtime};

pub fn run(a: &ImportArgs, g: &Global, p: &Printer) -> Result<Exit> {
    if let Some(account) = &a.bucket_account {
        check_flag("--bucket-account", rules::account_id(account))?;
    }
    if let Some(role) = &a.bucket_role_arn {
        check_flag("--bucket-role-arn", rules::role_arn(role))?;
    }
    let choices = Choices {
        policy: match a.bucket_policy {
            PolicyArg::Merge => PolicyMode::Merge,
            PolicyArg::Verify => PolicyMode::Verify,
        },
        bucket: BucketAccess {
            account: a.bucket_account.clone(),
            role_arn: a.bucket_role_arn.clone(),
            external_id: a.bucket_external_id.clone(),
        },
    };
    runtime()?.block_on(async {
        let aws = connect(g, p).await?.for_reads();
        let region = a
            .home_region
            .clone()
            .or(g.aws.region.clone())
            .or_else(|| std::env::var("AWS_REGION").ok())
            .ok_or_else(|| {
                anyhow!("no home region: pass --home-region (the region the trail was created in)")
            })?;
        let imported = read(&aws, &a.trail, &region, &choices).await?;
        let yaml = orgtrail_render::spec_yaml(&imported);
        // What we print must itself be a valid spec.
        orgtrail_spec::parse_bytes("imported spec", yaml.as_bytes())
            .map_err(|e| anyhow!("internal error: the imported spec does not validate:\n{e}"))?;
        p.out(&yaml);
        Ok(Exit::Success)
    })
}

/// The trail first (everything but the bucket), then the bucket it names with its protection:
/// the reads of a plan, and the access-logging target's when the bucket logs its accesses. No
/// bucket is guessed: bucket names are global, a guessed one may be someone else's.
async fn read(aws: &Aws, trail: &str, region: &str, choices: &Choices) -> Result<Imported> {
    check_flag("--trail", rules::trail_name(trail))?;
    check_flag("--home-region", rules::region(region))?;
    let live = aws
        .read_live_without_buckets(&[&import::probe(trail, region)])
        .await?;
    let t = live.trails[0].trail.as_ref().ok_or_else(|| {
        anyhow!("no trail named `{trail}` with home region {region} in this account (or its organization); check --trail and --home-region")
    })?;
    let target = import::bucket_to_read(t, &live, choices);
    // A bucket orgtrail may write (its own account's, or through the bucket's role) has its
    // protection read, so the spec manages what is on; another account's stays unmanaged, as
    // plan leaves it.
    let bucket = if target.role_arn.is_some() || target.owner == live.caller.account {
        aws.read_bucket_protection(&target).await?
    } else {
        aws.read_bucket(&target).await?
    };
    if bucket.denied && choices.bucket.account.is_none() && choices.bucket.role_arn.is_none() {
        bail!(
            "bucket `{}` of trail {} cannot be read as a bucket of account {}: it belongs to another account (a log-archive account), or this account may not read its policy\n  fix: pass --bucket-account ACCOUNT (and --bucket-role-arn ROLE to let orgtrail merge its policy)",
            t.settings.s3_bucket,
            t.arn,
            target.owner
        );
    }
    Ok(import::spec_of(t, &bucket, &live, choices))
}
