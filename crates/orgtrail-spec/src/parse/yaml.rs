//! Bytes -> located YAML tree. Refuses what is not a YAML text (too large, not UTF-8, NUL
//! bytes, empty) and parses with serde-saphyr under budgets against alias bombs, deep nesting
//! and huge scalars; every refusal is one [`Diagnostic`] at the position at fault.

use serde_saphyr::Spanned;

use super::node::Node;
use crate::diagnostic::Diagnostic;

/// Specs larger than this are refused before parsing; a real spec is a few kilobytes.
pub const MAX_SPEC_BYTES: usize = 1024 * 1024;

/// The refusal of a file of `len` bytes, over [`MAX_SPEC_BYTES`]. The loader gives it before
/// reading such a file, the parser before parsing one.
pub(crate) fn too_large(len: u64) -> Diagnostic {
    Diagnostic::new(
        1,
        1,
        "",
        format!("the file is {len} bytes; a spec may be at most {MAX_SPEC_BYTES} bytes"),
        "a spec describes one trail in a few kilobytes; check that this is the right file",
    )
}

/// The located tree of a spec file, or the one reason it is not a YAML text.
pub(super) fn read(bytes: &[u8]) -> Result<Spanned<Node>, Diagnostic> {
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    tree(text(bytes)?)
}

/// The bytes as text: UTF-8, without NUL, not blank.
fn text(bytes: &[u8]) -> Result<&str, Diagnostic> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, col) = line_col(bytes, e.valid_up_to());
            return Err(Diagnostic::new(
                line,
                col,
                "",
                "the file is not valid UTF-8",
                "save the spec as UTF-8 text",
            ));
        }
    };
    if let Some(pos) = text.find('\0') {
        let (line, col) = line_col(bytes, pos);
        return Err(Diagnostic::new(
            line,
            col,
            "",
            "the file contains a NUL byte (binary data?)",
            "a spec is a YAML text file",
        ));
    }
    if text.trim().is_empty() {
        return Err(Diagnostic::new(
            1,
            1,
            "",
            "the file is empty",
            "start from specs/org-trail.yaml",
        ));
    }
    Ok(text)
}

/// The YAML text parsed into the located tree, within the budgets of [`options`].
fn tree(text: &str) -> Result<Spanned<Node>, Diagnostic> {
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| {
        let (line, col) = e
            .location()
            .map(|l| (l.line() as u32, l.column() as u32))
            .unwrap_or((1, 1));
        let msg = e.without_snippet().to_string();
        let msg = msg.lines().next().unwrap_or("invalid YAML");
        // The position is reported in our own `file:line:col` prefix.
        let msg = match msg.rfind(" at line ") {
            Some(i) => &msg[..i],
            None => msg,
        };
        Diagnostic::new(
            line.max(1),
            col.max(1),
            "",
            format!("invalid YAML: {msg}"),
            "fix the YAML syntax (indent with spaces, not tabs; quote strings containing `: `)",
        )
    })
}

/// serde-saphyr's limits: a spec is small and flat, so anything far beyond that is an attack
/// or a wrong file, refused before it costs memory or time.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 32;
    budget.max_events = 100_000;
    budget.max_aliases = 100;
    budget.max_anchors = 100;
    budget.max_nodes = 50_000;
    budget.max_total_scalar_bytes = MAX_SPEC_BYTES;
    let mut alias = serde_saphyr::options::AliasLimits::default();
    alias.max_total_replayed_events = 10_000;
    alias.max_alias_expansions_per_anchor = 50;
    let mut o = serde_saphyr::Options::default();
    o.budget = Some(budget);
    o.alias_limits = alias;
    o.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::Error;
    o.strict_booleans = true;
    o.emit_comments = false;
    o
}

/// The 1-based line and column of byte `pos`, for errors found before the YAML parser runs.
fn line_col(bytes: &[u8], pos: usize) -> (u32, u32) {
    let before = &bytes[..pos.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line as u32, col as u32)
}
