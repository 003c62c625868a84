//! Spec parser + validator: any bytes must give a spec or located errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match orgtrail_spec::parse_bytes("fuzz.yaml", data) {
        Ok(spec) => {
            // A valid spec re-validates the same way through its own rules.
            assert!(orgtrail_spec::rules::trail_name(&spec.trail.name).is_ok());
            assert!(orgtrail_spec::rules::bucket_name(&spec.bucket.name).is_ok());
        }
        Err(orgtrail_spec::SpecError::Invalid { diagnostics, .. }) => {
            assert!(!diagnostics.is_empty());
            assert!(diagnostics.iter().all(|d| d.line >= 1 && d.col >= 1));
        }
        Err(_) => {}
    }
});
