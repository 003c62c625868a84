//! The terminal text of a plan (Terraform-like) and of a drift report, and the pieces the
//! markdown shares with it: step symbols, the summary line, the unified policy diff, the field
//! change lines. Colour comes from [`Style`]; nothing here prints.

use std::fmt::Write;

use orgtrail_core::drift::{DriftReport, DriftSeverity};
use orgtrail_core::{FieldChange, Plan, Severity, Step};
use similar::TextDiff;

use crate::fields::{self, Shown, Sides};
use crate::style::Style;

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
    for c in fields::grouped(changes) {
        match fields::show(&c, sides) {
            Shown::Scalar { field, live, want } => out.push(match sides {
                Sides::Plan => format!("{field}: {live} → {want}"),
                Sides::Drift => format!("{field} — live: {live}, spec: {want}"),
            }),
            Shown::Block { header, lines } => {
                out.push(header);
                out.extend(lines.iter().map(|l| paint_line(l.mark, &l.text, style)));
            }
        }
    }
    out
}

fn paint_line(mark: char, text: &str, style: Style) -> String {
    let line = format!("{mark} {text}");
    match mark {
        '-' => style.red(&line),
        '+' => style.green(&line),
        _ => line,
    }
}

/// Plan summary line.
pub fn summary(plan: &Plan) -> String {
    let (add, change, reduce) = plan.counts();
    format!("Plan: {add} to add, {change} to change, {reduce} reducing coverage.")
}

/// Ends the findings (a blank line after them); for a plan without steps also says there are no
/// changes (`no_changes`, unless the plan has errors) and returns true.
pub(crate) fn no_steps(out: &mut String, plan: &Plan, no_changes: &str) -> bool {
    if !plan.findings.is_empty() {
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
        let (tag, color) = match f.severity {
            Severity::Error => ("error", style.red("error")),
            Severity::Warning => ("warning", style.yellow("warning")),
        };
        let _ = tag;
        let spec = if f.spec.is_empty() {
            String::new()
        } else {
            format!("{}: ", f.spec)
        };
        let _ = writeln!(out, "{color}[{}]: {spec}{}", f.code, f.message);
        if !f.fix.is_empty() {
            let _ = writeln!(out, "  fix: {}", f.fix);
        }
    }
    if no_steps(&mut out, plan, "No changes.") {
        return out;
    }
    for (i, s) in plan.steps.iter().enumerate() {
        let sym = symbol(s);
        let head = format!("{sym} {}", s.kind.as_str());
        let head = match sym {
            "+" => style.green(&head),
            "!" => style.red(&head),
            _ => style.yellow(&head),
        };
        let _ = writeln!(out, "{:>2}. {head}  {}", i + 1, style.bold(&s.target));
        let _ = writeln!(out, "      {}", style.dim(&format!("# {}", s.reason)));
        if s.reduces_coverage {
            let _ = writeln!(
                out,
                "      {}",
                style.red(
                    "# reduces audit coverage: apply refuses it without --allow-coverage-reduction"
                )
            );
            for lost in &s.coverage_lost {
                let _ = writeln!(out, "      {}", style.red(&format!("#   loses: {lost}")));
            }
        }
        for line in change_lines(&s.changes, Sides::Plan, style) {
            let _ = writeln!(out, "      {line}");
        }
        if let Some((before, after)) = &s.policy_diff {
            for line in unified_diff(before, after).lines() {
                let painted = if line.starts_with('+') && !line.starts_with("+++") {
                    style.green(line)
                } else if line.starts_with('-') && !line.starts_with("---") {
                    style.red(line)
                } else {
                    line.to_string()
                };
                let _ = writeln!(out, "      {painted}");
            }
        }
    }
    let _ = writeln!(out, "\n{}", style.bold(&summary(plan)));
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
        let _ = writeln!(out, "{}: {e}", style.red("error"));
    }
    for f in &r.findings {
        let _ = writeln!(
            out,
            "{} [{}] {}",
            severity_label(f.severity, style),
            f.rule,
            f.message
        );
        for line in change_lines(&f.changes, Sides::Drift, style) {
            let _ = writeln!(out, "    {line}");
        }
        if let Some((before, after)) = &f.policy_diff {
            for line in unified_diff(before, after).lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        if f.fixed_by_apply {
            let _ = writeln!(out, "    `orgtrail apply` would fix it.");
        }
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
