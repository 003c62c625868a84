//! Organization prerequisites: all features, CloudTrail as a trusted service, and CloudTrail's
//! delegated administrators.

use serde_json::json;

use super::model::{Action, FindingCode, SpecInput, Step, change};
use super::out::Out;
use crate::coverage;
use crate::model::OrgState;

/// Steps that bring the organization to what the specs need. Only the management account may
/// change the organization: run as a delegated administrator, each needed step is a preflight
/// error naming the fix instead (apply would fail half way).
pub(crate) fn steps(out: &mut Out, specs: &[SpecInput], org: &OrgState, caller: &str) {
    let want_all_features = specs
        .iter()
        .any(|s| s.spec.organization.all_features || s.spec.trail.organization);
    let want_trusted = specs
        .iter()
        .any(|s| s.spec.organization.trusted_access || s.spec.trail.organization);
    let mut planned = Out::default();
    if want_all_features && !org.all_features {
        enable_all_features(&mut planned, org);
    }
    if want_trusted != org.trusted_access {
        planned.step(trusted_access(org, want_trusted));
    }
    delegated_admins(&mut planned, specs, org);
    if caller == org.management_account {
        out.steps.extend(planned.steps);
        out.findings.extend(planned.findings);
        return;
    }
    for s in planned.steps {
        out.error(
            "",
            FindingCode::ManagementAccountOnly,
            format!(
                "{} on organization {} needs the management account ({}); account {caller} is a CloudTrail delegated administrator",
                s.kind.as_str(),
                org.id,
                org.management_account
            ),
            format!("run `orgtrail apply` once with credentials of the management account {} (it plans this step), then again from the delegated administrator", org.management_account),
        );
    }
}

fn enable_all_features(out: &mut Out, org: &OrgState) {
    out.warn(
        "",
        FindingCode::EnableAllFeatures,
        format!("organization {} uses only consolidated billing; an organization trail needs all features", org.id),
        "apply with --allow-enable-all-features: it sends a handshake to every invited member account and cannot be undone; the trail is created once every member accepted",
    );
    out.step(
        Step::new(
            format!("organization {}", org.id),
            String::new(),
            "organization trails need all features enabled".into(),
            Action::EnableAllFeatures,
        )
        .with_changes(vec![change(
            "feature_set",
            json!("CONSOLIDATED_BILLING"),
            json!("ALL"),
        )])
        .coverage(
            Vec::new(),
            coverage::missing("organization trails need all features"),
        ),
    );
}

/// Enable or disable CloudTrail trusted access; disabling it reduces coverage (organization
/// trails stop applying to member accounts).
fn trusted_access(org: &OrgState, enable: bool) -> Step {
    let (reason, action) = if enable {
        (
            "CloudTrail must be a trusted service to create an organization trail",
            Action::EnableTrustedAccess,
        )
    } else {
        (
            "the specs set trusted_access: false",
            Action::DisableTrustedAccess,
        )
    };
    Step::new(
        format!("organization {}", org.id),
        String::new(),
        reason.into(),
        action,
    )
    .with_changes(vec![change(
        "trusted_access[cloudtrail.amazonaws.com]",
        json!(!enable),
        json!(enable),
    )])
    .coverage(
        coverage::trusted_access(org.trusted_access, enable),
        coverage::trusted_access(enable, org.trusted_access),
    )
}

/// The delegated administrators the specs list (authoritative when any spec lists them); specs
/// that list different sets are an error.
fn wanted_admins<'a>(out: &mut Out, specs: &'a [SpecInput]) -> Option<&'a Vec<String>> {
    let mut lists = specs
        .iter()
        .filter_map(|s| Some((s, s.spec.organization.delegated_administrators.as_ref()?)));
    let (first, want) = lists.next()?;
    for (s, other) in lists {
        if other != want {
            out.error(
                &s.path,
                FindingCode::ConflictingDelegatedAdministrators,
                format!(
                    "{} and {} list different CloudTrail delegated administrators",
                    first.path, s.path
                ),
                "list the same accounts in every spec, or in one spec only",
            );
        }
    }
    Some(want)
}

/// Register the listed accounts that are not delegated administrators yet; deregister the
/// others (that removes their control over the organization trail: reducing).
fn delegated_admins(out: &mut Out, specs: &[SpecInput], org: &OrgState) {
    let Some(want) = wanted_admins(out, specs) else {
        return;
    };
    let region = specs[0].spec.trail.home_region.clone();
    for a in want.iter().filter(|a| !org.delegated_admins.contains(a)) {
        let action = Action::RegisterDelegatedAdmin {
            region: region.clone(),
            account: a.clone(),
        };
        out.step(admin_step(
            a,
            "the spec lists it in `organization.delegated_administrators`",
            action,
            false,
        ));
    }
    for a in org.delegated_admins.iter().filter(|a| !want.contains(a)) {
        let action = Action::DeregisterDelegatedAdmin {
            region: region.clone(),
            account: a.clone(),
        };
        out.step(admin_step(
            a,
            "not in `organization.delegated_administrators`",
            action,
            true,
        ));
    }
}

fn admin_step(account: &str, reason: &str, action: Action, remove: bool) -> Step {
    let control = vec![format!(
        "account {account}'s control of the organization trail (CloudTrail delegated administrator)"
    )];
    let (lost, restored) = if remove {
        (control, Vec::new())
    } else {
        (Vec::new(), control)
    };
    Step::new(
        format!("account {account}"),
        String::new(),
        reason.into(),
        action,
    )
    .with_changes(vec![change(
        &format!("delegated_administrators[{account}]"),
        json!(remove),
        json!(!remove),
    )])
    .coverage(lost, restored)
}
