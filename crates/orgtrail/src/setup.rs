//! The set-up the subcommands share: load the specs, check a flag's value, start the runtime,
//! connect to AWS, read the live state and diff it. Runs no subcommand and renders nothing; it
//! prints only timings (`-v`), through the caller's printer.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use orgtrail_aws::{Aws, AwsOptions};
use orgtrail_core::{LiveState, Plan, SpecInput, diff};
use orgtrail_spec::LoadedSpec;
use orgtrail_spec::rules::RuleError;

use crate::cli::Global;
use crate::printer::Printer;

/// A flag's value checked by one of orgtrail-spec's rules: the one place a broken rule becomes an
/// error, worded `--flag: what is wrong (how to fix it)`.
pub fn check_flag(flag: &str, rule: Result<(), RuleError>) -> Result<()> {
    rule.map_err(|e| anyhow!("{flag}: {} ({})", e.message, e.help))
}

/// Load every spec; all invalid files are reported before failing.
pub fn load(paths: &[PathBuf]) -> Result<Vec<LoadedSpec>> {
    let files = orgtrail_spec::expand_paths(paths)?;
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match orgtrail_spec::load(&f) {
            Ok(s) => specs.push(s),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        bail!(
            "invalid spec(s); nothing was sent to AWS:\n{}",
            errors.join("\n")
        );
    }
    Ok(specs)
}

/// The specs as `diff` takes them.
pub fn inputs(specs: &[LoadedSpec]) -> Vec<SpecInput<'_>> {
    specs
        .iter()
        .map(|s| SpecInput {
            path: s.path.display().to_string(),
            source: &s.source,
            spec: &s.spec,
        })
        .collect()
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    // Every AWS call is I/O-bound: one thread multiplexes them all and leaves the CPU to the
    // rest of the machine (measured: faster than a 2-worker runtime, see docs/performance.md).
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn aws_options(g: &Global) -> AwsOptions {
    AwsOptions {
        profile: g.aws.profile.clone(),
        region: g.aws.region.clone(),
        endpoint_url: g.aws.endpoint_url.clone(),
        connect_timeout: Duration::from_secs_f64(g.aws.connect_timeout.max(0.1)),
        operation_timeout: Duration::from_secs_f64(g.aws.operation_timeout.max(0.1)),
        max_attempts: g.aws.max_attempts.max(1),
        max_concurrency: g.aws.max_concurrency.max(1),
    }
}

/// AWS configuration is loaded only here, so only the subcommands that call AWS need it.
pub async fn connect(g: &Global, p: &Printer) -> Result<Aws> {
    let start = Instant::now();
    let aws = Aws::connect(&aws_options(g)).await?;
    p.verbose(
        g.verbose,
        1,
        &format!(
            "loaded AWS configuration in {:.1} ms",
            start.elapsed().as_secs_f64() * 1000.0
        ),
    );
    Ok(aws)
}

async fn read(aws: &Aws, specs: &[LoadedSpec], g: &Global, p: &Printer) -> Result<LiveState> {
    let start = Instant::now();
    let before = aws.call_count();
    let refs: Vec<&orgtrail_spec::Spec> = specs.iter().map(|s| &s.spec).collect();
    let live = aws.read_live(&refs).await?;
    p.verbose(
        g.verbose,
        1,
        &format!(
            "read live state: {} API calls in {:.0} ms",
            aws.call_count() - before,
            start.elapsed().as_secs_f64() * 1000.0
        ),
    );
    Ok(live)
}

/// Read the live state the specs depend on and diff them against it.
pub async fn make_plan(
    aws: &Aws,
    specs: &[LoadedSpec],
    g: &Global,
    p: &Printer,
) -> Result<(Plan, LiveState)> {
    let live = read(aws, specs, g, p).await?;
    let inputs = inputs(specs);
    let mut plan = diff(&inputs, &live);
    // Never lock out CI: the SCPs the plan writes against every call the next apply makes.
    orgtrail_core::lockout::check(&mut plan, &inputs, &live);
    Ok((plan, live))
}
