//! Colour and width for the terminal: ANSI codes when the CLI says colour is on, plain text
//! otherwise; diagnostics wrapped to the width the CLI gives. Decides nothing: whether colour is
//! on and how wide the terminal is are the CLI's calls (`--no-color`, `NO_COLOR`, a TTY).

/// Colour or not (the CLI decides from `--no-color`, `NO_COLOR` and whether stdout is a TTY),
/// and the columns text output wraps diagnostics to (the terminal's width; [`Style::NO_WRAP`]
/// for none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Style {
    /// The width when a terminal does not say how wide it is.
    pub const WIDTH: usize = 80;

    /// No wrapping: every diagnostic on one line.
    pub const NO_WRAP: usize = usize::MAX;

    /// No colour, [`Style::WIDTH`] columns.
    pub const PLAIN: Style = Style {
        color: false,
        width: Style::WIDTH,
    };

    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn green(self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn yellow(self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn red(self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }
}
