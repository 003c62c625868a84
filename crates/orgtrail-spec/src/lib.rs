//! orgtrail spec v1: YAML text -> a validated [`Spec`].
//!
//! This crate does the strict, offline part: it parses with serde-saphyr (panic-free, with
//! budgets against YAML bombs, and located errors), rejects unknown fields with a "did you
//! mean", checks AWS's naming rules and limits, and reports *every* problem with
//! `file:line:col`, the field path and a fix. It does no I/O beyond reading the files it is
//! given, and knows nothing about AWS APIs or live state.

// Layers, bottom up: the rules, the typed model and the diagnostics; the parser (`parse/`);
// this file, which finds and reads spec files and hands their bytes to the parser.
mod diagnostic;
mod insights;
mod model;
mod parse;
mod protection;
pub mod rules;
pub mod selector_fields;

use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, SpecError};
pub use insights::{InsightCategory, InsightSelector, InsightType};
pub use model::*;
pub use parse::{MAX_SPEC_BYTES, parse_bytes};

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
            diagnostics: vec![parse::too_large(meta.len())],
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
