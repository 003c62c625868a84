//! `orgtrail verify`'s report as a reader sees it: the summary first, then each finding with its
//! hours, S3 key, why and fix; markdown and SARIF carry the same findings.

use orgtrail_core::verify::{
    CellSummary, Finding, FindingKind, Layout, VerifyReport, report::Counted, report::WindowText,
};

use super::*;
use crate::style::Style;

const T0: i64 = 1_764_547_200; // 2025-12-01T00:00:00Z

fn cell(account: &str, region: &str, verified: usize, gaps: usize, invalid: usize) -> CellSummary {
    CellSummary {
        account: account.into(),
        region: region.into(),
        applicable: true,
        due: 6,
        verified,
        gaps,
        invalid,
    }
}

fn report(findings: Vec<Finding>, summary: Vec<CellSummary>) -> VerifyReport {
    VerifyReport {
        trail: "arn:aws:cloudtrail:us-east-2:111111111111:trail/org-trail".into(),
        bucket: "audit-logs".into(),
        layout: Layout {
            bucket: "audit-logs".into(),
            prefix: None,
            org_id: Some("o-abc".into()),
            trail_name: "org-trail".into(),
            home_region: "us-east-2".into(),
        },
        window: WindowText {
            from: T0,
            to: T0 + 6 * 3600,
        },
        validated: true,
        accounts: vec!["111111111111".into(), "222222222222".into()],
        regions: vec!["eu-west-1".into(), "us-east-2".into()],
        cells: summary.iter().map(|c| c.due).sum(),
        verified: summary.iter().map(|c| c.verified).sum(),
        counted: Counted {
            digests: 22,
            backfill_digests: 0,
            logs: 30,
        },
        summary,
        findings,
    }
}

fn tampered() -> VerifyReport {
    let mut not_enabled = cell("222222222222", "af-south-1", 0, 0, 0);
    not_enabled.applicable = false;
    not_enabled.due = 0;
    report(
        vec![
            Finding {
                kind: FindingKind::LogModified,
                account: "111111111111".into(),
                region: "us-east-2".into(),
                from: T0 + 2 * 3600,
                to: T0 + 3 * 3600,
                key: "AWSLogs/o-abc/111111111111/CloudTrail/us-east-2/2025/12/01/111111111111_CloudTrail_us-east-2_20251201T0215Z_abc.json.gz".into(),
                detail: "hash value doesn't match: the content was changed; vouched for by AWSLogs/o-abc/111111111111/CloudTrail-Digest/us-east-2/2025/12/01/x.json.gz".into(),
            },
            Finding {
                kind: FindingKind::DeliveryGap,
                account: "222222222222".into(),
                region: "eu-west-1".into(),
                from: T0 + 4 * 3600,
                to: T0 + 6 * 3600,
                key: "AWSLogs/o-abc/222222222222/CloudTrail-Digest/eu-west-1/2025/12/01/".into(),
                detail: "no digest delivered from 2025-12-01T04:00:00Z to 2025-12-01T06:00:00Z".into(),
            },
        ],
        vec![
            cell("111111111111", "us-east-2", 5, 0, 1),
            cell("222222222222", "eu-west-1", 4, 2, 0),
            not_enabled,
        ],
    )
}

#[test]
fn the_text_report_shows_the_summary_then_each_finding_with_its_fix() {
    let style = Style {
        width: 100,
        ..Style::PLAIN
    };
    insta::assert_snapshot!("verify_text_tampered", verify_text(&tampered(), style));
}

#[test]
fn a_verified_window_says_so_in_one_line() {
    let r = report(vec![], vec![cell("111111111111", "us-east-2", 6, 0, 0)]);
    let text = verify_text(&r, Style::PLAIN);
    assert!(
        text.ends_with("Verified: all 6 account × region × hour cells.\n"),
        "{text}"
    );
    assert!(verify_markdown(&r).contains("**Verified**: all 6"));
}

#[test]
fn markdown_lists_the_cells_with_problems_and_every_finding() {
    insta::assert_snapshot!("verify_markdown_tampered", verify_markdown(&tampered()));
}

#[test]
fn json_has_the_documented_fields_and_sarif_one_result_per_finding() {
    let r = tampered();
    let v: serde_json::Value = serde_json::from_str(&verify_json(&r)).expect("json");
    for field in [
        "window", "accounts", "regions", "cells", "verified", "findings",
    ] {
        assert!(v.get(field).is_some(), "{field}: {v:#}");
    }
    assert_eq!(v["window"]["from"], "2025-12-01T00:00:00Z");
    let f = &v["findings"][0];
    assert_eq!(
        (f["kind"].as_str(), f["from"].as_str()),
        (Some("log-modified"), Some("2025-12-01T02:00:00Z"))
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&verify_sarif(&r, "specs/org.yaml", "0.1.0")).expect("sarif");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    assert_eq!(results[1]["ruleId"], "delivery-gap");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "specs/org.yaml"
    );
}

#[test]
fn a_large_organization_lists_only_the_pairs_with_a_problem() {
    let mut summary: Vec<CellSummary> = (0..100)
        .map(|i| cell(&format!("{:012}", i), "us-east-2", 6, 0, 0))
        .collect();
    summary[42] = cell("000000000042", "us-east-2", 5, 1, 0);
    let text = verify_text(&report(vec![], summary), Style::PLAIN);
    assert!(text.contains("000000000042"), "{text}");
    assert!(!text.contains("000000000041"), "{text}");
    assert!(
        text.contains("(and 99 more account × region pairs, every hour verified)"),
        "{text}"
    );
}
