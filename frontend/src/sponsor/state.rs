//! The sponsor workspace's state, its actions and reducer (Yew's
//! `use_reducer`), plain Rust and unit-tested natively. The page runs the
//! effects (IndexedDB, hashing, signing, HTTP) and dispatches their results.

use std::rc::Rc;

use verifier::ctgov::Import;
use verifier::predicate::{Predicate, Timestamp, TrialRecord};
use verifier::statement::Subject;
use yew::Reducible;

use crate::keys::SponsorKey;
use crate::trial_view::{self, FieldChange};

use super::draft::{DocumentDraft, Draft};
use super::evidence::{Inclusion, OwnedTrial};
use super::form::{FieldError, enum_str};
use super::results::ResultsForm;
use super::submit::{self, Accepted, Prepared, Refusal, StatusForm};

/// What the sponsor is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Task {
    /// Registering a new trial.
    #[default]
    Register,
    /// Amending a trial they own.
    Amend,
    /// Reporting its status.
    Status,
    /// Committing its results.
    Results,
}

impl Task {
    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            Task::Register => "Register a trial",
            Task::Amend => "Amend",
            Task::Status => "Status update",
            Task::Results => "Results",
        }
    }
}

/// Where the current entry stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Step {
    /// Editing.
    #[default]
    Edit,
    /// Signed, shown for review, not sent.
    Review(Rc<Prepared>),
    /// Being sent.
    Submitting(Rc<Prepared>),
    /// Accepted by the registry; inclusion being checked.
    Submitted {
        /// What was sent.
        prepared: Rc<Prepared>,
        /// The registry's receipt.
        accepted: Accepted,
        /// What the browser verified so far.
        inclusion: Inclusion,
    },
}

/// The workspace.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Workspace {
    /// The signing keys in this browser.
    pub keys: Vec<SponsorKey>,
    /// The key chosen for signing (keyid).
    pub selected_key: Option<String>,
    /// The current task.
    pub task: Task,
    /// The registration draft (autosaved).
    pub draft: Draft,
    /// Whether the autosaved draft has been read (autosave waits for it).
    pub restored: bool,
    /// The loaded trial, verified from its bundle.
    pub trial: Option<Rc<OwnedTrial>>,
    /// The amendment draft.
    pub amend: Draft,
    /// The status update form.
    pub status: StatusForm,
    /// The results form.
    pub results: ResultsForm,
    /// The result documents.
    pub result_documents: Vec<DocumentDraft>,
    /// Show every field error (after a first attempt to review).
    pub show_errors: bool,
    /// The entry's progress.
    pub step: Step,
    /// The registry's refusal of the last submission.
    pub refusal: Option<Refusal>,
}

/// Everything that changes the workspace.
#[derive(Debug, Clone)]
pub enum Action {
    /// Keys read from IndexedDB.
    KeysLoaded(Vec<SponsorKey>),
    /// The key to sign with.
    SelectKey(String),
    /// Switch task.
    SetTask(Task),
    /// The autosaved draft (or none).
    DraftRestored(Option<Box<Draft>>),
    /// A text input changed.
    Edit(String, String),
    /// A checkbox changed.
    Flag(String, bool),
    /// Add a row to a list.
    AddRow(String),
    /// Remove row `i` of a list.
    RemoveRow(String, usize),
    /// A ClinicalTrials.gov record imported.
    Imported(Box<Import>),
    /// A document chosen for `task`, being hashed.
    DocumentAdded(Task, DocumentDraft),
    /// Hashing progress of document `name`.
    DocumentProgress(Task, String, u64),
    /// Document `name` hashed.
    DocumentHashed(Task, String, String),
    /// Document `name` could not be hashed: removed.
    DocumentFailed(Task, String),
    /// A trial loaded and verified.
    TrialLoaded(Rc<OwnedTrial>),
    /// The trial's verified state after an entry was included (forms
    /// refreshed; the task and the receipt stay).
    TrialRefreshed(Rc<OwnedTrial>),
    /// Show every field error.
    ShowErrors,
    /// The signed entry, for review.
    Review(Rc<Prepared>),
    /// Back from review to the form.
    BackToEdit,
    /// Sending.
    Submitting,
    /// Refused.
    Refused(Refusal),
    /// Accepted.
    Accepted(Accepted),
    /// Inclusion checked.
    Inclusion(Inclusion),
    /// Start a new entry after a receipt.
    Done,
}

impl Workspace {
    /// The key chosen for signing.
    pub fn key(&self) -> Option<&SponsorKey> {
        let id = self.selected_key.as_ref()?;
        self.keys.iter().find(|k| &k.keyid == id)
    }

    fn documents_mut(&mut self, task: Task) -> &mut Vec<DocumentDraft> {
        match task {
            Task::Register => &mut self.draft.documents,
            Task::Amend => &mut self.amend.documents,
            Task::Status | Task::Results => &mut self.result_documents,
        }
    }

    /// The documents of `task`.
    pub fn documents(&self, task: Task) -> &[DocumentDraft] {
        match task {
            Task::Register => &self.draft.documents,
            Task::Amend => &self.amend.documents,
            Task::Status | Task::Results => &self.result_documents,
        }
    }

    fn sync(&mut self, task: Task) {
        match task {
            Task::Register => self.draft.sync_consent_forms(),
            Task::Amend => self.amend.sync_consent_forms(),
            Task::Status | Task::Results => {}
        }
    }

    /// Prefills the amendment, status and results forms from `trial`.
    fn refresh(&mut self, trial: &OwnedTrial) {
        if let Some(current) = trial.history.current() {
            self.amend =
                Draft::for_amendment(&current.trial, &current.consent_forms, &current.subjects);
            self.results = ResultsForm::for_record(&current.trial);
        }
        self.status = StatusForm {
            recruitment_status: enum_str(&trial.history.status),
            actual_first_enrolment: trial
                .history
                .actual_first_enrolment
                .map(|d| d.to_string())
                .unwrap_or_default(),
            actual_completion: trial
                .history
                .actual_completion
                .map(|d| d.to_string())
                .unwrap_or_default(),
        };
        self.result_documents = Vec::new();
    }

    /// The text of input `path` in the current task.
    pub fn text(&self, path: &str) -> String {
        match self.task {
            Task::Register => self.draft.text(path),
            Task::Amend => self.amend.text(path),
            Task::Status => self.status.text(path),
            Task::Results => {
                if let Some(("documents", i, "role")) = super::form::split_row(path) {
                    return self
                        .result_documents
                        .get(i)
                        .map(|d| d.role.clone())
                        .unwrap_or_default();
                }
                if let Some(("documents", i, "version")) = super::form::split_row(path) {
                    return self
                        .result_documents
                        .get(i)
                        .map(|d| d.version.clone())
                        .unwrap_or_default();
                }
                self.results.text(path)
            }
        }
    }

    /// The trial's current registration, when one is loaded.
    pub fn current_record(&self) -> Option<&TrialRecord> {
        self.trial
            .as_ref()
            .and_then(|t| t.history.current())
            .map(|v| &v.trial)
    }

    /// `(trial_id, prev)` of the loaded trial.
    pub fn chain(&self) -> Option<(String, String)> {
        self.trial
            .as_ref()
            .map(|t| (t.history.trial_id.to_string(), t.prev()))
    }

    /// The amendment's field-by-field changes against the current version.
    pub fn amendment_diff(&self) -> Vec<FieldChange> {
        let Some(current) = self.trial.as_ref().and_then(|t| t.history.current()) else {
            return Vec::new();
        };
        #[derive(serde::Serialize)]
        struct Version<'a> {
            trial: &'a TrialRecord,
            consent_forms: &'a [verifier::predicate::ConsentForm],
        }
        let (after, _) = self.amend.parse();
        let forms = self.amend.consent_forms();
        trial_view::diff(
            &Version {
                trial: &current.trial,
                consent_forms: &current.consent_forms,
            },
            &Version {
                trial: &after,
                consent_forms: &forms,
            },
        )
    }

    /// The current task's predicate and subjects, or its field errors.
    pub fn build(
        &self,
        signer_key: &str,
        created_at: Timestamp,
    ) -> Result<(Predicate, Vec<Subject>), Vec<FieldError>> {
        let chain = self.chain();
        let loaded = || vec![FieldError::new("trial", "load a trial you own first")];
        match self.task {
            Task::Register => {
                let errors = submit::draft_errors(&self.draft, None);
                if !errors.is_empty() {
                    return Err(errors);
                }
                let (p, s, _) = submit::registration(&self.draft, signer_key, created_at);
                Ok((p, s))
            }
            Task::Amend => {
                let (id, prev) = chain.ok_or_else(loaded)?;
                let mut errors = submit::draft_errors(&self.amend, Some((&id, &prev)));
                if self.amendment_diff().is_empty() {
                    errors.push(FieldError::new(
                        "amend-diff",
                        "nothing has changed yet: edit the registration first",
                    ));
                }
                if !errors.is_empty() {
                    return Err(errors);
                }
                let (p, s, _) =
                    submit::amendment_predicate(&self.amend, signer_key, created_at, &id, &prev);
                Ok((p, s))
            }
            Task::Status => {
                let (id, prev) = chain.ok_or_else(loaded)?;
                submit::status(&self.status, signer_key, created_at, &id, &prev)
                    .map(|p| (p, Vec::new()))
            }
            Task::Results => {
                let (id, prev) = chain.ok_or_else(loaded)?;
                let record = self.current_record().ok_or_else(loaded)?;
                let subjects: Vec<Subject> = self
                    .result_documents
                    .iter()
                    .map(DocumentDraft::subject)
                    .collect();
                let mut built = self
                    .results
                    .build(record, &subjects, signer_key, created_at, &id, &prev);
                if self.result_documents.iter().any(|d| d.sha256.is_none()) {
                    let wait = FieldError::new(
                        "documents",
                        "wait until every document is hashed (or remove it)",
                    );
                    built = match built {
                        Ok(_) => Err(vec![wait]),
                        Err(mut errors) => {
                            errors.push(wait);
                            Err(errors)
                        }
                    };
                }
                built.map(|p| (p, subjects))
            }
        }
    }

    /// The current task's field errors (empty when it can be signed).
    pub fn errors(&self) -> Vec<FieldError> {
        let created_at = Timestamp::from_unix_seconds(946_684_800);
        match created_at {
            Some(t) => self.build("", t).err().unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

impl Reducible for Workspace {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let task = next.task;
        match action {
            Action::KeysLoaded(keys) => {
                let keep = next
                    .selected_key
                    .as_ref()
                    .is_some_and(|id| keys.iter().any(|k| &k.keyid == id));
                if !keep {
                    next.selected_key = keys.first().map(|k| k.keyid.clone());
                }
                next.keys = keys;
            }
            Action::SelectKey(id) => next.selected_key = Some(id),
            Action::SetTask(t) => {
                if matches!(next.step, Step::Edit | Step::Review(_)) || t != next.task {
                    next.step = Step::Edit;
                }
                next.task = t;
                next.show_errors = false;
                next.refusal = None;
            }
            Action::DraftRestored(draft) => {
                if let Some(draft) = draft {
                    next.draft = *draft;
                }
                next.restored = true;
            }
            Action::Edit(path, value) => {
                let changed = match task {
                    Task::Register => next.draft.set_text(&path, value),
                    Task::Amend => next.amend.set_text(&path, value),
                    Task::Status => next.status.set_text(&path, value),
                    Task::Results => match super::form::split_row(&path) {
                        Some(("documents", i, field)) => next
                            .result_documents
                            .get_mut(i)
                            .map(|d| match field {
                                "role" => d.role = value,
                                _ => d.version = value,
                            })
                            .is_some(),
                        _ => next.results.set_text(&path, value),
                    },
                };
                if changed && matches!(next.step, Step::Review(_)) {
                    next.step = Step::Edit;
                }
            }
            Action::Flag(path, value) => {
                match task {
                    Task::Register => next.draft.set_flag(&path, value),
                    Task::Amend => next.amend.set_flag(&path, value),
                    Task::Results => next.results.set_flag(&path, value),
                    Task::Status => false,
                };
            }
            Action::AddRow(list) => match task {
                Task::Register => next.draft.add_row(&list),
                Task::Amend => next.amend.add_row(&list),
                Task::Results => next.results.add_row(),
                Task::Status => {}
            },
            Action::RemoveRow(list, i) => match task {
                Task::Register => next.draft.remove_row(&list, i),
                Task::Amend => next.amend.remove_row(&list, i),
                Task::Results if list == "documents" => {
                    if i < next.result_documents.len() {
                        next.result_documents.remove(i);
                    }
                }
                Task::Results => next.results.remove_row(i),
                Task::Status => {}
            },
            Action::Imported(import) => {
                next.draft = next.draft.with_import(&import);
                next.show_errors = true;
            }
            Action::DocumentAdded(task, doc) => {
                let docs = next.documents_mut(task);
                docs.retain(|d| d.name != doc.name || d.carried);
                docs.push(doc);
                next.sync(task);
            }
            Action::DocumentProgress(task, name, done) => {
                if let Some(d) = next.documents_mut(task).iter_mut().find(|d| d.name == name) {
                    d.hashed = Some(done);
                }
            }
            Action::DocumentHashed(task, name, sha256) => {
                if let Some(d) = next
                    .documents_mut(task)
                    .iter_mut()
                    .find(|d| d.name == name && !d.carried)
                {
                    d.sha256 = Some(sha256);
                    d.hashed = None;
                }
            }
            Action::DocumentFailed(task, name) => {
                next.documents_mut(task)
                    .retain(|d| d.name != name || d.carried);
                next.sync(task);
            }
            Action::TrialLoaded(trial) => {
                next.refresh(&trial);
                next.trial = Some(trial);
                if next.task == Task::Register {
                    next.task = Task::Amend;
                }
                next.step = Step::Edit;
                next.show_errors = false;
                next.refusal = None;
            }
            Action::TrialRefreshed(trial) => {
                next.refresh(&trial);
                next.trial = Some(trial);
            }
            Action::ShowErrors => next.show_errors = true,
            Action::Review(prepared) => {
                next.step = Step::Review(prepared);
                next.refusal = None;
            }
            Action::BackToEdit => next.step = Step::Edit,
            Action::Submitting => {
                if let Step::Review(p) = &next.step {
                    next.step = Step::Submitting(p.clone());
                }
                next.refusal = None;
            }
            Action::Refused(refusal) => {
                if let Step::Submitting(p) = &next.step {
                    next.step = Step::Review(p.clone());
                }
                next.refusal = Some(refusal);
                next.show_errors = true;
            }
            Action::Accepted(accepted) => {
                if let Step::Submitting(p) = &next.step {
                    next.step = Step::Submitted {
                        prepared: p.clone(),
                        accepted,
                        inclusion: Inclusion::Pending(
                            "waiting for a witness-cosigned checkpoint".to_owned(),
                        ),
                    };
                }
            }
            Action::Inclusion(inclusion) => {
                if let Step::Submitted { inclusion: i, .. } = &mut next.step {
                    *i = inclusion;
                }
            }
            Action::Done => {
                if task == Task::Register && matches!(next.step, Step::Submitted { .. }) {
                    next.draft = Draft::default();
                }
                next.step = Step::Edit;
                next.show_errors = false;
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str, role: &str) -> DocumentDraft {
        DocumentDraft {
            name: name.into(),
            role: role.into(),
            version: "1".into(),
            size: 5,
            sha256: None,
            hashed: Some(0),
            carried: false,
        }
    }

    fn import() -> Box<Import> {
        Box::new(
            verifier::ctgov::import(include_bytes!(
                "../../../verifier/tests/data/ctgov/NCT00763412.json"
            ))
            .unwrap(),
        )
    }

    #[test]
    fn import_edit_and_documents_make_a_signable_registration() {
        let ws = Rc::new(Workspace::default());
        let ws = ws.reduce(Action::Imported(import()));
        assert!(ws.show_errors);
        assert!(
            ws.errors()
                .iter()
                .any(|e| e.path == "trial.ethics_review.committee.name")
        );
        let ws = ws.reduce(Action::Edit(
            "trial.ethics_review.committee.name".into(),
            "Ethics Board".into(),
        ));
        let ws = ws.reduce(Action::DocumentAdded(
            Task::Register,
            doc("protocol.pdf", "protocol"),
        ));
        let ws = ws.reduce(Action::DocumentProgress(
            Task::Register,
            "protocol.pdf".into(),
            3,
        ));
        assert_eq!(ws.draft.documents[0].hashed, Some(3));
        assert_eq!(ws.errors().len(), 1, "{:?}", ws.errors());
        let ws = ws.reduce(Action::DocumentHashed(
            Task::Register,
            "protocol.pdf".into(),
            "ef".repeat(32),
        ));
        assert_eq!(ws.errors(), vec![]);
        let ws = ws.reduce(Action::DocumentAdded(
            Task::Register,
            doc("consent.pdf", "consent-form"),
        ));
        assert_eq!(ws.draft.consent_forms.len(), 1);
        let ws = ws.reduce(Action::DocumentFailed(Task::Register, "consent.pdf".into()));
        assert!(ws.draft.consent_forms.is_empty());
        let t = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let (predicate, subjects) = ws.build("", t).unwrap();
        assert_eq!(subjects.len(), 1);
        assert_eq!(
            predicate.kind(),
            verifier::predicate::PredicateKind::Registration
        );
    }

    #[test]
    fn a_loaded_trial_prefills_amend_status_and_results() {
        let (policy, bundle, _) = crate::trial_view::tests::fixture_bundle();
        let report = bundle.verify(&policy, &[]);
        let trial = Rc::new(super::super::evidence::owned_trial(&bundle, &report).unwrap());
        let ws = Rc::new(Workspace::default()).reduce(Action::TrialLoaded(trial.clone()));
        assert_eq!(ws.task, Task::Amend);
        let current = trial.history.current().unwrap();
        assert_eq!(ws.amend.form.public_title, current.trial.public_title);
        assert!(
            ws.amend
                .documents
                .iter()
                .all(|d| d.carried && d.sha256.is_some())
        );
        assert!(ws.amendment_diff().is_empty());
        // Nothing changed and no reason: both are errors.
        let paths: Vec<_> = ws.errors().into_iter().map(|e| e.path).collect();
        assert!(paths.contains(&"reason".to_owned()) && paths.contains(&"amend-diff".to_owned()));
        let ws = ws.reduce(Action::Edit(
            "trial.target_sample_size".into(),
            "999".into(),
        ));
        let ws = ws.reduce(Action::Edit("reason".into(), "Larger sample".into()));
        let diff = ws.amendment_diff();
        assert_eq!(diff.len(), 1, "{diff:?}");
        assert_eq!(diff[0].after.as_deref(), Some("999"));
        assert_eq!(ws.errors(), vec![]);
        let t = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        let (predicate, _) = ws.build("", t.clone()).unwrap();
        assert_eq!(predicate.prev(), Some(trial.prev().as_str()));

        let ws = ws.reduce(Action::SetTask(Task::Status));
        assert_eq!(
            ws.status.recruitment_status,
            enum_str(&trial.history.status)
        );
        let ws = ws.reduce(Action::Edit(
            "actual_first_enrolment".into(),
            "2024-02-01".into(),
        ));
        let (predicate, _) = ws.build("", t).unwrap();
        assert_eq!(predicate.kind(), verifier::predicate::PredicateKind::Status);

        let ws = ws.reduce(Action::SetTask(Task::Results));
        assert_eq!(
            ws.results.rows.len(),
            current.trial.primary_outcomes.len() + current.trial.secondary_outcomes.len()
        );
    }

    #[test]
    fn review_submit_refuse_accept() {
        let prepared = Rc::new(Prepared {
            kind: verifier::predicate::PredicateKind::Registration,
            bytes: vec![1],
            statement: "{}".into(),
            entry_hash: "ab".into(),
            trial_id: "TL-X".into(),
        });
        let ws = Rc::new(Workspace::default()).reduce(Action::Review(prepared.clone()));
        let ws = ws.reduce(Action::Submitting);
        assert!(matches!(ws.step, Step::Submitting(_)));
        let ws = ws.reduce(Action::Refused(Refusal::parse(409, b"{}")));
        assert!(matches!(ws.step, Step::Review(_)));
        assert!(ws.refusal.is_some());
        // Editing after review goes back to the form (the signature is stale).
        let ws = ws.reduce(Action::Edit("trial.public_title".into(), "T".into()));
        assert_eq!(ws.step, Step::Edit);
        let ws = ws
            .reduce(Action::Review(prepared))
            .reduce(Action::Submitting);
        let ws = ws.reduce(Action::Accepted(Accepted {
            index: 4,
            entry_hash: "ab".into(),
            trial_id: "TL-X".into(),
        }));
        let ws = ws.reduce(Action::Inclusion(Inclusion::Verified {
            witnessed: "2026-01-01T00:00:00Z".into(),
            head_size: 5,
            cosigned_by: vec![],
        }));
        assert!(matches!(
            &ws.step,
            Step::Submitted {
                inclusion: Inclusion::Verified { .. },
                ..
            }
        ));
        let ws = ws.reduce(Action::Done);
        assert_eq!(ws.step, Step::Edit);
        assert_eq!(ws.draft, Draft::default());
    }
}
