//! The decision procedure against a brute force, its words, and its cost.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use orgtrail_spec::{AdvancedEventSelector, FieldSelector};
use proptest::prelude::*;

use super::{Category, logs_management_events, lost};
use crate::model::Selectors;

fn condition(field: &str) -> FieldSelector {
    super::condition(field)
}

fn equals(field: &str, v: &str) -> FieldSelector {
    super::equals(field, &[v])
}

fn selector(fields: Vec<FieldSelector>) -> AdvancedEventSelector {
    AdvancedEventSelector {
        name: None,
        field_selectors: fields,
    }
}

fn s3(arn: FieldSelector) -> Selectors {
    Selectors::Advanced(vec![selector(vec![
        equals("eventCategory", "Data"),
        equals("resources.type", "AWS::S3::Object"),
        arn,
    ])])
}

fn arn(f: impl FnOnce(&mut FieldSelector)) -> FieldSelector {
    let mut a = condition("resources.ARN");
    a.starts_with = vec!["arn:aws:s3:::data-bucket/".into()];
    f(&mut a);
    a
}

#[test]
fn a_suffix_narrowing_names_the_prefix_and_the_suffix_lost() {
    let had = s3(arn(|_| {}));
    let would = s3(arn(|a| a.not_ends_with = vec![".json".into()]));
    assert_eq!(
        lost(&had, &would),
        [
            "read data events of AWS::S3::Object under arn:aws:s3:::data-bucket/ ending .json",
            "write data events of AWS::S3::Object under arn:aws:s3:::data-bucket/ ending .json",
        ]
    );
    let gz = s3(arn(|a| a.ends_with = vec![".gz".into()]));
    let xgz = s3(arn(|a| a.ends_with = vec!["x.gz".into()]));
    assert_eq!(
        lost(&gz, &xgz)[0],
        "read data events of AWS::S3::Object under arn:aws:s3:::data-bucket/ ending .gz"
    );
    assert!(lost(&xgz, &gz).is_empty());
    assert!(lost(&would, &had).is_empty());
}

/// Values no selector names are left out of the words; read and write are listed apart.
#[test]
fn lost_management_events_read_as_before() {
    use orgtrail_spec::{EventSelector, ReadWriteType};
    let basic = |f: fn(&mut EventSelector)| {
        let mut s = EventSelector::aws_default();
        f(&mut s);
        Selectors::Basic(vec![s])
    };
    let all = Selectors::aws_default();
    let read_only = basic(|s| s.read_write_type = ReadWriteType::ReadOnly);
    assert_eq!(lost(&all, &read_only), ["write management events"]);
    let no_kms = basic(|s| s.exclude_management_event_sources = vec!["kms.amazonaws.com".into()]);
    assert_eq!(
        lost(&all, &no_kms),
        [
            "read management events of kms.amazonaws.com",
            "write management events of kms.amazonaws.com",
        ]
    );
}

/// The filler is in no literal: a one-letter prefix cannot make every witness satisfy it (a
/// fixed probe such as `orgtrail-probe` starts with `o`).
#[test]
fn a_prefix_of_any_fixed_probe_does_not_hide_a_narrowing() {
    let mut source = condition("eventSource");
    source.starts_with = vec!["o".into()];
    let had = s3(arn(|_| {}));
    let Selectors::Advanced(mut would) = had.clone() else {
        unreachable!()
    };
    would[0].field_selectors.push(source);
    let lost = lost(&had, &Selectors::Advanced(would));
    assert_eq!(
        lost,
        [
            "read data events of AWS::S3::Object under arn:aws:s3:::data-bucket/",
            "write data events of AWS::S3::Object under arn:aws:s3:::data-bucket/",
        ]
    );
}

/// Ten data selectors of twenty literals each: lost stays a small search, whether little or
/// everything is lost (the list is then cut, the decision is not).
#[test]
fn lost_stays_fast_on_ten_selectors_of_twenty_literals_each() {
    let had = large(None);
    let narrowed = large(Some(3));
    let management =
        Selectors::Advanced(vec![selector(vec![equals("eventCategory", "Management")])]);
    let mut wider = large(None);
    if let Selectors::Advanced(v) = &mut wider {
        v.push(selector(vec![equals("eventCategory", "Management")]));
    }
    // The same meaning written otherwise (every list reversed): no selector is common, the
    // whole product is searched and nothing is lost.
    let mut rewritten = large(None);
    if let Selectors::Advanced(v) = &mut rewritten {
        for f in v.iter_mut().flat_map(|s| s.field_selectors.iter_mut()) {
            f.starts_with.reverse();
            f.not_starts_with.reverse();
            f.ends_with.reverse();
            f.not_ends_with.reverse();
            f.not_equals.reverse();
        }
    }
    let timed = |from: &Selectors, to: &Selectors| {
        let start = Instant::now();
        let l = lost(from, to);
        (l, start.elapsed())
    };
    let (one, t1) = timed(&had, &narrowed);
    assert!(one.iter().any(|l| l.contains("ending x.gz")), "{one:?}");
    let (all, t2) = timed(&had, &management);
    assert_eq!(all.len(), super::LISTED + 1, "{all:?}");
    let (none, t3) = timed(&had, &wider);
    assert!(none.is_empty(), "{none:?}");
    let (same, t4) = timed(&had, &rewritten);
    assert!(same.is_empty(), "{same:?}");
    // Generous for a loaded debug build: a blow-up of the product takes seconds or more.
    let bound = Duration::from_millis(500);
    assert!(
        [t1, t2, t3, t4].iter().all(|t| *t < bound),
        "{t1:?} {t2:?} {t3:?} {t4:?}"
    );
}

/// Ten S3/Lambda/DynamoDB data selectors, twenty literals each (eight bucket prefixes, three
/// excluded folders, three suffixes, two excluded suffixes, one event source, three event names
/// excluded); `narrow`: that selector also excludes `x.gz`.
fn large(narrow: Option<usize>) -> Selectors {
    let types = [
        "AWS::S3::Object",
        "AWS::Lambda::Function",
        "AWS::DynamoDB::Table",
    ];
    Selectors::Advanced(
        (0..10)
            .map(|i| {
                let mut a = condition("resources.ARN");
                a.starts_with = (0..8)
                    .map(|j| format!("arn:aws:s3:::bucket-{i}-{j}/"))
                    .collect();
                a.not_starts_with = (0..3)
                    .map(|j| format!("arn:aws:s3:::bucket-{i}-{j}/tmp/"))
                    .collect();
                a.ends_with = vec![".json".into(), ".gz".into(), format!(".csv{i}")];
                a.not_ends_with = vec![".part".into(), format!(".tmp{i}")];
                if narrow == Some(i) {
                    a.not_ends_with.push("x.gz".into());
                }
                let mut name = condition("eventName");
                name.not_equals = (0..3).map(|j| format!("GetObject{i}{j}")).collect();
                selector(vec![
                    equals("eventCategory", "Data"),
                    equals("resources.type", types[i % 3]),
                    a,
                    equals("eventSource", "s3.amazonaws.com"),
                    name,
                ])
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// The brute force: every event name of length 0..=5 over {a, b, c} (`c` is in no literal, as the
// filler), both readOnly values, every category.

/// The literals selectors are drawn with: length 0..=2 over {a, b}.
const LITERALS: [&str; 7] = ["", "a", "b", "aa", "ab", "ba", "bb"];
const WORDS: usize = 6;

/// A set of event names, one bit per name of [`NAMES`].
type Mask = [u64; WORDS];

struct Names {
    /// Per literal: the names equal to it, starting with it, ending with it.
    equal: Vec<Mask>,
    starting: Vec<Mask>,
    ending: Vec<Mask>,
    all: Mask,
}

static NAMES: LazyLock<Names> = LazyLock::new(|| {
    let mut names = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..5 {
        last = last
            .iter()
            .flat_map(|n| ["a", "b", "c"].map(|c| format!("{n}{c}")))
            .collect();
        names.extend(last.iter().cloned());
    }
    assert!(names.len() <= WORDS * 64);
    let mask = |keep: &dyn Fn(&str) -> bool| {
        let mut m = [0u64; WORDS];
        for (i, n) in names.iter().enumerate() {
            if keep(n) {
                m[i / 64] |= 1 << (i % 64);
            }
        }
        m
    };
    Names {
        equal: LITERALS.iter().map(|l| mask(&|n| n == *l)).collect(),
        starting: LITERALS
            .iter()
            .map(|l| mask(&|n| n.starts_with(l)))
            .collect(),
        ending: LITERALS.iter().map(|l| mask(&|n| n.ends_with(l))).collect(),
        all: mask(&|_| true),
    }
});

fn and(a: Mask, b: Mask) -> Mask {
    std::array::from_fn(|i| a[i] & b[i])
}

fn or(a: Mask, b: Mask) -> Mask {
    std::array::from_fn(|i| a[i] | b[i])
}

fn not(a: Mask) -> Mask {
    and(std::array::from_fn(|i| !a[i]), NAMES.all)
}

/// The names any of `values` picks in `table`; `None` without values.
fn any_of(values: &[String], table: &[Mask]) -> Option<Mask> {
    values
        .iter()
        .map(|v| table[LITERALS.iter().position(|l| l == v).unwrap()])
        .reduce(or)
}

/// The names a condition on `eventName` lets through.
fn names_matching(f: &FieldSelector) -> Mask {
    let t = &*NAMES;
    let mut m = t.all;
    for (values, table) in [
        (&f.equals, &t.equal),
        (&f.starts_with, &t.starting),
        (&f.ends_with, &t.ending),
    ] {
        if let Some(x) = any_of(values, table) {
            m = and(m, x);
        }
    }
    for (values, table) in [
        (&f.not_equals, &t.equal),
        (&f.not_starts_with, &t.starting),
        (&f.not_ends_with, &t.ending),
    ] {
        if let Some(x) = any_of(values, table) {
            m = and(m, not(x));
        }
    }
    m
}

/// A condition on a field with a few values, evaluated directly.
fn holds(f: &FieldSelector, v: &str) -> bool {
    let any = |xs: &[String], p: &dyn Fn(&str) -> bool| xs.iter().any(|x| p(x));
    (f.equals.is_empty() || any(&f.equals, &|x| v == x))
        && (f.starts_with.is_empty() || any(&f.starts_with, &|x| v.starts_with(x)))
        && (f.ends_with.is_empty() || any(&f.ends_with, &|x| v.ends_with(x)))
        && !any(&f.not_equals, &|x| v == x)
        && !any(&f.not_starts_with, &|x| v.starts_with(x))
        && !any(&f.not_ends_with, &|x| v.ends_with(x))
}

/// The event names `s` logs among events of `category` with `read_only`.
fn logged(s: &Selectors, category: Category, read_only: bool) -> Mask {
    let Selectors::Advanced(v) = s else {
        unreachable!()
    };
    let read_only = read_only.to_string();
    v.iter()
        .map(|sel| {
            sel.field_selectors
                .iter()
                .map(|f| match f.field.as_str() {
                    "eventName" => names_matching(f),
                    "eventCategory" if holds(f, category.as_str()) => NAMES.all,
                    "readOnly" if holds(f, &read_only) => NAMES.all,
                    _ => [0; WORDS],
                })
                .fold(NAMES.all, and)
        })
        .fold([0; WORDS], or)
}

/// Whether some event `had` logs is not logged by `would`, trying every event.
fn brute_force_loses(had: &Selectors, would: &Selectors) -> bool {
    Category::ALL.into_iter().any(|c| {
        [true, false]
            .into_iter()
            .any(|ro| and(logged(had, c, ro), not(logged(would, c, ro))) != [0; WORDS])
    })
}

fn literal() -> impl Strategy<Value = String> {
    prop::sample::select(&LITERALS[..]).prop_map(String::from)
}

/// A condition on `eventName`: one to three of the six operators, one or two literals each.
fn name_condition() -> impl Strategy<Value = FieldSelector> {
    prop::collection::vec((0..6usize, prop::collection::vec(literal(), 1..=2)), 1..=3).prop_map(
        |ops| {
            let mut f = condition("eventName");
            for (op, values) in ops {
                let slot = match op {
                    0 => &mut f.equals,
                    1 => &mut f.starts_with,
                    2 => &mut f.ends_with,
                    3 => &mut f.not_equals,
                    4 => &mut f.not_starts_with,
                    _ => &mut f.not_ends_with,
                };
                slot.extend(values);
            }
            f
        },
    )
}

/// A selector of management (now and then data) events with one or two conditions on
/// `eventName` and perhaps a `readOnly` filter.
fn random_selector() -> impl Strategy<Value = AdvancedEventSelector> {
    let category = prop_oneof![3 => Just("Management"), 1 => Just("Data")];
    let read_only = prop_oneof![Just(None), Just(Some("true")), Just(Some("false"))];
    (
        category,
        read_only,
        prop::collection::vec(name_condition(), 1..=2),
    )
        .prop_map(|(c, ro, names)| {
            let mut fields = vec![equals("eventCategory", c)];
            fields.extend(ro.map(|v| equals("readOnly", v)));
            fields.extend(names);
            selector(fields)
        })
}

fn random_selectors() -> impl Strategy<Value = Selectors> {
    prop::collection::vec(random_selector(), 1..=3).prop_map(Selectors::Advanced)
}

/// A pair (had, would): unrelated, or `would` the same selectors with one changed (a condition
/// added to one, one dropped, one added), where a wrong answer is most likely.
fn random_change() -> impl Strategy<Value = (Selectors, Selectors)> {
    (
        random_selectors(),
        random_selectors(),
        name_condition(),
        random_selector(),
        0..4usize,
        0..3usize,
    )
        .prop_map(|(had, other, condition, extra, how, at)| {
            let Selectors::Advanced(mut v) = had.clone() else {
                unreachable!()
            };
            let at = at % v.len();
            match how {
                0 => return (had, other),
                1 => v[at].field_selectors.push(condition),
                2 if v.len() > 1 => drop(v.remove(at)),
                _ => v.push(extra),
            }
            (had, Selectors::Advanced(v))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// `lost` finds an event `had` logs and `would` does not exactly when trying every event
    /// name up to five characters (with both readOnly values, every category) finds one.
    #[test]
    fn exact_comparison_agrees_with_brute_force_on_random_selectors(
        (had, would) in random_change(),
    ) {
        let lost = lost(&had, &would);
        prop_assert_eq!(!lost.is_empty(), brute_force_loses(&had, &would), "{:?}", lost);
    }

    /// `logs_management_events` holds exactly when some management event name is logged.
    #[test]
    fn management_events_found_agree_with_brute_force_on_random_selectors(
        s in random_selectors(),
    ) {
        let brute = [true, false]
            .into_iter()
            .any(|ro| logged(&s, Category::Management, ro) != [0; WORDS]);
        prop_assert_eq!(logs_management_events(&s), brute);
    }
}
