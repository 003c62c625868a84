//! Whether a KMS key policy lets CloudTrail encrypt log files with the key.

use crate::policy;

/// Whether a KMS key policy lets CloudTrail encrypt with the key.
pub fn kms_policy_allows_cloudtrail(text: &str) -> bool {
    let Ok(doc) = policy::parse_policy("", text) else {
        return false;
    };
    doc.statements.iter().any(|s| {
        let Ok(n) = policy::normalise_statement(s) else {
            return false;
        };
        n.effect == "Allow"
            && n.principal.as_ref().is_some_and(|p| {
                p.get("service")
                    .is_some_and(|v| v.contains(policy::CLOUDTRAIL_SERVICE))
                    || p.contains_key("*")
            })
            && n.action.as_ref().is_some_and(|a| {
                a.iter().any(|x| {
                    x == "kms:generatedatakey*" || x == "kms:generatedatakey" || x == "kms:*"
                })
            })
    })
}
