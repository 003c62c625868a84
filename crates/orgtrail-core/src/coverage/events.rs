//! Which events a trail's selectors log, and which events a change of selectors loses, decided
//! exactly over the language of field selectors: not by comparing their text, and not by trying
//! a sample of events.
//!
//! # The language
//!
//! Every condition of a selector reads one field of an event and is built from six atoms on that
//! field's value: `equals`, `starts_with`, `ends_with` and their negations. Basic selectors are
//! the same atoms: a data resource's values are `starts_with` on `resources.ARN` and its type is
//! `equals` on `resources.type`, `exclude_management_event_sources` is `not_equals` on
//! `eventSource`, the read/write type is `equals` on `readOnly`. So a selector set is a
//! disjunction of conjunctions of per-field conditions (one conjunction per advanced selector,
//! one per part of a basic selector). A change from `had` to `would` loses coverage exactly when
//! some event satisfies a conjunction of `had` and none of `would` (nor of the selectors both
//! keep, see `common`).
//!
//! # Witnesses
//!
//! For each field, a finite set `W` of values is built from the literals *both* sides give that
//! field: the exact literals (`equals`, `not_equals`), the prefix literals `Pre` (`starts_with`,
//! `not_starts_with`, and the empty prefix) and the suffix literals `Suf` (`ends_with`,
//! `not_ends_with`, and the empty suffix). `F` is a fresh filler: the first character from U+E000
//! upward that occurs in no literal. `W` holds
//! - every exact literal;
//! - `P + F + S` for every `P` in `Pre` and `S` in `Suf`;
//! - every overlap `P + S[k..]` where `P` ends with the first `k` characters of `S`.
//!
//! # Why the witnesses are complete
//!
//! Every condition on a field is decided by the value's atom vector: which exact literals it
//! equals, which prefix literals it starts with, which suffix literals it ends with. Take any
//! value `v`. If `v` equals a literal, `v` is in `W`. Otherwise let `P` be the longest prefix
//! literal `v` starts with and `S` the longest suffix literal it ends with. A prefix literal is a
//! prefix of `v` exactly when it is a prefix of `P` (both are prefixes of `v`, and `P` is the
//! longest); likewise the suffix literals of `v` are those of `S`. `P + F + S` has the same vector:
//! a prefix literal longer than `P` would have to contain `F` at `P`'s end, and `F` is in no
//! literal, so its prefix literals are exactly those of `P`; likewise its suffix literals are
//! those of `S`; and it equals no literal, since it contains `F`, just as `v` equals none. This
//! holds whatever `v`'s length: when `P` and `S` overlap in `v` (`v = P + S[k..]`), `P + F + S`
//! still stands for it, and the overlap itself is in `W` as well, as a plain value of that case
//! (it costs nothing once witnesses are grouped, below).
//!
//! Every condition reads one field, so fields are independent: the product of the fields'
//! witness sets, with both `readOnly` values, the three event categories (management and network
//! activity events carry no resource, data events a resource type and ARN) and both values of a
//! boolean field, holds an event with every combination of atom vectors that any event has. If
//! any event is lost, one of the product is.
//!
//! # The search
//!
//! The product is searched, not listed. Witnesses of a field that make the same conjunctions
//! fail are one class (the `P + F + S` witnesses are judged by their `P` and `S` parts alone). A
//! depth-first search over the fields keeps the conjunctions still possible, drops a branch as
//! soon as no conjunction of `had` can hold or a conjunction of the other side already holds,
//! tries once the classes that differ only on conjunctions already out of the running, and
//! remembers the states below which nothing is lost. So its size follows the number of distinct
//! ways the selectors tell events apart, not the product of the literals; only the listing of
//! lost events is cut (at `LISTED`), never the decision. A lost event is described by its
//! witnesses, the filler rendered as `…` or as words ("under `P` ending `S`").
//!
//! A field the selector-field table in orgtrail-spec does not know (one AWS added since, read
//! from a live trail) narrows a selector in an unknown way: on the side that had the coverage it
//! counts as matching, on the side that would have it as not matching, so an unknown narrowing is
//! reported, never hidden.

use std::collections::{BTreeSet, HashMap, HashSet};

use orgtrail_spec::selector_fields::{self, BOOLEAN};
use orgtrail_spec::{AdvancedEventSelector, EventSelector, FieldSelector, ReadWriteType};

use crate::model::Selectors;

/// CloudTrail's event categories a trail's selectors choose among (the selector-field table's).
pub(crate) use orgtrail_spec::selector_fields::EventCategory as Category;

/// The fields every event has (the resource fields: data events only); the table's other fields
/// (`eventType`, `userIdentity.arn`, `errorCode`, ...) are searched only when a selector names
/// them.
const CORE_FIELDS: [&str; 6] = [
    "eventCategory",
    "readOnly",
    "eventSource",
    "eventName",
    "resources.type",
    "resources.ARN",
];

/// At most this many lost events are listed: a reviewer reads kinds of events, not thousands of
/// lines; the decision itself is not limited.
const LISTED: usize = 50;

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
fn shown(v: &str, filler: char) -> Option<String> {
    (v != filler.to_string()).then(|| v.replace(filler, "…"))
}

/// Where a resource is: `under P`, `ending S`, `under P ending S`, `at v`; nothing for the bare
/// filler.
fn arn_words(arn: &str, filler: char) -> String {
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
fn describe_value(v: &str, filler: char) -> Option<String> {
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

/// Events `had` logs that `would` does not, in words, without repeats (at most [`LISTED`], then
/// a line saying there are more).
pub(crate) fn lost(had: &Selectors, would: &Selectors) -> Vec<String> {
    if had == would {
        return Vec::new();
    }
    let both = common(had, would);
    let mut others = conjunctions(would, Side::Would);
    others.extend(conjunctions(&both, Side::Had));
    let problem = Problem::new(conjunctions(had, Side::Had), others);
    let found = problem.search(LISTED + 1);
    let (mut out, complete) = problem.describe(&found[..found.len().min(LISTED)]);
    debug_assert!(found.iter().all(|c| {
        let e = problem.event(&c.iter().map(|&k| (k, 0)).collect::<Vec<_>>());
        logs(had, &e, Side::Had) && !logs(&both, &e, Side::Had) && !logs(would, &e, Side::Would)
    }));
    if found.len() > LISTED || !complete {
        out.push(format!(
            "more events of these kinds (only the first {LISTED} are listed)"
        ));
    }
    out
}

/// Whether the selectors log any management event at all: whether some management event is
/// lost going from `s` to a selector of every other category.
pub(crate) fn logs_management_events(s: &Selectors) -> bool {
    let mut others = condition("eventCategory");
    others.not_equals = vec![Category::Management.as_str().into()];
    let problem = Problem::new(conjunctions(s, Side::Had), vec![vec![others]]);
    !problem.search(1).is_empty()
}

// ---------------------------------------------------------------------------------------------
// Selectors as conjunctions of field conditions.

/// One way a selector set logs an event: field conditions that must all hold.
type Conjunction = Vec<FieldSelector>;

/// A condition on `field` with no operator yet.
fn condition(field: &str) -> FieldSelector {
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

fn equals(field: &str, values: &[&str]) -> FieldSelector {
    let mut f = condition(field);
    f.equals = values.iter().map(|v| v.to_string()).collect();
    f
}

/// The conjunctions `s` logs by, read on `side` (the module docs: unknown fields).
fn conjunctions(s: &Selectors, side: Side) -> Vec<Conjunction> {
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
fn basic_conjunctions(s: &EventSelector) -> Vec<Conjunction> {
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
fn advanced_conjunction(s: &AdvancedEventSelector, side: Side) -> Option<Conjunction> {
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
fn is_other_field(field: &str) -> bool {
    !CORE_FIELDS.contains(&field) && selector_fields::all_fields().contains(&field)
}

// ---------------------------------------------------------------------------------------------
// The search.

/// A set of conjunctions, by index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Bits(Vec<u64>);

impl Bits {
    fn empty(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64)])
    }

    fn range(n: usize, from: usize, to: usize) -> Self {
        let mut b = Bits::empty(n);
        (from..to).for_each(|i| b.insert(i));
        b
    }

    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn union(&self, o: &Bits) -> Bits {
        Bits(self.0.iter().zip(&o.0).map(|(a, b)| a | b).collect())
    }

    fn minus(&self, o: &Bits) -> Bits {
        Bits(self.0.iter().zip(&o.0).map(|(a, b)| a & !b).collect())
    }

    fn meets(&self, o: &Bits) -> bool {
        self.0.iter().zip(&o.0).any(|(a, b)| a & b != 0)
    }
}

/// Witnesses of one field that make the same conjunctions fail (`kill`).
struct Class {
    kill: Bits,
    members: Vec<String>,
}

/// One field of the product.
struct Field {
    name: String,
    /// A string field (witnesses), not a finite one (each value its own class).
    open: bool,
    /// `resources.*`: only data events carry it; other events fail every condition on it.
    data_only: bool,
    /// The conjunctions with a condition on the field (those an absent field fails).
    absent_kill: Bits,
    classes: Vec<Class>,
}

/// `readOnly` and `eventCategory` come first, each value its own class; the resource fields
/// follow the category that decides whether they are there.
const READ_ONLY: usize = 0;
const CATEGORY: usize = 1;
const OPEN_FIELDS: [&str; 4] = [
    "resources.type",
    "resources.ARN",
    "eventSource",
    "eventName",
];

/// An event `had` logs and the others do not, as one class per field (`usize::MAX`: absent).
type Found = Vec<usize>;

/// Conjunctions `0..had` are the side that had the coverage; the rest the others.
struct Problem {
    /// How many conjunctions, both sides.
    n: usize,
    fields: Vec<Field>,
    had: Bits,
    /// Per depth: the other side's conjunctions decided once the fields up to it are chosen.
    decided: Vec<Bits>,
    filler: char,
}

impl Problem {
    fn new(had: Vec<Conjunction>, others: Vec<Conjunction>) -> Problem {
        let n_had = had.len();
        let all: Vec<Conjunction> = had.into_iter().chain(others).collect();
        let n = all.len();
        let filler = filler(&all);
        let mut names: Vec<String> = vec!["readOnly".into(), "eventCategory".into()];
        names.extend(OPEN_FIELDS.map(String::from));
        let named: BTreeSet<&str> = all
            .iter()
            .flatten()
            .map(|f| f.field.as_str())
            .filter(|f| is_other_field(f))
            .collect();
        names.extend(named.into_iter().map(String::from));
        let fields: Vec<Field> = names
            .into_iter()
            .map(|name| field(name, &all, filler))
            .collect();
        let decided = (0..fields.len())
            .map(|depth| {
                let mut b = Bits::empty(n);
                for (i, c) in all.iter().enumerate().skip(n_had) {
                    if c.iter()
                        .all(|f| fields[..=depth].iter().any(|x| x.name == f.field))
                    {
                        b.insert(i);
                    }
                }
                b
            })
            .collect();
        Problem {
            n,
            fields,
            had: Bits::range(n, 0, n_had),
            decided,
            filler,
        }
    }

    /// Up to `cap` lost events, one per combination of classes.
    fn search(&self, cap: usize) -> Vec<Found> {
        let mut s = Search {
            p: self,
            cap,
            dead: HashSet::new(),
            found: Vec::new(),
            choice: vec![0; self.fields.len()],
        };
        s.go(0, false, &Bits::range(self.n, 0, self.n));
        s.found
    }

    /// The event of one member of each field's class, chosen as (class, member).
    fn event(&self, chosen: &[(usize, usize)]) -> Event {
        let value = |i: usize| -> Option<String> {
            let (c, m) = chosen[i];
            (c != usize::MAX).then(|| self.fields[i].classes[c].members[m].clone())
        };
        let at = |name: &str| self.fields.iter().position(|f| f.name == name);
        let get = |name: &str| at(name).and_then(value).unwrap_or_default();
        let category = Category::parse(&value(CATEGORY).unwrap_or_default());
        let category = category.unwrap_or(Category::Management);
        let resource =
            (category == Category::Data).then(|| (get("resources.type"), get("resources.ARN")));
        Event {
            category,
            read_only: value(READ_ONLY).as_deref() == Some("true"),
            source: get("eventSource"),
            name: get("eventName"),
            resource,
            other: (2 + OPEN_FIELDS.len()..self.fields.len())
                .filter_map(|i| Some((self.fields[i].name.clone(), value(i)?)))
                .collect(),
        }
    }

    /// Words for the events found: first one per combination of classes (its first members),
    /// then the other members of each class while there is room. Whether every member was listed.
    fn describe(&self, found: &[Found]) -> (Vec<String>, bool) {
        let mut out: Vec<String> = Vec::new();
        let push = |e: Event, out: &mut Vec<String>| {
            let d = e.describe(self.filler);
            if !out.contains(&d) {
                out.push(d);
            }
        };
        for c in found {
            push(
                self.event(&c.iter().map(|&k| (k, 0)).collect::<Vec<_>>()),
                &mut out,
            );
        }
        for c in found {
            let sizes: Vec<usize> = (0..c.len())
                .map(|i| match c[i] {
                    usize::MAX => 1,
                    k => self.fields[i].classes[k].members.len(),
                })
                .collect();
            let mut m = vec![0; c.len()];
            while next(&mut m, &sizes) {
                if out.len() >= LISTED {
                    return (out, false);
                }
                let chosen: Vec<(usize, usize)> =
                    c.iter().copied().zip(m.iter().copied()).collect();
                push(self.event(&chosen), &mut out);
            }
        }
        (out, true)
    }
}

/// The next combination of member indices (odometer); false after the last.
fn next(m: &mut [usize], sizes: &[usize]) -> bool {
    for i in (0..m.len()).rev() {
        m[i] += 1;
        if m[i] < sizes[i] {
            return true;
        }
        m[i] = 0;
    }
    false
}

/// The first character from U+E000 (the private use area) upward in no literal.
fn filler(all: &[Conjunction]) -> char {
    let used: HashSet<char> = all
        .iter()
        .flatten()
        .flat_map(literals)
        .flat_map(|l| l.chars())
        .collect();
    (0xE000..=u32::MAX)
        .filter_map(char::from_u32)
        .find(|c| !used.contains(c))
        .unwrap_or('\u{E000}')
}

fn literals(f: &FieldSelector) -> impl Iterator<Item = &String> {
    f.equals
        .iter()
        .chain(&f.not_equals)
        .chain(&f.starts_with)
        .chain(&f.not_starts_with)
        .chain(&f.ends_with)
        .chain(&f.not_ends_with)
}

/// The field `name`: its classes of witnesses against every condition on it.
fn field(name: String, all: &[Conjunction], filler: char) -> Field {
    let n = all.len();
    let on: Vec<(usize, &FieldSelector)> = all
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.iter().filter(|f| f.field == name).map(move |f| (i, f)))
        .collect();
    let mut absent_kill = Bits::empty(n);
    on.iter().for_each(|(i, _)| absent_kill.insert(*i));
    let kill_of = |v: &str| {
        let mut k = Bits::empty(n);
        on.iter()
            .filter(|(_, f)| !field_matches(f, v))
            .for_each(|(i, _)| k.insert(*i));
        k
    };
    let finite: Option<Vec<&str>> = match name.as_str() {
        "eventCategory" => Some(Category::ALL.map(Category::as_str).to_vec()),
        "readOnly" => Some(BOOLEAN.to_vec()),
        _ if is_boolean(&name) => Some(BOOLEAN.to_vec()),
        _ => None,
    };
    let open = finite.is_none();
    let classes = match finite {
        // A finite domain: each value its own class (the category decides the resource fields).
        Some(values) => values
            .into_iter()
            .map(|v| Class {
                kill: kill_of(v),
                members: vec![v.to_string()],
            })
            .collect(),
        None => open_classes(&on, n, filler, kill_of),
    };
    Field {
        open,
        data_only: name.starts_with("resources."),
        name,
        absent_kill,
        classes,
    }
}

/// A field of the table whose only values are `true` and `false`.
fn is_boolean(field: &str) -> bool {
    selector_fields::FIELDS
        .iter()
        .any(|r| r.field == field && r.values == BOOLEAN)
}

/// The witnesses of a string field (module docs), grouped by the conjunctions they make fail.
fn open_classes(
    on: &[(usize, &FieldSelector)],
    n: usize,
    filler: char,
    kill_of: impl Fn(&str) -> Bits,
) -> Vec<Class> {
    let mut exact: BTreeSet<&str> = BTreeSet::new();
    let mut pre: BTreeSet<&str> = BTreeSet::from([""]);
    let mut suf: BTreeSet<&str> = BTreeSet::from([""]);
    for (_, f) in on {
        exact.extend(f.equals.iter().chain(&f.not_equals).map(String::as_str));
        pre.extend(
            f.starts_with
                .iter()
                .chain(&f.not_starts_with)
                .map(String::as_str),
        );
        suf.extend(
            f.ends_with
                .iter()
                .chain(&f.not_ends_with)
                .map(String::as_str),
        );
    }
    // `P + F + S` starts with a prefix literal iff `P` does, ends with a suffix literal iff `S`
    // does, and equals no literal: its conditions split into a part on `P` and a part on `S`.
    let part_kill = |ok: &dyn Fn(&FieldSelector) -> bool| {
        let mut k = Bits::empty(n);
        on.iter()
            .filter(|(_, f)| !ok(f))
            .for_each(|(i, _)| k.insert(*i));
        k
    };
    let pre_kill: Vec<Bits> = pre
        .iter()
        .map(|p| part_kill(&|f| prefix_part(f, p)))
        .collect();
    let suf_kill: Vec<Bits> = suf
        .iter()
        .map(|s| part_kill(&|f| suffix_part(f, s)))
        .collect();
    let mut classes = Classes::default();
    for (p, pk) in pre.iter().zip(&pre_kill) {
        for (s, sk) in suf.iter().zip(&suf_kill) {
            classes.add(format!("{p}{filler}{s}"), pk.union(sk));
        }
    }
    let overlaps = pre
        .iter()
        .flat_map(|p| suf.iter().flat_map(move |s| overlaps(p, s)));
    let plain: BTreeSet<String> = exact
        .iter()
        .map(|v| v.to_string())
        .chain(overlaps)
        .collect();
    for v in plain {
        let k = kill_of(&v);
        classes.add(v, k);
    }
    classes.list
}

/// The values `P + S[k..]` where `P` ends with the first `k` characters of `S` (`k` at least 1).
fn overlaps(p: &str, s: &str) -> Vec<String> {
    s.char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .filter(|&k| p.ends_with(&s[..k]))
        .map(|k| format!("{p}{}", &s[k..]))
        .collect()
}

/// Whether `P + F + S` can satisfy `f` as far as `P` decides: no `equals` (it equals no
/// literal), a `starts_with` it has, no `not_starts_with` it has.
fn prefix_part(f: &FieldSelector, p: &str) -> bool {
    f.equals.is_empty()
        && (f.starts_with.is_empty() || f.starts_with.iter().any(|x| p.starts_with(x.as_str())))
        && !f.not_starts_with.iter().any(|x| p.starts_with(x.as_str()))
}

/// Whether `P + F + S` can satisfy `f` as far as `S` decides.
fn suffix_part(f: &FieldSelector, s: &str) -> bool {
    (f.ends_with.is_empty() || f.ends_with.iter().any(|x| s.ends_with(x.as_str())))
        && !f.not_ends_with.iter().any(|x| s.ends_with(x.as_str()))
}

/// Witnesses grouped by what they make fail, in the order first met.
#[derive(Default)]
struct Classes {
    index: HashMap<Bits, usize>,
    list: Vec<Class>,
}

impl Classes {
    fn add(&mut self, v: String, kill: Bits) {
        match self.index.get(&kill) {
            Some(&i) => self.list[i].members.push(v),
            None => {
                self.index.insert(kill.clone(), self.list.len());
                self.list.push(Class {
                    kill,
                    members: vec![v],
                });
            }
        }
    }
}

/// The depth-first search over the product of classes.
struct Search<'a> {
    p: &'a Problem,
    cap: usize,
    /// (depth, data event, conjunctions still possible) with nothing lost below.
    dead: HashSet<(usize, bool, Bits)>,
    found: Vec<Found>,
    choice: Found,
}

impl Search<'_> {
    /// Whether an event below is lost; stops once `cap` are found.
    fn go(&mut self, depth: usize, data: bool, alive: &Bits) -> bool {
        let p = self.p;
        if depth == p.fields.len() {
            self.found.push(self.choice.clone());
            return true;
        }
        let key = (depth, data, alive.clone());
        if self.dead.contains(&key) {
            return false;
        }
        let f = &p.fields[depth];
        let branches: Vec<(usize, &Bits)> = if f.data_only && !data {
            vec![(usize::MAX, &f.absent_kill)]
        } else {
            f.classes.iter().map(|c| &c.kill).enumerate().collect()
        };
        let mut any = false;
        let mut tried: Vec<(bool, Bits)> = Vec::new();
        for (k, kill) in branches {
            let next = alive.minus(kill);
            // No conjunction of `had` can hold any more, or one of the others holds already.
            if !next.meets(&p.had) || next.meets(&p.decided[depth]) {
                continue;
            }
            let data = if depth == CATEGORY {
                Category::ALL[k] == Category::Data
            } else {
                data
            };
            // A witness class of a string field that differs from one tried only on conjunctions
            // already out of the running leads to the same events: the first (the plainest
            // witnesses) stands for it. Values of a finite field are all listed (a reviewer
            // reads "read and write").
            if f.open && tried.iter().any(|(d, b)| *d == data && *b == next) {
                continue;
            }
            tried.push((data, next.clone()));
            self.choice[depth] = k;
            any |= self.go(depth + 1, data, &next);
            if self.found.len() >= self.cap {
                return true;
            }
        }
        if !any {
            self.dead.insert(key);
        }
        any
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
