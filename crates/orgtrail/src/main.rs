//! The orgtrail command line: a thin layer over orgtrail-spec (parse), orgtrail-aws (read and
//! execute), orgtrail-core (diff, import) and orgtrail-render (show). `main` makes the one
//! [`printer::Printer`] and `run` hands it to the subcommand asked for; it decides nothing else.
//!
//! Modules: `cli` (the command line as data), `printer` (the only place that prints), `setup`
//! (what the subcommands share: load, connect, read, diff), then one module per subcommand or
//! group (`offline`, `iam_policy`, `plan`, `drift`, `apply`, `import`, `verify`). Subcommand modules use
//! `cli`, `printer` and `setup`; nothing imports a subcommand module but this one.

mod apply;
mod cli;
mod drift;
mod iam_policy;
mod import;
mod offline;
mod plan;
mod printer;
mod setup;
mod verify;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use cli::{Cli, Command, Exit};
use printer::Printer;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.common.no_color);
    match run(&cli, &printer) {
        Ok(code) => code.into(),
        Err(e) => {
            printer.error(&format!("{e:#}"));
            Exit::Error.into()
        }
    }
}

/// Dispatch to the subcommand; each prints through `p`.
fn run(cli: &Cli, p: &Printer) -> Result<Exit> {
    let g = |aws: &cli::AwsArgs| cli::Global {
        aws: aws.clone(),
        verbose: cli.common.verbose,
    };
    match &cli.command {
        Command::Validate { paths } => offline::validate(paths, p),
        Command::Schema => offline::schema(p),
        Command::Completions { shell } => offline::completions(*shell, p),
        Command::Man => offline::man(p),
        Command::IamPolicy(a) => iam_policy::run(a, p),
        Command::Plan(a) => plan::run(a, &g(&a.aws), p),
        Command::Apply(a) => apply::run(a, &g(&a.aws), p),
        Command::Drift(a) => drift::run(a, &g(&a.aws), p),
        Command::Import(a) => import::run(a, &g(&a.aws), p),
        Command::Verify(a) => verify::run(a, &g(&a.aws), p),
    }
}
