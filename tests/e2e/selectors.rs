//! Selectors end to end against moto: Insights event categories survive a PutInsightSelectors /
//! GetInsightSelectors round trip, and a trail that would log its own log bucket's data events
//! is refused before any write unless the spec accepts it.

use crate::{BIN, Specs, greenfield, spec_yaml};

const MANAGEMENT_AND_DATA: &str = "  insight_selectors:\n    - {type: ApiCallRateInsight, event_categories: [Management, Data]}\n    - ApiErrorRateInsight\n";

/// moto keeps `EventCategories` as sent (it stores the request's selectors as they are), so a
/// second plan has nothing to do and import writes the categories back. Moving to `Data` only
/// loses Insights on management events: refused without the flag, nothing written.
#[test]
fn insight_event_categories_round_trip_and_dropping_management_is_reducing() {
    let (moto, _org) = greenfield();
    let specs = Specs::new();
    let spec = specs.write("i.yaml", &spec_yaml(MANAGEMENT_AND_DATA));
    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(0);
    let live = moto
        .block_on(
            moto.cloudtrail("us-east-2")
                .get_insight_selectors()
                .trail_name("my-trail")
                .send(),
        )
        .expect("get insight selectors");
    let call: Vec<&str> = live
        .insight_selectors()
        .iter()
        .find(|s| s.insight_type().map(|t| t.as_str()) == Some("ApiCallRateInsight"))
        .map(|s| s.event_categories().iter().map(|c| c.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(call, ["Management", "Data"]);
    moto.orgtrail(BIN, &["plan", &spec, "--detailed-exitcode"])
        .expect_code(0)
        .expect_contains("No changes.");
    moto.orgtrail(BIN, &["import", "--trail", "my-trail", "--home-region", "us-east-2"])
        .expect_code(0)
        .expect_contains(
            "insight_selectors: [{type: ApiCallRateInsight, event_categories: [Management, Data]}, ApiErrorRateInsight]",
        );
    let data_only = specs.write(
        "d.yaml",
        &spec_yaml(
            "  insight_selectors:\n    - {type: ApiCallRateInsight, event_categories: [Data]}\n    - ApiErrorRateInsight\n",
        ),
    );
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", &data_only, "--auto-approve"])
        .expect_code(1)
        .expect_contains("! put-insight-selectors")
        .expect_contains("CloudTrail Insights `ApiCallRateInsight` on management events");
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
}

/// Basic S3 data events of every bucket include the trail's own: a preflight error naming the
/// fix, before any write; accepted explicitly, the same spec applies.
#[test]
fn a_trail_logging_its_own_log_bucket_is_refused_unless_accepted() {
    let (moto, _org) = greenfield();
    let specs = Specs::new();
    let every_bucket = "  event_selectors:\n    - data_resources:\n        - type: AWS::S3::Object\n          values: [\"arn:aws:s3\"]\n";
    let spec = specs.write("loop.yaml", &spec_yaml(every_bucket));
    moto.reset_requests();
    moto.orgtrail(BIN, &["apply", &spec, "--auto-approve"])
        .expect_code(1)
        .expect_contains("data-events-log-their-own-bucket")
        .expect_contains("`trail.event_selectors[0]` logs S3 data events of `my-bucket`")
        .expect_contains("not_starts_with: [\"arn:aws:s3:::my-bucket/AWSLogs/\"]");
    assert!(moto.writes().is_empty(), "{:?}", moto.writes());
    let excluded = specs.write(
        "excluded.yaml",
        &spec_yaml("  advanced_event_selectors:\n    - field_selectors:\n        - {field: eventCategory, equals: [Data]}\n        - {field: resources.type, equals: [\"AWS::S3::Object\"]}\n        - {field: resources.ARN, not_starts_with: [\"arn:aws:s3:::my-bucket/AWSLogs/\"]}\n"),
    );
    moto.orgtrail(BIN, &["plan", &excluded]).expect_code(0);
    let accepted = specs.write(
        "accepted.yaml",
        &spec_yaml(&format!(
            "  accept_log_bucket_data_events: true\n{every_bucket}"
        )),
    );
    moto.orgtrail(BIN, &["apply", &accepted, "--auto-approve"])
        .expect_code(0)
        .expect_contains("Apply complete:");
}
