//! The trial state machine: folds ledger entries, in log order, into one
//! history per trial, and refuses any entry that breaks DESIGN §2's rules.
//!
//! It is pure (no I/O, no clock) and incremental: [`Ledger::apply`] costs
//! O(size of the entry), so the registry can fold millions of entries, and
//! every verifier re-checks the registry with the same code.
//!
//! Rules, beyond [`Entry::parse`]'s checks of each entry on its own:
//!
//! - a **registration** may be signed by any key, which becomes the trial's
//!   owner; its trial id is derived from its hash, so registering the same
//!   bytes twice is a [`RuleError::DuplicateRegistration`] (the registry
//!   answers idempotent resubmissions by `entry_hash` before asking);
//! - an **amendment**, **status** update or **results** entry names an
//!   existing trial, is signed by its owner key, and its `prev` is the
//!   trial's current head: one linear history per trial;
//! - a **consent** entry names an existing trial and one of its registered
//!   consent forms (the SHA-256 of any version registered by the
//!   registration or an amendment so far), and may be signed by any key (a
//!   per-trial participant key).
//!
//! **The head** is the `entry_hash` of the trial's latest *owner* entry
//! (registration, amendment, status, results). Consent entries are part of
//! the trial's history but do not move the head: otherwise every
//! participant's consent would make the sponsor's next `prev` stale, and
//! participants could block the sponsor.
//!
//! Entries must be applied in increasing log index order
//! ([`RuleError::IndexOrder`]); indexes need not be contiguous (a verifier
//! folds only one trial's entries from a bundle).

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;

use crate::entry::{Entry, EntryError, TrialId, encode_signer_key};
use crate::merkle::hex;
use crate::predicate::{
    ConsentEvent, ConsentForm, Date, Predicate, PredicateKind, RecruitmentStatus, Results,
    TrialRecord,
};
use crate::statement::Subject;

/// Why an entry is refused, naming the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The entry itself is invalid (size, envelope, signature, fields).
    #[error("invalid entry: {0}")]
    Invalid(#[from] EntryError),
    /// The entry names a trial that is not registered (yet).
    #[error("trial {0} is not registered on this ledger; register it first, or check the trial_id")]
    UnknownTrial(TrialId),
    /// The registration is already on the ledger.
    #[error(
        "trial {0} is already registered by these exact bytes; to change a registration, submit an amendment"
    )]
    DuplicateRegistration(TrialId),
    /// An owner-only entry is signed by another key.
    #[error(
        "this {kind} entry is signed by key {got}, but trial {trial_id} belongs to key {expected}: only the key that registered a trial may amend it, update its status or report its results"
    )]
    NotOwner {
        /// The trial.
        trial_id: TrialId,
        /// What kind of entry.
        kind: PredicateKind,
        /// The owner key (base64).
        expected: String,
        /// The signing key (base64).
        got: String,
    },
    /// `prev` is not the trial's current head (HTTP 409 at the registry).
    #[error(
        "prev is {got}, but the latest entry of trial {trial_id} is {expected_head}: the trial changed since this entry was prepared; rebuild it on the latest entry and sign again"
    )]
    StalePrev {
        /// The trial.
        trial_id: TrialId,
        /// The trial's current head `entry_hash`.
        expected_head: String,
        /// The entry's `prev`.
        got: String,
    },
    /// A consent entry names a form the trial never registered.
    #[error(
        "consent form {form} is not one of trial {trial_id}'s registered consent forms ({})",
        if registered.is_empty() { "it has none".to_owned() } else { registered.join(", ") }
    )]
    UnknownConsentForm {
        /// The trial.
        trial_id: TrialId,
        /// The consent entry's `form`.
        form: String,
        /// The SHA-256 of every consent form the trial registered so far.
        registered: Vec<String>,
    },
    /// Entries must be applied in increasing log index order.
    #[error("entry index {got} is not after the previous entry's index {previous}")]
    IndexOrder {
        /// The last index applied.
        previous: u64,
        /// The index given.
        got: u64,
    },
}

/// What [`Ledger::apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The trial the entry belongs to (new for a registration).
    pub trial_id: TrialId,
    /// The entry's `entry_hash`.
    pub entry_hash: String,
    /// The entry's kind.
    pub kind: PredicateKind,
}

/// One entry of a trial's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Its index in the log.
    pub index: u64,
    /// SHA-256 of its bytes.
    pub hash: [u8; 32],
    /// Its kind.
    pub kind: PredicateKind,
}

impl HistoryEntry {
    /// Its `entry_hash` (lowercase hex).
    pub fn entry_hash(&self) -> String {
        hex(&self.hash)
    }
}

/// The registration as it stood after the registration or one amendment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationVersion {
    /// Log index of the registration or amendment.
    pub index: u64,
    /// Its `entry_hash`.
    pub entry_hash: String,
    /// The WHO data set in force from then on.
    pub trial: TrialRecord,
    /// The consent forms listed by this version.
    pub consent_forms: Vec<ConsentForm>,
    /// The documents (subjects) of this version.
    pub subjects: Vec<Subject>,
    /// The amendment's reason; `None` for the original registration.
    pub reason: Option<String>,
}

/// A results entry of a trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsVersion {
    /// Its log index.
    pub index: u64,
    /// Its `entry_hash`.
    pub entry_hash: String,
    /// The reported outcomes and summary.
    pub results: Results,
    /// The result documents (subjects).
    pub subjects: Vec<Subject>,
}

/// A consent form registered by a registration or an amendment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredForm {
    /// SHA-256 of the form document (what consent entries name).
    pub sha256: String,
    /// The subject's name, e.g. `consent-v1-en.pdf`.
    pub subject: String,
    /// The form's version.
    pub version: String,
    /// The form's language.
    pub language: String,
    /// Log index of the entry that first registered it.
    pub index: u64,
}

/// Numbers of consent events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsentCounts {
    /// `given` events.
    pub given: u64,
    /// `withdrawn` events.
    pub withdrawn: u64,
}

/// Everything the ledger says about one trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialHistory {
    /// The trial's id.
    pub trial_id: TrialId,
    /// The owner key: the registration's signer.
    pub owner: VerifyingKey,
    /// SHA-256 of the latest owner entry (see the module docs).
    pub head: [u8; 32],
    /// Every entry of the trial in log order, consent entries included.
    pub entries: Vec<HistoryEntry>,
    /// The registration, then the record after each amendment.
    pub versions: Vec<RegistrationVersion>,
    /// The current recruitment status: the latest status update's; before
    /// any status update, the current registration version's.
    pub status: RecruitmentStatus,
    /// Log index of the status update that set [`Self::status`] (`None`
    /// while it comes from the registration or an amendment).
    pub status_index: Option<u64>,
    /// The actual first enrolment date from the latest status update that gave one.
    pub actual_first_enrolment: Option<Date>,
    /// Log index of the status update that last set [`Self::actual_first_enrolment`].
    pub actual_first_enrolment_index: Option<u64>,
    /// The actual completion date from the latest status update that gave one.
    pub actual_completion: Option<Date>,
    /// Every results entry, in order (a later one corrects an earlier one).
    pub results: Vec<ResultsVersion>,
    /// Every consent form ever registered, in order, unique by SHA-256.
    pub consent_forms: Vec<RegisteredForm>,
    /// Consent events per form SHA-256.
    pub consent_by_form: BTreeMap<String, ConsentCounts>,
}

impl TrialHistory {
    /// The current head `entry_hash` (lowercase hex).
    pub fn head_hex(&self) -> String {
        hex(&self.head)
    }

    /// The owner key as written in `signer_key` (base64).
    pub fn owner_base64(&self) -> String {
        encode_signer_key(&self.owner)
    }

    /// The original registration.
    pub fn registration(&self) -> Option<&RegistrationVersion> {
        self.versions.first()
    }

    /// The registration as currently amended.
    pub fn current(&self) -> Option<&RegistrationVersion> {
        self.versions.last()
    }

    /// The latest results entry, if any.
    pub fn latest_results(&self) -> Option<&ResultsVersion> {
        self.results.last()
    }

    /// Consent events over all forms.
    pub fn consent_counts(&self) -> ConsentCounts {
        self.consent_by_form
            .values()
            .fold(ConsentCounts::default(), |acc, c| ConsentCounts {
                given: acc.given + c.given,
                withdrawn: acc.withdrawn + c.withdrawn,
            })
    }

    /// Whether `sha256` is one of the trial's registered consent forms.
    pub fn has_consent_form(&self, sha256: &str) -> bool {
        self.consent_forms.iter().any(|f| f.sha256 == sha256)
    }

    fn record_forms(&mut self, index: u64, forms: &[ConsentForm], subjects: &[Subject]) {
        for form in forms {
            // Entry validation guarantees the subject exists.
            let Some(subject) = subjects.iter().find(|s| s.name == form.subject) else {
                continue;
            };
            if self.has_consent_form(&subject.digest.sha256) {
                continue;
            }
            self.consent_forms.push(RegisteredForm {
                sha256: subject.digest.sha256.clone(),
                subject: form.subject.clone(),
                version: form.version.clone(),
                language: form.language.clone(),
                index,
            });
        }
    }
}

/// All trials of a ledger, folded from its entries in log order.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    trials: BTreeMap<TrialId, TrialHistory>,
    last_index: Option<u64>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Parses `bytes` and checks every rule against the current state,
    /// without changing it. The registry calls this before sequencing.
    pub fn check(&self, bytes: &[u8]) -> Result<Entry, RuleError> {
        let entry = Entry::parse(bytes)?;
        self.check_entry(&entry)?;
        Ok(entry)
    }

    /// Checks an already parsed entry's rules against the current state.
    pub fn check_entry(&self, entry: &Entry) -> Result<(), RuleError> {
        let trial_id = entry.trial_id();
        let predicate = entry.predicate();
        if let Predicate::Registration(_) = predicate {
            if self.trials.contains_key(trial_id) {
                return Err(RuleError::DuplicateRegistration(trial_id.clone()));
            }
            return Ok(());
        }
        let trial = self
            .trials
            .get(trial_id)
            .ok_or_else(|| RuleError::UnknownTrial(trial_id.clone()))?;
        if entry.kind().owner_only() && *entry.signer_key() != trial.owner {
            return Err(RuleError::NotOwner {
                trial_id: trial_id.clone(),
                kind: entry.kind(),
                expected: trial.owner_base64(),
                got: encode_signer_key(entry.signer_key()),
            });
        }
        if let Some(prev) = predicate.prev() {
            let head = trial.head_hex();
            if prev != head {
                return Err(RuleError::StalePrev {
                    trial_id: trial_id.clone(),
                    expected_head: head,
                    got: prev.to_owned(),
                });
            }
        }
        if let Predicate::Consent(consent) = predicate
            && !trial.has_consent_form(&consent.form)
        {
            return Err(RuleError::UnknownConsentForm {
                trial_id: trial_id.clone(),
                form: consent.form.clone(),
                registered: trial
                    .consent_forms
                    .iter()
                    .map(|f| f.sha256.clone())
                    .collect(),
            });
        }
        Ok(())
    }

    /// Parses, checks and applies the entry at log `index`.
    pub fn apply(&mut self, index: u64, bytes: &[u8]) -> Result<Applied, RuleError> {
        let entry = Entry::parse(bytes)?;
        self.apply_entry(index, entry)
    }

    /// Checks and applies an already parsed entry at log `index` (saves
    /// parsing twice after [`Ledger::check`]).
    pub fn apply_entry(&mut self, index: u64, entry: Entry) -> Result<Applied, RuleError> {
        if let Some(previous) = self.last_index
            && index <= previous
        {
            return Err(RuleError::IndexOrder {
                previous,
                got: index,
            });
        }
        self.check_entry(&entry)?;
        self.last_index = Some(index);
        let kind = entry.kind();
        let hash = *entry.entry_hash_bytes();
        let entry_hash = hex(&hash);
        let trial_id = entry.trial_id().clone();
        let owner = *entry.signer_key();
        let subjects = entry.subjects().to_vec();
        let history_entry = HistoryEntry { index, hash, kind };
        match entry.into_predicate() {
            Predicate::Registration(p) => {
                let mut trial = TrialHistory {
                    trial_id: trial_id.clone(),
                    owner,
                    head: hash,
                    entries: vec![history_entry],
                    versions: Vec::new(),
                    status: p.trial.recruitment_status,
                    status_index: None,
                    actual_first_enrolment: None,
                    actual_first_enrolment_index: None,
                    actual_completion: None,
                    results: Vec::new(),
                    consent_forms: Vec::new(),
                    consent_by_form: BTreeMap::new(),
                };
                trial.record_forms(index, &p.consent_forms, &subjects);
                trial.versions.push(RegistrationVersion {
                    index,
                    entry_hash: entry_hash.clone(),
                    trial: p.trial,
                    consent_forms: p.consent_forms,
                    subjects,
                    reason: None,
                });
                self.trials.insert(trial_id.clone(), trial);
            }
            predicate => {
                // check_entry() has established that the trial exists.
                let Some(trial) = self.trials.get_mut(&trial_id) else {
                    return Err(RuleError::UnknownTrial(trial_id));
                };
                trial.entries.push(history_entry);
                match predicate {
                    Predicate::Registration(_) => {}
                    Predicate::Amendment(p) => {
                        trial.head = hash;
                        trial.record_forms(index, &p.consent_forms, &subjects);
                        if trial.status_index.is_none() {
                            trial.status = p.trial.recruitment_status;
                        }
                        trial.versions.push(RegistrationVersion {
                            index,
                            entry_hash: entry_hash.clone(),
                            trial: p.trial,
                            consent_forms: p.consent_forms,
                            subjects,
                            reason: Some(p.reason),
                        });
                    }
                    Predicate::Status(p) => {
                        trial.head = hash;
                        trial.status = p.recruitment_status;
                        trial.status_index = Some(index);
                        if let Some(date) = p.actual_first_enrolment {
                            trial.actual_first_enrolment = Some(date);
                            trial.actual_first_enrolment_index = Some(index);
                        }
                        if let Some(date) = p.actual_completion {
                            trial.actual_completion = Some(date);
                        }
                    }
                    Predicate::Results(p) => {
                        trial.head = hash;
                        trial.results.push(ResultsVersion {
                            index,
                            entry_hash: entry_hash.clone(),
                            results: p,
                            subjects,
                        });
                    }
                    Predicate::Consent(p) => {
                        let counts = trial.consent_by_form.entry(p.form).or_default();
                        match p.event {
                            ConsentEvent::Given => counts.given += 1,
                            ConsentEvent::Withdrawn => counts.withdrawn += 1,
                        }
                    }
                }
            }
        }
        Ok(Applied {
            trial_id,
            entry_hash,
            kind,
        })
    }

    /// The history of a trial, if registered.
    pub fn trial(&self, trial_id: &TrialId) -> Option<&TrialHistory> {
        self.trials.get(trial_id)
    }

    /// Every trial, ordered by trial id.
    pub fn trials(&self) -> impl Iterator<Item = &TrialHistory> {
        self.trials.values()
    }

    /// Number of trials.
    pub fn len(&self) -> usize {
        self.trials.len()
    }

    /// Whether no trial is registered.
    pub fn is_empty(&self) -> bool {
        self.trials.is_empty()
    }

    /// The index of the last entry applied.
    pub fn last_index(&self) -> Option<u64> {
        self.last_index
    }
}
