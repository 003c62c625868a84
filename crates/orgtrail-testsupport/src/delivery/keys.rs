//! CloudTrail's signing keys as the simulator holds them: a 2048-bit RSA key per region and
//! generation (generated once per process and shared by every test: generation takes a while),
//! their fingerprints, validity windows, and their registration with the contract layer (which
//! answers ListPublicKeys with them).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, OnceLock};

use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};

use super::store::host_port;

/// The start of the first key's validity (2015-01-01, long before any test's hours).
pub const LONG_BEFORE: i64 = 1_420_070_400;
/// The end of a key still in use (2100-01-01).
pub const FAR_FUTURE: i64 = 4_102_444_800;

/// One signing key (`generation` 0: the first, 1: after rotation; `u8::MAX`: a key never
/// registered anywhere, for tampering).
#[derive(Clone)]
pub struct SigningKey {
    pub private: Arc<RsaPrivateKey>,
    /// DER, PKCS#1 RSAPublicKey.
    pub der: Vec<u8>,
    pub fingerprint: String,
}

type Cache = Mutex<HashMap<(String, u8), SigningKey>>;

fn cache() -> &'static Cache {
    static KEYS: OnceLock<Cache> = OnceLock::new();
    KEYS.get_or_init(Cache::default)
}

/// The key of `region` and `generation`, generated on first use in this process.
pub fn key(region: &str, generation: u8) -> SigningKey {
    let id = (region.to_string(), generation);
    if let Some(k) = cache().lock().expect("lock").get(&id) {
        return k.clone();
    }
    // Generated outside the lock: two regions' keys can be made at once.
    let private =
        RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("generate an RSA key");
    let der = private
        .to_public_key()
        .to_pkcs1_der()
        .expect("DER public key")
        .as_bytes()
        .to_vec();
    let fingerprint = hex(&Sha256::digest(&der)[..16]);
    let k = SigningKey {
        private: Arc::new(private),
        der,
        fingerprint,
    };
    cache().lock().expect("lock").entry(id).or_insert(k).clone()
}

impl SigningKey {
    /// RSA PKCS#1 v1.5 over SHA-256 of `message` (SHA256withRSA), hex.
    pub fn sign(&self, message: &[u8]) -> String {
        let digest = Sha256::digest(message);
        let sig = self
            .private
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .expect("sign");
        hex(&sig)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The keys of a region and their validity: without rotation, one key from long before to the
/// far future; rotated at `at`, the first until `at` + 1 h and the second from `at` on.
pub fn windows(region: &str, rotation: Option<i64>) -> Vec<(SigningKey, i64, i64)> {
    match rotation {
        None => vec![(key(region, 0), LONG_BEFORE, FAR_FUTURE)],
        Some(at) => vec![
            (key(region, 0), LONG_BEFORE, at + 3600),
            (key(region, 1), at, FAR_FUTURE),
        ],
    }
}

/// The key that signs a digest ending at `t`.
pub fn signer(region: &str, rotation: Option<i64>, t: i64) -> SigningKey {
    match rotation {
        Some(at) if t >= at => key(region, 1),
        _ => key(region, 0),
    }
}

/// Tell the contract layer at `contract` (its endpoint) the public keys of `region`.
pub fn register(contract: &str, region: &str, rotation: Option<i64>) -> std::io::Result<()> {
    let keys: Vec<serde_json::Value> = windows(region, rotation)
        .iter()
        .map(|(k, start, end)| {
            serde_json::json!({
                "Fingerprint": k.fingerprint,
                "Value": aws_smithy_types::base64::encode(&k.der),
                "ValidityStartTime": start,
                "ValidityEndTime": end,
            })
        })
        .collect();
    let body = serde_json::json!({"region": region, "keys": keys}).to_string();
    let addr = host_port(contract);
    let mut s = TcpStream::connect(&addr)?;
    write!(
        s,
        "POST /__contract/cloudtrail/public-keys HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    if text.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "registering the public keys of {region}: {text}"
        )))
    }
}
