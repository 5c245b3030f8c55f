//! Every entry rule is enforced, and the error names the field or the check.

mod entries_common;

use entries_common::{Example, assert_invalid, remove, resign, set, sign, statement};
use serde_json::{Value, json};
use verifier::dsse::{DsseError, Envelope, EnvelopeSignature, IN_TOTO_PAYLOAD_TYPE, keyid};
use verifier::entry::{Entry, EntryError, MAX_ENTRY_SIZE, encode_signer_key};
use verifier::fixtures;
use verifier::predicate::{ConsentEvent, PredicateKind};
use verifier::validate::{MAX_TITLE_LEN, Problem};

fn sponsor() -> ed25519_dalek::SigningKey {
    fixtures::sponsor_key()
}

/// The registration with one change, re-signed by the sponsor.
fn registration_with(change: impl FnOnce(&mut Value)) -> Vec<u8> {
    resign(Example::new().registration(), &sponsor(), change)
}

fn empty(p: &Problem) -> bool {
    *p == Problem::Empty
}

#[test]
fn required_strings_must_not_be_empty_or_blank() {
    for (pointer, path) in [
        ("/predicate/trial/public_title", "trial.public_title"),
        (
            "/predicate/trial/scientific_title",
            "trial.scientific_title",
        ),
        ("/predicate/trial/primary_sponsor", "trial.primary_sponsor"),
        (
            "/predicate/trial/public_contact/name",
            "trial.public_contact.name",
        ),
        ("/predicate/trial/conditions/1", "trial.conditions[1]"),
        (
            "/predicate/trial/interventions/0/name",
            "trial.interventions[0].name",
        ),
        (
            "/predicate/trial/eligibility/inclusion_criteria",
            "trial.eligibility.inclusion_criteria",
        ),
        (
            "/predicate/trial/primary_outcomes/0/measure",
            "trial.primary_outcomes[0].measure",
        ),
        (
            "/predicate/trial/secondary_outcomes/1/time_frame",
            "trial.secondary_outcomes[1].time_frame",
        ),
        (
            "/predicate/trial/ethics_review/committee/name",
            "trial.ethics_review.committee.name",
        ),
        (
            "/predicate/trial/secondary_ids/0/id",
            "trial.secondary_ids[0].id",
        ),
        ("/predicate/trial/acronym", "trial.acronym"),
        (
            "/predicate/consent_forms/0/options/1/label",
            "consent_forms[0].options[1].label",
        ),
        (
            "/predicate/consent_forms/0/language",
            "consent_forms[0].language",
        ),
    ] {
        for blank in ["", " \n\t"] {
            let entry = registration_with(|s| set(s, pointer, json!(blank)));
            assert_invalid(&entry, path, empty);
        }
    }
}

#[test]
fn titles_and_texts_have_length_limits() {
    let entry = registration_with(|s| {
        set(
            s,
            "/predicate/trial/public_title",
            json!("é".repeat(MAX_TITLE_LEN + 1)),
        )
    });
    assert_invalid(&entry, "trial.public_title", |p| {
        *p == Problem::TooLong {
            len: MAX_TITLE_LEN + 1,
            max: MAX_TITLE_LEN,
        }
    });
    // Exactly at the limit (in characters, not bytes) is fine.
    let entry = registration_with(|s| {
        set(
            s,
            "/predicate/trial/public_title",
            json!("é".repeat(MAX_TITLE_LEN)),
        )
    });
    Entry::parse(&entry).unwrap();
    let entry = registration_with(|s| {
        set(
            s,
            "/predicate/trial/primary_outcomes/0/id",
            json!("x".repeat(101)),
        )
    });
    assert_invalid(&entry, "trial.primary_outcomes[0].id", |p| {
        matches!(p, Problem::TooLong { max: 100, .. })
    });
}

#[test]
fn at_least_one_primary_outcome_condition_and_intervention() {
    let entry = registration_with(|s| set(s, "/predicate/trial/primary_outcomes", json!([])));
    assert_invalid(&entry, "trial.primary_outcomes", |p| {
        *p == Problem::NoneGiven("primary outcome")
    });
    let entry = registration_with(|s| set(s, "/predicate/trial/conditions", json!([])));
    assert_invalid(&entry, "trial.conditions", |p| {
        *p == Problem::NoneGiven("condition")
    });
    let entry = registration_with(|s| set(s, "/predicate/trial/interventions", json!([])));
    assert_invalid(&entry, "trial.interventions", |p| {
        *p == Problem::NoneGiven("intervention")
    });
    // An observational study need not list interventions.
    let entry = registration_with(|s| {
        set(s, "/predicate/trial/interventions", json!([]));
        set(s, "/predicate/trial/study_type", json!("observational"));
    });
    Entry::parse(&entry).unwrap();
}

#[test]
fn outcome_ids_are_unique_across_primary_and_secondary() {
    let entry = registration_with(|s| {
        set(s, "/predicate/trial/secondary_outcomes/1/id", json!("P1"));
    });
    assert_invalid(&entry, "trial.secondary_outcomes[1].id", |p| {
        *p == Problem::Duplicate {
            what: "outcome id",
            value: "P1".into(),
        }
    });
    let err = Entry::parse(&entry).unwrap_err().to_string();
    assert_eq!(
        err,
        "trial.secondary_outcomes[1].id: duplicate outcome id \"P1\""
    );
    let entry = registration_with(|s| {
        let outcomes = s["predicate"]["trial"]["primary_outcomes"]
            .as_array_mut()
            .unwrap();
        let copy = outcomes[0].clone();
        outcomes.push(copy);
    });
    assert_invalid(&entry, "trial.primary_outcomes[1].id", |p| {
        matches!(p, Problem::Duplicate { .. })
    });
}

#[test]
fn target_sample_size_must_be_positive() {
    let entry = registration_with(|s| set(s, "/predicate/trial/target_sample_size", json!(0)));
    assert_invalid(&entry, "trial.target_sample_size", |p| *p == Problem::Zero);
    let entry = registration_with(|s| set(s, "/predicate/trial/target_sample_size", json!(-5)));
    let err = Entry::parse(&entry).unwrap_err();
    assert!(
        matches!(
            err,
            EntryError::Predicate {
                kind: PredicateKind::Registration,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn dates_and_times_must_be_valid() {
    for (pointer, bad) in [
        ("/predicate/trial/date_of_first_enrolment", "2024-02-30"),
        ("/predicate/trial/date_of_first_enrolment", "2024-13"),
        ("/predicate/trial/date_of_first_enrolment", "March 2024"),
        ("/predicate/trial/completion_date", "2025-9-30"),
        ("/predicate/trial/ethics_review/date", "20231120"),
        ("/predicate/created_at", "2024-01-15 10:00:00"),
        ("/predicate/created_at", "2024-01-15T10:00:00"),
        ("/predicate/created_at", "2024-01-15T25:00:00Z"),
    ] {
        let entry = registration_with(|s| set(s, pointer, json!(bad)));
        let err = Entry::parse(&entry).unwrap_err();
        assert!(
            matches!(err, EntryError::Predicate { .. }) && err.to_string().contains(bad),
            "{pointer} = {bad}: {err}"
        );
    }
    let entry = registration_with(|s| {
        set(s, "/predicate/trial/completion_date", json!("2024-02-28"));
    });
    assert_invalid(&entry, "trial.completion_date", |p| {
        matches!(
            p,
            Problem::DateOrder {
                field: "date_of_first_enrolment",
                ..
            }
        )
    });
    // An offset timestamp and a partial completion date are fine.
    let entry = registration_with(|s| {
        set(
            s,
            "/predicate/created_at",
            json!("2024-01-15T11:00:00.123+01:00"),
        );
        set(s, "/predicate/trial/completion_date", json!("2025-09"));
    });
    Entry::parse(&entry).unwrap();
}

#[test]
fn unknown_and_missing_fields_are_errors() {
    let entry = registration_with(|s| {
        s["predicate"]["trial"]["titel"] = json!("typo");
    });
    let err = Entry::parse(&entry).unwrap_err();
    assert!(err.to_string().contains("unknown field `titel`"), "{err}");
    let entry = registration_with(|s| remove(s, "/predicate/trial/public_title"));
    let err = Entry::parse(&entry).unwrap_err();
    assert!(
        err.to_string().contains("missing field `public_title`"),
        "{err}"
    );
    let entry = registration_with(|s| set(s, "/predicate/trial/recruitment_status", json!("open")));
    let err = Entry::parse(&entry).unwrap_err();
    assert!(err.to_string().contains("open"), "{err}");
    let entry = registration_with(|s| s["extra"] = json!(1));
    assert!(matches!(
        Entry::parse(&entry).unwrap_err(),
        EntryError::Predicate { .. } | EntryError::Statement(_)
    ));
}

#[test]
fn consent_forms_name_consent_form_subjects_of_the_entry() {
    let entry = registration_with(|s| {
        set(
            s,
            "/predicate/consent_forms/0/subject",
            json!("missing.pdf"),
        );
    });
    assert_invalid(&entry, "consent_forms[0].subject", |p| {
        *p == Problem::UnknownSubject("missing.pdf".into())
    });
    let entry = registration_with(|s| {
        set(
            s,
            "/predicate/consent_forms/0/subject",
            json!(fixtures::PROTOCOL_V1),
        );
        set(s, "/predicate/consent_forms/0/version", json!("1"));
    });
    assert_invalid(&entry, "consent_forms[0].subject", |p| {
        matches!(
            p,
            Problem::WrongRole {
                expected: "consent-form",
                ..
            }
        )
    });
    let entry = registration_with(|s| set(s, "/predicate/consent_forms/0/version", json!("2")));
    assert_invalid(&entry, "consent_forms[0].version", |p| {
        matches!(p, Problem::VersionMismatch { .. })
    });
    let entry = registration_with(|s| {
        let forms = s["predicate"]["consent_forms"].as_array_mut().unwrap();
        let copy = forms[0].clone();
        forms.push(copy);
    });
    assert_invalid(&entry, "consent_forms[1].subject", |p| {
        matches!(p, Problem::Duplicate { .. })
    });
    let entry = registration_with(|s| {
        set(
            s,
            "/predicate/consent_forms/0/options/2/id",
            json!("participate"),
        );
    });
    assert_invalid(&entry, "consent_forms[0].options[2].id", |p| {
        *p == Problem::Duplicate {
            what: "option id",
            value: "participate".into(),
        }
    });
    let entry = registration_with(|s| set(s, "/predicate/consent_forms/0/options", json!([])));
    assert_invalid(&entry, "consent_forms[0].options", |p| {
        *p == Problem::NoneGiven("option")
    });
}

#[test]
fn subjects_have_unique_names_and_sha256_digests() {
    let entry = registration_with(|s| {
        let upper = s["subject"][0]["digest"]["sha256"]
            .as_str()
            .unwrap()
            .to_uppercase();
        set(s, "/subject/0/digest/sha256", json!(upper));
    });
    assert_invalid(&entry, "subject[0].digest.sha256", |p| {
        matches!(p, Problem::NotSha256(_))
    });
    let entry = registration_with(|s| set(s, "/subject/0/digest/sha256", json!("abc")));
    assert_invalid(&entry, "subject[0].digest.sha256", |p| {
        matches!(p, Problem::NotSha256(_))
    });
    let entry = registration_with(|s| {
        set(s, "/subject/0/name", json!(fixtures::CONSENT_V1));
    });
    assert_invalid(&entry, "subject[1].name", |p| {
        matches!(
            p,
            Problem::Duplicate {
                what: "subject name",
                ..
            }
        )
    });
    let entry = registration_with(|s| set(s, "/subject/0/annotations/role", json!("")));
    assert_invalid(&entry, "subject[0].annotations.role", empty);
    let entry = registration_with(|s| {
        s["subject"][0]["digest"]["sha512"] = json!("00");
    });
    assert!(Entry::parse(&entry).is_err());
}

#[test]
fn ethics_and_ipd_rules() {
    let entry = registration_with(|s| {
        set(
            s,
            "/predicate/trial/ethics_review/status",
            json!("not_required"),
        );
        set(
            s,
            "/predicate/trial/ethics_review/committee/name",
            json!(""),
        );
    });
    Entry::parse(&entry).unwrap();
    let entry =
        registration_with(|s| set(s, "/predicate/trial/ipd_sharing/description", json!("")));
    assert_invalid(&entry, "trial.ipd_sharing.description", |p| {
        matches!(p, Problem::RequiredWhen(_))
    });
    let entry = registration_with(|s| {
        set(s, "/predicate/trial/ipd_sharing/plan", json!("no"));
        set(s, "/predicate/trial/ipd_sharing/description", json!(""));
    });
    Entry::parse(&entry).unwrap();
}

#[test]
fn amendment_rules() {
    let example = Example::new();
    let amend = |change: &dyn Fn(&mut Value)| resign(example.amendment(), &sponsor(), change);
    assert_invalid(
        &amend(&|s| set(s, "/predicate/reason", json!("  "))),
        "reason",
        empty,
    );
    assert_invalid(
        &amend(&|s| set(s, "/predicate/prev", json!("not a hash"))),
        "prev",
        |p| matches!(p, Problem::NotSha256(_)),
    );
    let upper = example.hash(0).to_uppercase();
    assert_invalid(
        &amend(&|s| set(s, "/predicate/prev", json!(upper))),
        "prev",
        |p| matches!(p, Problem::NotSha256(_)),
    );
    for bad in ["TL-123", "tl-0123456789ABCDEF", "NCT01234567"] {
        assert_invalid(
            &amend(&|s| set(s, "/predicate/trial_id", json!(bad))),
            "trial_id",
            |p| *p == Problem::BadTrialId(bad.into()),
        );
    }
    let err = Entry::parse(&amend(&|s| remove(s, "/predicate/reason"))).unwrap_err();
    assert!(err.to_string().contains("missing field `reason`"), "{err}");
    // The amended record is validated like a registration.
    assert_invalid(
        &amend(&|s| set(s, "/predicate/trial/secondary_outcomes/2/id", json!("S1"))),
        "trial.secondary_outcomes[2].id",
        |p| matches!(p, Problem::Duplicate { .. }),
    );
}

#[test]
fn status_rules() {
    let example = Example::new();
    let entry = resign(example.status(), &sponsor(), |s| {
        s["predicate"]["actual_completion"] = json!("2024-03-03");
    });
    assert_invalid(&entry, "actual_completion", |p| {
        matches!(
            p,
            Problem::DateOrder {
                field: "actual_first_enrolment",
                ..
            }
        )
    });
    let entry = resign(example.status(), &sponsor(), |s| {
        s["predicate"]["actual_completion"] = json!("2025-08-31");
    });
    Entry::parse(&entry).unwrap();
    let entry = resign(example.status(), &sponsor(), |s| {
        set(s, "/predicate/prev", json!(""));
    });
    assert_invalid(&entry, "prev", |p| matches!(p, Problem::NotSha256(_)));
}

#[test]
fn results_rules() {
    let example = Example::new();
    let results = |change: &dyn Fn(&mut Value)| resign(example.results(), &sponsor(), change);
    assert_invalid(
        &results(&|s| set(s, "/predicate/outcomes/3/change_reason", json!(""))),
        "outcomes[3].change_reason",
        empty,
    );
    assert_invalid(
        &results(&|s| set(s, "/predicate/outcomes", json!([]))),
        "outcomes",
        |p| *p == Problem::NoneGiven("reported outcome"),
    );
    assert_invalid(
        &results(&|s| set(s, "/predicate/summary", json!(""))),
        "summary",
        empty,
    );
    assert_invalid(
        &results(&|s| set(s, "/predicate/outcomes/1/result", json!(""))),
        "outcomes[1].result",
        empty,
    );
    assert_invalid(
        &results(&|s| set(s, "/predicate/outcomes/0/registered_id", json!(""))),
        "outcomes[0].registered_id",
        empty,
    );
    let err = Entry::parse(&results(&|s| {
        set(s, "/predicate/outcomes/0/type", json!("tertiary"))
    }))
    .unwrap_err();
    assert!(err.to_string().contains("tertiary"), "{err}");
}

#[test]
fn consent_rules() {
    let example = Example::new();
    let form = fixtures::form_hash(fixtures::CONSENT_V1);
    let consent = example.consent(&form, ConsentEvent::Given, 1);
    let participant = fixtures::participant_key(1);
    assert_invalid(
        &resign(&consent, &participant, |s| {
            set(s, "/predicate/form", json!("abc"))
        }),
        "form",
        |p| matches!(p, Problem::NotSha256(_)),
    );
    assert_invalid(
        &resign(&consent, &participant, |s| {
            set(s, "/subject/0/annotations/role", json!("protocol"))
        }),
        "subject[0].annotations.role",
        |p| {
            matches!(
                p,
                Problem::WrongRole {
                    expected: "consent-record",
                    ..
                }
            )
        },
    );
    assert_invalid(
        &resign(&consent, &participant, |s| set(s, "/subject", json!([]))),
        "subject",
        |p| *p == Problem::ConsentSubjects(0),
    );
    assert_invalid(
        &resign(&consent, &participant, |s| {
            let subjects = s["subject"].as_array_mut().unwrap();
            let mut second = subjects[0].clone();
            second["name"] = json!("another");
            subjects.push(second);
        }),
        "subject",
        |p| *p == Problem::ConsentSubjects(2),
    );
    let err = Entry::parse(&resign(&consent, &participant, |s| {
        set(s, "/predicate/event", json!("revoked"))
    }))
    .unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
}

#[test]
fn oversize_entries_are_rejected() {
    assert_eq!(
        Entry::parse(&vec![b' '; MAX_ENTRY_SIZE + 1]),
        Err(EntryError::TooLarge(MAX_ENTRY_SIZE + 1))
    );
    // At the limit, size is not the complaint.
    assert!(!matches!(
        Entry::parse(&vec![b' '; MAX_ENTRY_SIZE]),
        Err(EntryError::TooLarge(_))
    ));
    // A properly signed entry with long (individually allowed) texts.
    let long = "Criterion. ".repeat(2700);
    let entry = registration_with(|s| {
        set(
            s,
            "/predicate/trial/eligibility/inclusion_criteria",
            json!(long),
        );
        set(
            s,
            "/predicate/trial/eligibility/exclusion_criteria",
            json!(long),
        );
    });
    assert!(entry.len() > MAX_ENTRY_SIZE);
    assert_eq!(Entry::parse(&entry), Err(EntryError::TooLarge(entry.len())));
}

#[test]
fn unknown_predicate_types_are_named() {
    let entry = registration_with(|s| {
        set(s, "/predicateType", json!("urn:trial-ledger:retraction:v1"));
    });
    let err = Entry::parse(&entry).unwrap_err();
    assert_eq!(
        err,
        EntryError::UnknownPredicateType("urn:trial-ledger:retraction:v1".into())
    );
    assert!(err.to_string().contains("urn:trial-ledger:retraction:v1"));
    // A registration predicate under the amendment type does not parse as one.
    let entry = registration_with(|s| {
        set(s, "/predicateType", json!("urn:trial-ledger:amendment:v1"));
    });
    assert!(matches!(
        Entry::parse(&entry),
        Err(EntryError::Predicate {
            kind: PredicateKind::Amendment,
            ..
        })
    ));
}

#[test]
fn statement_and_envelope_types_are_checked() {
    let entry = registration_with(|s| set(s, "/_type", json!("https://in-toto.io/Statement/v0.1")));
    assert!(matches!(
        Entry::parse(&entry),
        Err(EntryError::StatementType(_))
    ));
    let example = Example::new();
    let payload = Envelope::from_json(example.registration()).unwrap().payload;
    let entry = Envelope::sign("application/json", payload, &sponsor()).to_json();
    assert_eq!(
        Entry::parse(&entry),
        Err(EntryError::PayloadType("application/json".into()))
    );
    assert!(matches!(
        Entry::parse(b"{\"payloadType\":1}"),
        Err(EntryError::Envelope(DsseError::Json(_)))
    ));
    assert!(matches!(
        Entry::parse(b"not json"),
        Err(EntryError::Envelope(_))
    ));
    // The payload is not a statement.
    let entry = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"[1,2]".to_vec(), &sponsor()).to_json();
    assert!(matches!(
        Entry::parse(&entry),
        Err(EntryError::Statement(_))
    ));
}

#[test]
fn exactly_one_signature_by_the_signer_key() {
    let example = Example::new();
    let good = Envelope::from_json(example.registration()).unwrap();
    // Signed by another key, claiming the sponsor's signer_key.
    let forged = Envelope::sign(
        IN_TOTO_PAYLOAD_TYPE,
        good.payload.clone(),
        &fixtures::other_key(),
    );
    let mut forged_keyid = forged.clone();
    forged_keyid.signatures[0].keyid = good.signatures[0].keyid.clone();
    assert_eq!(
        Entry::parse(&forged_keyid.to_json()),
        Err(EntryError::Signature(DsseError::BadSignature))
    );
    assert!(matches!(
        Entry::parse(&forged.to_json()),
        Err(EntryError::Signature(DsseError::KeyIdMismatch { .. }))
    ));
    // Zero or two signatures.
    let mut none = good.clone();
    none.signatures.clear();
    assert_eq!(
        Entry::parse(&none.to_json()),
        Err(EntryError::Signature(DsseError::SignatureCount(0)))
    );
    let mut two = good.clone();
    two.signatures.push(good.signatures[0].clone());
    assert_eq!(
        Entry::parse(&two.to_json()),
        Err(EntryError::Signature(DsseError::SignatureCount(2)))
    );
    let mut short = good.clone();
    short.signatures[0] = EnvelopeSignature {
        keyid: good.signatures[0].keyid.clone(),
        sig: vec![0; 63],
    };
    assert_eq!(
        Entry::parse(&short.to_json()),
        Err(EntryError::Signature(DsseError::SignatureLength(63)))
    );
    // A signer_key that is not a key.
    for bad in ["", "AAAA", "not base64!", &"A".repeat(43)] {
        let entry = registration_with(|s| set(s, "/predicate/signer_key", json!(bad)));
        assert!(
            matches!(Entry::parse(&entry), Err(EntryError::SignerKey(_))),
            "{bad:?}"
        );
    }
    // The statement's signer_key and the signature must agree: the other key
    // signs a statement naming the sponsor.
    let entry = resign(example.registration(), &fixtures::other_key(), |_| {});
    assert!(matches!(
        Entry::parse(&entry),
        Err(EntryError::Signature(DsseError::KeyIdMismatch { .. }))
    ));
    assert_eq!(keyid(&fixtures::sponsor_key().verifying_key()).len(), 16);
    let _ = encode_signer_key(&fixtures::sponsor_key().verifying_key());
}

#[test]
fn tampered_payload_or_signature_bytes_are_rejected() {
    let example = Example::new();
    let good = Envelope::from_json(example.registration()).unwrap();
    // Change one byte of the payload (keeping it valid JSON and a valid
    // statement): the signature no longer verifies.
    let mut tampered = good.clone();
    let text = String::from_utf8(tampered.payload.clone()).unwrap();
    tampered.payload = text
        .replacen(
            "\"target_sample_size\":400",
            "\"target_sample_size\":900",
            1,
        )
        .into_bytes();
    assert_ne!(tampered.payload, good.payload);
    assert_eq!(
        Entry::parse(&tampered.to_json()),
        Err(EntryError::Signature(DsseError::BadSignature))
    );
    for i in [0, 31, 32, 63] {
        let mut tampered = good.clone();
        tampered.signatures[0].sig[i] ^= 0x01;
        assert!(matches!(
            Entry::parse(&tampered.to_json()),
            Err(EntryError::Signature(_))
        ));
    }
    // Every statement re-signed from a changed JSON value is still checked.
    let entry = sign(&statement(example.registration()), &sponsor());
    Entry::parse(&entry).unwrap();
}
