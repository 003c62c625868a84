//! The report from hand-built listings: gaps as ranges, a deleted digest reported once over its
//! range, invalid files, late joiners, regions not enabled, accounts that left.

use std::collections::BTreeSet;

use super::*;
use crate::verify::layout::Layout;
use crate::verify::scope::Window;
use crate::verify::time::{HOUR, stamp};

const A: &str = "111111111111";
const B: &str = "222222222222";
const T0: i64 = 1_764_547_200; // 2025-12-01T00:00:00Z

fn layout() -> Layout {
    Layout {
        bucket: "logs".into(),
        prefix: None,
        org_id: Some("o-abc".into()),
        trail_name: "t".into(),
        home_region: "us-east-2".into(),
    }
}

fn key(account: &str, region: &str, end: i64) -> String {
    format!(
        "{}{account}_CloudTrail-Digest_{region}_t_us-east-2_{}.json.gz",
        layout().digest_day(account, region, end),
        stamp(end)
    )
}

fn member(id: &str) -> Member {
    Member {
        id: id.into(),
        joined: None,
        enabled: None,
    }
}

fn scope(members: Vec<Member>, hours: i64, validate: bool) -> Scope {
    Scope {
        trail_arn: "arn:aws:cloudtrail:us-east-2:111111111111:trail/t".into(),
        layout: layout(),
        window: Window::new(T0, T0 + hours * HOUR).expect("window"),
        organization: members.iter().map(|m| m.id.clone()).collect(),
        members,
        regions: vec!["us-east-2".into()],
        validate,
        look_for_departed: true,
    }
}

/// Digests of `account` for the given hours (end 17 minutes into each).
fn listed(account: &str, hours: &[i64]) -> Listed {
    Listed {
        account: account.into(),
        region: "us-east-2".into(),
        digests: hours
            .iter()
            .map(|h| {
                let end = T0 + h * HOUR + 17 * 60;
                let k = key(account, "us-east-2", end);
                let name = layout().parse_digest_key(&k).expect("name");
                (k, name)
            })
            .collect(),
    }
}

/// Every listed digest judged valid, linked to the previous hour's digest.
fn all_valid(l: &Listed) -> Vec<Judged> {
    l.digests
        .iter()
        .map(|(k, n)| Judged {
            key: k.clone(),
            name: n.clone(),
            outcome: Ok(Checked {
                start: n.end - HOUR,
                end: n.end,
                previous: Some(("logs".into(), key(&n.account, &n.region, n.end - HOUR))),
                logs: vec![(format!("{k}.log"), Ok(()))],
            }),
        })
        .collect()
}

fn kinds(r: &VerifyReport) -> Vec<(FindingKind, i64, i64)> {
    r.findings
        .iter()
        .map(|f| (f.kind, (f.from - T0) / HOUR, (f.to - T0) / HOUR))
        .collect()
}

#[test]
fn every_hour_present_is_every_cell_verified() {
    let s = scope(vec![member(A)], 6, false);
    let r = assess(&s, &[listed(A, &[0, 1, 2, 3, 4, 5])], &[], &[]);
    assert_eq!((r.cells, r.verified), (6, 6));
    assert!(r.verified_all());
}

#[test]
fn missing_hours_are_reported_as_ranges_not_hour_by_hour() {
    let s = scope(vec![member(A)], 8, false);
    let r = assess(&s, &[listed(A, &[0, 3, 4])], &[], &[]);
    assert_eq!(
        kinds(&r),
        vec![
            (FindingKind::DeliveryGap, 1, 3),
            (FindingKind::DeliveryGap, 5, 8)
        ]
    );
    assert_eq!(r.summary[0].gaps, 5);
    assert!(
        r.findings[0]
            .key
            .ends_with("CloudTrail-Digest/us-east-2/2025/12/01/")
    );
}

#[test]
fn a_deleted_digest_is_reported_once_over_its_range_as_deleted() {
    let s = scope(vec![member(A)], 6, true);
    let l = listed(A, &[0, 1, 4, 5]);
    let judged = all_valid(&l);
    let r = assess(&s, std::slice::from_ref(&l), &judged, &[]);
    assert_eq!(kinds(&r), vec![(FindingKind::DigestMissing, 2, 4)]);
    assert_eq!(
        r.findings[0].key,
        key(A, "us-east-2", T0 + 3 * HOUR + 17 * 60)
    );
    assert_eq!((r.verified, r.summary[0].gaps), (4, 2));
}

#[test]
fn an_invalid_digest_and_a_modified_log_make_their_hours_unverified() {
    let s = scope(vec![member(A)], 3, true);
    let l = listed(A, &[0, 1, 2]);
    let mut judged = all_valid(&l);
    judged[1].outcome = Err(DigestProblem::Signature);
    if let Ok(c) = &mut judged[2].outcome {
        c.logs[0].1 = Err(LogProblem::Modified);
    }
    let r = assess(&s, std::slice::from_ref(&l), &judged, &[]);
    assert_eq!(
        kinds(&r),
        vec![
            (FindingKind::DigestInvalid, 1, 2),
            (FindingKind::LogModified, 2, 3)
        ]
    );
    assert_eq!((r.verified, r.summary[0].invalid), (1, 2));
    assert!(r.findings[1].key.ends_with(".log"));
}

#[test]
fn an_account_is_judged_from_the_hour_it_joined() {
    let mut late = member(B);
    late.joined = Some(T0 + 3 * HOUR + 600);
    let s = scope(vec![member(A), late], 6, false);
    let r = assess(
        &s,
        &[listed(A, &[0, 1, 2, 3, 4, 5]), listed(B, &[3, 4, 5])],
        &[],
        &[],
    );
    assert!(r.verified_all(), "{:?}", r.findings);
    assert_eq!(
        (r.cells, r.verified),
        (8, 8),
        "B from hour 4, the first whole hour after it joined"
    );
}

#[test]
fn a_region_not_enabled_for_an_account_is_not_applicable_never_a_gap() {
    let mut a = member(A);
    a.enabled = Some(BTreeSet::from(["eu-west-1".to_string()]));
    let s = scope(vec![a], 4, false);
    let r = assess(&s, &[], &[], &[]);
    assert!(r.findings.is_empty());
    assert!(!r.summary[0].applicable);
    assert_eq!(r.cells, 0);
}

#[test]
fn an_account_that_delivered_then_left_the_organization_is_named() {
    let s = scope(vec![member(A)], 4, false);
    let gone = listed(B, &[0, 1]);
    let r = assess(&s, &[listed(A, &[0, 1, 2, 3])], &[], &[gone]);
    assert_eq!(kinds(&r), vec![(FindingKind::AccountLeft, 0, 2)]);
    assert_eq!(r.findings[0].account, B);
    // A member of any status is not "left".
    let mut s = s;
    s.organization.insert(B.into());
    let r = assess(&s, &[listed(A, &[0, 1, 2, 3])], &[], &[listed(B, &[0])]);
    assert!(r.findings.is_empty());
}

#[test]
fn digests_outside_the_window_are_neither_judged_nor_counted() {
    let s = scope(vec![member(A)], 2, true);
    let l = listed(A, &[-1, 0, 1, 2]);
    assert_eq!(to_judge(&s, std::slice::from_ref(&l)).len(), 2);
    // The first digest of the window links to one before it: not a broken link.
    let judged: Vec<Judged> = all_valid(&l).into_iter().skip(1).take(2).collect();
    let l = listed(A, &[0, 1]);
    let r = assess(&s, &[l], &judged, &[]);
    assert!(r.verified_all(), "{:?}", r.findings);
}

#[test]
fn a_digest_that_drifts_across_an_hour_boundary_is_not_a_gap() {
    let s = scope(vec![member(A)], 4, false);
    // Ends at 0:59:50, then 2:00:05 (one hour and 15 s later), then 3:00:20: hour 1 has no end
    // time but is spanned by one digest.
    let mut l = listed(A, &[]);
    for end in [T0 + 3_590, T0 + 2 * HOUR + 5, T0 + 3 * HOUR + 20] {
        let k = key(A, "us-east-2", end);
        let name = layout().parse_digest_key(&k).expect("name");
        l.digests.push((k, name));
    }
    let r = assess(&s, &[l], &[], &[]);
    assert!(r.verified_all(), "{:?}", r.findings);
    // Two hours apart is a gap, not drift.
    let r = assess(&s, &[listed(A, &[0, 2, 3])], &[], &[]);
    assert_eq!(kinds(&r), vec![(FindingKind::DeliveryGap, 1, 2)]);
}
