//! The billing effect of a trail change as a reviewer reads it (issue 21, "Cost is invisible"):
//! plans computed by `orgtrail_core::diff` from hand-built live states, rendered as text and
//! markdown. Only the trail's steps and the finding about a second copy are kept: the bucket
//! steps and CIS warnings of these live states are not what the snapshots are about, and the
//! field diffs are left out (their rendering has tests of its own), so each snapshot pins the
//! `# billing:` lines and the monthly estimate.

use orgtrail_core::{FindingCode, LiveState, Plan, Selectors, SpecInput, diff};
use orgtrail_spec::{Spec, parse_bytes};
use serde_json::{Value, json};

use super::*;

const MGMT: &str = "111111111111";

fn spec(trail_extra: &str) -> Spec {
    let yaml = format!(
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n{trail_extra}"
    );
    parse_bytes("specs/org-trail.yaml", yaml.as_bytes()).unwrap()
}

/// `my-trail` as the default spec makes it, logging.
fn live_trail() -> Value {
    json!({
        "arn": format!("arn:aws:cloudtrail:us-east-2:{MGMT}:trail/my-trail"),
        "home_region": "us-east-2", "name": "my-trail", "s3_bucket": "my-bucket",
        "s3_key_prefix": null, "organization": true, "multi_region": true,
        "include_global_service_events": true, "log_file_validation": true,
        "kms_key_id": null, "sns_topic": null, "cloudwatch_logs": null, "tags": {},
        "logging": true, "selectors": Selectors::aws_default(), "insights": []
    })
}

/// Another trail of the management account, homed in us-east-1, in every region.
fn other(name: &str, organization: bool) -> Value {
    json!({
        "arn": format!("arn:aws:cloudtrail:us-east-1:{MGMT}:trail/{name}"), "name": name,
        "home_region": "us-east-1", "account": MGMT, "s3_bucket": "other-bucket",
        "organization": organization, "multi_region": true
    })
}

fn live(trail: Option<Value>, others: &[Value]) -> LiveState {
    serde_json::from_value(json!({
        "caller": {"account": MGMT, "arn": format!("arn:aws:iam::{MGMT}:role/ci"), "partition": "aws"},
        "organization": {"id": "o-exampleorgid", "all_features": true, "management_account": MGMT,
                         "trusted_access": true, "delegated_admins": []},
        "trails": [{
            "bucket": {"name": "my-bucket", "exists": true, "region": "us-east-2", "policy": null},
            "trail": trail, "other_trails": others, "kms": null
        }]
    }))
    .unwrap()
}

fn plan(spec: &Spec, live: &LiveState) -> Plan {
    let input = SpecInput {
        path: "specs/org-trail.yaml".into(),
        source: b"",
        spec,
    };
    let mut p = diff(&[input], live);
    p.steps.retain(|s| s.target.contains(":trail/"));
    for s in &mut p.steps {
        s.changes.clear();
    }
    p.findings
        .retain(|f| f.code == FindingCode::DuplicateManagementEvents);
    p
}

fn rendered(p: &Plan) -> String {
    format!(
        "{}\n---- markdown ----\n{}",
        plan_text(p, Style::PLAIN),
        plan_markdown(p)
    )
}

const MGMT_AND_S3: &str = "  advanced_event_selectors:\n    - name: mgmt\n      field_selectors:\n        - {field: eventCategory, equals: [Management]}\n    - name: s3\n      field_selectors:\n        - {field: eventCategory, equals: [Data]}\n        - {field: resources.type, equals: [AWS::S3::Object]}\n        - {field: resources.ARN, starts_with: [\"arn:aws:s3:::app-data/\"]}\n";

#[test]
fn adding_a_data_event_selector_shows_data_events_becoming_billable() {
    let want = spec(&format!(
        "{MGMT_AND_S3}  expected_events_per_month: {{management: 5000000, data: 20000000}}\n"
    ));
    let p = plan(&want, &live(Some(live_trail()), &[]));
    insta::assert_snapshot!("billing_data_selector_added", rendered(&p));
}

#[test]
fn a_second_multi_region_trail_beside_an_organization_trail_shows_a_paid_copy() {
    let want = spec("  organization: false\n");
    let p = plan(&want, &live(None, &[other("org-trail", true)]));
    insta::assert_snapshot!("billing_second_trail_beside_org_trail", rendered(&p));
}

#[test]
fn removing_a_paid_duplicate_shows_its_bill_ending() {
    let want = spec(concat!(
        "  advanced_event_selectors:\n    - name: s3\n      field_selectors:\n",
        "        - {field: eventCategory, equals: [Data]}\n",
        "        - {field: resources.type, equals: [AWS::S3::Object]}\n",
        "        - {field: resources.ARN, starts_with: [\"arn:aws:s3:::app-data/\"]}\n",
        "  expected_events_per_month: {management: 5000000, data: 20000000}\n",
    ));
    let lz = other("aws-controltower-BaselineCloudTrail", true);
    let p = plan(&want, &live(Some(live_trail()), &[lz]));
    insta::assert_snapshot!("billing_paid_duplicate_removed", rendered(&p));
}
