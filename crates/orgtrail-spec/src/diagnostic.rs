//! What a failed load reports: one [`Diagnostic`] per problem at its `line:col`, gathered into a
//! [`SpecError`] that renders as `file:line:col: error: path: message` with its help.
//!
//! It sits at the bottom of the crate so that the parser and the loader both build on it
//! without importing each other.

use std::fmt;
use std::path::PathBuf;

/// One problem in a spec, at a position in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: u32,
    pub col: u32,
    /// Dotted field path (`trail.name`), empty for the whole document.
    pub path: String,
    pub message: String,
    pub help: String,
}

impl Diagnostic {
    pub fn new(
        line: u32,
        col: u32,
        path: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Diagnostic {
            line,
            col,
            path: path.to_string(),
            message: message.into(),
            help: help.into(),
        }
    }
}

/// Why a spec could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("{}:1:1: cannot read the spec: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", render_invalid(file, diagnostics))]
    Invalid {
        file: String,
        diagnostics: Vec<Diagnostic>,
    },
    #[error("{}:1:1: no spec files (*.yaml, *.yml) in this directory", path.display())]
    EmptyDir { path: PathBuf },
}

fn render_invalid(file: &str, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let path = if d.path.is_empty() {
            String::new()
        } else {
            format!("{}: ", d.path)
        };
        out.push_str(&format!(
            "{file}:{}:{}: error: {path}{}",
            d.line, d.col, d.message
        ));
        if !d.help.is_empty() {
            out.push_str(&format!("\n  help: {}", d.help));
        }
    }
    out
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.line, self.col, self.path, self.message
        )
    }
}
