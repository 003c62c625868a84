//! The conditional third round of a plan's reads: every trail of the management account, in
//! every region of its partition, read only when a bucket's policy carries an unscoped
//! CloudTrail grant on the management account's or the organization's path
//! (`orgtrail_core::policy::needs_known_trails`). Knowing them all lets the merge replace the
//! AWS guide's unscoped statements once nothing but orgtrail's trails relies on them; an ordinary
//! plan never makes these calls.
//!
//! Which regions: a static list per partition, copied from the partition metadata the SDK
//! embeds (`partitions.json` in aws-sdk-cloudtrail 1.130.0's `endpoint_lib`; the SDK does not
//! expose it). Listing them at run time would need EC2's DescribeRegions or Account's
//! ListRegions, another SDK crate and another IAM action, for an answer that changes a few
//! times a year. A region AWS adds later and this list lacks can hide a trail homed there: its
//! deliveries would not count, so the list is kept in step with the SDK on every upgrade. An
//! opt-in region the account has not enabled answers that it does not know the credentials
//! (`Absence::RegionTrails`): it has no trails that deliver. DescribeTrails with shadow trails
//! lists a region's own trails, the multi-region trails of every other region and the
//! organization's trails ("DescribeTrails", CloudTrail API reference), so one call per region
//! sees them all. A region whose read is refused makes the list incomplete: then nothing is
//! known (`None`), and the merge keeps assuming unknown trails rely on the grants.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_cloudtrail::types as ct;
use orgtrail_core::{BucketState, OtherTrail, policy};

use crate::client::Aws;
use crate::error::{Absence, AwsError};
use crate::read_convert::other_trails;

/// The regions of each partition (aws-sdk-cloudtrail 1.130.0, `partitions.json`).
fn regions(partition: &str) -> &'static [&'static str] {
    match partition {
        "aws" => &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
        "aws-cn" => &["cn-north-1", "cn-northwest-1"],
        "aws-us-gov" => &["us-gov-east-1", "us-gov-west-1"],
        "aws-eusc" => &["eusc-de-east-1"],
        "aws-iso" => &["us-iso-east-1", "us-iso-west-1"],
        "aws-iso-b" => &["us-isob-east-1", "us-isob-west-1"],
        "aws-iso-e" => &["eu-isoe-west-1"],
        "aws-iso-f" => &["us-isof-east-1", "us-isof-south-1"],
        _ => &[],
    }
}

/// Who asks and for whom: the partition, the management account and the organization.
pub(crate) struct Asker<'a> {
    pub partition: &'a str,
    pub management_account: &'a str,
    pub org_id: &'a str,
}

impl Aws {
    /// Fill `known_trails` of each bucket whose policy needs it, reusing the home regions'
    /// DescribeTrails answers (`read`) and reading every other region once.
    pub(crate) async fn read_known_trails<'b>(
        &self,
        who: &Asker<'_>,
        read: &BTreeMap<String, Vec<ct::Trail>>,
        buckets: impl IntoIterator<Item = &'b mut BucketState>,
    ) -> Result<(), AwsError> {
        let ids = [who.management_account, who.org_id];
        let mut needing: Vec<&mut BucketState> = buckets
            .into_iter()
            .filter(|b| {
                b.exists
                    && !b.denied
                    && b.policy.as_deref().is_some_and(|p| {
                        policy::needs_known_trails(&b.name, who.partition, p, &ids)
                    })
            })
            .collect();
        let all = regions(who.partition);
        if needing.is_empty() || all.is_empty() {
            return Ok(());
        }
        let rest: Vec<String> = all
            .iter()
            .filter(|r| !read.contains_key(**r))
            .map(|r| (*r).to_string())
            .collect();
        let answers = self
            .for_each(rest, |me, r| async move { me.describe_trails(&r).await })
            .await;
        let mut lists: Vec<Vec<ct::Trail>> = read.values().cloned().collect();
        for a in answers {
            match a {
                Ok(list) => lists.push(list),
                Err(e) if e.is_absent(Absence::RegionTrails) => {}
                // A region that refuses, throttles or cannot be reached leaves trails unseen:
                // nothing is known, and the merge keeps the guide's grants as before. This read
                // only ever lets the merge do more; it never fails a plan or drift.
                Err(_) => return Ok(()),
            }
        }
        let known = of_account(&lists, who.management_account);
        for b in &mut needing {
            b.known_trails = Some(known.clone());
        }
        Ok(())
    }
}

/// The trails of `account` in `lists`, each once (a multi-region trail shows in every region),
/// sorted by ARN.
fn of_account(lists: &[Vec<ct::Trail>], account: &str) -> Vec<OtherTrail> {
    let mut seen = BTreeSet::new();
    let mut out: Vec<OtherTrail> = lists
        .iter()
        .flat_map(|l| other_trails(l, ""))
        .filter(|t| t.account == account && seen.insert(t.arn.clone()))
        .collect();
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each partition's list holds only its own regions, each once, sorted; an unknown
    /// partition has none (then nothing is read and nothing known).
    #[test]
    fn each_partition_lists_its_regions_once() {
        for (p, prefix) in [
            ("aws", ""),
            ("aws-cn", "cn-"),
            ("aws-us-gov", "us-gov-"),
            ("aws-iso", "us-iso-"),
        ] {
            let r = regions(p);
            assert!(!r.is_empty(), "{p}");
            assert!(r.iter().all(|x| x.starts_with(prefix)), "{p}");
            assert!(r.windows(2).all(|w| w[0] < w[1]), "{p}");
        }
        assert_eq!(regions("aws").len(), 34);
        assert!(regions("aws").contains(&"us-east-2"));
        assert!(regions("aws-example").is_empty());
    }
}
