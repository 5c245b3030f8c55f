//! Signed notes: parsing and verification never panic, whatever the bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use verifier::note::{Note, VerifierKey, verify_note};

fuzz_target!(|data: &[u8]| {
    // The C2SP signed-note spec example key: fuzzed notes that name it must
    // verify or be rejected, never crash.
    let key: VerifierKey = match "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k".parse() {
        Ok(key) => key,
        Err(_) => return,
    };
    if let Ok(note) = Note::parse(data) {
        // A parsed note re-serialises to a note that parses the same way.
        let again = Note::parse(&note.to_bytes()).expect("re-serialised note parses");
        assert_eq!(again.text(), note.text());
    }
    let _ = verify_note(data, &[key]);
});
