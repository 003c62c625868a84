//! Who else a bucket policy lets destroy the evidence: delete or overwrite log files, or change
//! the bucket's policy, lifecycle, versioning or Object Lock. A grant to a principal outside the
//! bucket's own account (whose principals IAM policies govern) and the spec's roles puts the
//! logs at the mercy of that principal: coverage lost, whoever added the statement.
//!
//! The principals sampled are every AWS principal an Allow statement names (its ARN, and its
//! account as `:root`), and an account no statement names for `"Principal": "*"`: a policy can
//! only tell principals apart by what it names. Conditions orgtrail cannot evaluate count as
//! met (an `aws:PrincipalOrgID` grant lets every account of the organization in).

use std::collections::{BTreeMap, BTreeSet};

use crate::iam::{self, Effect, NormStatement, Principal, Request};

/// What destroys the evidence: on log objects (delete, overwrite, shorten or lift their Object
/// Lock retention), and on the bucket (its policy, lifecycle, versioning, Object Lock, ACLs).
const OBJECT_ACTIONS: [&str; 5] = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObject",
    "s3:PutObjectRetention",
    "s3:BypassGovernanceRetention",
];
const BUCKET_ACTIONS: [&str; 7] = [
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketOwnershipControls",
    "s3:DeleteBucket",
];

/// The principals the spec lets change the bucket: its owner account and the spec's roles.
pub struct Trusted<'a> {
    pub owner_account: &'a str,
    pub roles: Vec<&'a str>,
}

impl Trusted<'_> {
    fn trusts(&self, arn: &str) -> bool {
        arn.split(':').nth(4) == Some(self.owner_account) || self.roles.contains(&arn)
    }
}

/// Federated and canonical-user principals the Allow statements name: outside the bucket's
/// account by nature.
fn other_principals(statements: &[NormStatement]) -> BTreeSet<(String, String)> {
    statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .flat_map(|s| s.principal.iter().flatten())
        .filter(|(kind, _)| !["aws", "service", "*"].contains(&kind.as_str()))
        .flat_map(|(kind, ids)| ids.iter().map(move |id| (kind.clone(), id.clone())))
        .collect()
}

/// AWS principals the Allow statements name, as ARNs (accounts as `:root`), and a stand-in
/// account for `*`.
fn principals(statements: &[NormStatement], partition: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut named_accounts = BTreeSet::new();
    for s in statements.iter().filter(|s| s.effect == Effect::Allow) {
        for p in s.principal.iter().flat_map(|m| m.get("aws")).flatten() {
            if let Some(account) = p.split(':').nth(4) {
                named_accounts.insert(account.to_string());
                out.insert(format!("arn:{partition}:iam::{account}:root"));
            }
            out.insert(p.clone());
        }
    }
    let stand_in = (0u64..)
        .map(|i| format!("{:012}", 999_999_999_999 - i))
        .find(|a| !named_accounts.contains(a))
        .unwrap_or_default();
    out.insert(format!("arn:{partition}:iam::{stand_in}:root"));
    out
}

fn request(principal: &Principal, action: &str, resource: String) -> Request {
    let arn = match principal {
        Principal::Aws(arn) => arn.as_str(),
        _ => "",
    };
    let account = arn.split(':').nth(4).unwrap_or_default();
    Request {
        principal: principal.clone(),
        action: action.to_ascii_lowercase(),
        resource,
        context: BTreeMap::from([
            ("aws:principalarn".to_string(), Some(arn.to_string())),
            (
                "aws:principalaccount".to_string(),
                Some(account.to_string()),
            ),
            ("aws:securetransport".to_string(), Some("true".to_string())),
        ]),
        cautious: false,
    }
}

/// Each principal outside `trusted` the statements let destroy evidence in `bucket_arn` (the
/// log and digest objects `log_objects`: the ARNs our trails deliver), with the actions, in
/// words.
pub fn grants(
    statements: &[NormStatement],
    bucket_arn: &str,
    log_objects: &[String],
    trusted: &Trusted,
) -> Vec<String> {
    let partition = bucket_arn.split(':').nth(1).unwrap_or("aws");
    let aws = principals(statements, partition)
        .into_iter()
        .filter(|p| !trusted.trusts(p))
        .map(|arn| {
            let who = match arn.strip_suffix(":root") {
                Some(_) => format!("account {}", arn.split(':').nth(4).unwrap_or_default()),
                None => arn.clone(),
            };
            (Principal::Aws(arn), who)
        });
    let others = other_principals(statements).into_iter().map(|(kind, id)| {
        (
            Principal::Named {
                kind: kind.clone(),
                id: id.clone(),
            },
            format!("{kind} principal {id}"),
        )
    });
    let mut out = Vec::new();
    for (p, who) in aws.chain(others) {
        let asks = OBJECT_ACTIONS
            .iter()
            .flat_map(|a| log_objects.iter().map(move |o| (*a, o.clone())))
            .chain(BUCKET_ACTIONS.iter().map(|a| (*a, bucket_arn.to_string())));
        let mut allowed: Vec<&str> = asks
            .filter(|(a, r)| iam::evaluate(statements, &request(&p, a, r.clone())).is_allowed())
            .map(|(a, _)| a)
            .collect();
        allowed.dedup();
        if !allowed.is_empty() {
            out.push(format!(
                "{who} may call {} on the log bucket",
                allowed.join(", ")
            ));
        }
    }
    out
}
