//! Which events a trail's selectors log, decided by evaluating both selector sets against the
//! same sample of events rather than by comparing their text.
//!
//! The sample is built from every value the two selector sets mention (event sources, event
//! names, resource types and ARN prefixes, and the values of any other field of the
//! selector-field table in orgtrail-spec: `eventType`, `userIdentity.arn`, `errorCode`, ...),
//! plus a probe value no filter names, each with `readOnly` true and false. Two selector sets
//! that differ on some event differ on one of these: a filter can only tell apart values it
//! mentions (or their prefixes/suffixes) from the rest. A field the table does not know (one AWS
//! added since, read from a live trail) narrows a selector in an unknown way: on the side that
//! had the coverage it counts as matching, on the side that would have it as not matching, so an
//! unknown narrowing is reported, never hidden.

use std::collections::{BTreeMap, BTreeSet};

use orgtrail_spec::selector_fields::{self, BOOLEAN};
use orgtrail_spec::{AdvancedEventSelector, EventSelector, FieldSelector, ReadWriteType};

use crate::model::Selectors;

/// CloudTrail's event categories a trail's selectors choose among (the selector-field table's).
pub(crate) use orgtrail_spec::selector_fields::EventCategory as Category;

const PROBE: &str = "orgtrail-probe";
const PROBE_SOURCE: &str = "orgtrail-probe.amazonaws.com";
const PROBE_NAME: &str = "OrgtrailProbe";
const PROBE_ARN: &str = "arn:aws:orgtrail-probe:::probe";

/// The fields every sampled event has; the table's other fields (`eventType`,
/// `userIdentity.arn`, `errorCode`, ...) are sampled only when a selector names them.
const CORE_FIELDS: [&str; 6] = [
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
    /// Words for a reviewer.
    pub fn describe(&self) -> String {
        let rw = if self.read_only { "read" } else { "write" };
        let named = if self.name == PROBE_NAME {
            String::new()
        } else {
            format!(" named {}", self.name)
        };
        let kind = match self.category {
            Category::NetworkActivity => "network activity events",
            _ => "management events",
        };
        let what = match &self.resource {
            None if self.source == PROBE_SOURCE => format!("{rw} {kind}"),
            None => format!("{rw} {kind} of {}", self.source),
            Some((t, arn)) if arn.ends_with("orgtrail-probe") || arn == PROBE_ARN => {
                format!("{rw} data events of {t}")
            }
            Some((t, arn)) => format!(
                "{rw} data events of {t} under {}",
                arn.trim_end_matches(PROBE)
            ),
        };
        let with: String = self
            .other
            .iter()
            .filter_map(|(k, v)| describe_value(v).map(|v| format!(" with {k} {v}")))
            .collect();
        what + &named + &with
    }
}

/// A sampled value in words: `= x`, `starting x`, `ending x`; `None` for the bare probe.
fn describe_value(v: &str) -> Option<String> {
    if v == PROBE {
        None
    } else if let Some(prefix) = v.strip_suffix(PROBE) {
        Some(format!("starting {prefix}"))
    } else if let Some(suffix) = v.strip_prefix(PROBE) {
        Some(format!("ending {suffix}"))
    } else {
        Some(format!("= {v}"))
    }
}

/// Which side of a comparison a selector set is on (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Had,
    Would,
}

fn rw_matches(rw: ReadWriteType, read_only: bool) -> bool {
    match rw {
        ReadWriteType::All => true,
        ReadWriteType::ReadOnly => read_only,
        ReadWriteType::WriteOnly => !read_only,
    }
}

fn basic_logs(s: &EventSelector, e: &Event) -> bool {
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

fn field_value(e: &Event, field: &str) -> Option<String> {
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

fn field_matches(f: &FieldSelector, v: &str) -> bool {
    (f.equals.is_empty() || f.equals.iter().any(|x| x == v))
        && (f.starts_with.is_empty() || f.starts_with.iter().any(|x| v.starts_with(x.as_str())))
        && (f.ends_with.is_empty() || f.ends_with.iter().any(|x| v.ends_with(x.as_str())))
        && !f.not_equals.iter().any(|x| x == v)
        && !f.not_starts_with.iter().any(|x| v.starts_with(x.as_str()))
        && !f.not_ends_with.iter().any(|x| v.ends_with(x.as_str()))
}

fn advanced_logs(s: &AdvancedEventSelector, e: &Event, side: Side) -> bool {
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

#[derive(Default)]
struct Mentioned {
    sources: BTreeSet<String>,
    names: BTreeSet<String>,
    /// (resource type, ARN probe)
    resources: BTreeSet<(String, String)>,
    /// The table's other fields: field -> values named.
    other: BTreeMap<String, BTreeSet<String>>,
}

/// Values a filter tells apart: the value itself, and one string that starts or ends with it.
fn probes(f: &FieldSelector) -> Vec<String> {
    let exact = f.equals.iter().chain(&f.not_equals).cloned();
    let prefixed = f
        .starts_with
        .iter()
        .chain(&f.not_starts_with)
        .map(|p| format!("{p}{PROBE}"));
    let suffixed = f
        .ends_with
        .iter()
        .chain(&f.not_ends_with)
        .map(|s| format!("{PROBE}{s}"));
    exact.chain(prefixed).chain(suffixed).collect()
}

fn mention(m: &mut Mentioned, s: &Selectors) {
    match s {
        Selectors::Basic(v) => {
            for sel in v {
                m.sources
                    .extend(sel.exclude_management_event_sources.iter().cloned());
                for d in &sel.data_resources {
                    for value in &d.values {
                        m.resources
                            .insert((d.resource_type.clone(), format!("{value}{PROBE}")));
                    }
                }
            }
        }
        Selectors::Advanced(v) => mention_advanced(m, v),
    }
}

fn mention_advanced(m: &mut Mentioned, v: &[AdvancedEventSelector]) {
    for sel in v {
        let types: Vec<String> = sel
            .field_selectors
            .iter()
            .filter(|f| f.field == "resources.type")
            .flat_map(|f| f.equals.clone())
            .collect();
        for f in &sel.field_selectors {
            match f.field.as_str() {
                "eventSource" => m.sources.extend(probes(f)),
                "eventName" => m.names.extend(probes(f)),
                "resources.ARN" => {
                    for arn in probes(f) {
                        for t in &types {
                            m.resources.insert((t.clone(), arn.clone()));
                        }
                    }
                }
                name if is_other_field(name) => {
                    m.other
                        .entry(name.to_string())
                        .or_default()
                        .extend(probes(f));
                }
                _ => {}
            }
        }
        for t in types {
            m.resources.insert((t, PROBE_ARN.to_string()));
        }
    }
}

/// A field of the selector-field table that not every sampled event carries.
fn is_other_field(field: &str) -> bool {
    !CORE_FIELDS.contains(&field) && selector_fields::all_fields().contains(&field)
}

/// The values to sample for each other field named: both values of a boolean field, else every
/// value named and a probe no filter names. Every combination, as (field, value) lists.
fn other_values(m: &Mentioned) -> Vec<Vec<(String, String)>> {
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (field, named) in &m.other {
        let boolean = selector_fields::FIELDS
            .iter()
            .any(|r| r.field == field && r.values == BOOLEAN);
        let values: Vec<String> = if boolean {
            BOOLEAN.iter().map(|v| v.to_string()).collect()
        } else {
            named.iter().cloned().chain([PROBE.to_string()]).collect()
        };
        combos = combos
            .iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((field.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    combos
}

/// The sample of events that tells `a` and `b` apart wherever they differ: every category,
/// read and write, every source and name mentioned (and a probe), for data events every
/// resource mentioned too, and every combination of the other fields' values named.
pub(crate) fn sample(a: &Selectors, b: &Selectors) -> Vec<Event> {
    let mut m = Mentioned::default();
    mention(&mut m, a);
    mention(&mut m, b);
    m.sources.insert(PROBE_SOURCE.into());
    m.names.insert(PROBE_NAME.into());
    let mut resources: Vec<Option<(String, String)>> = vec![None];
    resources.extend(m.resources.iter().cloned().map(Some));
    let others = other_values(&m);
    let mut out = Vec::new();
    for read_only in [true, false] {
        for source in &m.sources {
            for name in &m.names {
                for resource in &resources {
                    for other in &others {
                        let event = |category| Event {
                            category,
                            read_only,
                            source: source.clone(),
                            name: name.clone(),
                            resource: resource.clone(),
                            other: other.clone(),
                        };
                        match resource {
                            None => {
                                out.push(event(Category::Management));
                                out.push(event(Category::NetworkActivity));
                            }
                            Some(_) => out.push(event(Category::Data)),
                        }
                    }
                }
            }
        }
    }
    out
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

/// The selectors both sides have, unchanged: what they log is logged either way, so those
/// events cannot be lost (whatever fields orgtrail does not model they carry).
fn common(had: &Selectors, would: &Selectors) -> Selectors {
    match (had, would) {
        (Selectors::Basic(a), Selectors::Basic(b)) => {
            Selectors::Basic(a.iter().filter(|s| b.contains(s)).cloned().collect())
        }
        (Selectors::Advanced(a), Selectors::Advanced(b)) => {
            Selectors::Advanced(a.iter().filter(|s| b.contains(s)).cloned().collect())
        }
        _ => Selectors::Basic(Vec::new()),
    }
}

/// Events `had` logs that `would` does not, in words, without repeats.
pub(crate) fn lost(had: &Selectors, would: &Selectors) -> Vec<String> {
    if had == would {
        return Vec::new();
    }
    let both = common(had, would);
    let mut out: Vec<String> = Vec::new();
    for e in sample(had, would) {
        if logs(had, &e, Side::Had) && !logs(&both, &e, Side::Had) && !logs(would, &e, Side::Would)
        {
            let d = e.describe();
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out
}

/// Whether the selectors log any management event at all.
pub(crate) fn logs_management_events(s: &Selectors) -> bool {
    sample(s, s)
        .iter()
        .any(|e| e.category == Category::Management && logs(s, e, Side::Had))
}
