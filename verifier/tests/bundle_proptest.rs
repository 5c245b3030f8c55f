//! Property: no single changed byte in a bundle's entry bytes or proof
//! hashes ever verifies.
#![cfg(not(target_arch = "wasm32"))]

mod bundle_common;

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bundle_common::{Plan, scenario};
use proptest::prelude::*;
use verifier::bundle::Bundle;
use verifier::policy::Policy;
use verifier::report::{Verdict, verify_bundle};

fn clean() -> &'static (Bundle, Policy) {
    static CLEAN: OnceLock<(Bundle, Policy)> = OnceLock::new();
    CLEAN.get_or_init(|| {
        let s = scenario(&Plan::default());
        let policy = s.log.policy(2);
        let bundle = s.bundle(&policy);
        assert_eq!(bundle.verify(&policy, &[]).verdict, Verdict::Verified);
        (bundle, policy)
    })
}

/// Which base64 field of which entry.
#[derive(Debug, Clone, Copy)]
enum Field {
    Entry,
    Inclusion(usize),
    Consistency(usize),
}

fn field(bundle: &mut Bundle, entry: usize, which: Field) -> Option<&mut String> {
    let n = bundle.entries.len();
    let e = &mut bundle.entries[entry % n];
    match which {
        Field::Entry => Some(&mut e.entry),
        Field::Inclusion(k) if !e.inclusion.is_empty() => {
            let n = e.inclusion.len();
            Some(&mut e.inclusion[k % n])
        }
        Field::Consistency(k) if !e.consistency.is_empty() => {
            let n = e.consistency.len();
            Some(&mut e.consistency[k % n])
        }
        _ => None,
    }
}

fn any_field() -> impl Strategy<Value = Field> {
    prop_oneof![
        Just(Field::Entry),
        any::<usize>().prop_map(Field::Inclusion),
        any::<usize>().prop_map(Field::Consistency),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A changed byte of the decoded bytes (re-encoded canonically).
    #[test]
    fn a_changed_decoded_byte_fails(
        entry in any::<usize>(),
        which in any_field(),
        at in any::<usize>(),
        mask in 1u8..=255,
    ) {
        let (clean, policy) = clean();
        let mut bundle = clean.clone();
        let Some(text) = field(&mut bundle, entry, which) else {
            return Ok(());
        };
        let mut bytes = BASE64.decode(text.as_str()).expect("base64");
        let n = bytes.len();
        bytes[at % n] ^= mask;
        *text = BASE64.encode(&bytes);
        let report = bundle.verify(policy, &[]);
        prop_assert_eq!(report.verdict, Verdict::Failed);
    }

    /// A changed character of the base64 text (any printable ASCII),
    /// through the JSON wire form.
    #[test]
    fn a_changed_base64_character_never_verifies(
        entry in any::<usize>(),
        which in any_field(),
        at in any::<usize>(),
        replacement in 0x20u8..0x7f,
    ) {
        let (clean, policy) = clean();
        let mut bundle = clean.clone();
        let Some(text) = field(&mut bundle, entry, which) else {
            return Ok(());
        };
        let mut bytes = std::mem::take(text).into_bytes();
        let n = bytes.len();
        prop_assume!(bytes[at % n] != replacement);
        bytes[at % n] = replacement;
        *text = String::from_utf8(bytes).expect("ASCII");
        let report = verify_bundle(bundle.to_json().as_bytes(), policy, &[]).expect("usable JSON");
        prop_assert_eq!(report.verdict, Verdict::Failed);
    }
}
