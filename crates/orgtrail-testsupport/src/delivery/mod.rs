//! A CloudTrail delivery simulator. moto delivers no CloudTrail logs; this writes into a moto
//! bucket the log files and digest files CloudTrail would deliver for a trail (an organization
//! trail: under `AWSLogs/<org>/<account>/`), named, compressed, chained and signed as CloudTrail
//! does ("CloudTrail digest file structure", "Custom implementations of CloudTrail log file
//! integrity validation"), so that `aws cloudtrail validate-logs` (the judge, see
//! [`crate::awscli`]) calls them valid; its signing keys are registered with the contract layer,
//! which answers ListPublicKeys with them. [`tamper`] changes what was delivered the ways the
//! validator detects.
//!
//! Digest of the hour slot [H, H+3600): it ends at H + a stable per-(account, region) offset in
//! [60, 3540] s (real digests are not aligned to the hour) and starts where the previous one
//! ended; it lists the 0, 1 or 2 log files delivered in between (varied deterministically).

pub mod digest;
pub mod keys;
pub mod store;
pub mod tamper;

use std::collections::{BTreeSet, HashMap};

use digest::{DigestSpec, LogEntry, Previous};
use store::{Object, Store};

/// The trail whose deliveries are simulated.
#[derive(Debug, Clone)]
pub struct Trail {
    /// `Some`: an organization trail, keys under `AWSLogs/<org>/<account>/`.
    pub org_id: Option<String>,
    pub name: String,
    pub home_region: String,
    pub bucket: String,
    /// The moto account that owns the bucket.
    pub bucket_account: String,
    pub prefix: Option<String>,
}

/// What one digest covers, where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub digest_key: String,
    pub log_keys: Vec<String>,
    /// digestStartTime, digestEndTime (unix seconds).
    pub start: i64,
    pub end: i64,
}

pub struct Simulator {
    trail: Trail,
    store: Store,
    contract: String,
    rotation: Option<i64>,
    /// Regions whose keys the contract layer has.
    registered: BTreeSet<String>,
    /// The last digest of each account × region chain.
    chains: HashMap<(String, String), Previous>,
    /// Every log file written, for backfill digests.
    logs: HashMap<String, LogEntry>,
    threads: usize,
}

impl Simulator {
    /// `moto`: moto's own endpoint (writes go straight to moto as `bucket_account`);
    /// `contract`: the contract layer's endpoint (public keys are registered there).
    pub fn new(trail: Trail, moto: &str, contract: &str) -> Simulator {
        let store = Store::new(moto, &trail.bucket, &trail.bucket_account);
        Simulator {
            trail,
            store,
            contract: contract.to_string(),
            rotation: None,
            registered: BTreeSet::new(),
            chains: HashMap::new(),
            logs: HashMap::new(),
            threads: 8,
        }
    }

    /// Concurrent writes to moto (default 8).
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// The bucket as the bucket account sees it (for [`tamper`]).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn trail(&self) -> &Trail {
        &self.trail
    }

    /// From `at` on, regions sign with a second key; both keys' validity windows overlap by an
    /// hour around `at` (as CloudTrail's rotation does). Registers the keys.
    pub fn rotate_keys_at(&mut self, at: i64) {
        self.rotation = Some(at);
        let regions: Vec<String> = self.registered.iter().cloned().collect();
        for r in regions {
            keys::register(&self.contract, &r, self.rotation).expect("register public keys");
        }
    }

    fn ensure_registered(&mut self, region: &str) {
        if !self.registered.contains(region) {
            keys::register(&self.contract, region, self.rotation).expect("register public keys");
            self.registered.insert(region.to_string());
        }
    }

    /// `[prefix/]AWSLogs/[org/]<account>/`.
    fn base(&self, account: &str) -> String {
        let prefix = self
            .trail
            .prefix
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| format!("{p}/"))
            .unwrap_or_default();
        match &self.trail.org_id {
            Some(org) => format!("{prefix}AWSLogs/{org}/{account}/"),
            None => format!("{prefix}AWSLogs/{account}/"),
        }
    }

    /// The key of the digest of `account` in `region` ending at `end`.
    pub fn digest_key(&self, account: &str, region: &str, end: i64, backfill: bool) -> String {
        format!(
            "{}CloudTrail-Digest/{region}/{}/{account}_CloudTrail-Digest_{region}_{}_{}_{}{}.json.gz",
            self.base(account),
            digest::ymd_path(end),
            self.trail.name,
            self.trail.home_region,
            digest::compact_seconds(end),
            if backfill { "_backfill" } else { "" }
        )
    }

    /// The stable offset of `account` × `region`'s digests past the hour, in [60, 3540].
    pub fn offset(account: &str, region: &str) -> i64 {
        60 + (digest::stable(&[account, region]) % 3481) as i64
    }

    /// Deliver the hourly digests (and log files) of `account` in `region` for hours
    /// [from, from + hours*3600). Continues the chain of earlier calls for the same
    /// account × region unless [`Simulator::break_chain`] was called.
    pub fn deliver(
        &mut self,
        account: &str,
        region: &str,
        from: i64,
        hours: u32,
    ) -> Vec<Delivered> {
        let (objects, delivered) = self.plan(account, region, from, hours);
        self.store
            .put_all(&objects, self.threads)
            .expect("write the deliveries to moto");
        delivered
    }

    /// [`Simulator::deliver`] for many account × region pairs, written with one pool.
    pub fn deliver_all(
        &mut self,
        pairs: &[(String, String)],
        from: i64,
        hours: u32,
    ) -> Vec<Delivered> {
        let mut objects = Vec::new();
        let mut delivered = Vec::new();
        for (a, r) in pairs {
            let (o, d) = self.plan(a, r, from, hours);
            objects.extend(o);
            delivered.extend(d);
        }
        self.store
            .put_all(&objects, self.threads)
            .expect("write the deliveries to moto");
        delivered
    }

    /// The objects of [`Simulator::deliver`], not yet written.
    fn plan(
        &mut self,
        account: &str,
        region: &str,
        from: i64,
        hours: u32,
    ) -> (Vec<Object>, Vec<Delivered>) {
        self.ensure_registered(region);
        let mut objects = Vec::new();
        let mut delivered = Vec::new();
        let slot0 = from - from.rem_euclid(3600);
        for h in 0..i64::from(hours) {
            let end = slot0 + h * 3600 + Self::offset(account, region);
            let chain = (account.to_string(), region.to_string());
            let previous = self.chains.get(&chain).cloned();
            let start = previous.as_ref().map_or(end - 3600, |p| p.end);
            let (logs, log_objects) = self.hour_logs(account, region, start, end);
            objects.extend(log_objects);
            let key = self.digest_key(account, region, end, false);
            let spec = DigestSpec {
                account,
                bucket: &self.trail.bucket,
                key: &key,
                start,
                end,
                logs: &logs,
                previous: previous.as_ref(),
            };
            let signer = keys::signer(region, self.rotation, end);
            let v = digest::digest_json(&spec, &signer.fingerprint);
            let signed = digest::sign(&v, &signer);
            self.chains.insert(
                chain,
                Previous {
                    bucket: self.trail.bucket.clone(),
                    key: key.clone(),
                    hash: digest::sha256_hex(&signed.raw),
                    signature: signed.signature.clone(),
                    end,
                },
            );
            objects.push(Object {
                key: key.clone(),
                body: digest::gzip(&signed.raw),
                metadata: signed.metadata,
            });
            delivered.push(Delivered {
                digest_key: key,
                log_keys: logs.iter().map(|l| l.key.clone()).collect(),
                start,
                end,
            });
        }
        (objects, delivered)
    }

    /// The 0, 1 or 2 log files delivered in [start, end).
    fn hour_logs(
        &mut self,
        account: &str,
        region: &str,
        start: i64,
        end: i64,
    ) -> (Vec<LogEntry>, Vec<Object>) {
        let seed = digest::stable(&[account, region, &end.to_string()]);
        let count = (seed % 3) as i64;
        let mut entries = Vec::new();
        let mut objects = Vec::new();
        for i in 0..count {
            let delivered_at = start + (end - start) * (i + 1) / (count + 1);
            let times: Vec<i64> = (0..=(seed >> (8 + i)) % 2)
                .map(|j| delivered_at - 300 + 37 * j as i64)
                .collect();
            let raw = digest::log_json(account, region, &times, seed ^ i as u64);
            let key = format!(
                "{}CloudTrail/{region}/{}/{account}_CloudTrail_{region}_{}_{}.json.gz",
                self.base(account),
                digest::ymd_path(delivered_at),
                digest::compact_minutes(delivered_at),
                digest::alphanumerics(seed.wrapping_add(i as u64))
            );
            let entry = LogEntry {
                bucket: self.trail.bucket.clone(),
                key: key.clone(),
                hash: digest::sha256_hex(&raw),
                oldest: times[0],
                newest: *times.last().unwrap_or(&times[0]),
            };
            self.logs.insert(key.clone(), entry.clone());
            entries.push(entry);
            objects.push(Object {
                key,
                body: digest::gzip(&raw),
                metadata: Vec::new(),
            });
        }
        (entries, objects)
    }

    /// The next delivery of account × region starts a new chain (previous fields null), as
    /// after logging stopped.
    pub fn break_chain(&mut self, account: &str, region: &str) {
        self.chains
            .remove(&(account.to_string(), region.to_string()));
    }

    /// A backfill digest (`…_backfill.json.gz`, metadata `backfill-generation-timestamp`: now)
    /// covering the given log files, for the hour ending at `end`, signed with the key in use now.
    pub fn backfill(
        &mut self,
        account: &str,
        region: &str,
        end: i64,
        logs: &[String],
    ) -> Delivered {
        self.ensure_registered(region);
        let entries: Vec<LogEntry> = logs.iter().map(|k| self.log_entry(k)).collect();
        let key = self.digest_key(account, region, end, true);
        let spec = DigestSpec {
            account,
            bucket: &self.trail.bucket,
            key: &key,
            start: end - 3600,
            end,
            logs: &entries,
            previous: None,
        };
        let generated = now();
        let signer = keys::signer(region, self.rotation, generated);
        let v = digest::digest_json(&spec, &signer.fingerprint);
        let mut signed = digest::sign(&v, &signer);
        signed.metadata.push((
            "backfill-generation-timestamp".to_string(),
            digest::iso(generated),
        ));
        self.store
            .put(&Object {
                key: key.clone(),
                body: digest::gzip(&signed.raw),
                metadata: signed.metadata,
            })
            .expect("write the backfill digest");
        Delivered {
            digest_key: key,
            log_keys: logs.to_vec(),
            start: end - 3600,
            end,
        }
    }

    /// A log file as a digest lists it: one this simulator wrote, or read back from the bucket.
    fn log_entry(&self, key: &str) -> LogEntry {
        if let Some(e) = self.logs.get(key) {
            return e.clone();
        }
        let o = self.store.get(key).expect("read the log file");
        let raw = digest::gunzip(&o.body).expect("a gzip log file");
        let v: serde_json::Value = serde_json::from_slice(&raw).unwrap_or_default();
        let times: Vec<i64> = v["Records"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["eventTime"].as_str().and_then(digest::parse_time))
            .collect();
        LogEntry {
            bucket: self.trail.bucket.clone(),
            key: key.to_string(),
            hash: digest::sha256_hex(&raw),
            oldest: times.iter().copied().min().unwrap_or(0),
            newest: times.iter().copied().max().unwrap_or(0),
        }
    }

    /// Digest objects with a tiny body, no log files and no signature, for every pair and hour:
    /// a listing benchmark's bucket. Returns how many were written.
    pub fn deliver_presence_only(
        &mut self,
        pairs: &[(String, String)],
        from: i64,
        hours: u32,
    ) -> std::io::Result<usize> {
        let slot0 = from - from.rem_euclid(3600);
        let objects: Vec<Object> = pairs
            .iter()
            .flat_map(|(a, r)| {
                (0..i64::from(hours)).map(move |h| (a, r, slot0 + h * 3600 + Self::offset(a, r)))
            })
            .map(|(a, r, end)| Object {
                key: self.digest_key(a, r, end, false),
                body: b"{}".to_vec(),
                metadata: Vec::new(),
            })
            .collect();
        self.store.put_all(&objects, self.threads)?;
        Ok(objects.len())
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
