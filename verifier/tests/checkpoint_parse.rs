//! Strict checkpoint parsing (C2SP tlog-checkpoint v1.0.0) and signing.

use verifier::checkpoint::{self, Checkpoint, CheckpointError};
use verifier::note::{KeyType, SignerKey};

/// The tlog-checkpoint spec's example body.
const SPEC_EXAMPLE: &str =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const ROOT: &str = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";

fn body(size: &str, root: &str) -> String {
    format!("example.com/log\n{size}\n{root}\n")
}

#[test]
fn the_spec_example_parses() {
    let checkpoint = Checkpoint::parse(SPEC_EXAMPLE).unwrap();
    assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
    assert_eq!(checkpoint.size, 20852163);
    assert_eq!(checkpoint.root[..3], [0x0a, 0xc5, 0x18]);
    assert!(checkpoint.extensions.is_empty());
    assert_eq!(checkpoint.to_text(), SPEC_EXAMPLE);
}

#[test]
fn extension_lines_are_kept_verbatim() {
    let text = format!("{SPEC_EXAMPLE}ext one\n\u{2014} not a signature\n");
    let checkpoint = Checkpoint::parse(&text).unwrap();
    assert_eq!(
        checkpoint.extensions,
        vec![
            "ext one".to_string(),
            "\u{2014} not a signature".to_string()
        ]
    );
    assert_eq!(checkpoint.to_text(), text);
}

#[test]
fn tree_sizes_are_canonical_u64_decimals() {
    assert_eq!(Checkpoint::parse(&body("0", ROOT)).unwrap().size, 0);
    assert_eq!(
        Checkpoint::parse(&body("18446744073709551615", ROOT))
            .unwrap()
            .size,
        u64::MAX
    );
    for (size, problem) in [
        ("012", "has a leading zero"),
        ("00", "has a leading zero"),
        ("+12", "is not a decimal number (digits only, no sign)"),
        ("-1", "is not a decimal number (digits only, no sign)"),
        ("1_000", "is not a decimal number (digits only, no sign)"),
        (" 12", "is not a decimal number (digits only, no sign)"),
        ("0x10", "is not a decimal number (digits only, no sign)"),
        ("\u{661}", "is not a decimal number (digits only, no sign)"),
        ("18446744073709551616", "does not fit in 64 bits"),
        ("99999999999999999999999", "does not fit in 64 bits"),
        ("", "is empty"),
    ] {
        let error = Checkpoint::parse(&body(size, ROOT)).unwrap_err();
        assert_eq!(
            error,
            CheckpointError::TreeSize {
                value: size.to_string(),
                problem
            },
            "{size:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with("checkpoint line 2: tree size"),
            "{error}"
        );
    }
    assert_eq!(
        Checkpoint::parse(&body("012", ROOT))
            .unwrap_err()
            .to_string(),
        "checkpoint line 2: tree size \"012\" has a leading zero"
    );
}

#[test]
fn root_hashes_are_canonical_base64_of_32_bytes() {
    // 'I' = 8 = 0b001000; the last character before '=' carries 2 unused bits.
    let non_canonical = ROOT.replace("2I=", "2J=");
    let short = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==";
    let long = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2IA";
    let url_safe = ROOT.replace('/', "_");
    let unpadded = ROOT.trim_end_matches('=');
    for (root, problem) in [
        (non_canonical.as_str(), "is not canonical standard base64"),
        (url_safe.as_str(), "is not canonical standard base64"),
        (unpadded, "is not canonical standard base64"),
        ("", "is not 32 bytes long"),
        (short, "is not 32 bytes long"),
        (long, "is not 32 bytes long"),
        ("not base64!", "is not canonical standard base64"),
    ] {
        assert_eq!(
            Checkpoint::parse(&body("1", root)).unwrap_err(),
            CheckpointError::RootHash {
                value: root.to_string(),
                problem
            },
            "{root:?}"
        );
    }
}

#[test]
fn structural_errors_are_named() {
    assert_eq!(
        Checkpoint::parse(SPEC_EXAMPLE.trim_end()).unwrap_err(),
        CheckpointError::MissingFinalNewline
    );
    assert_eq!(
        Checkpoint::parse(&format!("\n1\n{ROOT}\n")).unwrap_err(),
        CheckpointError::EmptyOrigin
    );
    assert_eq!(
        Checkpoint::parse(&format!("{SPEC_EXAMPLE}ext\n\n")).unwrap_err(),
        CheckpointError::EmptyExtension(5)
    );
    assert_eq!(
        Checkpoint::parse(&format!("{SPEC_EXAMPLE}\n")).unwrap_err(),
        CheckpointError::EmptyExtension(4)
    );
    assert_eq!(
        Checkpoint::parse("example.com/log\n1\n").unwrap_err(),
        CheckpointError::TooFewLines(2)
    );
    assert_eq!(
        Checkpoint::parse("").unwrap_err(),
        CheckpointError::MissingFinalNewline
    );
    assert_eq!(
        Checkpoint::parse(&format!("example.com/log\r\n1\n{ROOT}\n")).unwrap_err(),
        CheckpointError::ControlCharacter {
            line: 1,
            byte: b'\r'
        }
    );
}

#[test]
fn signing_a_checkpoint_produces_a_note_that_verifies() {
    let key = SignerKey::from_seed("example.com/log", KeyType::Ed25519, [4; 32]).unwrap();
    let checkpoint = Checkpoint {
        origin: "example.com/log".into(),
        size: 42,
        root: [0x11; 32],
        extensions: vec!["extension".into()],
    };
    let signed = checkpoint::sign_checkpoint(&checkpoint, &key).unwrap();
    assert!(signed.starts_with(&format!(
        "{}\n\u{2014} example.com/log ",
        checkpoint.to_text()
    )));
    let (opened, _) =
        checkpoint::verify_checkpoint(signed.as_bytes(), &key.verifier_key()).unwrap();
    assert_eq!(opened, checkpoint);
}

#[test]
fn invalid_checkpoints_are_not_signed() {
    let key = SignerKey::from_seed("example.com/log", KeyType::Ed25519, [4; 32]).unwrap();
    let mut checkpoint = Checkpoint {
        origin: "example.com/log".into(),
        size: 1,
        root: [0; 32],
        extensions: vec!["a\nb".into()],
    };
    assert!(matches!(
        checkpoint::sign_checkpoint(&checkpoint, &key),
        Err(CheckpointError::MultilineExtension(_))
    ));
    checkpoint.extensions = vec![String::new()];
    assert_eq!(
        checkpoint::sign_checkpoint(&checkpoint, &key).unwrap_err(),
        CheckpointError::EmptyExtension(4)
    );
    checkpoint.extensions.clear();
    let witness = SignerKey::from_seed("example.com/log", KeyType::Cosignature, [4; 32]).unwrap();
    assert!(matches!(
        checkpoint::sign_checkpoint(&checkpoint, &witness),
        Err(CheckpointError::Note(_))
    ));
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn checkpoints_round_trip_through_text(
            origin in "[^\\x00-\\x1f]{1,30}",
            size in any::<u64>(),
            root in any::<[u8; 32]>(),
            extensions in proptest::collection::vec("[^\\x00-\\x1f]{1,20}", 0..3),
        ) {
            let checkpoint = Checkpoint { origin, size, root, extensions };
            prop_assert_eq!(Checkpoint::parse(&checkpoint.to_text()).unwrap(), checkpoint);
        }

        #[test]
        fn parsing_any_text_never_panics_and_is_exact(text in "[0-9A-Za-z/+=\\n ]{0,80}") {
            if let Ok(checkpoint) = Checkpoint::parse(&text) {
                prop_assert_eq!(checkpoint.to_text(), text);
            }
        }
    }
}
