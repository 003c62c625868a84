//! `orgtrail drift`: read AWS, diff, and print the drift report (what differs and what it costs
//! in coverage). Read-only; exit 0 in sync, 2 drift, 1 error.

use anyhow::Result;

use crate::cli::{DriftArgs, DriftFormat, Exit, Global};
use crate::printer::Printer;
use crate::setup::{connect, load, make_plan, runtime};

pub fn run(a: &DriftArgs, g: &Global, p: &Printer) -> Result<Exit> {
    let specs = load(&a.paths)?;
    runtime()?.block_on(async {
        let aws = connect(g, p).await?.for_reads();
        let (plan, live) = make_plan(&aws, &specs, g, p).await?;
        let report = orgtrail_core::drift::report(&plan, &live);
        let text = match a.format {
            DriftFormat::Text => orgtrail_render::drift_text(&report, p.style),
            DriftFormat::Markdown => orgtrail_render::drift_markdown(&report),
            DriftFormat::Json => orgtrail_render::drift_json(&report) + "\n",
            DriftFormat::Sarif => {
                orgtrail_render::drift_sarif(&report, env!("CARGO_PKG_VERSION")) + "\n"
            }
        };
        p.out(&text);
        // Evidence at risk outranks an error elsewhere: a scheduled job must read it as drift.
        Ok(if report.coverage_lost() {
            Exit::Changes
        } else if !report.errors.is_empty() {
            Exit::Error
        } else if report.drifted() {
            Exit::Changes
        } else {
            Exit::Success
        })
    })
}
