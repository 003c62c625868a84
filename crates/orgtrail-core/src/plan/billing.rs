//! What a plan does to the CloudTrail bill: per trail step, which events become billable or stop
//! being billable, and, when the spec states its monthly volumes
//! (`trail.expected_events_per_month`), what that is in dollars. docs/cost.md has the prices and
//! the rules.
//!
//! CloudTrail bills (https://aws.amazon.com/cloudtrail/pricing/): the first copy of management
//! events in each region and account is free, every further copy is paid; every data event and
//! network activity event is paid, on every copy; Insights are paid per event analysed. Which of
//! two copies AWS counts as the first is in no API, and need not be: with n copies in one place
//! the bill has n - 1 paid ones, so adding or removing the trail's copy changes the bill by one
//! paid copy exactly where another trail also records management events, and by nothing
//! elsewhere. So the trail under review is judged as the marginal copy: its management events
//! are paid wherever another trail records them, free where it is the only one.
//!
//! Display only: apply never reads what this module writes.

use std::collections::BTreeSet;

use orgtrail_spec::{EventVolumes, InsightCategory, InsightSelector, InsightType};

use super::desired::{Desired, desired, trail_owner};
use super::model::{Action, Estimate, SpecInput, Step, StepKind, TrailField};
use crate::coverage;
use crate::model::{LiveState, OtherTrail, Scope, Selectors, TrailState, management_copies_beside};

/// US cents per 100,000 events, from https://aws.amazon.com/cloudtrail/pricing/ (docs/cost.md).
pub const PAID_MANAGEMENT_CENTS: u64 = 200;
pub const DATA_CENTS: u64 = 10;
pub const INSIGHTS_CENTS: u64 = 35;
pub const NETWORK_CENTS: u64 = 10;

/// What decides a trail's bill, as it is before or after a step.
#[derive(Debug, Clone)]
struct Billed {
    logging: bool,
    organization: bool,
    multi_region: bool,
    owner: String,
    home: String,
    selectors: Selectors,
    insights: Vec<InsightSelector>,
}

impl Billed {
    fn of_desired(d: &Desired, owner: &str) -> Billed {
        Billed {
            logging: d.logging,
            organization: d.trail.organization,
            multi_region: d.trail.multi_region,
            owner: owner.to_string(),
            home: d.region.clone(),
            selectors: d.selectors.clone(),
            insights: d.insights.clone(),
        }
    }

    fn of_live(t: &TrailState, owner: &str) -> Billed {
        Billed {
            logging: t.logging,
            organization: t.settings.organization,
            multi_region: t.settings.multi_region,
            owner: owner.to_string(),
            home: t.home_region.clone(),
            selectors: t.selectors.clone().normalised(),
            insights: InsightSelector::normalise(&t.insights),
        }
    }

    fn scope(&self) -> Scope {
        Scope::of(
            self.organization,
            self.multi_region,
            &self.owner,
            &self.home,
        )
    }

    /// The state after `action`, one of this trail's calls.
    fn after(&self, action: &Action) -> Billed {
        let mut b = self.clone();
        match action {
            Action::UpdateTrail { fields, .. } => {
                for f in fields {
                    match f {
                        TrailField::Organization(o) => b.organization = *o,
                        TrailField::MultiRegion(m) => b.multi_region = *m,
                        // The bucket, prefix, key, topic and log group change where the events
                        // go, not how many CloudTrail bills.
                        _ => {}
                    }
                }
            }
            Action::PutEventSelectors { selectors, .. } => b.selectors = selectors.clone(),
            Action::PutInsightSelectors { insights, .. } => b.insights = insights.clone(),
            Action::StartLogging { .. } => b.logging = true,
            Action::StopLogging { .. } => b.logging = false,
            _ => {}
        }
        b
    }
}

type Pairs = BTreeSet<(InsightType, InsightCategory)>;

/// A trail's bill in the terms CloudTrail charges: empty for a trail that does not log.
#[derive(Debug, Clone, Default)]
struct Bill {
    /// Where the trail records (`None`: it records nothing).
    scope: Option<Scope>,
    /// Where its copy of management events is a paid one: (the other trail, where both record).
    paid: Vec<(String, Scope)>,
    data: bool,
    network: bool,
    insights: Pairs,
    selectors: Option<Selectors>,
}

impl Bill {
    fn of(b: Option<&Billed>, own_arn: &str, others: &[OtherTrail]) -> Bill {
        let Some(b) = b.filter(|b| b.logging) else {
            return Bill::default();
        };
        let scope = b.scope();
        let paid = if coverage::logs_management_events(&b.selectors) {
            management_copies_beside(&scope, own_arn, others)
                .into_iter()
                .map(|(o, s)| (o.name.clone(), s))
                .collect()
        } else {
            Vec::new()
        };
        Bill {
            paid,
            data: coverage::logs_data_events(&b.selectors),
            network: coverage::logs_network_activity_events(&b.selectors),
            insights: InsightSelector::pairs(&b.insights),
            selectors: Some(b.selectors.clone()),
            scope: Some(scope),
        }
    }

    /// The paid copy covers the trail's whole scope (else only part of it: an estimate that
    /// counts the trail's whole volume is an upper bound).
    fn paid_in_full(&self) -> bool {
        self.paid
            .iter()
            .any(|(_, s)| Some(s) == self.scope.as_ref())
    }

    /// The monthly charge in cents for the volumes the spec states (a kind it does not state
    /// counts as none).
    fn monthly(&self, v: &EventVolumes) -> u64 {
        let on = |billed: bool, volume: Option<u64>, rate: u64| {
            if billed {
                cents(volume.unwrap_or(0), rate)
            } else {
                0
            }
        };
        on(!self.paid.is_empty(), v.management, PAID_MANAGEMENT_CENTS)
            + on(self.data, v.data, DATA_CENTS)
            + on(self.network, v.network, NETWORK_CENTS)
            // Each insight type analyses its events on its own: one volume per (type, category).
            + cents(
                v.insights.unwrap_or(0).saturating_mul(self.insights.len() as u64),
                INSIGHTS_CENTS,
            )
    }
}

/// `volume` events at `rate` cents per 100,000, rounded to the cent.
fn cents(volume: u64, rate: u64) -> u64 {
    let c = (u128::from(volume) * u128::from(rate) + 50_000) / 100_000;
    u64::try_from(c).unwrap_or(u64::MAX)
}

/// `$1,234.56`.
pub fn dollars(cents: u64) -> String {
    format!("${}.{:02}", grouped(cents / 100), cents % 100)
}

/// `5,000,000`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// ` (+$100.00 a month at 5,000,000 events)`; empty without a stated volume or a change.
/// `sign`: the direction, and how many times the volume is billed (one per insight type and
/// category added or removed; 1 otherwise).
fn amount(volume: Option<u64>, rate: u64, sign: i8, up_to: bool) -> String {
    match volume {
        Some(v) if sign != 0 => {
            let s = if sign > 0 { "+" } else { "-" };
            let up_to = if up_to { "up to " } else { "" };
            let times = u64::from(sign.unsigned_abs());
            format!(
                " ({up_to}{s}{} a month at {} events)",
                dollars(cents(v.saturating_mul(times), rate)),
                grouped(v.saturating_mul(times))
            )
        }
        _ => String::new(),
    }
}

/// Where a paid copy is, in words: "account 1111… in every region (beside `org-trail`)".
fn paid_where(paid: &[(String, Scope)]) -> String {
    paid.iter()
        .map(|(name, s)| format!("{} (beside `{name}`)", s.describe()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The line for the paid copy of management events, when it changes.
fn management_line(from: &Bill, to: &Bill, v: Option<u64>) -> Option<String> {
    let price = "$2.00 per 100,000 events";
    let (a, b) = (paid_where(&from.paid), paid_where(&to.paid));
    match (from.paid.is_empty(), to.paid.is_empty()) {
        (true, false) => Some(format!(
            "management events become billable: a second, paid copy in {b} at {price}{}",
            amount(v, PAID_MANAGEMENT_CENTS, 1, !to.paid_in_full())
        )),
        (false, true) => Some(format!(
            "management events stop being billable: no second, paid copy in {a} any more{}",
            amount(v, PAID_MANAGEMENT_CENTS, -1, !from.paid_in_full())
        )),
        (false, false) if a != b => Some(format!(
            "management events: the second, paid copy moves from {a} to {b}"
        )),
        _ => None,
    }
}

/// One kind billed on every copy (data, network activity events): on, off, or which of its
/// events the new selectors add or drop (the coverage model's words).
fn per_event_line(
    out: &mut Vec<String>,
    (from, to): (&Bill, &Bill),
    kind: &str,
    (was, is): (bool, bool),
    (volume, rate): (Option<u64>, u64),
) {
    let price = format!("${}.{:02} per 100,000 events", rate / 100, rate % 100);
    match (was, is) {
        (false, true) => out.push(format!(
            "{kind} become billable at {price}, on every copy{}",
            amount(volume, rate, 1, false)
        )),
        (true, false) => out.push(format!(
            "{kind} stop being billable{}",
            amount(volume, rate, -1, false)
        )),
        (true, true) => {
            let (Some(a), Some(b)) = (&from.selectors, &to.selectors) else {
                return;
            };
            // A selector change that keeps the kind on moves the bill by the events it adds or
            // drops: the coverage model names them; only those of this kind are billed so.
            let mark = format!(" {kind} ");
            let of_kind = |v: Vec<String>| -> Vec<String> {
                v.into_iter()
                    .filter(|e| format!("{e} ").contains(&mark))
                    .collect()
            };
            let added = of_kind(coverage::events_added(a, b));
            let dropped = of_kind(coverage::events_added(b, a));
            if !added.is_empty() {
                out.push(format!("more {kind} become billable: {}", added.join("; ")));
            }
            if !dropped.is_empty() {
                out.push(format!("fewer {kind} are billed: {}", dropped.join("; ")));
            }
        }
        (false, false) => {}
    }
}

fn insight_words(pairs: &Pairs) -> String {
    pairs
        .iter()
        .map(|(t, c)| format!("`{}` on {}", t.as_str(), c.describe()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn insights_lines(out: &mut Vec<String>, from: &Bill, to: &Bill, v: Option<u64>) {
    let added: Pairs = to.insights.difference(&from.insights).copied().collect();
    let removed: Pairs = from.insights.difference(&to.insights).copied().collect();
    let count = |p: &Pairs| i8::try_from(p.len()).unwrap_or(i8::MAX);
    if !added.is_empty() {
        let sign = count(&added);
        out.push(format!(
            "CloudTrail Insights become billable: {} at $0.35 per 100,000 events analysed{}",
            insight_words(&added),
            amount(v, INSIGHTS_CENTS, sign, false)
        ));
    }
    if !removed.is_empty() {
        let sign = -count(&removed);
        out.push(format!(
            "CloudTrail Insights stop being billable: {}{}",
            insight_words(&removed),
            amount(v, INSIGHTS_CENTS, sign, false)
        ));
    }
}

/// A trail that records before and after, over more or fewer accounts or regions: the kinds
/// billed on every event it records grow or shrink with it.
fn scope_lines(out: &mut Vec<String>, from: &Bill, to: &Bill) {
    let (Some(a), Some(b)) = (&from.scope, &to.scope) else {
        return;
    };
    let kinds: Vec<&str> = [
        (from.data && to.data, "data events"),
        (from.network && to.network, "network activity events"),
        (
            !from.insights.is_empty() && !to.insights.is_empty(),
            "CloudTrail Insights",
        ),
    ]
    .into_iter()
    .filter_map(|(on, k)| on.then_some(k))
    .collect();
    if kinds.is_empty() {
        return;
    }
    let kinds = kinds.join(", ");
    for grown in b.beyond(a) {
        out.push(format!("{kinds} of {grown} become billable"));
    }
    for shrunk in a.beyond(b) {
        out.push(format!("{kinds} of {shrunk} stop being billable"));
    }
}

/// What going from `from` to `to` does to the bill, one line per kind that changes.
fn lines(from: &Bill, to: &Bill, v: Option<&EventVolumes>) -> Vec<String> {
    let vol = |f: fn(&EventVolumes) -> Option<u64>| v.and_then(f);
    let mut out = Vec::new();
    out.extend(management_line(from, to, vol(|v| v.management)));
    per_event_line(
        &mut out,
        (from, to),
        "data events",
        (from.data, to.data),
        (vol(|v| v.data), DATA_CENTS),
    );
    per_event_line(
        &mut out,
        (from, to),
        "network activity events",
        (from.network, to.network),
        (vol(|v| v.network), NETWORK_CENTS),
    );
    insights_lines(&mut out, from, to, vol(|v| v.insights));
    scope_lines(&mut out, from, to);
    out
}

/// One spec's trail as the cost pass sees it.
struct TrailBill<'a> {
    arn: String,
    live: Option<Billed>,
    desired: Billed,
    others: Vec<OtherTrail>,
    volumes: Option<&'a EventVolumes>,
}

/// Fill each trail step's `billing` (steps in plan order) and return the monthly estimates of
/// the specs that state their volumes.
pub(crate) fn annotate(steps: &mut [Step], specs: &[SpecInput], live: &LiveState) -> Vec<Estimate> {
    let trails = trail_bills(specs, live);
    let mut estimates = Vec::new();
    for (s, t) in specs.iter().zip(&trails) {
        bill_steps(steps, t);
        if let Some(v) = t.volumes {
            estimates.push(estimate(&s.path, t, v));
        }
    }
    estimates
}

/// Each spec's trail, live and desired, and the other copies it is judged beside: what
/// DescribeTrails shows, and the trails this plan creates for the specs before it (as the
/// trail-limit preflight counts them), so two new copies in one place are one free, one paid.
fn trail_bills<'a>(specs: &[SpecInput<'a>], live: &LiveState) -> Vec<TrailBill<'a>> {
    let partition = live.caller.partition.as_str();
    let mut planned: Vec<OtherTrail> = Vec::new();
    let mut out = Vec::new();
    for (s, tl) in specs.iter().zip(&live.trails) {
        let owner = trail_owner(s.spec, live);
        let d = desired(s.spec, partition, owner, tl.kms.as_ref());
        let mut others = tl.other_trails.clone();
        others.extend(planned.iter().filter(|p| p.arn != d.arn).cloned());
        if tl.trail.is_none() && d.logging && coverage::logs_management_events(&d.selectors) {
            planned.push(OtherTrail {
                arn: d.arn.clone(),
                name: d.trail.name.clone(),
                home_region: d.region.clone(),
                account: owner.to_string(),
                s3_bucket: Some(d.trail.s3_bucket.clone()),
                organization: d.trail.organization,
                multi_region: d.trail.multi_region,
            });
        }
        out.push(TrailBill {
            arn: d.arn.clone(),
            live: tl.trail.as_ref().map(|t| Billed::of_live(t, owner)),
            desired: Billed::of_desired(&d, owner),
            others,
            volumes: s.spec.trail.expected_events_per_month.as_ref(),
        });
    }
    out
}

/// The billing lines of one trail's steps. A new trail's CreateTrail carries the whole trail as
/// the plan leaves it (the reviewer decides on the trail, not on its follow-up calls); an
/// existing trail's steps each carry what they change, the state carried from step to step.
fn bill_steps(steps: &mut [Step], t: &TrailBill) {
    let mut state = t.live.clone();
    for step in steps.iter_mut().filter(|s| s.target == t.arn) {
        let next = match (&state, step.kind) {
            (None, StepKind::CreateTrail) => Some(t.desired.clone()),
            (Some(b), _) => Some(b.after(&step.action)),
            (None, _) => None,
        };
        let from = Bill::of(state.as_ref(), &t.arn, &t.others);
        let to = Bill::of(next.as_ref(), &t.arn, &t.others);
        step.billing = lines(&from, &to, t.volumes);
        // After CreateTrail the state is already the final one: its follow-up calls carry none.
        state = next;
    }
}

fn estimate(spec: &str, t: &TrailBill, v: &EventVolumes) -> Estimate {
    let before = Bill::of(t.live.as_ref(), &t.arn, &t.others);
    let after = Bill::of(Some(&t.desired), &t.arn, &t.others);
    let mut notes = Vec::new();
    for b in [&before, &after] {
        if !b.paid.is_empty() && !b.paid_in_full() {
            notes.push(format!(
                "management events are paid only in {}: the whole `management` volume is counted (an upper bound)",
                paid_where(&b.paid)
            ));
        }
    }
    let unstated = [
        (
            !after.paid.is_empty() && v.management.is_none(),
            "management",
        ),
        (after.data && v.data.is_none(), "data"),
        (after.network && v.network.is_none(), "network"),
        (
            !after.insights.is_empty() && v.insights.is_none(),
            "insights",
        ),
    ];
    for (_, kind) in unstated.iter().filter(|(missing, _)| *missing) {
        notes.push(format!(
            "`{kind}` events are billed but `expected_events_per_month.{kind}` is not stated: counted as 0"
        ));
    }
    notes.dedup();
    Estimate {
        spec: spec.to_string(),
        trail: t.arn.clone(),
        before_cents: before.monthly(v),
        after_cents: after.monthly(v),
        notes,
    }
}

/// The plan's summary line of one estimate: "Estimate: `my-trail` $0.00 -> $20.00 a month (...)".
pub fn estimate_line(e: &Estimate) -> String {
    let name = e.trail.rsplit('/').next().unwrap_or(&e.trail);
    format!(
        "Estimate: `{name}` {} → {} a month (trail.expected_events_per_month; docs/cost.md)",
        dollars(e.before_cents),
        dollars(e.after_cents),
    )
}

#[cfg(test)]
#[path = "billing_tests.rs"]
mod tests;
