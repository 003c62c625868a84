//! The listing and the judged digests -> the report. Pure: orgtrail-aws lists the digest folders
//! and reads the objects; this decides which hours are verified, which are gaps (as ranges),
//! which digests and logs are not valid evidence, and which accounts left.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::digest::DigestProblem;
use super::layout::DigestName;
use super::log::LogProblem;
use super::report::{CellSummary, Counted, Finding, FindingKind, VerifyReport};
use super::scope::{Member, Scope};
use super::time::{HOUR, floor_hour, rfc3339};

/// How far apart two consecutive hourly digests may end and still be one hour's delivery.
const DRIFT: i64 = 10 * 60;

/// The digests of this trail listed in one account × region's day folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub account: String,
    pub region: String,
    pub digests: Vec<(String, DigestName)>,
}

/// A digest whose format, place and signature are right, and what its log files turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub start: i64,
    pub end: i64,
    /// `previousDigestS3Bucket` / `previousDigestS3Object`; `None` for the first of a chain.
    pub previous: Option<(String, String)>,
    pub logs: Vec<(String, Result<(), LogProblem>)>,
}

/// One digest judged (`--validate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub key: String,
    pub name: DigestName,
    pub outcome: Result<Checked, DigestProblem>,
}

/// The digests `--validate` reads: those of the window, the backfill ones included.
pub fn to_judge<'a>(scope: &Scope, listed: &'a [Listed]) -> Vec<(&'a str, &'a DigestName)> {
    listed
        .iter()
        .flat_map(|l| &l.digests)
        .filter(|(_, n)| scope.window.contains(n.end))
        .map(|(k, n)| (k.as_str(), n))
        .collect()
}

/// Consecutive hours as `[from, to)` ranges.
fn ranges(hours: &[i64]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for &h in hours {
        match out.last_mut() {
            Some((_, to)) if *to == h => *to = h + HOUR,
            _ => out.push((h, h + HOUR)),
        }
    }
    out
}

fn finding(l: &Listed, kind: FindingKind, span: (i64, i64), key: &str, detail: String) -> Finding {
    Finding {
        kind,
        account: l.account.clone(),
        region: l.region.clone(),
        from: span.0,
        to: span.1,
        key: key.to_string(),
        detail,
    }
}

fn digest_kind(p: &DigestProblem) -> FindingKind {
    match p {
        DigestProblem::Format(_) | DigestProblem::Signature => FindingKind::DigestInvalid,
        DigestProblem::Moved { .. } => FindingKind::DigestMoved,
        DigestProblem::UnknownKey(_) => FindingKind::UnknownKey,
        DigestProblem::Gone => FindingKind::DigestMissing,
    }
}

fn log_kind(p: &LogProblem) -> FindingKind {
    match p {
        LogProblem::Missing => FindingKind::LogMissing,
        _ => FindingKind::LogModified,
    }
}

/// One account × region judged.
struct Cell<'a> {
    scope: &'a Scope,
    listed: &'a Listed,
    judged: &'a HashMap<&'a str, &'a Judged>,
    findings: Vec<Finding>,
    /// Hours whose digest or one of its logs is not valid.
    invalid: BTreeSet<i64>,
}

impl Cell<'_> {
    /// The hours with a digest: the hour each digest's end time falls in, and an hour without
    /// one that a single digest spans (the digests around it end within [`DRIFT`] of an hour
    /// apart: digest times drift by seconds, so one crosses an hour boundary now and then).
    fn present(&self) -> BTreeSet<i64> {
        let ends: BTreeSet<i64> = self
            .listed
            .digests
            .iter()
            .filter(|(_, n)| !n.backfill)
            .map(|(_, n)| n.end)
            .collect();
        let mut hours: BTreeSet<i64> = ends.iter().map(|e| floor_hour(*e)).collect();
        let spanned: Vec<i64> = ends
            .iter()
            .zip(ends.iter().skip(1))
            .filter(|(a, b)| {
                *b - *a <= HOUR + DRIFT && floor_hour(**b) - floor_hour(**a) == 2 * HOUR
            })
            .map(|(a, _)| floor_hour(*a) + HOUR)
            .collect();
        hours.extend(spanned);
        hours.retain(|h| self.scope.window.contains(*h));
        hours
    }

    /// Every judged digest's problems and its logs' problems as findings.
    fn judge_digests(&mut self) {
        for (key, name) in &self.listed.digests {
            let Some(j) = self.judged.get(key.as_str()) else {
                continue;
            };
            let hour = floor_hour(name.end);
            let span = (hour, hour + HOUR);
            let what = if name.backfill {
                "backfill digest: "
            } else {
                ""
            };
            match &j.outcome {
                Err(p) => {
                    let f = finding(
                        self.listed,
                        digest_kind(p),
                        span,
                        key,
                        format!("{what}{}", p.reason()),
                    );
                    self.findings.push(f);
                    self.invalid.insert(hour);
                }
                Ok(c) => {
                    for (log, result) in &c.logs {
                        if let Err(p) = result {
                            let detail = format!("{}; vouched for by {key}", p.reason());
                            self.findings.push(finding(
                                self.listed,
                                log_kind(p),
                                span,
                                log,
                                detail,
                            ));
                            self.invalid.insert(hour);
                        }
                    }
                }
            }
        }
    }

    /// Digests a valid digest links to that are not in the bucket: hour -> (key, linked from).
    fn broken_links(&self) -> BTreeMap<i64, (String, String)> {
        let listed: BTreeSet<&str> = self
            .listed
            .digests
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        let mut out = BTreeMap::new();
        for (key, _) in &self.listed.digests {
            let Some(Judged { outcome: Ok(c), .. }) = self.judged.get(key.as_str()) else {
                continue;
            };
            let Some((bucket, prev)) = &c.previous else {
                continue;
            };
            if *bucket != self.scope.layout.bucket || listed.contains(prev.as_str()) {
                continue;
            }
            // Before the window: not listed, not judged.
            if let Some(n) = self.scope.layout.parse_digest_key(prev)
                && self.scope.window.contains(n.end)
            {
                out.insert(floor_hour(n.end), (prev.clone(), key.clone()));
            }
        }
        out
    }

    /// Gaps as ranges: a deleted digest (a broken link within the range) or no delivery.
    fn gaps(&mut self, m: &Member, present: &BTreeSet<i64>) -> usize {
        let due = self.scope.due_hours(m);
        let missing: Vec<i64> = due
            .iter()
            .copied()
            .filter(|h| !present.contains(h))
            .collect();
        let mut links = self.broken_links();
        for span in ranges(&missing) {
            let inside: Vec<i64> = links.range(span.0..span.1).map(|(h, _)| *h).collect();
            let f = match inside.last().and_then(|h| links.get(h)) {
                Some((key, next)) => finding(
                    self.listed,
                    FindingKind::DigestMissing,
                    span,
                    key,
                    format!("deleted: {next} links to it (not found)"),
                ),
                None => finding(
                    self.listed,
                    FindingKind::DeliveryGap,
                    span,
                    &self
                        .scope
                        .layout
                        .digest_day(&m.id, &self.listed.region, span.0),
                    format!(
                        "no digest delivered from {} to {}",
                        rfc3339(span.0),
                        rfc3339(span.1)
                    ),
                ),
            };
            self.findings.push(f);
            for h in inside {
                links.remove(&h);
            }
        }
        // A broken link to an hour that has another digest: still a deleted file.
        for (h, (key, next)) in links {
            let detail = format!("deleted: {next} links to it (not found)");
            let f = finding(
                self.listed,
                FindingKind::DigestMissing,
                (h, h + HOUR),
                &key,
                detail,
            );
            self.findings.push(f);
            self.invalid.insert(h);
        }
        missing.len()
    }
}

fn empty_listing(account: &str, region: &str) -> Listed {
    Listed {
        account: account.to_string(),
        region: region.to_string(),
        digests: Vec::new(),
    }
}

/// Accounts that delivered in the window but are not in the organization any more.
fn departed(scope: &Scope, others: &[Listed]) -> Vec<Finding> {
    others
        .iter()
        .filter(|l| !scope.organization.contains(&l.account))
        .filter_map(|l| {
            let ends: Vec<i64> = l
                .digests
                .iter()
                .map(|(_, n)| n.end)
                .filter(|e| scope.window.contains(*e))
                .collect();
            let (first, last) = (ends.iter().min()?, ends.iter().max()?);
            let span = (floor_hour(*first), floor_hour(*last) + HOUR);
            let detail = format!(
                "delivered {} digests from {} to {} but is no longer an ACTIVE member of the organization",
                ends.len(),
                rfc3339(span.0),
                rfc3339(span.1)
            );
            let key = scope.layout.digest_root(&l.account);
            Some(finding(l, FindingKind::AccountLeft, span, &key, detail))
        })
        .collect()
}

/// One account × region: its summary and findings.
fn judge_cell(
    scope: &Scope,
    m: &Member,
    l: &Listed,
    judged: &HashMap<&str, &Judged>,
) -> (CellSummary, Vec<Finding>) {
    let mut summary = CellSummary {
        account: m.id.clone(),
        region: l.region.clone(),
        applicable: scope.applicable(m, &l.region),
        due: 0,
        verified: 0,
        gaps: 0,
        invalid: 0,
    };
    if !summary.applicable {
        return (summary, Vec::new());
    }
    let mut cell = Cell {
        scope,
        listed: l,
        judged,
        findings: Vec::new(),
        invalid: BTreeSet::new(),
    };
    let present = cell.present();
    cell.judge_digests();
    summary.gaps = cell.gaps(m, &present);
    let due = scope.due_hours(m);
    summary.due = due.len();
    summary.verified = due
        .iter()
        .filter(|h| present.contains(h) && !cell.invalid.contains(h))
        .count();
    summary.invalid = summary.due - summary.verified - summary.gaps;
    (summary, cell.findings)
}

fn counted(judged: &[Judged]) -> Counted {
    Counted {
        digests: judged.iter().filter(|j| !j.name.backfill).count(),
        backfill_digests: judged.iter().filter(|j| j.name.backfill).count(),
        logs: judged
            .iter()
            .filter_map(|j| j.outcome.as_ref().ok())
            .map(|c| c.logs.len())
            .sum(),
    }
}

/// One account × region judged: what the report needs of it, and nothing of its files (so a
/// run holds one cell's listing at a time, whatever the window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellResult {
    pub summary: CellSummary,
    pub findings: Vec<Finding>,
    pub counted: Counted,
}

/// One account × region: `l` its listing, `judged` its digests judged (`--validate`).
pub fn assess_cell(scope: &Scope, m: &Member, l: &Listed, judged: &[Judged]) -> CellResult {
    let by_key: HashMap<&str, &Judged> = judged.iter().map(|j| (j.key.as_str(), j)).collect();
    let (summary, findings) = judge_cell(scope, m, l, &by_key);
    CellResult {
        summary,
        findings,
        counted: counted(judged),
    }
}

/// The report from every cell's result (in the scope's order: members, then regions) and
/// `others`, the digests of account folders outside the members.
pub fn combine(scope: &Scope, cells: Vec<CellResult>, others: &[Listed]) -> VerifyReport {
    let mut summary = Vec::new();
    let mut findings = Vec::new();
    let mut total = Counted::default();
    for c in cells {
        summary.push(c.summary);
        findings.extend(c.findings);
        total.digests += c.counted.digests;
        total.backfill_digests += c.counted.backfill_digests;
        total.logs += c.counted.logs;
    }
    if scope.look_for_departed {
        findings.extend(departed(scope, others));
    }
    findings.sort_by(|a, b| {
        (&a.account, &a.region, a.from, a.kind, &a.key)
            .cmp(&(&b.account, &b.region, b.from, b.kind, &b.key))
    });
    findings.dedup();
    VerifyReport {
        trail: scope.trail_arn.clone(),
        bucket: scope.layout.bucket.clone(),
        layout: scope.layout.clone(),
        window: scope.window.into(),
        validated: scope.validate,
        accounts: scope.members.iter().map(|m| m.id.clone()).collect(),
        regions: scope.regions.clone(),
        cells: summary.iter().map(|s| s.due).sum(),
        verified: summary.iter().map(|s| s.verified).sum(),
        counted: total,
        summary,
        findings,
    }
}

/// The whole report at once (tests, small windows): `listed` for every judged account × region
/// (missing entries read as empty), `judged` under `--validate`, `others` as for [`combine`].
pub fn assess(
    scope: &Scope,
    listed: &[Listed],
    judged: &[Judged],
    others: &[Listed],
) -> VerifyReport {
    let mut cells = Vec::new();
    for m in &scope.members {
        for region in &scope.regions {
            let l = listed
                .iter()
                .find(|l| l.account == m.id && l.region == *region)
                .cloned()
                .unwrap_or_else(|| empty_listing(&m.id, region));
            let mine: Vec<Judged> = judged
                .iter()
                .filter(|j| j.name.account == m.id && j.name.region == *region)
                .cloned()
                .collect();
            cells.push(assess_cell(scope, m, &l, &mine));
        }
    }
    combine(scope, cells, others)
}

#[cfg(test)]
#[path = "assess_tests.rs"]
mod tests;
