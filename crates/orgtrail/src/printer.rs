//! The one place that writes to the terminal. Honours `--no-color`, `NO_COLOR` and non-TTY
//! output (no colour, no spinner when stdout is piped or in CI logs).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};

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
        eprintln!("{label}: {text}");
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
