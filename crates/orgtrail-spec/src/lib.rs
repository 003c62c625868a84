//! orgtrail spec v1: YAML text -> a validated [`Spec`].
//!
//! This crate does the strict, offline part: it parses with serde-saphyr (panic-free, with
//! budgets against YAML bombs, and located errors), rejects unknown fields with a "did you
//! mean", checks AWS's naming rules and limits, and reports *every* problem with
//! `file:line:col`, the field path and a fix. It does no I/O beyond reading the files it is
//! given, and knows nothing about AWS APIs or live state.

mod insights;
mod model;
mod parse;
mod parse_protection;
mod protection;
pub mod rules;
pub mod selector_fields;

use std::fmt;
use std::path::{Path, PathBuf};

pub use insights::{InsightCategory, InsightSelector};
pub use model::*;
pub use parse::{MAX_SPEC_BYTES, parse_bytes};

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

/// A parsed spec and the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    pub path: PathBuf,
    /// The file's exact bytes, hashed into saved plans so a changed spec makes them stale.
    pub source: Vec<u8>,
    pub spec: Spec,
}

/// Expand spec paths: a file stays as is, a directory yields its `*.yaml`/`*.yml` files sorted.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SpecError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|source| SpecError::Io {
                path: p.clone(),
                source,
            })?;
            let mut files: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && matches!(f.extension().and_then(|x| x.to_str()), Some("yaml" | "yml"))
                })
                .collect();
            if files.is_empty() {
                return Err(SpecError::EmptyDir { path: p.clone() });
            }
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Read and validate one spec file.
pub fn load(path: &Path) -> Result<LoadedSpec, SpecError> {
    let meta = std::fs::metadata(path).map_err(|source| SpecError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() > MAX_SPEC_BYTES as u64 {
        // Refuse before reading a huge file into memory.
        return Err(SpecError::Invalid {
            file: path.display().to_string(),
            diagnostics: vec![Diagnostic::new(
                1,
                1,
                "",
                format!(
                    "the file is {} bytes; a spec may be at most {} bytes",
                    meta.len(),
                    MAX_SPEC_BYTES
                ),
                "a spec describes one trail in a few kilobytes; check that this is the right file",
            )],
        });
    }
    let source = std::fs::read(path).map_err(|source| SpecError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let spec = parse_bytes(&path.display().to_string(), &source)?;
    Ok(LoadedSpec {
        path: path.to_path_buf(),
        source,
        spec,
    })
}

/// The JSON Schema of spec v1, generated from the Rust types.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Spec);
    serde_json::to_value(&schema).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests;
