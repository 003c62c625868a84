//! The deliveries CloudTrail makes to a bucket, and whether a bucket policy allows each one.
//!
//! A delivery is one request CloudTrail sends with a trail's identity: `s3:GetBucketAcl` on the
//! bucket, or `s3:PutObject` of a log or digest file under `[prefix/]AWSLogs/<account>/` or
//! `[prefix/]AWSLogs/<org-id>/<account>/`, with the request context AWS documents for it
//! (`aws:SourceArn` = the trail ARN, `aws:SourceAccount` = the trail's account,
//! `s3:x-amz-acl` = `bucket-owner-full-control`, over TLS). See "Amazon S3 bucket policy for
//! CloudTrail" in the CloudTrail user guide.
//!
//! Policies are evaluated by [`crate::iam`] on the request each delivery makes; which
//! deliveries to judge is [`super::sample`]'s call.

use std::collections::{BTreeMap, BTreeSet};

use crate::iam::{self, NormStatement, Principal, Request};
use crate::model::CLOUDTRAIL_SERVICE;

pub(crate) const PROBE_TRAIL: &str = "orgtrail-probe";

/// One request CloudTrail makes to the bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Delivery {
    pub source_arn: String,
    pub source_account: String,
    /// Lower-case IAM action: `s3:getbucketacl` or `s3:putobject`.
    pub action: &'static str,
    pub resource: String,
    /// The object key (empty for the ACL check), for messages.
    pub key: String,
    /// The account in the key is a stand-in: (its id, how it reads: `<every member account>`,
    /// `<accounts matching 2*>`).
    pub label: Option<(String, String)>,
}

/// The parts of a delivery a reviewer reads: who, which folder, which kind of file, which
/// region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Parts {
    who: String,
    /// `[prefix/]AWSLogs/<id>[/<account>]`, a stand-in account shown by its label.
    folder: String,
    kind: &'static str,
    region: String,
}

impl Delivery {
    fn who(&self) -> String {
        if self.source_arn.ends_with(&format!("trail/{PROBE_TRAIL}")) {
            match &self.label {
                // A stand-in account: `trails of <every member account>`.
                Some((id, label)) if *id == self.source_account => format!("trails of {label}"),
                _ => format!("trails of account {}", self.source_account),
            }
        } else {
            format!("trail {}", self.source_arn)
        }
    }

    fn parts(&self) -> Parts {
        let mut key = self.key.clone();
        if let Some((id, label)) = &self.label {
            key = key.replacen(&format!("/{id}/"), &format!("/{label}/"), 1);
        }
        let split = |marker: &str| {
            key.split_once(marker)
                .map(|(f, r)| (f.to_string(), r.split('/').next().unwrap_or("").to_string()))
        };
        let (kind, (folder, region)) = match split("/CloudTrail-Digest/") {
            Some(found) => ("digest file", found),
            None => (
                "log file",
                split("/CloudTrail/").unwrap_or((key.clone(), String::new())),
            ),
        };
        Parts {
            who: self.who(),
            folder,
            kind,
            region,
        }
    }

    /// The request IAM evaluates: CloudTrail's, with the context keys AWS documents for a
    /// delivery (TLS always; the ACL header only on PutObject).
    pub fn request(&self) -> Request {
        let put = self.action == "s3:putobject";
        let known = |k: &str, v: Option<&str>| (k.to_string(), v.map(str::to_string));
        Request {
            principal: Principal::Service(CLOUDTRAIL_SERVICE.to_string()),
            action: self.action.to_string(),
            resource: self.resource.clone(),
            context: BTreeMap::from([
                known("aws:sourcearn", Some(&self.source_arn)),
                known("aws:sourceaccount", Some(&self.source_account)),
                known("s3:x-amz-acl", put.then_some("bucket-owner-full-control")),
                known("aws:securetransport", Some("true")),
                // A service principal is no member of an organization and has no IAM identity
                // (IAM user guide, "AWS global condition context keys": aws:PrincipalOrgID,
                // aws:PrincipalAccount and aws:PrincipalArn are absent for it, and
                // aws:PrincipalIsAWSService is true): a Deny on `StringNotEquals
                // aws:PrincipalOrgID` applies to CloudTrail.
                known("aws:principalorgid", None),
                known("aws:principalorgpaths", None),
                known("aws:principalaccount", None),
                known("aws:principalarn", None),
                known("aws:principalisawsservice", Some("true")),
                known("aws:principalservicename", Some(CLOUDTRAIL_SERVICE)),
            ]),
            cautious: false,
        }
    }
}

/// `lost` in words, one line per trail and folder ("log and digest file delivery by … to
/// s3://b/AWSLogs/o-x/<every member account>/") when every sampled delivery of that folder in
/// `all` is lost, else one line per kind and region lost.
pub fn describe_all(lost: &[Delivery], all: &[Delivery], bucket: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut order: Vec<(String, String)> = Vec::new();
    let mut gone: BTreeMap<(String, String), BTreeSet<Parts>> = BTreeMap::new();
    for d in lost {
        if d.key.is_empty() {
            let line = format!("the ACL check of `{bucket}` by {}", d.who());
            if !out.contains(&line) {
                out.push(line);
            }
            continue;
        }
        let p = d.parts();
        let g = (p.who.clone(), p.folder.clone());
        if !order.contains(&g) {
            order.push(g.clone());
        }
        gone.entry(g).or_default().insert(p);
    }
    for g in order {
        let every: BTreeSet<Parts> = all
            .iter()
            .filter(|d| !d.key.is_empty())
            .map(Delivery::parts)
            .filter(|p| p.who == g.0 && p.folder == g.1)
            .collect();
        out.extend(folder_lines(&g.0, &g.1, &gone[&g], &every, bucket));
    }
    out
}

/// The lines of one trail's folder: the whole folder when everything sampled there is lost,
/// else each kind and region.
fn folder_lines(
    who: &str,
    folder: &str,
    gone: &BTreeSet<Parts>,
    every: &BTreeSet<Parts>,
    bucket: &str,
) -> Vec<String> {
    if every.is_subset(gone) {
        let kinds: BTreeSet<&str> = gone.iter().map(|p| p.kind).collect();
        let what = match kinds.len() {
            2 => "log and digest file",
            _ => kinds.first().copied().unwrap_or("log file"),
        };
        return vec![format!(
            "{what} delivery by {who} to s3://{bucket}/{folder}/"
        )];
    }
    gone.iter()
        .map(|p| {
            let dir = match p.kind {
                "digest file" => "CloudTrail-Digest",
                _ => "CloudTrail",
            };
            let region = &p.region;
            format!(
                "{} delivery by {who} to s3://{bucket}/{folder}/{dir}/{region}/",
                p.kind
            )
        })
        .collect()
}

/// Whether the statements may let CloudTrail make delivery `d`: a condition orgtrail cannot
/// evaluate counts as met in an Allow and as not met in a Deny (a grant it does not understand
/// is assumed to be relied on).
pub fn allows(statements: &[NormStatement], d: &Delivery) -> bool {
    iam::evaluate(statements, &d.request()).is_allowed()
}

/// Whether the statements surely let CloudTrail make delivery `d`: a condition orgtrail cannot
/// evaluate counts as met in a Deny and as not met in an Allow (a Deny it does not understand,
/// a time bomb or an IP filter, is assumed to apply).
pub fn surely_allows(statements: &[NormStatement], d: &Delivery) -> bool {
    let mut r = d.request();
    r.cautious = true;
    iam::evaluate(statements, &r).is_allowed()
}

/// The deliveries `before` may allow and `after` does not surely allow: a loss unless proved
/// otherwise.
pub fn denied_after(
    before: &[NormStatement],
    after: &[NormStatement],
    universe: &[Delivery],
) -> Vec<Delivery> {
    universe
        .iter()
        .filter(|d| allows(before, d) && !surely_allows(after, d))
        .cloned()
        .collect()
}
