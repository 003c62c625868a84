//! What a spec that leaves fields out means: the secure defaults, and nothing risky unless
//! asked for.

use super::BASE;
use crate::{PolicyMode, parse_bytes};

#[test]
fn defaults_are_the_secure_ones() {
    let spec = parse_bytes("t.yaml", BASE.as_bytes()).unwrap();
    let t = &spec.trail;
    assert!(
        t.organization
            && t.multi_region
            && t.include_global_service_events
            && t.log_file_validation
            && t.logging
    );
    assert!(spec.organization.all_features && spec.organization.trusted_access);
    assert_eq!(spec.bucket.policy, PolicyMode::Merge);
    assert!(!spec.bucket.create);
    assert_eq!(spec.bucket_region(), "us-east-2");
    assert_eq!(t.event_selectors, None);
}

#[test]
fn accepting_log_bucket_data_events_is_explicit() {
    let spec = parse_bytes("t.yaml", BASE.as_bytes()).unwrap();
    assert!(!spec.trail.accept_log_bucket_data_events);
    let yaml = format!("{BASE}  accept_log_bucket_data_events: true\n");
    let spec = parse_bytes("t.yaml", yaml.as_bytes()).unwrap();
    assert!(spec.trail.accept_log_bucket_data_events);
}
