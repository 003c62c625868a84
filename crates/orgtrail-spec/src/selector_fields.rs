//! The advanced-event-selector fields CloudTrail accepts on a trail, per event category, with
//! the operators and values each allows. One table ([`FIELDS`]) serves the parser (every field
//! selector of every advanced selector is checked against it) and the coverage model in
//! orgtrail-core (which fields an event carries). When AWS adds a field, add one row.
//!
//! Source: CloudTrail API Reference, "AdvancedFieldSelector" and "AdvancedEventSelector"
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html>),
//! and the CloudTrail User Guide, "Filtering data events by using advanced event selectors".
//! Fields AWS offers only on event data stores (management events' `eventName`, `eventType`,
//! `sessionCredentialFromConsole`, `userIdentity.arn`; the `Insight`, `ConfigurationItem`,
//! `Evidence` and `ActivityAuditLog` categories) are not accepted on a trail.
//!
//! Rules AWS states for every selector: exactly one `eventCategory`, with `Equals` and one value;
//! a data-event selector has exactly one `resources.type` (`Equals`, one value); a
//! network-activity selector has exactly one `eventSource` (`Equals`, one value: one selector per
//! event source).

use crate::model::FieldSelector;
use crate::rules::did_you_mean;

/// The event category (`eventCategory`) an advanced event selector of a trail chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventCategory {
    Management,
    Data,
    NetworkActivity,
}

impl EventCategory {
    pub const ALL: [EventCategory; 3] = [
        EventCategory::Management,
        EventCategory::Data,
        EventCategory::NetworkActivity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventCategory::Management => "Management",
            EventCategory::Data => "Data",
            EventCategory::NetworkActivity => "NetworkActivity",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// An operator of a field selector, named as the spec writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equals,
    StartsWith,
    EndsWith,
    NotEquals,
    NotStartsWith,
    NotEndsWith,
}

impl Operator {
    pub const ALL: [Operator; 6] = [
        Operator::Equals,
        Operator::StartsWith,
        Operator::EndsWith,
        Operator::NotEquals,
        Operator::NotStartsWith,
        Operator::NotEndsWith,
    ];

    /// The spec's key for the operator (`equals`, `not_starts_with`, ...).
    pub fn key(self) -> &'static str {
        match self {
            Operator::Equals => "equals",
            Operator::StartsWith => "starts_with",
            Operator::EndsWith => "ends_with",
            Operator::NotEquals => "not_equals",
            Operator::NotStartsWith => "not_starts_with",
            Operator::NotEndsWith => "not_ends_with",
        }
    }

    /// The values `f` gives this operator.
    pub fn values(self, f: &FieldSelector) -> &[String] {
        match self {
            Operator::Equals => &f.equals,
            Operator::StartsWith => &f.starts_with,
            Operator::EndsWith => &f.ends_with,
            Operator::NotEquals => &f.not_equals,
            Operator::NotStartsWith => &f.not_starts_with,
            Operator::NotEndsWith => &f.not_ends_with,
        }
    }
}

/// One field of one event category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRule {
    pub category: EventCategory,
    pub field: &'static str,
    /// The operators AWS accepts on this field.
    pub operators: &'static [Operator],
    /// The only values AWS accepts; empty: any value.
    pub values: &'static [&'static str],
    /// Exactly once per selector, as `equals` with one value.
    pub required: bool,
}

const ANY: &[Operator] = &Operator::ALL;
const EQUALS: &[Operator] = &[Operator::Equals];
const NOT_EQUALS: &[Operator] = &[Operator::NotEquals];
const EQUALS_OR_NOT: &[Operator] = &[Operator::Equals, Operator::NotEquals];
/// The values of a boolean field.
pub const BOOLEAN: &[&str] = &["true", "false"];

const fn row(
    category: EventCategory,
    field: &'static str,
    operators: &'static [Operator],
    values: &'static [&'static str],
    required: bool,
) -> FieldRule {
    FieldRule {
        category,
        field,
        operators,
        values,
        required,
    }
}

use EventCategory::{Data, Management, NetworkActivity};

/// Every field a trail's advanced event selector may name, per category.
pub const FIELDS: &[FieldRule] = &[
    row(Management, "eventCategory", EQUALS, &["Management"], true),
    row(Management, "readOnly", EQUALS, BOOLEAN, false),
    // On trails only to exclude KMS or RDS Data API management events.
    row(
        Management,
        "eventSource",
        NOT_EQUALS,
        &["kms.amazonaws.com", "rdsdata.amazonaws.com"],
        false,
    ),
    row(Data, "eventCategory", EQUALS, &["Data"], true),
    row(Data, "resources.type", EQUALS, &[], true),
    row(Data, "resources.ARN", ANY, &[], false),
    row(Data, "readOnly", EQUALS, BOOLEAN, false),
    row(Data, "eventName", ANY, &[], false),
    row(Data, "eventSource", ANY, &[], false),
    row(Data, "eventType", EQUALS_OR_NOT, &[], false),
    row(
        Data,
        "sessionCredentialFromConsole",
        EQUALS_OR_NOT,
        BOOLEAN,
        false,
    ),
    row(Data, "userIdentity.arn", ANY, &[], false),
    row(
        NetworkActivity,
        "eventCategory",
        EQUALS,
        &["NetworkActivity"],
        true,
    ),
    row(NetworkActivity, "eventSource", EQUALS, &[], true),
    row(NetworkActivity, "eventName", ANY, &[], false),
    row(
        NetworkActivity,
        "errorCode",
        EQUALS,
        &["VpceAccessDenied"],
        false,
    ),
    row(NetworkActivity, "vpcEndpointId", ANY, &[], false),
    row(NetworkActivity, "userIdentity.arn", ANY, &[], false),
];

/// The rule for `field` in `category`.
pub fn rule(category: EventCategory, field: &str) -> Option<&'static FieldRule> {
    FIELDS
        .iter()
        .find(|r| r.category == category && r.field == field)
}

/// The field names of `category`, in table order.
pub fn fields_of(category: EventCategory) -> Vec<&'static str> {
    FIELDS
        .iter()
        .filter(|r| r.category == category)
        .map(|r| r.field)
        .collect()
}

/// Every field name of any category, each once.
pub fn all_fields() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for r in FIELDS {
        if !out.contains(&r.field) {
            out.push(r.field);
        }
    }
    out
}

/// A rule of the table a selector breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field selector at fault (its index in the list checked); `None`: the selector.
    pub field: Option<usize>,
    /// The operator at fault; `None`: the field selector's `field`.
    pub operator: Option<Operator>,
    pub message: String,
    pub help: String,
}

fn problem(
    field: Option<usize>,
    operator: Option<Operator>,
    message: String,
    help: impl Into<String>,
) -> Problem {
    Problem {
        field,
        operator,
        message,
        help: help.into(),
    }
}

/// Every rule of the table the field selectors of one advanced event selector break.
pub fn check(fields: &[FieldSelector]) -> Vec<Problem> {
    let mut out = Vec::new();
    let category = category_of(fields, &mut out);
    for (i, f) in fields.iter().enumerate() {
        match category {
            Some(c) => check_field(i, f, c, &mut out),
            None => check_name(i, f, &mut out),
        }
    }
    if let Some(c) = category {
        required_once(fields, c, &mut out);
    }
    out
}

/// The selector's category, when its (first) `eventCategory` names exactly one known one.
fn category_of(fields: &[FieldSelector], out: &mut Vec<Problem>) -> Option<EventCategory> {
    let categories = EventCategory::ALL.map(EventCategory::as_str);
    let Some((i, f)) = fields
        .iter()
        .enumerate()
        .find(|(_, f)| f.field == "eventCategory")
    else {
        out.push(problem(
            None,
            None,
            "an advanced event selector needs an `eventCategory`".into(),
            "add `- field: eventCategory` with `equals: [Management]`, `[Data]` or `[NetworkActivity]`",
        ));
        return None;
    };
    match f.equals.as_slice() {
        [one] => {
            let c = EventCategory::parse(one);
            if c.is_none() {
                let help = match did_you_mean(one, &categories) {
                    Some(m) => format!("did you mean `{m}`?"),
                    None => "a trail's selectors log `Management`, `Data` or `NetworkActivity` events (other categories exist only for event data stores)".into(),
                };
                out.push(problem(
                    Some(i),
                    Some(Operator::Equals),
                    format!("unknown event category `{one}`"),
                    help,
                ));
            }
            c
        }
        values => {
            out.push(problem(
                Some(i),
                Some(Operator::Equals),
                format!(
                    "`eventCategory` needs exactly one value in `equals`, found {}",
                    values.len()
                ),
                "write one selector per event category",
            ));
            None
        }
    }
}

/// Without a category, only whether the field exists at all can be told.
fn check_name(i: usize, f: &FieldSelector, out: &mut Vec<Problem>) {
    let all = all_fields();
    if !all.contains(&f.field.as_str()) {
        out.push(unknown_field(
            i,
            &f.field,
            &all,
            "the fields of advanced event selectors",
        ));
    }
}

fn unknown_field(i: usize, field: &str, candidates: &[&str], what: &str) -> Problem {
    let help = match did_you_mean(field, candidates) {
        Some(m) => format!("did you mean `{m}`?"),
        None => format!("{what}: {}", candidates.join(", ")),
    };
    problem(Some(i), None, format!("unknown field `{field}`"), help)
}

fn check_field(i: usize, f: &FieldSelector, c: EventCategory, out: &mut Vec<Problem>) {
    let Some(rule) = rule(c, &f.field) else {
        out.push(not_in_category(i, &f.field, c));
        return;
    };
    let used: Vec<Operator> = Operator::ALL
        .into_iter()
        .filter(|op| !op.values(f).is_empty())
        .collect();
    if used.is_empty() {
        out.push(problem(
            Some(i),
            None,
            format!("the field selector on `{}` has no condition", f.field),
            format!(
                "add `{}: [...]` with the values to match",
                rule.operators[0].key()
            ),
        ));
    }
    for op in used {
        if !rule.operators.contains(&op) {
            out.push(wrong_operator(i, op, rule));
            continue;
        }
        if rule.values.is_empty() {
            continue;
        }
        for v in op.values(f) {
            if !rule.values.contains(&v.as_str()) {
                out.push(wrong_value(i, op, v, rule));
            }
        }
    }
}

/// A field of another category, or of none.
fn not_in_category(i: usize, field: &str, c: EventCategory) -> Problem {
    let own = fields_of(c);
    let elsewhere: Vec<&str> = EventCategory::ALL
        .into_iter()
        .filter(|o| rule(*o, field).is_some())
        .map(EventCategory::as_str)
        .collect();
    if elsewhere.is_empty() {
        return unknown_field(
            i,
            field,
            &own,
            &format!("the fields of {} selectors", c.as_str()),
        );
    }
    problem(
        Some(i),
        None,
        format!(
            "`{field}` is not a field of {} selectors (it is one of {} selectors)",
            c.as_str(),
            elsewhere.join(" and ")
        ),
        format!(
            "remove it, or move it to a selector of that category; the fields of {} selectors: {}",
            c.as_str(),
            own.join(", ")
        ),
    )
}

fn wrong_operator(i: usize, op: Operator, rule: &FieldRule) -> Problem {
    let allowed: Vec<String> = rule
        .operators
        .iter()
        .map(|o| format!("`{}`", o.key()))
        .collect();
    problem(
        Some(i),
        Some(op),
        format!(
            "`{}` of {} selectors does not take `{}`",
            rule.field,
            rule.category.as_str(),
            op.key()
        ),
        format!("use {}", allowed.join(" or ")),
    )
}

fn wrong_value(i: usize, op: Operator, value: &str, rule: &FieldRule) -> Problem {
    let help = match did_you_mean(value, rule.values) {
        Some(m) => format!("did you mean `{m}`?"),
        None => {
            let quoted: Vec<String> = rule.values.iter().map(|v| format!("`{v}`")).collect();
            format!("use {}", quoted.join(" or "))
        }
    };
    problem(
        Some(i),
        Some(op),
        format!(
            "`{value}` is not a value of `{}` in {} selectors",
            rule.field,
            rule.category.as_str()
        ),
        help,
    )
}

/// The required fields of `c` appear once each, as `equals` with one value.
fn required_once(fields: &[FieldSelector], c: EventCategory, out: &mut Vec<Problem>) {
    for rule in FIELDS.iter().filter(|r| r.category == c && r.required) {
        let at: Vec<usize> = fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.field == rule.field)
            .map(|(i, _)| i)
            .collect();
        match at.as_slice() {
            [] => out.push(problem(
                None,
                None,
                format!("a {} selector needs `{}`", c.as_str(), rule.field),
                format!(
                    "add `- field: {}` with `equals: [{}]`, one value per selector",
                    rule.field,
                    example(rule)
                ),
            )),
            [one] => {
                let n = fields[*one].equals.len();
                // eventCategory's count was judged when the category was found.
                if n != 1 && rule.field != "eventCategory" {
                    out.push(problem(
                        Some(*one),
                        Some(Operator::Equals),
                        format!(
                            "`{}` needs exactly one value in `equals`, found {n}",
                            rule.field
                        ),
                        "write one selector per value",
                    ));
                }
            }
            [_, rest @ ..] => {
                for i in rest {
                    out.push(problem(
                        Some(*i),
                        None,
                        format!("`{}` appears more than once in this selector", rule.field),
                        "keep one, and write one selector per value",
                    ));
                }
            }
        }
    }
}

fn example(rule: &FieldRule) -> &'static str {
    match rule.field {
        "resources.type" => "AWS::S3::Object",
        "eventSource" => "s3.amazonaws.com",
        _ => rule.values.first().copied().unwrap_or("..."),
    }
}

#[cfg(test)]
mod tests {
    use super::{EventCategory, FIELDS, Operator, rule};

    #[test]
    fn selector_field_table_is_consistent() {
        for c in EventCategory::ALL {
            let r = rule(c, "eventCategory").expect("every category has eventCategory");
            assert!(r.required && r.values == [c.as_str()], "{c:?}");
        }
        for r in FIELDS {
            assert!(!r.operators.is_empty(), "{}", r.field);
            // A required field is written once as `equals` with one value.
            assert!(
                !r.required || r.operators == [Operator::Equals],
                "{}",
                r.field
            );
            let dup = FIELDS
                .iter()
                .filter(|o| o.category == r.category && o.field == r.field)
                .count();
            assert_eq!(dup, 1, "{} listed twice for {:?}", r.field, r.category);
        }
    }
}
