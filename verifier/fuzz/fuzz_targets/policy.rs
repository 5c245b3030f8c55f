//! Trust policies: parsing never panics and `to_text` round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;
use verifier::policy::Policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(policy) = Policy::parse(text) {
        let again = Policy::parse(&policy.to_text()).expect("formatted policy parses");
        assert_eq!(again.to_text(), policy.to_text());
    }
});
