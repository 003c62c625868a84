//! SARIF 2.1.0 for GitHub code scanning: one result per drift finding, located in the spec
//! file that declares the drifted trail.

use orgtrail_core::drift::{DriftReport, DriftSeverity};
use serde_json::{Value, json};

pub fn drift_sarif(r: &DriftReport, tool_version: &str) -> String {
    let mut rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort();
    rules.dedup();
    let rule_objs: Vec<Value> = rules
        .iter()
        .map(|id| json!({"id": id, "name": id, "shortDescription": {"text": id.replace('-', " ")}}))
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let level = match f.severity {
                DriftSeverity::CoverageLost => "error",
                DriftSeverity::ConfigDrift => "warning",
                DriftSeverity::Warning => "note",
            };
            let mut text = f.message.clone();
            if let Some(hint) = crate::text::fix_hint(f) {
                text.push(' ');
                text.push_str(&hint);
            }
            let uri = if f.spec.is_empty() { r.specs.first().cloned().unwrap_or_default() } else { f.spec.clone() };
            json!({
                "ruleId": f.rule,
                "ruleIndex": rules.iter().position(|x| *x == f.rule.as_str()).unwrap_or(0),
                "level": level,
                "message": {"text": text},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}}}],
                "properties": {"severity": f.severity.as_str(), "target": f.target}
            })
        })
        .collect();
    document(tool_version, rule_objs, results)
}

/// One SARIF 2.1.0 run of orgtrail with its rules and results (drift's and verify's).
pub(crate) fn document(tool_version: &str, rules: Vec<Value>, results: Vec<Value>) -> String {
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "orgtrail", "version": tool_version, "informationUri": "https://github.com/orgtrail/orgtrail", "rules": rules}},
            "results": results
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
