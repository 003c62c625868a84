//! The state tests set on the layer that no AWS API can (CloudTrail's public keys per region,
//! JoinedTimestamp overrides, opt-in regions enabled): below the request being judged, so that
//! [`super::request::Shared`] can hold it and the control endpoint (`control.rs`) and the rules
//! can read it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

/// One CloudTrail public key as ListPublicKeys shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub fingerprint: String,
    /// DER (PKCS#1 RSAPublicKey).
    pub der: Vec<u8>,
    /// Validity, unix seconds.
    pub start: i64,
    pub end: i64,
}

/// The state the tests set and the layer's own answers read.
#[derive(Default)]
pub struct Control {
    /// CloudTrail public keys, by region.
    pub(crate) public_keys: Mutex<HashMap<String, Vec<PublicKey>>>,
    /// JoinedTimestamp overrides, by account.
    pub(crate) joined: Mutex<HashMap<String, i64>>,
    /// Opt-in regions enabled (EnableRegion), by account.
    pub(crate) enabled_regions: Mutex<BTreeMap<String, BTreeSet<String>>>,
}

impl Control {
    pub fn set_public_keys(&self, region: &str, keys: Vec<PublicKey>) {
        self.public_keys
            .lock()
            .expect("lock")
            .insert(region.to_string(), keys);
    }

    pub fn public_keys(&self, region: &str) -> Vec<PublicKey> {
        self.public_keys
            .lock()
            .expect("lock")
            .get(region)
            .cloned()
            .unwrap_or_default()
    }

    pub fn set_joined(&self, account: &str, joined: i64) {
        self.joined
            .lock()
            .expect("lock")
            .insert(account.to_string(), joined);
    }

    pub fn joined(&self, account: &str) -> Option<i64> {
        self.joined.lock().expect("lock").get(account).copied()
    }

    /// Forget the account state (after moto's reset); the keys stay (CloudTrail's, not moto's).
    pub fn forget(&self) {
        self.joined.lock().expect("lock").clear();
        self.enabled_regions.lock().expect("lock").clear();
    }
}
