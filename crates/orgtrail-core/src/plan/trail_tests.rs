//! Table-driven tests of the trail builders (create vs update, fields, selectors, insights, tags, logging) over hand-built live states: each case names the
//! behaviour it pins.

use std::collections::BTreeMap;

use orgtrail_spec::{InsightSelector, InsightType};

use super::*;
use crate::fixtures::*;
use crate::model::*;

#[test]
fn applied_spec_plans_no_steps() {
    let s = spec("");
    let p = plan_of(&[&s], &in_sync(&[&s]));
    assert!(p.steps.is_empty(), "{:?}", kinds(&p));
    assert!(!p.has_errors());
}

#[test]
fn greenfield_plans_trusted_access_policy_trail_and_logging_in_order() {
    let s = spec("");
    let mut live = in_sync(&[&s]);
    live.organization.as_mut().unwrap().trusted_access = false;
    live.trails[0].trail = None;
    live.trails[0].bucket.policy = None;
    assert_eq!(
        kinds(&plan_of(&[&s], &live)),
        [
            (StepKind::EnableTrustedAccess, false),
            (StepKind::PutBucketPolicy, false),
            (StepKind::CreateTrail, false),
            (StepKind::StartLogging, false),
        ]
    );
}

/// One row per trail setting: (behaviour, how live differs, step kind, reduces coverage).
#[test]
fn each_trail_field_is_compared_once_and_weakening_is_flagged() {
    type Mutate = fn(&mut TrailSettings);
    let cases: [(&str, Mutate, StepKind, bool); 8] = [
        (
            "validation turned on",
            |t| t.log_file_validation = false,
            StepKind::UpdateTrail,
            false,
        ),
        (
            "global events turned on",
            |t| t.include_global_service_events = false,
            StepKind::UpdateTrail,
            false,
        ),
        (
            "single region converted",
            |t| t.multi_region = false,
            StepKind::ConvertToMultiRegion,
            false,
        ),
        (
            "account trail converted",
            |t| t.organization = false,
            StepKind::ConvertToOrganizationTrail,
            false,
        ),
        (
            "sns topic cleared",
            |t| t.sns_topic = Some("arn:aws:sns:us-east-2:111111111111:t".into()),
            StepKind::UpdateTrail,
            false,
        ),
        (
            "prefix changed: logs go elsewhere",
            |t| t.s3_key_prefix = Some("old".into()),
            StepKind::UpdateTrail,
            true,
        ),
        (
            "bucket changed: logs go elsewhere",
            |t| t.s3_bucket = "other".into(),
            StepKind::UpdateTrail,
            true,
        ),
        (
            "log group cleared: its alarms stop",
            |t| {
                t.cloudwatch_logs = Some((
                    "arn:aws:logs:us-east-2:111111111111:log-group:g:*".into(),
                    "arn:aws:iam::111111111111:role/r".into(),
                ));
            },
            StepKind::UpdateTrail,
            true,
        ),
    ];
    let s = spec("");
    for (name, mutate, kind, reduces) in cases {
        let mut live = in_sync(&[&s]);
        mutate(&mut live.trails[0].trail.as_mut().unwrap().settings);
        let p = plan_of(&[&s], &live);
        assert_eq!(kinds(&p), [(kind, reduces)], "{name}");
        let Action::UpdateTrail { fields, .. } = &p.steps[0].action else {
            panic!("{name}: not an UpdateTrail");
        };
        assert_eq!(fields.len(), 1, "{name}: only the changed field is sent");
        assert_eq!(p.steps[0].changes.len(), 1, "{name}");
    }
}

#[test]
fn turning_a_trail_setting_off_reduces_coverage() {
    // (desired spec, live spec, the field turned off)
    for (want, was, field) in [
        ("  log_file_validation: false\n", "", "log_file_validation"),
        (
            "  multi_region: false\n  include_global_service_events: false\n",
            "  multi_region: false\n",
            "include_global_service_events",
        ),
        ("  multi_region: false\n", "", "multi_region"),
    ] {
        let s = spec(want);
        let mut live = in_sync(&[&s]);
        live.trails[0].trail = Some(live_trail(&spec(was)));
        let p = plan_of(&[&s], &live);
        assert_eq!(kinds(&p), [(StepKind::UpdateTrail, true)], "{field}");
        assert_eq!(p.steps[0].changes[0].field, field);
    }
}

#[test]
fn logging_is_started_or_stopped_and_stopping_reduces_coverage() {
    let on = spec("");
    let off = spec("  logging: false\n");
    for (s, live_logging, expected) in [
        (&on, false, (StepKind::StartLogging, false)),
        (&off, true, (StepKind::StopLogging, true)),
    ] {
        let mut live = in_sync(&[s]);
        live.trails[0].trail.as_mut().unwrap().logging = live_logging;
        assert_eq!(kinds(&plan_of(&[s], &live)), [expected]);
    }
}

#[test]
fn tags_are_authoritative_added_and_removed_in_two_steps() {
    let s = spec("  tags:\n    team: security\n    env: prod\n");
    let mut live = in_sync(&[&s]);
    let t = live.trails[0].trail.as_mut().unwrap();
    t.settings.tags = BTreeMap::from([
        ("team".to_string(), "ops".to_string()),
        ("stale".to_string(), "x".to_string()),
    ]);
    let p = plan_of(&[&s], &live);
    assert_eq!(
        kinds(&p),
        [(StepKind::TagTrail, false), (StepKind::UntagTrail, false)]
    );
    let Action::AddTags { tags, .. } = &p.steps[0].action else {
        panic!()
    };
    assert_eq!(
        tags.len(),
        2,
        "changed and missing tags are added: {tags:?}"
    );
    let Action::RemoveTags { keys, .. } = &p.steps[1].action else {
        panic!()
    };
    assert_eq!(keys, &["stale"]);
}

#[test]
fn insight_selectors_are_compared_as_a_set() {
    let s = spec("  insight_selectors: [ApiCallRateInsight]\n");
    let mut live = in_sync(&[&s]);
    let t = live.trails[0].trail.as_mut().unwrap();
    t.insights = vec![
        InsightSelector::management(InsightType::ApiCallRateInsight),
        InsightSelector::management(InsightType::ApiCallRateInsight),
    ];
    assert!(plan_of(&[&s], &live).steps.is_empty());
    live.trails[0].trail.as_mut().unwrap().insights = Vec::new();
    assert_eq!(
        kinds(&plan_of(&[&s], &live)),
        [(StepKind::PutInsightSelectors, false)]
    );
}

/// Situation 3: a trail that does not exist has no coverage to lose; that no trail logs
/// management events is a warning, not a reducing step.
#[test]
fn new_data_only_trail_reduces_nothing_and_warns_about_management_events() {
    let s = spec(DATA_ONLY);
    let mut live = in_sync(&[&s]);
    live.trails[0].trail = None;
    let p = plan_of(&[&s], &live);
    assert_eq!(
        kinds(&p),
        [
            (StepKind::CreateTrail, false),
            (StepKind::PutEventSelectors, false),
            (StepKind::StartLogging, false),
        ]
    );
    assert!(codes(&p).contains(&(Severity::Warning, "no-management-events".into())));
    let with_mgmt = spec_with("mgmt", "my-bucket", "");
    let p = plan_of(&[&s, &with_mgmt], &in_sync(&[&s, &with_mgmt]));
    assert!(!codes(&p).iter().any(|(_, c)| c == "no-management-events"));
}

/// Situation 4: every way of logging less is a reducing step, and drift calls the opposite
/// difference coverage lost (plan and drift use one model).
#[test]
fn narrowing_selectors_or_insights_reduces_and_drift_agrees() {
    let cases = [
        (
            "read only",
            "  event_selectors:\n    - read_write_type: ReadOnly\n",
            "",
        ),
        (
            "kms events excluded",
            "  event_selectors:\n    - exclude_management_event_sources: [kms.amazonaws.com]\n",
            "",
        ),
        (
            "advanced read only",
            "  advanced_event_selectors:\n    - field_selectors:\n        - field: eventCategory\n          equals: [Management]\n        - field: readOnly\n          equals: [\"true\"]\n",
            "",
        ),
        (
            "insights removed",
            "",
            "  insight_selectors: [ApiCallRateInsight]\n",
        ),
    ];
    for (name, narrower, wider) in cases {
        let want = spec(narrower);
        let mut live = in_sync(&[&want]);
        live.trails[0].trail = Some(live_trail(&spec(wider)));
        let p = plan_of(&[&want], &live);
        assert!(
            !p.steps.is_empty() && p.steps.iter().all(|s| s.reduces_coverage),
            "{name}: {:?}",
            kinds(&p)
        );
        // The other way round: live is the narrower one, drift says coverage lost.
        let want = spec(wider);
        let mut live = in_sync(&[&want]);
        live.trails[0].trail = Some(live_trail(&spec(narrower)));
        let p = plan_of(&[&want], &live);
        let report = crate::drift::report(&p, &live);
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.severity == crate::drift::DriftSeverity::CoverageLost),
            "{name}: {:?}",
            report.findings
        );
        assert!(p.steps.iter().all(|s| !s.reduces_coverage), "{name}");
    }
}

/// The basic → advanced recipe of docs/spec.md: its two examples log exactly the same events, so
/// converting one into the other is one step that loses nothing and says so.
#[test]
fn the_documented_basic_to_advanced_recipe_logs_the_same_events() {
    let doc = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/spec.md"));
    let section = doc
        .split("## S3 data events: examples and the move to advanced selectors")
        .nth(1)
        .expect("the section");
    let blocks: Vec<&str> = section
        .split("```yaml\n")
        .skip(1)
        .take(2)
        .map(|b| b.split("```").next().unwrap_or_default())
        .collect();
    let trail_lines = |b: &str| b.trim_start_matches("trail:\n").to_string();
    let basic = crate::fixtures::spec(&trail_lines(blocks[0]));
    let advanced = crate::fixtures::spec(&trail_lines(blocks[1]));
    let live = crate::fixtures::in_sync(&[&basic]);
    let p = crate::fixtures::plan_of(&[&advanced], &live);
    let steps: Vec<&Step> = p
        .steps
        .iter()
        .filter(|s| s.kind == StepKind::PutEventSelectors)
        .collect();
    assert_eq!(steps.len(), 1, "{:?}", p.steps);
    assert!(!steps[0].reduces_coverage, "{:?}", steps[0].coverage_lost);
    assert_eq!(
        steps[0].reason,
        "the spec's selectors log the same events in another form"
    );
}

/// Item 7 of the first-hour review: the plan shows selectors in the spec's order (values, data
/// resources, field selectors, selectors), while a live trail holding the same selectors in
/// another order is no change.
#[test]
fn selectors_keep_the_specs_order_and_a_reordering_is_no_change() {
    let s = spec(concat!(
        "  advanced_event_selectors:\n",
        "    - name: z-s3\n      field_selectors:\n",
        "        - {field: resources.type, equals: [AWS::S3::Object]}\n",
        "        - {field: eventCategory, equals: [Data]}\n",
        "        - field: resources.ARN\n          starts_with: [\"arn:aws:s3:::zeta/\", \"arn:aws:s3:::alpha/\"]\n",
        "    - name: a-mgmt\n      field_selectors:\n",
        "        - {field: eventCategory, equals: [Management]}\n",
    ));
    let mut live = in_sync(&[&s]);
    live.trails[0].trail.as_mut().unwrap().selectors = Selectors::aws_default();
    let p = plan_of(&[&s], &live);
    let step = p
        .steps
        .iter()
        .find(|s| s.kind == StepKind::PutEventSelectors)
        .expect("a selector step");
    let Action::PutEventSelectors {
        selectors: Selectors::Advanced(sel),
        ..
    } = &step.action
    else {
        panic!("{:?}", step.action)
    };
    let names: Vec<_> = sel
        .iter()
        .map(|x| x.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["z-s3", "a-mgmt"]);
    let fields: Vec<_> = sel[0]
        .field_selectors
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, ["resources.type", "eventCategory", "resources.ARN"]);
    assert_eq!(
        sel[0].field_selectors[2].starts_with,
        ["arn:aws:s3:::zeta/", "arn:aws:s3:::alpha/"]
    );
    // The same selectors in AWS's (sorted) order: nothing to do.
    live.trails[0].trail.as_mut().unwrap().selectors =
        Selectors::Advanced(sel.clone()).normalised();
    assert!(
        plan_of(&[&s], &live).steps.is_empty(),
        "{:?}",
        kinds(&plan_of(&[&s], &live))
    );
}
