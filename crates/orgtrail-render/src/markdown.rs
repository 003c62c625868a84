//! Markdown for a pull-request comment that GitHub accepts: GitHub rejects a comment body over
//! 65,536 characters, so a plan that would render longer keeps its findings, summary table and
//! every step header, shows the step diffs that fit (short ones first in plan order, long ones
//! collapsed), and ends with a note naming the command that prints the whole plan. Also the
//! drift report as markdown (a table of findings, their diffs collapsed).

use std::fmt::Write;

use orgtrail_core::drift::DriftReport;
use orgtrail_core::{FieldChange, Plan, Severity, Step};

use crate::fields::{self, Shown, Sides};
use crate::text::{no_steps, summary, symbol, unified_diff};

/// GitHub's limit on the body of an issue or pull-request comment, in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// What [`plan_markdown`] may use, in bytes (never fewer than characters): the rest of the
/// comment limit is left for the marker and heading the GitHub Action adds.
pub const MARKDOWN_BUDGET: usize = COMMENT_LIMIT - 1_536;

/// A step body of at most this many lines is shown open; longer ones are collapsed.
const OPEN_LINES: usize = 12;

/// Markdown rendering for a PR comment, at most [`MARKDOWN_BUDGET`] bytes.
pub fn plan_markdown(plan: &Plan) -> String {
    plan_markdown_within(plan, MARKDOWN_BUDGET)
}

/// One step: its `<summary>` line and its body (losses, field diffs, policy diff).
struct Section {
    open: String,
    body: String,
}

const CLOSE: &str = "\n</details>\n\n";
const LEFT_OUT: &str =
    "_Diff left out to keep this comment under GitHub's size limit (see the note at the end)._\n";

/// [`plan_markdown`] with an explicit budget in bytes.
pub fn plan_markdown_within(plan: &Plan, budget: usize) -> String {
    let head = head(plan);
    let sections: Vec<Section> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| section(i, s))
        .collect();
    let full: usize = head.len()
        + sections
            .iter()
            .map(|s| s.open.len() + s.body.len() + CLOSE.len())
            .sum::<usize>();
    if full <= budget {
        let mut out = head;
        for s in &sections {
            out.push_str(&s.open);
            out.push_str(&s.body);
            out.push_str(CLOSE);
        }
        return out;
    }
    truncated(plan, head, &sections, full, budget)
}

fn truncated(
    plan: &Plan,
    head: String,
    sections: &[Section],
    full: usize,
    budget: usize,
) -> String {
    let skeleton: usize = head.len()
        + sections
            .iter()
            .map(|s| s.open.len() + LEFT_OUT.len() + CLOSE.len())
            .sum::<usize>();
    let mut left_out = 0;
    let mut out;
    if skeleton + note(plan, full, sections.len()).len() > budget {
        // Not even every header fits: the head, cut at a line, and the note.
        left_out = sections.len();
        let room = budget.saturating_sub(note(plan, full, left_out).len());
        out = cut_at_line(&head, room);
    } else {
        let mut room = budget - skeleton - note(plan, full, sections.len()).len();
        out = head;
        for s in sections {
            out.push_str(&s.open);
            if s.body.len() <= room + LEFT_OUT.len() {
                room = room + LEFT_OUT.len() - s.body.len();
                out.push_str(&s.body);
            } else {
                left_out += 1;
                out.push_str(LEFT_OUT);
            }
            out.push_str(CLOSE);
        }
    }
    out.push_str(&note(plan, full, left_out));
    out
}

/// The truncation note: how long the whole plan is, what is missing, how to see all of it.
/// Reserved with `left_out` = every step, which it never exceeds.
fn note(plan: &Plan, full: usize, left_out: usize) -> String {
    format!(
        "> **Plan truncated.** The whole plan is {full} bytes of markdown, more than a GitHub \
         comment takes ({COMMENT_LIMIT} characters); {left_out} step diff(s) are left out \
         above. The summary table and every step are complete. See the whole plan with \
         `orgtrail plan {}` (or `--format json --out plan.json`).\n",
        plan.specs.join(" ")
    )
}

/// The longest prefix of `text` of at most `max` bytes that ends at a line end.
fn cut_at_line(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text[..end].rfind('\n').map_or(0, |i| i + 1);
    text[..cut].to_string()
}

/// Title, findings, summary line and the table of steps.
fn head(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### orgtrail plan: {}\n", plan.specs.join(", "));
    for f in &plan.findings {
        let (icon, word) = match f.severity {
            Severity::Error => ("❌", "error"),
            Severity::Warning => ("⚠️", "warning"),
        };
        let _ = writeln!(
            out,
            "- {icon} **{word}** `{}`: {} — _fix:_ {}",
            f.code,
            f.message.replace('|', "\\|"),
            f.fix
        );
    }
    if no_steps(&mut out, plan, "**No changes.**") {
        return out;
    }
    let _ = writeln!(out, "**{}**\n", summary(plan));
    let _ = writeln!(out, "| # | step | target | reduces coverage |");
    let _ = writeln!(out, "|---|------|--------|------------------|");
    for (i, s) in plan.steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | `{} {}` | `{}` | {} |",
            i + 1,
            symbol(s),
            s.kind.as_str(),
            s.target,
            if s.reduces_coverage { "**yes**" } else { "no" }
        );
    }
    out.push('\n');
    out
}

/// The field changes and the policy diff of a step or drift finding, as `diff` blocks (a drift
/// block says which side is which).
fn diff_blocks(
    out: &mut String,
    changes: &[FieldChange],
    policy_diff: Option<&(String, String)>,
    sides: Sides,
) {
    if !changes.is_empty() {
        let legend = if matches!(sides, Sides::Drift) {
            "# - live, + spec\n"
        } else {
            ""
        };
        let _ = write!(out, "```diff\n{legend}{}```\n", diff_block(changes, sides));
    }
    if let Some((before, after)) = policy_diff {
        let _ = write!(out, "```diff\n{}```\n", unified_diff(before, after));
    }
}

fn section(i: usize, s: &Step) -> Section {
    let mut body = String::new();
    for lost in &s.coverage_lost {
        let _ = writeln!(body, "- ⚠️ **loses** {}", lost.replace('|', "\\|"));
    }
    diff_blocks(&mut body, &s.changes, s.policy_diff.as_ref(), Sides::Plan);
    let open = if body.lines().count() <= OPEN_LINES {
        " open"
    } else {
        ""
    };
    Section {
        open: format!(
            "<details{open}><summary>{}. {} <code>{}</code> — {}</summary>\n\n",
            i + 1,
            s.kind.as_str(),
            s.target,
            s.reason
        ),
        body,
    }
}

/// The inside of a ```diff block: `- field: live` / `+ field: planned` for a scalar, a header
/// and a YAML-style diff for a structured value.
fn diff_block(changes: &[FieldChange], sides: Sides) -> String {
    let mut out = String::new();
    for c in fields::grouped(changes) {
        match fields::show(&c, sides) {
            Shown::Scalar { field, live, want } => {
                let _ = writeln!(out, "- {field}: {live}");
                let _ = writeln!(out, "+ {field}: {want}");
            }
            Shown::Block { header, lines } => {
                let _ = writeln!(out, "{header}");
                for l in lines {
                    let _ = writeln!(out, "{} {}", l.mark, l.text);
                }
            }
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
        diff_blocks(&mut out, &f.changes, f.policy_diff.as_ref(), Sides::Drift);
        let _ = writeln!(out, "</details>");
    }
    out
}
