//! Tests of the parser, through `parse_bytes` as the loader calls it, grouped by what they
//! test: the reading of the file (`yaml`), the reporting of problems (`diagnostics`), the
//! defaults, and the selector and insight converters.

mod defaults;
mod diagnostics;
mod guardrails;
mod insights;
mod selectors;
mod volumes;
mod yaml;

use crate::{SpecError, parse_bytes};

/// The smallest valid spec; tests append trail fields to it (it ends inside `trail:`).
const BASE: &str =
    "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n";

/// The problems of a spec, each as "line:col path: message"; none when it is valid.
fn errs(yaml: &str) -> Vec<String> {
    match parse_bytes("t.yaml", yaml.as_bytes()) {
        Ok(_) => Vec::new(),
        Err(SpecError::Invalid { diagnostics, .. }) => diagnostics
            .iter()
            .map(|d| format!("{}:{} {}: {}", d.line, d.col, d.path, d.message))
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}
