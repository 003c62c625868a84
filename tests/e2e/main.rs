//! End-to-end tests of the orgtrail binary against a real moto server (see
//! crates/orgtrail-testsupport). One test binary for all of them, so the SDK is linked once.

#![allow(clippy::print_stderr)] // tests print campaign figures

mod action;
mod adversary;
mod apply;
mod contract;
mod delivery;
mod docs;
mod drift;
mod environment;
mod faults;
mod guardrails;
mod guardrails_contract;
mod hardening;
mod harness;
mod hostile;
mod iam;
mod layout;
mod plan;
mod review;
mod safety;
mod selectors;
mod verify;

use orgtrail_testsupport::{Moto, TempDir, write_spec};

pub const BIN: &str = env!("CARGO_BIN_EXE_orgtrail");

/// A spec for `my-trail` / `my-bucket` in us-east-2 with extra `trail:` lines.
pub fn spec_yaml(trail_extra: &str) -> String {
    format!(
        "version: 1\nbucket:\n  name: my-bucket\ntrail:\n  name: my-trail\n  home_region: us-east-2\n{trail_extra}"
    )
}

/// Greenfield: organization with all features, an empty bucket, nothing else.
pub fn greenfield() -> (Moto, String) {
    let moto = Moto::start();
    let org = moto.create_org(true);
    moto.create_bucket("my-bucket", "us-east-2");
    (moto, org)
}

#[derive(Default)]
pub struct Specs {
    pub dir: TempDir,
}

impl Specs {
    pub fn new() -> Specs {
        Specs::default()
    }
    pub fn write(&self, name: &str, yaml: &str) -> String {
        write_spec(self.dir.path(), name, yaml)
    }
}

pub const ARN: &str = "arn:aws:cloudtrail:us-east-2:123456789012:trail/my-trail";
