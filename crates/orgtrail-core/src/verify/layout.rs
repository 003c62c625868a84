//! Where CloudTrail puts a trail's files in its bucket, and what a digest file's name says.
//!
//! An organization trail delivers every account's files, the management account's included,
//! under `[prefix/]AWSLogs/<org-id>/<account>/`; any other trail under `[prefix/]AWSLogs/<account>/`
//! ("Finding your CloudTrail log files", AWS CloudTrail user guide; the AWS CLI's validate-logs
//! reads them there). Digests: `.../CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-
//! Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHMMSSZ>[_backfill].json.gz`, the instant
//! being the digest's end time.

use serde::Serialize;

use super::time::{day_path, parse_stamp};

/// The trail whose files are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layout {
    pub bucket: String,
    /// The trail's S3 key prefix, without a trailing `/`.
    pub prefix: Option<String>,
    /// Set for an organization trail.
    pub org_id: Option<String>,
    pub trail_name: String,
    pub home_region: String,
}

/// What a digest file's name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestName {
    pub account: String,
    pub region: String,
    /// The digest's end time.
    pub end: i64,
    pub backfill: bool,
}

impl Layout {
    /// `[prefix/]AWSLogs/[org/]`: the folder holding one folder per account.
    pub fn accounts_root(&self) -> String {
        let mut root = match &self.prefix {
            Some(p) if !p.is_empty() => format!("{}/AWSLogs/", p.trim_end_matches('/')),
            _ => "AWSLogs/".to_string(),
        };
        if let Some(org) = &self.org_id {
            root.push_str(org);
            root.push('/');
        }
        root
    }

    /// The folder of an account's digests, one folder per region below it.
    pub fn digest_root(&self, account: &str) -> String {
        format!("{}{account}/CloudTrail-Digest/", self.accounts_root())
    }

    /// The folder of one account's digests of one region and one day (the day `t` falls in).
    pub fn digest_day(&self, account: &str, region: &str, t: i64) -> String {
        format!("{}{region}/{}/", self.digest_root(account), day_path(t))
    }

    /// What the name of a digest of this trail says; `None` for any other object (another
    /// trail's digest, a log file, a stray object).
    pub fn parse_digest_key(&self, key: &str) -> Option<DigestName> {
        let rest = key.strip_prefix(&self.accounts_root())?;
        let (account, rest) = rest.split_once("/CloudTrail-Digest/")?;
        let (region, rest) = rest.split_once('/')?;
        let file = rest.rsplit('/').next()?;
        let (stem, backfill) = match file.strip_suffix("_backfill.json.gz") {
            Some(stem) => (stem, true),
            None => (file.strip_suffix(".json.gz")?, false),
        };
        let head = format!(
            "{account}_CloudTrail-Digest_{region}_{}_{}_",
            self.trail_name, self.home_region
        );
        let end = parse_stamp(stem.strip_prefix(&head)?)?;
        (!account.contains('/')).then(|| DigestName {
            account: account.to_string(),
            region: region.to_string(),
            end,
            backfill,
        })
    }

    /// The account folder a key under [`Layout::accounts_root`] belongs to.
    pub fn account_of(&self, key: &str) -> Option<String> {
        let rest = key.strip_prefix(&self.accounts_root())?;
        let account = rest.split('/').next()?;
        (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
            .then(|| account.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(prefix: Option<&str>) -> Layout {
        Layout {
            bucket: "logs".into(),
            prefix: prefix.map(str::to_string),
            org_id: Some("o-abc".into()),
            trail_name: "org-trail".into(),
            home_region: "us-east-2".into(),
        }
    }

    #[test]
    fn organization_trails_deliver_under_the_organization_id() {
        let l = org(Some("audit"));
        assert_eq!(l.accounts_root(), "audit/AWSLogs/o-abc/");
        assert_eq!(
            l.digest_day("111111111111", "eu-west-1", 1_439_823_691),
            "audit/AWSLogs/o-abc/111111111111/CloudTrail-Digest/eu-west-1/2015/08/17/"
        );
        let single = Layout {
            org_id: None,
            ..org(None)
        };
        assert_eq!(single.digest_root("1"), "AWSLogs/1/CloudTrail-Digest/");
    }

    #[test]
    fn a_digest_name_gives_account_region_end_and_backfill() {
        let l = org(None);
        let key = "AWSLogs/o-abc/111111111111/CloudTrail-Digest/eu-west-1/2015/08/17/111111111111_CloudTrail-Digest_eu-west-1_org-trail_us-east-2_20150817T150131Z.json.gz";
        let name = l.parse_digest_key(key).expect("a digest of this trail");
        assert_eq!(name.account, "111111111111");
        assert_eq!(name.region, "eu-west-1");
        assert_eq!(name.end, 1_439_823_691);
        assert!(!name.backfill);
        let backfill = key.replace(".json.gz", "_backfill.json.gz");
        assert!(l.parse_digest_key(&backfill).expect("backfill").backfill);
        // Another trail's digest in the same folder is not this trail's.
        let other = key.replace("_org-trail_", "_other_");
        assert_eq!(l.parse_digest_key(&other), None);
        assert_eq!(
            l.parse_digest_key("AWSLogs/o-abc/111111111111/CloudTrail/x.json.gz"),
            None
        );
        assert_eq!(l.account_of(key).as_deref(), Some("111111111111"));
    }
}
