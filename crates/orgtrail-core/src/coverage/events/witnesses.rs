//! The witness classes of each field: the values built from both sides' literals (see the
//! module docs of `events` for why they are complete), grouped by which conjunctions they fail.

use super::conjunctions::*;
use super::event::*;
use orgtrail_spec::FieldSelector;
use orgtrail_spec::selector_fields::{self, BOOLEAN};
use std::collections::{BTreeSet, HashMap, HashSet};

/// A set of conjunctions, by index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Bits(Vec<u64>);

impl Bits {
    pub(super) fn empty(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64)])
    }

    pub(super) fn range(n: usize, from: usize, to: usize) -> Self {
        let mut b = Bits::empty(n);
        (from..to).for_each(|i| b.insert(i));
        b
    }

    pub(super) fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    pub(super) fn union(&self, o: &Bits) -> Bits {
        Bits(self.0.iter().zip(&o.0).map(|(a, b)| a | b).collect())
    }

    pub(super) fn minus(&self, o: &Bits) -> Bits {
        Bits(self.0.iter().zip(&o.0).map(|(a, b)| a & !b).collect())
    }

    pub(super) fn meets(&self, o: &Bits) -> bool {
        self.0.iter().zip(&o.0).any(|(a, b)| a & b != 0)
    }
}

/// Witnesses of one field that make the same conjunctions fail (`kill`).
pub(super) struct Class {
    pub(super) kill: Bits,
    pub(super) members: Vec<String>,
}

/// One field of the product.
pub(super) struct Field {
    pub(super) name: String,
    /// A string field (witnesses), not a finite one (each value its own class).
    pub(super) open: bool,
    /// `resources.*`: only data events carry it; other events fail every condition on it.
    pub(super) data_only: bool,
    /// The conjunctions with a condition on the field (those an absent field fails).
    pub(super) absent_kill: Bits,
    pub(super) classes: Vec<Class>,
}

/// `readOnly` and `eventCategory` come first, each value its own class; the resource fields
/// follow the category that decides whether they are there.
pub(super) const READ_ONLY: usize = 0;

pub(super) const CATEGORY: usize = 1;

pub(super) const OPEN_FIELDS: [&str; 4] = [
    "resources.type",
    "resources.ARN",
    "eventSource",
    "eventName",
];

/// The first character from U+E000 (the private use area) upward in no literal.
pub(super) fn filler(all: &[Conjunction]) -> char {
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

pub(super) fn literals(f: &FieldSelector) -> impl Iterator<Item = &String> {
    f.equals
        .iter()
        .chain(&f.not_equals)
        .chain(&f.starts_with)
        .chain(&f.not_starts_with)
        .chain(&f.ends_with)
        .chain(&f.not_ends_with)
}

/// The field `name`: its classes of witnesses against every condition on it.
pub(super) fn field(name: String, all: &[Conjunction], filler: char) -> Field {
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
pub(super) fn is_boolean(field: &str) -> bool {
    selector_fields::FIELDS
        .iter()
        .any(|r| r.field == field && r.values == BOOLEAN)
}

/// The witnesses of a string field (module docs), grouped by the conjunctions they make fail.
pub(super) fn open_classes(
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
pub(super) fn overlaps(p: &str, s: &str) -> Vec<String> {
    s.char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .filter(|&k| p.ends_with(&s[..k]))
        .map(|k| format!("{p}{}", &s[k..]))
        .collect()
}

/// Whether `P + F + S` can satisfy `f` as far as `P` decides: no `equals` (it equals no
/// literal), a `starts_with` it has, no `not_starts_with` it has.
pub(super) fn prefix_part(f: &FieldSelector, p: &str) -> bool {
    f.equals.is_empty()
        && (f.starts_with.is_empty() || f.starts_with.iter().any(|x| p.starts_with(x.as_str())))
        && !f.not_starts_with.iter().any(|x| p.starts_with(x.as_str()))
}

/// Whether `P + F + S` can satisfy `f` as far as `S` decides.
pub(super) fn suffix_part(f: &FieldSelector, s: &str) -> bool {
    (f.ends_with.is_empty() || f.ends_with.iter().any(|x| s.ends_with(x.as_str())))
        && !f.not_ends_with.iter().any(|x| s.ends_with(x.as_str()))
}

/// Witnesses grouped by what they make fail, in the order first met.
#[derive(Default)]
pub(super) struct Classes {
    pub(super) index: HashMap<Bits, usize>,
    pub(super) list: Vec<Class>,
}

impl Classes {
    pub(super) fn add(&mut self, v: String, kill: Bits) {
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
