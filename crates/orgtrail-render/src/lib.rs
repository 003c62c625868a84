//! Render plans and drift reports as text (Terraform-like, optional colour), markdown (for PR
//! comments) and JSON (versioned, stable field names).
//!
//! Pure string building: this crate never prints and never decides anything. The bucket policy
//! is shown as a unified diff of canonical pretty JSON computed with `similar`; structured fields
//! (selectors, tags, CloudWatch settings) as YAML-style diffs of only what differs (`fields`).

pub mod fields;
mod markdown;
mod sarif;

use std::fmt::Write;

use fields::{Shown, Sides};
use orgtrail_core::drift::{DriftReport, DriftSeverity};
use orgtrail_core::{FieldChange, Plan, Severity, Step};
use similar::TextDiff;

pub use markdown::{COMMENT_LIMIT, MARKDOWN_BUDGET, plan_markdown, plan_markdown_within};
pub use sarif::drift_sarif;

/// Colour or not (the CLI decides from `--no-color`, `NO_COLOR` and whether stdout is a TTY).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn green(self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn yellow(self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn red(self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }
}

fn symbol(step: &Step) -> &'static str {
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
fn no_steps(out: &mut String, plan: &Plan, no_changes: &str) -> bool {
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

/// JSON rendering: the plan itself (see docs/plan.md for the schema).
pub fn plan_json(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).unwrap_or_default()
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

pub fn drift_markdown(r: &DriftReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### orgtrail drift: {}\n", r.specs.join(", "));
    for e in &r.errors {
        let _ = writeln!(out, "- ❌ {e}");
    }
    if r.findings.is_empty() && r.errors.is_empty() {
        let _ = writeln!(out, "**In sync.**");
        return out;
    }
    let _ = writeln!(out, "| severity | rule | finding | fixed by apply |");
    let _ = writeln!(out, "|---|---|---|---|");
    for f in &r.findings {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            f.severity.as_str(),
            f.rule,
            f.message.replace('|', "\\|"),
            if f.fixed_by_apply { "yes" } else { "no" }
        );
    }
    for f in r
        .findings
        .iter()
        .filter(|f| !f.changes.is_empty() || f.policy_diff.is_some())
    {
        let _ = write!(
            out,
            "\n<details><summary><code>{}</code>: {}</summary>\n\n",
            f.rule, f.target
        );
        if !f.changes.is_empty() {
            let _ = write!(
                out,
                "```diff\n# - live, + spec\n{}```\n",
                markdown::diff_block(&f.changes, Sides::Drift)
            );
        }
        if let Some((before, after)) = &f.policy_diff {
            let _ = write!(out, "```diff\n{}```\n", unified_diff(before, after));
        }
        let _ = writeln!(out, "</details>");
    }
    out
}

pub fn drift_json(r: &DriftReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

#[cfg(test)]
mod review_tests;
#[cfg(test)]
mod tests;
