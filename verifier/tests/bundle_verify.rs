//! Evidence bundles end to end: a witnessed log with other trials
//! interleaved, the example trial's bundle built from it, verified; every
//! tampering fails the check that names it; findings are findings.
#![cfg(not(target_arch = "wasm32"))]

mod bundle_common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bundle_common::{Plan, Scenario, TestLog, documents, scenario};
use verifier::bundle::{
    BUNDLE_FORMAT, BuildError, Bundle, BundleBuilder, BundleError, MAX_BUNDLE_BYTES,
    MAX_BUNDLE_ENTRIES, trial_entries,
};
use verifier::compare::OutcomeStatus;
use verifier::fixtures;
use verifier::note::{KeyType, SignerKey};
use verifier::policy::Policy;
use verifier::predicate::PredicateKind;
use verifier::report::{
    Category, CheckName, DocumentStatus, ProspectiveStatus, Report, SuppliedDocument, Verdict,
    verify_bundle,
};

fn verify(bundle: &Bundle, policy: &Policy) -> Report {
    bundle.verify(policy, &[])
}

/// Asserts the verdict is `failed` and that a check `name` (of entry
/// `index`, when given) failed; returns its detail.
#[track_caller]
fn assert_failed(report: &Report, name: CheckName, index: Option<u64>) -> String {
    assert_eq!(
        report.verdict,
        Verdict::Failed,
        "expected failed; failures: {:#?}",
        report.failures().collect::<Vec<_>>()
    );
    let check = report
        .checks
        .iter()
        .find(|c| c.name == name && !c.ok && (index.is_none() || c.index == index))
        .unwrap_or_else(|| {
            panic!(
                "{name} (entry {index:?}) did not fail; failures: {:#?}",
                report.failures().collect::<Vec<_>>()
            )
        });
    check.detail.clone()
}

#[track_caller]
fn assert_passed(report: &Report, name: CheckName, index: Option<u64>) {
    for check in report
        .checks
        .iter()
        .filter(|c| c.name == name && (index.is_none() || c.index == index))
    {
        assert!(
            check.ok,
            "{name} (entry {index:?}) failed: {}",
            check.detail
        );
    }
}

/// Asserts the verdict is `findings`, every failed check is a finding
/// check, and `name` is one of them.
#[track_caller]
fn assert_failed_finding(report: &Report, name: CheckName) {
    assert_eq!(report.verdict, Verdict::Findings);
    assert!(report.failures().all(|c| c.category == Category::Finding));
    assert!(
        report.failures().any(|c| c.name == name),
        "{name} did not fail"
    );
}

fn flip_b64(text: &str, byte: usize) -> String {
    let mut bytes = BASE64.decode(text).expect("base64");
    bytes[byte] ^= 0x01;
    BASE64.encode(bytes)
}

fn clean() -> (Scenario, Policy, Bundle) {
    let s = scenario(&Plan::default());
    let policy = s.log.policy(2);
    let bundle = s.bundle(&policy);
    (s, policy, bundle)
}

fn position(bundle: &Bundle, index: u64) -> usize {
    bundle
        .entries
        .iter()
        .position(|e| e.index == index)
        .expect("entry in bundle")
}

#[test]
fn the_example_trial_verifies() {
    let (s, policy, bundle) = clean();
    assert_eq!(bundle.format, BUNDLE_FORMAT);
    assert_eq!(bundle.trial_id, s.trial_id.as_str());
    let indexes: Vec<u64> = bundle.entries.iter().map(|e| e.index).collect();
    assert_eq!(indexes, [1, 4, 5, 6, 9]);

    let report = verify_bundle(bundle.to_json().as_bytes(), &policy, &documents()).expect("usable");
    assert_eq!(
        report.verdict,
        Verdict::Verified,
        "{:#?}",
        report.failures().collect::<Vec<_>>()
    );
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    // Every kind of check ran; 8 per entry.
    for name in CheckName::ALL {
        assert!(report.passed(name), "{name} did not run or failed");
    }
    assert_eq!(report.checks_named(CheckName::EntryInclusion).count(), 5);
    assert_eq!(report.checks_named(CheckName::Document).count(), 4);

    // Witnessed times: the quorum (2nd) time of each anchor.
    let times: Vec<(u64, Option<PredicateKind>, Option<&str>)> = report
        .timeline
        .iter()
        .map(|t| (t.index, t.kind, t.witnessed_time.as_deref()))
        .collect();
    assert_eq!(
        times,
        [
            (
                1,
                Some(PredicateKind::Registration),
                Some("2024-01-15T12:31:00Z")
            ),
            (
                4,
                Some(PredicateKind::Amendment),
                Some("2024-02-21T10:01:00Z")
            ),
            (5, Some(PredicateKind::Status), Some("2024-03-05T10:01:00Z")),
            (
                6,
                Some(PredicateKind::Consent),
                Some("2024-03-05T10:01:00Z")
            ),
            (
                9,
                Some(PredicateKind::Results),
                Some("2025-11-04T10:01:00Z")
            ),
        ]
    );
    assert!(report.timeline.iter().all(|t| t.ok));
    assert!(report.timeline[1].reason.is_some());
    assert_eq!(
        report.timeline[2]
            .dates
            .actual_first_enrolment
            .map(|d| d.to_string()),
        Some("2024-03-04".to_owned())
    );

    assert_eq!(report.prospective.status, ProspectiveStatus::Prospective);
    assert_eq!(
        report.prospective.registration_witnessed.as_deref(),
        Some("2024-01-15T12:31:00Z")
    );
    // The amendment was witnessed before the first enrolment: it is pre-specified.
    let from = report.prespecified_from.as_ref().expect("prespecified");
    assert_eq!(from.index, s.at.amendment, "{}", from.note);
    assert_eq!(report.results_index, Some(s.at.results));
    let statuses: Vec<_> = report
        .outcomes
        .iter()
        .map(|r| (r.registered_id.as_deref(), r.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (Some("P1"), OutcomeStatus::Reported),
            (Some("S1"), OutcomeStatus::Reported),
            (Some("S2"), OutcomeStatus::Reported),
            (Some("S3"), OutcomeStatus::Reported),
            (None, OutcomeStatus::Added),
        ]
    );
    assert!(report.outcomes[4].declared);

    // Documents: the four supplied match; consent form v1 was not supplied;
    // the consent commitment is not listed.
    let docs: Vec<_> = report
        .documents
        .iter()
        .map(|d| (d.status, d.subjects.first().map(|s| s.name.as_str())))
        .collect();
    assert_eq!(
        docs,
        [
            (DocumentStatus::Matched, Some(fixtures::PROTOCOL_V1)),
            (DocumentStatus::Matched, Some(fixtures::PROTOCOL_V2)),
            (DocumentStatus::Matched, Some(fixtures::CONSENT_V2)),
            (DocumentStatus::Matched, Some(fixtures::CSR)),
            (DocumentStatus::NotSupplied, Some(fixtures::CONSENT_V1)),
        ]
    );
    let head = report.head.as_ref().expect("head");
    assert_eq!(head.size, 12);
    assert_eq!(head.witnessed_time.as_deref(), Some("2025-12-01T10:01:00Z"));
}

#[test]
fn quorum_three_verifies_and_moves_the_witnessed_time() {
    let s = scenario(&Plan::default());
    let policy = s.log.policy(3);
    let report = verify(&s.bundle(&policy), &policy);
    assert_eq!(report.verdict, Verdict::Verified);
    assert_eq!(
        report.timeline[0].witnessed_time.as_deref(),
        Some("2024-01-15T12:32:00Z")
    );
}

#[test]
fn the_anchor_is_the_first_checkpoint_with_a_quorum() {
    let (s, policy, bundle) = clean();
    let registration = &bundle.entries[0];
    assert_eq!(registration.index, s.at.registration);
    // Size 3 (cosigned by one witness) contains it but lacks the quorum.
    assert!(s.log.archive[1].contains("\n3\n"));
    assert!(policy.evaluate(s.log.archive[1].as_bytes()).is_err());
    assert_eq!(registration.anchor, s.log.archive[2]);
    // With quorum 1 the one-witness checkpoint is the anchor.
    let policy1 = s.log.policy(1);
    let bundle1 = s.bundle(&policy1);
    assert_eq!(bundle1.entries[0].anchor, s.log.archive[1]);
    let report = verify(&bundle1, &policy1);
    assert_eq!(report.verdict, Verdict::Verified);
    assert_eq!(
        report.timeline[0].witnessed_time.as_deref(),
        Some("2024-01-15T12:00:00Z")
    );
    // The head's entries carry no consistency proof; older anchors do.
    assert!(
        bundle
            .entries
            .iter()
            .all(|e| e.consistency.is_empty() == (e.anchor == bundle.head))
    );
}

#[test]
fn a_flipped_byte_in_an_entry_fails() {
    let (s, policy, mut bundle) = clean();
    let i = position(&bundle, s.at.amendment);
    bundle.entries[i].entry = flip_b64(&bundle.entries[i].entry, 200);
    let report = verify(&bundle, &policy);
    assert_failed(&report, CheckName::EntryInclusion, Some(s.at.amendment));
    assert_failed(&report, CheckName::EntrySignature, Some(s.at.amendment));
    assert_passed(&report, CheckName::EntryAnchor, Some(s.at.amendment));
}

#[test]
fn a_flipped_byte_in_an_inclusion_proof_fails() {
    let (s, policy, mut bundle) = clean();
    let i = position(&bundle, s.at.status);
    assert!(!bundle.entries[i].inclusion.is_empty());
    bundle.entries[i].inclusion[0] = flip_b64(&bundle.entries[i].inclusion[0], 31);
    let report = verify(&bundle, &policy);
    let detail = assert_failed(&report, CheckName::EntryInclusion, Some(s.at.status));
    assert!(detail.contains("mismatch"), "{detail}");
    assert_passed(&report, CheckName::EntrySignature, Some(s.at.status));
    assert_passed(&report, CheckName::EntryAnchor, Some(s.at.status));
}

#[test]
fn a_flipped_byte_in_a_consistency_proof_fails() {
    let (s, policy, mut bundle) = clean();
    let i = position(&bundle, s.at.registration);
    assert!(!bundle.entries[i].consistency.is_empty());
    let last = bundle.entries[i].consistency.len() - 1;
    bundle.entries[i].consistency[last] = flip_b64(&bundle.entries[i].consistency[last], 0);
    let report = verify(&bundle, &policy);
    assert_failed(
        &report,
        CheckName::EntryConsistency,
        Some(s.at.registration),
    );
    assert_passed(&report, CheckName::EntryInclusion, Some(s.at.registration));
    assert_passed(&report, CheckName::HeadTrusted, None);
}

#[test]
fn a_flipped_byte_in_the_anchor_checkpoint_text_fails() {
    let (s, policy, mut bundle) = clean();
    let i = position(&bundle, s.at.amendment);
    // The tree size line "5" becomes "4".
    let anchor = bundle.entries[i].anchor.replacen("\n5\n", "\n4\n", 1);
    assert_ne!(anchor, bundle.entries[i].anchor);
    bundle.entries[i].anchor = anchor;
    let report = verify(&bundle, &policy);
    let detail = assert_failed(&report, CheckName::EntryAnchor, Some(s.at.amendment));
    assert!(detail.contains("not trusted"), "{detail}");
    // The origin line, one byte changed.
    let (_, policy, mut bundle) = clean();
    bundle.entries[i].anchor =
        bundle.entries[i]
            .anchor
            .replacen("registry.example", "registry.exbmple", 1);
    assert_failed(
        &verify(&bundle, &policy),
        CheckName::EntryAnchor,
        Some(s.at.amendment),
    );
}

#[test]
fn a_flipped_byte_in_the_head_fails() {
    let (_, policy, mut bundle) = clean();
    let mut head = bundle.head.into_bytes();
    // A byte of the root line.
    let root_line = head.iter().position(|&b| b == b'\n').expect("lines") + 4;
    head[root_line + 1] ^= 0x01;
    bundle.head = String::from_utf8(head).expect("utf-8");
    let report = verify(&bundle, &policy);
    assert_failed(&report, CheckName::HeadTrusted, None);
    assert!(report.head.is_none());
}

#[test]
fn a_flipped_byte_in_a_cosignature_line_fails() {
    let (s, policy, mut bundle) = clean();
    let i = position(&bundle, s.at.results);
    let anchor = &bundle.entries[i].anchor;
    // The last signature line is the third witness's cosignature.
    let start = anchor.trim_end().rfind(' ').expect("signature line") + 1;
    let mut bytes = anchor.clone().into_bytes();
    bytes[start + 30] = if bytes[start + 30] == b'A' {
        b'B'
    } else {
        b'A'
    };
    bundle.entries[i].anchor = String::from_utf8(bytes).expect("utf-8");
    let report = verify(&bundle, &policy);
    let detail = assert_failed(&report, CheckName::EntryAnchor, Some(s.at.results));
    assert!(detail.contains("regulator"), "{detail}");
}

#[test]
fn a_wrong_log_key_in_the_policy_fails() {
    let (s, _, bundle) = clean();
    let impostor =
        SignerKey::from_seed(bundle_common::ORIGIN, KeyType::Ed25519, [0x99; 32]).expect("key");
    let mut builder = Policy::builder(impostor.verifier_key());
    for (name, key) in bundle_common::WITNESS_NAMES.iter().zip(&s.log.witnesses) {
        builder = builder.witness(*name, key.verifier_key());
    }
    let policy = builder.quorum(2).build().expect("policy");
    let report = verify(&bundle, &policy);
    assert_failed(&report, CheckName::HeadTrusted, None);
    assert_failed(&report, CheckName::EntryAnchor, Some(s.at.registration));
}

#[test]
fn fewer_cosignatures_than_the_quorum_fail() {
    let (_, policy, mut bundle) = clean();
    // Keep the log signature and the first cosignature only.
    let (body, signatures) = bundle.head.split_once("\n\n").expect("note");
    let kept: Vec<&str> = signatures.lines().take(2).collect();
    bundle.head = format!("{body}\n\n{}\n", kept.join("\n"));
    let report = verify(&bundle, &policy);
    let detail = assert_failed(&report, CheckName::HeadTrusted, None);
    assert!(detail.contains("only 1 of the required 2"), "{detail}");

    // A log whose checkpoints never reach a quorum of 3 has no bundle.
    let s = scenario(&Plan::default());
    let mut log = TestLog::new();
    log.leaves.clone_from(&s.log.leaves);
    log.publish_by(bundle_common::T_HEAD, &[0, 1]);
    let leaf_hashes = log.leaf_hashes();
    let policy3 = log.policy(3);
    let builder = BundleBuilder::new(&policy3, &leaf_hashes)
        .with_checkpoints(&log.archive)
        .expect("archive");
    assert_eq!(
        builder.build(&s.trial_id, &trial_entries(&log.leaves, &s.trial_id)),
        Err(BuildError::NoTrustedCheckpoint)
    );
}

#[test]
fn an_amendment_signed_by_another_key_fails() {
    let s = scenario(&Plan {
        amendment_key: fixtures::other_key(),
        ..Plan::default()
    });
    let policy = s.log.policy(2);
    let report = verify(&s.bundle(&policy), &policy);
    let detail = assert_failed(&report, CheckName::EntryRules, Some(s.at.amendment));
    assert!(detail.contains("belongs to key"), "{detail}");
    assert_passed(&report, CheckName::EntrySignature, Some(s.at.amendment));
    assert_passed(&report, CheckName::EntryInclusion, Some(s.at.amendment));
}

#[test]
fn a_broken_prev_chain_fails() {
    let s = scenario(&Plan {
        break_prev: true,
        ..Plan::default()
    });
    let policy = s.log.policy(2);
    let report = verify(&s.bundle(&policy), &policy);
    let detail = assert_failed(&report, CheckName::EntryRules, Some(s.at.status));
    assert!(detail.contains("prev is"), "{detail}");
    assert_passed(&report, CheckName::EntryRules, Some(s.at.amendment));
}

#[test]
fn a_bundle_missing_an_entry_breaks_the_chain() {
    let (s, policy, _) = clean();
    let a = s.at;
    let bundle = s.log.bundle_of(
        &policy,
        &s.trial_id,
        &[a.registration, a.status, a.consent, a.results],
    );
    let report = verify(&bundle, &policy);
    assert_failed(&report, CheckName::EntryRules, Some(a.status));
}

#[test]
fn an_entry_of_another_trial_fails() {
    let (s, policy, _) = clean();
    let a = s.at;
    // Leaf 2 is a status update of another trial, with valid proofs.
    let bundle = s.log.bundle_of(
        &policy,
        &s.trial_id,
        &[
            a.registration,
            2,
            a.amendment,
            a.status,
            a.consent,
            a.results,
        ],
    );
    let report = verify(&bundle, &policy);
    let detail = assert_failed(&report, CheckName::EntryTrial, Some(2));
    assert!(detail.contains(s.other_trial_id.as_str()), "{detail}");
    assert_passed(&report, CheckName::EntryInclusion, Some(2));
    assert_passed(&report, CheckName::EntryRules, Some(a.status));

    // A bundle that claims the other trial's id for our entries.
    let (_, policy, mut bundle) = clean();
    bundle.trial_id = s.other_trial_id.to_string();
    let report = verify(&bundle, &policy);
    assert_failed(&report, CheckName::TrialId, None);
    assert_failed(&report, CheckName::EntryTrial, Some(a.registration));
}

#[test]
fn a_supplied_document_that_differs_fails_naming_the_file() {
    let (_, policy, bundle) = clean();
    let mut docs = documents();
    let mut protocol = fixtures::document(fixtures::PROTOCOL_V1);
    protocol.push(b'\n');
    docs.push(SuppliedDocument::from_bytes(
        "edited-protocol.pdf",
        &protocol,
    ));
    let report = bundle.verify(&policy, &docs);
    let detail = assert_failed(&report, CheckName::Document, None);
    assert!(detail.contains("edited-protocol.pdf"), "{detail}");
    let row = report
        .documents
        .iter()
        .find(|d| d.file.as_deref() == Some("edited-protocol.pdf"))
        .expect("row");
    assert_eq!(row.status, DocumentStatus::Unmatched);
    assert_eq!(
        report
            .checks_named(CheckName::Document)
            .filter(|c| c.ok)
            .count(),
        4
    );
}

#[test]
fn a_changed_index_fails() {
    let (s, policy, mut bundle) = clean();
    let i = position(&bundle, s.at.status);
    bundle.entries[i].index = s.at.status + 1;
    let report = verify(&bundle, &policy);
    assert_failed(&report, CheckName::EntryInclusion, Some(s.at.status + 1));
    // An index beyond the anchor.
    let (_, policy, mut bundle) = clean();
    bundle.entries[i].index = 7;
    let report = verify(&bundle, &policy);
    assert_failed(&report, CheckName::EntryAnchorCovers, Some(7));
    // Entries out of order.
    let (_, policy, mut bundle) = clean();
    bundle.entries.swap(1, 2);
    let report = verify(&bundle, &policy);
    assert_failed(&report, CheckName::BundleEntries, None);
}

#[test]
fn wrong_format_origin_and_empty_bundles_fail() {
    let (_, policy, mut bundle) = clean();
    bundle.format = "trial-ledger-bundle/v2".into();
    assert_failed(&verify(&bundle, &policy), CheckName::BundleFormat, None);

    let (_, policy, mut bundle) = clean();
    bundle.origin = "elsewhere.example/log".into();
    assert_failed(&verify(&bundle, &policy), CheckName::BundleOrigin, None);

    let (_, policy, mut bundle) = clean();
    bundle.entries.clear();
    let report = verify(&bundle, &policy);
    assert_failed(&report, CheckName::BundleEntries, None);
    assert_failed(&report, CheckName::TrialId, None);

    // The registration left out: the first entry is an amendment.
    let (_, policy, mut bundle) = clean();
    bundle.entries.remove(0);
    let report = verify(&bundle, &policy);
    let detail = assert_failed(&report, CheckName::TrialId, None);
    assert!(detail.contains("not a valid registration"), "{detail}");
}

#[test]
fn malformed_fields_are_failed_checks_not_panics() {
    let (s, policy, mut bundle) = clean();
    bundle.entries[0].entry = "not base64!".into();
    bundle.entries[1].anchor = String::new();
    bundle.entries[2].inclusion = vec!["%%%".into(), String::new()];
    bundle.entries[3].consistency = vec!["AAAA".into(); 70];
    bundle.head = "\u{0}\n\n".into();
    let report = verify(&bundle, &policy);
    assert_eq!(report.verdict, Verdict::Failed);
    assert_failed(&report, CheckName::EntrySignature, Some(s.at.registration));
    assert_failed(&report, CheckName::EntryAnchor, Some(s.at.amendment));
    assert_failed(&report, CheckName::EntryInclusion, Some(s.at.status));
    assert_failed(&report, CheckName::HeadTrusted, None);
    assert!(report.timeline[0].entry_hash.is_none());
}

#[test]
fn unusable_input_is_an_error() {
    let policy = TestLog::new().policy(2);
    assert!(matches!(
        verify_bundle(b"not json", &policy, &[]),
        Err(BundleError::Json(_))
    ));
    assert!(matches!(
        verify_bundle(br#"{"format":"trial-ledger-bundle/v1"}"#, &policy, &[]),
        Err(BundleError::Json(_))
    ));
    let big = vec![b' '; MAX_BUNDLE_BYTES + 1];
    assert!(matches!(
        verify_bundle(&big, &policy, &[]),
        Err(BundleError::TooLarge { .. })
    ));
    let entry = r#"{"index":0,"entry":"","anchor":"","inclusion":[],"consistency":[]}"#;
    let many = format!(
        r#"{{"format":"x","origin":"x","trial_id":"x","head":"x","entries":[{}]}}"#,
        vec![entry; MAX_BUNDLE_ENTRIES + 1].join(",")
    );
    assert_eq!(
        verify_bundle(many.as_bytes(), &policy, &[]),
        Err(BundleError::TooManyEntries(MAX_BUNDLE_ENTRIES + 1))
    );
    let unknown = r#"{"format":"x","origin":"x","trial_id":"x","head":"x","entries":[],"extra":1}"#;
    assert!(verify_bundle(unknown.as_bytes(), &policy, &[]).is_err());
}

#[test]
fn a_retrospective_registration_is_a_finding() {
    let s = scenario(&Plan {
        first_enrolment: Some("2024-01-02".parse().expect("date")),
        ..Plan::default()
    });
    let policy = s.log.policy(2);
    let report = verify(&s.bundle(&policy), &policy);
    assert_eq!(
        report.verdict,
        Verdict::Findings,
        "{:#?}",
        report.failures().collect::<Vec<_>>()
    );
    assert_eq!(report.prospective.status, ProspectiveStatus::Retrospective);
    assert_failed_finding(&report, CheckName::TrialProspective);
    assert!(report.findings[0].contains("retrospectively"));
    // No version was witnessed before enrolment: the original registration.
    let from = report.prespecified_from.as_ref().expect("prespecified");
    assert_eq!(from.index, s.at.registration);
    assert!(from.note.contains("no version"), "{}", from.note);
    // S3 came with the amendment, after enrolment: reported, but added.
    let s3 = report
        .outcomes
        .iter()
        .find(|r| r.registered_id.as_deref() == Some("S3"))
        .expect("S3");
    assert_eq!(s3.status, OutcomeStatus::Added);

    // Registered on the day of the first enrolment: not shown to precede it.
    let s = scenario(&Plan {
        first_enrolment: Some("2024-01-15".parse().expect("date")),
        ..Plan::default()
    });
    let report = verify(&s.bundle(&policy), &policy);
    assert_eq!(report.prospective.status, ProspectiveStatus::Retrospective);
}

#[test]
fn no_enrolment_date_is_not_determinable_and_uses_the_original_registration() {
    let s = scenario(&Plan {
        first_enrolment: None,
        outcomes: bundle_common::complete_outcomes()
            .into_iter()
            .filter(|o| o.registered_id.as_deref() != Some("S3"))
            .collect(),
        ..Plan::default()
    });
    let policy = s.log.policy(2);
    let report = verify(&s.bundle(&policy), &policy);
    assert_eq!(
        report.verdict,
        Verdict::Verified,
        "{:#?}",
        report.failures().collect::<Vec<_>>()
    );
    assert_eq!(
        report.prospective.status,
        ProspectiveStatus::NotDeterminable
    );
    let check = report
        .checks_named(CheckName::TrialProspective)
        .next()
        .expect("check");
    assert!(check.ok && check.detail.starts_with("not determinable"));
    let from = report.prespecified_from.as_ref().expect("prespecified");
    assert_eq!(from.index, s.at.registration);
    assert!(
        from.note.contains("no actual first enrolment date"),
        "{}",
        from.note
    );
}

#[test]
fn undeclared_outcome_changes_are_findings_declared_ones_are_not() {
    let mut outcomes = bundle_common::complete_outcomes();
    outcomes[0].time_frame = "Baseline and 6 months".into();
    let s = scenario(&Plan {
        outcomes: outcomes.clone(),
        ..Plan::default()
    });
    let policy = s.log.policy(2);
    let report = verify(&s.bundle(&policy), &policy);
    assert_eq!(report.verdict, Verdict::Findings);
    let failures: Vec<_> = report.failures().map(|c| c.name).collect();
    assert_eq!(failures, [CheckName::Outcomes]);
    assert_failed_finding(&report, CheckName::Outcomes);
    assert_eq!(report.outcomes[0].status, OutcomeStatus::Changed);
    assert!(!report.outcomes[0].declared);
    assert!(report.findings[0].contains("P1"), "{:?}", report.findings);

    outcomes[0].change_reason = Some("Follow-up shortened by the DMC for safety.".into());
    let s = scenario(&Plan {
        outcomes,
        ..Plan::default()
    });
    let report = verify(&s.bundle(&policy), &policy);
    assert_eq!(report.verdict, Verdict::Verified, "{:?}", report.findings);
    assert_eq!(report.outcomes[0].status, OutcomeStatus::Changed);
    assert!(report.outcomes[0].declared);

    // The fixture's own results leave S2 out: missing is a finding.
    let mut outcomes = bundle_common::complete_outcomes();
    outcomes.remove(2);
    let s = scenario(&Plan {
        outcomes,
        ..Plan::default()
    });
    let report = verify(&s.bundle(&policy), &policy);
    assert_eq!(report.verdict, Verdict::Findings);
    assert!(
        report
            .outcomes
            .iter()
            .any(|r| r.status == OutcomeStatus::Missing && r.registered_id.as_deref() == Some("S2"))
    );
}

#[test]
fn builder_refuses_inconsistent_input() {
    let s = scenario(&Plan::default());
    let policy = s.log.policy(2);
    let leaf_hashes = s.log.leaf_hashes();
    let mut builder = BundleBuilder::new(&policy, &leaf_hashes)
        .with_checkpoints(&s.log.archive)
        .expect("archive");

    // An entry after the last checkpoint has no anchor yet.
    let mut log = TestLog::new();
    log.leaves.clone_from(&s.log.leaves);
    log.archive.clone_from(&s.log.archive);
    let extra = fixtures::consent_entry(
        &s.trial_id,
        &fixtures::form_hash(fixtures::CONSENT_V1),
        verifier::predicate::ConsentEvent::Withdrawn,
        9,
    )
    .expect("consent");
    let index = log.append(extra);
    let leaves = log.leaf_hashes();
    let later = BundleBuilder::new(&policy, &leaves)
        .with_checkpoints(&log.archive)
        .expect("archive");
    assert_eq!(
        later.build(&s.trial_id, &trial_entries(&log.leaves, &s.trial_id)),
        Err(BuildError::NotAnchored { index })
    );

    // Bytes that are not the leaf, and entries out of order.
    let registration = s.log.leaves[1].as_slice();
    assert_eq!(
        builder.build(&s.trial_id, &[(2, registration)]),
        Err(BuildError::EntryMismatch { index: 2 })
    );
    assert_eq!(
        builder.build(&s.trial_id, &[(1, registration), (1, registration)]),
        Err(BuildError::Order {
            previous: 1,
            index: 1
        })
    );
    assert_eq!(
        builder.build(&s.trial_id, &[]),
        Err(BuildError::NoEntries(s.trial_id.clone()))
    );
    // A checkpoint whose root is not the log's.
    let other = scenario(&Plan {
        first_enrolment: None,
        ..Plan::default()
    });
    builder
        .add_checkpoint(other.log.archive.last().expect("head"))
        .expect("a checkpoint of the log's size");
    assert_eq!(
        builder.build(&s.trial_id, &trial_entries(&s.log.leaves, &s.trial_id)),
        Err(BuildError::CheckpointRoot { size: 12 })
    );
    let mut bigger = TestLog::new();
    bigger.leaves.clone_from(&s.log.leaves);
    bigger.append(b"one more leaf".to_vec());
    let too_big = bigger.publish(bundle_common::T_HEAD);
    assert_eq!(
        builder.add_checkpoint(&too_big),
        Err(BuildError::CheckpointBeyondLog {
            size: 13,
            leaves: 12
        })
    );
    assert!(matches!(
        builder.add_checkpoint("not a note"),
        Err(BuildError::Note(_))
    ));
}

#[test]
fn the_report_json_has_the_documented_shape() {
    let (_, policy, bundle) = clean();
    let report = bundle.verify(&policy, &documents());
    let json: serde_json::Value =
        serde_json::from_str(&report.to_json_pretty()).expect("report JSON");
    assert_eq!(json["verdict"], "verified");
    assert_eq!(json["trial_id"], bundle.trial_id.as_str());
    assert_eq!(json["origin"], bundle_common::ORIGIN);
    let check = &json["checks"][0];
    assert_eq!(check["name"], "bundle.format");
    assert_eq!(check["ok"], true);
    assert!(check["detail"].is_string());
    let entry_check = json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == "entry.inclusion")
        .expect("entry check");
    assert_eq!(entry_check["index"], 1);
    let outcome = &json["outcomes"][0];
    for key in ["registered_id", "measure", "type", "status", "declared"] {
        assert!(outcome.get(key).is_some(), "outcome {key}");
    }
    assert_eq!(outcome["type"], "primary");
    assert_eq!(outcome["status"], "reported");
    let row = &json["timeline"][0];
    for key in ["index", "kind", "entry_hash", "witnessed_time", "dates"] {
        assert!(row.get(key).is_some(), "timeline {key}");
    }
    assert_eq!(row["kind"], "registration");
    assert!(json["timeline"][1]["reason"].is_string());
    assert_eq!(json["prespecified_from"]["index"], 4);
    assert!(json["prespecified_from"]["note"].is_string());
    assert_eq!(json["documents"][0]["status"], "matched");
    assert_eq!(json["prospective"]["status"], "prospective");
    // The report reads back.
    let back: Report = serde_json::from_value(json).expect("deserialise");
    assert_eq!(back, report);
}

#[test]
fn the_bundle_json_has_the_wire_shape_and_round_trips() {
    let (_, _, bundle) = clean();
    let json: serde_json::Value = serde_json::from_str(&bundle.to_json()).expect("JSON");
    let keys: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 5);
    for key in ["format", "origin", "trial_id", "head", "entries"] {
        assert!(keys.contains(&key), "{key}");
    }
    let entry = json["entries"][0].as_object().expect("entry");
    let mut keys: Vec<&str> = entry.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["anchor", "consistency", "entry", "inclusion", "index"]
    );
    assert_eq!(
        Bundle::parse(bundle.to_json_pretty().as_bytes()).expect("parse"),
        bundle
    );
}
