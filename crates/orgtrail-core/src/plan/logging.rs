//! StartLogging / StopLogging. Stopping a trail is a coverage reduction.

use serde_json::json;

use super::model::{Action, Step, change};
use super::target::Target;
use crate::coverage;

/// Start logging a trail CreateTrail just made (a new trail does not log until started).
pub(crate) fn start_new(t: &Target) -> Step {
    step(
        t,
        false,
        true,
        "a new trail does not log until logging is started",
    )
}

/// The step that turns an existing trail's logging from `live` to `want` (they differ).
pub(crate) fn change_existing(t: &Target, live: bool, want: bool) -> Step {
    let reason = if want {
        "the trail is not logging"
    } else {
        "the spec sets `logging: false`"
    };
    step(t, live, want, reason)
}

fn step(t: &Target, live: bool, want: bool, reason: &str) -> Step {
    let (region, trail_arn) = (t.region(), t.trail_arn());
    let action = if want {
        Action::StartLogging { region, trail_arn }
    } else {
        Action::StopLogging { region, trail_arn }
    };
    t.step(reason, action)
        .with_changes(vec![change("logging", json!(live), json!(want))])
        .coverage(coverage::logging(live, want), coverage::logging(want, live))
}
