//! The trial state machine: histories, and every rule of DESIGN §2.

mod entries_common;

use entries_common::{Example, resign, set};
use serde_json::json;
use verifier::entry::{EntryBuilder, TrialId, encode_signer_key, entry_hash};
use verifier::fixtures;
use verifier::predicate::{ConsentEvent, PredicateKind, RecruitmentStatus};
use verifier::statement::ROLE_CONSENT_FORM;
use verifier::trial::{ConsentCounts, Ledger, RuleError};

/// A ledger with the example chain applied at indexes 10, 11, 12, 13.
fn ledger_with_chain(example: &Example) -> Ledger {
    let mut ledger = Ledger::new();
    for (i, bytes) in example.chain.entries.iter().enumerate() {
        ledger
            .apply(10 + i as u64, bytes)
            .expect("the example chain applies");
    }
    ledger
}

#[test]
fn the_example_chain_folds_into_a_history() {
    let example = Example::new();
    let mut ledger = Ledger::new();
    let kinds = [
        PredicateKind::Registration,
        PredicateKind::Amendment,
        PredicateKind::Status,
        PredicateKind::Results,
    ];
    for (i, bytes) in example.chain.entries.iter().enumerate() {
        let applied = ledger.apply(10 + i as u64, bytes).unwrap();
        assert_eq!(applied.trial_id, example.chain.trial_id);
        assert_eq!(applied.entry_hash, entry_hash(bytes));
        assert_eq!(applied.kind, kinds[i]);
    }
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger.last_index(), Some(13));
    let trial = ledger.trial(&example.chain.trial_id).unwrap();
    assert_eq!(trial.owner, fixtures::sponsor_key().verifying_key());
    assert_eq!(trial.head_hex(), example.hash(3));
    let entries: Vec<_> = trial
        .entries
        .iter()
        .map(|e| (e.index, e.entry_hash(), e.kind))
        .collect();
    assert_eq!(
        entries,
        (0..4)
            .map(|i| (10 + i as u64, example.hash(i), kinds[i]))
            .collect::<Vec<_>>()
    );
    // Registration snapshots, with the amendment's reason.
    assert_eq!(trial.versions.len(), 2);
    assert_eq!(trial.versions[0].reason, None);
    assert_eq!(trial.versions[0].trial.target_sample_size, 400);
    assert_eq!(trial.versions[0].index, 10);
    assert_eq!(trial.versions[1].entry_hash, example.hash(1));
    assert_eq!(trial.versions[1].trial.target_sample_size, 480);
    assert!(
        trial.versions[1]
            .reason
            .as_deref()
            .unwrap()
            .starts_with("Sample size")
    );
    assert_eq!(trial.registration().unwrap().index, 10);
    assert_eq!(trial.current().unwrap().index, 11);
    // Status and dates.
    assert_eq!(trial.status, RecruitmentStatus::Recruiting);
    assert_eq!(trial.status_index, Some(12));
    assert_eq!(
        trial.actual_first_enrolment,
        Some("2024-03-04".parse().unwrap())
    );
    assert_eq!(trial.actual_first_enrolment_index, Some(12));
    assert_eq!(trial.actual_completion, None);
    // Results.
    let results = trial.latest_results().unwrap();
    assert_eq!(results.index, 13);
    assert_eq!(results.results.outcomes.len(), 4);
    assert_eq!(results.subjects[0].name, fixtures::CSR);
    // Both consent form versions are registered.
    let forms: Vec<_> = trial
        .consent_forms
        .iter()
        .map(|f| (&f.subject[..], f.index))
        .collect();
    assert_eq!(
        forms,
        [(fixtures::CONSENT_V1, 10), (fixtures::CONSENT_V2, 11)]
    );
    assert_eq!(trial.consent_counts(), ConsentCounts::default());
}

#[test]
fn results_directly_after_the_registration() {
    let example = Example::new();
    let mut ledger = Ledger::new();
    ledger.apply(0, example.registration()).unwrap();
    let results = fixtures::results_entry(&example.chain.trial_id, &example.hash(0)).unwrap();
    ledger.apply(1, &results).unwrap();
    let trial = ledger.trial(&example.chain.trial_id).unwrap();
    assert_eq!(trial.head_hex(), entry_hash(&results));
    assert_eq!(trial.versions.len(), 1);
    assert_eq!(trial.status, RecruitmentStatus::Pending);
    assert_eq!(trial.actual_first_enrolment, None);
    assert_eq!(trial.results.len(), 1);
}

#[test]
fn owner_only_entries_signed_by_another_key_are_refused() {
    let example = Example::new();
    let mut ledger = Ledger::new();
    ledger.apply(0, example.registration()).unwrap();
    let other = fixtures::other_key();
    for entry in [
        fixtures::amendment(&example.chain.trial_id, &example.hash(0))
            .map(EntryBuilder::amendment)
            .unwrap()
            .subject(
                fixtures::CONSENT_V2,
                &fixtures::form_hash(fixtures::CONSENT_V2),
                ROLE_CONSENT_FORM,
                Some("2"),
            )
            .sign(&other)
            .unwrap(),
        EntryBuilder::status(fixtures::status(&example.chain.trial_id, &example.hash(0)).unwrap())
            .sign(&other)
            .unwrap(),
        EntryBuilder::results(
            fixtures::results(&example.chain.trial_id, &example.hash(0)).unwrap(),
        )
        .sign(&other)
        .unwrap(),
    ] {
        let err = ledger.check(&entry).unwrap_err();
        let RuleError::NotOwner {
            trial_id,
            expected,
            got,
            ..
        } = &err
        else {
            panic!("expected NotOwner, got {err:?}");
        };
        assert_eq!(trial_id, &example.chain.trial_id);
        assert_eq!(
            expected,
            &encode_signer_key(&fixtures::sponsor_key().verifying_key())
        );
        assert_eq!(got, &encode_signer_key(&other.verifying_key()));
        assert!(
            err.to_string().contains("only the key that registered"),
            "{err}"
        );
        assert_eq!(ledger.apply(1, &entry), Err(err));
    }
    assert_eq!(
        ledger.trial(&example.chain.trial_id).unwrap().entries.len(),
        1
    );
}

#[test]
fn a_stale_prev_is_refused() {
    let example = Example::new();
    let mut ledger = Ledger::new();
    ledger.apply(0, example.registration()).unwrap();
    ledger.apply(1, example.amendment()).unwrap();
    // A status update prepared before the amendment: prev = the registration.
    let stale = fixtures::status_entry(&example.chain.trial_id, &example.hash(0)).unwrap();
    let err = ledger.apply(2, &stale).unwrap_err();
    assert_eq!(
        err,
        RuleError::StalePrev {
            trial_id: example.chain.trial_id.clone(),
            expected_head: example.hash(1),
            got: example.hash(0),
        }
    );
    // A second amendment on the same prev (a fork) is refused too.
    let fork = resign(example.amendment(), &fixtures::sponsor_key(), |s| {
        set(s, "/predicate/reason", json!("A competing amendment."));
    });
    assert!(matches!(
        ledger.apply(2, &fork),
        Err(RuleError::StalePrev { .. })
    ));
    // Built on the head it is accepted.
    ledger.apply(2, example.status()).unwrap();
}

#[test]
fn entries_must_name_a_registered_trial() {
    let example = Example::new();
    let mut ledger = Ledger::new();
    let unknown: TrialId = "TL-0000000000000000".parse().unwrap();
    let status = fixtures::status_entry(&unknown, &example.hash(0)).unwrap();
    assert_eq!(
        ledger.check(&status),
        Err(RuleError::UnknownTrial(unknown.clone()))
    );
    // Before its registration, the example's amendment names an unknown trial.
    assert_eq!(
        ledger.apply(0, example.amendment()),
        Err(RuleError::UnknownTrial(example.chain.trial_id.clone()))
    );
    let consent = example.consent(
        &fixtures::form_hash(fixtures::CONSENT_V1),
        ConsentEvent::Given,
        1,
    );
    assert!(matches!(
        ledger.apply(0, &consent),
        Err(RuleError::UnknownTrial(_))
    ));
    assert!(ledger.is_empty());
    assert!(ledger.last_index().is_none());
}

#[test]
fn a_registration_cannot_be_applied_twice() {
    let example = Example::new();
    let mut ledger = Ledger::new();
    ledger.apply(0, example.registration()).unwrap();
    let err = ledger.apply(1, example.registration()).unwrap_err();
    assert_eq!(
        err,
        RuleError::DuplicateRegistration(example.chain.trial_id.clone())
    );
    assert!(err.to_string().contains("amendment"));
    assert_eq!(ledger.len(), 1);
}

#[test]
fn consent_names_a_registered_form_of_the_trial() {
    let example = Example::new();
    let mut ledger = ledger_with_chain(&example);
    let v1 = fixtures::form_hash(fixtures::CONSENT_V1);
    let v2 = fixtures::form_hash(fixtures::CONSENT_V2);
    let protocol = fixtures::form_hash(fixtures::PROTOCOL_V1);
    // A protocol is not a consent form.
    let err = ledger
        .check(&example.consent(&protocol, ConsentEvent::Given, 1))
        .unwrap_err();
    assert_eq!(
        err,
        RuleError::UnknownConsentForm {
            trial_id: example.chain.trial_id.clone(),
            form: protocol.clone(),
            registered: vec![v1.clone(), v2.clone()],
        }
    );
    assert!(err.to_string().contains(&v1), "{err}");
    // v1 (registration, not restated by the amendment) and v2 are accepted.
    for (index, (form, event, n)) in (20..).zip([
        (&v1, ConsentEvent::Given, 1),
        (&v2, ConsentEvent::Given, 2),
        (&v2, ConsentEvent::Given, 3),
        (&v1, ConsentEvent::Withdrawn, 1),
    ]) {
        let applied = ledger
            .apply(index, &example.consent(form, event, n))
            .unwrap();
        assert_eq!(applied.kind, PredicateKind::Consent);
    }
    let trial = ledger.trial(&example.chain.trial_id).unwrap();
    assert_eq!(
        trial.consent_counts(),
        ConsentCounts {
            given: 3,
            withdrawn: 1
        }
    );
    assert_eq!(
        trial.consent_by_form[&v1],
        ConsentCounts {
            given: 1,
            withdrawn: 1
        }
    );
    assert_eq!(
        trial.consent_by_form[&v2],
        ConsentCounts {
            given: 2,
            withdrawn: 0
        }
    );
    assert_eq!(trial.entries.len(), 8);
    // Consent entries do not move the owner chain's head.
    assert_eq!(trial.head_hex(), example.hash(3));
}

#[test]
fn a_form_registered_by_an_amendment_is_valid_only_afterwards() {
    let example = Example::new();
    let mut ledger = Ledger::new();
    ledger.apply(0, example.registration()).unwrap();
    let v2 = fixtures::form_hash(fixtures::CONSENT_V2);
    let early = example.consent(&v2, ConsentEvent::Given, 1);
    assert!(matches!(
        ledger.check(&early),
        Err(RuleError::UnknownConsentForm { .. })
    ));
    ledger.apply(1, example.amendment()).unwrap();
    ledger.apply(2, &early).unwrap();
    // And the owner's next entry still builds on the amendment.
    ledger.apply(3, example.status()).unwrap();
}

#[test]
fn consent_for_another_trials_form_is_refused() {
    let example = Example::new();
    let mut ledger = ledger_with_chain(&example);
    // A second trial by another sponsor, with its own consent form.
    let mut registration = fixtures::registration().unwrap();
    registration.trial.acronym = Some("OTHER".into());
    registration.consent_forms[0].subject = "other-consent.pdf".into();
    let other_form = fixtures::form_hash("other-consent.pdf");
    let other = EntryBuilder::registration(registration)
        .subject(
            "other-consent.pdf",
            &other_form,
            ROLE_CONSENT_FORM,
            Some("1"),
        )
        .sign(&fixtures::other_key())
        .unwrap();
    let applied = ledger.apply(20, &other).unwrap();
    assert_ne!(applied.trial_id, example.chain.trial_id);
    assert_eq!(ledger.len(), 2);
    let wrong = example.consent(&other_form, ConsentEvent::Given, 1);
    assert!(matches!(
        ledger.check(&wrong),
        Err(RuleError::UnknownConsentForm { .. })
    ));
    let right =
        fixtures::consent_entry(&applied.trial_id, &other_form, ConsentEvent::Given, 1).unwrap();
    ledger.apply(21, &right).unwrap();
    assert_eq!(
        ledger.trial(&applied.trial_id).unwrap().owner,
        fixtures::other_key().verifying_key()
    );
    // Trials iterate in id order.
    let ids: Vec<_> = ledger.trials().map(|t| t.trial_id.clone()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}

#[test]
fn check_does_not_change_the_state() {
    let example = Example::new();
    let ledger = Ledger::new();
    let entry = ledger.check(example.registration()).unwrap();
    assert_eq!(entry.kind(), PredicateKind::Registration);
    assert!(ledger.is_empty());
    // check() then apply_entry() without parsing again.
    let mut ledger = ledger;
    ledger.apply_entry(0, entry).unwrap();
    assert_eq!(ledger.len(), 1);
}

#[test]
fn indexes_must_increase() {
    let example = Example::new();
    let mut ledger = Ledger::new();
    ledger.apply(5, example.registration()).unwrap();
    assert_eq!(
        ledger.apply(5, example.amendment()),
        Err(RuleError::IndexOrder {
            previous: 5,
            got: 5
        })
    );
    assert_eq!(
        ledger.apply(3, example.amendment()),
        Err(RuleError::IndexOrder {
            previous: 5,
            got: 3
        })
    );
    ledger.apply(9, example.amendment()).unwrap();
}

#[test]
fn invalid_entries_are_refused_with_the_entry_error() {
    let example = Example::new();
    let mut ledger = Ledger::new();
    let mut bytes = example.registration().to_vec();
    let last = bytes.len() - 10;
    bytes[last] ^= 1;
    let err = ledger.apply(0, &bytes).unwrap_err();
    assert!(matches!(err, RuleError::Invalid(_)), "{err:?}");
    assert!(err.to_string().starts_with("invalid entry: "), "{err}");
    assert!(ledger.is_empty());
    assert_eq!(ledger.last_index(), None);
}

#[test]
fn status_follows_status_updates_not_restated_records() {
    let example = Example::new();
    let mut ledger = Ledger::new();
    ledger.apply(0, example.registration()).unwrap();
    ledger.apply(1, example.amendment()).unwrap();
    ledger.apply(2, example.status()).unwrap();
    // A later amendment restating "pending" does not undo the status update.
    let amendment = fixtures::amendment(&example.chain.trial_id, &example.hash(2)).unwrap();
    let later = EntryBuilder::amendment(amendment)
        .subject(
            fixtures::CONSENT_V2,
            &fixtures::form_hash(fixtures::CONSENT_V2),
            ROLE_CONSENT_FORM,
            Some("2"),
        )
        .sign(&fixtures::sponsor_key())
        .unwrap();
    ledger.apply(3, &later).unwrap();
    let trial = ledger.trial(&example.chain.trial_id).unwrap();
    assert_eq!(trial.status, RecruitmentStatus::Recruiting);
    assert_eq!(trial.versions.len(), 3);
    // The consent form restated by the second amendment is not registered twice.
    assert_eq!(trial.consent_forms.len(), 2);
    // A completion update keeps the first-enrolment date.
    let mut status = fixtures::status(&example.chain.trial_id, &entry_hash(&later)).unwrap();
    status.recruitment_status = RecruitmentStatus::Complete;
    status.actual_first_enrolment = None;
    status.actual_completion = Some("2025-08-31".parse().unwrap());
    let done = EntryBuilder::status(status)
        .sign(&fixtures::sponsor_key())
        .unwrap();
    ledger.apply(4, &done).unwrap();
    let trial = ledger.trial(&example.chain.trial_id).unwrap();
    assert_eq!(trial.status, RecruitmentStatus::Complete);
    assert_eq!(trial.status_index, Some(4));
    assert_eq!(
        trial.actual_first_enrolment,
        Some("2024-03-04".parse().unwrap())
    );
    assert_eq!(trial.actual_first_enrolment_index, Some(2));
    assert_eq!(trial.actual_completion, Some("2025-08-31".parse().unwrap()));
}
