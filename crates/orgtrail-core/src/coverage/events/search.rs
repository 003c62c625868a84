//! The depth-first search over the fields' witness classes for an event one side logs and the
//! other does not.

use super::conjunctions::*;
use super::event::*;
use super::witnesses::*;
use std::collections::{BTreeSet, HashSet};

/// At most this many lost events are listed: a reviewer reads kinds of events, not thousands of
/// lines; the decision itself is not limited.
pub(super) const LISTED: usize = 50;

/// An event `had` logs and the others do not, as one class per field (`usize::MAX`: absent).
pub(super) type Found = Vec<usize>;

/// Conjunctions `0..had` are the side that had the coverage; the rest the others.
pub(super) struct Problem {
    /// How many conjunctions, both sides.
    pub(super) n: usize,
    pub(super) fields: Vec<Field>,
    pub(super) had: Bits,
    /// Per depth: the other side's conjunctions decided once the fields up to it are chosen.
    pub(super) decided: Vec<Bits>,
    pub(super) filler: char,
}

impl Problem {
    pub(super) fn new(had: Vec<Conjunction>, others: Vec<Conjunction>) -> Problem {
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
    pub(super) fn search(&self, cap: usize) -> Vec<Found> {
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
    pub(super) fn event(&self, chosen: &[(usize, usize)]) -> Event {
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
    pub(super) fn describe(&self, found: &[Found]) -> (Vec<String>, bool) {
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
pub(super) fn next(m: &mut [usize], sizes: &[usize]) -> bool {
    for i in (0..m.len()).rev() {
        m[i] += 1;
        if m[i] < sizes[i] {
            return true;
        }
        m[i] = 0;
    }
    false
}

/// The depth-first search over the product of classes.
pub(super) struct Search<'a> {
    pub(super) p: &'a Problem,
    pub(super) cap: usize,
    /// (depth, data event, conjunctions still possible) with nothing lost below.
    pub(super) dead: HashSet<(usize, bool, Bits)>,
    pub(super) found: Vec<Found>,
    pub(super) choice: Found,
}

impl Search<'_> {
    /// Whether an event below is lost; stops once `cap` are found.
    pub(super) fn go(&mut self, depth: usize, data: bool, alive: &Bits) -> bool {
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
