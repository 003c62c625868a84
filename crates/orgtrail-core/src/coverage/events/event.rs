//! One event CloudTrail could record, and whether a selector set logs it: the evaluator of
//! the field-selector language (and basic selectors) on a single event.

use crate::model::Selectors;
use orgtrail_spec::{AdvancedEventSelector, EventSelector, FieldSelector, ReadWriteType};

/// CloudTrail's event categories a trail's selectors choose among (the selector-field table's).
pub(crate) use orgtrail_spec::selector_fields::EventCategory as Category;

/// The fields every event has (the resource fields: data events only); the table's other fields
/// (`eventType`, `userIdentity.arn`, `errorCode`, ...) are searched only when a selector names
/// them.
pub(super) const CORE_FIELDS: [&str; 6] = [
    "eventCategory",
    "readOnly",
    "eventSource",
    "eventName",
    "resources.type",
    "resources.ARN",
];

/// One event CloudTrail could record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Event {
    pub category: Category,
    pub read_only: bool,
    pub source: String,
    pub name: String,
    /// Data events only: resource type and ARN.
    pub resource: Option<(String, String)>,
    /// Values of the table's other fields the selectors name (field, value), by field.
    pub other: Vec<(String, String)>,
}

impl Event {
    /// Words for a reviewer. `filler` stands for any text no selector names: a value that is
    /// only filler is left out, elsewhere the filler reads `…` (or "under `P` ending `S`").
    pub fn describe(&self, filler: char) -> String {
        let rw = if self.read_only { "read" } else { "write" };
        let source = shown(&self.source, filler);
        let what = match &self.resource {
            None => {
                let kind = match self.category {
                    Category::NetworkActivity => "network activity events",
                    _ => "management events",
                };
                match source {
                    None => format!("{rw} {kind}"),
                    Some(s) => format!("{rw} {kind} of {s}"),
                }
            }
            Some((t, arn)) => {
                let t = shown(t, filler).unwrap_or("a resource type no selector names".into());
                let from = source.map(|s| format!(" from {s}")).unwrap_or_default();
                format!("{rw} data events of {t}{}{from}", arn_words(arn, filler))
            }
        };
        let named = shown(&self.name, filler)
            .map(|n| format!(" named {n}"))
            .unwrap_or_default();
        let with: String = self
            .other
            .iter()
            .filter_map(|(k, v)| describe_value(v, filler).map(|v| format!(" with {k} {v}")))
            .collect();
        what + &named + &with
    }
}

/// A value as written, the filler as `…`; `None` for the bare filler (any value no selector
/// names).
pub(super) fn shown(v: &str, filler: char) -> Option<String> {
    (v != filler.to_string()).then(|| v.replace(filler, "…"))
}

/// Where a resource is: `under P`, `ending S`, `under P ending S`, `at v`; nothing for the bare
/// filler.
pub(super) fn arn_words(arn: &str, filler: char) -> String {
    match arn.split_once(filler) {
        Some(("", "")) => String::new(),
        Some((p, "")) => format!(" under {p}"),
        Some(("", s)) => format!(" ending {s}"),
        Some((p, s)) => format!(" under {p} ending {s}"),
        None => format!(" at {arn}"),
    }
}

/// A value in words: `= x`, `starting x`, `ending x`, `starting x ending y`; `None` for the bare
/// filler.
pub(super) fn describe_value(v: &str, filler: char) -> Option<String> {
    match v.split_once(filler) {
        Some(("", "")) => None,
        Some((p, "")) => Some(format!("starting {p}")),
        Some(("", s)) => Some(format!("ending {s}")),
        Some((p, s)) => Some(format!("starting {p} ending {s}")),
        None => Some(format!("= {v}")),
    }
}

/// Which side of a comparison a selector set is on (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Had,
    Would,
}

pub(super) fn rw_matches(rw: ReadWriteType, read_only: bool) -> bool {
    match rw {
        ReadWriteType::All => true,
        ReadWriteType::ReadOnly => read_only,
        ReadWriteType::WriteOnly => !read_only,
    }
}

pub(super) fn basic_logs(s: &EventSelector, e: &Event) -> bool {
    if !rw_matches(s.read_write_type, e.read_only) || e.category == Category::NetworkActivity {
        return false;
    }
    match &e.resource {
        None => {
            s.include_management_events && !s.exclude_management_event_sources.contains(&e.source)
        }
        Some((t, arn)) => s
            .data_resources
            .iter()
            .any(|d| d.resource_type == *t && d.values.iter().any(|v| arn.starts_with(v.as_str()))),
    }
}

pub(super) fn field_value(e: &Event, field: &str) -> Option<String> {
    Some(match field {
        "eventCategory" => e.category.as_str().to_string(),
        "readOnly" => e.read_only.to_string(),
        "eventSource" => e.source.clone(),
        "eventName" => e.name.clone(),
        "resources.type" => e.resource.as_ref()?.0.clone(),
        "resources.ARN" => e.resource.as_ref()?.1.clone(),
        other => e.other.iter().find(|(k, _)| k == other)?.1.clone(),
    })
}

pub(super) fn field_matches(f: &FieldSelector, v: &str) -> bool {
    (f.equals.is_empty() || f.equals.iter().any(|x| x == v))
        && (f.starts_with.is_empty() || f.starts_with.iter().any(|x| v.starts_with(x.as_str())))
        && (f.ends_with.is_empty() || f.ends_with.iter().any(|x| v.ends_with(x.as_str())))
        && !f.not_equals.iter().any(|x| x == v)
        && !f.not_starts_with.iter().any(|x| v.starts_with(x.as_str()))
        && !f.not_ends_with.iter().any(|x| v.ends_with(x.as_str()))
}

pub(super) fn advanced_logs(s: &AdvancedEventSelector, e: &Event, side: Side) -> bool {
    s.field_selectors
        .iter()
        .all(|f| match field_value(e, &f.field) {
            Some(v) => field_matches(f, &v),
            // Resource fields on a management event: the selector is about data events.
            None if f.field.starts_with("resources.") => false,
            None => side == Side::Had,
        })
}

/// Whether `selectors` log event `e`.
pub(crate) fn logs(selectors: &Selectors, e: &Event, side: Side) -> bool {
    match selectors {
        Selectors::Basic(v) => v.iter().any(|s| basic_logs(s, e)),
        Selectors::Advanced(v) => v.iter().any(|s| advanced_logs(s, e, side)),
    }
}

/// CloudTrail writing one of its own log files (or digest files) to `object_arn`: the S3 data
/// event a delivery makes. The service, not a user, writes: no `userIdentity.arn`, not from a
/// console session.
pub(crate) fn delivery(object_arn: &str) -> Event {
    Event {
        category: Category::Data,
        read_only: false,
        source: "s3.amazonaws.com".into(),
        name: "PutObject".into(),
        resource: Some(("AWS::S3::Object".into(), object_arn.into())),
        other: vec![
            ("eventType".into(), "AwsApiCall".into()),
            ("sessionCredentialFromConsole".into(), "false".into()),
            ("userIdentity.arn".into(), String::new()),
        ],
    }
}
