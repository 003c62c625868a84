//! The one place that writes to the terminal. Honours `--no-color`, `NO_COLOR` and non-TTY
//! output (no colour, no spinner when stdout is piped or in CI logs), and tells the renderer how
//! wide the terminal is: diagnostics are wrapped to it (80 columns when a terminal does not say).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::process::{Command, Stdio};

use orgtrail_render::Style;

pub struct Printer {
    pub style: Style,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
}

impl Printer {
    pub fn new(no_color: bool) -> Printer {
        let stdout_tty = std::io::stdout().is_terminal();
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Printer {
            style: Style {
                color: stdout_tty && !no_color && !no_color_env,
                width: if stdout_tty {
                    terminal_width().unwrap_or(Style::WIDTH)
                } else {
                    columns().unwrap_or(PIPED_WIDTH)
                },
            },
            stdout_tty,
            stderr_tty: std::io::stderr().is_terminal(),
        }
    }

    /// Write text to stdout as is (it carries its own newlines).
    pub fn out(&self, text: &str) {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(text.as_bytes());
        let _ = o.flush();
    }

    pub fn line(&self, text: &str) {
        println!("{text}");
    }

    /// Progress and diagnostics go to stderr so stdout stays parseable (JSON, markdown).
    pub fn info(&self, text: &str) {
        eprintln!("{text}");
    }

    pub fn error(&self, text: &str) {
        let label = if self.stderr_tty && self.style.color {
            "\x1b[31merror\x1b[0m"
        } else {
            "error"
        };
        // Wrapped as if the label were plain text: the colour codes take no columns.
        let wrapped = orgtrail_render::wrap_message(&format!("error: {text}"), self.style.width);
        eprintln!(
            "{label}{}",
            wrapped.strip_prefix("error").unwrap_or(&wrapped)
        );
    }

    /// A transient wait message: a spinner frame on a TTY, a plain line otherwise.
    pub fn waiting(&self, frame: usize, text: &str) {
        if self.stderr_tty {
            const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
            eprint!("\r{} {text}\x1b[K", FRAMES[frame % 4]);
            if frame == usize::MAX {
                eprintln!();
            }
        } else {
            eprintln!("  ... {text}");
        }
    }

    pub fn end_wait(&self) {
        if self.stderr_tty {
            eprint!("\r\x1b[K");
        }
    }

    pub fn verbose(&self, level: u8, min: u8, text: &str) {
        if level >= min {
            eprintln!("{text}");
        }
    }
}

/// The width of piped text output (no terminal), unless `COLUMNS` asks for one: 80 columns,
/// what a CI log or a pager shows without scrolling (JSON, SARIF and markdown are not wrapped;
/// a large `COLUMNS`, e.g. 10000, keeps a finding on one line for `grep`).
const PIPED_WIDTH: usize = Style::WIDTH;

/// `COLUMNS`, when exported and a positive number.
fn columns() -> Option<usize> {
    let cols: usize = std::env::var("COLUMNS").ok()?.trim().parse().ok()?;
    (cols > 0).then_some(cols)
}

/// The terminal's width in columns: `COLUMNS` when the shell exports it, otherwise what
/// `stty size` reports for the controlling terminal (the standard library cannot ask, and
/// asking the kernel directly takes unsafe code, which the workspace forbids).
fn terminal_width() -> Option<usize> {
    if let Some(cols) = columns() {
        return Some(cols);
    }
    let tty = File::open("/dev/tty").ok()?;
    let out = Command::new("stty")
        .arg("size")
        .stdin(tty)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let size = String::from_utf8_lossy(&out.stdout);
    let cols: usize = size.split_whitespace().nth(1)?.parse().ok()?;
    (out.status.success() && cols > 0).then_some(cols)
}
