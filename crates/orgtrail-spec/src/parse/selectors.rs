//! `trail.event_selectors` and `trail.advanced_event_selectors` -> [`EventSelector`]s and
//! [`AdvancedEventSelector`]s, every list in the order written: a plan shows the spec's
//! order, and orgtrail-core compares selectors sorted (`Selectors::normalised`). Advanced
//! field selectors are checked against the table of [`crate::selector_fields`].

use serde_saphyr::Spanned;

use super::cx::{Cx, did_you_mean_or, join};
use super::fields::Fields;
use super::node::Node;
use crate::model::{
    AdvancedEventSelector, DataResource, EventSelector, FieldSelector, ReadWriteType,
};
use crate::selector_fields;

/// A trail's basic and advanced selectors (`None`: not set); CloudTrail takes one kind or the
/// other.
pub(super) type TrailSelectors = (
    Option<Vec<EventSelector>>,
    Option<Vec<AdvancedEventSelector>>,
);

/// The selectors of the trail `f`, at most one kind.
pub(super) fn selectors(cx: &mut Cx, f: &Fields) -> TrailSelectors {
    let basic = f.present("event_selectors").map(|e| event_selectors(cx, e));
    let advanced = f
        .present("advanced_event_selectors")
        .map(|e| advanced_selectors(cx, e));
    if basic.is_some() && advanced.is_some() {
        cx.err(
            f.locate("advanced_event_selectors"),
            "trail.advanced_event_selectors",
            "`event_selectors` and `advanced_event_selectors` cannot both be set",
            "keep one of them (CloudTrail accepts either basic or advanced selectors on a trail)",
        );
    }
    (basic, advanced)
}

fn event_selectors(cx: &mut Cx, n: &Spanned<Node>) -> Vec<EventSelector> {
    let items = cx.list(n, "trail.event_selectors");
    if items.len() > 5 {
        cx.err(
            n,
            "trail.event_selectors",
            format!(
                "{} basic event selectors; CloudTrail allows at most 5",
                items.len()
            ),
            "combine selectors, or use advanced_event_selectors",
        );
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(sel) = event_selector(cx, item, &format!("trail.event_selectors[{i}]")) {
            out.push(sel);
        }
    }
    out
}

/// One basic selector, its lists in the order written (a plan shows them so; they are compared
/// sorted).
fn event_selector(cx: &mut Cx, n: &Spanned<Node>, path: &str) -> Option<EventSelector> {
    let f = cx.fields(
        n,
        path,
        &[
            "read_write_type",
            "include_management_events",
            "exclude_management_event_sources",
            "data_resources",
        ],
    )?;
    let rw = read_write_type(cx, &f, path);
    let mgmt = cx.bool_or(&f, "include_management_events", true);
    let excl = cx.string_list(&f, "exclude_management_event_sources");
    let resources = data_resources(cx, &f, path);
    Some(EventSelector {
        read_write_type: rw,
        include_management_events: mgmt,
        exclude_management_event_sources: excl,
        data_resources: resources,
    })
}

/// `read_write_type`: `ReadOnly`, `WriteOnly` or `All` (the default, also after an error).
fn read_write_type(cx: &mut Cx, f: &Fields, path: &str) -> ReadWriteType {
    let Some((s, at)) = cx.opt_string(f, "read_write_type") else {
        return ReadWriteType::All;
    };
    ReadWriteType::parse(&s).unwrap_or_else(|| {
        let allowed = ["ReadOnly", "WriteOnly", "All"];
        let help = did_you_mean_or(&s, &allowed, "use ReadOnly, WriteOnly or All");
        cx.err(
            &at,
            &format!("{path}.read_write_type"),
            format!("unknown read_write_type `{s}`"),
            help,
        );
        ReadWriteType::All
    })
}

/// What is wrong with a basic selector's value for `AWS::S3::Object`: CloudTrail takes `arn:aws:s3`
/// (every bucket) or an ARN prefix `arn:<partition>:s3:::bucket/[prefix]`, the trailing `/` of
/// a whole bucket included ("DataResource", CloudTrail API reference: "arn:aws:s3:::bucket-1/
/// ... The trailing slash is intentional; do not exclude it"). A bare bucket name matches
/// nothing, and without the `/` a prefix matches every bucket whose name starts with it.
fn s3_object_value(resource_type: &str, v: &str) -> Option<(String, String)> {
    if resource_type != "AWS::S3::Object" || is_s3_object_prefix(v) {
        return None;
    }
    let bucket = v.rsplit(":::").next().unwrap_or(v).trim_end_matches('/');
    Some((
        format!("`{v}` is not an S3 object ARN prefix: CloudTrail would log no object of it"),
        format!(
            "write `arn:aws:s3:::{bucket}/` for every object of the bucket, `arn:aws:s3:::{bucket}/reports/` for a prefix, or `arn:aws:s3` for every bucket"
        ),
    ))
}

/// `arn:<partition>:s3` or `arn:<partition>:s3:::` (every bucket), or
/// `arn:<partition>:s3:::bucket/[prefix]`.
fn is_s3_object_prefix(v: &str) -> bool {
    let parts: Vec<&str> = v.splitn(6, ':').collect();
    match parts[..] {
        ["arn", p, "s3"] => p.starts_with("aws"),
        // `arn:aws:s3:::` alone is every bucket too.
        ["arn", p, "s3", "", "", rest] => {
            p.starts_with("aws")
                && (rest.is_empty() || rest.split_once('/').is_some_and(|(b, _)| !b.is_empty()))
        }
        _ => false,
    }
}

/// `data_resources`, in the order written.
fn data_resources(cx: &mut Cx, f: &Fields, path: &str) -> Vec<DataResource> {
    let mut resources = Vec::new();
    if let Some(dr) = f.map.get("data_resources") {
        let drs = cx.list(dr, &format!("{path}.data_resources"));
        for (j, d) in drs.iter().enumerate() {
            let dp = format!("{path}.data_resources[{j}]");
            let Some(df) = cx.fields(d, &dp, &["type", "values"]) else {
                continue;
            };
            let ty = cx.req_string(&df, "type");
            let values = cx.string_list(&df, "values");
            if let (Some((t, _)), Some(at)) = (&ty, df.map.get("values")) {
                for v in &values {
                    if let Some((msg, help)) = s3_object_value(t, v) {
                        cx.err(at, &format!("{dp}.values"), msg, help);
                    }
                }
            }
            if let Some((t, _)) = ty {
                resources.push(DataResource {
                    resource_type: t,
                    values,
                });
            }
        }
    }
    resources
}

fn advanced_selectors(cx: &mut Cx, n: &Spanned<Node>) -> Vec<AdvancedEventSelector> {
    let items = cx.list(n, "trail.advanced_event_selectors");
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("trail.advanced_event_selectors[{i}]");
        if let Some(sel) = advanced_selector(cx, item, &path) {
            out.push(sel);
        }
    }
    out
}

/// One advanced selector, its field selectors checked against the table, in the order written.
fn advanced_selector(cx: &mut Cx, n: &Spanned<Node>, path: &str) -> Option<AdvancedEventSelector> {
    let f = cx.fields(n, path, &["name", "field_selectors"])?;
    let name = cx.opt_string(&f, "name").map(|s| s.0);
    let fs = cx.require(&f, "field_selectors")?;
    let fsp = format!("{path}.field_selectors");
    let fs_items = cx.list(fs, &fsp);
    if fs_items.is_empty() {
        cx.err(
            fs,
            &fsp,
            "an advanced event selector needs at least one field selector",
            "add `- field: eventCategory` with `equals: [Management]`",
        );
    }
    let mut fields = Vec::new();
    let mut located = Vec::new();
    for (j, fsel) in fs_items.iter().enumerate() {
        if let Some((sel, at)) = field_selector(cx, fsel, &format!("{fsp}[{j}]")) {
            fields.push(sel);
            located.push(at);
        }
    }
    if !fs_items.is_empty() {
        check_selector_fields(cx, fs, &fsp, &fields, &located);
    }
    Some(AdvancedEventSelector {
        name,
        field_selectors: fields,
    })
}

/// One field selector (its values in the order written), and where its parts are, for later
/// errors.
fn field_selector<'a>(
    cx: &mut Cx,
    n: &'a Spanned<Node>,
    path: &str,
) -> Option<(FieldSelector, Fields<'a>)> {
    let ff = cx.fields(
        n,
        path,
        &[
            "field",
            "equals",
            "starts_with",
            "ends_with",
            "not_equals",
            "not_starts_with",
            "not_ends_with",
        ],
    )?;
    let field = cx.req_string(&ff, "field");
    let mut sel = FieldSelector {
        field: String::new(),
        equals: cx.string_list(&ff, "equals"),
        starts_with: cx.string_list(&ff, "starts_with"),
        ends_with: cx.string_list(&ff, "ends_with"),
        not_equals: cx.string_list(&ff, "not_equals"),
        not_starts_with: cx.string_list(&ff, "not_starts_with"),
        not_ends_with: cx.string_list(&ff, "not_ends_with"),
    };
    sel.field = field?.0;
    Some((sel, ff))
}

/// The fields, operators and values of one selector against the table of
/// [`selector_fields`]; each error at the field (or operator) at fault.
fn check_selector_fields(
    cx: &mut Cx,
    list: &Spanned<Node>,
    list_path: &str,
    fields: &[FieldSelector],
    located: &[Fields],
) {
    for p in selector_fields::check(fields) {
        let (at, path) = match p.field.and_then(|i| located.get(i)) {
            None => (list, list_path.to_string()),
            Some(f) => {
                let key = p.operator.map_or("field", |o| o.key());
                (f.locate(key), join(&f.path, key))
            }
        };
        cx.err(at, &path, p.message, p.help);
    }
}
