//! What `orgtrail verify` found: the account × region summary and the findings, each with its
//! account, region, hour range and S3 key. Data only; the words a reader sees and the fix are
//! orgtrail-render's.

use serde::{Serialize, Serializer};

use super::layout::Layout;
use super::scope::Window;
use super::time::rfc3339;
use crate::model::names::named;

named! {
    /// What is wrong with the evidence of one account × region × hour range.
    pub enum FindingKind {
        /// No digest for these hours: CloudTrail did not deliver, or someone deleted it.
        DeliveryGap => "delivery-gap",
        /// A digest the next one links to is gone: it was delivered, then deleted.
        DigestMissing => "digest-missing",
        /// Not gzip/JSON, or its signature does not verify: it was changed.
        DigestInvalid => "digest-invalid",
        /// Its fields name another place than where it is: copied or moved there.
        DigestMoved => "digest-moved",
        /// Signed with a key CloudTrail never published for the region: forged.
        UnknownKey => "unknown-key",
        /// A log file a valid digest vouches for is gone.
        LogMissing => "log-missing",
        /// A log file's content differs from what its digest vouches for.
        LogModified => "log-modified",
        /// An account delivered in the window but is no longer a member of the organization.
        AccountLeft => "account-left",
    }
}

fn instant<S: Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub account: String,
    pub region: String,
    #[serde(serialize_with = "instant")]
    pub from: i64,
    #[serde(serialize_with = "instant")]
    pub to: i64,
    /// The object (or, for a gap, the folder where the digests should be).
    pub key: String,
    /// Why, in words (the AWS CLI's reason where it has one).
    pub detail: String,
}

/// One account × region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellSummary {
    pub account: String,
    pub region: String,
    /// False when the region is not enabled for the account.
    pub applicable: bool,
    /// Hours a digest was due.
    pub due: usize,
    pub verified: usize,
    /// Hours without a digest.
    pub gaps: usize,
    /// Hours whose digest, or a log file it vouches for, is not valid.
    pub invalid: usize,
}

/// What was read, for the reader's confidence (and the benchmark's call counts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counted {
    pub digests: usize,
    pub backfill_digests: usize,
    pub logs: usize,
}

/// The whole answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub trail: String,
    pub bucket: String,
    #[serde(skip)]
    pub layout: Layout,
    pub window: WindowText,
    pub validated: bool,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// Account × region × hour cells a digest was due in.
    pub cells: usize,
    /// Of those, the cells with a digest (valid, with valid logs, under `--validate`).
    pub verified: usize,
    pub counted: Counted,
    pub summary: Vec<CellSummary>,
    pub findings: Vec<Finding>,
}

/// The window as JSON shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WindowText {
    #[serde(serialize_with = "instant")]
    pub from: i64,
    #[serde(serialize_with = "instant")]
    pub to: i64,
}

impl From<Window> for WindowText {
    fn from(w: Window) -> Self {
        WindowText {
            from: w.from,
            to: w.to,
        }
    }
}

impl VerifyReport {
    /// Everything due was verified and nothing is wrong.
    pub fn verified_all(&self) -> bool {
        self.findings.is_empty() && self.verified == self.cells
    }
}
