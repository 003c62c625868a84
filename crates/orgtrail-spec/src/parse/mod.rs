//! YAML -> located tree -> typed [`Spec`], collecting every error with its line and column.
//!
//! serde-saphyr parses the text (with budgets against alias bombs, deep nesting and huge
//! scalars) into a small tree of located nodes (`yaml`, `node`); a converter per section
//! (`organization`, `bucket` with its `protection`, `trail` with its `selectors`, `insights`
//! and `tags`) walks that tree so it can report *all* problems at once, each at the node that
//! caused it, with a "did you mean" for unknown fields. Deserializing straight into the typed
//! structs would stop at the first error.
//!
//! Layers, bottom up: `node`; `cx` (the error collector) and `fields` (typed readers); the
//! converters; this file, which only runs them in order.

mod acknowledge;
mod bucket;
mod cx;
mod fields;
mod guardrails;
mod insights;
mod node;
mod organization;
mod protection;
mod selectors;
mod tags;
mod trail;
mod yaml;

use serde_saphyr::Spanned;

use self::bucket::bucket;
use self::cx::Cx;
use self::node::Node;
use self::organization::organization;
use self::trail::trail;
use crate::diagnostic::SpecError;
use crate::model::{Organization, Spec};

pub use self::yaml::MAX_SPEC_BYTES;
pub(crate) use self::yaml::too_large;

/// Parse and validate one spec. `file` is used only in error messages.
pub fn parse_bytes(file: &str, bytes: &[u8]) -> Result<Spec, SpecError> {
    let invalid = |diagnostics| SpecError::Invalid {
        file: file.to_string(),
        diagnostics,
    };
    let root = yaml::read(bytes).map_err(|d| invalid(vec![d]))?;
    let mut cx = Cx::default();
    let spec = spec(&mut cx, &root);
    let diagnostics = cx.into_diagnostics();
    match spec {
        Some(spec) if diagnostics.is_empty() => Ok(spec),
        _ => Err(invalid(diagnostics)),
    }
}

/// The document: its version and its three sections.
fn spec(cx: &mut Cx, root: &Spanned<Node>) -> Option<Spec> {
    let f = cx.fields(
        root,
        "",
        &[
            "version",
            "organization",
            "bucket",
            "trail",
            "acknowledge",
            "guardrails",
        ],
    )?;
    let version = version(cx, root, f.map.get("version").copied());
    let organization = match f.present("organization") {
        Some(n) => organization(cx, n),
        None => Some(Organization::default()),
    };
    // The trail before the bucket: problems at one position (both sections missing) are
    // reported in this order.
    let trail = cx.require(&f, "trail").and_then(|n| trail(cx, n));
    let bucket = cx.require(&f, "bucket").and_then(|n| bucket(cx, n));
    let acknowledge = f
        .present("acknowledge")
        .map(|n| acknowledge::acknowledge(cx, n))
        .unwrap_or_default();
    let guardrails = f
        .present("guardrails")
        .map(|n| guardrails::guardrails(cx, n));
    Some(Spec {
        version: version?,
        organization: organization?,
        bucket: bucket?,
        trail: trail?,
        acknowledge,
        guardrails: guardrails.flatten(),
    })
}

/// `version`, which must be 1: reported at the document when missing.
fn version(cx: &mut Cx, root: &Spanned<Node>, n: Option<&Spanned<Node>>) -> Option<u32> {
    let Some(n) = n else {
        cx.err(
            root,
            "version",
            "missing required field `version`",
            "add `version: 1` at the top of the spec",
        );
        return None;
    };
    match &n.value {
        Node::Int(1) => Some(1),
        Node::Int(v) => {
            cx.err(
                n,
                "version",
                format!("unsupported spec version {v}"),
                "this orgtrail reads spec version 1; write `version: 1`",
            );
            None
        }
        other => {
            cx.err(
                n,
                "version",
                format!("expected the number 1, found {}", other.kind()),
                "write `version: 1`",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests;
