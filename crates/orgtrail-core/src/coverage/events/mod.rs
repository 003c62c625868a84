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

mod conjunctions;
mod event;
mod search;
mod witnesses;

use crate::model::Selectors;

use conjunctions::*;
pub(crate) use event::{Category, Event, Side, delivery, logs};
use search::*;

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

/// Whether the selectors log any management event at all.
pub(crate) fn logs_management_events(s: &Selectors) -> bool {
    logs_category(s, Category::Management)
}

/// Whether the selectors log any event of `category`: whether some event of it is lost going
/// from `s` to a selector of every other category (decided by the search, so a selector
/// narrowed to nothing logs nothing).
pub(crate) fn logs_category(s: &Selectors, category: Category) -> bool {
    let mut others = condition("eventCategory");
    others.not_equals = vec![category.as_str().into()];
    let problem = Problem::new(conjunctions(s, Side::Had), vec![vec![others]]);
    !problem.search(1).is_empty()
}

#[cfg(test)]
mod tests;
