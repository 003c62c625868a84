use super::*;
use crate::fixtures::{in_sync, plan_of, spec};
use crate::model::TrailHealth;

fn health(error: Option<&str>, last_delivery: Option<i64>) -> TrailHealth {
    TrailHealth {
        latest_delivery_error: error.map(String::from),
        latest_delivery_time: last_delivery,
        read_at: Some(100_000),
        ..TrailHealth::default()
    }
}

/// Situation 11: a delivery error with no successful delivery since is coverage lost (drift
/// exits 2); an error followed by successful deliveries is a warning.
#[test]
fn a_current_delivery_failure_is_coverage_lost() {
    let cases = [
        (
            "error, never delivered",
            Some("AccessDenied"),
            None,
            Some(DriftSeverity::CoverageLost),
        ),
        (
            "error, last delivery two hours ago",
            Some("AccessDenied"),
            Some(100_000 - 7200),
            Some(DriftSeverity::CoverageLost),
        ),
        (
            "error, delivered a minute ago",
            Some("AccessDenied"),
            Some(100_000 - 60),
            Some(DriftSeverity::Warning),
        ),
        ("no error", None, Some(100_000 - 60), None),
    ];
    for (name, error, last, want) in cases {
        let s = spec("");
        let mut live = in_sync(&[&s]);
        live.trails[0].health = Some(health(error, last));
        let report = report(&plan_of(&[&s], &live), &live);
        assert_eq!(report.findings.first().map(|f| f.severity), want, "{name}");
        assert_eq!(
            report.drifted(),
            want == Some(DriftSeverity::CoverageLost),
            "{name}"
        );
    }
}

/// A preflight error that puts delivery at risk (a Deny on an account's folder, a key policy
/// without CloudTrail's grant) is a coverage-lost finding, so drift exits 2, not 1; an error
/// that only stops orgtrail from judging stays an error.
#[test]
fn evidence_at_risk_is_a_finding_not_only_an_error() {
    let s = spec("");
    let mut live = in_sync(&[&s]);
    let mut v: serde_json::Value =
        serde_json::from_str(live.trails[0].bucket.policy.as_deref().unwrap()).unwrap();
    v["Statement"].as_array_mut().unwrap().push(serde_json::json!({"Sid": "X", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::my-bucket/AWSLogs/111111111111/*"}));
    live.trails[0].bucket.policy = Some(v.to_string());
    let report = report(&plan_of(&[&s], &live), &live);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.drifted());
    let f = &report.findings[0];
    assert_eq!(
        (f.rule, f.severity),
        (
            DriftRule::BucketPolicyDeniesTrail,
            DriftSeverity::CoverageLost
        )
    );
    assert!(!f.fixed_by_apply);

    let mut outside = in_sync(&[&s]);
    outside.organization = None;
    let report = report_of(&s, &outside);
    assert!(
        !report.errors.is_empty(),
        "not in an organization: drift cannot judge"
    );
}

fn report_of(s: &orgtrail_spec::Spec, live: &crate::model::LiveState) -> DriftReport {
    report(&plan_of(&[s], live), live)
}

/// A second, paid copy of management events beside the trail (preflight's
/// `duplicate-management-events`) is a drift warning: the bill shows, the job does not fail.
#[test]
fn a_paid_copy_beside_the_trail_is_a_drift_warning_not_drift() {
    let s = spec("");
    let mut live = in_sync(&[&s]);
    live.trails[0].other_trails = vec![crate::model::OtherTrail {
        organization: true,
        ..crate::fixtures::other_trail("org-trail", "us-east-1", true)
    }];
    let r = report(&plan_of(&[&s], &live), &live);
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == DriftRule::PaidDuplicateManagementEvents)
        .collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, DriftSeverity::Warning);
    assert!(f[0].message.contains("org-trail"), "{}", f[0].message);
    assert!(r.in_sync());
}

/// Restoring the spec can itself reduce coverage (the spec stops a trail that is logging, or
/// sets a shorter retention than live keeps): apply refuses it without the flag, so the finding
/// says which flags apply needs; a plain restoring step needs none.
#[test]
fn a_fix_apply_refuses_without_a_flag_names_the_flag() {
    let s = spec("  logging: false\n");
    let mut live = in_sync(&[&s]);
    live.trails[0].trail.as_mut().expect("trail").logging = true;
    let r = report_of(&s, &live);
    let f = r
        .findings
        .iter()
        .find(|f| f.fixed_by_apply)
        .expect("a finding apply fixes");
    assert_eq!(
        f.apply_flags,
        vec!["--allow-coverage-reduction".to_string()],
        "{f:?}"
    );
    let s = spec("");
    let mut live = in_sync(&[&s]);
    live.trails[0].trail.as_mut().expect("trail").logging = false;
    let r = report_of(&s, &live);
    let f = r
        .findings
        .iter()
        .find(|f| f.fixed_by_apply)
        .expect("start logging");
    assert!(f.apply_flags.is_empty(), "{f:?}");
}
