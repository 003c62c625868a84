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
//! Round 3, only for buckets orgtrail creates: GetPublicAccessBlock and GetBucketEncryption.
//! DescribeTrails returns everything GetTrail would, so GetTrail is not called.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use aws_sdk_cloudtrail::types as ct;
use orgtrail_core::guard::{Reread, Resource};
use orgtrail_core::*;
use orgtrail_spec::{
    AdvancedEventSelector, DataResource, EventSelector, FieldSelector, InsightCategory,
    InsightSelector, InsightType, ReadWriteType, Spec,
};
use tokio::task::JoinSet;

use crate::assume::Role;
use crate::error::call_error;
use crate::read_protection::Wants;
use crate::{Aws, AwsError};

/// Whole-read attempts on transient failures (each call also has the SDK's own retries).
const READ_ATTEMPTS: u32 = 3;

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

fn arn_parts(arn: &str) -> (String, String) {
    // arn:partition:service:region:account:resource
    let p: Vec<&str> = arn.splitn(6, ':').collect();
    (
        p.get(3).copied().unwrap_or_default().to_string(),
        p.get(4).copied().unwrap_or_default().to_string(),
    )
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

struct OrgRead {
    id: String,
    all_features: bool,
    management_account: String,
}

struct TrailDetail {
    logging: bool,
    health: TrailHealth,
    selectors: Selectors,
    insights: Vec<InsightSelector>,
    tags: BTreeMap<String, String>,
}

/// Reads are idempotent: on a transient failure (network, timeout, throttling, 5xx) that outlived
/// the SDK's own retries, read again, a bounded number of times.
async fn with_read_retries<T, F, Fut>(mut read: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let mut delay = std::time::Duration::from_millis(200);
    let mut attempt = 1;
    loop {
        match read().await {
            Err(e) if e.is_transient() && attempt < READ_ATTEMPTS => {
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
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
    fn of(specs: &[&Spec], read_buckets: bool) -> Reads {
        let keys: BTreeSet<KeyRead> = specs.iter().filter_map(|s| key_read(s)).collect();
        let mut roles: BTreeSet<Role> = keys.iter().filter_map(|k| k.2.clone()).collect();
        if read_buckets {
            roles.extend(specs.iter().filter_map(|s| {
                Some(Role {
                    arn: s.bucket.role_arn.clone()?,
                    external_id: s.bucket.external_id.clone(),
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

/// The other trails of the home region `list` (not `want`), sorted by ARN.
fn other_trails(list: &[ct::Trail], want: &str) -> Vec<OtherTrail> {
    let mut others: Vec<OtherTrail> = list
        .iter()
        .filter(|t| t.trail_arn() != Some(want))
        .map(|t| {
            let arn = t.trail_arn().unwrap_or_default().to_string();
            let (region, account) = arn_parts(&arn);
            OtherTrail {
                name: t.name().unwrap_or_default().to_string(),
                home_region: t.home_region().map(str::to_string).unwrap_or(region),
                account,
                s3_bucket: non_empty(t.s3_bucket_name()),
                organization: t.is_organization_trail().unwrap_or(false),
                multi_region: t.is_multi_region_trail().unwrap_or(false),
                arn,
            }
        })
        .collect();
    others.sort_by(|a, b| a.arn.cmp(&b.arn));
    others
}

/// The live state of a trail from DescribeTrails' entry and the round-2 details.
fn trail_state(arn: &str, region: &str, t: &ct::Trail, d: &TrailDetail) -> TrailState {
    TrailState {
        arn: arn.to_string(),
        home_region: region.to_string(),
        settings: TrailSettings {
            name: t.name().unwrap_or_default().to_string(),
            s3_bucket: t.s3_bucket_name().unwrap_or_default().to_string(),
            s3_key_prefix: non_empty(t.s3_key_prefix()),
            organization: t.is_organization_trail().unwrap_or(false),
            multi_region: t.is_multi_region_trail().unwrap_or(false),
            include_global_service_events: t.include_global_service_events().unwrap_or(false),
            log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
            kms_key_id: non_empty(t.kms_key_id()),
            sns_topic: non_empty(t.sns_topic_arn()),
            // CloudTrail sets or clears the log group and its role together.
            cloudwatch_logs: non_empty(t.cloud_watch_logs_log_group_arn()).map(|g| {
                (
                    normalise_log_group_arn(&g),
                    non_empty(t.cloud_watch_logs_role_arn()).unwrap_or_default(),
                )
            }),
            tags: d.tags.clone(),
        },
        logging: d.logging,
        selectors: d.selectors.clone(),
        insights: d.insights.clone(),
    }
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
    let bucket = r2.buckets.get(&key).cloned().unwrap_or(BucketState {
        name: s.bucket.name.clone(),
        exists: false,
        region: None,
        policy: None,
        protection: None,
        denied: false,
        logging_target: None,
    });
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
        health,
    }
}

impl Aws {
    /// Read everything the plan for `specs` depends on.
    pub async fn read_live(&self, specs: &[&Spec]) -> Result<LiveState, AwsError> {
        self.located(with_read_retries(|| self.read_live_once(specs, true)).await)
    }

    /// Like [`Aws::read_live`] without reading the buckets: each spec's bucket comes back as not
    /// read (`exists: false`, no region, no policy). `import` uses it to learn a trail's bucket
    /// from the trail before reading that bucket with [`Aws::read_bucket`].
    pub async fn read_live_without_buckets(&self, specs: &[&Spec]) -> Result<LiveState, AwsError> {
        self.located(with_read_retries(|| self.read_live_once(specs, false)).await)
    }

    /// Read again what a step is about to write, for the compare-before-write check: the
    /// organization (2 calls), a bucket (1 call), or a trail (DescribeTrails, and when it
    /// exists its status, selectors, insights and tags).
    pub async fn reread(&self, resource: &Resource) -> Result<Reread, AwsError> {
        self.located(with_read_retries(|| self.reread_once(resource)).await)
    }

    async fn reread_once(&self, resource: &Resource) -> Result<Reread, AwsError> {
        match resource {
            Resource::Organization => {
                let (org, trusted) = tokio::join!(self.organization(), self.trusted_access());
                Ok(Reread::Organization {
                    all_features: org?.is_some_and(|o| o.all_features),
                    trusted_access: trusted?,
                    // Not re-read: one more call before every organization write, for a list
                    // only the management account changes.
                    delegated_admins: None,
                })
            }
            Resource::Bucket(b) => Ok(Reread::Bucket(self.bucket(b).await?)),
            Resource::Trail { arn, region } => {
                let list = self.describe_trails(region).await?;
                let Some(t) = list.iter().find(|t| t.trail_arn() == Some(arn.as_str())) else {
                    return Ok(Reread::Trail(None));
                };
                let (detail, tags) = tokio::join!(
                    self.trail_detail(arn, region),
                    self.tags(region, std::slice::from_ref(arn))
                );
                let mut detail = detail?;
                detail.tags = tags?.remove(arn).unwrap_or_default();
                Ok(Reread::Trail(Some(trail_state(arn, region, t, &detail))))
            }
        }
    }

    /// Read one bucket (existence, region and policy) with one GetBucketPolicy call.
    pub async fn read_bucket(&self, b: &BucketRef) -> Result<BucketState, AwsError> {
        self.located(with_read_retries(|| self.bucket(b)).await)
    }

    /// The next page of a paginator, holding a request slot at `endpoint` while it is fetched.
    /// Counted as a call only when one was made (the paginator knows when there is no page).
    async fn next_page<T>(
        &self,
        endpoint: &str,
        page: impl Future<Output = Option<T>>,
    ) -> Option<T> {
        let _s = self.permit(endpoint).await;
        let page = page.await;
        if page.is_some() {
            self.count_call();
        }
        page
    }

    /// Run `read` concurrently for each key; the outputs come back in key order.
    fn for_each<K, T, Fut>(
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

    async fn read_live_once(
        &self,
        specs: &[&Spec],
        read_buckets: bool,
    ) -> Result<LiveState, AwsError> {
        let reads = Reads::of(specs, read_buckets);
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
        let r2 = self.round2(&ours, buckets, &r1, need_admins).await?;
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
                })
            }
        };
        Ok(LiveState {
            caller: r1.caller,
            organization,
            trails,
        })
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

    async fn caller(&self) -> Result<Caller, AwsError> {
        let _s = self.slot("sts").await;
        let out = self
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| call_error("sts:GetCallerIdentity", "the caller identity", e))?;
        let arn = out.arn().unwrap_or_default().to_string();
        let account = out.account().unwrap_or_default().to_string();
        if account.is_empty() {
            return Err(AwsError::data(
                "sts:GetCallerIdentity",
                "the caller identity",
                "no account id in the response",
            ));
        }
        let partition = arn
            .split(':')
            .nth(1)
            .filter(|p| !p.is_empty())
            .unwrap_or("aws")
            .to_string();
        Ok(Caller {
            account,
            arn,
            partition,
        })
    }

    async fn organization(&self) -> Result<Option<OrgRead>, AwsError> {
        let _s = self.slot("organizations").await;
        match self.organizations().describe_organization().send().await {
            Ok(out) => {
                let o = out.organization().ok_or_else(|| {
                    AwsError::data(
                        "organizations:DescribeOrganization",
                        "the organization",
                        "no organization in the response",
                    )
                })?;
                let feature = o
                    .feature_set()
                    .map(|f| f.as_str().to_string())
                    .unwrap_or_default();
                Ok(Some(OrgRead {
                    id: o.id().unwrap_or_default().to_string(),
                    all_features: feature == "ALL",
                    management_account: o.master_account_id().unwrap_or_default().to_string(),
                }))
            }
            Err(e) => {
                let err = call_error("organizations:DescribeOrganization", "the organization", e);
                if err.is_service_code("AWSOrganizationsNotInUseException") {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    /// Whether trusted access for CloudTrail is enabled; the pages stop at the first match.
    async fn trusted_access(&self) -> Result<bool, AwsError> {
        let mut pages = self
            .organizations()
            .list_aws_service_access_for_organization()
            .into_paginator()
            .send();
        while let Some(page) = self.next_page("organizations", pages.next()).await {
            let out = match page {
                Ok(out) => out,
                Err(e) => {
                    return call_error(
                        "organizations:ListAWSServiceAccessForOrganization",
                        "the organization",
                        e,
                    )
                    .absent_as("AWSOrganizationsNotInUseException", false);
                }
            };
            if out
                .enabled_service_principals()
                .iter()
                .any(|p| p.service_principal() == Some(orgtrail_core::policy::CLOUDTRAIL_SERVICE))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn delegated_admins(&self) -> Result<Vec<String>, AwsError> {
        let mut pages = self
            .organizations()
            .list_delegated_administrators()
            .service_principal(orgtrail_core::policy::CLOUDTRAIL_SERVICE)
            .into_paginator()
            .send();
        let mut ids = Vec::new();
        while let Some(page) = self.next_page("organizations", pages.next()).await {
            let out = match page {
                Ok(out) => out,
                Err(e) => {
                    let err = call_error(
                        "organizations:ListDelegatedAdministrators",
                        "the organization",
                        e,
                    );
                    // Emulators that do not know CloudTrail as a delegable service answer
                    // InvalidInputException; AWS itself accepts it. Either way: no delegated admin.
                    err.absent_as("InvalidInputException", ())?;
                    break;
                }
            };
            ids.extend(
                out.delegated_administrators()
                    .iter()
                    .filter_map(|a| a.id().map(str::to_string)),
            );
        }
        ids.sort();
        Ok(ids)
    }

    async fn describe_trails(&self, region: &str) -> Result<Vec<ct::Trail>, AwsError> {
        let _s = self.slot(&format!("cloudtrail/{region}")).await;
        let out = self
            .cloudtrail(region)
            .describe_trails()
            .include_shadow_trails(true)
            .send()
            .await
            .map_err(|e| {
                call_error(
                    "cloudtrail:DescribeTrails",
                    format!("trails in {region}"),
                    e,
                )
            })?;
        Ok(out.trail_list().to_vec())
    }

    async fn trail_detail(&self, arn: &str, region: &str) -> Result<TrailDetail, AwsError> {
        let c = self.cloudtrail(region);
        let resource = format!("trail {arn}");
        let endpoint = format!("cloudtrail/{region}");
        let status = async {
            let _s = self.slot(&endpoint).await;
            c.get_trail_status().name(arn).send().await
        };
        let selectors = async {
            let _s = self.slot(&endpoint).await;
            c.get_event_selectors().trail_name(arn).send().await
        };
        let insights = async {
            let _s = self.slot(&endpoint).await;
            c.get_insight_selectors().trail_name(arn).send().await
        };
        let (status, selectors, insights) = tokio::join!(status, selectors, insights);
        let status =
            status.map_err(|e| call_error("cloudtrail:GetTrailStatus", resource.clone(), e))?;
        let selectors = selectors
            .map_err(|e| call_error("cloudtrail:GetEventSelectors", resource.clone(), e))?;
        let insights = match insights {
            Ok(o) => convert_insights(o.insight_selectors(), &resource)?,
            Err(e) => {
                let err = call_error("cloudtrail:GetInsightSelectors", resource.clone(), e);
                if err.is_service_code("InsightNotEnabledException") {
                    Vec::new()
                } else {
                    return Err(err);
                }
            }
        };
        let health = TrailHealth {
            latest_delivery_error: non_empty(status.latest_delivery_error()),
            latest_digest_delivery_error: non_empty(status.latest_digest_delivery_error()),
            latest_cloudwatch_logs_delivery_error: non_empty(
                status.latest_cloud_watch_logs_delivery_error(),
            ),
            latest_delivery_time: status.latest_delivery_time().map(|t| t.secs()),
            read_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|d| i64::try_from(d.as_secs()).ok()),
        };
        Ok(TrailDetail {
            logging: status.is_logging().unwrap_or(false),
            health,
            selectors: convert_selectors(
                selectors.event_selectors(),
                selectors.advanced_event_selectors(),
                &resource,
            )?,
            insights,
            tags: BTreeMap::new(),
        })
    }

    /// Tags of up to 20 trails of one region in one ListTags call (CloudTrail's limit per call).
    async fn tags(
        &self,
        region: &str,
        arns: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, AwsError> {
        let _s = self.slot(&format!("cloudtrail/{region}")).await;
        let out = self
            .cloudtrail(region)
            .list_tags()
            .set_resource_id_list(Some(arns.to_vec()))
            .send()
            .await
            .map_err(|e| {
                call_error(
                    "cloudtrail:ListTags",
                    format!("trails {}", arns.join(", ")),
                    e,
                )
            })?;
        let mut tags: BTreeMap<String, BTreeMap<String, String>> =
            arns.iter().map(|a| (a.clone(), BTreeMap::new())).collect();
        for r in out.resource_tag_list() {
            let Some(id) = r.resource_id() else { continue };
            let entry = tags.entry(id.to_string()).or_default();
            for t in r.tags_list() {
                entry.insert(
                    t.key().to_string(),
                    t.value().unwrap_or_default().to_string(),
                );
            }
        }
        Ok(tags)
    }
}

/// GetInsightSelectors -> one selector per type with its event categories; no
/// `EventCategories` means management events (what AWS enables when none are sent).
fn convert_insights(
    list: &[ct::InsightSelector],
    resource: &str,
) -> Result<Vec<InsightSelector>, AwsError> {
    let unknown = |what: &str, value: &str| {
        AwsError::data(
            "cloudtrail:GetInsightSelectors",
            resource,
            format!("unknown {what} `{value}`"),
        )
    };
    let mut out = Vec::new();
    for i in list {
        let Some(t) = i.insight_type() else { continue };
        let insight_type =
            InsightType::parse(t.as_str()).ok_or_else(|| unknown("insight type", t.as_str()))?;
        let mut event_categories = Vec::new();
        for c in i.event_categories() {
            event_categories.push(
                InsightCategory::parse(c.as_str())
                    .ok_or_else(|| unknown("insight event category", c.as_str()))?,
            );
        }
        if event_categories.is_empty() {
            event_categories.push(InsightCategory::Management);
        }
        out.push(InsightSelector {
            insight_type,
            event_categories,
        });
    }
    Ok(InsightSelector::normalise(&out))
}

fn convert_selectors(
    basic: &[ct::EventSelector],
    advanced: &[ct::AdvancedEventSelector],
    resource: &str,
) -> Result<Selectors, AwsError> {
    if !advanced.is_empty() {
        let mut out = Vec::new();
        for a in advanced {
            let mut fields: Vec<FieldSelector> = a
                .field_selectors()
                .iter()
                .map(|f| {
                    let sorted = |v: &[String]| {
                        let mut v = v.to_vec();
                        v.sort();
                        v
                    };
                    FieldSelector {
                        field: f.field().to_string(),
                        equals: sorted(f.equals()),
                        starts_with: sorted(f.starts_with()),
                        ends_with: sorted(f.ends_with()),
                        not_equals: sorted(f.not_equals()),
                        not_starts_with: sorted(f.not_starts_with()),
                        not_ends_with: sorted(f.not_ends_with()),
                    }
                })
                .collect();
            fields.sort();
            out.push(AdvancedEventSelector {
                name: non_empty(a.name()),
                field_selectors: fields,
            });
        }
        return Ok(Selectors::Advanced(out).normalised());
    }
    let mut out = Vec::new();
    for b in basic {
        let rw = match b.read_write_type() {
            None => ReadWriteType::All,
            Some(r) => ReadWriteType::parse(r.as_str()).ok_or_else(|| {
                AwsError::data(
                    "cloudtrail:GetEventSelectors",
                    resource,
                    format!("unknown ReadWriteType `{}`", r.as_str()),
                )
            })?,
        };
        let mut excl = b.exclude_management_event_sources().to_vec();
        excl.sort();
        let mut drs: Vec<DataResource> = b
            .data_resources()
            .iter()
            .map(|d| {
                let mut values = d.values().to_vec();
                values.sort();
                DataResource {
                    resource_type: d.r#type().unwrap_or_default().to_string(),
                    values,
                }
            })
            .collect();
        drs.sort();
        out.push(EventSelector {
            read_write_type: rw,
            include_management_events: b.include_management_events().unwrap_or(true),
            exclude_management_event_sources: excl,
            data_resources: drs,
        });
    }
    Ok(Selectors::Basic(out).normalised())
}
