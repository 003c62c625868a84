//! `orgtrail verify` against AWS: read the scope (trail, accounts, regions), list the digest
//! folders, judge the digests and logs under `--validate`, and hand everything to
//! `orgtrail_core::verify::assess`. Read-only.

use std::collections::BTreeSet;
use std::sync::Arc;

use orgtrail_core::BucketRef;
use orgtrail_core::verify::{Judged, Listed, Member, Scope, VerifyReport, assess, to_judge};
use orgtrail_spec::Spec;

use crate::client::Aws;
use crate::error::AwsError;
use crate::read_rounds::join_all;
use crate::verify_error::{VerifyError, VerifyRequest};
use crate::verify_read::Bucket;
use crate::verify_scope::{Account, TrailFacts, layout};

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
        let r = BucketRef::of(spec, &management);
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
        let listed = self.list_all(&bucket, &scope).await?;
        let others = if scope.look_for_departed {
            self.departed(&bucket, &scope).await?
        } else {
            Vec::new()
        };
        let judged = if req.validate {
            self.judge_all(&bucket, &scope, &listed).await?
        } else {
            Vec::new()
        };
        Ok(assess(&scope, &listed, &judged, &others))
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
        let organization: BTreeSet<String> = all.iter().map(|a| a.id.clone()).collect();
        let active: Vec<&Account> = all.iter().filter(|a| a.active).collect();
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
                .map(|a| self.enabled_regions(&a.id, a.id == management));
            Some(futures_all(futs.collect()).await?)
        } else {
            None
        };
        let mut regions: BTreeSet<String> = match &enabled {
            Some(sets) => sets.iter().flatten().cloned().collect(),
            None => BTreeSet::from([home.to_string()]),
        };
        if let Some(only) = &req.regions {
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

    /// One listing per account × region × day, all concurrent under the request limit.
    async fn list_all(&self, b: &Bucket, scope: &Scope) -> Result<Vec<Listed>, AwsError> {
        let days = Arc::new(scope.window.days());
        let mut futs = Vec::new();
        for m in &scope.members {
            for region in scope.regions.iter().filter(|r| scope.applicable(m, r)) {
                let (aws, b, days) = (self.clone(), b.clone(), days.clone());
                let (account, region) = (m.id.clone(), region.clone());
                futs.push(async move { aws.list_digests(&b, &account, &region, &days).await });
            }
        }
        join_all(futs).await.into_iter().collect()
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
                out.push(self.list_digests(b, &account, &region, &days).await?);
            }
        }
        Ok(out)
    }

    /// Every digest of the window judged (and its logs), keys read once per region.
    async fn judge_all(
        &self,
        b: &Bucket,
        scope: &Scope,
        listed: &[Listed],
    ) -> Result<Vec<Judged>, AwsError> {
        let wanted = to_judge(scope, listed);
        let regions: BTreeSet<&str> = wanted.iter().map(|(_, n)| n.region.as_str()).collect();
        let mut keys = std::collections::BTreeMap::new();
        for region in regions {
            keys.insert(
                region.to_string(),
                Arc::new(self.window_keys(region, scope.window).await?),
            );
        }
        let futs = wanted
            .into_iter()
            .map(|(key, name)| {
                let (aws, b) = (self.clone(), b.clone());
                let region_keys = keys[&name.region].clone();
                let (key, name) = (key.to_string(), name.clone());
                async move { aws.judge(&b, key, name, region_keys).await }
            })
            .collect();
        join_all(futs).await.into_iter().collect()
    }
}

/// Run fallible futures concurrently; the first error wins.
async fn futures_all<T, F>(futs: Vec<F>) -> Result<Vec<T>, VerifyError>
where
    F: std::future::Future<Output = Result<T, VerifyError>>,
{
    let mut out = Vec::with_capacity(futs.len());
    let results = futures_join(futs).await;
    for r in results {
        out.push(r?);
    }
    Ok(out)
}

/// Poll every future of `futs` concurrently on the current task.
async fn futures_join<F: std::future::Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futs.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in pinned.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().collect()
}
