//! The subcommands. AWS configuration is loaded only by commands that call AWS.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::CommandFactory;
use orgtrail_aws::{Aws, AwsOptions, RetryPolicy};
use orgtrail_core::{LiveState, Plan, SpecInput, diff};
use orgtrail_spec::LoadedSpec;

use crate::Exit;
use crate::cli::{Cli, Command, DriftFormat, Global, IamFor, PlanFormat, Shell};
use crate::printer::Printer;

pub fn run(cli: Cli, p: &Printer) -> Result<Exit> {
    match cli.command {
        Command::Validate { paths } => validate(&paths, p),
        Command::Schema => {
            p.out(&schema_text());
            Ok(Exit::Success)
        }
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            let sh = match shell {
                Shell::Bash => clap_complete::Shell::Bash,
                Shell::Zsh => clap_complete::Shell::Zsh,
                Shell::Fish => clap_complete::Shell::Fish,
            };
            let mut buf = Vec::new();
            clap_complete::generate(sh, &mut cmd, "orgtrail", &mut buf);
            p.out(&String::from_utf8_lossy(&buf));
            Ok(Exit::Success)
        }
        Command::IamPolicy {
            paths,
            purpose,
            role,
            account,
            partition,
        } => iam_policy(&paths, purpose, &role, account, partition, p),
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
            p.out(&String::from_utf8_lossy(&buf));
            Ok(Exit::Success)
        }
        Command::Plan {
            paths,
            format,
            out,
            detailed_exitcode,
        } => {
            let specs = load_all(&paths)?;
            let rt = runtime()?;
            rt.block_on(async {
                let aws = connect(&cli.global).await?;
                let (plan, _) = make_plan(&aws, &specs, &cli.global, p).await?;
                let text = match format {
                    PlanFormat::Text => orgtrail_render::plan_text(&plan, p.style),
                    PlanFormat::Markdown => orgtrail_render::plan_markdown(&plan),
                    PlanFormat::Json => orgtrail_render::plan_json(&plan) + "\n",
                };
                p.out(&text);
                if let Some(out) = out {
                    std::fs::write(&out, orgtrail_render::plan_json(&plan))
                        .with_context(|| format!("cannot write the plan to {}", out.display()))?;
                    p.info(&format!(
                        "Saved the plan to {}; apply it with `orgtrail apply {}`.",
                        out.display(),
                        out.display()
                    ));
                }
                Ok(if plan.has_errors() {
                    Exit::Error
                } else if detailed_exitcode && !plan.is_empty() {
                    Exit::Changes
                } else {
                    Exit::Success
                })
            })
        }
        Command::Apply {
            paths,
            auto_approve,
            allow_coverage_reduction,
            allow_enable_all_features,
            retry_budget,
        } => {
            let opts = crate::apply::ApplyOpts {
                auto_approve,
                allow_coverage_reduction,
                allow_enable_all_features,
                retry: RetryPolicy {
                    budget: Duration::from_secs_f64(retry_budget.max(0.0)),
                    ..RetryPolicy::default()
                },
            };
            crate::apply::apply(&paths, opts, &cli.global, p)
        }
        Command::Drift { paths, format } => {
            let specs = load_all(&paths)?;
            let rt = runtime()?;
            rt.block_on(async {
                let aws = connect(&cli.global).await?;
                let (plan, live) = make_plan(&aws, &specs, &cli.global, p).await?;
                let report = orgtrail_core::drift::report(&plan, &live);
                let text = match format {
                    DriftFormat::Text => orgtrail_render::drift_text(&report, p.style),
                    DriftFormat::Markdown => orgtrail_render::drift_markdown(&report),
                    DriftFormat::Json => orgtrail_render::drift_json(&report) + "\n",
                    DriftFormat::Sarif => {
                        orgtrail_render::drift_sarif(&report, env!("CARGO_PKG_VERSION")) + "\n"
                    }
                };
                p.out(&text);
                Ok(if !report.errors.is_empty() {
                    Exit::Error
                } else if report.drifted() {
                    Exit::Changes
                } else {
                    Exit::Success
                })
            })
        }
        Command::Import {
            trail,
            home_region,
            bucket_policy,
            bucket_account,
            bucket_role_arn,
            bucket_external_id,
        } => {
            if let Some(a) = &bucket_account {
                orgtrail_spec::rules::account_id(a)
                    .map_err(|e| anyhow!("--bucket-account: {} ({})", e.message, e.help))?;
            }
            if let Some(r) = &bucket_role_arn {
                orgtrail_spec::rules::role_arn(r)
                    .map_err(|e| anyhow!("--bucket-role-arn: {} ({})", e.message, e.help))?;
            }
            let access = crate::import::BucketAccount {
                account: bucket_account,
                role_arn: bucket_role_arn,
                external_id: bucket_external_id,
            };
            let rt = runtime()?;
            rt.block_on(async {
                let aws = connect(&cli.global).await?;
                let region = home_region.or(cli.global.region.clone()).or_else(|| std::env::var("AWS_REGION").ok()).ok_or_else(|| {
                    anyhow!("no home region: pass --home-region (the region the trail was created in)")
                })?;
                let yaml = crate::import::import(&aws, &trail, &region, bucket_policy, access).await?;
                p.out(&yaml);
                Ok(Exit::Success)
            })
        }
    }
}

/// The JSON Schema text, as checked in at docs/orgtrail.schema.json.
pub fn schema_text() -> String {
    serde_json::to_string_pretty(&orgtrail_spec::json_schema()).unwrap_or_default() + "\n"
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    // Every AWS call is I/O-bound: one thread multiplexes them all and leaves the CPU to the
    // rest of the machine (measured: faster than a 2-worker runtime, see docs/performance.md).
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn aws_options(g: &Global) -> AwsOptions {
    AwsOptions {
        profile: g.profile.clone(),
        region: g.region.clone(),
        endpoint_url: g.endpoint_url.clone(),
        connect_timeout: Duration::from_secs_f64(g.connect_timeout.max(0.1)),
        operation_timeout: Duration::from_secs_f64(g.operation_timeout.max(0.1)),
        max_attempts: g.max_attempts.max(1),
        max_concurrency: g.max_concurrency.max(1),
    }
}

pub(crate) async fn connect(g: &Global) -> Result<Aws> {
    let start = Instant::now();
    let aws = Aws::connect(&aws_options(g)).await?;
    if g.verbose >= 1 {
        crate::printer::Printer::new(true).info(&format!(
            "loaded AWS configuration in {:.1} ms",
            start.elapsed().as_secs_f64() * 1000.0
        ));
    }
    Ok(aws)
}

fn validate(paths: &[PathBuf], p: &Printer) -> Result<Exit> {
    let files = orgtrail_spec::expand_paths(paths)?;
    let mut ok = true;
    for f in files {
        match orgtrail_spec::load(&f) {
            Ok(s) => p.line(&format!(
                "ok: {} (trail {} in {})",
                f.display(),
                s.spec.trail.name,
                s.spec.trail.home_region
            )),
            Err(e) => {
                ok = false;
                p.info(&e.to_string());
            }
        }
    }
    Ok(if ok { Exit::Success } else { Exit::Error })
}

/// `orgtrail iam-policy`: the policy documents come from `orgtrail_core::least_privilege`; this prints the
/// one asked for, and on stderr which other roles the specs need a policy for.
fn iam_policy(
    paths: &[PathBuf],
    purpose: IamFor,
    role: &str,
    account: Option<String>,
    partition: String,
    p: &Printer,
) -> Result<Exit> {
    use orgtrail_core::least_privilege::{self as iam, Principal, Purpose};
    if let Some(a) = &account {
        orgtrail_spec::rules::account_id(a)
            .map_err(|e| anyhow!("--account: {} ({})", e.message, e.help))?;
    }
    let specs = load_all(paths)?;
    let refs: Vec<&orgtrail_spec::Spec> = specs.iter().map(|s| &s.spec).collect();
    let purpose = match purpose {
        IamFor::Plan => Purpose::Plan,
        IamFor::Apply => Purpose::Apply,
    };
    let opts = iam::Options { partition, account };
    let mut all = iam::policies(&refs, purpose, &opts);
    let doc = match role {
        "all" => serde_json::Value::Object(
            all.into_iter()
                .map(|(who, v)| (who.label().to_string(), v))
                .collect(),
        ),
        "management" => all.remove(&Principal::Management).unwrap_or_default(),
        arn => all
            .remove(&Principal::Role(arn.to_string()))
            .ok_or_else(|| {
                anyhow!(
                    "--role {arn}: the specs name no such role; they name: management{}",
                    iam::roles(&refs)
                        .iter()
                        .map(|r| format!(", {r}"))
                        .collect::<String>()
                )
            })?,
    };
    p.out(&(serde_json::to_string_pretty(&doc)? + "\n"));
    let others: Vec<String> = iam::roles(&refs)
        .into_iter()
        .filter(|r| r != role && role != "all")
        .collect();
    if !others.is_empty() {
        p.info(&format!(
            "note: these specs also need a policy for {} (print it with --role ARN, or all of them with --role all)",
            others.join(", ")
        ));
    }
    Ok(Exit::Success)
}

/// Load every spec; all invalid files are reported before failing.
pub(crate) fn load_all(paths: &[PathBuf]) -> Result<Vec<LoadedSpec>> {
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

pub(crate) fn inputs(specs: &[LoadedSpec]) -> Vec<SpecInput<'_>> {
    specs
        .iter()
        .map(|s| SpecInput {
            path: s.path.display().to_string(),
            source: &s.source,
            spec: &s.spec,
        })
        .collect()
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

pub(crate) async fn make_plan(
    aws: &Aws,
    specs: &[LoadedSpec],
    g: &Global,
    p: &Printer,
) -> Result<(Plan, LiveState)> {
    let live = read(aws, specs, g, p).await?;
    let plan = diff(&inputs(specs), &live);
    Ok((plan, live))
}
