//! `orgtrail verify`: are every account's and region's logs arriving, complete and untampered?
//! Digest files are CloudTrail's hourly heartbeat (one per account × region × hour, delivered
//! even without activity, "CloudTrail digest file structure"), so their presence is the delivery
//! matrix and their signed chain is the integrity proof.
//!
//! Layers, bottom to top: `time.rs` (UTC as CloudTrail writes it), `layout.rs` (where the files
//! are, what a digest's name says), `scope.rs` (window, members, regions), `digest.rs` and
//! `log.rs` (one file judged, as `aws cloudtrail validate-logs` judges it), `report.rs` (findings
//! as data), `assess.rs` (listing + judged files -> report). No I/O: orgtrail-aws lists and reads.

pub mod assess;
pub mod digest;
pub mod layout;
pub mod log;
pub mod report;
pub mod scope;
pub mod time;

pub use assess::{CellResult, Checked, Judged, Listed, assess, assess_cell, combine, to_judge};
pub use digest::{DigestProblem, Fetched};
pub use layout::{DigestName, Layout};
pub use log::{LogHasher, LogProblem};
pub use report::{CellSummary, Finding, FindingKind, VerifyReport};
pub use scope::{EmptyWindow, Member, Scope, Window};
