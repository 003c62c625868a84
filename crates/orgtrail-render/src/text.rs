//! The terminal text of a plan (Terraform-like) and of a drift report, and the pieces the
//! markdown shares with it: step symbols, the summary line, the unified policy diff, the field
//! change lines. Colour and width come from [`Style`]: findings, fixes and step comments are
//! wrapped to its width (`crate::wrap`); nothing here prints.

use std::fmt::Write;

use orgtrail_core::drift::{DriftFinding, DriftReport, DriftSeverity};
use orgtrail_core::{FieldChange, Finding, Plan, Severity, Step};
use similar::TextDiff;

use crate::fields::{self, Shown, Sides};
use crate::statements::statements;
use crate::style::Style;
use crate::wrap::{prefixed, wrap};

/// Where a step's lines start (under `NN. `).
const STEP: &str = "      ";

pub(crate) fn symbol(step: &Step) -> &'static str {
    if step.reduces_coverage {
        "!"
    } else if step.kind.is_create() {
        "+"
    } else {
        "~"
    }
}

/// Unified diff of two texts (canonical policy JSON).
pub fn unified_diff(before: &str, after: &str) -> String {
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header("live", "planned")
        .to_string()
}

/// The lines of a step's or finding's field changes, for the terminal: a scalar on one line
/// (`field: live → planned` in a plan, `field — live: x, spec: y` in drift), a structured value
/// as a header and a diff (`-` live in red, `+` planned or spec in green).
pub fn change_lines(changes: &[FieldChange], sides: Sides, style: Style) -> Vec<String> {
    let mut out = Vec::new();
    for shown in fields::shown(changes, sides) {
        match shown {
            Shown::Scalar { field, live, want } => out.push(match sides {
                Sides::Plan => format!("{field}: {live} → {want}"),
                Sides::Drift => format!("{field} — live: {live}, spec: {want}"),
            }),
            Shown::Block { header, lines } => block_lines(&mut out, header, &lines, style),
        }
    }
    out
}

fn block_lines(out: &mut Vec<String>, header: String, lines: &[fields::Line], style: Style) {
    out.push(header);
    out.extend(lines.iter().map(|l| paint_line(l.mark, &l.text, style)));
}

fn paint_line(mark: char, text: &str, style: Style) -> String {
    let line = format!("{mark} {text}");
    match mark {
        '-' => style.red(&line),
        '+' => style.green(&line),
        '~' => style.yellow(&line),
        _ => line,
    }
}

/// A policy change for the terminal: its statements by Sid (`crate::statements`), then the
/// unified diff of the JSON.
fn policy_lines(policy: &(String, String), sides: Sides, style: Style) -> Vec<String> {
    let (before, after) = policy;
    let mut out = Vec::new();
    if let Some(Shown::Block { header, lines }) = statements(before, after, sides) {
        block_lines(&mut out, header, &lines, style);
    }
    for line in unified_diff(before, after).lines() {
        out.push(if line.starts_with('+') && !line.starts_with("+++") {
            style.green(line)
        } else if line.starts_with('-') && !line.starts_with("---") {
            style.red(line)
        } else {
            line.to_string()
        });
    }
    out
}

fn unpainted(s: &str) -> String {
    s.to_string()
}

/// Plan summary line.
pub fn summary(plan: &Plan) -> String {
    let (add, change, reduce) = plan.counts();
    let counts = format!("{add} to add, {change} to change, {reduce} reducing coverage");
    let errors = errors(plan);
    if errors == 0 {
        return format!("Plan: {counts}.");
    }
    format!(
        "Invalid plan: {errors} error(s) above; apply refuses to run it. Once they are fixed: {counts}."
    )
}

fn errors(plan: &Plan) -> usize {
    plan.findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count()
}

/// Said before the steps of a plan with errors: they are what apply would do, not what it will.
pub(crate) const NOT_YET: &str =
    "Not applicable until the errors above are fixed; apply would then take these steps:";

/// Ends the findings (a blank line after them); for a plan without steps also says there are no
/// changes (`no_changes`, unless the plan has errors) and returns true.
pub(crate) fn no_steps(out: &mut String, plan: &Plan, no_changes: &str) -> bool {
    if !plan.findings.is_empty() || !plan.acknowledged.is_empty() {
        out.push('\n');
    }
    if plan.steps.is_empty() {
        if !plan.has_errors() {
            let specs = plan.specs.join(", ");
            let _ = writeln!(out, "{no_changes} Live state matches {specs}.");
        }
        return true;
    }
    false
}

/// Text rendering.
pub fn plan_text(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    for f in &plan.findings {
        out.push_str(&finding_text(f, style));
    }
    for a in &plan.acknowledged {
        let text = format!("[{}]: {}: {}", a.code, a.spec, a.reason);
        let lines = wrap(&text, "acknowledged".len(), 4, style.width);
        out.push_str(&prefixed(
            &lines,
            &style.dim("acknowledged"),
            "    ",
            &unpainted,
        ));
    }
    if no_steps(&mut out, plan, "No changes.") {
        return out;
    }
    if errors(plan) > 0 {
        let _ = writeln!(out, "{}", style.red(NOT_YET));
    }
    for (i, s) in plan.steps.iter().enumerate() {
        out.push_str(&step_text(i, s, style));
    }
    let _ = writeln!(out, "\n{}", style.bold(&summary(plan)));
    for e in &plan.estimates {
        let line = wrap(&orgtrail_core::estimate_line(e), 0, 4, style.width);
        out.push_str(&prefixed(&line, "", "    ", &unpainted));
        for n in &e.notes {
            let note = wrap(n, 8, 8, style.width);
            out.push_str(&prefixed(&note, "  note: ", "        ", &unpainted));
        }
    }
    out
}

/// `error[code]: spec: message` and `  fix: …`, each wrapped with a hanging indent.
fn finding_text(f: &Finding, style: Style) -> String {
    let (tag, painted) = match f.severity {
        Severity::Error => ("error", style.red("error")),
        Severity::Warning => ("warning", style.yellow("warning")),
    };
    let spec = if f.spec.is_empty() {
        String::new()
    } else {
        format!("{}: ", f.spec)
    };
    let text = format!("[{}]: {spec}{}", f.code, f.message);
    let lines = wrap(&text, tag.len(), 4, style.width);
    let mut out = prefixed(&lines, &painted, "    ", &unpainted);
    if !f.fix.is_empty() {
        let fix = wrap(&f.fix, 7, 7, style.width);
        out.push_str(&prefixed(&fix, "  fix: ", "       ", &unpainted));
    }
    out
}

/// A `# comment` under a step, wrapped: its other lines are comments too, `hang` columns
/// further in than the `#`.
fn comment(
    text: &str,
    first: &str,
    hang: usize,
    style: Style,
    paint: &dyn Fn(&str) -> String,
) -> String {
    let first = format!("{STEP}#{first}");
    let cont = format!("{STEP}#{:hang$}", "");
    let lines = wrap(text, first.chars().count(), cont.len(), style.width);
    prefixed(&lines, &first, &cont, paint)
}

fn step_text(i: usize, s: &Step, style: Style) -> String {
    let mut out = String::new();
    let sym = symbol(s);
    let head = format!("{sym} {}", s.kind.as_str());
    let head = match sym {
        "+" => style.green(&head),
        "!" => style.red(&head),
        _ => style.yellow(&head),
    };
    let _ = writeln!(out, "{:>2}. {head}  {}", i + 1, style.bold(&s.target));
    out.push_str(&comment(&s.reason, " ", 3, style, &|l| style.dim(l)));
    if s.reduces_coverage {
        let red = |l: &str| style.red(l);
        out.push_str(&comment(
            "reduces audit coverage: apply refuses it without --allow-coverage-reduction",
            " ",
            3,
            style,
            &red,
        ));
        for lost in &s.coverage_lost {
            out.push_str(&comment(lost, "   loses: ", 10, style, &red));
        }
    }
    for line in &s.billing {
        out.push_str(&comment(line, " billing: ", 10, style, &|l| style.dim(l)));
    }
    let mut lines = change_lines(&s.changes, Sides::Plan, style);
    if let Some(policy) = &s.policy_diff {
        lines.extend(policy_lines(policy, Sides::Plan, style));
    }
    for line in lines {
        let _ = writeln!(out, "{STEP}{line}");
    }
    out
}

fn severity_label(s: DriftSeverity, style: Style) -> String {
    match s {
        DriftSeverity::CoverageLost => style.red("coverage-lost"),
        DriftSeverity::ConfigDrift => style.yellow("config-drift"),
        DriftSeverity::Warning => style.yellow("warning"),
    }
}

pub fn drift_text(r: &DriftReport, style: Style) -> String {
    let mut out = String::new();
    for e in &r.errors {
        let lines = wrap(e, 7, 7, style.width);
        let label = format!("{}: ", style.red("error"));
        out.push_str(&prefixed(&lines, &label, "       ", &unpainted));
    }
    for f in &r.findings {
        out.push_str(&drift_finding_text(f, style));
    }
    if r.errors.is_empty() {
        if r.drifted() {
            let lost = r
                .findings
                .iter()
                .filter(|f| f.severity == DriftSeverity::CoverageLost)
                .count();
            let _ = writeln!(
                out,
                "\n{}",
                style.bold(&format!(
                    "Drift: {} finding(s), {lost} losing audit coverage.",
                    r.findings
                        .iter()
                        .filter(|f| f.severity != DriftSeverity::Warning)
                        .count()
                ))
            );
        } else {
            let _ = writeln!(out, "In sync: live state matches {}.", r.specs.join(", "));
        }
    }
    out
}

/// What apply would do about a drift finding, with the flags it needs for it.
pub(crate) fn fix_hint(f: &DriftFinding) -> Option<String> {
    if !f.fixed_by_apply {
        return None;
    }
    if f.apply_flags.is_empty() {
        return Some("`orgtrail apply` would fix it.".into());
    }
    let flags = f.apply_flags.join(" ");
    Some(format!(
        "`orgtrail apply {flags}` would fix it (apply refuses this change without {}).",
        if f.apply_flags.len() == 1 {
            "that flag"
        } else {
            "those flags"
        }
    ))
}

/// `severity [rule] message`, wrapped with a hanging indent, then what differs.
fn drift_finding_text(f: &DriftFinding, style: Style) -> String {
    let tag = severity_label(f.severity, Style::PLAIN);
    let text = format!("[{}] {}", f.rule, f.message);
    let lines = wrap(&text, tag.len() + 1, 2, style.width);
    let label = format!("{} ", severity_label(f.severity, style));
    let mut out = prefixed(&lines, &label, "  ", &unpainted);
    let mut details = change_lines(&f.changes, Sides::Drift, style);
    if let Some(policy) = &f.policy_diff {
        details.extend(policy_lines(policy, Sides::Drift, style));
    }
    if let Some(hint) = fix_hint(f) {
        details.push(hint);
    }
    for line in details {
        let _ = writeln!(out, "    {line}");
    }
    out
}
