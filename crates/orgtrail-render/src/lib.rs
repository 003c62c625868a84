//! Render plans and drift reports as text (Terraform-like, optional colour), markdown (for PR
//! comments) and JSON (versioned, stable field names).
//!
//! Also the spec document `orgtrail import` prints (`spec_yaml`) and `orgtrail verify`'s report
//! (`verify`).
//!
//! Pure string building: this crate never prints and never decides anything. The bucket policy
//! is shown as its statements keyed by Sid (`statements`) above a unified diff of canonical
//! pretty JSON computed with `similar`; structured fields (selectors, tags, CloudWatch settings)
//! as YAML-style diffs of only what differs (`fields`), list items matched by name, never by
//! position (`keyed`). Text output wraps diagnostics to the terminal's width (`wrap`). Every
//! YAML string goes through one quoting rule (`yaml`).

pub mod fields;
mod keyed;
mod markdown;
mod sarif;
mod spec_yaml;
mod statements;
mod style;
mod text;
mod verify;
mod wrap;
mod yaml;

use orgtrail_core::Plan;
use orgtrail_core::drift::DriftReport;

pub use markdown::{
    COMMENT_LIMIT, MARKDOWN_BUDGET, drift_markdown, drift_markdown_within, plan_markdown,
    plan_markdown_within,
};
pub use sarif::drift_sarif;
pub use spec_yaml::spec_yaml;
pub use style::Style;
pub use text::{change_lines, drift_text, plan_text, summary, unified_diff};
pub use verify::{verify_json, verify_markdown, verify_sarif, verify_text};
pub use wrap::wrap_message;

// The unit tests below (`use super::*`) name it too.
#[cfg(test)]
use text::symbol;

/// JSON rendering: the plan itself (see docs/plan.md for the schema).
pub fn plan_json(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).unwrap_or_default()
}

pub fn drift_json(r: &DriftReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

#[cfg(test)]
mod billing_tests;
#[cfg(test)]
mod keyed_tests;
#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod review_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod verify_tests;
