//! The specs writing to one bucket, grouped: the bucket builders (creation, protection, policy)
//! all act on a group, so the group lives below them.

use super::model::{BucketRef, SpecInput};
use crate::model::{LiveState, TrailLive};

/// The specs writing to one bucket, with their live reads (`live.trails[i]` is `specs[i]`'s).
pub(crate) struct BucketGroup<'a> {
    pub name: &'a str,
    pub members: Vec<(&'a SpecInput<'a>, &'a TrailLive)>,
    /// The bucket as every request addresses it (owner, role).
    pub target: BucketRef,
}

impl BucketGroup<'_> {
    pub(crate) fn path(&self) -> &str {
        &self.members[0].0.path
    }
    pub(crate) fn region(&self) -> &str {
        self.members[0].0.spec.bucket_region()
    }
    pub(crate) fn live(&self) -> &TrailLive {
        self.members[0].1
    }
}

/// The account that owns a bucket unless the spec says otherwise: the management account.
pub(crate) fn default_owner(live: &LiveState) -> &str {
    live.organization
        .as_ref()
        .map_or(&live.caller.account, |o| &o.management_account)
}

/// Group specs by bucket, in the order buckets first appear.
pub(crate) fn groups<'a>(specs: &'a [SpecInput<'a>], live: &'a LiveState) -> Vec<BucketGroup<'a>> {
    let mut out: Vec<BucketGroup<'a>> = Vec::new();
    for (s, tl) in specs.iter().zip(&live.trails) {
        match out.iter_mut().find(|g| g.name == s.spec.bucket.name) {
            Some(g) => g.members.push((s, tl)),
            None => out.push(BucketGroup {
                name: &s.spec.bucket.name,
                members: vec![(s, tl)],
                target: BucketRef::of(s.spec, default_owner(live)),
            }),
        }
    }
    out
}
