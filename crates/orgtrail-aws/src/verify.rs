//! `orgtrail verify` against AWS: read the scope (trail, accounts, regions), list the digest
//! folders, judge the digests and logs under `--validate`, one account × region at a time
//! reduced by `orgtrail_core::verify::assess_cell`, then `combine`d into the report. Read-only.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use orgtrail_core::BucketRef;
use orgtrail_core::verify::{
    CellResult, Judged, Listed, Member, Scope, VerifyReport, assess_cell, combine, to_judge,
};
use orgtrail_spec::Spec;

use crate::client::Aws;
use crate::error::AwsError;
use crate::read_rounds::join_all;
use crate::verify_error::{VerifyError, VerifyRequest};
use crate::verify_read::Bucket;
use crate::verify_scope::{Account, Keys, TrailFacts, layout};

use tokio::sync::{OnceCell, Semaphore};

/// Public keys per region, each read once, on first need.
type KeyCache = std::sync::Mutex<BTreeMap<String, Arc<OnceCell<Result<Arc<Keys>, AwsError>>>>>;

/// Whose digests are judged and in which regions.
struct Who {
    members: Vec<Member>,
    organization: BTreeSet<String>,
    regions: Vec<String>,
}

impl Aws {
    /// Verify the delivered evidence of `spec`'s trail.
    pub async fn verify(
        &self,
        spec: &Spec,
        req: &VerifyRequest,
    ) -> Result<VerifyReport, VerifyError> {
        let (caller, org) = tokio::join!(self.caller(), self.organization());
        let (caller, org) = (caller?, org?);
        let management = org
            .as_ref()
            .map_or(caller.account.clone(), |o| o.management_account.clone());
        let t = &spec.trail;
        let trail = self.verify_trail(&t.name, &t.home_region).await?;
        if trail.organization && org.is_none() {
            return Err(VerifyError::NoOrganization {
                trail: t.name.clone(),
            });
        }
        let mut r = BucketRef::of(spec, &management);
        // Verify only reads: its bucket role is the read role when the spec names one (so the
        // errors name the role actually used).
        if self.read_only && r.read_role_arn.is_some() {
            r.role_arn.clone_from(&r.read_role_arn);
        }
        if r.name != trail.bucket {
            return Err(VerifyError::OtherBucket {
                trail: t.name.clone(),
                live: trail.bucket,
                spec: r.name,
            });
        }
        let layout = layout(
            &trail,
            org.as_ref().map(|o| o.id.as_str()),
            &t.name,
            &t.home_region,
        );
        let bucket = Bucket {
            r,
            layout: layout.clone(),
        };
        let who = self.who(&trail, &management, &t.home_region, req).await?;
        let scope = Scope {
            trail_arn: trail.arn.clone(),
            layout,
            window: req.window,
            members: who.members,
            organization: who.organization,
            regions: who.regions,
            validate: req.validate,
            look_for_departed: trail.organization && req.accounts.is_none(),
        };
        let scope = Arc::new(scope);
        let cells = self.all_cells(&bucket, &scope).await?;
        let others = if scope.look_for_departed {
            self.departed(&bucket, &scope).await?
        } else {
            Vec::new()
        };
        Ok(combine(&scope, cells, &others))
    }

    /// The members judged and the regions: every ACTIVE account (the trail's own account for a
    /// trail that is not an organization trail), the regions enabled for each.
    async fn who(
        &self,
        trail: &TrailFacts,
        management: &str,
        home: &str,
        req: &VerifyRequest,
    ) -> Result<Who, VerifyError> {
        let all: Vec<Account> = if trail.organization {
            self.accounts().await?
        } else {
            let owner = trail
                .arn
                .split(':')
                .nth(4)
                .unwrap_or(management)
                .to_string();
            vec![Account {
                id: owner,
                active: true,
                joined: None,
            }]
        };
        let active: Vec<&Account> = all.iter().filter(|a| a.active).collect();
        // An account folder of anyone else (left, removed, suspended, closed) that delivered in
        // the window is `account-left`.
        let organization: BTreeSet<String> = active.iter().map(|a| a.id.clone()).collect();
        if let Some(wanted) = &req.accounts
            && let Some(a) = wanted.iter().find(|w| !active.iter().any(|a| &a.id == *w))
        {
            return Err(VerifyError::UnknownAccount { account: a.clone() });
        }
        let chosen: Vec<&Account> = active
            .into_iter()
            .filter(|a| req.accounts.as_ref().is_none_or(|w| w.contains(&a.id)))
            .collect();
        let enabled = if trail.multi_region {
            let futs = chosen
                .iter()
                .map(|a| {
                    let (aws, id) = (self.clone(), a.id.clone());
                    let is_management = id == management;
                    async move { aws.enabled_regions(&id, is_management).await }
                })
                .collect();
            let sets: Result<Vec<_>, VerifyError> = join_all(futs).await.into_iter().collect();
            Some(sets?)
        } else {
            None
        };
        let mut regions: BTreeSet<String> = match &enabled {
            Some(sets) => sets.iter().flatten().cloned().collect(),
            None => BTreeSet::from([home.to_string()]),
        };
        if let Some(only) = &req.regions {
            if let Some(r) = only.iter().find(|r| !regions.contains(*r)) {
                return Err(VerifyError::UnknownRegion {
                    region: r.clone(),
                    known: regions.into_iter().collect::<Vec<_>>().join(", "),
                });
            }
            regions.retain(|r| only.contains(r));
        }
        let members = chosen
            .iter()
            .enumerate()
            .map(|(i, a)| Member {
                id: a.id.clone(),
                joined: if trail.organization { a.joined } else { None },
                enabled: enabled.as_ref().map(|e| e[i].clone()),
            })
            .collect();
        Ok(Who {
            members,
            organization,
            regions: regions.into_iter().collect(),
        })
    }

    /// Every account × region judged, as many at a time as requests may be in flight per
    /// endpoint (`--max-concurrency`: every cell reads the same bucket): a cell is listed (one
    /// ListObjectsV2 per day folder), its digests and logs judged under `--validate`, and reduced
    /// to its summary and findings before the next starts, so memory holds a few cells' files
    /// whatever the window and the organization.
    async fn all_cells(&self, b: &Bucket, scope: &Arc<Scope>) -> Result<Vec<CellResult>, AwsError> {
        let keys: Arc<KeyCache> = Arc::default();
        let gate = Arc::new(Semaphore::new(self.max_concurrency()));
        let mut futs = Vec::new();
        for m in &scope.members {
            for region in &scope.regions {
                let (aws, b, scope, keys, gate) = (
                    self.clone(),
                    b.clone(),
                    scope.clone(),
                    keys.clone(),
                    gate.clone(),
                );
                let (m, region) = (m.clone(), region.clone());
                futs.push(async move {
                    let _cell = gate.acquire_owned().await.expect("never closed");
                    aws.cell(&b, &scope, &m, &region, &keys).await
                });
            }
        }
        join_all(futs).await.into_iter().collect()
    }

    /// CloudTrail's public keys of `region` for the window, read once per region and only for a
    /// region with digests to judge (a region no account delivered in is never asked: the
    /// management account may not have it enabled).
    async fn keys_for(
        &self,
        cache: &KeyCache,
        region: &str,
        scope: &Scope,
    ) -> Result<Arc<Keys>, AwsError> {
        let cell = cache
            .lock()
            .expect("no panic while holding the key cache lock")
            .entry(region.to_string())
            .or_default()
            .clone();
        cell.get_or_init(|| async { self.window_keys(region, scope.window).await.map(Arc::new) })
            .await
            .clone()
    }

    /// One account × region: listed, judged, reduced.
    async fn cell(
        &self,
        b: &Bucket,
        scope: &Scope,
        m: &Member,
        region: &str,
        keys: &KeyCache,
    ) -> Result<CellResult, AwsError> {
        let l = if scope.applicable(m, region) {
            self.list_digests(b, &m.id, region, &scope.window.days())
                .await?
        } else {
            Listed {
                account: m.id.clone(),
                region: region.to_string(),
                digests: Vec::new(),
            }
        };
        let mut judged = Vec::new();
        let wanted = to_judge(scope, std::slice::from_ref(&l));
        if scope.validate && !wanted.is_empty() {
            let region_keys = self.keys_for(keys, region, scope).await?;
            let futs = wanted
                .into_iter()
                .map(|(key, name)| {
                    let (aws, b, k) = (self.clone(), b.clone(), region_keys.clone());
                    let (key, name) = (key.to_string(), name.clone());
                    async move { aws.judge(&b, key, name, k).await }
                })
                .collect();
            judged = join_all(futs)
                .await
                .into_iter()
                .collect::<Result<Vec<Judged>, AwsError>>()?;
        }
        Ok(assess_cell(scope, m, &l, &judged))
    }

    /// The digests of account folders that are not the organization's accounts.
    async fn departed(&self, b: &Bucket, scope: &Scope) -> Result<Vec<Listed>, AwsError> {
        let days = scope.window.days();
        let mut out = Vec::new();
        for account in self.account_folders(b).await? {
            if scope.organization.contains(&account) {
                continue;
            }
            for region in self.digest_regions(b, &account).await? {
                if scope.regions.contains(&region) {
                    out.push(self.list_digests(b, &account, &region, &days).await?);
                }
            }
        }
        Ok(out)
    }
}
