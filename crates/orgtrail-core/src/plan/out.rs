//! What the step builders return into: the steps and findings of the plan being built.

use super::model::{Finding, FindingCode, Severity, Step};

#[derive(Debug, Default)]
pub(crate) struct Out {
    pub steps: Vec<Step>,
    pub findings: Vec<Finding>,
}

impl Out {
    pub fn step(&mut self, step: Step) {
        self.steps.push(step);
    }

    fn finding(
        &mut self,
        severity: Severity,
        spec: &str,
        code: FindingCode,
        message: String,
        fix: impl Into<String>,
    ) {
        self.findings.push(Finding {
            severity,
            code,
            spec: spec.into(),
            message,
            fix: fix.into(),
        });
    }

    /// A preflight error: apply refuses to start.
    pub fn error(
        &mut self,
        spec: &str,
        code: FindingCode,
        message: String,
        fix: impl Into<String>,
    ) {
        self.finding(Severity::Error, spec, code, message, fix);
    }

    pub fn warn(&mut self, spec: &str, code: FindingCode, message: String, fix: impl Into<String>) {
        self.finding(Severity::Warning, spec, code, message, fix);
    }
}
