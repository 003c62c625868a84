//! Table-driven tests of saved-plan staleness (the reviewed steps, per-read keys) over hand-built live states: each case names the
//! behaviour it pins.

use super::*;
use crate::fixtures::*;

/// Situation 5: a saved plan must run exactly the reviewed steps; staleness keys are unique per
/// spec and region.
#[test]
fn fresh_steps_are_compared_with_the_reviewed_ones() {
    let s = spec("");
    let mut live = in_sync(&[&s]);
    live.trails[0].trail.as_mut().unwrap().logging = false;
    let reviewed = plan_of(&[&s], &live);
    assert!(steps_differ(&reviewed, &reviewed).is_empty());
    live.trails[0]
        .trail
        .as_mut()
        .unwrap()
        .settings
        .log_file_validation = false;
    let fresh = plan_of(&[&s], &live);
    let diff = steps_differ(&reviewed, &fresh);
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert!(
        diff[0].contains("update-trail") && diff[0].contains("not reviewed"),
        "{diff:?}"
    );
}

#[test]
fn staleness_keys_of_specs_sharing_a_bucket_do_not_collide() {
    let a = spec("");
    let mut b = spec_with("other", "my-bucket", "");
    b.trail.home_region = "eu-west-1".into();
    b.bucket.region = Some("us-east-2".into());
    let p = plan_of(&[&a, &b], &in_sync(&[&a, &b]));
    assert!(
        p.live_components
            .contains_key("trails beside `my-trail` in us-east-2")
    );
    assert!(
        p.live_components
            .contains_key("trails beside `other` in eu-west-1")
    );
}
