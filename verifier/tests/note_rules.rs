//! The signed-note rules: structure, limits, unknown and bad signers, keys.

use verifier::note::{
    self, KeyType, MAX_SIGNATURES, Note, NoteError, NoteSignature, SignerKey, VerifierKey,
};

fn signer(name: &str, seed: u8) -> SignerKey {
    SignerKey::from_seed(name, KeyType::Ed25519, [seed; 32]).expect("valid test signer")
}

const TEXT: &str = "hello\nworld\n";

#[test]
fn sixteen_signatures_are_accepted_and_all_verified() {
    let signers: Vec<SignerKey> = (0..16u8)
        .map(|i| signer(&format!("signer-{i}.example"), i))
        .collect();
    let refs: Vec<&SignerKey> = signers.iter().collect();
    let signed = note::sign_note(TEXT, &refs).unwrap();
    let keys: Vec<VerifierKey> = signers.iter().map(SignerKey::verifier_key).collect();
    let verified = note::verify_note(signed.as_bytes(), &keys).unwrap();
    assert_eq!(verified.verified.len(), 16);
    assert_eq!(verified.text, TEXT);
}

/// A note signed by `known` followed by `extra` distinct unknown signature lines.
fn note_with_unknown_lines(known: &SignerKey, extra: usize) -> String {
    let mut signed = note::sign_note(TEXT, &[known]).expect("sign the test text");
    for i in 0..extra {
        let line = NoteSignature {
            name: format!("unknown-{i}"),
            key_id: i as u32,
            signature: vec![7; 64],
        };
        signed.push_str(&line.to_line());
    }
    signed
}

#[test]
fn one_hundred_signature_lines_are_accepted_one_more_is_rejected() {
    let known = signer("log.example", 1);
    let keys = [known.verifier_key()];
    let at_limit = note_with_unknown_lines(&known, MAX_SIGNATURES - 1);
    let verified = note::verify_note(at_limit.as_bytes(), &keys).unwrap();
    assert_eq!(verified.unverified.len(), MAX_SIGNATURES - 1);

    let over = note_with_unknown_lines(&known, MAX_SIGNATURES);
    assert_eq!(
        note::verify_note(over.as_bytes(), &keys).unwrap_err(),
        NoteError::TooManySignatures(101)
    );
    assert_eq!(
        Note::parse(over.as_bytes()).unwrap_err(),
        NoteError::TooManySignatures(101)
    );
}

#[test]
fn control_characters_are_rejected_with_their_line() {
    let known = signer("log.example", 1);
    let signed = note::sign_note(TEXT, &[&known]).unwrap();
    for (at, byte, line) in [
        (0, 0x00u8, 1),
        (7, b'\t', 2),
        (5, b'\r', 1),
        (signed.len() - 3, 0x1b, 4),
    ] {
        let mut bad = signed.clone().into_bytes();
        bad[at] = byte;
        assert_eq!(
            Note::parse(&bad).unwrap_err(),
            NoteError::ControlCharacter { line, byte },
            "byte {byte:#04x} at {at}"
        );
    }
    // DEL (0x7f) is not below U+0020: allowed in the text, as the spec says.
    let del = note::sign_note("a\u{7f}b\n", &[&known]).unwrap();
    assert!(note::verify_note(del.as_bytes(), &[known.verifier_key()]).is_ok());
    assert_eq!(
        note::sign_note("a\tb\n", &[&known]).unwrap_err(),
        NoteError::ControlCharacter {
            line: 1,
            byte: b'\t'
        }
    );
}

#[test]
fn notes_must_be_utf8() {
    let known = signer("log.example", 1);
    let mut bad = note::sign_note(TEXT, &[&known]).unwrap().into_bytes();
    bad[1] = 0xff;
    assert_eq!(Note::parse(&bad).unwrap_err(), NoteError::NotUtf8(1));
}

#[test]
fn the_blank_line_and_the_final_newline_are_required() {
    let known = signer("log.example", 1);
    let signed = note::sign_note(TEXT, &[&known]).unwrap();
    let line = Note::parse(signed.as_bytes()).unwrap().signatures()[0].to_line();

    let no_blank = format!("{TEXT}{line}");
    assert_eq!(
        Note::parse(no_blank.as_bytes()).unwrap_err(),
        NoteError::MissingBlankLine
    );

    let no_newline = signed.trim_end_matches('\n');
    assert_eq!(
        Note::parse(no_newline.as_bytes()).unwrap_err(),
        NoteError::MissingFinalNewline
    );

    let no_signatures = format!("{TEXT}\n");
    assert!(matches!(
        Note::parse(no_signatures.as_bytes()).unwrap_err(),
        NoteError::MalformedSignatureLine { line: 4, .. }
    ));
    assert_eq!(
        Note::parse(b"").unwrap_err(),
        NoteError::MissingFinalNewline
    );
}

#[test]
fn the_text_ends_at_the_last_blank_line() {
    let known = signer("log.example", 1);
    let text = "first paragraph\n\nsecond paragraph\n\n";
    let signed = note::sign_note(text, &[&known]).unwrap();
    let verified = note::verify_note(signed.as_bytes(), &[known.verifier_key()]).unwrap();
    assert_eq!(verified.text, text);
}

#[test]
fn malformed_signature_lines_are_rejected_with_their_line_number() {
    let known = signer("log.example", 1);
    let signed = note::sign_note(TEXT, &[&known]).unwrap();
    let good = signed.lines().last().unwrap().to_string();
    let b64 = good.rsplit(' ').next().unwrap().to_string();
    // The last base64 character of a 68-byte signature carries 2 unused bits:
    // setting them gives a non-canonical encoding of the same bytes.
    let last = b64.as_bytes()[b64.len() - 2];
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let index = alphabet.find(last as char).unwrap();
    let non_canonical = format!(
        "{}{}=",
        &b64[..b64.len() - 2],
        alphabet.as_bytes()[index | 1] as char
    );
    assert_ne!(non_canonical, b64);
    for bad in [
        format!("- log.example {b64}"),
        format!("\u{2014}log.example {b64}"),
        "\u{2014} log.example".to_string(),
        format!("\u{2014}  {b64}"),
        format!("\u{2014} log+example {b64}"),
        format!("\u{2014} log.example {b64} "),
        format!("\u{2014} log.example  {b64}"),
        format!("\u{2014} log.example {}", &b64[1..]),
        format!("\u{2014} log.example {non_canonical}"),
        "\u{2014} log.example AAAAAA==".to_string(),
        "\u{2014} log.example ".to_string(),
    ] {
        let note = format!("{TEXT}\n{good}\n{bad}\n");
        assert!(
            matches!(
                Note::parse(note.as_bytes()),
                Err(NoteError::MalformedSignatureLine { line: 5, .. })
            ),
            "{bad:?} gave {:?}",
            Note::parse(note.as_bytes())
        );
    }
}

#[test]
fn unknown_signers_are_ignored_and_reported() {
    let a = signer("a.example", 1);
    let b = signer("b.example", 2);
    let signed = note::sign_note(TEXT, &[&a, &b]).unwrap();
    let verified = note::verify_note(signed.as_bytes(), &[a.verifier_key()]).unwrap();
    assert_eq!(verified.verified.len(), 1);
    assert_eq!(verified.verified[0].name, "a.example");
    assert_eq!(verified.unverified.len(), 1);
    assert_eq!(verified.unverified[0].name, "b.example");
    assert_eq!(verified.unverified[0].key_id, b.key_id());

    let error =
        note::verify_note(signed.as_bytes(), &[signer("c.example", 3).verifier_key()]).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "no verified signature: the note is signed only by unknown keys (a.example {:08x}, b.example {:08x})",
            a.key_id(),
            b.key_id()
        )
    );
}

#[test]
fn a_known_signer_with_a_bad_signature_rejects_the_note() {
    let a = signer("a.example", 1);
    let b = signer("b.example", 2);
    let signed = note::sign_note(TEXT, &[&a]).unwrap();
    // b's signature, but over other text.
    let other = note::sign_note("other\n", &[&b]).unwrap();
    let forged = format!("{signed}{}", other.lines().last().unwrap());
    let forged = format!("{forged}\n");
    // Without b's key, b's line is unknown and a's signature suffices.
    assert!(note::verify_note(forged.as_bytes(), &[a.verifier_key()]).is_ok());
    // With it, the bad signature rejects the whole note.
    assert_eq!(
        note::verify_note(forged.as_bytes(), &[a.verifier_key(), b.verifier_key()]).unwrap_err(),
        NoteError::InvalidSignature {
            name: "b.example".into(),
            key_id: b.key_id()
        }
    );
}

#[test]
fn a_known_signature_of_the_wrong_length_does_not_verify() {
    let a = signer("a.example", 1);
    let line = NoteSignature {
        name: "a.example".into(),
        key_id: a.key_id(),
        signature: vec![0; 63],
    };
    let forged = format!("{TEXT}\n{}", line.to_line());
    assert!(matches!(
        note::verify_note(forged.as_bytes(), &[a.verifier_key()]),
        Err(NoteError::InvalidSignature { .. })
    ));
}

#[test]
fn identical_repeated_lines_are_reported_once() {
    let a = signer("a.example", 1);
    let signed = note::sign_note(TEXT, &[&a, &a]).unwrap();
    assert_eq!(
        Note::parse(signed.as_bytes()).unwrap().signatures().len(),
        2
    );
    let verified = note::verify_note(signed.as_bytes(), &[a.verifier_key()]).unwrap();
    assert_eq!(verified.verified.len(), 1);
}

fn hex32(hex: &str) -> [u8; 32] {
    let bytes: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    bytes.try_into().expect("32 bytes")
}

#[test]
fn two_different_keys_with_one_name_and_id_are_ambiguous() {
    // A 32-bit key ID collision for the name "twin.example", found by a
    // birthday search in Python (hashlib) over SHA-256("candidate <i>") values
    // that decode as Ed25519 points.
    let a = VerifierKey::new(
        "twin.example",
        KeyType::Ed25519,
        hex32("007634b5eeb2268ea26d93b95bc7212e5509a0cde132bf4718f9c3172c446a6c"),
    )
    .unwrap();
    let b = VerifierKey::new(
        "twin.example",
        KeyType::Ed25519,
        hex32("5cc967f029b1a3b424458b781b6d378115b27be5c5fa52689290362a78217017"),
    )
    .unwrap();
    assert_eq!(a.key_id(), 0xac22bdee);
    assert_eq!(b.key_id(), 0xac22bdee);
    assert_ne!(a, b);
    let other = signer("other.example", 1);
    let signed = note::sign_note(TEXT, &[&other]).unwrap();
    assert_eq!(
        note::verify_note(signed.as_bytes(), &[other.verifier_key(), a.clone(), b]).unwrap_err(),
        NoteError::AmbiguousVerifierKeys {
            name: "twin.example".into(),
            key_id: 0xac22bdee
        }
    );
    // Listing the same key twice is harmless.
    assert!(note::verify_note(signed.as_bytes(), &[other.verifier_key(), a.clone(), a]).is_ok());
}

#[test]
fn one_name_may_hold_keys_of_both_types() {
    // Same name and seed, different type: different key IDs, no ambiguity.
    let a = signer("a.example", 1);
    let cosigner = SignerKey::from_seed("a.example", KeyType::Cosignature, [1; 32]).unwrap();
    assert_ne!(a.key_id(), cosigner.key_id());
    let signed = note::sign_note(TEXT, &[&a]).unwrap();
    let verified = note::verify_note(
        signed.as_bytes(),
        &[a.verifier_key(), cosigner.verifier_key()],
    )
    .unwrap();
    assert_eq!(verified.verified.len(), 1);
    assert_eq!(verified.verified[0].key_type, KeyType::Ed25519);
}

#[test]
fn signing_needs_note_text_and_ed25519_keys() {
    let a = signer("a.example", 1);
    assert_eq!(
        note::sign_note("", &[&a]).unwrap_err(),
        NoteError::InvalidText
    );
    assert_eq!(
        note::sign_note("no newline", &[&a]).unwrap_err(),
        NoteError::InvalidText
    );
    let witness = SignerKey::from_seed("w.example", KeyType::Cosignature, [2; 32]).unwrap();
    assert!(matches!(
        note::sign_note(TEXT, &[&witness]).unwrap_err(),
        NoteError::WrongKeyType {
            key_type: KeyType::Cosignature,
            ..
        }
    ));
}

#[test]
fn key_names_are_checked() {
    for bad in [
        "",
        "a b",
        "a+b",
        "a\u{a0}b",
        "a\u{2003}b",
        "a\tb",
        "a\nb",
        "a\u{1}b",
    ] {
        assert!(
            matches!(
                SignerKey::from_seed(bad, KeyType::Ed25519, [0; 32]),
                Err(NoteError::InvalidKeyName(_))
            ),
            "{bad:?}"
        );
        assert!(
            VerifierKey::new(
                bad,
                KeyType::Ed25519,
                *signer("x", 1).verifier_key().public_key()
            )
            .is_err()
        );
    }
    assert!(SignerKey::from_seed("example.com/log\u{e9}", KeyType::Ed25519, [0; 32]).is_ok());
}

#[test]
fn signer_keys_never_show_their_seed() {
    let seed = [0x5a; 32];
    let key = SignerKey::from_seed("secret.example", KeyType::Ed25519, seed).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("secret.example"), "{debug}");
    let private = key.to_private_string();
    let seed_b64 = private.rsplit('+').next().unwrap();
    assert!(!debug.contains(seed_b64), "{debug}");
    assert!(!debug.contains("90, 90"), "{debug}");
    assert!(!debug.to_lowercase().contains("5a5a"), "{debug}");
    // Errors about a signer key do not echo it either.
    let mut wrong_id = private.clone();
    wrong_id.replace_range(27..35, "00000000");
    let error = SignerKey::parse(&wrong_id).unwrap_err();
    assert!(matches!(error, NoteError::KeyIdMismatch { .. }));
    assert!(!error.to_string().contains(seed_b64));
}

#[test]
fn signer_keys_round_trip_and_reject_malformed_strings() {
    for key_type in [KeyType::Ed25519, KeyType::Cosignature] {
        let key = SignerKey::from_seed("log.example", key_type, [9; 32]).unwrap();
        let again = SignerKey::parse(&key.to_private_string()).unwrap();
        assert_eq!(again.verifier_key(), key.verifier_key());
        assert_eq!(again.key_type(), key_type);
        let vkey = key.verifier_key().to_string();
        assert_eq!(vkey.parse::<VerifierKey>().unwrap(), key.verifier_key());
    }
    let private = signer("log.example", 9).to_private_string();
    let public_part = private.strip_prefix("PRIVATE+KEY+").unwrap();
    assert!(SignerKey::parse(public_part).is_err());
    assert!(SignerKey::parse(&private.replace("PRIVATE+KEY", "private+key")).is_err());
    assert!(SignerKey::parse(&private[..private.len() - 4]).is_err());
    assert!(SignerKey::parse("PRIVATE+KEY+log.example+00000000").is_err());
    // A vkey is not a signer key and vice versa.
    assert!(private.parse::<VerifierKey>().is_err());
}

#[test]
fn note_parse_and_to_bytes_round_trip() {
    let a = signer("a.example", 1);
    let b = signer("b.example", 2);
    let signed = note::sign_note("x\n\ny\n", &[&a, &b]).unwrap();
    let parsed = Note::parse(signed.as_bytes()).unwrap();
    assert_eq!(parsed.text(), "x\n\ny\n");
    assert_eq!(parsed.signatures().len(), 2);
    assert_eq!(parsed.signatures()[1].name, "b.example");
    assert_eq!(parsed.signatures()[1].signature.len(), 64);
    assert_eq!(parsed.to_bytes(), signed.as_bytes());
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_valid_text_signs_verifies_and_round_trips(
            lines in proptest::collection::vec("[^\\x00-\\x1f]{0,20}", 1..6),
            seed in any::<[u8; 32]>(),
        ) {
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            let key = SignerKey::from_seed("prop.example", KeyType::Ed25519, seed).unwrap();
            let signed = note::sign_note(&text, &[&key]).unwrap();
            let verified = note::verify_note(signed.as_bytes(), &[key.verifier_key()]).unwrap();
            prop_assert_eq!(&verified.text, &text);
            prop_assert_eq!(Note::parse(signed.as_bytes()).unwrap().to_bytes(), signed.into_bytes());
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let key = SignerKey::from_seed("prop.example", KeyType::Ed25519, [1; 32]).unwrap();
            let _ = note::verify_note(&bytes, &[key.verifier_key()]);
            if let Ok(note) = Note::parse(&bytes) {
                prop_assert_eq!(Note::parse(&note.to_bytes()).unwrap(), note);
            }
        }
    }
}
