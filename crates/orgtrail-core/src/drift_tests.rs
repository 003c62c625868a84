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
