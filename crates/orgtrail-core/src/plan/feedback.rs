//! Preflight: S3 data-event selectors that log the trail's own log bucket. Every log file
//! CloudTrail delivers is an S3 `PutObject`; a trail whose data-event selectors cover the bucket
//! logs those deliveries, which go into the next log file, whose delivery is logged again:
//! without end, and billed per event. Decided the way the coverage model decides everything
//! (`coverage/events.rs`): each selector is evaluated on the `PutObject` data events of
//! CloudTrail's deliveries (log and digest files, under `[prefix/]AWSLogs/`), not by matching
//! its text. A spec that wants this anyway says `trail.accept_log_bucket_data_events: true`.

use orgtrail_spec::Spec;

use super::model::FindingCode;
use super::out::Out;
use crate::coverage::events::{self, Side};
use crate::model::Selectors;

/// A member account standing for every account of the organization but the trail's owner.
const ANY_MEMBER: &str = "000000000000";

/// Where a trail delivers its log files.
#[derive(Debug, Clone)]
pub struct LogDestination<'a> {
    pub partition: &'a str,
    pub bucket: &'a str,
    pub prefix: Option<&'a str>,
    pub bucket_region: &'a str,
    pub home_region: &'a str,
    pub multi_region: bool,
    /// The organization's id for an organization trail (files go under `AWSLogs/<org-id>/`).
    pub org_id: Option<&'a str>,
    /// The account that owns the trail.
    pub owner: &'a str,
}

impl LogDestination<'_> {
    /// `arn:<partition>:s3:::<bucket>/[<prefix>/]AWSLogs/`: every object CloudTrail delivers
    /// starts with it.
    pub fn logs_arn_prefix(&self) -> String {
        let prefix = self.prefix.map(|p| format!("{p}/")).unwrap_or_default();
        format!(
            "arn:{}:s3:::{}/{prefix}AWSLogs/",
            self.partition, self.bucket
        )
    }

    /// The objects CloudTrail writes: a log file and a digest file per account folder (the
    /// owner's, and for an organization trail any member's too).
    fn deliveries(&self) -> Vec<String> {
        let base = self.logs_arn_prefix();
        let folders: Vec<(String, &str)> = match self.org_id {
            Some(org) => [self.owner, ANY_MEMBER]
                .into_iter()
                .map(|a| (format!("{org}/{a}"), a))
                .collect(),
            None => vec![(self.owner.to_string(), self.owner)],
        };
        let r = self.home_region;
        folders
            .iter()
            .flat_map(|(folder, account)| {
                [
                    format!("{base}{folder}/CloudTrail/{r}/2025/01/01/{account}_CloudTrail_{r}_20250101T0000Z_orgtrail.json.gz"),
                    format!("{base}{folder}/CloudTrail-Digest/{r}/2025/01/01/{account}_CloudTrail-Digest_{r}_orgtrail_20250101T000000Z.json.gz"),
                ]
            })
            .collect()
    }
}

/// The selectors (by position in the list given) that log CloudTrail's deliveries to `dest`.
pub fn logs_own_deliveries(selectors: &Selectors, dest: &LogDestination) -> Vec<usize> {
    // A single-region trail logs no event of a bucket in another region.
    if !dest.multi_region && dest.bucket_region != dest.home_region {
        return Vec::new();
    }
    let deliveries: Vec<events::Event> = dest
        .deliveries()
        .iter()
        .map(|arn| events::delivery(arn))
        .collect();
    let logs = |one: Selectors| deliveries.iter().any(|e| events::logs(&one, e, Side::Had));
    match selectors {
        Selectors::Basic(v) => (0..v.len())
            .filter(|i| logs(Selectors::Basic(vec![v[*i].clone()])))
            .collect(),
        Selectors::Advanced(v) => (0..v.len())
            .filter(|i| logs(Selectors::Advanced(vec![v[*i].clone()])))
            .collect(),
    }
}

/// The preflight error for each selector of `spec` that logs the trail's own deliveries, unless
/// the spec accepts them.
pub(crate) fn log_bucket_loop(
    out: &mut Out,
    path: &str,
    spec: &Spec,
    partition: &str,
    owner: &str,
    org_id: Option<&str>,
) {
    let t = &spec.trail;
    if t.accept_log_bucket_data_events {
        return;
    }
    let (selectors, basic) = match (&t.event_selectors, &t.advanced_event_selectors) {
        (_, Some(a)) => (Selectors::Advanced(a.clone()), false),
        (Some(b), None) => (Selectors::Basic(b.clone()), true),
        (None, None) => return,
    };
    let dest = LogDestination {
        partition,
        bucket: &spec.bucket.name,
        prefix: t.s3_key_prefix.as_deref(),
        bucket_region: spec.bucket_region(),
        home_region: &t.home_region,
        multi_region: t.multi_region,
        org_id: org_id.filter(|_| t.organization),
        owner,
    };
    let exclude = format!(
        "- {{field: resources.ARN, not_starts_with: [\"{}\"]}}",
        dest.logs_arn_prefix()
    );
    for i in logs_own_deliveries(&selectors, &dest) {
        let (which, fix) = if basic {
            (
                format!("`trail.event_selectors[{i}]`"),
                format!(
                    "basic selectors cannot exclude a bucket: list only other buckets in its `values`, or use `advanced_event_selectors` with `{exclude}` in the S3 selector's `field_selectors`; or set `trail.accept_log_bucket_data_events: true`"
                ),
            )
        } else {
            advanced_fix(&selectors, i, &exclude)
        };
        out.error(
            path,
            FindingCode::DataEventsLogTheirOwnBucket,
            format!(
                "{which} logs S3 data events of `{}`, the trail's own log bucket: CloudTrail would log the delivery of every log file into the next one, without end and billed per event",
                spec.bucket.name
            ),
            fix,
        );
    }
}

/// The selector's name and the line that excludes the log files from it.
fn advanced_fix(selectors: &Selectors, i: usize, exclude: &str) -> (String, String) {
    let Selectors::Advanced(v) = selectors else {
        return (String::new(), String::new());
    };
    let which = match &v[i].name {
        Some(n) => format!("`trail.advanced_event_selectors[{i}]` (\"{n}\")"),
        None => format!("`trail.advanced_event_selectors[{i}]`"),
    };
    let has_arn = v[i]
        .field_selectors
        .iter()
        .any(|f| f.field == "resources.ARN");
    let how = if has_arn {
        format!(
            "add the log files to its `resources.ARN` condition as `not_starts_with`, as in `{exclude}`"
        )
    } else {
        format!("add `{exclude}` to its `field_selectors`")
    };
    (
        which,
        format!("{how}; or set `trail.accept_log_bucket_data_events: true` to log them anyway"),
    )
}

#[cfg(test)]
mod tests {
    use super::super::{Finding, Severity};
    use crate::fixtures::{MGMT, ORG, in_sync, plan_of, spec};
    use orgtrail_spec::Spec;

    const CODE: &str = "data-events-log-their-own-bucket";

    fn basic(values: &str) -> String {
        format!(
            "  event_selectors:\n    - data_resources:\n        - type: AWS::S3::Object\n          values: {values}\n"
        )
    }

    fn s3_advanced(extra: &[&str]) -> String {
        let mut y = String::from(
            "  advanced_event_selectors:\n    - name: s3\n      field_selectors:\n        - {field: eventCategory, equals: [Data]}\n        - {field: resources.type, equals: [\"AWS::S3::Object\"]}\n",
        );
        for e in extra {
            y.push_str(&format!("        - {e}\n"));
        }
        y
    }

    fn loop_findings(s: &Spec) -> Vec<Finding> {
        let p = plan_of(&[s], &in_sync(&[s]));
        p.findings.into_iter().filter(|f| f.code == CODE).collect()
    }

    /// (behaviour, lines under `trail:`, whether the plan reports the feedback loop)
    #[test]
    #[allow(clippy::too_many_lines, reason = "a table of cases")]
    fn data_selectors_covering_the_log_bucket_are_a_preflight_error() {
        let lambda = "  event_selectors:\n    - data_resources:\n        - type: AWS::Lambda::Function\n          values: [\"arn:aws:lambda\"]\n";
        let mgmt = "  advanced_event_selectors:\n    - field_selectors:\n        - {field: eventCategory, equals: [Management]}\n";
        let org_logs = format!(
            "{{field: resources.ARN, not_starts_with: [\"arn:aws:s3:::my-bucket/AWSLogs/{ORG}/\"]}}"
        );
        let mgmt_folder_only = format!(
            "{{field: resources.ARN, not_starts_with: [\"arn:aws:s3:::my-bucket/AWSLogs/{ORG}/{MGMT}/\"]}}"
        );
        let cases: Vec<(&str, String, bool)> = vec![
            ("default selectors", String::new(), false),
            ("management events only", mgmt.into(), false),
            ("basic: every bucket", basic("[\"arn:aws:s3\"]"), true),
            (
                "basic: every bucket, with colons",
                basic("[\"arn:aws:s3:::\"]"),
                true,
            ),
            (
                "basic: the log bucket",
                basic("[\"arn:aws:s3:::my-bucket/\"]"),
                true,
            ),
            (
                "basic: another bucket",
                basic("[\"arn:aws:s3:::other-bucket/\"]"),
                false,
            ),
            ("basic: lambda functions", lambda.into(), false),
            (
                "basic: another folder of the log bucket",
                format!(
                    "  s3_key_prefix: logs\n{}",
                    basic("[\"arn:aws:s3:::my-bucket/data/\"]")
                ),
                false,
            ),
            (
                "basic: the prefix folder",
                format!(
                    "  s3_key_prefix: logs\n{}",
                    basic("[\"arn:aws:s3:::my-bucket/logs/\"]")
                ),
                true,
            ),
            ("advanced: all S3 objects", s3_advanced(&[]), true),
            (
                "advanced: the log files excluded (the fix)",
                s3_advanced(&[
                    "{field: resources.ARN, not_starts_with: [\"arn:aws:s3:::my-bucket/AWSLogs/\"]}",
                ]),
                false,
            ),
            (
                "advanced: the bucket excluded",
                s3_advanced(&[
                    "{field: resources.ARN, not_equals: [\"arn:aws:s3:::other\"], not_starts_with: [\"arn:aws:s3:::my-bucket/\"]}",
                ]),
                false,
            ),
            (
                "advanced: the organization's folder excluded",
                s3_advanced(&[&org_logs]),
                false,
            ),
            (
                "advanced: only the management account's folder excluded",
                s3_advanced(&[&mgmt_folder_only]),
                true,
            ),
            (
                "advanced: another bucket only",
                s3_advanced(&[
                    "{field: resources.ARN, starts_with: [\"arn:aws:s3:::other-bucket/\"]}",
                ]),
                false,
            ),
            (
                "advanced: reads only (deliveries are writes)",
                s3_advanced(&["{field: readOnly, equals: [\"true\"]}"]),
                false,
            ),
            (
                "advanced: PutObject not logged",
                s3_advanced(&["{field: eventName, not_equals: [PutObject]}"]),
                false,
            ),
            (
                "advanced: one role's requests only (CloudTrail writes as a service)",
                s3_advanced(&[
                    "{field: userIdentity.arn, starts_with: [\"arn:aws:iam::111111111111:role/app\"]}",
                ]),
                false,
            ),
            (
                "advanced: console sessions excluded (deliveries are not)",
                s3_advanced(&["{field: sessionCredentialFromConsole, equals: [\"false\"]}"]),
                true,
            ),
            (
                "accepted by the spec",
                format!(
                    "  accept_log_bucket_data_events: true\n{}",
                    s3_advanced(&[])
                ),
                false,
            ),
        ];
        let mut failures = Vec::new();
        for (name, extra, want) in &cases {
            let got = !loop_findings(&spec(extra)).is_empty();
            if got != *want {
                failures.push(format!("{name}: expected {want}, got {got}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// A single-region trail logs no event of a bucket in another region; a multi-region one
    /// does.
    #[test]
    fn a_bucket_outside_a_single_region_trail_is_not_logged() {
        let single = "  multi_region: false\n  include_global_service_events: false\n";
        for (trail, want) in [(single, false), ("", true)] {
            let mut s = spec(&format!("{trail}{}", basic("[\"arn:aws:s3\"]")));
            s.bucket.region = Some("us-west-2".into());
            assert_eq!(!loop_findings(&s).is_empty(), want, "{trail:?}");
        }
    }

    #[test]
    fn the_error_names_the_bucket_the_selector_and_the_line_to_add() {
        let f = loop_findings(&spec(&s3_advanced(&[])));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(
            f[0].message
                .contains("`trail.advanced_event_selectors[0]` (\"s3\")"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("`my-bucket`"), "{}", f[0].message);
        assert!(
            f[0].fix.contains("add `- {field: resources.ARN, not_starts_with: [\"arn:aws:s3:::my-bucket/AWSLogs/\"]}` to its `field_selectors`"),
            "{}",
            f[0].fix
        );
        assert!(f[0].fix.contains("accept_log_bucket_data_events: true"));
        let f = loop_findings(&spec(&format!(
            "  s3_key_prefix: logs\n{}",
            basic("[\"arn:aws:s3\"]")
        )));
        assert!(
            f[0].message.starts_with("`trail.event_selectors[0]`"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].fix
                .contains("not_starts_with: [\"arn:aws:s3:::my-bucket/logs/AWSLogs/\"]"),
            "{}",
            f[0].fix
        );
    }
}
