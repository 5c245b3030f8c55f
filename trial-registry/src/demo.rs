//! The example trials of `trial-registry serve --demo`: a few realistic,
//! signed trial histories so that a newcomer sees a populated portal.
//!
//! | trial | source | entries | what it shows |
//! |---|---|---|---|
//! | SALT-BP | `verifier::fixtures` | registration → amendment (reason) → status (first enrolment 2024-03-04) → 2 consents → results | a full life cycle; results miss secondary outcome S2 (a finding) and add one outcome with a declared reason |
//! | NCT00763412 | the real ClinicalTrials.gov record in `data/` (imported with [`verifier::ctgov`]) | registration → status (complete; started 2006-11, completed 2013-01) → results (9 outcome measures) | an import from CT.gov; the record's own file is a subject of the registration |
//! | SLEEP-WELL | `data/sleep-well.json` (fictional) | registration → amendment (second site, sample size 180 → 240) → status (first enrolment 2025-02-10) → results | an **undeclared** change: the primary outcome is reported at 12 weeks instead of the registered 8, an outcome is added without a reason, and S2 is missing |
//! | HANDS-ON | `data/hands-on.json` (fictional) | registration | a trial not yet recruiting |
//!
//! The imported trial has no amendment: a CT.gov record shows only the
//! registration's latest version, so any amendment would be invented.
//!
//! Everything is deterministic: fixed texts and `created_at` times, and
//! **demo keys** derived from fixed seeds ([`demo_key`]) — public knowledge,
//! never to be used for anything real. The same bytes every time, so
//! seeding again finds every entry already present (the log answers an
//! identical resubmission with its existing index) and restarts with
//! `--demo` are idempotent.
//!
//! The log is seeded when the server starts, so each entry's *witnessed*
//! time is the seeding time: next to their historical first-enrolment
//! dates, the trials are (correctly) reported as registered
//! retrospectively. HANDS-ON, whose enrolment has not started, is the
//! exception.
//!
//! What this is not: test data for rules (see `verifier::fixtures`), or
//! anything the registry trusts: the entries go through the ordinary
//! submission path.

use std::fmt::Display;
use std::future::Future;

use ed25519_dalek::SigningKey;
use sha2::{Digest as _, Sha256};
use verifier::ctgov;
use verifier::entry::{EntryBuilder, EntryError, TrialId, entry_hash, sha256_hex};
use verifier::fixtures;
use verifier::predicate::{
    Amendment, ConsentEvent, OutcomeType, RecruitmentStatus, Registration, ReportedOutcome,
    Results, StatusUpdate, Timestamp, TrialRecord,
};
use verifier::statement::ROLE_PROTOCOL;

use crate::log::{Log, Submitted};

/// The ClinicalTrials.gov record imported by the demo.
pub const CTGOV_RECORD: &[u8] = include_bytes!("../data/NCT00763412.json");
const SLEEP_WELL: &str = include_str!("../data/sleep-well.json");
const HANDS_ON: &str = include_str!("../data/hands-on.json");

/// Why the demo could not be built or seeded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A demo trial's data does not make a valid entry (a bug in the demo).
    #[error("demo trial {trial}: {message}")]
    Data {
        /// The trial's short name.
        trial: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The log refused or failed to store a demo entry.
    #[error("seeding demo entry {position} (trial {trial}): {message}")]
    Submit {
        /// Position in [`demo_entries`].
        position: usize,
        /// The trial's id.
        trial: String,
        /// What the log said.
        message: String,
    },
}

/// One demo trial and its entries, in order.
#[derive(Debug, Clone)]
pub struct DemoTrial {
    /// Short name, e.g. `SALT-BP`.
    pub name: &'static str,
    /// The trial's id.
    pub trial_id: TrialId,
    /// Its entries (exact signed bytes), in chain order.
    pub entries: Vec<Vec<u8>>,
}

/// What [`seed`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Entries newly sequenced.
    pub added: usize,
    /// Entries already in the log.
    pub present: usize,
}

/// The demo signing key named `name`: Ed25519 from the seed
/// SHA-256(`"trial-ledger demo key v1: " ‖ name`). **Demo only**: anyone can
/// derive it.
pub fn demo_key(name: &str) -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(format!("trial-ledger demo key v1: {name}")).into();
    SigningKey::from_bytes(&seed)
}

/// The bytes standing in for demo document `name` of `trial` (only their
/// SHA-256 is on the ledger).
pub fn demo_document(trial: &str, name: &str) -> Vec<u8> {
    format!(
        "Trial Ledger demo document {name} of {trial}.\nThis stands in for the real file; only its SHA-256 is on the ledger.\n"
    )
    .into_bytes()
}

/// The demo trials (see the module documentation).
pub fn demo_trials() -> Result<Vec<DemoTrial>, DemoError> {
    Ok(vec![salt_bp()?, ctgov_trial()?, sleep_well()?, hands_on()?])
}

/// Every demo entry in the order the demo submits them: the trials'
/// chains interleaved (all first entries, then all second entries, …), as
/// a log receiving them over time would order them.
pub fn demo_entries() -> Result<Vec<Vec<u8>>, DemoError> {
    Ok(interleave(demo_trials()?)
        .into_iter()
        .map(|(_, bytes)| bytes)
        .collect())
}

fn interleave(trials: Vec<DemoTrial>) -> Vec<(TrialId, Vec<u8>)> {
    let longest = trials.iter().map(|t| t.entries.len()).max().unwrap_or(0);
    let mut out = Vec::new();
    for step in 0..longest {
        for trial in &trials {
            if let Some(bytes) = trial.entries.get(step) {
                out.push((trial.trial_id.clone(), bytes.clone()));
            }
        }
    }
    out
}

/// Seeds `log` with the demo entries, skipping those already present.
pub async fn seed(log: &Log) -> Result<SeedReport, DemoError> {
    let report = seed_with(|bytes| async move {
        log.submit_bytes(&bytes)
            .await
            .map(|s| matches!(s, Submitted::New(_)))
    })
    .await?;
    tracing::info!(
        added = report.added,
        present = report.present,
        "--demo: example trials seeded (demo keys; not real trials except the imported ClinicalTrials.gov record)"
    );
    Ok(report)
}

/// [`seed`] through any submission function: `submit` sequences one entry
/// and says whether it is new (`true`) or was already present (`false`).
/// Entries are submitted one at a time, in order (each trial's chain needs
/// its predecessor sequenced).
pub async fn seed_with<F, Fut, E>(mut submit: F) -> Result<SeedReport, DemoError>
where
    F: FnMut(Vec<u8>) -> Fut,
    Fut: Future<Output = Result<bool, E>>,
    E: Display,
{
    let mut report = SeedReport::default();
    for (position, (trial_id, bytes)) in interleave(demo_trials()?).into_iter().enumerate() {
        match submit(bytes).await {
            Ok(true) => report.added += 1,
            Ok(false) => report.present += 1,
            Err(e) => {
                return Err(DemoError::Submit {
                    position,
                    trial: trial_id.to_string(),
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(report)
}

fn data_error(trial: &'static str) -> impl Fn(String) -> DemoError {
    move |message| DemoError::Data { trial, message }
}

fn ts(trial: &'static str, text: &str) -> Result<Timestamp, DemoError> {
    text.parse()
        .map_err(|e| data_error(trial)(format!("{text}: {e}")))
}

fn sign(
    trial: &'static str,
    builder: &EntryBuilder,
    key: &SigningKey,
) -> Result<Vec<u8>, DemoError> {
    builder
        .sign(key)
        .map_err(|e: EntryError| data_error(trial)(e.to_string()))
}

/// SALT-BP: the verifier's example trial, with two participants' consents.
fn salt_bp() -> Result<DemoTrial, DemoError> {
    const NAME: &str = "SALT-BP";
    let err = data_error(NAME);
    let chain = fixtures::chain().map_err(|e| err(e.to_string()))?;
    let trial_id = chain.trial_id.clone();
    let mut entries = chain.entries;
    // Results last: the consents come between the status and the results.
    let results = entries.pop().ok_or_else(|| err("empty chain".to_owned()))?;
    for n in 1..=2 {
        entries.push(
            fixtures::consent_entry(
                &trial_id,
                &fixtures::form_hash(fixtures::CONSENT_V2),
                ConsentEvent::Given,
                n,
            )
            .map_err(|e| err(e.to_string()))?,
        );
    }
    entries.push(results);
    Ok(DemoTrial {
        name: NAME,
        trial_id,
        entries,
    })
}

/// NCT00763412, imported from its ClinicalTrials.gov record.
fn ctgov_trial() -> Result<DemoTrial, DemoError> {
    const NAME: &str = "NCT00763412";
    let err = data_error(NAME);
    let key = demo_key("ctgov-import");
    let import = ctgov::import(CTGOV_RECORD).map_err(|e| err(e.to_string()))?;
    let registration = EntryBuilder::registration(Registration {
        signer_key: String::new(),
        created_at: ts(NAME, "2025-06-02T09:00:00Z")?,
        trial: import.trial.clone(),
        consent_forms: Vec::new(),
    })
    // The exact record imported, so anyone holding it can match it.
    .subject(
        "clinicaltrials.gov-NCT00763412.json",
        &sha256_hex(CTGOV_RECORD),
        "registry-record",
        None,
    );
    let registration = sign(NAME, &registration, &key)?;
    let trial_id = TrialId::for_registration(&registration);

    // CT.gov records of that era do not mark the start date as actual; the
    // study completed in 2013, so its start date (2006-11) is the date the
    // first participant was enrolled.
    let status = EntryBuilder::status(StatusUpdate {
        signer_key: String::new(),
        created_at: ts(NAME, "2025-06-02T09:05:00Z")?,
        trial_id: trial_id.to_string(),
        prev: entry_hash(&registration),
        recruitment_status: RecruitmentStatus::Complete,
        actual_first_enrolment: Some(
            import
                .actual_first_enrolment
                .unwrap_or(import.trial.date_of_first_enrolment),
        ),
        actual_completion: import.actual_completion.or(import.trial.completion_date),
    });
    let status = sign(NAME, &status, &key)?;

    let imported = import
        .results
        .ok_or_else(|| err("the record has no results section".to_owned()))?;
    let results = EntryBuilder::results(Results {
        signer_key: String::new(),
        created_at: ts(NAME, "2025-06-02T09:10:00Z")?,
        trial_id: trial_id.to_string(),
        prev: entry_hash(&status),
        outcomes: imported.outcomes,
        summary: imported.summary,
    });
    let results = sign(NAME, &results, &key)?;
    Ok(DemoTrial {
        name: NAME,
        trial_id,
        entries: vec![registration, status, results],
    })
}

fn record(trial: &'static str, json: &str) -> Result<TrialRecord, DemoError> {
    serde_json::from_str(json).map_err(|e| data_error(trial)(e.to_string()))
}

fn protocol(trial: &'static str, version: &str) -> (String, String) {
    let name = format!("protocol-v{version}.pdf");
    let digest = sha256_hex(&demo_document(trial, &name));
    (name, digest)
}

/// SLEEP-WELL: an amendment with a reason, then results that change the
/// primary outcome's time frame and add an outcome without saying why.
fn sleep_well() -> Result<DemoTrial, DemoError> {
    const NAME: &str = "SLEEP-WELL";
    let key = demo_key("harbourside-university");
    let registered = record(NAME, SLEEP_WELL)?;
    let (p1, d1) = protocol(NAME, "1");
    let registration = EntryBuilder::registration(Registration {
        signer_key: String::new(),
        created_at: ts(NAME, "2024-12-02T08:30:00+01:00")?,
        trial: registered.clone(),
        consent_forms: Vec::new(),
    })
    .subject(&p1, &d1, ROLE_PROTOCOL, Some("1"));
    let registration = sign(NAME, &registration, &key)?;
    let trial_id = TrialId::for_registration(&registration);

    let mut amended = registered.clone();
    amended.target_sample_size = 240;
    amended.countries.push("Portugal".to_owned());
    amended.completion_date = Some(
        "2026-03"
            .parse()
            .map_err(|e| data_error(NAME)(format!("{e}")))?,
    );
    let (p2, d2) = protocol(NAME, "2");
    let amendment = EntryBuilder::amendment(Amendment {
        signer_key: String::new(),
        created_at: ts(NAME, "2025-04-14T10:00:00+02:00")?,
        trial_id: trial_id.to_string(),
        prev: entry_hash(&registration),
        reason: "Recruitment was slower than planned: a second site (Porto) joins, and the target sample size rises from 180 to 240 to keep 80% power with the drop-out seen so far (protocol v2, section 8).".to_owned(),
        trial: amended,
        consent_forms: Vec::new(),
    })
    .subject(&p2, &d2, ROLE_PROTOCOL, Some("2"));
    let amendment = sign(NAME, &amendment, &key)?;

    let status = EntryBuilder::status(StatusUpdate {
        signer_key: String::new(),
        created_at: ts(NAME, "2025-04-14T10:05:00+02:00")?,
        trial_id: trial_id.to_string(),
        prev: entry_hash(&amendment),
        recruitment_status: RecruitmentStatus::Recruiting,
        actual_first_enrolment: Some(
            "2025-02-10"
                .parse()
                .map_err(|e| data_error(NAME)(format!("{e}")))?,
        ),
        actual_completion: None,
    });
    let status = sign(NAME, &status, &key)?;

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
    let results = EntryBuilder::results(Results {
        signer_key: String::new(),
        created_at: ts(NAME, "2026-05-20T15:00:00+02:00")?,
        trial_id: trial_id.to_string(),
        prev: entry_hash(&status),
        outcomes: vec![
            // Registered at 8 weeks; reported at 12, with no reason given.
            outcome(
                Some("P1"),
                "Insomnia Severity Index total score",
                OutcomeType::Primary,
                "12 weeks after randomisation",
                "Mean 9.1 vs 13.4 (difference -4.3, 95% CI -5.9 to -2.7)",
            ),
            outcome(
                Some("S1"),
                "Sleep efficiency measured by wrist actigraphy",
                OutcomeType::Secondary,
                "8 weeks after randomisation",
                "84.2% vs 80.9% (difference 3.3 points, 95% CI 0.8 to 5.8)",
            ),
            // Not registered, no reason given.
            outcome(
                None,
                "Daytime sleepiness (Epworth Sleepiness Scale)",
                OutcomeType::Secondary,
                "12 weeks after randomisation",
                "Mean 7.8 vs 9.6 (difference -1.8, 95% CI -3.0 to -0.6)",
            ),
        ],
        summary: "In 231 night-shift nurses, the sleep app reduced insomnia severity more than sleep hygiene education.".to_owned(),
    });
    let results = sign(NAME, &results, &key)?;
    Ok(DemoTrial {
        name: NAME,
        trial_id,
        entries: vec![registration, amendment, status, results],
    })
}

/// HANDS-ON: registered, not yet recruiting.
fn hands_on() -> Result<DemoTrial, DemoError> {
    const NAME: &str = "HANDS-ON";
    let key = demo_key("lakeland-public-health-institute");
    let (p1, d1) = protocol(NAME, "1");
    let registration = EntryBuilder::registration(Registration {
        signer_key: String::new(),
        created_at: ts(NAME, "2026-09-01T09:00:00+02:00")?,
        trial: record(NAME, HANDS_ON)?,
        consent_forms: Vec::new(),
    })
    .subject(&p1, &d1, ROLE_PROTOCOL, Some("1"));
    let registration = sign(NAME, &registration, &key)?;
    Ok(DemoTrial {
        name: NAME,
        trial_id: TrialId::for_registration(&registration),
        entries: vec![registration],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use verifier::compare::compare_outcomes;
    use verifier::trial::Ledger;

    #[test]
    fn the_demo_is_a_valid_deterministic_ledger() {
        let entries = demo_entries().unwrap();
        assert_eq!(entries, demo_entries().unwrap(), "deterministic");
        assert_eq!(entries.len(), 6 + 3 + 4 + 1);
        let mut ledger = Ledger::new();
        for (i, bytes) in entries.iter().enumerate() {
            ledger.apply(i as u64, bytes).unwrap();
            assert!(bytes.len() < 64 * 1024);
        }
        assert_eq!(ledger.len(), 4);
        for trial in demo_trials().unwrap() {
            let history = ledger.trial(&trial.trial_id).unwrap();
            assert_eq!(history.entries.len(), trial.entries.len(), "{}", trial.name);
        }
    }

    #[test]
    fn the_imported_trial_carries_the_nct_id_and_results() {
        let trials = demo_trials().unwrap();
        let ctgov = &trials[1];
        let mut ledger = Ledger::new();
        for (i, bytes) in ctgov.entries.iter().enumerate() {
            ledger.apply(i as u64, bytes).unwrap();
        }
        let history = ledger.trial(&ctgov.trial_id).unwrap();
        let current = &history.current().unwrap().trial;
        assert!(current.secondary_ids.iter().any(|s| s.id == "NCT00763412"));
        assert_eq!(history.results.len(), 1);
        assert_eq!(history.results[0].results.outcomes.len(), 9);
        assert_eq!(history.status, RecruitmentStatus::Complete);
    }

    #[test]
    fn sleep_well_shows_undeclared_changes() {
        let trials = demo_trials().unwrap();
        let sleep = &trials[2];
        let mut ledger = Ledger::new();
        for (i, bytes) in sleep.entries.iter().enumerate() {
            ledger.apply(i as u64, bytes).unwrap();
        }
        let history = ledger.trial(&sleep.trial_id).unwrap();
        let registered = &history.registration().unwrap().trial;
        let reported = &history.latest_results().unwrap().results;
        let comparison = compare_outcomes(registered, &reported.outcomes);
        assert!(comparison.has_findings());
        // The changed primary outcome, the added one and the missing S2.
        assert_eq!(comparison.findings().count(), 3, "{comparison:#?}");
    }

    #[tokio::test]
    async fn seeding_twice_adds_nothing_the_second_time() {
        use std::collections::HashSet;
        use std::sync::Mutex;
        let seen = Mutex::new(HashSet::new());
        let submit = |bytes: Vec<u8>| {
            let new = seen.lock().unwrap().insert(bytes);
            async move { Ok::<bool, String>(new) }
        };
        let first = seed_with(submit).await.unwrap();
        assert_eq!(first.present, 0);
        assert_eq!(first.added, 14);
        let second = seed_with(submit).await.unwrap();
        assert_eq!(
            second,
            SeedReport {
                added: 0,
                present: 14
            }
        );
        let failing = seed_with(|_| async { Err::<bool, _>("disk full") }).await;
        assert!(matches!(
            failing,
            Err(DemoError::Submit { position: 0, .. })
        ));
    }
}
