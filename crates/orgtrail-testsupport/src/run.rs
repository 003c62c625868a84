//! The outcome of one orgtrail run, with the assertions every test makes on it.

use std::process::Output;

#[derive(Debug, Clone)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Every run of the suite passes through here: credentials, session tokens and the
    /// management account e-mail never appear in any output.
    #[track_caller]
    pub fn assert_no_secrets(&self, secrets: &[&str]) {
        for s in secrets {
            assert!(
                !self.all().contains(s),
                "orgtrail printed a secret ({s:?}):\n{}",
                self.all()
            );
        }
    }

    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        if self.code != code {
            panic!(
                "expected exit {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
                self.code, self.stdout, self.stderr
            );
        }
        self
    }
    #[track_caller]
    /// The output holds `needle`, read as a person reads it: a diagnostic wrapped over lines
    /// (with its hanging indent) still holds the phrase it wraps.
    pub fn expect_contains(&self, needle: &str) -> &Run {
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        if !self.all().contains(needle) && !flat(&self.all()).contains(&flat(needle)) {
            panic!(
                "output lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            );
        }
        self
    }
}
