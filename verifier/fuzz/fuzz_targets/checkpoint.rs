//! Checkpoints: strict parsing never panics and round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;
use verifier::checkpoint::Checkpoint;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(checkpoint) = Checkpoint::parse(text) {
        assert_eq!(checkpoint.to_text(), text, "a strictly parsed checkpoint formats to its input");
    }
});
