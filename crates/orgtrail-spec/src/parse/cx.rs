//! The error collector every converter writes to. A problem does not stop the conversion: it
//! becomes a [`Diagnostic`] at the node at fault (with the dotted field path and a fix), so
//! one run reports them all. Also the shared wording of the "did you mean" help.

use serde_saphyr::Spanned;

use super::node::loc;
use crate::diagnostic::Diagnostic;
use crate::rules::{self, RuleError};

/// The problems found so far.
#[derive(Default)]
pub(super) struct Cx {
    diags: Vec<Diagnostic>,
}

impl Cx {
    /// Report a problem with the value (or mapping key) `at`.
    pub(super) fn err<T>(
        &mut self,
        at: &Spanned<T>,
        path: &str,
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        let (line, col) = loc(at);
        self.diags.push(Diagnostic::new(line, col, path, msg, help));
    }

    /// Report the broken rule `r`, if any, at `at`.
    pub(super) fn check<T>(&mut self, at: &Spanned<T>, path: &str, r: Result<(), RuleError>) {
        if let Err(e) = r {
            self.err(at, path, e.message, e.help);
        }
    }

    /// Every problem, in file order. The sort is stable: problems at one position keep the
    /// order in which they were found.
    pub(super) fn into_diagnostics(mut self) -> Vec<Diagnostic> {
        self.diags.sort_by_key(|d| (d.line, d.col));
        self.diags
    }
}

/// The dotted path of field `key` under `path` (`trail` + `name` -> `trail.name`).
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The help for an unknown `word`: the closest of `allowed` when one is close, else
/// `otherwise`.
pub(super) fn did_you_mean_or(
    word: &str,
    allowed: &[&str],
    otherwise: impl Into<String>,
) -> String {
    match rules::did_you_mean(word, allowed) {
        Some(m) => format!("did you mean `{m}`?"),
        None => otherwise.into(),
    }
}
