//! Where a trail's steps point (the spec file, the trail ARN, its home region): shared by the
//! trail builders (fields, selectors, tags, logging), so none of them depends on another.

use super::model::{Action, Step};

/// Where a trail's steps point: the spec file, the trail ARN and its home region.
pub(crate) struct Target<'a> {
    pub path: &'a str,
    pub arn: &'a str,
    pub region: &'a str,
}

impl Target<'_> {
    pub fn step(&self, reason: impl Into<String>, action: Action) -> Step {
        Step::new(
            self.arn.to_string(),
            self.path.to_string(),
            reason.into(),
            action,
        )
    }
    pub fn region(&self) -> String {
        self.region.to_string()
    }
    pub fn trail_arn(&self) -> String {
        self.arn.to_string()
    }
}
