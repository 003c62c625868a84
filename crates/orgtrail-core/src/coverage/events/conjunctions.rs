//! Selector sets as disjunctions of conjunctions of per-field conditions, basic selectors
//! included, with the unknown-field rule applied per side.

use super::event::*;
use crate::model::Selectors;
use orgtrail_spec::selector_fields::{self};
use orgtrail_spec::{AdvancedEventSelector, EventSelector, FieldSelector, ReadWriteType};

/// One way a selector set logs an event: field conditions that must all hold.
pub(super) type Conjunction = Vec<FieldSelector>;

/// A condition on `field` with no operator yet.
pub(super) fn condition(field: &str) -> FieldSelector {
    FieldSelector {
        field: field.into(),
        equals: Vec::new(),
        starts_with: Vec::new(),
        ends_with: Vec::new(),
        not_equals: Vec::new(),
        not_starts_with: Vec::new(),
        not_ends_with: Vec::new(),
    }
}

pub(super) fn equals(field: &str, values: &[&str]) -> FieldSelector {
    let mut f = condition(field);
    f.equals = values.iter().map(|v| v.to_string()).collect();
    f
}

/// The conjunctions `s` logs by, read on `side` (the module docs: unknown fields).
pub(super) fn conjunctions(s: &Selectors, side: Side) -> Vec<Conjunction> {
    match s {
        Selectors::Basic(v) => v.iter().flat_map(basic_conjunctions).collect(),
        Selectors::Advanced(v) => v
            .iter()
            .filter_map(|a| advanced_conjunction(a, side))
            .collect(),
    }
}

/// A basic selector: its management events (unless excluded) and each data resource, each
/// within its read/write type.
pub(super) fn basic_conjunctions(s: &EventSelector) -> Vec<Conjunction> {
    let rw = match s.read_write_type {
        ReadWriteType::All => None,
        ReadWriteType::ReadOnly => Some(equals("readOnly", &["true"])),
        ReadWriteType::WriteOnly => Some(equals("readOnly", &["false"])),
    };
    let mut out = Vec::new();
    if s.include_management_events {
        let mut c = vec![equals("eventCategory", &[Category::Management.as_str()])];
        c.extend(rw.clone());
        if !s.exclude_management_event_sources.is_empty() {
            let mut f = condition("eventSource");
            f.not_equals.clone_from(&s.exclude_management_event_sources);
            c.push(f);
        }
        out.push(c);
    }
    // A data resource without values logs nothing.
    for d in s.data_resources.iter().filter(|d| !d.values.is_empty()) {
        let mut arn = condition("resources.ARN");
        arn.starts_with.clone_from(&d.values);
        let mut c = vec![
            equals("eventCategory", &[Category::Data.as_str()]),
            equals("resources.type", &[d.resource_type.as_str()]),
            arn,
        ];
        c.extend(rw.clone());
        out.push(c);
    }
    out
}

/// An advanced selector's conditions on the fields events carry; `None` when it can never hold.
pub(super) fn advanced_conjunction(s: &AdvancedEventSelector, side: Side) -> Option<Conjunction> {
    let mut out = Vec::new();
    for f in &s.field_selectors {
        if CORE_FIELDS.contains(&f.field.as_str()) || is_other_field(&f.field) {
            out.push(f.clone());
        } else if f.field.starts_with("resources.") || side == Side::Would {
            // No event carries the field: never true (on the `Would` side: unknown narrowing).
            return None;
        }
        // An unknown field on the `Had` side: counts as matching.
    }
    Some(out)
}

/// A field of the selector-field table beyond the core ones.
pub(super) fn is_other_field(field: &str) -> bool {
    !CORE_FIELDS.contains(&field) && selector_fields::all_fields().contains(&field)
}
