//! `orgtrail apply`: plan afresh, check a saved plan is exactly what runs, refuse what the flags
//! do not allow, execute each step with compare-before-write, then poll until AWS shows the
//! applied state (see docs/apply.md). The shared set-up (load, connect, plan) is `setup`'s; the
//! wording of the plan is orgtrail-render's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use orgtrail_aws::{Aws, Backoff, RetryPolicy, poll_until};
use orgtrail_core::guard::{Resource, changed_since, resource_of};
use orgtrail_core::{
    Action, LiveState, Plan, Step, StepKind, spec_hash, stale_reasons, steps_differ,
};
use orgtrail_spec::LoadedSpec;

use crate::cli::{ApplyArgs, Exit, Global};
use crate::printer::Printer;
use crate::setup::{connect, inputs, load, make_plan, runtime};

/// What the flags allow.
struct ApplyOpts {
    auto_approve: bool,
    allow_coverage_reduction: bool,
    allow_enable_all_features: bool,
    /// The reductions a review approved (`--approved-reductions`).
    approved_reductions: Option<String>,
    retry: RetryPolicy,
}

impl From<&ApplyArgs> for ApplyOpts {
    fn from(a: &ApplyArgs) -> Self {
        ApplyOpts {
            auto_approve: a.auto_approve,
            allow_coverage_reduction: a.allow_coverage_reduction,
            allow_enable_all_features: a.allow_enable_all_features,
            approved_reductions: a.approved_reductions.clone(),
            retry: RetryPolicy {
                budget: Duration::from_secs_f64(a.retry_budget.max(0.0)),
                ..RetryPolicy::default()
            },
        }
    }
}

fn is_saved_plan(paths: &[PathBuf]) -> bool {
    paths.len() == 1 && paths[0].extension().is_some_and(|e| e == "json")
}

fn load_saved(path: &Path) -> Result<Plan> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the saved plan {}", path.display()))?;
    let plan: Plan = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a plan saved by `orgtrail plan --out` of this version; make a new plan",
            path.display()
        )
    })?;
    if plan.format_version != orgtrail_core::PLAN_FORMAT_VERSION {
        bail!(
            "{} has plan format {}, this orgtrail reads format {}; make a new plan",
            path.display(),
            plan.format_version,
            orgtrail_core::PLAN_FORMAT_VERSION
        );
    }
    Ok(plan)
}

pub fn run(a: &ApplyArgs, g: &Global, p: &Printer) -> Result<Exit> {
    let o = ApplyOpts::from(a);
    let paths = &a.paths;
    let saved = if is_saved_plan(paths) {
        Some(load_saved(&paths[0])?)
    } else {
        None
    };
    let spec_paths: Vec<PathBuf> = match &saved {
        Some(plan) => plan.specs.iter().map(PathBuf::from).collect(),
        None => paths.to_vec(),
    };
    let specs = load(&spec_paths)?;
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin()) && p.stdout_tty;
    if !o.auto_approve && !interactive {
        bail!(
            "apply needs confirmation: no terminal to ask on, so pass --auto-approve (nothing was changed)"
        );
    }
    runtime()?.block_on(async {
        let aws = connect(g, p).await?;
        let (plan, live) = make_plan(&aws, &specs, g, p).await?;
        if let Some(saved) = &saved {
            check_saved(saved, &plan, &specs)?;
        }
        p.out(&orgtrail_render::plan_text(&plan, p.style));
        if plan.is_empty() && !plan.has_errors() {
            return Ok(Exit::Success);
        }
        refusals(&plan, &o)?;
        if !o.auto_approve && !confirmed(&plan, p)? {
            p.info("Apply cancelled; nothing was changed.");
            return Ok(Exit::Error);
        }
        if execute(&aws, &plan, &live, &o, p).await? {
            return Ok(Exit::Success);
        }
        converge(&aws, &specs, g, p, o.retry.budget).await?;
        p.line(&format!("Apply complete: {} steps", plan.steps.len()));
        Ok(Exit::Success)
    })
}

/// A saved plan runs only if nothing it depends on changed and the fresh steps are exactly the
/// reviewed ones.
fn check_saved(saved: &Plan, fresh: &Plan, specs: &[LoadedSpec]) -> Result<()> {
    let reasons = stale_reasons(saved, &fresh.live_components, &spec_hash(&inputs(specs)));
    if !reasons.is_empty() {
        bail!(
            "plan is stale: {}; run `orgtrail plan --out` again and review the new plan (nothing was changed)",
            reasons.join("; ")
        );
    }
    let differ = steps_differ(saved, fresh);
    if !differ.is_empty() {
        bail!(
            "the saved plan is not what would run now:\n  - {}\nrun `orgtrail plan --out` again and review the new plan (nothing was changed)",
            differ.join("\n  - ")
        );
    }
    Ok(())
}

/// What apply refuses before any write.
fn refusals(plan: &Plan, o: &ApplyOpts) -> Result<()> {
    if plan.has_errors() {
        bail!("the plan has errors (above); fix them first (nothing was changed)");
    }
    let reducing: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| s.reduces_coverage)
        .map(|s| s.kind.as_str())
        .collect();
    if !reducing.is_empty() && !o.allow_coverage_reduction {
        let now = plan.reductions_fingerprint().unwrap_or_default();
        match &o.approved_reductions {
            Some(approved) if *approved == now => {}
            Some(approved) => bail!(
                "the plan's coverage reductions ({}) are not the ones approved in review: approved {approved}, now {now}. Plan again in a pull request and have the new reductions approved (nothing was changed)",
                reducing.join(", ")
            ),
            None => bail!(
                "the plan reduces audit coverage ({}); re-run with --allow-coverage-reduction if that is intended, or --approved-reductions {now} for exactly these reductions (nothing was changed)",
                reducing.join(", ")
            ),
        }
    }
    let all_features = plan
        .steps
        .iter()
        .any(|s| s.kind == StepKind::EnableAllFeatures);
    if all_features && !o.allow_enable_all_features {
        bail!(
            "the organization must enable all features first. That sends a handshake to every invited member account and cannot be undone; the organization trail can only be created after every member accepted. Re-run with --allow-enable-all-features to start it (nothing was changed)"
        );
    }
    Ok(())
}

fn confirmed(plan: &Plan, p: &Printer) -> Result<bool> {
    p.out(&format!("Apply these {} steps? [y/N] ", plan.steps.len()));
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// Run the steps in order. Returns true when apply must stop early by design (all features
/// requested: the members must accept first).
async fn execute(
    aws: &Aws,
    plan: &Plan,
    live: &LiveState,
    o: &ApplyOpts,
    p: &Printer,
) -> Result<bool> {
    let total = plan.steps.len();
    let mut written: BTreeSet<Resource> = BTreeSet::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let at = format!("{}/{total}", i + 1);
        let resource = resource_of(step);
        if written.insert(resource.clone()) {
            unchanged_since_plan(aws, live, &resource, step, &at).await?;
        }
        run_step(aws, step, &at, o.retry, p).await?;
        if matches!(step.action, Action::EnableAllFeatures) {
            p.line("All features requested: every invited member account must accept the handshake. Run apply again once they have; the trail is created then.");
            return Ok(true);
        }
    }
    Ok(false)
}

/// Compare before write: re-read what the step is about to change and refuse when it changed
/// since the plan read it (an edit made meanwhile is never overwritten).
async fn unchanged_since_plan(
    aws: &Aws,
    live: &LiveState,
    resource: &Resource,
    step: &Step,
    at: &str,
) -> Result<()> {
    let now = aws.reread(resource).await?;
    let changed = changed_since(live, resource, &now);
    if !changed.is_empty() {
        bail!(
            "refused step {at} {} on {}: {} changed since the plan read it ({}); nothing more was written, steps before it are done\n  fix: run `orgtrail plan` again and review what changed, then apply",
            step.kind.as_str(),
            step.target,
            resource.describe(),
            changed.join(", ")
        );
    }
    Ok(())
}

async fn run_step(aws: &Aws, step: &Step, at: &str, retry: RetryPolicy, p: &Printer) -> Result<()> {
    let start = Instant::now();
    p.info(&format!(
        "[{at}] {} {} ...",
        step.kind.as_str(),
        step.target
    ));
    let mut frame = 0usize;
    let res = aws
        .execute(&step.action, retry, |wait, err| {
            frame += 1;
            p.waiting(
                frame,
                &format!(
                    "waiting {:.1}s for AWS to catch up ({})",
                    wait.as_secs_f64(),
                    err.kind()
                ),
            );
        })
        .await;
    p.end_wait();
    if let Err(e) = res {
        bail!(
            "step {at} {} on {} failed after {:.1}s: {e}\nSteps before it are done; fix the cause and run apply again: it continues from the live state.",
            step.kind.as_str(),
            step.target,
            start.elapsed().as_secs_f64()
        );
    }
    p.info(&format!(
        "[{at}] {} done in {:.1}s",
        step.kind.as_str(),
        start.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Prove convergence against AWS itself. S3, Organizations and CloudTrail are eventually
/// consistent, so a read right after a write may not show it yet: re-read with backoff (0.5 s
/// doubling to 8 s) within the retry budget before declaring non-convergence.
async fn converge(
    aws: &Aws,
    specs: &[LoadedSpec],
    g: &Global,
    p: &Printer,
    budget: Duration,
) -> Result<()> {
    let start = Instant::now();
    let (after, done) = poll_until(
        Backoff::within(budget),
        || async { Ok::<_, anyhow::Error>(make_plan(aws, specs, g, p).await?.0) },
        |plan: &Plan| plan.is_empty() && !plan.has_errors(),
        |wait| {
            p.verbose(
                g.verbose,
                1,
                &format!(
                    "AWS does not show the applied state yet; reading again in {:.1}s",
                    wait.as_secs_f64()
                ),
            )
        },
    )
    .await?;
    if !done {
        p.out(&orgtrail_render::plan_text(&after, p.style));
        bail!(
            "apply did not converge: the steps above are still needed {:.0}s after applying (something changed the live state during the apply, e.g. another tool or a delayed duplicate request)\n  fix: run `orgtrail apply` again; it continues from the live state. If it keeps happening, find what else is changing the trail (`orgtrail drift` shows what differs)",
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
