//! `orgtrail verify`: for each spec's trail, read the delivered digests (and under `--validate`
//! the chain and every log file) and print the report. Read-only; exit 0 when every cell of the
//! window is verified, 2 when anything is missing or invalid, 1 on error.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow};
use orgtrail_aws::VerifyRequest;
use orgtrail_core::verify::time::{parse_duration, parse_rfc3339};
use orgtrail_core::verify::{VerifyReport, Window};

use crate::cli::{DriftFormat, Exit, Global, VerifyArgs};
use crate::printer::Printer;
use crate::setup::{connect, load, runtime};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn instant(flag: &str, value: &str) -> Result<i64> {
    parse_rfc3339(value).ok_or_else(|| {
        anyhow!("{flag}: `{value}` is not an RFC 3339 time (write it like 2026-12-01T00:00:00Z)")
    })
}

/// The window the flags ask for; it ends at the latest at the last hour whose digest is due
/// (a later `--to` would judge hours that have not happened yet).
fn window(a: &VerifyArgs) -> Result<Window> {
    let due = Window::since(now(), 3600).map(|w| w.to).unwrap_or_default();
    let w = match &a.from {
        Some(from) => {
            let to = a.to.as_deref().map(|t| instant("--to", t)).transpose()?;
            Window::new(instant("--from", from)?, to.unwrap_or(due).min(due))
        }
        None => {
            let since = parse_duration(&a.since).ok_or_else(|| {
                anyhow!(
                    "--since: `{}` is not a duration (write it like 24h, 7d or 90m)",
                    a.since
                )
            })?;
            Window::since(now(), since)
        }
    };
    Ok(w?)
}

fn render(r: &VerifyReport, a: &VerifyArgs, spec: &str, p: &Printer) -> String {
    match a.format {
        DriftFormat::Text => orgtrail_render::verify_text(r, p.style),
        DriftFormat::Markdown => orgtrail_render::verify_markdown(r),
        DriftFormat::Json => orgtrail_render::verify_json(r) + "\n",
        DriftFormat::Sarif => {
            orgtrail_render::verify_sarif(r, spec, env!("CARGO_PKG_VERSION")) + "\n"
        }
    }
}

pub fn run(a: &VerifyArgs, g: &Global, p: &Printer) -> Result<Exit> {
    let specs = load(&a.paths)?;
    let req = VerifyRequest {
        window: window(a)?,
        validate: a.validate,
        accounts: a.accounts.clone(),
        regions: a.regions.clone(),
    };
    runtime()?.block_on(async {
        let aws = connect(g, p).await?.for_reads();
        let mut all_verified = true;
        for s in &specs {
            let before = aws.call_count();
            let start = std::time::Instant::now();
            let report = aws.verify(&s.spec, &req).await.with_context(|| {
                format!(
                    "cannot verify trail `{}` of {}",
                    s.spec.trail.name,
                    s.path.display()
                )
            })?;
            p.verbose(
                g.verbose,
                1,
                &format!(
                    "verify {}: {} API calls in {:.0} ms",
                    s.spec.trail.name,
                    aws.call_count() - before,
                    start.elapsed().as_secs_f64() * 1000.0
                ),
            );
            p.out(&render(&report, a, &s.path.display().to_string(), p));
            all_verified &= report.verified_all();
        }
        Ok(if all_verified {
            Exit::Success
        } else {
            Exit::Changes
        })
    })
}
