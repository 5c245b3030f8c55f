//! Signed notes against vectors produced by other implementations: the C2SP
//! signed-note spec example and Go's golang.org/x/mod/sumdb/note tests
//! (`tests/data/notes.txt`), plus vkeys from transparency-dev/formats.

use verifier::note::{self, KeyType, Note, NoteError, SignerKey, VerifierKey, key_id};

const NOTES: &str = include_str!("data/notes.txt");

/// One block of notes.txt: its verifier keys, any signer key named in its
/// comments, and the note bytes.
struct Block {
    vkeys: Vec<String>,
    skeys: Vec<String>,
    note: String,
}

fn blocks() -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current = Block {
        vkeys: vec![],
        skeys: vec![],
        note: String::new(),
    };
    let mut in_note = false;
    for line in NOTES.split_inclusive('\n') {
        if line == "----\n" {
            blocks.push(std::mem::replace(
                &mut current,
                Block {
                    vkeys: vec![],
                    skeys: vec![],
                    note: String::new(),
                },
            ));
            in_note = false;
        } else if in_note {
            current.note.push_str(line);
        } else if line == "note:\n" {
            in_note = true;
        } else if let Some(vkey) = line.strip_prefix("vkey: ") {
            current.vkeys.push(vkey.trim_end().to_string());
        } else if line.starts_with('#') {
            current.skeys.extend(
                line.split_whitespace()
                    .filter(|w| w.starts_with("PRIVATE+KEY+"))
                    .map(str::to_string),
            );
        }
    }
    blocks.push(current);
    blocks
}

fn keys(block: &Block) -> Vec<VerifierKey> {
    block
        .vkeys
        .iter()
        .map(|k| k.parse().expect("vector vkey parses"))
        .collect()
}

#[test]
fn the_vector_file_has_the_expected_blocks() {
    let blocks = blocks();
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0].vkeys.len(), 1);
    assert_eq!(blocks[1].vkeys.len(), 2);
    assert_eq!(blocks[1].skeys.len(), 1);
    assert!(blocks.iter().all(|b| b.note.ends_with('\n')));
}

#[test]
fn every_vector_verifies_with_its_keys() {
    for block in blocks() {
        let verified = note::verify_note(block.note.as_bytes(), &keys(&block)).unwrap();
        assert_eq!(verified.verified.len(), block.vkeys.len(), "{}", block.note);
        assert!(verified.unverified.is_empty());
        let names: Vec<&str> = verified.verified.iter().map(|s| s.name.as_str()).collect();
        let expected: Vec<String> = block
            .vkeys
            .iter()
            .map(|k| k.split('+').next().unwrap().to_string())
            .collect();
        assert_eq!(names, expected);
        assert!(
            verified
                .verified
                .iter()
                .all(|s| s.key_type == KeyType::Ed25519 && s.timestamp.is_none())
        );
        assert!(block.note.starts_with(&verified.text));
        assert!(block.note[verified.text.len()..].starts_with("\n\u{2014} "));
    }
}

#[test]
fn each_key_alone_verifies_its_own_signature_and_ignores_the_other() {
    let block = &blocks()[1];
    for key in keys(block) {
        let verified =
            note::verify_note(block.note.as_bytes(), std::slice::from_ref(&key)).unwrap();
        assert_eq!(verified.verified.len(), 1);
        assert_eq!(verified.verified[0].name, key.name());
        assert_eq!(verified.verified[0].key_id, key.key_id());
        assert_eq!(verified.unverified.len(), 1);
        assert_ne!(verified.unverified[0].name, key.name());
    }
}

#[test]
fn flipping_any_bit_pattern_of_any_byte_is_rejected_or_loses_that_signature() {
    for block in blocks() {
        let keys = keys(&block);
        let bytes = block.note.as_bytes();
        let original = note::verify_note(bytes, &keys).unwrap();
        for position in 0..bytes.len() {
            for mask in [0x01u8, 0x40, 0x80] {
                let mut flipped = bytes.to_vec();
                flipped[position] ^= mask;
                // With two signers, renaming one signature line makes it
                // unknown (ignored, as the spec requires) while the other
                // still verifies; anything else must be rejected.
                if let Ok(verified) = note::verify_note(&flipped, &keys) {
                    assert_eq!(
                        verified.text, original.text,
                        "flip {mask:#04x} at byte {position}"
                    );
                    assert!(
                        verified.verified.len() < original.verified.len()
                            && verified.unverified.len() == 1,
                        "flip {mask:#04x} at byte {position} of {:?} was accepted",
                        block.note
                    );
                }
            }
        }
    }
}

#[test]
fn a_flipped_text_byte_is_a_bad_signature_from_a_known_key() {
    let block = &blocks()[0];
    let mut flipped = block.note.clone().into_bytes();
    flipped[0] ^= 0x01; // 'T' -> 'U'
    let error = note::verify_note(&flipped, &keys(block)).unwrap_err();
    assert_eq!(
        error,
        NoteError::InvalidSignature {
            name: "example.com/foo".into(),
            key_id: 0x530d903a
        }
    );
}

#[test]
fn a_key_whose_id_is_altered_no_longer_parses() {
    for block in blocks() {
        for vkey in &block.vkeys {
            let mut parts: Vec<String> = vkey.split('+').map(str::to_string).collect();
            let id = u32::from_str_radix(&parts[1], 16).unwrap();
            parts[1] = format!("{:08x}", id ^ 1);
            let altered = parts.join("+");
            assert!(matches!(
                altered.parse::<VerifierKey>(),
                Err(NoteError::KeyIdMismatch { stated, computed, .. }) if stated == id ^ 1 && computed == id
            ));
        }
    }
}

#[test]
fn a_signature_whose_key_id_is_altered_is_unknown_so_nothing_verifies() {
    let block = &blocks()[0];
    let note = Note::parse(block.note.as_bytes()).unwrap();
    let mut signature = note.signatures()[0].clone();
    signature.key_id ^= 0x0100_0000;
    let altered = format!("{}\n{}", note.text(), signature.to_line());
    let error = note::verify_note(altered.as_bytes(), &keys(block)).unwrap_err();
    assert!(
        matches!(error, NoteError::NoVerifiedSignature { .. }),
        "{error}"
    );
    assert!(
        error.to_string().starts_with("no verified signature"),
        "{error}"
    );
}

#[test]
fn a_key_with_the_same_name_but_another_public_key_is_unknown() {
    let block = &blocks()[0];
    let impostor = VerifierKey::new(
        "example.com/foo",
        KeyType::Ed25519,
        *keys(&blocks()[1])[0].public_key(),
    )
    .unwrap();
    let error = note::verify_note(block.note.as_bytes(), &[impostor]).unwrap_err();
    assert!(
        matches!(error, NoteError::NoVerifiedSignature { .. }),
        "{error}"
    );
}

#[test]
fn re_signing_peter_neumanns_text_reproduces_the_go_signature() {
    let block = &blocks()[1];
    let signer = SignerKey::parse(&block.skeys[0]).unwrap();
    let original = Note::parse(block.note.as_bytes()).unwrap();
    let signed = note::sign_note(original.text(), &[&signer]).unwrap();
    let resigned = Note::parse(signed.as_bytes()).unwrap();
    assert_eq!(resigned.text(), original.text());
    assert_eq!(resigned.signatures(), &original.signatures()[..1]);
    assert_eq!(
        signed,
        format!(
            "{}\n{}",
            original.text(),
            original.signatures()[0].to_line()
        )
    );
}

#[test]
fn the_signer_key_derives_the_given_verifier_key() {
    let block = &blocks()[1];
    let signer = SignerKey::parse(&block.skeys[0]).unwrap();
    assert_eq!(signer.name(), "PeterNeumann");
    assert_eq!(signer.key_id(), 0xc74f20a3);
    assert_eq!(signer.key_type(), KeyType::Ed25519);
    assert_eq!(signer.verifier_key().to_string(), block.vkeys[0]);
    assert_eq!(signer.to_private_string(), block.skeys[0]);
}

#[test]
fn verifier_keys_round_trip_and_their_ids_are_computed_as_specified() {
    // Ed25519 keys from the vectors, plus transparency-dev/formats' TEST key
    // (type 0x01) and the remora.n621.de witness key (type 0x04): the key ID
    // check on parse recomputes SHA-256(name || 0x0A || type || key)[:4].
    let mut vkeys: Vec<String> = blocks().into_iter().flat_map(|b| b.vkeys).collect();
    vkeys.push("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6".into());
    vkeys.push("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2".into());
    for vkey in &vkeys {
        let key: VerifierKey = vkey.parse().unwrap();
        assert_eq!(&key.to_string(), vkey);
        assert_eq!(
            key.key_id(),
            key_id(key.name(), key.key_type(), key.public_key())
        );
        assert_eq!(
            format!("{:08x}", key.key_id()),
            vkey.split('+').nth(1).unwrap()
        );
    }
    let remora: VerifierKey = vkeys.last().unwrap().parse().unwrap();
    assert_eq!(remora.key_type(), KeyType::Cosignature);
}

#[test]
fn key_ids_depend_on_the_type_byte() {
    let key: VerifierKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
        .parse()
        .unwrap();
    assert_eq!(
        key_id("EnochRoot", KeyType::Ed25519, key.public_key()),
        0xaf0cfe78
    );
    assert_ne!(
        key_id("EnochRoot", KeyType::Cosignature, key.public_key()),
        0xaf0cfe78
    );
}

#[test]
fn uppercase_key_id_hex_is_accepted_and_written_back_in_lowercase() {
    let key: VerifierKey = "EnochRoot+AF0CFE78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
        .parse()
        .unwrap();
    assert_eq!(
        key.to_string(),
        "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
    );
}

#[test]
fn transparency_dev_malformed_vkeys_are_rejected() {
    // From transparency-dev/formats note_cosigv1_test.go TestCoSigV1NewVerifier.
    let material = "AQJsRW9mY4rmOw==";
    for bad in [
        "bananas.sigstore.dev+12344556",
        "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!",
        "rekor.sigstore.dev+12345678+AwEB",
        &format!("rekor.sigstore.dev+NOT_A_NUMBER+{material}"),
        &format!("rekor.sigstore.dev+00000000+{material}"),
    ] {
        assert!(bad.parse::<VerifierKey>().is_err(), "{bad} was accepted");
    }
    assert_eq!(
        "rekor.sigstore.dev+12345678+AwEB"
            .parse::<VerifierKey>()
            .unwrap_err(),
        NoteError::UnsupportedKeyType(0x03)
    );
}
