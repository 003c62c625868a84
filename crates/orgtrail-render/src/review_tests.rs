//! What a reviewer reads in a PR: structured field changes as short YAML-style diffs (snapshots
//! of the text and markdown), drift's live / spec labels, the bucket policy diff of a merge that
//! keeps a foreign statement, and markdown that fits a GitHub comment.

use std::collections::BTreeMap;

use orgtrail_core::drift::{DriftFinding, DriftReport, DriftSeverity};
use orgtrail_core::policy::{self, TrailRef};
use orgtrail_core::{Action, FieldChange, Plan, Selectors, Step, StepKind};
use serde_json::{Value, json};

use super::*;

const ARN: &str = "arn:aws:cloudtrail:us-east-2:123456789012:trail/my-trail";
const PLAIN: Style = Style::PLAIN;

/// Selectors as the plan carries them: parsed into the core type (so every default member is
/// there, as in a real plan) and serialised back.
fn selectors(v: Value) -> Value {
    let parsed: Selectors = serde_json::from_value(v).unwrap();
    serde_json::to_value(parsed).unwrap()
}

fn s3_data_events(buckets: &[&str]) -> Value {
    selectors(json!({"advanced": [
        {"name": "Management events", "field_selectors": [
            {"field": "eventCategory", "equals": ["Management"]}]},
        {"name": "S3 writes", "field_selectors": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
            {"field": "readOnly", "equals": ["false"]},
            {"field": "resources.ARN", "starts_with": buckets}]}
    ]}))
}

fn aws_default() -> Value {
    serde_json::to_value(Selectors::aws_default()).unwrap()
}

fn change(field: &str, before: Value, after: Value) -> FieldChange {
    FieldChange {
        field: field.into(),
        before,
        after,
    }
}

fn step(kind: StepKind, changes: Vec<FieldChange>) -> Step {
    Step {
        kind,
        target: ARN.into(),
        spec: "specs/org-trail.yaml".into(),
        changes,
        policy_diff: None,
        reason: "event selectors differ from the spec".into(),
        reduces_coverage: false,
        coverage_lost: Vec::new(),
        coverage_restored: Vec::new(),
        billing: Vec::new(),
        action: Action::StartLogging {
            region: "us-east-2".into(),
            trail_arn: ARN.into(),
        },
    }
}

fn plan(steps: Vec<Step>) -> Plan {
    Plan {
        format_version: orgtrail_core::PLAN_FORMAT_VERSION,
        specs: vec!["specs/org-trail.yaml".into()],
        steps,
        findings: Vec::new(),
        live_fingerprint: String::new(),
        live_components: BTreeMap::new(),
        spec_hash: String::new(),
        estimates: Vec::new(),
        acknowledged: Vec::new(),
    }
}

/// One more bucket in an advanced selector's `starts_with`.
fn selector_step() -> Step {
    let before = s3_data_events(&["arn:aws:s3:::app-a/"]);
    let after = s3_data_events(&["arn:aws:s3:::app-a/", "arn:aws:s3:::app-b/"]);
    step(
        StepKind::PutEventSelectors,
        vec![change("event_selectors", before, after)],
    )
}

#[test]
fn a_selector_change_is_a_short_diff_of_what_differs_in_text() {
    let text = plan_text(&plan(vec![selector_step()]), PLAIN);
    insta::assert_snapshot!("selector_change_text", text);
    // Only the changed condition, with the names that locate it; no empty members.
    assert!(
        !text.contains("not_equals") && !text.contains("[]"),
        "{text}"
    );
    assert!(!text.contains("Management events"), "{text}");
    assert!(text.lines().count() <= 12, "{text}");
}

#[test]
fn a_selector_change_is_a_short_diff_of_what_differs_in_markdown() {
    let md = plan_markdown(&plan(vec![selector_step()]));
    insta::assert_snapshot!("selector_change_markdown", md);
    assert!(md.contains("<details open>"), "{md}");
}

#[test]
fn switching_from_basic_to_advanced_selectors_drops_default_members() {
    let after = s3_data_events(&["arn:aws:s3:::app-a/"]);
    let text = plan_text(
        &plan(vec![step(
            StepKind::PutEventSelectors,
            vec![change("event_selectors", aws_default(), after)],
        )]),
        PLAIN,
    );
    insta::assert_snapshot!("basic_to_advanced_text", text);
    assert!(!text.contains("exclude_management_event_sources"), "{text}");
    assert!(text.contains("-   basic:"), "{text}");
    assert!(text.contains("+   advanced:"), "{text}");
}

#[test]
fn a_basic_selector_gaining_a_data_resource_shows_only_that_resource() {
    let after = selectors(json!({"basic": [{"data_resources": [
        {"type": "AWS::S3::Object", "values": ["arn:aws:s3:::app-a/"]}]}]}));
    let lines = change_lines(
        &[change("event_selectors", aws_default(), after)],
        fields::Sides::Plan,
        PLAIN,
    );
    assert_eq!(
        lines,
        [
            "event_selectors:  # - live, + planned",
            "    basic:",
            "~     -",
            "+       data_resources:",
            "+         - type: AWS::S3::Object",
            "+           values: [arn:aws:s3:::app-a/]",
        ],
        "{lines:#?}"
    );
}

#[test]
fn tags_cloudwatch_and_insights_read_as_yaml() {
    let changes = vec![
        change("tags.env", json!("prod"), json!("production")),
        change("tags.team", Value::Null, json!("secops")),
        change(
            "cloudwatch_logs",
            json!({"log_group_arn": "arn:aws:logs:us-east-2:123456789012:log-group:a:*", "role_arn": "arn:aws:iam::123456789012:role/ct"}),
            json!({"log_group_arn": "arn:aws:logs:us-east-2:123456789012:log-group:b:*", "role_arn": "arn:aws:iam::123456789012:role/ct"}),
        ),
        change(
            "insight_selectors",
            json!([]),
            json!(["ApiCallRateInsight"]),
        ),
    ];
    let lines = change_lines(&changes, fields::Sides::Plan, PLAIN);
    assert_eq!(
        lines,
        [
            "tags:  # - live, + planned",
            "-   env: prod",
            "+   env: production",
            "+   team: secops",
            "cloudwatch_logs:  # - live, + planned",
            "-   log_group_arn: arn:aws:logs:us-east-2:123456789012:log-group:a:*",
            "+   log_group_arn: arn:aws:logs:us-east-2:123456789012:log-group:b:*",
            "insight_selectors: [] → [ApiCallRateInsight]",
        ],
        "{lines:#?}"
    );
}

#[test]
fn strings_that_yaml_would_misread_are_quoted() {
    let lines = change_lines(
        &[change(
            "tags",
            json!({}),
            json!({"a": "true", "b": "- x", "c": "12", "d": "k: v", "e": ""}),
        )],
        fields::Sides::Plan,
        PLAIN,
    );
    assert_eq!(
        &lines[1..],
        [
            "+   a: \"true\"",
            "+   b: \"- x\"",
            "+   c: \"12\"",
            "+   d: \"k: v\"",
            "+   e: \"\""
        ],
        "{lines:#?}"
    );
}

fn drift_report(changes: Vec<FieldChange>) -> DriftReport {
    DriftReport {
        format_version: 1,
        specs: vec!["specs/org-trail.yaml".into()],
        findings: vec![DriftFinding {
            rule: orgtrail_core::drift::DriftRule::LoggingStopped,
            severity: DriftSeverity::CoverageLost,
            spec: "specs/org-trail.yaml".into(),
            target: ARN.into(),
            message: "trail `my-trail` is not logging".into(),
            changes,
            policy_diff: None,
            fixed_by_apply: true,
            apply_flags: Vec::new(),
        }],
        errors: Vec::new(),
    }
}

#[test]
fn drift_labels_its_two_sides_live_and_spec() {
    let r = drift_report(vec![change("logging", json!(false), json!(true))]);
    let text = drift_text(&r, PLAIN);
    assert!(text.contains("logging — live: false, spec: true"), "{text}");
    assert!(!text.contains('→'), "{text}");
    let md = drift_markdown(&r);
    assert!(
        md.contains("```diff\n# - live, + spec\n- logging: false\n+ logging: true\n```"),
        "{md}"
    );
    let sel = drift_report(vec![selector_step().changes.remove(0)]);
    assert!(
        drift_text(&sel, PLAIN).contains("event_selectors:  # - live, + spec"),
        "{}",
        drift_text(&sel, PLAIN)
    );
}

#[test]
fn the_policy_diff_of_a_merge_shows_only_what_changes_around_a_foreign_statement() {
    let foreign = json!({
        "Sid": "AuditorsRead",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::999988887777:role/auditor"},
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"]
    });
    // Our trail's write grant as an older tool wrote it: narrower than orgtrail's (it also
    // demands TLS), so the merge replaces it, in its slot.
    let old_write = json!({
        "Sid": "AWSCloudTrailWrite",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::my-bucket/AWSLogs/123456789012/*",
        "Condition": {
            "StringEquals": {"aws:SourceArn": ARN, "s3:x-amz-acl": "bucket-owner-full-control"},
            "Bool": {"aws:SecureTransport": "true"}
        }
    });
    let other = json!({
        "Sid": "DenyDeleteLogs",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObject",
        "Resource": "arn:aws:s3:::my-bucket/*"
    });
    let live =
        json!({"Version": "2012-10-17", "Statement": [foreign, old_write, other]}).to_string();
    let trail = TrailRef {
        partition: "aws".into(),
        home_region: "us-east-2".into(),
        account: "123456789012".into(),
        trail_name: "my-trail".into(),
        org_id: "o-example".into(),
        bucket: "my-bucket".into(),
        prefix: None,
    };
    let merged = policy::merge("my-bucket", Some(&live), &[trail], &[]).unwrap();
    let new = merged.new_policy.expect("a change");
    let diff = unified_diff(
        &policy::canonical_text(&live),
        &policy::canonical_pretty(&new),
    );
    insta::assert_snapshot!("policy_diff_foreign_first", diff);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with(['+', '-']) && !l.starts_with("---") && !l.starts_with("+++"))
        .collect();
    // Removed: only the replaced statement's TLS condition and Sid; the auditor's and the Deny
    // statement are neither removed nor re-added.
    let removed: Vec<&str> = changed
        .iter()
        .copied()
        .filter(|l| l.starts_with('-'))
        .collect();
    assert!(
        removed.iter().all(|l| l.contains("Bool")
            || l.contains("SecureTransport")
            || l.contains("AWSCloudTrailWrite")
            || l.trim_start_matches('-').trim() == "},"
            || l.trim_start_matches('-').trim() == "}"),
        "{diff}"
    );
    assert!(!removed.is_empty(), "{diff}");
    for foreign_part in ["auditor", "GetObject", "DenyDeleteLogs", "DeleteObject"] {
        assert!(
            !changed.iter().any(|l| l.contains(foreign_part)),
            "{foreign_part}: {diff}"
        );
    }
}

fn big_policy_step(i: usize) -> Step {
    let mut s = step(StepKind::PutBucketPolicy, Vec::new());
    s.target = format!("s3://bucket-{i}");
    let after: String = (0..400)
        .map(|n| format!("  \"line {n} of a long policy for bucket {i}\",\n"))
        .collect();
    s.policy_diff = Some((String::new(), after));
    s
}

#[test]
fn markdown_over_githubs_comment_limit_keeps_every_step_header_and_says_how_to_see_all() {
    let mut steps: Vec<Step> = (0..8).map(big_policy_step).collect();
    steps.push(step(
        StepKind::StartLogging,
        vec![change("logging", json!(false), json!(true))],
    ));
    let p = plan(steps);
    let md = plan_markdown(&p);
    assert!(md.len() <= MARKDOWN_BUDGET, "{}", md.len());
    assert!(md.chars().count() < COMMENT_LIMIT);
    for i in 0..8 {
        assert!(md.contains(&format!("| `~ put-bucket-policy` | `s3://bucket-{i}` |")));
        assert!(md.contains(&format!(
            "{}. put-bucket-policy <code>s3://bucket-{i}</code>",
            i + 1
        )));
    }
    // The short step after the long ones still shows its diff.
    assert!(md.contains("9. start-logging"), "{md}");
    assert!(md.contains("- logging: false\n+ logging: true"));
    assert!(md.contains("_Diff left out"), "{md}");
    assert!(md.contains("> **Plan truncated.**"), "{md}");
    assert!(md.contains("`orgtrail plan specs/org-trail.yaml`"), "{md}");
    // Every <details> is closed.
    assert_eq!(
        md.matches("<details").count(),
        md.matches("</details>").count()
    );
}

#[test]
fn markdown_under_the_limit_is_not_truncated() {
    let p = plan(vec![big_policy_step(0)]);
    let md = plan_markdown(&p);
    assert!(
        !md.contains("truncated") && !md.contains("left out"),
        "{md}"
    );
    assert_eq!(md, plan_markdown_within(&p, usize::MAX));
}

#[test]
fn markdown_whose_headers_alone_are_too_long_is_cut_at_a_line_within_the_budget() {
    let steps: Vec<Step> = (0..40).map(big_policy_step).collect();
    let p = plan(steps);
    let md = plan_markdown_within(&p, 3_000);
    assert!(md.len() <= 3_000, "{}", md.len());
    assert!(md.contains("| 1 | `~ put-bucket-policy`"), "{md}");
    assert!(md.ends_with("`--format json --out plan.json`).\n"), "{md}");
}
