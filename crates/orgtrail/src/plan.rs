//! `orgtrail plan`: read AWS, diff, print the plan in the format asked for, and save it for
//! `apply` when asked. Writes nothing to AWS.

use anyhow::{Context, Result};
use orgtrail_core::Plan;

use crate::cli::{Exit, Global, PlanArgs, PlanFormat};
use crate::printer::Printer;
use crate::setup::{connect, load, make_plan, runtime};

pub fn run(a: &PlanArgs, g: &Global, p: &Printer) -> Result<Exit> {
    let specs = load(&a.paths)?;
    runtime()?.block_on(async {
        let aws = connect(g, p).await?.for_reads();
        let (plan, _) = make_plan(&aws, &specs, g, p).await?;
        let text = match a.format {
            PlanFormat::Text => orgtrail_render::plan_text(&plan, p.style),
            PlanFormat::Markdown => orgtrail_render::plan_markdown(&plan),
            PlanFormat::Json => orgtrail_render::plan_json(&plan) + "\n",
        };
        p.out(&text);
        if let Some(out) = &a.out {
            save(&plan, out, p)?;
        }
        Ok(exit(&plan, a.detailed_exitcode))
    })
}

/// Save the plan for `orgtrail apply PLAN.json`.
fn save(plan: &Plan, out: &std::path::Path, p: &Printer) -> Result<()> {
    std::fs::write(out, orgtrail_render::plan_json(plan))
        .with_context(|| format!("cannot write the plan to {}", out.display()))?;
    p.info(&format!(
        "Saved the plan to {}; apply it with `orgtrail apply {}`.",
        out.display(),
        out.display()
    ));
    Ok(())
}

/// 1 when the plan has errors; 2 for changes only with `--detailed-exitcode`; else 0.
fn exit(plan: &Plan, detailed: bool) -> Exit {
    if plan.has_errors() {
        Exit::Error
    } else if detailed && !plan.is_empty() {
        Exit::Changes
    } else {
        Exit::Success
    }
}
