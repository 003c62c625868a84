//! Which of CloudTrail's deliveries to a bucket are judged: a sample that a bucket policy
//! cannot tell apart from the whole organization.
//!
//! A policy tells deliveries apart only by what it names: account ids and wildcard patterns of
//! them, organization ids, key prefixes, regions and region patterns, dates, source trails. So
//! the sample holds every account it names, one account matching each account pattern, and one
//! account that matches nothing it names (standing for every other member account); likewise
//! every region it names, one per region pattern and a region it does not name; the years it
//! names; and file names as CloudTrail writes them (`<account>_CloudTrail_<region>_<time>_<id>
//! .json.gz`, `<account>_CloudTrail-Digest_<region>_<trail>_<region>_<time>.json.gz`). Any
//! account, region or date a policy treats differently from all of these would have to be named
//! by it, and then it is in the sample: no ListAccounts, whatever the size of the organization.

use std::collections::{BTreeMap, BTreeSet};

use super::delivery::{self, Delivery, PROBE_TRAIL};
use crate::iam::{NormStatement, glob};
use crate::model::TrailRef;

/// A region every sample delivers in (besides the home regions and the regions named).
const DEFAULT_REGION: &str = "us-east-1";

/// How the account standing for every member account the statements do not name reads.
const EVERY_MEMBER: &str = "<every member account>";

/// The year of the sampled files, besides the years a policy names.
const DEFAULT_YEAR: &str = "2026";

/// What a bucket's deliveries are sampled over.
#[derive(Debug, Default)]
pub struct Sample {
    prefixes: BTreeSet<Option<String>>,
    /// Account id -> how it reads in messages (`None`: a real account the policy names).
    accounts: BTreeMap<String, Option<String>>,
    orgs: BTreeSet<String>,
    regions: BTreeSet<String>,
    years: BTreeSet<String>,
    sources: BTreeSet<String>,
    /// Account and region patterns the statements name (`2*`, `eu-*`).
    account_patterns: BTreeSet<String>,
    region_patterns: BTreeSet<String>,
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `eu-west-1`, `us-gov-east-1`: lowercase words joined by `-`, ending in a number.
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

/// An account pattern: digits and wildcards only, not one that matches every account.
fn is_account_pattern(s: &str) -> bool {
    s.contains(['*', '?'])
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'?')
        && s.bytes().any(|b| b.is_ascii_digit())
}

/// A region pattern: a region with wildcards (`eu-*`, `*-west-1`), not a bare `*`.
fn is_region_pattern(s: &str) -> bool {
    s.contains(['*', '?'])
        && s.contains('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-*?".contains(&b))
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
    is_account(&out).then_some(out)
}

/// What one resource ARN names: every token of the key (split at `/` and `_`, the separators of
/// CloudTrail's keys and file names) that is an account, a region, a year or a pattern of them.
fn name_from_resource(n: &mut Sample, r: &str) {
    let Some((_, key)) = r
        .split_once(":::")
        .and_then(|(_, rest)| rest.split_once('/'))
    else {
        return;
    };
    if let Some(at) = key.find("AWSLogs/") {
        let prefix = key[..at].trim_end_matches('/');
        if !prefix.contains(['*', '?']) {
            n.prefixes
                .insert((!prefix.is_empty()).then(|| prefix.to_string()));
        }
    }
    for tok in key.split(['/', '_']) {
        if is_account(tok) {
            n.accounts.entry(tok.to_string()).or_insert(None);
        } else if is_account_pattern(tok) {
            n.account_patterns.insert(tok.to_string());
        } else if is_region(tok) {
            n.regions.insert(tok.to_string());
        } else if is_region_pattern(tok) {
            n.region_patterns.insert(tok.to_string());
        } else if tok.len() == 4 && tok.starts_with("20") && tok.bytes().all(|b| b.is_ascii_digit())
        {
            n.years.insert(tok.to_string());
        } else if tok.starts_with("o-") && !tok.contains(['*', '?']) {
            n.orgs.insert(tok.to_string());
        }
    }
}

fn name_from_statement(n: &mut Sample, s: &NormStatement) {
    for r in s.resource.iter().chain(&s.not_resource).flatten() {
        name_from_resource(n, r);
    }
    for kv in s.condition.values() {
        for a in kv.get("aws:sourceaccount").into_iter().flatten() {
            if is_account(a) {
                n.accounts.entry(a.clone()).or_insert(None);
            } else if is_account_pattern(a) {
                n.account_patterns.insert(a.clone());
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

impl Sample {
    /// The sample for `trails` (sharing one bucket) under `statements`.
    pub fn new(
        trails: &[TrailRef],
        statements: &[NormStatement],
        other_trails: &[String],
    ) -> Sample {
        let mut n = Sample::default();
        for s in statements {
            name_from_statement(&mut n, s);
        }
        n.regions.insert(DEFAULT_REGION.to_string());
        n.years.insert(DEFAULT_YEAR.to_string());
        for t in trails {
            n.prefixes.insert(t.prefix.clone());
            n.accounts.insert(t.account.clone(), None);
            n.orgs.insert(t.org_id.clone());
            n.regions.insert(t.home_region.clone());
            n.sources.insert(t.trail_arn());
        }
        n.sources.extend(other_trails.iter().cloned());
        n.stand_ins();
        n
    }

    /// One account per account pattern, one account, one region and one key prefix matching
    /// nothing named (another trail may deliver under any prefix: a grant on the whole bucket
    /// serves it, one on `AWSLogs/` at the root does not).
    fn stand_ins(&mut self) {
        let prefix = (1u32..1_000)
            .map(|i| format!("orgtrail-other-prefix-{i}"))
            .find(|p| !self.prefixes.contains(&Some(p.clone())))
            .unwrap_or_default();
        self.prefixes.insert(Some(prefix));
        for p in self.account_patterns.clone() {
            if let Some(a) = matching_account(&p).filter(|a| !self.accounts.contains_key(a)) {
                self.accounts
                    .insert(a, Some(format!("<accounts matching {p}>")));
            }
        }
        for p in self.region_patterns.clone() {
            self.regions.insert(p.replace(['*', '?'], "x"));
        }
        let free = |c: &String, named: &dyn Fn(&String) -> bool, patterns: &BTreeSet<String>| {
            !named(c) && !patterns.iter().any(|p| glob(p, c))
        };
        // Spread over every leading digit, so a pattern like `0*` cannot catch them all.
        let account = (0u64..10_000)
            .map(|i| format!("{:012}", (i * 7_919_273_421 + 137) % 1_000_000_000_000))
            .find(|c| {
                free(
                    c,
                    &|c| self.accounts.contains_key(c),
                    &self.account_patterns,
                )
            })
            .unwrap_or_default();
        self.accounts
            .insert(account, Some(EVERY_MEMBER.to_string()));
        let region = (1u32..10_000)
            .map(|i| format!("zz-orgtrail-{i}"))
            .find(|c| free(c, &|c| self.regions.contains(c), &self.region_patterns))
            .unwrap_or_default();
        self.regions.insert(region);
    }

    /// The keys a trail of `own` writes under `base`: logs and digests in every sampled region
    /// and year, for its own account and (as an organization trail) every sampled account of
    /// every sampled organization; with each key the stand-in label of its account.
    fn keys(
        &self,
        base: &str,
        own: &str,
        organization: bool,
    ) -> Vec<(String, Option<(String, String)>)> {
        let mut folders = vec![(
            format!("{base}AWSLogs/{own}"),
            own.to_string(),
            self.label_of(own),
        )];
        if organization {
            for o in &self.orgs {
                for (m, label) in &self.accounts {
                    let label = label.clone().map(|l| (m.clone(), l));
                    folders.push((format!("{base}AWSLogs/{o}/{m}"), m.clone(), label));
                }
            }
        }
        let mut out = Vec::new();
        for (folder, account, label) in folders {
            for r in &self.regions {
                for y in &self.years {
                    let day = format!("{y}/01/01");
                    let log =
                        format!("{account}_CloudTrail_{r}_{y}0101T0000Z_Orgtrail0probe0.json.gz");
                    let digest = format!(
                        "{account}_CloudTrail-Digest_{r}_{PROBE_TRAIL}_{r}_{y}0101T000000Z.json.gz"
                    );
                    out.push((
                        format!("{folder}/CloudTrail/{r}/{day}/{log}"),
                        label.clone(),
                    ));
                    out.push((
                        format!("{folder}/CloudTrail-Digest/{r}/{day}/{digest}"),
                        label.clone(),
                    ));
                }
            }
        }
        out
    }

    /// How a stand-in account reads in messages (`None`: a real account).
    fn label_of(&self, account: &str) -> Option<(String, String)> {
        let label = self.accounts.get(account).cloned().flatten()?;
        Some((account.to_string(), label))
    }

    /// The own trails of a member account no statement names (orgtrail cannot list a member's
    /// trails): their log files under `AWSLogs/<member>/`, and their ACL check when `statements`
    /// let them write any of those (a trail that cannot write does not rely on the check).
    fn member_trails(
        &self,
        bucket_arn: &str,
        partition: &str,
        statements: &[NormStatement],
        prefixes: &[Option<String>],
    ) -> Vec<Delivery> {
        let Some(member) = self
            .accounts
            .iter()
            .find(|(_, l)| l.as_deref() == Some(EVERY_MEMBER))
            .map(|(a, _)| a.clone())
        else {
            return Vec::new();
        };
        let source = probe_arn(partition, &member);
        let mut all = self.deliveries(bucket_arn, &source, &member, false, prefixes);
        let writes = all
            .iter()
            .any(|d| !d.key.is_empty() && delivery::allows(statements, d));
        if !writes {
            all.retain(|d| !d.key.is_empty());
        }
        all
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
            label: self.label_of(account),
            ..Delivery::default()
        }];
        for p in prefixes {
            let base = p.as_ref().map_or(String::new(), |p| format!("{p}/"));
            for (key, label) in self.keys(&base, account, org) {
                out.push(Delivery {
                    source_arn: source.to_string(),
                    source_account: account.to_string(),
                    action: "s3:putobject",
                    resource: format!("{bucket_arn}/{key}"),
                    key,
                    label,
                });
            }
        }
        out
    }
}

/// Every trail of one account that writes to the bucket, all of them known: `orgtrail-aws`
/// reads the management account's trails in every region (organization trails included, which
/// the management account owns even when a delegated administrator made them), so nothing else
/// can deliver to `AWSLogs/<management account>/` or `AWSLogs/<org-id>/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    /// The account whose trails these are.
    pub account: String,
    /// Each trail writing to the bucket: its ARN and whether it is an organization trail.
    pub trails: Vec<(String, bool)>,
}

/// The ARN standing for any trail of `account` that no statement names.
fn probe_arn(partition: &str, account: &str) -> String {
    format!("arn:{partition}:cloudtrail:{DEFAULT_REGION}:{account}:trail/{PROBE_TRAIL}")
}

/// Every delivery CloudTrail could make to this bucket for our trails, for the trails the
/// statements name, and for any trail of an account the statements (or `other_trails`) name.
/// With `known`, that account's trails are exactly the known ones (no stand-in for its unknown
/// trails), and a member account no statement names stands for every member's own trails.
pub fn universe(
    trails: &[TrailRef],
    statements: &[NormStatement],
    other_trails: &[String],
    known: Option<&Known>,
) -> Vec<Delivery> {
    let Some(first) = trails.first() else {
        return Vec::new();
    };
    let n = Sample::new(trails, statements, other_trails);
    let bucket_arn = first.bucket_arn();
    // Organization trails belong to the management account and write every member's logs.
    let managers: BTreeSet<&str> = trails.iter().map(|t| t.account.as_str()).collect();
    let org = |src: &str| managers.contains(account_of(src).as_str());
    let mut sources: BTreeMap<String, bool> =
        n.sources.iter().map(|s| (s.clone(), org(s))).collect();
    for (a, label) in &n.accounts {
        if label.is_none() {
            let probe = probe_arn(&first.partition, a);
            let o = org(&probe);
            sources.insert(probe, o);
        }
    }
    if let Some(k) = known {
        let ours: BTreeSet<String> = trails.iter().map(TrailRef::trail_arn).collect();
        // A trail of that account that is neither ours nor known does not exist.
        sources.retain(|s, _| account_of(s) != k.account || ours.contains(s));
        for (arn, organization) in &k.trails {
            if !ours.contains(arn) {
                sources.insert(arn.clone(), *organization);
            }
        }
    }
    let prefixes: Vec<Option<String>> = n.prefixes.iter().cloned().collect();
    let mut out = Vec::new();
    for (src, org) in &sources {
        let account = account_of(src);
        out.extend(n.deliveries(&bucket_arn, src, &account, *org, &prefixes));
    }
    // Member accounts' own trails may write their `AWSLogs/<account>/` too, known or not: a grant
    // that lets them is never replaced by one that does not.
    out.extend(n.member_trails(&bucket_arn, &first.partition, statements, &prefixes));
    out.sort();
    out.dedup();
    out
}

/// The deliveries our trails make: the ACL check, and their log and digest files under their
/// own prefix for their account and, as organization trails, for every account of the
/// organization, in every sampled region and year.
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
