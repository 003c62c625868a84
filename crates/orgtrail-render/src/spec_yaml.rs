//! An imported spec as the YAML document `orgtrail import` prints: the editor's schema line, where
//! it came from, then every section in the order of docs/spec.md. Comments mark the values that
//! are defaults, so a reviewer sees which values are real choices. Strings follow the one quoting
//! rule (`crate::yaml`). It writes what `orgtrail-core::import` decided and decides nothing.

use std::fmt::Write;

use orgtrail_core::import::{Imported, Notes};
use orgtrail_spec::{
    AdvancedEventSelector, Bucket, EncryptionType, EventSelector, InsightCategory, InsightSelector,
    Ownership, Spec, Trail,
};

use crate::yaml::{quoted, scalar};

const SCHEMA_LINE: &str = "# yaml-language-server: $schema=https://raw.githubusercontent.com/orgtrail/orgtrail/main/docs/orgtrail.schema.json";

/// The spec document for `imported`.
pub fn spec_yaml(imported: &Imported) -> String {
    let spec = &imported.spec;
    let mut d = Doc::default();
    d.line(0, SCHEMA_LINE);
    d.line(
        0,
        &format!("# Imported by `orgtrail import` from {}", imported.source),
    );
    d.line(0, &format!("version: {}", spec.version));
    organization(&mut d, spec);
    bucket(
        &mut d,
        &spec.bucket,
        &spec.trail.home_region,
        &imported.notes,
    );
    trail(&mut d, spec, imported.own_deliveries.as_deref());
    if !spec.acknowledge.is_empty() {
        d.line(0, "acknowledge:");
        for a in &spec.acknowledge {
            d.line(2, &format!("- code: {}", scalar(&a.code)));
            d.line(4, &format!("reason: {}", scalar(&a.reason)));
        }
    }
    d.out
}

/// The document being written, line by line.
#[derive(Default)]
struct Doc {
    out: String,
}

impl Doc {
    fn line(&mut self, indent: usize, text: &str) {
        let _ = writeln!(self.out, "{:indent$}{text}", "");
    }

    /// `key: value`, with `# note` after it when there is one.
    fn field(&mut self, indent: usize, key: &str, value: &str, note: Option<&str>) {
        match note {
            Some(n) => self.line(indent, &format!("{key}: {value}  # {n}")),
            None => self.line(indent, &format!("{key}: {value}")),
        }
    }

    /// A flag, marked when it is the default.
    fn flag(&mut self, indent: usize, key: &str, v: bool, default: bool) {
        let note = (v == default).then_some("default");
        self.field(indent, key, &v.to_string(), note);
    }

    /// A string, or `null` marked as the default.
    fn optional(&mut self, indent: usize, key: &str, v: Option<&str>) {
        match v {
            Some(s) => self.field(indent, key, &scalar(s), None),
            None => self.field(indent, key, "null", Some("default")),
        }
    }

    /// `key: [a, b]`; nothing for an empty list (empty is every list's default).
    fn list(&mut self, indent: usize, key: &str, items: &[String]) {
        if !items.is_empty() {
            self.field(indent, key, &flow(items.iter().map(|s| scalar(s))), None);
        }
    }
}

fn flow(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

fn organization(d: &mut Doc, spec: &Spec) {
    let o = &spec.organization;
    d.line(0, "organization:");
    d.flag(2, "all_features", o.all_features, true);
    d.flag(2, "trusted_access", o.trusted_access, true);
    if let Some(admins) = &o.delegated_administrators {
        d.field(
            2,
            "delegated_administrators",
            &flow(admins.iter().map(|a| scalar(a))),
            None,
        );
    }
}

fn bucket(d: &mut Doc, b: &Bucket, home_region: &str, notes: &Notes) {
    d.line(0, "bucket:");
    d.field(2, "name", &scalar(&b.name), None);
    let home = "default (the trail's home region)";
    match &b.region {
        Some(r) if r != home_region => d.field(2, "region", &scalar(r), None),
        Some(r) => d.field(2, "region", &scalar(r), Some(home)),
        None => d.field(2, "region", "null", Some(home)),
    }
    for (key, v) in [
        ("account", &b.account),
        ("role_arn", &b.role_arn),
        ("read_role_arn", &b.read_role_arn),
        ("external_id", &b.external_id),
    ] {
        if let Some(v) = v {
            d.field(2, key, &scalar(v), None);
        }
    }
    d.flag(2, "create", b.create, false);
    protection(d, b, notes);
    d.field(
        2,
        "policy",
        b.policy.as_str(),
        (b.policy == Default::default()).then_some("default"),
    );
}

/// The bucket's protection. With notes (its protection was read), each setting says what was
/// found; without (a bucket orgtrail cannot write), it is left unmanaged and the comment says
/// that is a choice still to make.
fn protection(d: &mut Doc, b: &Bucket, notes: &Notes) {
    if notes.is_empty()
        && (!b.public_access_block || b.ownership.is_none() || !b.versioning || !b.require_tls)
    {
        d.line(
            2,
            "# protection not managed yet: set these to enforce them (docs/spec.md)",
        );
    }
    if !notes.is_empty() {
        d.line(
            2,
            "# protection as read from the bucket: what is on is managed, false/null leaves a setting as it is (docs/spec.md)",
        );
    }
    let note = |key: &str| notes.get(key).map(String::as_str);
    let flag = |d: &mut Doc, key: &str, v: bool| match note(key) {
        Some(n) => d.field(2, key, &v.to_string(), Some(n)),
        None => d.flag(2, key, v, true),
    };
    flag(d, "public_access_block", b.public_access_block);
    match b.ownership {
        Some(o) => {
            let default = (o == Ownership::BucketOwnerEnforced).then_some("default");
            d.field(2, "ownership", o.as_str(), note("ownership").or(default));
        }
        None => d.field(2, "ownership", "null", note("ownership")),
    }
    flag(d, "versioning", b.versioning);
    flag(d, "require_tls", b.require_tls);
    choices(d, b, notes);
}

/// The protection that is a choice rather than a default, in flow style: left out when not
/// managed, unless import says what it found there (then `null` with the note).
fn choices(d: &mut Doc, b: &Bucket, notes: &Notes) {
    let field = |d: &mut Doc, key: &str, v: Option<String>| match (v, notes.get(key)) {
        (Some(v), n) => d.field(2, key, &v, n.map(String::as_str)),
        (None, Some(n)) => d.field(2, key, "null", Some(n)),
        (None, None) => {}
    };
    let encryption = b.encryption.map(|e| {
        let kind = match e.kind {
            EncryptionType::SseS3 => "SSE-S3",
            EncryptionType::SseKms => "SSE-KMS",
        };
        format!("{{type: {kind}, bucket_key: {}}}", e.bucket_key)
    });
    field(d, "encryption", encryption);
    let lifecycle = b.lifecycle.map(|l| {
        let mut v = format!("expire_days: {}", l.expire_days);
        for (k, x) in [
            ("noncurrent_expire_days", l.noncurrent_expire_days),
            ("archive_after_days", l.archive_after_days),
        ] {
            if let Some(x) = x {
                let _ = write!(v, ", {k}: {x}");
            }
        }
        format!("{{{v}}}")
    });
    field(d, "lifecycle", lifecycle);
    let lock = b
        .object_lock
        .map(|l| format!("{{mode: {}, days: {}}}", l.mode.as_str(), l.days));
    field(d, "object_lock", lock);
    let logging = b.access_logging.as_ref().map(|a| {
        let prefix = a
            .prefix
            .as_deref()
            .map_or(String::new(), |p| format!(", prefix: {}", scalar(p)));
        format!("{{target_bucket: {}{prefix}}}", scalar(&a.target_bucket))
    });
    field(d, "access_logging", logging);
}

fn trail(d: &mut Doc, spec: &Spec, own_deliveries: Option<&str>) {
    let t = &spec.trail;
    d.line(0, "trail:");
    d.field(2, "name", &scalar(&t.name), None);
    d.field(2, "home_region", &scalar(&t.home_region), None);
    d.flag(2, "organization", t.organization, true);
    d.flag(2, "multi_region", t.multi_region, true);
    d.flag(
        2,
        "include_global_service_events",
        t.include_global_service_events,
        true,
    );
    d.flag(2, "log_file_validation", t.log_file_validation, true);
    d.flag(2, "logging", t.logging, true);
    d.optional(2, "s3_key_prefix", t.s3_key_prefix.as_deref());
    d.optional(2, "kms_key_id", t.kms_key_id.as_deref());
    if let Some(r) = &t.kms_role_arn {
        d.field(2, "kms_role_arn", &scalar(r), None);
    }
    d.optional(2, "sns_topic", t.sns_topic.as_deref());
    match &t.cloudwatch_logs {
        Some(c) => {
            d.line(2, "cloudwatch_logs:");
            d.field(4, "log_group_arn", &scalar(&c.log_group_arn), None);
            d.field(4, "role_arn", &scalar(&c.role_arn), None);
        }
        None => d.field(2, "cloudwatch_logs", "null", Some("default")),
    }
    selectors(d, t);
    insights(d, &t.insight_selectors);
    accept_own_deliveries(d, t, &spec.bucket.name, own_deliveries);
    tags(d, t);
}

fn selectors(d: &mut Doc, t: &Trail) {
    if t.event_selectors.is_none() && t.advanced_event_selectors.is_none() {
        d.field(
            2,
            "event_selectors",
            "null",
            Some("default: all management events"),
        );
        d.field(2, "advanced_event_selectors", "null", Some("default"));
        return;
    }
    if let Some(v) = &t.event_selectors {
        d.line(2, "event_selectors:");
        v.iter().for_each(|e| basic(d, e));
    }
    if let Some(v) = &t.advanced_event_selectors {
        d.line(2, "advanced_event_selectors:");
        v.iter().for_each(|a| advanced(d, a));
    }
}

fn basic(d: &mut Doc, e: &EventSelector) {
    d.field(4, "- read_write_type", e.read_write_type.as_str(), None);
    d.field(
        6,
        "include_management_events",
        &e.include_management_events.to_string(),
        None,
    );
    d.list(
        6,
        "exclude_management_event_sources",
        &e.exclude_management_event_sources,
    );
    if !e.data_resources.is_empty() {
        d.line(6, "data_resources:");
        for r in &e.data_resources {
            d.field(8, "- type", &scalar(&r.resource_type), None);
            d.list(10, "values", &r.values);
        }
    }
}

fn advanced(d: &mut Doc, a: &AdvancedEventSelector) {
    match &a.name {
        Some(n) => {
            d.field(4, "- name", &scalar(n), None);
            d.line(6, "field_selectors:");
        }
        None => d.line(4, "- field_selectors:"),
    }
    for f in &a.field_selectors {
        d.field(8, "- field", &scalar(&f.field), None);
        for (key, v) in [
            ("equals", &f.equals),
            ("starts_with", &f.starts_with),
            ("ends_with", &f.ends_with),
            ("not_equals", &f.not_equals),
            ("not_starts_with", &f.not_starts_with),
            ("not_ends_with", &f.not_ends_with),
        ] {
            d.list(10, key, v);
        }
    }
}

/// A type alone when it analyses management events only (the form that means exactly that),
/// else the type with its event categories.
fn insights(d: &mut Doc, insights: &[InsightSelector]) {
    if insights.is_empty() {
        d.field(2, "insight_selectors", "[]", Some("default"));
        return;
    }
    let items = insights.iter().map(|i| {
        let t = i.insight_type.as_str();
        if i.event_categories == [InsightCategory::Management] {
            t.to_string()
        } else {
            let c = flow(i.event_categories.iter().map(|c| c.as_str().to_string()));
            format!("{{type: {t}, event_categories: {c}}}")
        }
    });
    d.field(2, "insight_selectors", &flow(items), None);
}

/// Accepting the trail's own deliveries says why, and what to exclude to stop it.
fn accept_own_deliveries(d: &mut Doc, t: &Trail, bucket: &str, own_deliveries: Option<&str>) {
    let key = "accept_log_bucket_data_events";
    match (t.accept_log_bucket_data_events, own_deliveries) {
        (false, _) => d.field(2, key, "false", Some("default")),
        (true, Some(prefix)) => d.field(
            2,
            key,
            "true",
            Some(&format!(
                "the data-event selectors log `{bucket}` itself, and so CloudTrail's own deliveries: exclude `{prefix}` to stop it"
            )),
        ),
        (true, None) => d.field(2, key, "true", None),
    }
}

/// Tag values are always quoted: a value is free text, and quoting shows it is one.
fn tags(d: &mut Doc, t: &Trail) {
    if t.tags.is_empty() {
        d.field(2, "tags", "{}", Some("default"));
        return;
    }
    d.line(2, "tags:");
    for (k, v) in &t.tags {
        d.field(4, &scalar(k), &quoted(v), None);
    }
}

#[cfg(test)]
#[path = "spec_yaml_tests.rs"]
mod tests;
