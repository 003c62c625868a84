//! What is judged: the window (whole hours), the accounts (each ACTIVE member from the hour it
//! joined), and the regions the trail logs (a region not enabled for an account is "not
//! applicable" there, never a gap).

use std::collections::BTreeSet;

use serde::Serialize;

use super::layout::Layout;
use super::time::{DAY, HOUR, floor_day, floor_hour, rfc3339};

/// The hours judged: `[from, to)`, both on the hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub from: i64,
    pub to: i64,
}

/// Why a window cannot be judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the window {} to {} holds no whole hour: digests are delivered hourly; widen it (--since 24h, or --from/--to at least an hour apart)",
    rfc3339(*.from),
    rfc3339(*.to)
)]
pub struct EmptyWindow {
    pub from: i64,
    pub to: i64,
}

impl Window {
    /// The whole hours within `[from, to)`.
    pub fn new(from: i64, to: i64) -> Result<Window, EmptyWindow> {
        let start = floor_hour(from + HOUR - 1);
        let end = floor_hour(to);
        if end <= start {
            return Err(EmptyWindow { from, to });
        }
        Ok(Window {
            from: start,
            to: end,
        })
    }

    /// CloudTrail delivers an hour's digest during that hour or within minutes after it: the
    /// last `since` seconds up to the last hour whose digest is due (`now` less 15 minutes).
    pub fn since(now: i64, since: i64) -> Result<Window, EmptyWindow> {
        let to = floor_hour(now - 15 * 60);
        Window::new(to - since, to)
    }

    pub fn hours(&self) -> impl Iterator<Item = i64> + use<> {
        (self.from..self.to).step_by(HOUR as usize)
    }

    /// The start of every day the window touches (one listing per account × region × day).
    pub fn days(&self) -> Vec<i64> {
        (floor_day(self.from)..self.to)
            .step_by(DAY as usize)
            .collect()
    }

    pub fn contains(&self, t: i64) -> bool {
        (self.from..self.to).contains(&t)
    }
}

/// One ACTIVE account of the organization (or the trail's own account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    /// When it joined the organization: judged from the next whole hour on.
    pub joined: Option<i64>,
    /// The regions enabled for it; `None`: every region of the trail.
    pub enabled: Option<BTreeSet<String>>,
}

/// Everything `verify` judges.
#[derive(Debug, Clone)]
pub struct Scope {
    pub trail_arn: String,
    pub layout: Layout,
    pub window: Window,
    /// ACTIVE members judged (after `--accounts`).
    pub members: Vec<Member>,
    /// Every account of the organization, whatever its status: a folder of any other account
    /// is an account that left.
    pub organization: BTreeSet<String>,
    /// Regions the trail logs (after `--regions`).
    pub regions: Vec<String>,
    pub validate: bool,
    /// Look for accounts that left (off when `--accounts` narrows the accounts).
    pub look_for_departed: bool,
}

impl Scope {
    /// Whether `account` × `region` is judged at all.
    pub fn applicable(&self, m: &Member, region: &str) -> bool {
        m.enabled.as_ref().is_none_or(|e| e.contains(region))
    }

    /// The hours of the window a digest of `m` is due: from the first whole hour after it
    /// joined (the hour it joined in is covered by a digest that may start before it).
    pub fn due_hours(&self, m: &Member) -> Vec<i64> {
        let first = m.joined.map_or(self.window.from, |j| floor_hour(j) + HOUR);
        self.window.hours().filter(|h| *h >= first).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_whole_hours_and_never_empty() {
        let w = Window::new(3_600 * 10 + 5, 3_600 * 13 + 59).expect("window");
        assert_eq!((w.from, w.to), (3_600 * 11, 3_600 * 13));
        assert_eq!(w.hours().count(), 2);
        assert!(Window::new(3_600 * 10 + 5, 3_600 * 11 + 100).is_err());
        assert!(Window::new(100, 50).is_err());
        let err = Window::new(0, 10).expect_err("empty").to_string();
        assert!(
            err.contains("1970-01-01T00:00:00Z to 1970-01-01T00:00:10Z"),
            "{err}"
        );
    }

    #[test]
    fn since_ends_at_the_last_hour_whose_digest_is_due() {
        let now = 86_400 * 20 + 3_600 * 17 + 10 * 60; // 17:10
        let w = Window::since(now, 86_400).expect("window");
        assert_eq!(w.to, 86_400 * 20 + 3_600 * 16);
        assert_eq!(w.hours().count(), 24);
        assert_eq!(w.days().len(), 2);
    }
}
