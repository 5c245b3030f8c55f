//! Entry bundles: decoding never panics and re-encodes to the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use verifier::tile::{decode_entry_bundle, encode_entry_bundle};

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = decode_entry_bundle(data) {
        assert_eq!(encode_entry_bundle(&entries).expect("decoded entries fit"), data);
    }
});
