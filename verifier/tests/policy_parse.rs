//! Trust policy files: syntax, rules, errors with line numbers, round trips.

use verifier::note::{KeyType, NoteError, SignerKey, VerifierKey};
use verifier::policy::{Policy, PolicyError, PolicyProblem};

fn log_vkey() -> VerifierKey {
    SignerKey::from_seed("example.com/log", KeyType::Ed25519, [1; 32])
        .expect("log key")
        .verifier_key()
}

fn witness_vkey(i: u8) -> VerifierKey {
    SignerKey::from_seed(&format!("w{i}.example"), KeyType::Cosignature, [10 + i; 32])
        .expect("witness key")
        .verifier_key()
}

fn good_policy_text() -> String {
    format!(
        "# Trial Ledger test policy\n\
         \n\
         log {}\n\
         witness ethics {}\n\
         \twitness   journal\t{}  \n\
         witness regulator {}\n\
         # two of three\n\
         quorum 2\n",
        log_vkey(),
        witness_vkey(1),
        witness_vkey(2),
        witness_vkey(3)
    )
}

/// The error for a policy whose line `n` (1-based) is replaced by `line`.
fn error_with_line(n: usize, line: &str) -> PolicyError {
    let text = good_policy_text();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[n - 1] = line.to_string();
    Policy::parse(&lines.join("\n")).expect_err("the altered policy must be rejected")
}

#[test]
fn a_valid_policy_parses() {
    let policy = Policy::parse(&good_policy_text()).unwrap();
    assert_eq!(policy.origin(), "example.com/log");
    assert_eq!(policy.log_key(), &log_vkey());
    assert_eq!(policy.quorum(), 2);
    let names: Vec<&str> = policy.witnesses().iter().map(|w| w.name()).collect();
    assert_eq!(names, ["ethics", "journal", "regulator"]);
    assert_eq!(policy.witnesses()[1].key(), &witness_vkey(2));
}

#[test]
fn to_text_round_trips() {
    let policy = Policy::parse(&good_policy_text()).unwrap();
    let text = policy.to_text();
    assert_eq!(
        text,
        format!(
            "log {}\nwitness ethics {}\nwitness journal {}\nwitness regulator {}\nquorum 2\n",
            log_vkey(),
            witness_vkey(1),
            witness_vkey(2),
            witness_vkey(3)
        )
    );
    assert_eq!(Policy::parse(&text).unwrap(), policy);
}

#[test]
fn the_builder_makes_the_same_policy() {
    let built = Policy::builder(log_vkey())
        .witness("ethics", witness_vkey(1))
        .witness("journal", witness_vkey(2))
        .witness("regulator", witness_vkey(3))
        .quorum(2)
        .build()
        .unwrap();
    assert_eq!(built, Policy::parse(&good_policy_text()).unwrap());
}

#[test]
fn errors_name_the_line() {
    let line = |n: usize, problem: PolicyProblem| PolicyError::Line { line: n, problem };
    assert_eq!(
        error_with_line(4, "witnes ethics x"),
        line(4, PolicyProblem::UnknownKeyword("witnes".into()))
    );
    assert_eq!(
        error_with_line(4, "witness ethics"),
        line(4, PolicyProblem::Arguments("witness <name> <vkey>"))
    );
    assert_eq!(
        error_with_line(8, "quorum 2 3"),
        line(8, PolicyProblem::Arguments("quorum <k>"))
    );
    assert_eq!(
        error_with_line(3, "log"),
        line(3, PolicyProblem::Arguments("log <vkey>"))
    );
    assert_eq!(
        error_with_line(8, "quorum 02"),
        line(8, PolicyProblem::BadQuorum("02".into()))
    );
    assert_eq!(
        error_with_line(8, "quorum -1"),
        line(8, PolicyProblem::BadQuorum("-1".into()))
    );
    assert_eq!(
        error_with_line(8, "quorum +1"),
        line(8, PolicyProblem::BadQuorum("+1".into()))
    );
    assert_eq!(
        error_with_line(8, "quorum two"),
        line(8, PolicyProblem::BadQuorum("two".into()))
    );
    assert_eq!(
        error_with_line(8, "quorum 4"),
        line(
            8,
            PolicyProblem::QuorumTooLarge {
                quorum: 4,
                witnesses: 3
            }
        )
    );
    assert_eq!(
        error_with_line(7, &format!("log {}", log_vkey())),
        line(7, PolicyProblem::SecondLog)
    );
    assert_eq!(
        error_with_line(7, "quorum 1"),
        line(8, PolicyProblem::SecondQuorum)
    );
    assert_eq!(
        error_with_line(6, &format!("witness ethics {}", witness_vkey(4))),
        line(6, PolicyProblem::DuplicateWitnessName("ethics".into()))
    );
    let same_key = SignerKey::from_seed("renamed.example", KeyType::Cosignature, [11; 32]).unwrap();
    assert_eq!(
        error_with_line(6, &format!("witness other {}", same_key.verifier_key())),
        line(
            6,
            PolicyProblem::DuplicateWitnessKey {
                first: "ethics".into(),
                second: "other".into()
            }
        )
    );
    assert_eq!(
        error_with_line(6, &format!("witness other {}", log_vkey())),
        line(
            6,
            PolicyProblem::WitnessKeyType {
                name: "other".into(),
                key_type: KeyType::Ed25519
            }
        )
    );
    assert_eq!(
        error_with_line(3, &format!("log {}", witness_vkey(4))),
        line(3, PolicyProblem::LogKeyType(KeyType::Cosignature))
    );
    let bad_id = log_vkey().to_string().replacen('+', "+0", 1);
    let error = error_with_line(3, &format!("log {bad_id}"));
    assert!(
        matches!(
            error,
            PolicyError::Line {
                line: 3,
                problem: PolicyProblem::Key(NoteError::MalformedVerifierKey(_))
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("policy line 3: invalid verifier key: "),
        "{error}"
    );
}

#[test]
fn error_messages_read_well() {
    assert_eq!(
        error_with_line(8, "quorum 4").to_string(),
        "policy line 8: quorum 4 exceeds the number of listed witnesses (3)"
    );
    assert_eq!(
        error_with_line(4, "witnes ethics x").to_string(),
        "policy line 4: unknown keyword \"witnes\" (expected log, witness or quorum)"
    );
}

#[test]
fn a_log_line_and_a_quorum_line_are_required() {
    assert_eq!(
        Policy::parse("# nothing\n").unwrap_err(),
        PolicyError::Invalid(PolicyProblem::MissingLog)
    );
    assert_eq!(
        Policy::parse(&format!("log {}\n", log_vkey())).unwrap_err(),
        PolicyError::Invalid(PolicyProblem::MissingQuorum)
    );
    let no_witnesses = Policy::parse(&format!("log {}\nquorum 0\n", log_vkey())).unwrap();
    assert!(no_witnesses.witnesses().is_empty());
    assert_eq!(no_witnesses.quorum(), 0);
}

#[test]
fn the_builder_applies_the_same_rules() {
    assert_eq!(
        Policy::builder(log_vkey())
            .witness("a", witness_vkey(1))
            .quorum(2)
            .build()
            .unwrap_err(),
        PolicyError::Invalid(PolicyProblem::QuorumTooLarge {
            quorum: 2,
            witnesses: 1
        })
    );
    assert_eq!(
        Policy::builder(log_vkey()).build().unwrap_err(),
        PolicyError::Invalid(PolicyProblem::MissingQuorum)
    );
    assert_eq!(
        Policy::builder(witness_vkey(1))
            .quorum(0)
            .build()
            .unwrap_err(),
        PolicyError::Invalid(PolicyProblem::LogKeyType(KeyType::Cosignature))
    );
    for bad in ["", "two words", "tab\tbed", "new\nline"] {
        assert_eq!(
            Policy::builder(log_vkey())
                .witness(bad, witness_vkey(1))
                .quorum(1)
                .build()
                .unwrap_err(),
            PolicyError::Invalid(PolicyProblem::InvalidWitnessName(bad.into()))
        );
    }
    assert!(matches!(
        Policy::builder(log_vkey())
            .witness("a", witness_vkey(1))
            .witness("a", witness_vkey(2))
            .quorum(1)
            .build(),
        Err(PolicyError::Invalid(PolicyProblem::DuplicateWitnessName(_)))
    ));
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn built_policies_round_trip_through_text(
            names in proptest::collection::btree_set("[a-z][a-z0-9.-]{0,10}", 0..5),
            quorum_seed in any::<usize>(),
        ) {
            let mut builder = Policy::builder(log_vkey());
            for (i, name) in names.iter().enumerate() {
                builder = builder.witness(name.clone(), witness_vkey(i as u8));
            }
            let quorum = quorum_seed % (names.len() + 1);
            let policy = builder.quorum(quorum).build().unwrap();
            prop_assert_eq!(Policy::parse(&policy.to_text()).unwrap(), policy);
        }

        #[test]
        fn parsing_any_text_never_panics(text in "(log|witness|quorum|#| |[a-z0-9+/=]|\\n){0,60}") {
            if let Ok(policy) = Policy::parse(&text) {
                prop_assert_eq!(Policy::parse(&policy.to_text()).unwrap(), policy);
            }
        }
    }
}
