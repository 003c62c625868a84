//! Table-driven tests of the organization builders (all features, trusted access, delegated administrators) over hand-built live states: each case names the
//! behaviour it pins.

use super::*;
use crate::fixtures::*;

#[test]
fn trusted_access_follows_the_specs_and_disabling_reduces_coverage() {
    let s = spec("  organization: false\n");
    let mut off = spec("  organization: false\n");
    off.organization.trusted_access = false;
    let live = in_sync(&[&s]);
    assert_eq!(
        kinds(&plan_of(&[&off], &live)),
        [(StepKind::DisableTrustedAccess, true)]
    );
    let mut live = in_sync(&[&s]);
    live.organization.as_mut().unwrap().trusted_access = false;
    assert_eq!(
        kinds(&plan_of(&[&s], &live)),
        [(StepKind::EnableTrustedAccess, false)]
    );
}

#[test]
fn all_features_off_plans_the_step_and_warns() {
    let s = spec("");
    let mut live = in_sync(&[&s]);
    live.organization.as_mut().unwrap().all_features = false;
    let p = plan_of(&[&s], &live);
    assert_eq!(kinds(&p), [(StepKind::EnableAllFeatures, false)]);
    assert!(codes(&p).contains(&(Severity::Warning, "enable-all-features".into())));
}

/// Situation 8: a delegated administrator cannot change the organization: those steps are
/// preflight errors with the fix; its own (non-organization) trails belong to its account.
#[test]
fn delegated_admin_gets_management_only_steps_as_errors() {
    let s = spec("");
    let mut live = delegated_admin_live(&s);
    live.organization.as_mut().unwrap().trusted_access = false;
    let p = plan_of(&[&s], &live);
    assert!(
        p.steps
            .iter()
            .all(|s| s.kind != StepKind::EnableTrustedAccess),
        "{:?}",
        kinds(&p)
    );
    let f = p
        .findings
        .iter()
        .find(|f| f.code == "management-account-only")
        .expect("error");
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains("enable-trusted-access") && f.fix.contains(MGMT),
        "{f:?}"
    );
    // The organization trail keeps the management account's ARN.
    assert!(plan_of(&[&s], &delegated_admin_live(&s)).steps.is_empty());
}

#[test]
fn delegated_admins_own_non_organization_trail_is_in_its_account() {
    let s = spec("  organization: false\n");
    let mut live = delegated_admin_live(&s);
    live.trails[0].trail = None;
    let p = plan_of(&[&s], &live);
    let create = p
        .steps
        .iter()
        .find(|s| s.kind == StepKind::CreateTrail)
        .unwrap();
    assert_eq!(
        create.target,
        "arn:aws:cloudtrail:us-east-2:444444444444:trail/my-trail"
    );
}

#[test]
fn delegated_administrators_are_registered_and_deregistering_reduces() {
    let mut s = spec("");
    s.organization.delegated_administrators = Some(vec!["444444444444".into()]);
    let mut live = in_sync(&[&s]);
    live.organization.as_mut().unwrap().delegated_admins = vec!["555555555555".into()];
    let p = plan_of(&[&s], &live);
    assert_eq!(
        kinds(&p),
        [
            (StepKind::RegisterDelegatedAdministrator, false),
            (StepKind::DeregisterDelegatedAdministrator, true),
        ]
    );
    let Action::RegisterDelegatedAdmin { account, .. } = &p.steps[0].action else {
        panic!()
    };
    assert_eq!(account, "444444444444");
    // Not listed at all: left alone.
    let s = spec("");
    assert!(plan_of(&[&s], &live).steps.is_empty());
}

#[test]
fn a_delegated_admin_cannot_register_delegated_admins() {
    let mut s = spec("");
    s.organization.delegated_administrators =
        Some(vec!["444444444444".into(), "666666666666".into()]);
    let live = delegated_admin_live(&s);
    let p = plan_of(&[&s], &live);
    assert!(p.steps.is_empty(), "{:?}", kinds(&p));
    assert!(codes(&p).contains(&(Severity::Error, "management-account-only".into())));
}
