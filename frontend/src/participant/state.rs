//! The consent page's state, actions and reducer (plain Rust, tested
//! natively), and the pure helpers of the `/consents` page (history lines,
//! merging an imported receipt).

use std::collections::BTreeMap;
use std::rc::Rc;

use verifier::predicate::ConsentEvent;
use yew::Reducible;

use super::forms::{RegisteredConsentForm, VerifiedTrial};
use super::record::{Decision, GiveConsent, Receipt, RecordError, SignedRecord, check_choices};

/// The trial, verified in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TrialState {
    /// Waiting for the policies, the log check and the bundle.
    #[default]
    Loading,
    /// It did not verify or could not be fetched.
    Failed(String),
    /// Verified.
    Loaded(Rc<VerifiedTrial>),
}

/// How the opened form is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormContent {
    /// Plain text (also the text of an HTML form: never injected as HTML).
    Text(String),
    /// A PDF or other document, opened from a `blob:` URL in a new tab.
    Document {
        /// The object URL.
        url: String,
        /// Its MIME type.
        mime: String,
    },
}

/// The opened consent-form file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FileState {
    /// Nothing opened yet.
    #[default]
    None,
    /// Being hashed.
    Hashing {
        /// File name.
        name: String,
        /// Bytes hashed.
        done: u64,
        /// Size.
        total: u64,
    },
    /// Its hash is a registered form.
    Matched {
        /// File name.
        name: String,
        /// The registered form.
        form: RegisteredConsentForm,
        /// What to show.
        content: FormContent,
    },
    /// Its hash is not registered for this trial.
    Mismatch {
        /// File name.
        name: String,
        /// Its SHA-256.
        sha256: String,
    },
    /// It could not be read.
    Failed(String),
}

/// After signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The record's id.
    pub record_id: String,
    /// Anchoring: `None` not asked, `Some(Ok(text))` progress or success,
    /// `Some(Err(reason))` failure (the consent itself is kept).
    pub anchor: Option<Result<String, String>>,
}

/// The consent page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsentPage {
    /// The trial.
    pub trial: TrialState,
    /// The form file.
    pub file: FileState,
    /// Option id → ticked.
    pub ticked: BTreeMap<String, bool>,
    /// The printed name as typed.
    pub name: String,
    /// Whether to anchor a commitment on the ledger.
    pub anchor: bool,
    /// The participant pressed "sign": show what is missing.
    pub attempted: bool,
    /// Signing is running.
    pub signing: bool,
    /// Why signing failed.
    pub error: Option<String>,
    /// Done.
    pub signed: Option<Signed>,
}

/// Everything that changes the consent page.
#[derive(Debug, Clone)]
pub enum Action {
    /// The trial verified.
    TrialLoaded(Rc<VerifiedTrial>),
    /// It did not.
    TrialFailed(String),
    /// Hashing progress.
    Hashing {
        /// File name.
        name: String,
        /// Bytes hashed.
        done: u64,
        /// Size.
        total: u64,
    },
    /// The file is hashed.
    Hashed {
        /// File name.
        name: String,
        /// SHA-256 hex.
        sha256: String,
        /// What to show if it matches.
        content: FormContent,
    },
    /// The file could not be read.
    FileFailed(String),
    /// An option (un)ticked.
    Tick(String, bool),
    /// The name typed.
    Name(String),
    /// Anchor or not.
    Anchor(bool),
    /// "Sign" pressed with something missing.
    Attempted,
    /// Signing started.
    Signing,
    /// Signed and stored.
    Signed(String),
    /// Signing failed.
    SignFailed(String),
    /// Anchoring progress or result.
    Anchoring(Result<String, String>),
}

impl ConsentPage {
    /// The matched form, if any.
    pub fn form(&self) -> Option<&RegisteredConsentForm> {
        match &self.file {
            FileState::Matched { form, .. } => Some(form),
            _ => None,
        }
    }

    /// Every option's decision, in the form's order.
    pub fn decisions(&self) -> Vec<Decision> {
        self.form()
            .map(|f| {
                f.options
                    .iter()
                    .map(|o| Decision {
                        option: o.id.clone(),
                        permit: self.ticked.get(&o.id).copied().unwrap_or(false),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What stops signing now (empty when it may go ahead).
    pub fn problems(&self) -> Vec<String> {
        let Some(form) = self.form() else {
            return vec!["open the consent form you were given".to_owned()];
        };
        let mut problems = Vec::new();
        for option in form.options.iter().filter(|o| o.required) {
            if !self.ticked.get(&option.id).copied().unwrap_or(false) {
                problems.push(format!(
                    "“{}” is required to take part; tick it to sign",
                    option.label
                ));
            }
        }
        if let Err(RecordError::Name) = check_choices(&self.name, &form.options, &self.decisions())
        {
            problems.push(RecordError::Name.to_string());
        }
        problems
    }

    /// The signing input, at time `at` with a new `record_id`.
    pub fn give_input(&self, record_id: String, at: String) -> Result<GiveConsent, String> {
        let TrialState::Loaded(trial) = &self.trial else {
            return Err("the trial is not verified".to_owned());
        };
        let form = self.form().ok_or("open the consent form first")?;
        let input = GiveConsent {
            record_id,
            trial_id: trial.trial_id.clone(),
            trial_title: trial.title.clone(),
            form: form.form.clone(),
            options: form.options.clone(),
            name: self.name.clone(),
            choices: self.decisions(),
            at,
        };
        check_choices(&input.name, &input.options, &input.choices).map_err(|e| e.to_string())?;
        Ok(input)
    }
}

impl Reducible for ConsentPage {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::TrialLoaded(trial) => next.trial = TrialState::Loaded(trial),
            Action::TrialFailed(reason) => next.trial = TrialState::Failed(reason),
            Action::Hashing { name, done, total } => {
                next.file = FileState::Hashing { name, done, total };
            }
            Action::Hashed {
                name,
                sha256,
                content,
            } => {
                let form = match &next.trial {
                    TrialState::Loaded(trial) => trial.form(&sha256).cloned(),
                    _ => None,
                };
                next.ticked.clear();
                next.attempted = false;
                next.file = match form {
                    Some(form) => FileState::Matched {
                        name,
                        form,
                        content,
                    },
                    None => FileState::Mismatch { name, sha256 },
                };
            }
            Action::FileFailed(reason) => next.file = FileState::Failed(reason),
            Action::Tick(id, on) => {
                next.ticked.insert(id, on);
            }
            Action::Name(name) => next.name = name,
            Action::Anchor(on) => next.anchor = on,
            Action::Attempted => next.attempted = true,
            Action::Signing => {
                next.signing = true;
                next.error = None;
            }
            Action::Signed(record_id) => {
                next.signing = false;
                next.signed = Some(Signed {
                    record_id,
                    anchor: None,
                });
            }
            Action::SignFailed(reason) => {
                next.signing = false;
                next.error = Some(reason);
            }
            Action::Anchoring(progress) => {
                if let Some(signed) = &mut next.signed {
                    signed.anchor = Some(progress);
                }
            }
        }
        Rc::new(next)
    }
}

/// One line of a record's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLine {
    /// Event number.
    pub seq: u32,
    /// `given` / `withdrawn`.
    pub kind: &'static str,
    /// When (as signed).
    pub at: String,
    /// What it did, in words.
    pub text: String,
    /// The anchor's state, if anchored.
    pub anchored: Option<String>,
}

/// The history of a receipt, oldest first.
pub fn history(receipt: &Receipt) -> Vec<HistoryLine> {
    let record = &receipt.record;
    record
        .events
        .iter()
        .map(|e| {
            let b = &e.body;
            let (kind, text) = match b.event {
                ConsentEvent::Given => {
                    let agreed: Vec<String> = b
                        .choices
                        .iter()
                        .filter(|c| c.permit)
                        .map(|c| record.label(&c.option))
                        .collect();
                    ("given", format!("Consent given to: {}", agreed.join(" · ")))
                }
                ConsentEvent::Withdrawn => {
                    let labels: Vec<String> = b.withdrawn.iter().map(|o| record.label(o)).collect();
                    let complete = b.choices.iter().all(|c| !c.permit);
                    (
                        "withdrawn",
                        if complete {
                            format!("Withdrawn completely: {}", labels.join(" · "))
                        } else {
                            format!("Withdrawn: {}", labels.join(" · "))
                        },
                    )
                }
            };
            HistoryLine {
                seq: b.seq,
                kind,
                at: b.at.clone(),
                text,
                anchored: receipt.anchor(b.seq).map(|a| match &a.witnessed {
                    Some(w) => format!("anchored in log entry {}, witnessed {w}", a.index),
                    None => format!("anchored in log entry {} (awaiting witnesses)", a.index),
                }),
            }
        })
        .collect()
}

/// Merges an imported receipt with the stored one of the same record: the
/// longer history wins when one extends the other; anchors are united.
pub fn merge(stored: Option<&Receipt>, incoming: Receipt) -> Result<Receipt, String> {
    let Some(stored) = stored else {
        return Ok(incoming);
    };
    let (short, long) = if incoming.record.events.len() >= stored.record.events.len() {
        (stored, &incoming)
    } else {
        (&incoming, stored)
    };
    if short.record.header != long.record.header
        || long.record.events[..short.record.events.len()] != short.record.events[..]
    {
        return Err(format!(
            "record {} here and in the file have different histories; nothing was changed",
            stored.record.header.record_id
        ));
    }
    let mut merged = long.clone();
    for anchor in stored.anchors.iter().chain(&incoming.anchors) {
        match merged.anchors.iter_mut().find(|a| a.seq == anchor.seq) {
            Some(existing) if existing.witnessed.is_none() => *existing = anchor.clone(),
            Some(_) => {}
            None => merged.anchors.push(anchor.clone()),
        }
    }
    merged.anchors.sort_by_key(|a| a.seq);
    Ok(merged)
}

/// A record's status in words.
pub fn status_text(record: &SignedRecord) -> &'static str {
    if record.is_active() {
        "Consent given"
    } else {
        "Withdrawn"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::participant::forms::RegisteredConsentForm;
    use crate::participant::record::FormRef;
    use crate::participant::record::tests::{give, key, options};

    fn trial() -> Rc<VerifiedTrial> {
        Rc::new(VerifiedTrial {
            trial_id: "TL-0123456789ABCDEF".into(),
            title: "Salt".into(),
            forms: vec![RegisteredConsentForm {
                form: FormRef {
                    sha256: "ab".repeat(32),
                    subject: "consent-v2-en.pdf".into(),
                    version: "2".into(),
                    language: "en".into(),
                },
                options: options(),
                index: 1,
            }],
        })
    }

    fn reduce(state: Rc<ConsentPage>, action: Action) -> Rc<ConsentPage> {
        state.reduce(action)
    }

    #[test]
    fn a_registered_form_is_matched_and_another_refused() {
        let s = reduce(Rc::default(), Action::TrialLoaded(trial()));
        let refused = reduce(
            s.clone(),
            Action::Hashed {
                name: "other.pdf".into(),
                sha256: "cd".repeat(32),
                content: FormContent::Text(String::new()),
            },
        );
        assert!(matches!(refused.file, FileState::Mismatch { .. }));
        assert!(!refused.problems().is_empty());
        let s = reduce(
            s,
            Action::Hashed {
                name: "consent.txt".into(),
                sha256: "ab".repeat(32),
                content: FormContent::Text("the form".into()),
            },
        );
        assert_eq!(s.form().unwrap().form.version, "2");
        // Nothing ticked, no name: both required options and the name.
        assert_eq!(s.problems().len(), 3, "{:?}", s.problems());
        let s = reduce(s, Action::Tick("participate".into(), true));
        let s = reduce(s, Action::Tick("gp-letter".into(), true));
        assert_eq!(s.problems(), vec![RecordError::Name.to_string()]);
        let s = reduce(s, Action::Name("Ada Lovelace".into()));
        assert!(s.problems().is_empty());
        let input = s
            .give_input("00".repeat(16), "2026-03-01T10:00:00Z".into())
            .unwrap();
        assert_eq!(
            input.choices.iter().map(|c| c.permit).collect::<Vec<_>>(),
            vec![true, true, false]
        );
        let record = SignedRecord::give(input, &key()).unwrap();
        record.verify().unwrap();
    }

    #[test]
    fn history_lines_and_merging() {
        let record = give(true).unwrap();
        let later = record
            .withdraw(
                Some(&["future-research".to_owned()]),
                "2026-03-02T10:00:00Z",
                &key(),
            )
            .unwrap();
        let lines = history(&Receipt::new(later.clone(), vec![]));
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].kind, "given");
        assert_eq!(lines[1].kind, "withdrawn");
        assert_eq!(lines[1].text, "Withdrawn: Label of future-research");

        let old = Receipt::new(record.clone(), vec![]);
        let new = Receipt::new(later.clone(), vec![]);
        assert_eq!(merge(Some(&old), new.clone()).unwrap(), new);
        assert_eq!(merge(Some(&new), old.clone()).unwrap(), new);
        let mut fork = give(false).unwrap();
        fork.header.record_id = record.header.record_id.clone();
        assert!(merge(Some(&old), Receipt::new(fork, vec![])).is_err());
    }
}
