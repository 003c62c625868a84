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

use crate::iam::{self, NormStatement, Request};
use crate::model::{CLOUDTRAIL_SERVICE, TrailRef};

pub(crate) const PROBE_TRAIL: &str = "orgtrail-probe";

/// One request CloudTrail makes to the bucket.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Delivery {
    pub source_arn: String,
    pub source_account: String,
    /// Lower-case IAM action: `s3:getbucketacl` or `s3:putobject`.
    pub action: &'static str,
    pub resource: String,
    /// The object key (empty for the ACL check), for messages.
    pub key: String,
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
            format!("the ACL check of `{bucket}` by {who}")
        } else {
            let dir = self
                .key
                .trim_end_matches("CloudTrail/us-east-1/log.json.gz");
            format!("log file delivery by {who} to s3://{bucket}/{dir}")
        }
    }
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Prefixes, accounts, organization ids and source trails a set of statements names.
#[derive(Default)]
struct Named {
    prefixes: BTreeSet<Option<String>>,
    accounts: BTreeSet<String>,
    orgs: BTreeSet<String>,
    sources: BTreeSet<String>,
}

fn name_from_resource(n: &mut Named, bucket_arn: &str, r: &str) {
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
    let mut segs = key[at + "AWSLogs/".len()..].split('/');
    match segs.next() {
        Some(a) if is_account(a) => {
            n.accounts.insert(a.to_string());
        }
        Some(o) if o.starts_with("o-") && !o.contains(['*', '?']) => {
            n.orgs.insert(o.to_string());
            if let Some(m) = segs.next().filter(|m| is_account(m)) {
                n.accounts.insert(m.to_string());
            }
        }
        _ => {}
    }
}

fn name_from_statement(n: &mut Named, bucket_arn: &str, s: &NormStatement) {
    for r in s.resource.iter().flatten() {
        name_from_resource(n, bucket_arn, r);
    }
    for kv in s.condition.values() {
        for a in kv.get("aws:sourceaccount").into_iter().flatten() {
            if is_account(a) {
                n.accounts.insert(a.clone());
            }
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
    let (partition, bucket) = (&first.partition, &first.bucket);
    let bucket_arn = format!("arn:{partition}:s3:::{bucket}");
    let mut n = Named::default();
    for s in statements {
        name_from_statement(&mut n, &bucket_arn, s);
    }
    for t in trails {
        n.prefixes.insert(t.prefix.clone());
        n.accounts.insert(t.account.clone());
        n.orgs.insert(t.org_id.clone());
        n.sources.insert(t.trail_arn());
    }
    n.sources.extend(other_trails.iter().cloned());
    for a in &n.accounts {
        n.sources.insert(format!(
            "arn:{partition}:cloudtrail:us-east-1:{a}:trail/{PROBE_TRAIL}"
        ));
    }
    let managers: BTreeSet<&str> = trails.iter().map(|t| t.account.as_str()).collect();
    let mut out = Vec::new();
    for src in &n.sources {
        let account = account_of(src);
        let put = |key: String| Delivery {
            source_arn: src.clone(),
            source_account: account.clone(),
            action: "s3:putobject",
            resource: format!("{bucket_arn}/{key}"),
            key,
        };
        let mut batch = vec![Delivery {
            source_arn: src.clone(),
            source_account: account.clone(),
            action: "s3:getbucketacl",
            resource: bucket_arn.clone(),
            key: String::new(),
        }];
        for p in &n.prefixes {
            let base = p.as_ref().map_or(String::new(), |p| format!("{p}/"));
            batch.push(put(format!(
                "{base}AWSLogs/{account}/CloudTrail/us-east-1/log.json.gz"
            )));
            // Organization trails belong to the management account and write every member's logs.
            if managers.contains(account.as_str()) {
                for o in &n.orgs {
                    for m in &n.accounts {
                        batch.push(put(format!(
                            "{base}AWSLogs/{o}/{m}/CloudTrail/us-east-1/log.json.gz"
                        )));
                    }
                }
            }
        }
        out.extend(batch);
    }
    out.sort();
    out.dedup();
    out
}

/// The deliveries a trail of ours makes: the ACL check, and its log files under its own prefix
/// for its account and (as an organization trail) for the organization.
pub fn of_trail(t: &TrailRef) -> Vec<Delivery> {
    let bucket_arn = format!("arn:{}:s3:::{}", t.partition, t.bucket);
    let base = t.prefix.as_ref().map_or(String::new(), |p| format!("{p}/"));
    let source = t.trail_arn();
    let make = |action: &'static str, key: String| Delivery {
        source_arn: source.clone(),
        source_account: t.account.clone(),
        action,
        resource: if key.is_empty() {
            bucket_arn.clone()
        } else {
            format!("{bucket_arn}/{key}")
        },
        key,
    };
    vec![
        make("s3:getbucketacl", String::new()),
        make(
            "s3:putobject",
            format!(
                "{base}AWSLogs/{}/CloudTrail/us-east-1/log.json.gz",
                t.account
            ),
        ),
        make(
            "s3:putobject",
            format!(
                "{base}AWSLogs/{}/{}/CloudTrail/us-east-1/log.json.gz",
                t.org_id, t.account
            ),
        ),
    ]
}

impl Delivery {
    /// The request IAM evaluates: CloudTrail's, with the context keys AWS documents for a
    /// delivery (TLS always; the ACL header only on PutObject).
    pub fn request(&self) -> Request {
        let put = self.action == "s3:putobject";
        Request {
            service: CLOUDTRAIL_SERVICE.to_string(),
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
