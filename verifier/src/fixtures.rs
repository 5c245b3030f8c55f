//! A realistic example trial, for tests, benchmarks and demos (cargo feature
//! `fixtures`; not part of the verifier's trusted surface).
//!
//! SALT-BP, a randomised salt-substitute trial, goes through the whole life
//! cycle: [`registration_entry`] → [`amendment_entry`] (sample size raised,
//! a secondary outcome added, protocol and consent form v2) →
//! [`status_entry`] (recruiting, first enrolment 2024-03-04) →
//! [`results_entry`] (P1 and S1 reported, S2 missing, one outcome added
//! with a declared reason), and participants' [`consent_entry`]s.
//! [`chain`] builds the four owner entries in order.
//!
//! Everything is deterministic: fixed keys, fixed documents, fixed times.
//! The keys are public knowledge; never use them for anything real.

use ed25519_dalek::SigningKey;

use crate::entry::{EntryBuilder, TrialId, entry_hash, sha256_hex};
use crate::predicate::{
    Amendment, Consent, ConsentEvent, ConsentForm, ConsentOption, Outcome, OutcomeType,
    RecruitmentStatus, Registration, ReportedOutcome, Results, StatusUpdate, Timestamp,
    TrialRecord,
};
use crate::statement::{ROLE_CONSENT_FORM, ROLE_CONSENT_RECORD, ROLE_PROTOCOL};

/// Why a fixture could not be built (only if the fixture itself is broken).
pub type FixtureError = Box<dyn std::error::Error + Send + Sync>;

/// The sponsor's (trial owner's) key.
pub fn sponsor_key() -> SigningKey {
    SigningKey::from_bytes(&[0x51; 32])
}

/// Somebody else's key (for "signed by another key" tests).
pub fn other_key() -> SigningKey {
    SigningKey::from_bytes(&[0x52; 32])
}

/// Participant `n`'s per-trial key.
pub fn participant_key(n: u8) -> SigningKey {
    let mut seed = [0x60; 32];
    seed[31] = n;
    SigningKey::from_bytes(&seed)
}

/// The bytes of an example document: deterministic text naming it.
pub fn document(name: &str) -> Vec<u8> {
    format!(
        "SALT-BP trial document {name}\n\nThis stands in for the real file; only its SHA-256 enters the ledger.\n"
    )
    .into_bytes()
}

/// Name of the protocol, version 1.
pub const PROTOCOL_V1: &str = "protocol-v1.pdf";
/// Name of the protocol, version 2 (the amendment).
pub const PROTOCOL_V2: &str = "protocol-v2.pdf";
/// Name of the consent form, version 1.
pub const CONSENT_V1: &str = "consent-v1-en.pdf";
/// Name of the consent form, version 2 (the amendment).
pub const CONSENT_V2: &str = "consent-v2-en.pdf";
/// Name of the clinical study report (a results subject).
pub const CSR: &str = "clinical-study-report.pdf";

fn ts(text: &str) -> Result<Timestamp, FixtureError> {
    Ok(text.parse()?)
}

/// SALT-BP's WHO data set as registered.
pub fn trial_record() -> Result<TrialRecord, FixtureError> {
    Ok(serde_json::from_str(include_str!("fixtures/trial.json"))?)
}

fn consent_form(subject: &str, version: &str) -> ConsentForm {
    ConsentForm {
        subject: subject.to_owned(),
        version: version.to_owned(),
        language: "en".to_owned(),
        options: vec![
            ConsentOption {
                id: "participate".to_owned(),
                label: "I agree to take part in the SALT-BP study.".to_owned(),
                required: true,
            },
            ConsentOption {
                id: "gp-letter".to_owned(),
                label: "I agree that my GP is told that I take part.".to_owned(),
                required: true,
            },
            ConsentOption {
                id: "future-research".to_owned(),
                label: "My anonymised data may be used in future research.".to_owned(),
                required: false,
            },
        ],
    }
}

/// The registration predicate (signed by [`sponsor_key`]).
pub fn registration() -> Result<Registration, FixtureError> {
    Ok(Registration {
        signer_key: String::new(),
        created_at: ts("2024-01-15T10:00:00Z")?,
        trial: trial_record()?,
        consent_forms: vec![consent_form(CONSENT_V1, "1")],
    })
}

/// The signed registration entry, with the protocol and consent form v1 as subjects.
pub fn registration_entry() -> Result<Vec<u8>, FixtureError> {
    Ok(EntryBuilder::registration(registration()?)
        .subject(
            PROTOCOL_V1,
            &sha256_hex(&document(PROTOCOL_V1)),
            ROLE_PROTOCOL,
            Some("1"),
        )
        .subject(
            CONSENT_V1,
            &sha256_hex(&document(CONSENT_V1)),
            ROLE_CONSENT_FORM,
            Some("1"),
        )
        .sign(&sponsor_key())?)
}

/// The amendment predicate: target sample size 400 → 480, a third secondary
/// outcome, protocol and consent form v2.
pub fn amendment(trial_id: &TrialId, prev: &str) -> Result<Amendment, FixtureError> {
    let mut trial = trial_record()?;
    trial.target_sample_size = 480;
    trial.secondary_outcomes.push(Outcome {
        id: "S3".to_owned(),
        measure: "Serum potassium".to_owned(),
        description: Some("Safety outcome, mmol/L.".to_owned()),
        time_frame: "3 and 12 months".to_owned(),
    });
    Ok(Amendment {
        signer_key: String::new(),
        created_at: ts("2024-02-20T14:30:00Z")?,
        trial_id: trial_id.to_string(),
        prev: prev.to_owned(),
        reason: "Sample size re-estimated after the feasibility review (protocol v2, section 9.2); serum potassium added as a safety outcome at the ethics committee's request.".to_owned(),
        trial,
        consent_forms: vec![consent_form(CONSENT_V2, "2")],
    })
}

/// The signed amendment entry, with protocol and consent form v2 as subjects.
pub fn amendment_entry(trial_id: &TrialId, prev: &str) -> Result<Vec<u8>, FixtureError> {
    Ok(EntryBuilder::amendment(amendment(trial_id, prev)?)
        .subject(
            PROTOCOL_V2,
            &sha256_hex(&document(PROTOCOL_V2)),
            ROLE_PROTOCOL,
            Some("2"),
        )
        .subject(
            CONSENT_V2,
            &sha256_hex(&document(CONSENT_V2)),
            ROLE_CONSENT_FORM,
            Some("2"),
        )
        .sign(&sponsor_key())?)
}

/// The status predicate: recruiting, first participant enrolled 2024-03-04.
pub fn status(trial_id: &TrialId, prev: &str) -> Result<StatusUpdate, FixtureError> {
    Ok(StatusUpdate {
        signer_key: String::new(),
        created_at: ts("2024-03-05T09:00:00Z")?,
        trial_id: trial_id.to_string(),
        prev: prev.to_owned(),
        recruitment_status: RecruitmentStatus::Recruiting,
        actual_first_enrolment: Some("2024-03-04".parse()?),
        actual_completion: None,
    })
}

/// The signed status entry.
pub fn status_entry(trial_id: &TrialId, prev: &str) -> Result<Vec<u8>, FixtureError> {
    Ok(EntryBuilder::status(status(trial_id, prev)?).sign(&sponsor_key())?)
}

/// The results predicate: P1 and S1 as registered, S3 reported, S2 missing,
/// and an added outcome with a declared reason.
pub fn results(trial_id: &TrialId, prev: &str) -> Result<Results, FixtureError> {
    let outcome = |id: Option<&str>, measure: &str, t: OutcomeType, frame: &str, result: &str| {
        ReportedOutcome {
            registered_id: id.map(str::to_owned),
            measure: measure.to_owned(),
            outcome_type: t,
            time_frame: frame.to_owned(),
            result: result.to_owned(),
            change_reason: None,
        }
    };
    let mut added = outcome(
        None,
        "Stroke or major adverse cardiovascular event",
        OutcomeType::Other,
        "12 months",
        "4 vs 7 events (hazard ratio 0.57, 95% CI 0.17 to 1.94)",
    );
    added.change_reason =
        Some("Requested by the data monitoring committee; exploratory, not powered.".to_owned());
    Ok(Results {
        signer_key: String::new(),
        created_at: ts("2025-11-03T16:00:00Z")?,
        trial_id: trial_id.to_string(),
        prev: prev.to_owned(),
        outcomes: vec![
            outcome(
                Some("P1"),
                "Change in mean seated systolic blood pressure",
                OutcomeType::Primary,
                "Baseline and 12 months",
                "-4.9 mmHg vs -1.2 mmHg (difference -3.7, 95% CI -5.6 to -1.8)",
            ),
            outcome(
                Some("S1"),
                "Change in mean seated diastolic blood pressure",
                OutcomeType::Secondary,
                "Baseline and 12 months",
                "-1.8 mmHg vs -0.6 mmHg (difference -1.2, 95% CI -2.3 to -0.1)",
            ),
            outcome(
                Some("S3"),
                "Serum potassium",
                OutcomeType::Secondary,
                "3 and 12 months",
                "No participant above 5.5 mmol/L",
            ),
            added,
        ],
        summary: "In 472 adults aged 60 and over, a potassium-enriched salt substitute lowered systolic blood pressure by 3.7 mmHg more than regular salt over 12 months, without hyperkalaemia.".to_owned(),
    })
}

/// The signed results entry, with the clinical study report as subject.
pub fn results_entry(trial_id: &TrialId, prev: &str) -> Result<Vec<u8>, FixtureError> {
    Ok(EntryBuilder::results(results(trial_id, prev)?)
        .subject(
            CSR,
            &sha256_hex(&document(CSR)),
            "clinical-study-report",
            Some("1.0"),
        )
        .sign(&sponsor_key())?)
}

/// The consent predicate for form `form_sha256`.
pub fn consent(
    trial_id: &TrialId,
    form_sha256: &str,
    event: ConsentEvent,
) -> Result<Consent, FixtureError> {
    Ok(Consent {
        signer_key: String::new(),
        created_at: ts("2024-03-04T11:15:00+01:00")?,
        trial_id: trial_id.to_string(),
        form: form_sha256.to_owned(),
        event,
    })
}

/// A consent entry by participant `n`, with its `consent-record` commitment.
pub fn consent_entry(
    trial_id: &TrialId,
    form_sha256: &str,
    event: ConsentEvent,
    n: u8,
) -> Result<Vec<u8>, FixtureError> {
    let mut committed = vec![n; 16]; // the salt
    committed.extend_from_slice(format!("signed consent record of participant {n}").as_bytes());
    Ok(
        EntryBuilder::consent(consent(trial_id, form_sha256, event)?)
            .subject(
                "consent-record",
                &sha256_hex(&committed),
                ROLE_CONSENT_RECORD,
                None,
            )
            .sign(&participant_key(n))?,
    )
}

/// SHA-256 of consent form `name` (for [`consent_entry`]).
pub fn form_hash(name: &str) -> String {
    sha256_hex(&document(name))
}

/// The trial's owner entries in order: registration, amendment, status, results.
#[derive(Debug, Clone)]
pub struct Chain {
    /// The trial's id.
    pub trial_id: TrialId,
    /// The entry bytes, in order.
    pub entries: Vec<Vec<u8>>,
}

/// Builds [`Chain`]: each entry's `prev` is the previous entry's hash.
pub fn chain() -> Result<Chain, FixtureError> {
    let registration = registration_entry()?;
    let trial_id = TrialId::for_registration(&registration);
    let amendment = amendment_entry(&trial_id, &entry_hash(&registration))?;
    let status = status_entry(&trial_id, &entry_hash(&amendment))?;
    let results = results_entry(&trial_id, &entry_hash(&status))?;
    Ok(Chain {
        trial_id,
        entries: vec![registration, amendment, status, results],
    })
}
