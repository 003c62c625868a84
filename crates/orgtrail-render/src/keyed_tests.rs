//! List diffs keyed by name, as a reviewer reads them: advanced selectors by `name`, field
//! selectors by `field`, basic selectors by content, tags by key, policy statements by `Sid`,
//! insight selectors by `type`, delegated administrators by account. Each item is added (`+`),
//! removed (`-`) or changed (`~`, with only its changed members); a list only reordered shows
//! nothing.

use orgtrail_core::{FieldChange, Selectors};
use serde_json::{Value, json};

use super::*;
use crate::fields::Sides;
use crate::statements::statements;

const PLAIN: Style = Style::PLAIN;

fn change(field: &str, before: Value, after: Value) -> FieldChange {
    FieldChange {
        field: field.into(),
        before,
        after,
    }
}

/// The lines of one change in a plan (live → planned).
fn lines(field: &str, before: Value, after: Value) -> Vec<String> {
    change_lines(&[change(field, before, after)], Sides::Plan, PLAIN)
}

/// Advanced selectors as the plan carries them (every default member present).
fn advanced(list: Value) -> Value {
    let parsed: Selectors = serde_json::from_value(json!({ "advanced": list })).unwrap();
    serde_json::to_value(parsed).unwrap()
}

fn basic(list: Value) -> Value {
    let parsed: Selectors = serde_json::from_value(json!({ "basic": list })).unwrap();
    serde_json::to_value(parsed).unwrap()
}

fn mgmt(read_only: bool) -> Value {
    let mut fields = vec![json!({"field": "eventCategory", "equals": ["Management"]})];
    if read_only {
        fields.push(json!({"field": "readOnly", "equals": ["true"]}));
    }
    json!({"name": "mgmt", "field_selectors": fields})
}

fn lambda() -> Value {
    json!({"name": "lambda", "field_selectors": [
        {"field": "eventCategory", "equals": ["Data"]},
        {"field": "resources.type", "equals": ["AWS::Lambda::Function"]}]})
}

#[test]
fn a_selector_added_before_another_is_added_and_the_other_changed_not_renamed() {
    let shown = lines(
        "event_selectors",
        advanced(json!([mgmt(false)])),
        advanced(json!([lambda(), mgmt(true)])),
    );
    assert_eq!(
        shown,
        [
            "event_selectors:  # - live, + planned",
            "    advanced:",
            "+     - name: lambda",
            "+       field_selectors:",
            "+         - field: eventCategory",
            "+           equals: [Data]",
            "+         - field: resources.type",
            "+           equals: [AWS::Lambda::Function]",
            "~     - name: mgmt",
            "        field_selectors:",
            "+         - field: readOnly",
            "+           equals: [\"true\"]",
        ],
        "{shown:#?}"
    );
}

#[test]
fn a_removed_selector_is_removed_whole_and_the_others_are_not_shown() {
    let shown = lines(
        "event_selectors",
        advanced(json!([lambda(), mgmt(false)])),
        advanced(json!([mgmt(false)])),
    );
    assert_eq!(shown[2], "-     - name: lambda", "{shown:#?}");
    assert!(shown[3..].iter().all(|l| l.starts_with('-')), "{shown:#?}");
    assert!(!shown.iter().any(|l| l.contains("mgmt")), "{shown:#?}");
}

#[test]
fn a_changed_field_selector_shows_only_its_changed_condition() {
    let before = json!([{"name": "s3", "field_selectors": [
        {"field": "eventCategory", "equals": ["Data"]},
        {"field": "resources.ARN", "starts_with": ["arn:aws:s3:::a/"]}]}]);
    let after = json!([{"name": "s3", "field_selectors": [
        {"field": "resources.ARN", "starts_with": ["arn:aws:s3:::b/"]},
        {"field": "eventCategory", "equals": ["Data"]}]}]);
    let shown = lines("event_selectors", advanced(before), advanced(after));
    assert_eq!(
        &shown[1..],
        [
            "    advanced:",
            "~     - name: s3",
            "        field_selectors:",
            "~         - field: resources.ARN",
            "-           starts_with: [arn:aws:s3:::a/]",
            "+           starts_with: [arn:aws:s3:::b/]",
        ],
        "{shown:#?}"
    );
}

#[test]
fn reordered_selectors_and_conditions_show_no_diff() {
    let before = advanced(json!([lambda(), mgmt(true)]));
    let mut reversed = mgmt(true);
    reversed["field_selectors"]
        .as_array_mut()
        .unwrap()
        .reverse();
    let after = advanced(json!([reversed, lambda()]));
    assert!(lines("event_selectors", before, after).is_empty());
}

#[test]
fn unnamed_selectors_are_matched_by_content() {
    let data = json!({"field_selectors": [{"field": "eventCategory", "equals": ["Data"]}]});
    let net =
        json!({"field_selectors": [{"field": "eventCategory", "equals": ["NetworkActivity"]}]});
    let unnamed_mgmt =
        json!({"field_selectors": [{"field": "eventCategory", "equals": ["Management"]}]});
    let reordered = lines(
        "event_selectors",
        advanced(json!([data, unnamed_mgmt])),
        advanced(json!([unnamed_mgmt, data])),
    );
    assert!(reordered.is_empty(), "{reordered:#?}");
    let shown = lines(
        "event_selectors",
        advanced(json!([data, unnamed_mgmt])),
        advanced(json!([unnamed_mgmt, net])),
    );
    // No member in common: one removed, one added; the equal one not shown.
    assert_eq!(shown[2], "-     - field_selectors:", "{shown:#?}");
    assert!(
        shown.iter().any(|l| l.contains("[NetworkActivity]")),
        "{shown:#?}"
    );
    assert!(
        !shown.iter().any(|l| l.contains("[Management]")),
        "{shown:#?}"
    );
}

#[test]
fn basic_selectors_are_matched_by_content_and_a_changed_one_shows_its_changes() {
    let read_all = json!({"read_write_type": "All"});
    let write_only = json!({"read_write_type": "WriteOnly", "include_management_events": false});
    assert!(
        lines(
            "event_selectors",
            basic(json!([read_all, write_only])),
            basic(json!([write_only, read_all]))
        )
        .is_empty()
    );
    let s3 = json!({"read_write_type": "All", "data_resources": [
        {"type": "AWS::S3::Object", "values": ["arn:aws:s3:::a/"]}]});
    let shown = lines(
        "event_selectors",
        basic(json!([write_only, read_all])),
        basic(json!([s3])),
    );
    assert_eq!(
        &shown[1..],
        [
            "    basic:",
            "-     - read_write_type: WriteOnly",
            "-       include_management_events: false",
            "~     -",
            "+       data_resources:",
            "+         - type: AWS::S3::Object",
            "+           values: [arn:aws:s3:::a/]",
        ],
        "{shown:#?}"
    );
}

#[test]
fn tags_are_keyed_added_removed_changed_and_reordered_maps_show_nothing() {
    let shown = change_lines(
        &[
            change("tags.env", json!("prod"), json!("production")),
            change("tags.old", json!("x"), Value::Null),
            change("tags.team", Value::Null, json!("secops")),
        ],
        Sides::Plan,
        PLAIN,
    );
    assert_eq!(
        shown,
        [
            "tags:  # - live, + planned",
            "-   env: prod",
            "+   env: production",
            "-   old: x",
            "+   team: secops",
        ],
        "{shown:#?}"
    );
    let reordered = lines(
        "tags",
        json!({"a": "1", "b": "2"}),
        json!({"b": "2", "a": "1"}),
    );
    assert!(reordered.is_empty(), "{reordered:#?}");
}

fn insight(kind: &str, categories: &[&str]) -> Value {
    json!({"type": kind, "event_categories": categories})
}

#[test]
fn insight_selectors_are_keyed_by_type() {
    let calls = insight("ApiCallRateInsight", &["Management"]);
    let errors = insight("ApiErrorRateInsight", &["Management"]);
    let shown = lines(
        "insight_selectors",
        json!([calls, errors]),
        json!([insight("ApiErrorRateInsight", &["Management", "Data"])]),
    );
    assert_eq!(
        shown,
        [
            "insight_selectors:  # - live, + planned",
            "-   - type: ApiCallRateInsight",
            "-     event_categories: [Management]",
            "~   - type: ApiErrorRateInsight",
            "-     event_categories: [Management]",
            "+     event_categories: [Management, Data]",
        ],
        "{shown:#?}"
    );
    let added = lines("insight_selectors", json!([]), json!([calls]));
    assert_eq!(added[1], "+   - type: ApiCallRateInsight", "{added:#?}");
    assert!(
        lines(
            "insight_selectors",
            json!([calls, errors]),
            json!([errors, calls])
        )
        .is_empty()
    );
}

#[test]
fn delegated_administrators_are_items_added_or_removed_by_account() {
    let shown = change_lines(
        &[
            change(
                "delegated_administrators[111111111111]",
                json!(false),
                json!(true),
            ),
            change(
                "delegated_administrators[222222222222]",
                json!(true),
                json!(false),
            ),
        ],
        Sides::Drift,
        PLAIN,
    );
    assert_eq!(
        shown,
        [
            "delegated_administrators:  # - live, + spec",
            "-   - \"222222222222\"",
            "+   - \"111111111111\"",
        ],
        "{shown:#?}"
    );
    // The account's step alone: one item added, never `[] → [...]` (the live list is longer).
    let one = lines(
        "delegated_administrators[333333333333]",
        json!(false),
        json!(true),
    );
    assert_eq!(one[1], "+   - \"333333333333\"", "{one:#?}");
}

fn policy(statements: &[Value]) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn write_grant(sid: &str, path: &str) -> Value {
    json!({"Sid": sid, "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::b/{path}"),
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}})
}

fn statement_lines(before: &str, after: &str) -> Vec<String> {
    match statements(before, after, Sides::Plan) {
        Some(fields::Shown::Block { header, lines }) => std::iter::once(header)
            .chain(lines.iter().map(|l| format!("{} {}", l.mark, l.text)))
            .collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn policy_statements_are_keyed_by_sid_added_removed_and_changed() {
    let deny = json!({"Sid": "DenyDelete", "Effect": "Deny", "Principal": "*",
        "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"], "Resource": "arn:aws:s3:::b/*"});
    let mut narrowed = write_grant("Write", "AWSLogs/1/*");
    narrowed["Condition"]["StringEquals"]["aws:SourceArn"] = json!("arn:aws:cloudtrail:x");
    let before = policy(&[
        write_grant("Old", "AWSLogs/o/*"),
        write_grant("Write", "AWSLogs/1/*"),
    ]);
    let after = policy(&[deny, narrowed]);
    assert_eq!(
        statement_lines(&before, &after),
        [
            "policy statements:  # - live, + planned",
            "-   - Sid: Old  # Allow s3:PutObject on arn:aws:s3:::b/AWSLogs/o/*",
            "+   - Sid: DenyDelete  # Deny s3:DeleteObject, s3:DeleteObjectVersion on arn:aws:s3:::b/*",
            "~   - Sid: Write",
            "      Condition:",
            "        StringEquals:",
            "+         aws:SourceArn: arn:aws:cloudtrail:x",
        ]
    );
}

#[test]
fn policy_statements_only_reordered_show_nothing_and_no_policy_is_every_statement_added() {
    let (a, b) = (write_grant("A", "x/*"), write_grant("B", "y/*"));
    assert_eq!(
        statements(
            &policy(&[a.clone(), b.clone()]),
            &policy(&[b.clone(), a.clone()]),
            Sides::Plan
        ),
        None
    );
    let added = statement_lines("", &policy(&[a, b]));
    assert_eq!(added.len(), 3, "{added:#?}");
    assert!(added[1].starts_with("+   - Sid: A  # Allow"), "{added:#?}");
    // Text that is no policy document is left to the unified diff.
    assert_eq!(statements("not json", &policy(&[]), Sides::Plan), None);
}

#[test]
fn the_plan_text_shows_statements_above_the_json_diff() {
    // Built from its JSON (every member core adds later has a default).
    let step = json!({
        "kind": "put-bucket-policy", "target": "s3://b", "spec": "specs/t.yaml",
        "changes": [], "reason": "the policy differs", "reduces_coverage": false,
        "policy_diff": [policy(&[write_grant("Old", "o/*")]), policy(&[write_grant("New", "o/*")])],
        "action": {"call": "put_bucket_policy", "policy": "{}",
            "bucket": {"name": "b", "region": "us-east-2", "owner": "123456789012"}}
    });
    let p: orgtrail_core::Plan = serde_json::from_value(json!({
        "format_version": orgtrail_core::PLAN_FORMAT_VERSION, "specs": ["specs/t.yaml"],
        "steps": [step], "findings": [], "live_fingerprint": "", "live_components": {},
        "spec_hash": ""
    }))
    .unwrap();
    let text = plan_text(&p, PLAIN);
    let statements_at = text.find("policy statements:").expect(&text);
    assert!(
        statements_at < text.find("+++ planned").expect(&text),
        "{text}"
    );
    assert!(text.contains("-   - Sid: Old"), "{text}");
    let md = plan_markdown(&p);
    assert!(md.contains("+   - Sid: New"), "{md}");
}

/// The AWS guide's policy repeats a Sid: the statements sharing it are matched by content,
/// every other statement keeps its Sid, and nothing reads as renamed.
#[test]
fn statements_sharing_a_sid_are_matched_by_content_and_the_others_by_sid() {
    let w = |r: &str| json!({"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow", "Action": "s3:PutObject", "Resource": r});
    let acl =
        json!({"Sid": "Acl", "Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": "b"});
    let live = vec![acl.clone(), w("b/AWSLogs/1/*"), w("b/AWSLogs/o/*")];
    let planned = vec![w("b/AWSLogs/o/*"), acl, w("b/AWSLogs/1/*")];
    assert!(
        crate::keyed::pairs(&live, &planned).is_empty(),
        "reordered only"
    );
    let changed = vec![
        json!({"Sid": "Acl", "Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": "c"}),
        w("b/AWSLogs/1/*"),
        w("b/AWSLogs/o/*"),
    ];
    let pairs = crate::keyed::pairs(&live, &changed);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert!(
        matches!(pairs[0], crate::keyed::Pair::Changed(..)),
        "{pairs:?}"
    );
}
