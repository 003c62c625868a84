//! The subcommands that need no AWS: `validate`, `schema`, `completions`, `man`. Each turns its
//! input into text for the caller's printer; none loads AWS configuration.

use std::path::PathBuf;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, Exit, Shell};
use crate::printer::Printer;

/// `orgtrail validate`: every file checked, every error reported (on stderr), exit 1 if any.
pub fn validate(paths: &[PathBuf], p: &Printer) -> Result<Exit> {
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
                p.info(&orgtrail_render::wrap_message(
                    &e.to_string(),
                    p.style.width,
                ));
            }
        }
    }
    Ok(if ok { Exit::Success } else { Exit::Error })
}

/// `orgtrail schema`: the JSON Schema text, as checked in at docs/orgtrail.schema.json.
pub fn schema(p: &Printer) -> Result<Exit> {
    let text = serde_json::to_string_pretty(&orgtrail_spec::json_schema()).unwrap_or_default();
    p.out(&(text + "\n"));
    Ok(Exit::Success)
}

/// `orgtrail completions SHELL`.
pub fn completions(shell: Shell, p: &Printer) -> Result<Exit> {
    let sh = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut buf = Vec::new();
    clap_complete::generate(sh, &mut Cli::command(), "orgtrail", &mut buf);
    p.out(&String::from_utf8_lossy(&buf));
    Ok(Exit::Success)
}

/// `orgtrail man`: the man page (roff).
pub fn man(p: &Printer) -> Result<Exit> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    p.out(&String::from_utf8_lossy(&buf));
    Ok(Exit::Success)
}
