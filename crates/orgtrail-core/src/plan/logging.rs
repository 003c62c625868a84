//! StartLogging / StopLogging. Stopping a trail is a coverage reduction.

use serde_json::json;

use super::model::{Action, Step, StepKind, change};
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
    let (kind, action) = if want {
        (
            StepKind::StartLogging,
            Action::StartLogging {
                region: t.region(),
                trail_arn: t.trail_arn(),
            },
        )
    } else {
        (
            StepKind::StopLogging,
            Action::StopLogging {
                region: t.region(),
                trail_arn: t.trail_arn(),
            },
        )
    };
    t.step(kind, reason, action)
        .with_changes(vec![change("logging", json!(live), json!(want))])
        .coverage(coverage::logging(live, want), coverage::logging(want, live))
}
