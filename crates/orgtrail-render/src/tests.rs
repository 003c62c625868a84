//! Unit tests of the renderers over hand-built plans and reports (the end-to-end snapshots pin
//! whole outputs; these pin each rule).

use std::collections::BTreeMap;

use orgtrail_core::drift::{DriftFinding, DriftReport, DriftSeverity};
use orgtrail_core::{Action, FieldChange, Finding, FindingCode, Plan, Severity, Step, StepKind};
use serde_json::json;

use super::*;

const ARN: &str = "arn:aws:cloudtrail:us-east-2:111111111111:trail/t";

fn step(kind: StepKind, lost: &[&str]) -> Step {
    Step {
        kind,
        target: ARN.into(),
        spec: "specs/t.yaml".into(),
        changes: vec![FieldChange {
            field: "logging".into(),
            before: json!(true),
            after: json!(false),
        }],
        policy_diff: None,
        reason: "the spec sets `logging: false`".into(),
        reduces_coverage: !lost.is_empty(),
        coverage_lost: lost.iter().map(|s| s.to_string()).collect(),
        coverage_restored: Vec::new(),
        billing: Vec::new(),
        action: Action::StopLogging {
            region: "us-east-2".into(),
            trail_arn: ARN.into(),
        },
    }
}

fn plan(steps: Vec<Step>, findings: Vec<Finding>) -> Plan {
    Plan {
        format_version: orgtrail_core::PLAN_FORMAT_VERSION,
        specs: vec!["specs/t.yaml".into()],
        steps,
        findings,
        live_fingerprint: String::new(),
        live_components: BTreeMap::new(),
        spec_hash: String::new(),
        estimates: Vec::new(),
        acknowledged: Vec::new(),
    }
}

const PLAIN: Style = Style::PLAIN;

#[test]
fn reducing_step_is_marked_and_lists_what_it_loses() {
    let text = plan_text(
        &plan(vec![step(StepKind::StopLogging, &["every event"])], vec![]),
        PLAIN,
    );
    assert!(text.contains(" 1. ! stop-logging  arn:"), "{text}");
    assert!(text.contains("--allow-coverage-reduction"), "{text}");
    assert!(text.contains("#   loses: every event"), "{text}");
    assert!(text.contains("logging: true → false"), "{text}");
    assert!(
        text.contains("Plan: 0 to add, 1 to change, 1 reducing coverage."),
        "{text}"
    );
}

#[test]
fn symbols_say_create_change_or_reduce() {
    let cases = [
        (step(StepKind::CreateTrail, &[]), "+"),
        (step(StepKind::StartLogging, &[]), "~"),
        (step(StepKind::StopLogging, &["x"]), "!"),
    ];
    for (s, sym) in cases {
        assert_eq!(symbol(&s), sym, "{:?}", s.kind);
    }
}

#[test]
fn an_empty_plan_says_no_changes_unless_it_has_errors() {
    let ok = plan_text(&plan(vec![], vec![]), PLAIN);
    assert!(
        ok.starts_with("No changes. Live state matches specs/t.yaml."),
        "{ok}"
    );
    let error = Finding {
        severity: Severity::Error,
        code: orgtrail_core::FindingCode::BucketMissing,
        spec: "specs/t.yaml".into(),
        message: "bucket `b` does not exist".into(),
        fix: "create it".into(),
    };
    let bad = plan_text(&plan(vec![], vec![error]), PLAIN);
    assert!(
        bad.contains("error[bucket-missing]: specs/t.yaml: bucket `b` does not exist"),
        "{bad}"
    );
    assert!(bad.contains("  fix: create it"), "{bad}");
    assert!(!bad.contains("No changes"), "{bad}");
}

#[test]
fn colour_only_when_the_style_asks_for_it() {
    let p = plan(vec![step(StepKind::StopLogging, &["x"])], vec![]);
    assert!(!plan_text(&p, PLAIN).contains('\x1b'));
    assert!(
        plan_text(
            &p,
            Style {
                color: true,
                ..PLAIN
            }
        )
        .contains("\x1b[31m")
    );
}

#[test]
fn markdown_has_a_row_per_step_escapes_pipes_and_names_losses() {
    let mut s = step(StepKind::StopLogging, &["events | all of them"]);
    s.reason = "a | b".into();
    let md = plan_markdown(&plan(vec![s], vec![]));
    assert!(md.contains("| 1 | `! stop-logging` | `arn:"), "{md}");
    assert!(md.contains("| **yes** |"), "{md}");
    assert!(md.contains("**loses** events \\| all of them"), "{md}");
    assert!(md.contains("- logging: true\n+ logging: false"), "{md}");
}

#[test]
fn long_step_bodies_are_collapsed_in_markdown() {
    let mut s = step(StepKind::PutBucketPolicy, &[]);
    let long: String = (0..20).map(|i| format!("line {i}\n")).collect();
    s.policy_diff = Some((String::new(), long));
    let md = plan_markdown(&plan(vec![s, step(StepKind::StartLogging, &[])], vec![]));
    assert!(
        md.contains("<details><summary>1. put-bucket-policy"),
        "{md}"
    );
    assert!(
        md.contains("<details open><summary>2. start-logging"),
        "{md}"
    );
}

fn finding(severity: DriftSeverity) -> DriftFinding {
    DriftFinding {
        rule: orgtrail_core::drift::DriftRule::LoggingStopped,
        severity,
        spec: "specs/t.yaml".into(),
        target: ARN.into(),
        message: "trail is not logging".into(),
        changes: Vec::new(),
        policy_diff: None,
        fixed_by_apply: true,
        apply_flags: Vec::new(),
    }
}

fn report(findings: Vec<DriftFinding>) -> DriftReport {
    DriftReport {
        format_version: 1,
        specs: vec!["specs/t.yaml".into()],
        findings,
        errors: Vec::new(),
    }
}

#[test]
fn drift_text_counts_findings_that_lose_coverage() {
    let r = report(vec![
        finding(DriftSeverity::CoverageLost),
        finding(DriftSeverity::ConfigDrift),
        finding(DriftSeverity::Warning),
    ]);
    let text = drift_text(&r, PLAIN);
    assert!(
        text.contains("coverage-lost [logging-stopped] trail is not logging"),
        "{text}"
    );
    assert!(
        text.contains("Drift: 2 finding(s), 1 losing audit coverage."),
        "{text}"
    );
    let quiet = drift_text(&report(vec![finding(DriftSeverity::Warning)]), PLAIN);
    assert!(
        quiet.contains("In sync: live state matches specs/t.yaml."),
        "{quiet}"
    );
}

#[test]
fn sarif_levels_follow_drift_severity() {
    let r = report(vec![
        finding(DriftSeverity::CoverageLost),
        finding(DriftSeverity::ConfigDrift),
        finding(DriftSeverity::Warning),
    ]);
    let v: serde_json::Value = serde_json::from_str(&drift_sarif(&r, "0.0.0")).unwrap();
    let levels: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["error", "warning", "note"]);
}

/// A drift fix apply refuses without a flag says so, flag included, in text, markdown and SARIF.
#[test]
fn a_drift_fix_that_needs_a_flag_names_it() {
    let mut f = finding(DriftSeverity::CoverageLost);
    f.apply_flags = vec!["--allow-coverage-reduction".into()];
    let r = report(vec![f]);
    let text = drift_text(&r, Style::PLAIN);
    assert!(
        text.contains("`orgtrail apply --allow-coverage-reduction` would fix it (apply refuses this change without that flag)."),
        "{text}"
    );
    assert!(drift_markdown(&r).contains("yes, with `--allow-coverage-reduction`"));
    assert!(drift_sarif(&r, "0").contains("orgtrail apply --allow-coverage-reduction"));
    let plain = report(vec![finding(DriftSeverity::CoverageLost)]);
    assert!(drift_text(&plain, Style::PLAIN).contains("`orgtrail apply` would fix it."));
}

/// A plan with an error looks invalid: the steps are announced as not applicable yet and the
/// summary says apply refuses to run it, in text and markdown.
#[test]
fn a_plan_with_an_error_looks_invalid() {
    let error = Finding {
        severity: Severity::Error,
        code: FindingCode::BucketNotOwned,
        spec: "specs/t.yaml".into(),
        message: "S3 refused to read bucket `b`".into(),
        fix: "set `bucket.account` and `bucket.role_arn`".into(),
    };
    let p = plan(vec![step(StepKind::CreateTrail, &[])], vec![error]);
    let text = plan_text(&p, Style::PLAIN);
    assert!(
        text.contains("Not applicable until the errors above are fixed"),
        "{text}"
    );
    assert!(
        text.contains(
            "Invalid plan: 1 error(s) above; apply refuses to run it. Once they are fixed: 1 to add"
        ),
        "{text}"
    );
    assert!(!text.contains("\nPlan: "), "{text}");
    let md = plan_markdown(&p);
    assert!(md.contains("**Invalid plan: 1 error(s) above"), "{md}");
}
