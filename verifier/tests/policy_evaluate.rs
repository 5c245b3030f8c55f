//! Evaluating checkpoints against a trust policy: log signature, origin,
//! witness quorum and the witnessed (quorum) time.

use verifier::checkpoint::{self, Checkpoint};
use verifier::cosignature;
use verifier::note::{self, KeyType, NoteSignature, SignerKey};
use verifier::policy::{Policy, PolicyError, TrustedCheckpoint, WitnessCosignature};

const ORIGIN: &str = "example.com/log";

fn log_signer() -> SignerKey {
    SignerKey::from_seed(ORIGIN, KeyType::Ed25519, [1; 32]).expect("log key")
}

/// Witnesses a, b, c (policy names witness-a..c).
fn witness(name: char) -> SignerKey {
    SignerKey::from_seed(
        &format!("{name}.witness.example"),
        KeyType::Cosignature,
        [name as u8; 32],
    )
    .expect("witness key")
}

fn policy(quorum: usize) -> Policy {
    let mut builder = Policy::builder(log_signer().verifier_key());
    for name in ['a', 'b', 'c'] {
        builder = builder.witness(format!("witness-{name}"), witness(name).verifier_key());
    }
    builder.quorum(quorum).build().expect("test policy")
}

fn checkpoint() -> Checkpoint {
    Checkpoint {
        origin: ORIGIN.into(),
        size: 10,
        root: [7; 32],
        extensions: vec![],
    }
}

/// The log-signed checkpoint with cosignatures by `(witness, timestamp)`.
fn cosigned(by: &[(char, u64)]) -> String {
    let cp = checkpoint();
    let signed = checkpoint::sign_checkpoint(&cp, &log_signer()).expect("sign");
    let lines: Vec<NoteSignature> = by
        .iter()
        .map(|&(w, t)| cosignature::cosign(&witness(w), &cp.to_text(), t).expect("cosign"))
        .collect();
    cosignature::add_signatures(&signed, &lines).expect("append")
}

fn cosignatures(trusted: &TrustedCheckpoint) -> Vec<(String, u64)> {
    trusted
        .cosignatures
        .iter()
        .map(|WitnessCosignature { witness, timestamp }| (witness.clone(), *timestamp))
        .collect()
}

#[test]
fn quorum_met_gives_a_trusted_checkpoint_with_its_quorum_time() {
    let note = cosigned(&[('c', 300), ('a', 100), ('b', 200)]);
    let trusted = policy(2).evaluate(note.as_bytes()).unwrap();
    assert_eq!(trusted.checkpoint, checkpoint());
    assert_eq!(trusted.note, note);
    assert_eq!(
        cosignatures(&trusted),
        [
            ("witness-a".into(), 100),
            ("witness-b".into(), 200),
            ("witness-c".into(), 300)
        ]
    );
    // k = 2: the second smallest timestamp.
    assert_eq!(trusted.quorum_time, Some(200));
    assert_eq!(
        policy(1).evaluate(note.as_bytes()).unwrap().quorum_time,
        Some(100)
    );
    assert_eq!(
        policy(3).evaluate(note.as_bytes()).unwrap().quorum_time,
        Some(300)
    );
    assert_eq!(
        policy(0).evaluate(note.as_bytes()).unwrap().quorum_time,
        None
    );
}

#[test]
fn quorum_not_met_names_who_cosigned_and_who_is_missing() {
    let note = cosigned(&[('a', 100)]);
    let error = policy(2).evaluate(note.as_bytes()).unwrap_err();
    assert_eq!(
        error,
        PolicyError::QuorumNotMet {
            required: 2,
            cosigned: vec!["witness-a".into()],
            missing: vec!["witness-b".into(), "witness-c".into()],
        }
    );
    assert_eq!(
        error.to_string(),
        "only 1 of the required 2 witnesses cosigned (witness-a); missing: witness-b, witness-c"
    );
    let bare = cosigned(&[]);
    assert_eq!(
        policy(1).evaluate(bare.as_bytes()).unwrap_err().to_string(),
        "only 0 of the required 1 witnesses cosigned (none); missing: witness-a, witness-b, witness-c"
    );
    // Quorum 0: the log signature alone is enough.
    assert!(policy(0).evaluate(bare.as_bytes()).is_ok());
}

#[test]
fn a_witness_cosigning_twice_counts_once_with_its_earliest_time() {
    let note = cosigned(&[('a', 500), ('a', 100), ('a', 300)]);
    assert!(matches!(
        policy(2).evaluate(note.as_bytes()),
        Err(PolicyError::QuorumNotMet { ref cosigned, .. }) if cosigned == &["witness-a".to_string()]
    ));
    let trusted = policy(1).evaluate(note.as_bytes()).unwrap();
    assert_eq!(cosignatures(&trusted), [("witness-a".into(), 100)]);
    assert_eq!(trusted.quorum_time, Some(100));
}

#[test]
fn unlisted_witnesses_are_ignored() {
    let cp = checkpoint();
    let stranger =
        SignerKey::from_seed("stranger.example", KeyType::Cosignature, [99; 32]).unwrap();
    let line = cosignature::cosign(&stranger, &cp.to_text(), 1).unwrap();
    let note = cosignature::add_signatures(&cosigned(&[('a', 50)]), &[line]).unwrap();
    assert!(matches!(
        policy(2).evaluate(note.as_bytes()),
        Err(PolicyError::QuorumNotMet { .. })
    ));
    let trusted = policy(1).evaluate(note.as_bytes()).unwrap();
    assert_eq!(cosignatures(&trusted), [("witness-a".into(), 50)]);
    // Even a garbage signature from an unlisted key is ignored.
    let junk = NoteSignature {
        name: "junk.example".into(),
        key_id: 1,
        signature: vec![0; 72],
    };
    let note = cosignature::add_signatures(&note, &[junk]).unwrap();
    assert!(policy(1).evaluate(note.as_bytes()).is_ok());
}

#[test]
fn a_bad_cosignature_from_a_listed_witness_rejects() {
    let good = cosigned(&[('a', 100), ('b', 200), ('c', 300)]);
    // Replace b's line with one whose timestamp was altered.
    let b_line = good
        .lines()
        .find(|l| l.contains("b.witness.example"))
        .unwrap();
    let parsed = note::Note::parse(format!("x\n\n{b_line}\n").as_bytes()).unwrap();
    let mut forged = parsed.signatures()[0].clone();
    forged.signature[7] ^= 1;
    let note = good.replace(&format!("{b_line}\n"), &forged.to_line());
    let error = policy(1).evaluate(note.as_bytes()).unwrap_err();
    assert!(
        matches!(error, PolicyError::CosignatureInvalid { ref witness, .. } if witness == "witness-b"),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("witness-b's cosignature does not verify"),
        "{error}"
    );
}

#[test]
fn the_log_signature_is_required() {
    let cp = checkpoint();
    // Only witnesses signed: the note verifies for them, but not for the log.
    let w: Vec<NoteSignature> = ['a', 'b']
        .iter()
        .map(|&n| cosignature::cosign(&witness(n), &cp.to_text(), 1).unwrap())
        .collect();
    let only_witnesses = format!("{}\n{}{}", cp.to_text(), w[0].to_line(), w[1].to_line());
    let error = policy(1).evaluate(only_witnesses.as_bytes()).unwrap_err();
    assert_eq!(error, PolicyError::LogSignatureMissing(ORIGIN.into()));
    assert_eq!(
        error.to_string(),
        "the log signature of example.com/log is missing"
    );

    // Nobody known signed at all.
    let stranger = SignerKey::from_seed("stranger.example", KeyType::Ed25519, [5; 32]).unwrap();
    let foreign = note::sign_note(&cp.to_text(), &[&stranger]).unwrap();
    assert_eq!(
        policy(0).evaluate(foreign.as_bytes()).unwrap_err(),
        PolicyError::LogSignatureMissing(ORIGIN.into())
    );
}

#[test]
fn an_invalid_log_signature_rejects() {
    let note = cosigned(&[('a', 1), ('b', 2)]);
    // Change the size in the text: every signature is now over other text.
    let tampered = note.replacen("\n10\n", "\n11\n", 1);
    assert_eq!(
        policy(1).evaluate(tampered.as_bytes()).unwrap_err(),
        PolicyError::LogSignatureInvalid(ORIGIN.into())
    );
    assert_eq!(
        PolicyError::LogSignatureInvalid(ORIGIN.into()).to_string(),
        "the log signature of example.com/log does not verify"
    );
}

#[test]
fn the_origin_must_be_the_log_key_name() {
    // The log key signs a checkpoint for another origin (sign_checkpoint
    // refuses, so sign the text directly).
    let mut cp = checkpoint();
    cp.origin = "example.com/other-log".into();
    let signed = note::sign_note(&cp.to_text(), &[&log_signer()]).unwrap();
    let line = cosignature::cosign(&witness('a'), &cp.to_text(), 1).unwrap();
    let note = cosignature::add_signatures(&signed, &[line]).unwrap();
    let error = policy(1).evaluate(note.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "checkpoint origin example.com/other-log does not match the log key name example.com/log"
    );
}

#[test]
fn notes_that_are_not_checkpoints_are_rejected() {
    let not_a_checkpoint = note::sign_note("hello\n", &[&log_signer()]).unwrap();
    assert!(matches!(
        policy(0).evaluate(not_a_checkpoint.as_bytes()),
        Err(PolicyError::Checkpoint(_))
    ));
    assert!(matches!(
        policy(0).evaluate(b"garbage"),
        Err(PolicyError::Note(_))
    ));
}

#[test]
fn a_parsed_policy_evaluates_like_a_built_one() {
    let text = policy(2).to_text();
    let parsed = Policy::parse(&text).unwrap();
    let note = cosigned(&[('b', 20), ('c', 10)]);
    assert_eq!(
        parsed.evaluate(note.as_bytes()),
        policy(2).evaluate(note.as_bytes())
    );
    assert_eq!(
        parsed.evaluate(note.as_bytes()).unwrap().quorum_time,
        Some(20)
    );
}

#[test]
fn tesseras_real_checkpoint_with_independent_cosignatures_is_trusted() {
    // Vectors from checkpoint_cosignature.rs: made with Python/OpenSSL.
    let note = format!(
        "{}{}{}",
        include_str!("data/tessera-log/checkpoint"),
        "\u{2014} witness.example/w1 519lMgAAAAAAAATSNpqe+F1OxesIv6YEqNJZaMi4kwk2OYmlLzUrsg1fh/hC7v+fUf2GqxkHUJ3t7GISoicbxxBqVSegtBl5Fx9RDQ==\n",
        "\u{2014} witness.example/w2 N+9zOgAAAABlU/EAsVGd3FSgUkpGR6dWUvJpkGPj5ExBlOn210sr7OulX5E6qhqY+lCagR8Ac2PcE2VIbD/eGjo/CoCoWk/KgIF5Aw==\n",
    );
    let text = "log example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx\n\
                witness w1 witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4\n\
                witness w2 witness.example/w2+37ef733a+BCnlgzqRWmQppOOnlIR1wzjvQ264K+ickvBZcEQD251V\n\
                quorum 2\n";
    let trusted = Policy::parse(text)
        .unwrap()
        .evaluate(note.as_bytes())
        .unwrap();
    assert_eq!(trusted.checkpoint.size, 15);
    assert_eq!(trusted.quorum_time, Some(1_700_000_000));
}
