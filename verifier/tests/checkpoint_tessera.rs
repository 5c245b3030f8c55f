//! Real checkpoints signed by transparency-dev/tessera (`tests/data/tessera-log`).

use verifier::checkpoint::{self, Checkpoint, CheckpointError};
use verifier::note::{self, NoteError, VerifierKey};

const LOG_VKEY: &str =
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

/// Every `checkpoint.N` with its N, then the final `checkpoint` (size 15).
const CHECKPOINTS: [(u64, &[u8]); 17] = [
    (0, include_bytes!("data/tessera-log/checkpoint.0")),
    (1, include_bytes!("data/tessera-log/checkpoint.1")),
    (2, include_bytes!("data/tessera-log/checkpoint.2")),
    (3, include_bytes!("data/tessera-log/checkpoint.3")),
    (4, include_bytes!("data/tessera-log/checkpoint.4")),
    (5, include_bytes!("data/tessera-log/checkpoint.5")),
    (6, include_bytes!("data/tessera-log/checkpoint.6")),
    (7, include_bytes!("data/tessera-log/checkpoint.7")),
    (8, include_bytes!("data/tessera-log/checkpoint.8")),
    (9, include_bytes!("data/tessera-log/checkpoint.9")),
    (10, include_bytes!("data/tessera-log/checkpoint.10")),
    (11, include_bytes!("data/tessera-log/checkpoint.11")),
    (12, include_bytes!("data/tessera-log/checkpoint.12")),
    (13, include_bytes!("data/tessera-log/checkpoint.13")),
    (14, include_bytes!("data/tessera-log/checkpoint.14")),
    (15, include_bytes!("data/tessera-log/checkpoint.15")),
    (15, include_bytes!("data/tessera-log/checkpoint")),
];

fn log_key() -> VerifierKey {
    LOG_VKEY.parse().expect("tessera log vkey")
}

#[test]
fn every_checkpoint_verifies_and_has_the_size_in_its_file_name() {
    let key = log_key();
    for (size, bytes) in CHECKPOINTS {
        let (checkpoint, verified) = checkpoint::verify_checkpoint(bytes, &key).unwrap();
        assert_eq!(checkpoint.size, size);
        assert_eq!(checkpoint.origin, "example.com/log/testdata");
        assert!(checkpoint.extensions.is_empty());
        assert_eq!(
            checkpoint.to_text(),
            verified.text,
            "parse/format is the identity"
        );
        assert_eq!(verified.verified.len(), 1);
    }
}

#[test]
fn the_empty_tree_has_the_sha256_of_nothing_as_root() {
    let (checkpoint, _) = checkpoint::verify_checkpoint(CHECKPOINTS[0].1, &log_key()).unwrap();
    // RFC 6962: the root of the empty tree is SHA-256 of the empty string.
    let expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let hex: String = checkpoint.root.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, expected);
}

#[test]
fn the_final_checkpoint_is_checkpoint_15() {
    let key = log_key();
    let (last, _) = checkpoint::verify_checkpoint(CHECKPOINTS[16].1, &key).unwrap();
    let (fifteen, _) = checkpoint::verify_checkpoint(CHECKPOINTS[15].1, &key).unwrap();
    assert_eq!(last, fifteen);
}

#[test]
fn flipping_any_byte_of_any_checkpoint_is_rejected() {
    let key = log_key();
    // Every position of every checkpoint with one bit pattern, and more bit
    // patterns on the final one (each try costs an Ed25519 verification).
    let tries = CHECKPOINTS
        .iter()
        .enumerate()
        .flat_map(|(i, &(size, bytes))| {
            let masks: &[u8] = if i == CHECKPOINTS.len() - 1 {
                &[0x01, 0x20, 0x80, 0xff]
            } else {
                &[0x01]
            };
            (0..bytes.len()).flat_map(move |position| {
                masks.iter().map(move |&mask| (size, bytes, position, mask))
            })
        });
    for (size, bytes, position, mask) in tries {
        let mut flipped = bytes.to_vec();
        flipped[position] ^= mask;
        assert!(
            checkpoint::verify_checkpoint(&flipped, &key).is_err(),
            "checkpoint.{size}: flip {mask:#04x} at byte {position} accepted"
        );
    }
}

#[test]
fn a_flipped_root_is_a_signature_failure_not_a_parse_failure() {
    let bytes = CHECKPOINTS[16].1;
    let text = std::str::from_utf8(bytes).unwrap();
    let root_at = text.find("rKbD").unwrap();
    let mut flipped = bytes.to_vec();
    flipped[root_at] = b's';
    assert_eq!(
        checkpoint::verify_checkpoint(&flipped, &log_key()).unwrap_err(),
        CheckpointError::Note(NoteError::InvalidSignature {
            name: "example.com/log/testdata".into(),
            key_id: 0x33d7b496
        })
    );
}

#[test]
fn a_checkpoint_verified_by_a_key_named_unlike_its_origin_is_refused() {
    // Re-sign tessera's checkpoint text under another name: the note verifies
    // with that key, but the key does not name the checkpoint's log.
    let text = note::Note::parse(CHECKPOINTS[16].1)
        .unwrap()
        .text()
        .to_string();
    let other = verifier::note::SignerKey::from_seed(
        "example.com/other",
        verifier::note::KeyType::Ed25519,
        [3; 32],
    )
    .unwrap();
    let signed = note::sign_note(&text, &[&other]).unwrap();
    assert_eq!(
        checkpoint::verify_checkpoint(signed.as_bytes(), &other.verifier_key()).unwrap_err(),
        CheckpointError::OriginMismatch {
            origin: "example.com/log/testdata".into(),
            key: "example.com/other".into()
        }
    );
    let parsed = Checkpoint::parse(&text).unwrap();
    assert!(matches!(
        checkpoint::sign_checkpoint(&parsed, &other),
        Err(CheckpointError::OriginMismatch { .. })
    ));
}
