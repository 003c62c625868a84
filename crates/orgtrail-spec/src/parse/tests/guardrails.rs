//! `guardrails:`: defaults (attach to the root, SCP and RCP on, no alerts), and each problem at
//! its line: a session ARN or a bucket name as an exemption, an unknown target, a target listed
//! twice, a topic that is not an ARN, an SCP that exempts nobody, guardrails that protect
//! nothing.

use super::{BASE, errs};
use crate::parse_bytes;

const CI: &str = "arn:aws:iam::111111111111:role/orgtrail-ci";

#[test]
fn guardrails_default_to_both_policies_on_the_root_without_alerts() {
    let yaml = format!("{BASE}guardrails:\n  exempt_principals: [\"{CI}\"]\n");
    let g = parse_bytes("t.yaml", yaml.as_bytes())
        .unwrap()
        .guardrails
        .unwrap();
    assert_eq!(g.exempt_principals, [CI]);
    assert_eq!(g.attach_to, ["root"]);
    assert!(g.scp && g.rcp && g.alerts.is_none());
    let spec = parse_bytes("t.yaml", BASE.as_bytes()).unwrap();
    assert!(spec.guardrails.is_none());
}

#[test]
fn each_guardrail_problem_is_reported_at_its_line_with_the_fix() {
    let yaml = format!(
        "{BASE}guardrails:\n  exempt_principals:\n    - arn:aws:sts::111111111111:assumed-role/ci/run-1\n    - \"{CI}\"\n  attach_to: [root, ou-ab12-cdef3456, \"222233334444\", ou-x, root]\n  alerts:\n    sns_topic: audit-alerts\n"
    );
    assert_eq!(
        errs(&yaml),
        [
            "9:7 guardrails.exempt_principals: `arn:aws:sts::111111111111:assumed-role/ci/run-1` is not an IAM role, user or root ARN",
            "11:55 guardrails.attach_to: `ou-x` is not `root`, an OU id or an account id",
            "11:61 guardrails.attach_to: `root` is listed twice",
            "13:16 guardrails.alerts.sns_topic: `audit-alerts` is not an SNS topic ARN",
        ]
    );
}

#[test]
fn an_scp_exempting_nobody_and_guardrails_protecting_nothing_are_errors() {
    let nobody = format!("{BASE}guardrails:\n  rcp: false\n");
    assert_eq!(
        errs(&nobody),
        [
            "8:3 guardrails.exempt_principals: the service control policy would exempt no principal but the spec's own roles"
        ]
    );
    let nothing = format!("{BASE}guardrails:\n  scp: false\n  rcp: false\n");
    assert_eq!(
        errs(&nothing),
        [
            "8:3 guardrails: guardrails with `scp: false`, `rcp: false` and no `alerts` protect nothing"
        ]
    );
}
