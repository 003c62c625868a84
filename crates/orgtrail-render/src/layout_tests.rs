//! How long lines and long reports are laid out: diagnostics wrapped to the terminal's width
//! with a hanging indent (never inside a word or a `code span` that fits a line), and drift
//! markdown cut to a GitHub comment like the plan's.

use orgtrail_core::drift::DriftReport;
use orgtrail_core::{Finding, FindingCode, Plan, Severity};
use serde_json::json;

use super::*;
use crate::wrap::wrap;

const MESSAGE: &str = "log bucket `my-bucket` has no server access logging: reads and \
    deletions of the log files are not recorded, so nobody can tell who read or removed \
    evidence from `arn:aws:s3:::my-bucket/AWSLogs/o-example/*` or when";
const FIX: &str = "set `bucket.access_logging: {target_bucket: ..., prefix: ...}` (CIS 3.6) \
    to a bucket in the log archive account that only the security team can read";

fn plan_with_finding() -> Plan {
    let finding = Finding {
        severity: Severity::Warning,
        code: FindingCode::BucketAccessLoggingOff,
        spec: "specs/org-trail.yaml".into(),
        message: MESSAGE.into(),
        fix: FIX.into(),
    };
    serde_json::from_value(json!({
        "format_version": orgtrail_core::PLAN_FORMAT_VERSION, "specs": ["specs/org-trail.yaml"],
        "steps": [], "findings": [finding], "live_fingerprint": "", "live_components": {},
        "spec_hash": ""
    }))
    .unwrap()
}

fn width(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// The words of `text`, whatever its line breaks and indents.
fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// Every `code span` of a line is whole on it (an even number of backticks).
fn spans_whole(text: &str) -> bool {
    text.lines()
        .all(|l| l.matches('`').count().is_multiple_of(2))
}

#[test]
fn findings_are_wrapped_to_80_columns_with_a_hanging_indent() {
    let text = plan_text(&plan_with_finding(), Style::PLAIN);
    assert!(width(&text) <= 80, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("warning[bucket-access-logging-off]: specs/org-trail.yaml: log"));
    assert!(
        lines[1].starts_with("    ") && !lines[1].starts_with("     "),
        "{text}"
    );
    let fix_at = lines
        .iter()
        .position(|l| l.starts_with("  fix: "))
        .expect(&text);
    assert!(lines[fix_at + 1].starts_with("       "), "{text}");
    assert!(spans_whole(&text), "{text}");
    // Nothing lost or split: the same words in the same order.
    let expected = format!(
        "warning[bucket-access-logging-off]: specs/org-trail.yaml: {MESSAGE} fix: {FIX} \
         No changes. Live state matches specs/org-trail.yaml."
    );
    assert_eq!(words(&text), words(&expected), "{text}");
}

#[test]
fn a_narrow_terminal_wraps_narrower_and_keeps_code_spans_whole() {
    let narrow = Style {
        width: 50,
        ..Style::PLAIN
    };
    let text = plan_text(&plan_with_finding(), narrow);
    // The diagnostics; the closing line is not one.
    for line in text.lines().filter(|l| !l.starts_with("No changes")) {
        assert!(line.chars().count() <= 50, "{line:?}\n{text}");
    }
    assert!(text.contains("`my-bucket`"), "{text}");
    assert!(
        text.lines().count()
            > plan_text(&plan_with_finding(), Style::PLAIN)
                .lines()
                .count()
    );
}

#[test]
fn wrapping_breaks_between_words_never_inside_one() {
    let long_word = "arn:aws:cloudtrail:us-east-2:123456789012:trail/a-trail-with-a-long-name";
    let lines = wrap(&format!("see {long_word} now"), 0, 2, 40);
    assert_eq!(lines, ["see", long_word, "now"]);
    // A span wider than a line breaks at its own spaces rather than run past the width.
    let span = "`a b c d e f g h i j k l m n o p q r s t u v w x y z`";
    let lines = wrap(span, 0, 0, 30);
    assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
    // Short text stays on one line; its own line breaks are kept.
    assert_eq!(wrap("one\ntwo", 4, 4, 80), ["one", "two"]);
}

#[test]
fn step_comments_and_drift_findings_wrap_too() {
    let report: DriftReport = serde_json::from_value(json!({
        "format_version": 1, "specs": ["specs/org-trail.yaml"], "errors": [MESSAGE],
        "findings": [{"rule": "logging-stopped", "severity": "coverage-lost",
            "spec": "specs/org-trail.yaml", "target": "arn:aws:cloudtrail:us-east-2:1:trail/t",
            "message": MESSAGE, "changes": [], "fixed_by_apply": true}]
    }))
    .unwrap();
    let text = drift_text(&report, Style::PLAIN);
    assert!(width(&text) <= 80, "{text}");
    assert!(text.starts_with("error: log bucket"), "{text}");
    assert!(
        text.contains("\ncoverage-lost [logging-stopped] log bucket"),
        "{text}"
    );
    assert!(text.contains("\n  "), "{text}");
    assert!(spans_whole(&text), "{text}");
}

fn policy_finding(i: usize) -> serde_json::Value {
    let statements: Vec<serde_json::Value> = (0..60)
        .map(|n| {
            json!({"Sid": format!("S{i}x{n}"), "Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::bucket-{i}/p{n}/*")})
        })
        .collect();
    let after = serde_json::to_string_pretty(&json!({"Statement": statements})).unwrap();
    json!({"rule": "bucket-policy-drift", "severity": "config-drift", "spec": "specs/t.yaml",
        "target": format!("s3://bucket-{i}"), "message": format!("policy of bucket-{i} differs"),
        "changes": [], "policy_diff": ["", after], "fixed_by_apply": true})
}

fn big_report(findings: usize) -> DriftReport {
    let findings: Vec<serde_json::Value> = (0..findings).map(policy_finding).collect();
    serde_json::from_value(json!({"format_version": 1, "specs": ["specs/t.yaml"],
        "errors": [], "findings": findings}))
    .unwrap()
}

#[test]
fn drift_markdown_over_githubs_comment_limit_is_cut_with_a_note() {
    let r = big_report(12);
    assert!(drift_markdown_within(&r, usize::MAX).len() > MARKDOWN_BUDGET);
    let md = drift_markdown(&r);
    assert!(md.len() <= MARKDOWN_BUDGET, "{}", md.len());
    assert!(md.chars().count() < COMMENT_LIMIT);
    // The table of findings whole, every finding's details header, the note at the end.
    for i in 0..12 {
        assert!(
            md.contains(&format!("| policy of bucket-{i} differs |")),
            "{i}"
        );
        assert!(
            md.contains(&format!("</code>: s3://bucket-{i}</summary>")),
            "{i}"
        );
    }
    assert!(md.contains("_Diff left out"), "{md}");
    assert!(md.contains("> **Drift report truncated.**"), "{md}");
    assert!(
        md.ends_with("`orgtrail drift specs/t.yaml` (or `--format json`).\n"),
        "{md}"
    );
    assert_eq!(
        md.matches("<details").count(),
        md.matches("</details>").count()
    );
    // Cut at a line when not even the headers fit.
    let tiny = drift_markdown_within(&r, 2_000);
    assert!(tiny.len() <= 2_000, "{}", tiny.len());
    assert!(tiny.contains("> **Drift report truncated.**"), "{tiny}");
}

#[test]
fn drift_markdown_under_the_limit_is_whole() {
    let r = big_report(1);
    let md = drift_markdown(&r);
    assert_eq!(md, drift_markdown_within(&r, usize::MAX));
    assert!(
        !md.contains("truncated") && !md.contains("left out"),
        "{md}"
    );
}

#[test]
fn without_a_width_each_diagnostic_stays_on_one_line() {
    let unwrapped = Style {
        width: Style::NO_WRAP,
        ..Style::PLAIN
    };
    let text = plan_text(&plan_with_finding(), unwrapped);
    assert!(
        text.starts_with(&format!(
            "warning[bucket-access-logging-off]: specs/org-trail.yaml: {MESSAGE}\n  fix: {FIX}\n"
        )),
        "{text}"
    );
}

/// A validation diagnostic and its help line wrap like findings: the first line hangs 4
/// columns, the help line under its own text; short lines are left as they are.
#[test]
fn validation_diagnostics_and_cli_errors_wrap_with_their_labels() {
    let text = "bad.yaml:3:9: error: bucket.name: bucket name `My_Bucket` contains `M` and other characters that S3 rejects in a bucket name\n  help: S3 bucket names are lowercase, with `-` instead of `_`: `my-bucket`, and never contain capitals";
    let out = crate::wrap_message(text, 50);
    for l in out.lines() {
        assert!(l.chars().count() <= 50, "{l:?} in\n{out}");
    }
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("bad.yaml:3:9: error:"), "{out}");
    assert!(lines[1].starts_with("    "), "{out}");
    let help = lines
        .iter()
        .position(|l| l.starts_with("  help: "))
        .unwrap();
    assert!(lines[help + 1].starts_with("        "), "{out}");
    assert_eq!(
        crate::wrap_message("short\n  fix: do it", 80),
        "short\n  fix: do it"
    );
}
