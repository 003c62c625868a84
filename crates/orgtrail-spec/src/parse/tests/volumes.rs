//! `trail.expected_events_per_month`: optional whole numbers per billed kind, the input of the
//! plan's estimate of CloudTrail charges.

use super::{BASE, errs};
use crate::{EventVolumes, parse_bytes};

#[test]
fn expected_volumes_are_optional_whole_numbers_per_kind() {
    let spec = parse_bytes("t.yaml", BASE.as_bytes()).unwrap();
    assert_eq!(spec.trail.expected_events_per_month, None);
    let yaml = format!("{BASE}  expected_events_per_month: {{management: 5000000, data: 0}}\n");
    let spec = parse_bytes("t.yaml", yaml.as_bytes()).unwrap();
    assert_eq!(
        spec.trail.expected_events_per_month,
        Some(EventVolumes {
            management: Some(5_000_000),
            data: Some(0),
            insights: None,
            network: None,
        })
    );
}

#[test]
fn a_negative_fractional_or_unknown_volume_is_an_error_at_its_line() {
    let yaml = format!(
        "{BASE}  expected_events_per_month:\n    management: -1\n    data: 2.5\n    insight: 3\n"
    );
    assert_eq!(
        errs(&yaml),
        [
            "8:17 trail.expected_events_per_month.management: expected a whole number of events, 0 or more, found -1",
            "9:11 trail.expected_events_per_month.data: expected a whole number of events, 0 or more, found a number",
            "10:5 trail.expected_events_per_month.insight: unknown field `insight`",
        ]
    );
}
