use super::*;
use crate::fixtures::{DATA_ONLY, MGMT, in_sync, other_trail, plan_of, spec};
use crate::plan::Plan;

/// Management events plus S3 data events of a bucket that is not the log bucket.
const WITH_DATA: &str = "  advanced_event_selectors:\n    - name: mgmt\n      field_selectors:\n        - field: eventCategory\n          equals: [Management]\n    - name: s3\n      field_selectors:\n        - field: eventCategory\n          equals: [Data]\n        - field: resources.type\n          equals: [AWS::S3::Object]\n        - field: resources.ARN\n          starts_with: [\"arn:aws:s3:::app-data/\"]\n";

/// An organization trail of the management account, not orgtrail's.
fn org_trail(name: &str) -> OtherTrail {
    OtherTrail {
        organization: true,
        ..other_trail(name, "us-east-1", true)
    }
}

/// (step kind, its billing lines) of every step that has some.
fn billing(p: &Plan) -> Vec<(StepKind, Vec<String>)> {
    p.steps
        .iter()
        .filter(|s| !s.billing.is_empty())
        .map(|s| (s.kind, s.billing.clone()))
        .collect()
}

#[test]
fn adding_a_data_event_selector_makes_data_events_billable() {
    let live = in_sync(&[&spec("")]);
    let want = spec(&format!(
        "{WITH_DATA}  expected_events_per_month: {{management: 5000000, data: 2000000}}\n"
    ));
    let p = plan_of(&[&want], &live);
    assert_eq!(
        billing(&p),
        [(
            StepKind::PutEventSelectors,
            vec!["data events become billable at $0.10 per 100,000 events, on every copy (+$2.00 a month at 2,000,000 events)".to_string()]
        )]
    );
    // The trail is the only copy of management events: the free one, in the estimate too.
    assert_eq!(
        (p.estimates[0].before_cents, p.estimates[0].after_cents),
        (0, 200)
    );
}

#[test]
fn a_second_multi_region_trail_beside_an_organization_trail_pays_for_management_events() {
    let s = spec("  organization: false\n");
    let mut live = in_sync(&[&s]);
    live.trails[0].trail = None;
    live.trails[0].other_trails = vec![org_trail("org-trail")];
    let p = plan_of(&[&s], &live);
    // The whole new trail is billed on CreateTrail; StartLogging repeats none of it.
    assert_eq!(
        billing(&p),
        [(
            StepKind::CreateTrail,
            vec![format!(
                "management events become billable: a second, paid copy in account {MGMT} in every region (beside `org-trail`) at $2.00 per 100,000 events"
            )]
        )]
    );
    assert!(
        p.findings
            .iter()
            .any(|f| f.code == crate::plan::FindingCode::DuplicateManagementEvents)
    );
}

#[test]
fn removing_management_events_from_a_paid_duplicate_stops_its_bill() {
    let mut live = in_sync(&[&spec("")]);
    live.trails[0].other_trails = vec![org_trail("aws-controltower-BaselineCloudTrail")];
    let want = spec(&format!(
        "{DATA_ONLY}  expected_events_per_month: {{management: 5000000, data: 20000000}}\n"
    ));
    let p = plan_of(&[&want], &live);
    assert_eq!(
        billing(&p),
        [(
            StepKind::PutEventSelectors,
            vec![
                "management events stop being billable: no second, paid copy in every account of the organization in every region (beside `aws-controltower-BaselineCloudTrail`) any more (-$100.00 a month at 5,000,000 events)".to_string(),
                "data events become billable at $0.10 per 100,000 events, on every copy (+$20.00 a month at 20,000,000 events)".to_string(),
            ]
        )]
    );
    assert_eq!(
        (p.estimates[0].before_cents, p.estimates[0].after_cents),
        (10_000, 2_000)
    );
    // A trail that logs no management events pays for no copy: preflight does not warn.
    assert!(
        !p.findings
            .iter()
            .any(|f| f.code == crate::plan::FindingCode::DuplicateManagementEvents)
    );
}

#[test]
fn a_paid_copy_in_part_of_the_scope_is_an_upper_bound() {
    let mut live = in_sync(&[&spec("")]);
    live.trails[0].other_trails = vec![other_trail("legacy", "us-east-2", false)];
    let want = spec("  logging: false\n  expected_events_per_month: {management: 1000000}\n");
    let p = plan_of(&[&want], &live);
    assert_eq!(
        billing(&p),
        [(
            StepKind::StopLogging,
            vec![format!(
                "management events stop being billable: no second, paid copy in account {MGMT} in us-east-2 (beside `legacy`) any more (up to -$20.00 a month at 1,000,000 events)"
            )]
        )]
    );
    assert_eq!(p.estimates[0].notes.len(), 1, "{:?}", p.estimates[0].notes);
}

#[test]
fn insights_and_conversions_bill_what_they_add() {
    let live_spec = spec(
        "  organization: false\n  multi_region: false\n  include_global_service_events: true\n  insight_selectors: [ApiCallRateInsight]\n",
    );
    let live = in_sync(&[&live_spec]);
    let want = spec(&format!(
        "{WITH_DATA}  insight_selectors: [ApiCallRateInsight, ApiErrorRateInsight]\n"
    ));
    let p = plan_of(&[&want], &live);
    let lines: Vec<String> = billing(&p).into_iter().flat_map(|(_, l)| l).collect();
    assert_eq!(
        lines,
        [
            format!(
                "CloudTrail Insights of every account of the organization but {MGMT} become billable"
            ),
            "CloudTrail Insights of every region but us-east-2 become billable".to_string(),
            "data events become billable at $0.10 per 100,000 events, on every copy".to_string(),
            "CloudTrail Insights become billable: `ApiErrorRateInsight` on management events at $0.35 per 100,000 events analysed".to_string(),
        ]
    );
}

#[test]
fn two_new_copies_in_one_place_are_one_free_and_one_paid() {
    let a = crate::fixtures::spec_with("trail-a", "bucket-a", "");
    let b = crate::fixtures::spec_with("trail-b", "bucket-b", "");
    let mut live = in_sync(&[&a, &b]);
    live.trails[0].trail = None;
    live.trails[1].trail = None;
    let p = plan_of(&[&a, &b], &live);
    let billed: Vec<&str> = p
        .steps
        .iter()
        .filter(|s| !s.billing.is_empty())
        .map(|s| s.target.as_str())
        .collect();
    assert_eq!(
        billed,
        ["arn:aws:cloudtrail:us-east-2:111111111111:trail/trail-b"]
    );
}

#[test]
fn amounts_are_rounded_to_the_cent_and_grouped() {
    assert_eq!(cents(150_000, PAID_MANAGEMENT_CENTS), 300);
    assert_eq!(cents(2_000_000, DATA_CENTS), 200);
    assert_eq!(cents(1, INSIGHTS_CENTS), 0);
    assert_eq!(dollars(123_456_789), "$1,234,567.89");
    assert_eq!(dollars(5), "$0.05");
}

#[test]
fn two_trails_pay_twice_only_where_their_accounts_and_regions_meet() {
    let org_all = Scope::of(true, true, MGMT, "us-east-1");
    let mgmt_home = Scope::of(false, false, MGMT, "us-east-2");
    let member_all = Scope::of(false, true, "222222222222", "us-east-2");
    assert_eq!(org_all.overlap(&mgmt_home), Some(mgmt_home.clone()));
    assert_eq!(mgmt_home.overlap(&member_all), None, "different accounts");
    assert_eq!(
        mgmt_home.overlap(&Scope::of(false, false, MGMT, "eu-west-1")),
        None,
        "different home regions"
    );
    assert_eq!(
        org_all.beyond(&mgmt_home),
        [
            format!("every account of the organization but {MGMT}"),
            "every region but us-east-2".to_string()
        ]
    );
}
