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
/// One man page: clap's title, name, synopsis, description and options, then every subcommand
/// described in place (there are no separate orgtrail-SUBCOMMAND(1) pages to refer to) and the
/// exit status.
pub fn man(p: &Printer) -> Result<Exit> {
    let cmd = Cli::command();
    let page = clap_mangen::Man::new(cmd.clone());
    let mut buf = Vec::new();
    page.render_title(&mut buf)?;
    page.render_name_section(&mut buf)?;
    page.render_synopsis_section(&mut buf)?;
    page.render_description_section(&mut buf)?;
    page.render_options_section(&mut buf)?;
    let mut roff = String::from(".SH SUBCOMMANDS\n");
    for sub in cmd.get_subcommands() {
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        roff.push_str(&format!(
            ".TP\n\\fBorgtrail {}\\fR\n{}\n",
            roff_text(sub.get_name()),
            roff_text(&about)
        ));
    }
    roff.push_str(EXIT_STATUS);
    buf.extend_from_slice(roff.as_bytes());
    page.render_version_section(&mut buf)?;
    p.out(&String::from_utf8_lossy(&buf));
    Ok(Exit::Success)
}

const EXIT_STATUS: &str = ".SH \"EXIT STATUS\"\n.TP\n0\nSuccess: no changes, in sync, verified.\n.TP\n1\nAn error: invalid spec, AWS error, refused apply (the message says why and the fix).\n.TP\n2\nChanges (plan \\-\\-detailed\\-exitcode), drift, or missing or tampered evidence (verify).\n";

/// Text as roff: a leading dot or quote would start a request; hyphens are minus signs.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}
