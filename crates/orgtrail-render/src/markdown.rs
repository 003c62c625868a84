//! Markdown for a pull-request comment that GitHub accepts: GitHub rejects a comment body over
//! 65,536 characters, so a plan that would render longer keeps its findings, summary table and
//! every step header, shows the step diffs that fit (short ones first in plan order, long ones
//! collapsed), and ends with a note naming the command that prints the whole plan. Also the
//! drift report as markdown (a table of findings, their diffs collapsed), cut the same way: the
//! table whole, the diffs that fit, a note naming the command that prints the whole report.

use std::fmt::Write;

use orgtrail_core::drift::DriftReport;
use orgtrail_core::{FieldChange, Plan, Severity, Step};

use crate::fields::{self, Shown, Sides};
use crate::statements::statements;
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

/// One step or drift finding: its `<summary>` line, its body (losses, field diffs, policy
/// diff) and what closes it.
struct Section {
    open: String,
    body: String,
    close: &'static str,
}

impl Section {
    fn len(&self) -> usize {
        self.open.len() + self.body.len() + self.close.len()
    }
}

const CLOSE: &str = "\n</details>\n\n";
const LEFT_OUT: &str =
    "_Diff left out to keep this comment under GitHub's size limit (see the note at the end)._\n";

/// [`plan_markdown`] with an explicit budget in bytes.
pub fn plan_markdown_within(plan: &Plan, budget: usize) -> String {
    let sections: Vec<Section> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| section(i, s))
        .collect();
    within(head(plan), &sections, budget, &|full, left_out| {
        note(plan, full, left_out)
    })
}

/// `head` and every section whole when they fit in `budget` bytes; otherwise every section's
/// `<summary>`, the bodies that fit (in order) and `note(full length, bodies left out)`.
fn within(
    head: String,
    sections: &[Section],
    budget: usize,
    note: &dyn Fn(usize, usize) -> String,
) -> String {
    let full: usize = head.len() + sections.iter().map(Section::len).sum::<usize>();
    let mut out;
    if full <= budget {
        out = head;
        for s in sections {
            out.push_str(&s.open);
            out.push_str(&s.body);
            out.push_str(s.close);
        }
        return out;
    }
    let skeleton: usize = head.len()
        + sections
            .iter()
            .map(|s| s.open.len() + LEFT_OUT.len() + s.close.len())
            .sum::<usize>();
    let mut left_out = 0;
    // The note is reserved with every body left out, which it never exceeds.
    let reserved = note(full, sections.len()).len();
    if skeleton + reserved > budget {
        // Not even every header fits: the head, cut at a line, and the note.
        left_out = sections.len();
        out = cut_at_line(&head, budget.saturating_sub(reserved));
    } else {
        let mut room = budget - skeleton - reserved;
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
            out.push_str(s.close);
        }
    }
    out.push_str(&note(full, left_out));
    out
}

/// The truncation note: how long the whole plan is, what is missing, how to see all of it.
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
    for a in &plan.acknowledged {
        let _ = writeln!(
            out,
            "- ☑️ acknowledged `{}` ({}): {}",
            a.code,
            a.spec,
            inline(&a.reason)
        );
    }
    if no_steps(&mut out, plan, "**No changes.**") {
        return out;
    }
    let _ = writeln!(out, "**{}**\n", summary(plan));
    if let Some(fp) = plan.reductions_fingerprint() {
        let _ = writeln!(
            out,
            "<!-- orgtrail-reductions: {fp} -->\n> **This plan reduces audit coverage** (the steps marked `!`). On merge the Action applies it only when a maintainer has added the label `{APPROVE_LABEL}` to this pull request; the approval covers exactly these reductions (`{fp}`), and any other reduction is refused.\n"
        );
    }
    if plan.has_errors() {
        let _ = writeln!(out, "_{}_\n", crate::text::NOT_YET);
    }
    for e in &plan.estimates {
        let _ = writeln!(out, "- {}", orgtrail_core::estimate_line(e));
        for n in &e.notes {
            let _ = writeln!(out, "  - _note:_ {n}");
        }
    }
    if !plan.estimates.is_empty() {
        out.push('\n');
    }
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
/// block says which side is which); the policy's statements by Sid above its JSON diff.
fn diff_blocks(
    out: &mut String,
    changes: &[FieldChange],
    policy_diff: Option<&(String, String)>,
    sides: Sides,
) {
    let block = diff_block(fields::shown(changes, sides));
    if !block.is_empty() {
        let legend = if matches!(sides, Sides::Drift) {
            "# - live, + spec\n"
        } else {
            ""
        };
        let _ = write!(out, "```diff\n{legend}{block}```\n");
    }
    if let Some((before, after)) = policy_diff {
        if let Some(shown) = statements(before, after, sides) {
            let _ = write!(out, "```diff\n{}```\n", diff_block(vec![shown]));
        }
        let _ = write!(out, "```diff\n{}```\n", unified_diff(before, after));
    }
}

fn section(i: usize, s: &Step) -> Section {
    let mut body = String::new();
    for lost in &s.coverage_lost {
        let _ = writeln!(body, "- ⚠️ **loses** {}", lost.replace('|', "\\|"));
    }
    for line in &s.billing {
        let _ = writeln!(body, "- **billing:** {}", line.replace('|', "\\|"));
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
        close: CLOSE,
    }
}

/// The inside of a ```diff block: `- field: live` / `+ field: planned` for a scalar, a header
/// and a YAML-style diff for a structured value.
fn diff_block(shown: Vec<Shown>) -> String {
    let mut out = String::new();
    for s in shown {
        match s {
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

/// Markdown of a drift report for a PR or issue comment, at most [`MARKDOWN_BUDGET`] bytes.
pub fn drift_markdown(r: &DriftReport) -> String {
    drift_markdown_within(r, MARKDOWN_BUDGET)
}

/// [`drift_markdown`] with an explicit budget in bytes.
pub fn drift_markdown_within(r: &DriftReport, budget: usize) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "### orgtrail drift: {}\n", r.specs.join(", "));
    for e in &r.errors {
        let _ = writeln!(head, "- ❌ {e}");
    }
    if r.findings.is_empty() && r.errors.is_empty() {
        let _ = writeln!(head, "**In sync.**");
        return head;
    }
    let _ = writeln!(head, "| severity | rule | finding | fixed by apply |");
    let _ = writeln!(head, "|---|---|---|---|");
    for f in &r.findings {
        let _ = writeln!(
            head,
            "| {} | `{}` | {} | {} |",
            f.severity.as_str(),
            f.rule,
            f.message.replace('|', "\\|"),
            fixed_by(f)
        );
    }
    let sections: Vec<Section> = r
        .findings
        .iter()
        .filter(|f| !f.changes.is_empty() || f.policy_diff.is_some())
        .map(|f| {
            let mut body = String::new();
            diff_blocks(&mut body, &f.changes, f.policy_diff.as_ref(), Sides::Drift);
            Section {
                open: format!(
                    "\n<details><summary><code>{}</code>: {}</summary>\n\n",
                    f.rule, f.target
                ),
                body,
                close: "</details>\n",
            }
        })
        .collect();
    within(head, &sections, budget, &|full, left_out| {
        drift_note(r, full, left_out)
    })
}

/// A spec's own text on one markdown line: no line break, no `|`, and no HTML comment opener
/// (the plan comment's markers are HTML comments a reader of the text must not be able to forge).
fn inline(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
        .replace('|', "\\|")
        .replace("<!--", "&lt;!--")
}

/// The label that approves a plan's coverage reductions (checked by scripts/action/approval.py).
pub const APPROVE_LABEL: &str = "orgtrail-approve-reduction";

/// The "fixed by apply" cell: no, yes, or yes with the flags apply needs.
fn fixed_by(f: &orgtrail_core::drift::DriftFinding) -> String {
    match (f.fixed_by_apply, f.apply_flags.is_empty()) {
        (false, _) => "no".into(),
        (true, true) => "yes".into(),
        (true, false) => format!("yes, with `{}`", f.apply_flags.join(" ")),
    }
}

/// The truncation note of a drift report, in the words of the plan's.
fn drift_note(r: &DriftReport, full: usize, left_out: usize) -> String {
    format!(
        "\n> **Drift report truncated.** The whole report is {full} bytes of markdown, more than \
         a GitHub comment takes ({COMMENT_LIMIT} characters); {left_out} finding diff(s) are \
         left out above. See the whole report with \
         `orgtrail drift {}` (or `--format json`).\n",
        r.specs.join(" ")
    )
}
