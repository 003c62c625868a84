//! The orgtrail command line: a thin layer over orgtrail-spec (parse), orgtrail-aws (read and
//! execute), orgtrail-core (diff) and orgtrail-render (show). All printing happens here,
//! through [`printer::Printer`].

mod apply;
mod cli;
mod commands;
mod import;
mod printer;

use std::process::ExitCode;

use clap::Parser;

/// Exit codes: 0 success / no changes, 1 error, 2 changes or drift present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Error = 1,
    Changes = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let printer = printer::Printer::new(cli.global.no_color);
    match commands::run(cli, &printer) {
        Ok(code) => code.into(),
        Err(e) => {
            printer.error(&format!("{e:#}"));
            Exit::Error.into()
        }
    }
}
