//! The deliveries CloudTrail makes to a bucket, and whether a bucket policy allows each one.
//!
//! A delivery is one request CloudTrail sends with a trail's identity: `s3:GetBucketAcl` on the
//! bucket, or `s3:PutObject` of a log file under `[prefix/]AWSLogs/<account>/` or
//! `[prefix/]AWSLogs/<org-id>/<account>/`, with the request context AWS documents for it
//! (`aws:SourceArn` = the trail ARN, `aws:SourceAccount` = the trail's account,
//! `s3:x-amz-acl` = `bucket-owner-full-control`, over TLS). See "Amazon S3 bucket policy for
//! CloudTrail" in the CloudTrail user guide.
//!
//! Policies are evaluated by [`crate::iam`] on the request each delivery makes.

use std::collections::{BTreeMap, BTreeSet};

use crate::iam::{self, NormStatement, Principal, Request};
use crate::model::{CLOUDTRAIL_SERVICE, TrailRef};

pub(crate) const PROBE_TRAIL: &str = "orgtrail-probe";

/// How a stand-in account reads in messages.
const EVERY_MEMBER: &str = "<every member account>";

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
    /// The account in the key stands for every account the policy does not name.
    pub stand_in: Option<String>,
}

impl Delivery {
    /// Words for a reviewer, that read right after "loses:" or "lost:".
    pub fn describe(&self, bucket: &str) -> String {
        let who = if self.source_arn.ends_with(&format!("trail/{PROBE_TRAIL}")) {
            format!("trails of account {}", self.source_account)
        } else {
            format!("trail {}", self.source_arn)
        };
        if self.key.is_empty() {
            return format!("the ACL check of `{bucket}` by {who}");
        }
        let mut key = self.key.clone();
        if let Some(a) = &self.stand_in {
            key = key.replacen(&format!("/{a}/"), &format!("/{EVERY_MEMBER}/"), 1);
        }
        let (what, dir) = match key.split_once("/CloudTrail-Digest/") {
            Some((dir, rest)) => ("digest file", region_dir(dir, "CloudTrail-Digest", rest)),
            None => match key.split_once("/CloudTrail/") {
                Some((dir, rest)) => ("log file", region_dir(dir, "CloudTrail", rest)),
                None => ("log file", key.clone()),
            },
        };
        format!("{what} delivery by {who} to s3://{bucket}/{dir}")
    }
}

/// The folder a delivery writes to: the account's folder for the sample's default region,
/// else down to the region.
fn region_dir(dir: &str, kind: &str, rest: &str) -> String {
    let region = rest.split('/').next().unwrap_or_default();
    if region == DEFAULT_REGION {
        format!("{dir}/")
    } else {
        format!("{dir}/{kind}/{region}/")
    }
}

/// Deliveries described the same for logs and digests of one folder read as one line.
pub fn describe_all(ds: &[Delivery], bucket: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in ds {
        let line = d.describe(bucket);
        let paired = line
            .strip_prefix("digest file ")
            .map(|rest| format!("log file {rest}"));
        if let Some(log) = paired.filter(|l| out.contains(l)) {
            let both = log.replacen("log file", "log and digest file", 1);
            out.retain(|l| *l != log);
            if !out.contains(&both) {
                out.push(both);
            }
        } else if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// The region every sample delivers in, besides the regions statements name.
const DEFAULT_REGION: &str = "us-east-1";

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// What a bucket's deliveries are sampled over: prefixes, accounts, organization ids, regions
/// and source trails the statements (and our trails) name, plus stand-ins.
///
/// A policy tells accounts apart only by what it names: an account id, or a wildcard pattern
/// of one. So the accounts it names, one account for each wildcard pattern (matching it), and
/// one account it does not name at all (standing for every other member account) are a
/// complete sample of the organization's accounts: no ListAccounts, whatever the size of the
/// organization. Regions likewise: those named, and one more.
#[derive(Default)]
pub struct Sample {
    prefixes: BTreeSet<Option<String>>,
    accounts: BTreeSet<String>,
    orgs: BTreeSet<String>,
    regions: BTreeSet<String>,
    sources: BTreeSet<String>,
    /// The account no statement names.
    stand_in: String,
}

/// An account matching the wildcard pattern `seg` (`5*`, `1234????????`), if one can.
fn matching_account(seg: &str) -> Option<String> {
    let fixed = seg.chars().filter(|c| *c != '*').count();
    let pad = 12usize.checked_sub(fixed)?;
    let mut out = String::new();
    let mut padded = false;
    for c in seg.chars() {
        match c {
            '?' => out.push('0'),
            '*' if !padded => {
                out.push_str(&"0".repeat(pad));
                padded = true;
            }
            '*' => {}
            d => out.push(d),
        }
    }
    if !padded && pad > 0 {
        return None;
    }
    is_account(&out).then_some(out)
}

fn name_account(n: &mut Sample, seg: &str) {
    if is_account(seg) {
        n.accounts.insert(seg.to_string());
    } else if seg.contains(['*', '?']) {
        n.accounts.extend(matching_account(seg));
    }
}

fn name_region(n: &mut Sample, rest: &str) {
    for kind in ["CloudTrail/", "CloudTrail-Digest/"] {
        if let Some(r) = rest
            .split_once(kind)
            .map(|(_, r)| r.split('/').next().unwrap_or(""))
            && !r.is_empty()
            && !r.contains(['*', '?'])
        {
            n.regions.insert(r.to_string());
        }
    }
}

fn name_from_resource(n: &mut Sample, bucket_arn: &str, r: &str) {
    let Some(key) = r.strip_prefix(bucket_arn).and_then(|k| k.strip_prefix('/')) else {
        return;
    };
    let Some(at) = key.find("AWSLogs/") else {
        return;
    };
    let prefix = key[..at].trim_end_matches('/');
    if !prefix.contains(['*', '?']) {
        n.prefixes
            .insert((!prefix.is_empty()).then(|| prefix.to_string()));
    }
    let rest = &key[at + "AWSLogs/".len()..];
    name_region(n, rest);
    let mut segs = rest.split('/');
    match segs.next() {
        Some(o) if o.starts_with("o-") && !o.contains(['*', '?']) => {
            n.orgs.insert(o.to_string());
            if let Some(m) = segs.next() {
                name_account(n, m);
            }
        }
        Some(a) => name_account(n, a),
        None => {}
    }
}

fn name_from_statement(n: &mut Sample, bucket_arn: &str, s: &NormStatement) {
    for r in s.resource.iter().chain(&s.not_resource).flatten() {
        name_from_resource(n, bucket_arn, r);
    }
    for kv in s.condition.values() {
        for a in kv.get("aws:sourceaccount").into_iter().flatten() {
            name_account(n, a);
        }
        for arn in kv.get("aws:sourcearn").into_iter().flatten() {
            n.sources
                .insert(arn.replace('*', PROBE_TRAIL).replace('?', "x"));
        }
    }
}

fn account_of(arn: &str) -> String {
    arn.split(':').nth(4).unwrap_or_default().to_string()
}

impl Sample {
    /// The sample for `trails` (sharing one bucket) under `statements`.
    pub fn new(
        trails: &[TrailRef],
        statements: &[NormStatement],
        other_trails: &[String],
    ) -> Sample {
        let mut n = Sample::default();
        let Some(first) = trails.first() else {
            return n;
        };
        let bucket_arn = first.bucket_arn();
        for s in statements {
            name_from_statement(&mut n, &bucket_arn, s);
        }
        n.regions.insert(DEFAULT_REGION.to_string());
        for t in trails {
            n.prefixes.insert(t.prefix.clone());
            n.accounts.insert(t.account.clone());
            n.orgs.insert(t.org_id.clone());
            n.regions.insert(t.home_region.clone());
            n.sources.insert(t.trail_arn());
        }
        n.sources.extend(other_trails.iter().cloned());
        n.stand_in = (0u64..)
            .map(|i| format!("{i:012}"))
            .find(|a| !n.accounts.contains(a))
            .unwrap_or_default();
        n
    }

    /// The keys a trail of `source_account` writes under `base`: logs and digests in every
    /// sampled region, for its own account and (as an organization trail) every sampled
    /// account of every sampled organization.
    fn keys(&self, base: &str, own: &str, organization: bool) -> Vec<(String, bool)> {
        let mut folders = vec![(format!("{base}AWSLogs/{own}"), false)];
        if organization {
            for o in &self.orgs {
                for m in self.accounts.iter().chain([&self.stand_in]) {
                    folders.push((format!("{base}AWSLogs/{o}/{m}"), *m == self.stand_in));
                }
            }
        }
        let mut out = Vec::new();
        for (folder, stand_in) in folders {
            for r in &self.regions {
                out.push((
                    format!("{folder}/CloudTrail/{r}/2026/01/01/log.json.gz"),
                    stand_in,
                ));
                out.push((
                    format!("{folder}/CloudTrail-Digest/{r}/2026/01/01/digest.json.gz"),
                    stand_in,
                ));
            }
        }
        out
    }

    /// The ACL check and every object delivery of the trail `source` (of `account`).
    fn deliveries(
        &self,
        bucket_arn: &str,
        source: &str,
        account: &str,
        org: bool,
        prefixes: &[Option<String>],
    ) -> Vec<Delivery> {
        let mut out = vec![Delivery {
            source_arn: source.to_string(),
            source_account: account.to_string(),
            action: "s3:getbucketacl",
            resource: bucket_arn.to_string(),
            ..Delivery::default()
        }];
        for p in prefixes {
            let base = p.as_ref().map_or(String::new(), |p| format!("{p}/"));
            for (key, stand_in) in self.keys(&base, account, org) {
                out.push(Delivery {
                    source_arn: source.to_string(),
                    source_account: account.to_string(),
                    action: "s3:putobject",
                    resource: format!("{bucket_arn}/{key}"),
                    key,
                    stand_in: stand_in.then(|| self.stand_in.clone()),
                });
            }
        }
        out
    }
}

/// Every delivery CloudTrail could make to this bucket for our trails, for the trails the
/// statements name, and for any trail of an account the statements (or `other_trails`) name.
pub fn universe(
    trails: &[TrailRef],
    statements: &[NormStatement],
    other_trails: &[String],
) -> Vec<Delivery> {
    let Some(first) = trails.first() else {
        return Vec::new();
    };
    let n = Sample::new(trails, statements, other_trails);
    let bucket_arn = first.bucket_arn();
    let mut sources = n.sources.clone();
    for a in &n.accounts {
        sources.insert(format!(
            "arn:{}:cloudtrail:{DEFAULT_REGION}:{a}:trail/{PROBE_TRAIL}",
            first.partition
        ));
    }
    // Organization trails belong to the management account and write every member's logs.
    let managers: BTreeSet<&str> = trails.iter().map(|t| t.account.as_str()).collect();
    let prefixes: Vec<Option<String>> = n.prefixes.iter().cloned().collect();
    let mut out = Vec::new();
    for src in &sources {
        let account = account_of(src);
        let org = managers.contains(account.as_str());
        out.extend(n.deliveries(&bucket_arn, src, &account, org, &prefixes));
    }
    out.sort();
    out.dedup();
    out
}

/// The deliveries our trails make: the ACL check, and their log and digest files under their
/// own prefix for their account and, as organization trails, for every account of the
/// organization (the accounts `statements` name, one per wildcard pattern, and a stand-in for
/// the rest), in every region the sample holds.
pub fn of_trails(trails: &[TrailRef], statements: &[NormStatement]) -> Vec<Delivery> {
    let n = Sample::new(trails, statements, &[]);
    let mut out: Vec<Delivery> = trails
        .iter()
        .flat_map(|t| {
            n.deliveries(
                &t.bucket_arn(),
                &t.trail_arn(),
                &t.account,
                true,
                std::slice::from_ref(&t.prefix),
            )
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Delivery {
    /// The request IAM evaluates: CloudTrail's, with the context keys AWS documents for a
    /// delivery (TLS always; the ACL header only on PutObject).
    pub fn request(&self) -> Request {
        let put = self.action == "s3:putobject";
        Request {
            principal: Principal::Service(CLOUDTRAIL_SERVICE.to_string()),
            action: self.action.to_string(),
            resource: self.resource.clone(),
            context: BTreeMap::from([
                ("aws:sourcearn".to_string(), Some(self.source_arn.clone())),
                (
                    "aws:sourceaccount".to_string(),
                    Some(self.source_account.clone()),
                ),
                (
                    "s3:x-amz-acl".to_string(),
                    put.then(|| "bucket-owner-full-control".to_string()),
                ),
                ("aws:securetransport".to_string(), Some("true".to_string())),
            ]),
        }
    }
}

/// Whether the statements let CloudTrail make delivery `d`.
pub fn allows(statements: &[NormStatement], d: &Delivery) -> bool {
    iam::evaluate(statements, &d.request()).is_allowed()
}

/// The deliveries `before` allows and `after` denies.
pub fn denied_after(
    before: &[NormStatement],
    after: &[NormStatement],
    universe: &[Delivery],
) -> Vec<Delivery> {
    universe
        .iter()
        .filter(|d| allows(before, d) && !allows(after, d))
        .cloned()
        .collect()
}
