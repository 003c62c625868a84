//! `orgtrail verify`'s report: the account × region summary first (verified / gaps / invalid),
//! then each finding with its account, region, hours, S3 key, why and what to do; as terminal
//! text, PR/issue markdown, JSON and SARIF.

use std::fmt::Write as _;

use orgtrail_core::verify::time::rfc3339;
use orgtrail_core::verify::{CellSummary, Finding, FindingKind, VerifyReport};
use serde_json::{Value, json};

use crate::style::Style;
use crate::wrap::wrap;

/// Up to this many account × region rows the summary lists all of them; above it, only the
/// rows with something wrong (a 100-account, 17-region organization has 1,700).
const FULL_TABLE_ROWS: usize = 60;

/// What to do about each kind of finding.
pub fn fix(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::DeliveryGap => {
            "CloudTrail delivers a digest every hour for every account and region, activity or not: check that the trail is logging (`orgtrail drift`), that the bucket policy lets CloudTrail write this account's files and the KMS key policy lets it encrypt (`orgtrail plan`); if the digests were delivered and deleted, restore them from the bucket's previous versions."
        }
        FindingKind::DigestMissing => {
            "a digest was delivered and later deleted (the next digest links to it): restore it from the bucket's previous versions, and find who deleted it in the bucket's server access logs or S3 data events."
        }
        FindingKind::DigestInvalid => {
            "the digest is not what CloudTrail delivered: treat the logs of these hours as untrusted, restore the original version, and find who wrote it."
        }
        FindingKind::DigestMoved => {
            "a digest sits where CloudTrail did not deliver it (copied or moved): find the original at the place its fields name, and who copied it."
        }
        FindingKind::UnknownKey => {
            "signed with a key CloudTrail never published for this region: a forged digest. Treat these hours as untrusted and find who wrote it."
        }
        FindingKind::LogMissing => {
            "a log file a valid digest vouches for was deleted: restore it from the bucket's previous versions and find who deleted it."
        }
        FindingKind::LogModified => {
            "a log file is not what CloudTrail delivered (its content or bytes after its gzip stream): restore the original version; the events of this file are untrusted."
        }
        FindingKind::AccountLeft => {
            "the account delivered logs in the window but is no longer an ACTIVE member of the organization (it left, was removed, suspended or closed), so the organization trail no longer records it: find out why it left, and invite it back or give it a trail of its own."
        }
    }
}

fn hours(f: &Finding) -> String {
    format!("{} to {}", rfc3339(f.from), rfc3339(f.to))
}

fn headline(r: &VerifyReport) -> String {
    let h = (r.window.to - r.window.from) / 3600;
    let how = if r.validated {
        format!(
            "digests validated ({} digests, {} backfill, {} log files: signatures, chain, hashes)",
            r.counted.digests, r.counted.backfill_digests, r.counted.logs
        )
    } else {
        "digest presence (add --validate to check signatures, the chain and every log file)"
            .to_string()
    };
    format!(
        "Checked {} (bucket {}) from {} to {}: {} account(s) × {} region(s) × {h} hour(s), {how}.",
        r.trail,
        r.bucket,
        rfc3339(r.window.from),
        rfc3339(r.window.to),
        r.accounts.len(),
        r.regions.len()
    )
}

fn wrong(c: &CellSummary) -> bool {
    c.applicable && (c.gaps > 0 || c.invalid > 0)
}

/// The rows the summary shows, and how many verified rows it leaves out.
fn rows(r: &VerifyReport) -> (Vec<&CellSummary>, usize) {
    if r.summary.len() <= FULL_TABLE_ROWS {
        return (r.summary.iter().collect(), 0);
    }
    let shown: Vec<&CellSummary> = r.summary.iter().filter(|c| wrong(c)).collect();
    (shown.clone(), r.summary.len() - shown.len())
}

fn cell_line(c: &CellSummary) -> String {
    if !c.applicable {
        return format!(
            "{:<14}{:<16}not applicable (region not enabled for the account)",
            c.account, c.region
        );
    }
    format!(
        "{:<14}{:<16}{:>9}  {:>5}  {:>7}",
        c.account,
        c.region,
        format!("{}/{}", c.verified, c.due),
        c.gaps,
        c.invalid
    )
}

fn finding_text(f: &Finding, bucket: &str, style: Style, out: &mut String) {
    let head = format!("[{}] {} {} {}", f.kind, f.account, f.region, hours(f));
    let _ = writeln!(out, "{} {head}", style.red("error"));
    let _ = writeln!(out, "    s3://{bucket}/{}", f.key);
    for line in wrap(&f.detail, 4, 4, style.width) {
        let _ = writeln!(out, "    {line}");
    }
    for line in wrap(&format!("fix: {}", fix(f.kind)), 4, 4, style.width) {
        let _ = writeln!(out, "    {}", style.dim(&line));
    }
}

/// The report for a terminal.
pub fn verify_text(r: &VerifyReport, style: Style) -> String {
    let mut out = String::new();
    for (i, line) in wrap(&headline(r), 0, 2, style.width).iter().enumerate() {
        let _ = writeln!(out, "{}{line}", if i == 0 { "" } else { "  " });
    }
    let (shown, left_out) = rows(r);
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "{:<14}{:<16}{:>9}  {:>5}  {:>7}",
            "account", "region", "verified", "gaps", "invalid"
        ))
    );
    for c in shown {
        let _ = writeln!(out, "{}", cell_line(c));
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "(and {left_out} more account × region pairs, every hour verified)"
        );
    }
    out.push('\n');
    for f in &r.findings {
        finding_text(f, &r.bucket, style, &mut out);
    }
    let verdict = if r.verified_all() {
        style.green(&format!(
            "Verified: all {} account × region × hour cells.",
            r.cells
        ))
    } else {
        style.bold(&format!(
            "Not verified: {} of {} account × region × hour cells verified; {} finding(s).",
            r.verified,
            r.cells,
            r.findings.len()
        ))
    };
    let _ = writeln!(out, "{verdict}");
    out
}

/// The report as JSON (`{"window","accounts","regions","cells","verified","findings",...}`).
pub fn verify_json(r: &VerifyReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

/// The report as markdown for a PR or issue comment.
pub fn verify_markdown(r: &VerifyReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### orgtrail verify: {}\n", r.trail);
    let _ = writeln!(out, "{}\n", headline(r));
    if r.verified_all() {
        let _ = writeln!(
            out,
            "**Verified**: all {} account × region × hour cells.",
            r.cells
        );
        return out;
    }
    let _ = writeln!(
        out,
        "**Not verified**: {} of {} cells; {} finding(s).\n",
        r.verified,
        r.cells,
        r.findings.len()
    );
    let _ = writeln!(
        out,
        "| account | region | verified | gaps | invalid |\n|---|---|---|---|---|"
    );
    for c in r.summary.iter().filter(|c| wrong(c)) {
        let _ = writeln!(
            out,
            "| {} | {} | {}/{} | {} | {} |",
            c.account, c.region, c.verified, c.due, c.gaps, c.invalid
        );
    }
    let _ = writeln!(
        out,
        "\n| finding | account | region | hours | key | why |\n|---|---|---|---|---|---|"
    );
    for f in &r.findings {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | `{}` | {} |",
            f.kind,
            f.account,
            f.region,
            hours(f),
            f.key,
            f.detail.replace('|', "\\|")
        );
    }
    out
}

/// The findings as SARIF 2.1.0 (GitHub code scanning), located in the spec that declares the
/// trail.
pub fn verify_sarif(r: &VerifyReport, spec: &str, tool_version: &str) -> String {
    let mut kinds: Vec<FindingKind> = r.findings.iter().map(|f| f.kind).collect();
    kinds.sort();
    kinds.dedup();
    let rules: Vec<Value> = kinds
        .iter()
        .map(|k| json!({"id": k.as_str(), "name": k.as_str(), "shortDescription": {"text": k.as_str().replace('-', " ")}, "help": {"text": fix(*k)}}))
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.kind.as_str(),
                "ruleIndex": kinds.iter().position(|k| *k == f.kind).unwrap_or(0),
                "level": "error",
                "message": {"text": format!("{} {} {}: {} (s3://{}/{})", f.account, f.region, hours(f), f.detail, r.bucket, f.key)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": spec}, "region": {"startLine": 1}}}],
                "partialFingerprints": {"orgtrailFinding": format!("{}/{}/{}/{}", f.kind, f.account, f.region, f.key)},
                "properties": {"account": f.account, "region": f.region, "from": rfc3339(f.from), "to": rfc3339(f.to), "key": f.key}
            })
        })
        .collect();
    crate::sarif::document(tool_version, rules, results)
}
