//! Policy normaliser and merge: any live policy text must merge or give a typed error, never a
//! panic; a successful merge keeps every foreign statement and is stable under a second merge.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orgtrail_core::policy::{TrailRef, merge, normalise_statement, parse_policy, policies_equivalent};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let t = TrailRef {
        partition: "aws".into(),
        home_region: "us-east-2".into(),
        account: "111111111111".into(),
        trail_name: "my-trail".into(),
        org_id: "o-exampleorgid".into(),
        bucket: "my-bucket".into(),
        prefix: None,
    };
    let _ = policies_equivalent(text, text);
    if let Ok(m) = merge("my-bucket", Some(text), &[t.clone()], &[]) {
        if let Some(new) = m.new_policy {
            let new_text = new.to_string();
            let again = merge("my-bucket", Some(&new_text), &[t], &[]).expect("merged policy re-parses");
            assert!(again.new_policy.is_none(), "merge is not idempotent");
            let old = parse_policy("my-bucket", text).expect("parsed once");
            let stmts = new["Statement"].as_array().expect("statement list");
            for s in &old.statements {
                if !m.superseded.contains(s) {
                    let n = normalise_statement(s).expect("normalised once");
                    assert!(stmts.iter().any(|x| normalise_statement(x).ok().as_ref() == Some(&n)), "lost a statement");
                }
            }
        }
    }
});
