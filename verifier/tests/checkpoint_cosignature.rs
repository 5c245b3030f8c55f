//! Witness cosignatures (C2SP tlog-cosignature v1.0.1).
//!
//! External vector: the two witness keys and cosignatures below were made
//! with Python's `cryptography` (OpenSSL Ed25519) and `hashlib`, independently
//! of this crate, over the body of tessera's final checkpoint:
//!
//! ```python
//! priv = Ed25519PrivateKey.from_private_bytes(seed)
//! pub = priv.public_key().public_bytes(Raw, Raw)
//! kid = sha256(name + b"\n" + b"\x04" + pub).digest()[:4]
//! vkey = f"{name}+{kid.hex()}+{b64(b'\x04' + pub)}"
//! sig = priv.sign(b"cosignature/v1\ntime %d\n" % t + body)
//! line = "— " + name + " " + b64(kid + t.to_bytes(8, "big") + sig)
//! ```

use verifier::checkpoint;
use verifier::cosignature::{self, CosignatureError};
use verifier::note::{self, KeyType, Note, NoteError, NoteSignature, SignerKey, VerifierKey};

const TESSERA: &str = include_str!("data/tessera-log/checkpoint");
const TESSERA_VKEY: &str =
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
const BODY: &str = "example.com/log/testdata\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n";

/// Seed 00 01 02 .. 1f, name witness.example/w1, time 1234.
const W1_VKEY: &str = "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
const W1_SKEY: &str =
    "PRIVATE+KEY+witness.example/w1+e75f6532+BAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
const W1_LINE: &str = "\u{2014} witness.example/w1 519lMgAAAAAAAATSNpqe+F1OxesIv6YEqNJZaMi4kwk2OYmlLzUrsg1fh/hC7v+fUf2GqxkHUJ3t7GISoicbxxBqVSegtBl5Fx9RDQ==\n";
/// Seed a5 × 32, name witness.example/w2, time 1700000000.
const W2_VKEY: &str = "witness.example/w2+37ef733a+BCnlgzqRWmQppOOnlIR1wzjvQ264K+ickvBZcEQD251V";
const W2_LINE: &str = "\u{2014} witness.example/w2 N+9zOgAAAABlU/EAsVGd3FSgUkpGR6dWUvJpkGPj5ExBlOn210sr7OulX5E6qhqY+lCagR8Ac2PcE2VIbD/eGjo/CoCoWk/KgIF5Aw==\n";

fn seed_0_to_31() -> [u8; 32] {
    core::array::from_fn(|i| i as u8)
}

fn w1() -> SignerKey {
    SignerKey::from_seed("witness.example/w1", KeyType::Cosignature, seed_0_to_31())
        .expect("w1 key")
}

/// The signature bytes (after the key ID) of a signature line.
fn signature_of(line: &str) -> NoteSignature {
    let note = format!("x\n\n{line}");
    Note::parse(note.as_bytes())
        .expect("vector line parses")
        .signatures()[0]
        .clone()
}

#[test]
fn the_body_constant_is_tesseras_checkpoint_text() {
    assert_eq!(Note::parse(TESSERA.as_bytes()).unwrap().text(), BODY);
}

#[test]
fn the_signed_message_is_exactly_header_time_and_body() {
    let message = cosignature::cosignature_message(BODY, 1234);
    let expected = format!("cosignature/v1\ntime 1234\n{BODY}");
    assert_eq!(message, expected.as_bytes());
    assert_eq!(
        cosignature::cosignature_message("o\n0\nAA==\n", 0),
        b"cosignature/v1\ntime 0\no\n0\nAA==\n"
    );
}

#[test]
fn witness_keys_from_a_seed_match_the_external_vector() {
    let key = w1();
    assert_eq!(key.verifier_key().to_string(), W1_VKEY);
    assert_eq!(key.to_private_string(), W1_SKEY);
    assert_eq!(
        SignerKey::parse(W1_SKEY).unwrap().verifier_key(),
        key.verifier_key()
    );
    let w2 = SignerKey::from_seed("witness.example/w2", KeyType::Cosignature, [0xa5; 32]).unwrap();
    assert_eq!(w2.verifier_key().to_string(), W2_VKEY);
}

#[test]
fn cosigning_reproduces_the_external_signature_byte_for_byte() {
    let line = cosignature::cosign(&w1(), BODY, 1234).unwrap();
    assert_eq!(line.to_line(), W1_LINE);
    assert_eq!(line.signature.len(), cosignature::COSIGNATURE_LEN);
    assert_eq!(line.signature[..8], 1234u64.to_be_bytes());
}

#[test]
fn external_cosignatures_verify_and_yield_their_timestamps() {
    let w1: VerifierKey = W1_VKEY.parse().unwrap();
    let w2: VerifierKey = W2_VKEY.parse().unwrap();
    assert_eq!(
        cosignature::verify_cosignature(&w1, BODY, &signature_of(W1_LINE).signature),
        Ok(1234)
    );
    assert_eq!(
        cosignature::verify_cosignature(&w2, BODY, &signature_of(W2_LINE).signature),
        Ok(1_700_000_000)
    );
    // In a note, next to tessera's own log signature.
    let cosigned = format!("{TESSERA}{W1_LINE}{W2_LINE}");
    let log: VerifierKey = TESSERA_VKEY.parse().unwrap();
    let verified = note::verify_note(cosigned.as_bytes(), &[log, w1, w2]).unwrap();
    let stamps: Vec<Option<u64>> = verified.verified.iter().map(|s| s.timestamp).collect();
    assert_eq!(stamps, vec![None, Some(1234), Some(1_700_000_000)]);
    assert_eq!(verified.verified[1].key_type, KeyType::Cosignature);
}

#[test]
fn round_trip_over_many_timestamps() {
    let key = w1();
    let vkey = key.verifier_key();
    for timestamp in [0, 1, 1234, 1_790_000_000, cosignature::MAX_TIMESTAMP] {
        let line = cosign(&key, timestamp);
        assert_eq!(
            cosignature::verify_cosignature(&vkey, BODY, &line.signature),
            Ok(timestamp)
        );
        assert_eq!(
            cosignature::cosignature_timestamp(&line.signature),
            Ok(timestamp)
        );
    }
}

fn cosign(key: &SignerKey, timestamp: u64) -> NoteSignature {
    cosignature::cosign(key, BODY, timestamp).expect("cosign the test body")
}

#[test]
fn tampering_with_the_timestamp_breaks_the_signature() {
    let vkey: VerifierKey = W1_VKEY.parse().unwrap();
    let mut signature = signature_of(W1_LINE).signature;
    signature[7] ^= 1; // 1234 -> 1235
    assert_eq!(
        cosignature::verify_cosignature(&vkey, BODY, &signature),
        Err(CosignatureError::BadSignature {
            name: "witness.example/w1".into(),
            timestamp: 1235
        })
    );
    // Also inside a note: a known witness with a bad cosignature rejects it.
    let line = NoteSignature {
        name: "witness.example/w1".into(),
        key_id: vkey.key_id(),
        signature,
    };
    let note = format!("{TESSERA}{}", line.to_line());
    let log: VerifierKey = TESSERA_VKEY.parse().unwrap();
    assert!(matches!(
        note::verify_note(note.as_bytes(), &[log, vkey]),
        Err(NoteError::InvalidCosignature {
            key_id: 0xe75f6532,
            ..
        })
    ));
}

#[test]
fn a_cosignature_covers_the_whole_body_including_extensions() {
    let key = w1();
    let extended = format!("{BODY}extension\n");
    let line = cosignature::cosign(&key, &extended, 5).unwrap();
    assert!(
        cosignature::verify_cosignature(&key.verifier_key(), &extended, &line.signature).is_ok()
    );
    assert!(cosignature::verify_cosignature(&key.verifier_key(), BODY, &line.signature).is_err());
    let other_extension = format!("{BODY}extensioN\n");
    assert!(
        cosignature::verify_cosignature(&key.verifier_key(), &other_extension, &line.signature)
            .is_err()
    );
}

#[test]
fn the_wrong_key_type_is_rejected() {
    let log_key =
        SignerKey::from_seed("witness.example/w1", KeyType::Ed25519, seed_0_to_31()).unwrap();
    assert_eq!(
        cosignature::cosign(&log_key, BODY, 1),
        Err(CosignatureError::WrongKeyType {
            name: "witness.example/w1".into(),
            key_type: KeyType::Ed25519
        })
    );
    let signature = signature_of(W1_LINE).signature;
    assert!(matches!(
        cosignature::verify_cosignature(&log_key.verifier_key(), BODY, &signature),
        Err(CosignatureError::WrongKeyType { .. })
    ));
    // A plain Ed25519 vkey with the witness's public key does not match the
    // cosignature line (different key ID): the line is ignored, not verified.
    let cosigned = format!("{TESSERA}{W1_LINE}");
    let error = note::verify_note(cosigned.as_bytes(), &[log_key.verifier_key()]).unwrap_err();
    assert!(matches!(error, NoteError::NoVerifiedSignature { .. }));
}

#[test]
fn cosignatures_exist_only_over_checkpoints() {
    let key = w1();
    assert!(matches!(
        cosignature::cosign(&key, "just a note\n", 1),
        Err(CosignatureError::NotACheckpoint(_))
    ));
    // A valid cosignature presented for a non-checkpoint text does not verify.
    let good = cosign(&key, 1);
    assert!(matches!(
        cosignature::verify_cosignature(&key.verifier_key(), "just a note\n", &good.signature),
        Err(CosignatureError::NotACheckpoint(_))
    ));
}

#[test]
fn malformed_cosignatures_are_rejected() {
    let vkey = w1().verifier_key();
    let good = cosign(&w1(), 1).signature;
    assert_eq!(
        cosignature::verify_cosignature(&vkey, BODY, &good[..71]),
        Err(CosignatureError::WrongLength(71))
    );
    let mut long = good.clone();
    long.push(0);
    assert_eq!(
        cosignature::verify_cosignature(&vkey, BODY, &long),
        Err(CosignatureError::WrongLength(73))
    );
    let mut future = good;
    future[0] = 0x80;
    assert_eq!(
        cosignature::verify_cosignature(&vkey, BODY, &future),
        Err(CosignatureError::TimestampOutOfRange(0x8000_0000_0000_0001))
    );
    assert_eq!(
        cosignature::cosign(&w1(), BODY, u64::MAX),
        Err(CosignatureError::TimestampOutOfRange(u64::MAX))
    );
}

#[test]
fn add_signatures_appends_lines_once() {
    let log = SignerKey::from_seed("example.com/log", KeyType::Ed25519, [1; 32]).unwrap();
    let cp = checkpoint::Checkpoint {
        origin: "example.com/log".into(),
        size: 3,
        root: [2; 32],
        extensions: vec![],
    };
    let signed = checkpoint::sign_checkpoint(&cp, &log).unwrap();
    let line = cosignature::cosign(&w1(), &cp.to_text(), 99).unwrap();
    let cosigned = cosignature::add_signatures(&signed, &[line.clone(), line.clone()]).unwrap();
    assert_eq!(cosigned, format!("{signed}{}", line.to_line()));
    let again = cosignature::add_signatures(&cosigned, std::slice::from_ref(&line)).unwrap();
    assert_eq!(again, cosigned);
    let verified = note::verify_note(
        cosigned.as_bytes(),
        &[log.verifier_key(), w1().verifier_key()],
    )
    .unwrap();
    assert_eq!(verified.verified[1].timestamp, Some(99));

    assert!(matches!(
        cosignature::add_signatures("not a note", std::slice::from_ref(&line)),
        Err(CosignatureError::Note(_))
    ));
    let bad_name = NoteSignature {
        name: "bad name".into(),
        ..line
    };
    assert!(matches!(
        cosignature::add_signatures(&signed, &[bad_name]),
        Err(CosignatureError::InvalidSignatureLine(_))
    ));
    let many: Vec<NoteSignature> = (0..100u32)
        .map(|i| NoteSignature {
            name: format!("w{i}"),
            key_id: i,
            signature: vec![1; 72],
        })
        .collect();
    assert_eq!(
        cosignature::add_signatures(&signed, &many),
        Err(CosignatureError::TooManySignatures(101))
    );
}
