//! Reading the file: hostile or broken input is refused quickly, with a position.

use super::errs;
use crate::{MAX_SPEC_BYTES, parse_bytes};

#[test]
fn billion_laughs_is_refused_quickly() {
    let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        y.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let start = std::time::Instant::now();
    assert!(!errs(&y).is_empty());
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn deep_nesting_and_garbage_are_refused() {
    let deep = "[".repeat(10_000);
    assert!(!errs(&deep).is_empty());
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert!(parse_bytes("g.bin", &garbage).is_err());
    let big = vec![b'#'; MAX_SPEC_BYTES + 1];
    let err = parse_bytes("big.yaml", &big).unwrap_err().to_string();
    assert!(err.starts_with("big.yaml:1:1: error: the file is"), "{err}");
}

#[test]
fn invalid_utf8_reports_position() {
    let err = parse_bytes("u.yaml", b"version: 1\nbucket: \xff\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("u.yaml:2:9: error: the file is not valid UTF-8"),
        "{err}"
    );
}
