//! Entries: build → bytes → parse gives back the same predicate; the DSSE,
//! key id and trial id formats are exactly as specified.

mod entries_common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::SigningKey;
use entries_common::{Example, statement};
use sha2::{Digest, Sha256};
use verifier::dsse::{self, Envelope, IN_TOTO_PAYLOAD_TYPE, keyid, pae};
use verifier::entry::{
    CROCKFORD_ALPHABET, Entry, EntryBuilder, EntryError, TrialId, encode_signer_key, entry_hash,
    trial_id,
};
use verifier::fixtures;
use verifier::predicate::{ConsentEvent, Predicate, PredicateKind};
use verifier::statement::{ROLE_CONSENT_FORM, STATEMENT_TYPE};

#[test]
fn pae_matches_the_dsse_spec_example() {
    assert_eq!(
        pae("http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
    );
    // Lengths are of the UTF-8 bytes, in decimal.
    assert_eq!(
        pae("é", &[0u8; 10]),
        b"DSSEv1 2 \xc3\xa9 10 \0\0\0\0\0\0\0\0\0\0"
    );
}

#[test]
fn keyid_is_16_hex_digits_of_sha256_of_the_public_key() {
    let key = fixtures::sponsor_key().verifying_key();
    let digest = Sha256::digest(key.as_bytes());
    let expected: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(keyid(&key), expected);
    assert_eq!(keyid(&key).len(), 16);
    assert_ne!(keyid(&key), keyid(&fixtures::other_key().verifying_key()));
}

#[test]
fn entries_have_the_design_envelope_shape() {
    let example = Example::new();
    let text = std::str::from_utf8(example.registration()).unwrap();
    assert!(
        text.starts_with(r#"{"payloadType":"application/vnd.in-toto+json","payload":""#),
        "{text}"
    );
    let key = fixtures::sponsor_key().verifying_key();
    assert!(
        text.contains(&format!(
            r#"","signatures":[{{"keyid":"{}","sig":""#,
            keyid(&key)
        )),
        "{text}"
    );
    assert!(text.ends_with("\"}]}"), "{text}");
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(value["signatures"][0]["keyid"], keyid(&key));
    let sig = BASE64
        .decode(value["signatures"][0]["sig"].as_str().unwrap())
        .unwrap();
    assert_eq!(sig.len(), 64);
    let statement = statement(example.registration());
    assert_eq!(statement["_type"], STATEMENT_TYPE);
    assert_eq!(
        statement["predicateType"],
        "urn:trial-ledger:registration:v1"
    );
    assert_eq!(
        statement["predicate"]["signer_key"],
        encode_signer_key(&key)
    );
    let subject = &statement["subject"][1];
    assert_eq!(subject["name"], fixtures::CONSENT_V1);
    assert_eq!(subject["annotations"]["role"], ROLE_CONSENT_FORM);
    assert_eq!(
        subject["digest"]["sha256"],
        fixtures::form_hash(fixtures::CONSENT_V1)
    );
}

#[test]
fn the_signature_is_ed25519_over_the_pae() {
    let example = Example::new();
    let envelope = Envelope::from_json(example.registration()).unwrap();
    let key = fixtures::sponsor_key().verifying_key();
    let sig: [u8; 64] = envelope.signatures[0].sig.as_slice().try_into().unwrap();
    key.verify_strict(
        &pae(IN_TOTO_PAYLOAD_TYPE, &envelope.payload),
        &ed25519_dalek::Signature::from_bytes(&sig),
    )
    .unwrap();
}

#[test]
fn every_kind_round_trips() {
    let example = Example::new();
    let id = &example.chain.trial_id;
    let expected: Vec<Predicate> = vec![
        fixtures::registration().unwrap().into(),
        fixtures::amendment(id, &example.hash(0)).unwrap().into(),
        fixtures::status(id, &example.hash(1)).unwrap().into(),
        fixtures::results(id, &example.hash(2)).unwrap().into(),
    ];
    let sponsor = encode_signer_key(&fixtures::sponsor_key().verifying_key());
    for (bytes, mut want) in example.chain.entries.iter().zip(expected) {
        let entry = Entry::parse(bytes).unwrap();
        set_signer_key(&mut want, &sponsor);
        assert_eq!(entry.predicate(), &want);
        assert_eq!(entry.bytes(), bytes.as_slice());
        assert_eq!(entry.entry_hash(), entry_hash(bytes));
        assert_eq!(entry.signer_key(), &fixtures::sponsor_key().verifying_key());
        assert_eq!(entry.trial_id(), id);
        // Building the same predicate again gives the same bytes.
        let mut builder = EntryBuilder::new(entry.predicate().clone());
        for s in entry.subjects() {
            builder = builder.add_subject(s.clone());
        }
        assert_eq!(&builder.sign(&fixtures::sponsor_key()).unwrap(), bytes);
    }
    let form = fixtures::form_hash(fixtures::CONSENT_V1);
    let consent = example.consent(&form, ConsentEvent::Withdrawn, 9);
    let entry = Entry::parse(&consent).unwrap();
    let mut want: Predicate = fixtures::consent(id, &form, ConsentEvent::Withdrawn)
        .unwrap()
        .into();
    set_signer_key(
        &mut want,
        &encode_signer_key(&fixtures::participant_key(9).verifying_key()),
    );
    assert_eq!(entry.predicate(), &want);
    assert_eq!(entry.kind(), PredicateKind::Consent);
    assert_eq!(entry.subjects().len(), 1);
}

fn set_signer_key(p: &mut Predicate, key: &str) {
    let field = match p {
        Predicate::Registration(p) => &mut p.signer_key,
        Predicate::Amendment(p) => &mut p.signer_key,
        Predicate::Status(p) => &mut p.signer_key,
        Predicate::Results(p) => &mut p.signer_key,
        Predicate::Consent(p) => &mut p.signer_key,
    };
    *field = key.to_owned();
}

#[test]
fn json_field_names_follow_the_design() {
    let example = Example::new();
    let reg = statement(example.registration());
    let p = &reg["predicate"];
    for field in ["signer_key", "created_at", "trial", "consent_forms"] {
        assert!(p.get(field).is_some(), "missing {field}");
    }
    let trial = &p["trial"];
    for field in [
        "secondary_ids",
        "funding_sources",
        "primary_sponsor",
        "secondary_sponsors",
        "public_contact",
        "scientific_contact",
        "public_title",
        "scientific_title",
        "acronym",
        "countries",
        "conditions",
        "interventions",
        "eligibility",
        "study_type",
        "design",
        "date_of_first_enrolment",
        "target_sample_size",
        "recruitment_status",
        "primary_outcomes",
        "secondary_outcomes",
        "ethics_review",
        "completion_date",
        "ipd_sharing",
    ] {
        assert!(trial.get(field).is_some(), "missing trial.{field}");
    }
    assert_eq!(trial["date_of_first_enrolment"], "2024-03");
    assert_eq!(trial["study_type"], "interventional");
    assert_eq!(trial["eligibility"]["sex"], "all");
    assert_eq!(trial["interventions"][1]["comparator"], true);
    // None fields are left out, not written as null.
    assert!(trial["eligibility"].get("maximum_age").is_none());
    assert!(trial["secondary_outcomes"][0].get("description").is_none());
    let results = statement(example.results());
    let outcome = &results["predicate"]["outcomes"][0];
    assert_eq!(outcome["type"], "primary");
    assert_eq!(outcome["registered_id"], "P1");
    assert!(outcome.get("change_reason").is_none());
    assert_eq!(
        results["predicate"]["outcomes"][3]["registered_id"],
        serde_json::Value::Null
    );
    let status = statement(example.status());
    assert_eq!(status["predicate"]["recruitment_status"], "recruiting");
    assert_eq!(status["predicate"]["actual_first_enrolment"], "2024-03-04");
    assert!(status["predicate"].get("actual_completion").is_none());
}

#[test]
fn trial_ids_are_tl_and_16_crockford_characters_of_the_raw_hash() {
    let example = Example::new();
    let id = TrialId::for_registration(example.registration());
    let text = id.as_str();
    assert_eq!(text.len(), 19);
    assert!(text.starts_with("TL-"));
    assert!(text[3..].bytes().all(|b| CROCKFORD_ALPHABET.contains(&b)));
    assert_eq!(text.parse::<TrialId>().unwrap(), id);
    // Deterministic: same bytes, same id; and derived from entry_hash.
    assert_eq!(TrialId::for_registration(example.registration()), id);
    assert_eq!(trial_id(&example.hash(0)).unwrap(), id);
    assert_eq!(
        Entry::parse(example.registration()).unwrap().trial_id(),
        &id
    );
    // Independent re-implementation: 80 bits, 5 at a time, MSB first.
    let hash = Sha256::digest(example.registration());
    let bits: String = hash[..10].iter().map(|b| format!("{b:08b}")).collect();
    let expected: String = bits
        .as_bytes()
        .chunks(5)
        .map(|c| {
            let v = usize::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap();
            char::from(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"[v])
        })
        .collect();
    assert_eq!(&text[3..], expected);
    // Another registration, another id.
    let other = EntryBuilder::registration(fixtures::registration().unwrap())
        .subject(
            fixtures::CONSENT_V1,
            &fixtures::form_hash(fixtures::CONSENT_V1),
            ROLE_CONSENT_FORM,
            Some("1"),
        )
        .sign(&fixtures::other_key())
        .unwrap();
    assert_ne!(TrialId::for_registration(&other), id);
}

#[test]
fn trial_id_parsing_is_strict() {
    for bad in [
        "",
        "TL-",
        "TL-0123456789ABCDE",
        "TL-0123456789ABCDEFG",
        "tl-0123456789ABCDEF",
        "TL-0123456789abcdef",
        "TL-0123456789ABCDEI",
        "TL-0123456789ABCDEU",
        "TX-0123456789ABCDEF",
        " TL-0123456789ABCDEF",
    ] {
        assert!(bad.parse::<TrialId>().is_err(), "{bad:?} accepted");
    }
    assert!("TL-0123456789ABCDEF".parse::<TrialId>().is_ok());
    assert_eq!(
        TrialId::parse_lenient("tl-o123456789abcdef")
            .unwrap()
            .as_str(),
        "TL-0123456789ABCDEF"
    );
    assert!(trial_id("ABCD").is_err());
}

#[test]
fn the_builder_fills_in_or_checks_the_signer_key() {
    let mut registration = fixtures::registration().unwrap();
    registration.signer_key = encode_signer_key(&fixtures::other_key().verifying_key());
    let err = EntryBuilder::registration(registration)
        .subject(
            fixtures::CONSENT_V1,
            &fixtures::form_hash(fixtures::CONSENT_V1),
            ROLE_CONSENT_FORM,
            Some("1"),
        )
        .sign(&fixtures::sponsor_key())
        .unwrap_err();
    assert_eq!(err, EntryError::SignerKeyMismatch);
}

#[test]
fn the_builder_refuses_invalid_predicates() {
    // No consent-form subject for the registered form.
    let err = EntryBuilder::registration(fixtures::registration().unwrap())
        .sign(&fixtures::sponsor_key())
        .unwrap_err();
    assert!(
        err.to_string().starts_with("consent_forms[0].subject: "),
        "{err}"
    );
}

#[test]
fn envelopes_round_trip_and_must_be_canonical() {
    let key = SigningKey::from_bytes(&[9; 32]);
    let envelope = Envelope::sign("text/plain", b"hello \xff".to_vec(), &key);
    let json = envelope.to_json();
    assert_eq!(Envelope::from_json(&json).unwrap(), envelope);
    let text = String::from_utf8(json).unwrap();
    for variant in [
        text.replacen("{\"payloadType\"", "{ \"payloadType\"", 1),
        text.replacen(':', " :", 1),
        format!("{text}\n"),
        text.replacen(
            "\"payloadType\":\"text/plain\"",
            "\"payloadType\":\"text\\/plain\"",
            1,
        ),
    ] {
        assert_eq!(
            Envelope::from_json(variant.as_bytes()),
            Err(dsse::DsseError::NonCanonical),
            "{variant}"
        );
    }
    // Keys in another order: still an envelope, but not canonical.
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let reordered = format!(
        r#"{{"payload":{},"payloadType":{},"signatures":{}}}"#,
        value["payload"], value["payloadType"], value["signatures"]
    );
    assert_eq!(
        Envelope::from_json(reordered.as_bytes()),
        Err(dsse::DsseError::NonCanonical)
    );
}

#[test]
fn subject_annotations_round_trip_with_extra_keys() {
    use std::collections::BTreeMap;
    use verifier::statement::{Annotations, DigestSet, Subject};

    let example = Example::new();
    let form = fixtures::form_hash(fixtures::CONSENT_V1);
    let subject = Subject {
        name: "consent-record".into(),
        digest: DigestSet {
            sha256: form.clone(),
        },
        annotations: Some(Annotations {
            role: "consent-record".into(),
            version: None,
            language: Some("fr-CA".into()),
            other: BTreeMap::from([("scheme".to_owned(), "salted-sha256".to_owned())]),
        }),
    };
    let bytes = EntryBuilder::consent(
        fixtures::consent(&example.chain.trial_id, &form, ConsentEvent::Given).unwrap(),
    )
    .add_subject(subject.clone())
    .sign(&fixtures::participant_key(1))
    .unwrap();
    let entry = Entry::parse(&bytes).unwrap();
    assert_eq!(entry.subjects(), [subject]);
    let json = statement(&bytes);
    assert_eq!(
        json["subject"][0]["annotations"],
        serde_json::json!({"role": "consent-record", "language": "fr-CA", "scheme": "salted-sha256"})
    );
}
