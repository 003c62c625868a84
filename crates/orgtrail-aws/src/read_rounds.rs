//! Read the live state: at most three dependent rounds of concurrent calls, each read issued
//! once per run.
//!
//! Round 1 (independent): sts GetCallerIdentity; organizations DescribeOrganization and
//! ListAWSServiceAccessForOrganization; per home region cloudtrail DescribeTrails; per KMS key
//! DescribeKey (as the key's role when the spec names one); sts AssumeRole of each role the specs
//! name, so the credentials are ready for round 2.
//! Round 2 (needs round 1): per bucket GetBucketPolicy (existence, region and policy in one
//! call), with the owner now known as ExpectedBucketOwner and as the bucket's role; per trail
//! found, by ARN in its home region, GetTrailStatus, GetEventSelectors, GetInsightSelectors; per
//! region one ListTags for up to 20 trails; per key GetKeyPolicy; and
//! ListDelegatedAdministrators when the caller is not the management account or a spec lists
//! delegated administrators.
//! A bucket orgtrail manages has its protection (public access block, encryption, ownership,
//! versioning, ...) read in round 2 as well, concurrently with its policy.
//! DescribeTrails returns everything GetTrail would, so GetTrail is not called.
//! Round 3, only for a bucket whose policy carries the AWS guide's unscoped CloudTrail grants
//! on the management account's or the organization's path: DescribeTrails in every other
//! region of the partition (`read_known.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use aws_sdk_cloudtrail::types as ct;
use orgtrail_core::*;
use orgtrail_spec::Spec;
use tokio::task::JoinSet;

use crate::client::Aws;
use crate::error::AwsError;
use crate::read_convert::{TrailDetail, other_trails, trail_state};
use crate::read_known::Asker;
use crate::read_organization::OrgRead;
use crate::read_protection::Wants;
use crate::role::Role;

/// Run futures concurrently and return their outputs in input order.
pub(crate) async fn join_all<T, F>(futs: Vec<F>) -> Vec<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let mut set = JoinSet::new();
    for (i, f) in futs.into_iter().enumerate() {
        set.spawn(async move { (i, f.await) });
    }
    let mut out: Vec<Option<T>> = Vec::new();
    out.resize_with(set.len(), || None);
    while let Some(r) = set.join_next().await {
        match r {
            Ok((i, v)) => out[i] = Some(v),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => {}
        }
    }
    out.into_iter().flatten().collect()
}

/// A KMS key to read: (key id, the bucket's region — where CloudTrail needs the key, the role
/// to read it as).
type KeyRead = (String, String, Option<Role>);

/// What the specs need read, each read once.
struct Reads {
    /// Buckets (owner still unknown), and whether orgtrail manages (creates) each.
    buckets: bool,
    /// Home regions.
    regions: BTreeSet<String>,
    keys: BTreeSet<KeyRead>,
    /// Every role the specs name, assumed in round 1.
    roles: BTreeSet<Role>,
}

fn key_read(s: &Spec) -> Option<KeyRead> {
    let role = s.trail.kms_role_arn.as_ref().map(|arn| Role {
        arn: arn.clone(),
        external_id: None,
    });
    Some((
        s.trail.kms_key_id.clone()?,
        s.bucket_region().to_string(),
        role,
    ))
}

impl Reads {
    /// `read_only`: the connection is for a command that only reads, which assumes the bucket's
    /// read role (`bucket.read_role_arn`) when the spec names one, never apply's.
    fn of(specs: &[&Spec], read_buckets: bool, read_only: bool) -> Reads {
        let keys: BTreeSet<KeyRead> = specs.iter().filter_map(|s| key_read(s)).collect();
        let mut roles: BTreeSet<Role> = keys.iter().filter_map(|k| k.2.clone()).collect();
        if read_buckets {
            roles.extend(specs.iter().filter_map(|s| {
                let b = &s.bucket;
                let arn = if read_only {
                    b.read_role_arn.as_ref().or(b.role_arn.as_ref())
                } else {
                    b.role_arn.as_ref()
                };
                Some(Role {
                    arn: arn?.clone(),
                    external_id: b.external_id.clone(),
                })
            }));
        }
        Reads {
            buckets: read_buckets,
            regions: specs.iter().map(|s| s.trail.home_region.clone()).collect(),
            keys,
            roles,
        }
    }
}

/// The buckets of `specs` as requests address them, with whether orgtrail creates each.
fn bucket_targets(
    specs: &[&Spec],
    default_owner: &str,
    caller: &str,
) -> BTreeSet<(BucketRef, Wants)> {
    specs
        .iter()
        .map(|s| {
            let b = BucketRef::of(s, default_owner);
            let managed = b.role_arn.is_some() || b.owner == caller;
            (b, Wants::of(s, managed))
        })
        .collect()
}

/// Round 1: the independent reads.
struct Round1 {
    caller: Caller,
    org: Option<OrgRead>,
    /// Only used (and its error only reported) in an organization.
    trusted_access: Result<bool, AwsError>,
    /// Trails by home region.
    trails: BTreeMap<String, Vec<ct::Trail>>,
    /// DescribeKey of each key: its ARN (`None`: no such key) and whether it is enabled.
    keys: BTreeMap<KeyRead, KmsState>,
}

impl Round1 {
    /// The owner of a bucket the spec gives none: the management account.
    fn default_owner(&self) -> &str {
        self.org
            .as_ref()
            .map_or(&self.caller.account, |o| &o.management_account)
    }

    /// The account that owns the trail of `s`: the management account for an organization
    /// trail (also when a delegated administrator made it), the caller's account otherwise.
    fn owner(&self, s: &Spec) -> &str {
        let mgmt = self.org.as_ref().map(|o| o.management_account.as_str());
        trail_owner_account(s, mgmt, &self.caller.account)
    }

    /// The ARN the trail of `s` has when it exists.
    fn wanted_arn(&self, s: &Spec) -> String {
        trail_arn(
            &self.caller.partition,
            &s.trail.home_region,
            self.owner(s),
            &s.trail.name,
        )
    }

    /// The trails the specs manage (same name, home region and owner): ARN -> (region, trail).
    fn ours(&self, specs: &[&Spec]) -> BTreeMap<String, (String, ct::Trail)> {
        let mut ours = BTreeMap::new();
        for s in specs {
            let want = self.wanted_arn(s);
            if let Some(t) = self
                .trails
                .get(&s.trail.home_region)
                .into_iter()
                .flatten()
                .find(|t| t.trail_arn() == Some(want.as_str()))
            {
                ours.insert(want, (s.trail.home_region.clone(), t.clone()));
            }
        }
        ours
    }
}

/// Round 2: the reads that need round 1's answers.
struct Round2 {
    buckets: BTreeMap<(BucketRef, Wants), BucketState>,
    details: BTreeMap<String, TrailDetail>,
    kms: BTreeMap<KeyRead, KmsState>,
    /// Only used (and its error only reported) in an organization.
    admins: Result<Vec<String>, AwsError>,
}

/// A read only the management account and delegated administrators may make: for a member
/// account, AccessDenied reads as the default value.
fn tolerate_member<T: Default>(member: bool, read: Result<T, AwsError>) -> Result<T, AwsError> {
    match read {
        Err(e) if member && e.is_access_denied() => Ok(T::default()),
        other => other,
    }
}

/// Pair each key with its read, failing on the first failed read (in key order).
fn zip_reads<K: Ord, V>(
    keys: impl IntoIterator<Item = K>,
    reads: Vec<Result<V, AwsError>>,
) -> Result<BTreeMap<K, V>, AwsError> {
    keys.into_iter()
        .zip(reads)
        .map(|(k, v)| Ok((k, v?)))
        .collect()
}

/// ListTags takes up to 20 trails of one region per call: (region, ARNs) per call.
fn tag_batches(ours: &BTreeMap<String, (String, ct::Trail)>) -> Vec<(String, Vec<String>)> {
    let mut by_region: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (arn, (region, _)) in ours {
        by_region
            .entry(region.as_str())
            .or_default()
            .push(arn.clone());
    }
    by_region
        .into_iter()
        .flat_map(|(region, arns)| {
            arns.chunks(20)
                .map(|c| (region.to_string(), c.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Everything one spec's plan depends on, from both rounds.
fn trail_live(
    s: &Spec,
    r1: &Round1,
    ours: &BTreeMap<String, (String, ct::Trail)>,
    r2: &Round2,
) -> TrailLive {
    let b = BucketRef::of(s, r1.default_owner());
    let managed = b.role_arn.is_some() || b.owner == r1.caller.account;
    let key = (b, Wants::of(s, managed));
    let bucket = r2
        .buckets
        .get(&key)
        .cloned()
        .unwrap_or_else(|| BucketState::missing(&s.bucket.name));
    let want = r1.wanted_arn(s);
    let list = r1
        .trails
        .get(&s.trail.home_region)
        .map_or(&[][..], Vec::as_slice);
    let (trail, health) = match (ours.get(&want), r2.details.get(&want)) {
        (Some((region, t)), Some(d)) => (
            Some(trail_state(&want, region, t, d)),
            Some(d.health.clone()),
        ),
        _ => (None, None),
    };
    let kms = key_read(s).and_then(|k| r2.kms.get(&k).cloned());
    TrailLive {
        bucket,
        trail,
        other_trails: other_trails(list, &want),
        kms,
        alerts: None,
        health,
    }
}

impl Aws {
    /// Run `read` concurrently for each key; the outputs come back in key order.
    pub(crate) fn for_each<K, T, Fut>(
        &self,
        keys: impl IntoIterator<Item = K>,
        read: impl Fn(Aws, K) -> Fut,
    ) -> impl Future<Output = Vec<T>>
    where
        T: Send + 'static,
        Fut: Future<Output = T> + Send + 'static,
    {
        join_all(keys.into_iter().map(|k| read(self.clone(), k)).collect())
    }

    pub(crate) async fn read_live_once(
        &self,
        specs: &[&Spec],
        read_buckets: bool,
    ) -> Result<LiveState, AwsError> {
        let reads = Reads::of(specs, read_buckets, self.read_only);
        let want_admins = specs
            .iter()
            .any(|s| s.organization.delegated_administrators.is_some());
        let r1 = self.round1(&reads).await?;
        let ours = r1.ours(specs);
        let need_admins = want_admins
            || r1
                .org
                .as_ref()
                .is_some_and(|o| o.management_account != r1.caller.account);
        let buckets = if reads.buckets {
            bucket_targets(specs, r1.default_owner(), &r1.caller.account)
        } else {
            BTreeSet::new()
        };
        // The guardrail policies beside rounds 2 and 3: they depend only on round 1.
        let rounds = async {
            let mut r2 = self.round2(&ours, buckets, &r1, need_admins).await?;
            self.round3(&r1, &mut r2).await?;
            Ok::<_, AwsError>(r2)
        };
        let (r2, policies) = tokio::join!(rounds, self.policies_of(specs, &r1));
        let (r2, (policies, policies_denied)) = (r2?, policies?);
        let trails = specs
            .iter()
            .map(|s| trail_live(s, &r1, &ours, &r2))
            .collect();
        let organization = match r1.org {
            None => None,
            Some(o) => {
                // Only the management account and delegated administrators may list these; a
                // member account is told AccessDenied, and the plan's preflight then says plainly
                // that it is neither.
                let member = o.management_account != r1.caller.account;
                Some(OrgState {
                    id: o.id,
                    all_features: o.all_features,
                    management_account: o.management_account,
                    trusted_access: tolerate_member(member, r1.trusted_access)?,
                    delegated_admins: tolerate_member(member, r2.admins)?,
                    policies,
                    policies_denied,
                })
            }
        };
        let mut live = LiveState {
            caller: r1.caller,
            organization,
            trails,
        };
        self.read_alerts(specs, &mut live).await?;
        Ok(live)
    }

    /// Guardrails are the management account's: only it may list the organization's policies,
    /// and SCPs need all features. Listed for every plan there (two calls), so a spec that drops
    /// `guardrails:` has its policies removed, never silently left.
    /// `(policies, denied)`: a role deployed before guardrails may not read them; the plan then
    /// warns (no spec has `guardrails:`) or says which calls to grant (one has).
    async fn policies_of(
        &self,
        specs: &[&Spec],
        r1: &Round1,
    ) -> Result<(Option<OrgPolicies>, bool), AwsError> {
        match &r1.org {
            Some(o) if o.management_account == r1.caller.account && o.all_features => {
                match self.org_policies(specs).await {
                    Ok(p) => Ok((p, false)),
                    Err(e) if e.is_access_denied() => Ok((None, true)),
                    Err(e) => Err(e),
                }
            }
            _ => Ok((None, false)),
        }
    }

    /// Only when a bucket's policy carries an unscoped CloudTrail grant on the management
    /// account's or the organization's path, and only as the management account (no other
    /// account sees all of its trails): every trail of the management account
    /// (`read_known.rs`).
    async fn round3(&self, r1: &Round1, r2: &mut Round2) -> Result<(), AwsError> {
        let Some(org) = r1.org.as_ref() else {
            return Ok(());
        };
        if org.management_account != r1.caller.account {
            return Ok(());
        }
        let who = Asker {
            partition: &r1.caller.partition,
            management_account: &org.management_account,
            org_id: &org.id,
        };
        self.read_known_trails(&who, &r1.trails, r2.buckets.values_mut())
            .await
    }

    /// The independent reads, concurrently; the roles are assumed meanwhile (their credentials
    /// are cached for round 2).
    async fn round1(&self, reads: &Reads) -> Result<Round1, AwsError> {
        let trails = self.for_each(reads.regions.iter().cloned(), |me, r| async move {
            me.describe_trails(&r).await
        });
        let keys = self.for_each(reads.keys.iter().cloned(), |me, (k, r, role)| async move {
            me.describe_key(&k, &r, role.as_ref()).await
        });
        let roles = self.for_each(reads.roles.iter().cloned(), |me, role| async move {
            me.credentials_of(&role).await.map(|_| ())
        });
        let (caller, org, trusted_access, trails, keys, roles) = tokio::join!(
            self.caller(),
            self.organization(),
            self.trusted_access(),
            trails,
            keys,
            roles
        );
        roles.into_iter().collect::<Result<Vec<()>, _>>()?;
        Ok(Round1 {
            caller: caller?,
            org: org?,
            trusted_access,
            trails: zip_reads(reads.regions.iter().cloned(), trails)?,
            keys: zip_reads(reads.keys.iter().cloned(), keys)?,
        })
    }

    /// The reads that need round 1: per bucket its policy (and set-up), per trail found its
    /// status, selectors, insights and tags; per key found its policy; the delegated
    /// administrators when needed.
    async fn round2(
        &self,
        ours: &BTreeMap<String, (String, ct::Trail)>,
        buckets: BTreeSet<(BucketRef, Wants)>,
        r1: &Round1,
        need_admins: bool,
    ) -> Result<Round2, AwsError> {
        let bucket_reads = self.for_each(buckets.iter().cloned(), |me, (b, managed)| async move {
            me.bucket_and_setup(&b, &managed).await
        });
        let details = self.for_each(
            ours.iter()
                .map(|(arn, (region, _))| (arn.clone(), region.clone())),
            |me, (arn, region)| async move { me.trail_detail(&arn, &region).await },
        );
        let policies = self.for_each(r1.keys.clone(), |me, (k, state)| {
            let caller = r1.caller.account.clone();
            async move { me.key_policy(&k, state, &caller).await }
        });
        let tag_reads = self.for_each(tag_batches(ours), |me, (region, arns)| async move {
            me.tags(&region, &arns).await
        });
        let admins = async {
            if need_admins {
                self.delegated_admins().await
            } else {
                Ok(Vec::new())
            }
        };
        let (bucket_reads, details, policies, admins, tag_reads) =
            tokio::join!(bucket_reads, details, policies, admins, tag_reads);
        let mut tags: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for t in tag_reads {
            tags.extend(t?);
        }
        let mut details = zip_reads(ours.keys().cloned(), details)?;
        for (arn, d) in &mut details {
            d.tags = tags.remove(arn).unwrap_or_default();
        }
        Ok(Round2 {
            buckets: zip_reads(buckets, bucket_reads)?,
            details,
            kms: zip_reads(r1.keys.keys().cloned(), policies)?,
            admins,
        })
    }
}
