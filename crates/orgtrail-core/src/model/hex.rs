//! Bytes as lowercase hex, and the SHA-256 of bytes as hex: the one spelling every hash orgtrail
//! shows or compares uses (saved-plan staleness, Sids, the reductions fingerprint, digests).

use sha2::{Digest, Sha256};

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}
