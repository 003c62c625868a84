//! Where a trail records events: which accounts (the whole organization, or one account) and
//! which regions (every region, or its home region). CloudTrail bills the first copy of
//! management events in each region and account for free and every further copy
//! (docs/cost.md), so whether two trails pay twice is whether their scopes overlap.

use serde::{Deserialize, Serialize};

use super::live::OtherTrail;

/// The accounts a trail covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Accounts {
    /// An organization trail: every account of the organization.
    Organization,
    Account(String),
}

/// The regions a trail covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regions {
    /// A multi-region trail.
    All,
    Region(String),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope {
    pub accounts: Accounts,
    pub regions: Regions,
}

impl Scope {
    /// The scope of a trail owned by `account` (the management account for an organization
    /// trail) and homed in `home_region`.
    pub fn of(organization: bool, multi_region: bool, account: &str, home_region: &str) -> Scope {
        Scope {
            accounts: if organization {
                Accounts::Organization
            } else {
                Accounts::Account(account.to_string())
            },
            regions: if multi_region {
                Regions::All
            } else {
                Regions::Region(home_region.to_string())
            },
        }
    }

    pub fn of_other(o: &OtherTrail) -> Scope {
        Scope::of(o.organization, o.multi_region, &o.account, &o.home_region)
    }

    /// Where both record, if anywhere. Every trail orgtrail can see belongs to the caller's
    /// account or organization, so one account lies within "the organization".
    pub fn overlap(&self, other: &Scope) -> Option<Scope> {
        let accounts = match (&self.accounts, &other.accounts) {
            (Accounts::Organization, a) | (a, Accounts::Organization) => a.clone(),
            (Accounts::Account(a), Accounts::Account(b)) if a == b => self.accounts.clone(),
            _ => return None,
        };
        let regions = match (&self.regions, &other.regions) {
            (Regions::All, r) | (r, Regions::All) => r.clone(),
            (Regions::Region(a), Regions::Region(b)) if a == b => self.regions.clone(),
            _ => return None,
        };
        Some(Scope { accounts, regions })
    }

    /// What `self` covers that `other` does not, in words ("every member account", "every
    /// region but us-east-2"); empty when nothing.
    pub fn beyond(&self, other: &Scope) -> Vec<String> {
        let mut out = Vec::new();
        if let (Accounts::Organization, Accounts::Account(a)) = (&self.accounts, &other.accounts) {
            out.push(format!("every account of the organization but {a}"));
        }
        if let (Regions::All, Regions::Region(r)) = (&self.regions, &other.regions) {
            out.push(format!("every region but {r}"));
        }
        out
    }

    /// In words: "every account of the organization in every region", "account 1111… in
    /// us-east-2".
    pub fn describe(&self) -> String {
        let accounts = match &self.accounts {
            Accounts::Organization => "every account of the organization".to_string(),
            Accounts::Account(a) => format!("account {a}"),
        };
        let regions = match &self.regions {
            Regions::All => "every region".to_string(),
            Regions::Region(r) => r.clone(),
        };
        format!("{accounts} in {regions}")
    }
}

/// The other trails that record a copy of management events where `ours` does, with where.
/// DescribeTrails does not return a trail's selectors or whether it is logging (reading them
/// would cost two calls per trail), so every other trail is taken to log management events, as
/// AWS's default selector does: a trail that does not shows up as a copy it is not.
pub fn management_copies_beside<'a>(
    ours: &Scope,
    own_arn: &str,
    others: &'a [OtherTrail],
) -> Vec<(&'a OtherTrail, Scope)> {
    others
        .iter()
        .filter(|o| o.arn != own_arn)
        .filter_map(|o| ours.overlap(&Scope::of_other(o)).map(|s| (o, s)))
        .collect()
}
