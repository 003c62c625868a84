//! A digest signed here as CloudTrail signs it, then each way it can be wrong.

use std::io::Write as _;
use std::sync::OnceLock;

use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::*;

fn private_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("key"))
}

fn public_der() -> Vec<u8> {
    private_key()
        .to_public_key()
        .to_pkcs1_der()
        .expect("der")
        .as_bytes()
        .to_vec()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

const KEY: &str = "AWSLogs/o-abc/111111111111/CloudTrail-Digest/us-east-2/2015/08/17/111111111111_CloudTrail-Digest_us-east-2_t_us-east-2_20150817T150131Z.json.gz";

fn body(previous_signature: Option<&str>) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "awsAccountId": "111111111111",
        "digestStartTime": "2015-08-17T14:01:31Z",
        "digestEndTime": "2015-08-17T15:01:31Z",
        "digestS3Bucket": "logs",
        "digestS3Object": KEY,
        "digestPublicKeyFingerprint": "fp1",
        "digestSignatureAlgorithm": "SHA256withRSA",
        "previousDigestS3Bucket": previous_signature.map(|_| "logs"),
        "previousDigestS3Object": previous_signature.map(|_| "prev.json.gz"),
        "previousDigestSignature": previous_signature,
        "logFiles": [{"s3Bucket": "logs", "s3Object": "log1.json.gz", "hashValue": "ABCD", "hashAlgorithm": "SHA-256"}],
    }))
    .expect("json")
}

fn sign(raw: &[u8], previous_signature: Option<&str>) -> String {
    let to_sign = format!(
        "2015-08-17T15:01:31Z\nlogs/{KEY}\n{}\n{}",
        hex(&Sha256::digest(raw)),
        previous_signature.unwrap_or("null")
    );
    let hashed = Sha256::digest(to_sign.as_bytes());
    hex(&private_key()
        .sign(Pkcs1v15Sign::new::<Sha256>(), &hashed)
        .expect("sign"))
}

fn fetched<'a>(gz: &'a [u8], signature: &'a str) -> Fetched<'a> {
    Fetched {
        bucket: "logs",
        key: KEY,
        body: gz,
        signature: Some(signature),
        algorithm: Some("SHA256withRSA"),
    }
}

#[test]
fn a_digest_signed_as_cloudtrail_signs_verifies_first_of_chain_or_linked() {
    for prev in [None, Some("00ff")] {
        let raw = body(prev);
        let signature = sign(&raw, prev);
        let gz = gzip(&raw);
        let d = read(&fetched(&gz, &signature)).expect("readable");
        assert_eq!(d.verify(&public_der()), Ok(()));
        assert_eq!(d.end - d.start, 3_600);
        assert_eq!(d.logs[0].hash, "abcd", "hashes compare case-insensitively");
        assert_eq!(d.previous_key.as_deref(), prev.map(|_| "prev.json.gz"));
    }
}

#[test]
fn a_changed_digest_fails_its_signature() {
    let raw = body(None);
    let signature = sign(&raw, None);
    let changed = String::from_utf8(raw)
        .expect("utf8")
        .replace("ABCD", "ABCE");
    let gz = gzip(changed.as_bytes());
    let d = read(&fetched(&gz, &signature)).expect("readable");
    assert_eq!(d.verify(&public_der()), Err(DigestProblem::Signature));
}

#[test]
fn a_digest_found_elsewhere_than_its_fields_say_is_moved() {
    let raw = body(None);
    let signature = sign(&raw, None);
    let gz = gzip(&raw);
    let mut f = fetched(&gz, &signature);
    f.key = "AWSLogs/copied.json.gz";
    assert!(matches!(read(&f), Err(DigestProblem::Moved { key, .. }) if key == KEY));
}

#[test]
fn format_problems_are_named_never_a_panic() {
    let raw = body(None);
    let gz = gzip(&raw);
    let cases: Vec<(Vec<u8>, Option<&str>, &str)> = vec![
        (b"not gzip".to_vec(), Some("00"), "not gzip"),
        (gzip(b"{not json"), Some("00"), "not JSON"),
        (
            gzip(br#"{"digestStartTime":"x"}"#),
            Some("00"),
            "previousDigestSignature",
        ),
        (
            [gz.clone(), b"extra".to_vec()].concat(),
            Some("00"),
            "after the end of the gzip member",
        ),
        (gz.clone(), None, "no signature"),
    ];
    for (bytes, signature, want) in cases {
        let f = Fetched {
            signature,
            ..fetched(&bytes, "")
        };
        match read(&f) {
            Err(DigestProblem::Format(why)) => assert!(why.contains(want), "{why} / {want}"),
            other => panic!("{want}: {other:?}"),
        }
    }
}

#[test]
fn a_key_that_is_not_pkcs1_der_is_a_format_problem() {
    let raw = body(None);
    let signature = sign(&raw, None);
    let gz = gzip(&raw);
    let d = read(&fetched(&gz, &signature)).expect("readable");
    assert!(matches!(
        d.verify(b"garbage"),
        Err(DigestProblem::Format(_))
    ));
}
