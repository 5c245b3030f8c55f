//! A registration (or amendment) being prepared: the WHO form, the
//! documents (by hash) and the consent forms, plus what an import from
//! ClinicalTrials.gov left for the sponsor to complete. Serialisable: this
//! is what is autosaved to IndexedDB ([`crate::sponsor::store`]).

use serde::{Deserialize, Serialize};
use verifier::ctgov::Import;
use verifier::predicate::{ConsentForm, ConsentOption, TrialRecord};
use verifier::statement::{ROLE_CONSENT_FORM, Subject};

use super::form::{FieldError, TrialForm, split_row};

/// Roles a registration's documents may have: `(value, label)`.
pub const REGISTRATION_ROLES: &[(&str, &str)] = &[
    ("protocol", "Protocol"),
    ("statistical-analysis-plan", "Statistical analysis plan"),
    (ROLE_CONSENT_FORM, "Consent form"),
    ("other", "Other document"),
];

/// Roles of result documents: `(value, label)`.
pub const RESULT_ROLES: &[(&str, &str)] = &[
    ("clinical-study-report", "Clinical study report"),
    ("dataset", "Dataset"),
    ("final-analysis-plan", "Final statistical analysis plan"),
    ("other", "Other document"),
];

/// A document chosen from disk, known by its SHA-256 only (never uploaded).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DocumentDraft {
    /// The file name (the subject's `name`).
    pub name: String,
    /// The subject's role (`protocol`, `consent-form`, …).
    pub role: String,
    /// The document's version (optional).
    pub version: String,
    /// Size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256, once hashed.
    pub sha256: Option<String>,
    /// Bytes hashed so far, while hashing.
    #[serde(skip)]
    pub hashed: Option<u64>,
    /// Restated from the trial's current version (an amendment), not chosen now.
    pub carried: bool,
}

impl DocumentDraft {
    /// The statement subject (an unhashed document gets an empty digest,
    /// which validation names).
    pub fn subject(&self) -> Subject {
        let version = self.version.trim();
        Subject::new(
            &self.name,
            self.sha256.as_deref().unwrap_or_default(),
            &self.role,
            (!version.is_empty()).then_some(version),
        )
    }

    /// A document restated from an existing subject.
    pub fn carried(subject: &Subject) -> DocumentDraft {
        DocumentDraft {
            name: subject.name.clone(),
            role: subject.role().unwrap_or("other").to_owned(),
            version: subject.version().unwrap_or_default().to_owned(),
            size: 0,
            sha256: Some(subject.digest.sha256.clone()),
            hashed: None,
            carried: true,
        }
    }
}

/// One choice on a consent form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsentOptionForm {
    /// Unique within the form.
    pub id: String,
    /// What the participant agrees to.
    pub label: String,
    /// Needed to take part.
    pub required: bool,
}

/// The options of one consent-form document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsentFormForm {
    /// The consent-form document's name.
    pub subject: String,
    /// BCP 47 language tag.
    pub language: String,
    /// The choices.
    pub options: Vec<ConsentOptionForm>,
}

impl ConsentFormForm {
    fn new(subject: &str) -> ConsentFormForm {
        ConsentFormForm {
            subject: subject.to_owned(),
            language: "en".to_owned(),
            options: vec![ConsentOptionForm {
                id: "participate".to_owned(),
                label: "I agree to take part in this trial.".to_owned(),
                required: true,
            }],
        }
    }
}

/// What a ClinicalTrials.gov import left to the sponsor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportNotes {
    /// The record's NCT id.
    pub nct_id: String,
    /// Predicate paths of stand-ins to replace (`trial.ethics_review`).
    pub placeholders: Vec<String>,
    /// CT.gov paths of fields the record does not have.
    pub absent: Vec<String>,
    /// Fallbacks and lossy choices, in sentences.
    pub warnings: Vec<String>,
}

/// A registration or amendment being prepared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    /// The WHO data set.
    pub form: TrialForm,
    /// The documents, in subject order.
    pub documents: Vec<DocumentDraft>,
    /// One per consent-form document.
    pub consent_forms: Vec<ConsentFormForm>,
    /// The amendment's reason (unused for a registration).
    pub reason: String,
    /// The last import, if any.
    pub import: Option<ImportNotes>,
}

impl Draft {
    /// A draft prefilled from an imported ClinicalTrials.gov record
    /// (documents and consent forms of `self` are kept).
    pub fn with_import(&self, import: &Import) -> Draft {
        let mut form = TrialForm::from_record(&import.trial);
        // The importer's stand-in for the ethics review must be replaced:
        // leave the committee empty so the form asks for it.
        if import
            .placeholders
            .iter()
            .any(|p| p.starts_with("trial.ethics_review"))
            && form.ethics_committee == verifier::ctgov::NOT_STATED
        {
            form.ethics_committee = String::new();
        }
        Draft {
            form,
            import: Some(ImportNotes {
                nct_id: import.nct_id.clone(),
                placeholders: import.placeholders.clone(),
                absent: import.absent.clone(),
                warnings: import.warnings.clone(),
            }),
            ..self.clone()
        }
    }

    /// An amendment draft showing the trial's current version.
    pub fn for_amendment(
        record: &TrialRecord,
        consent_forms: &[ConsentForm],
        subjects: &[Subject],
    ) -> Draft {
        let mut draft = Draft {
            form: TrialForm::from_record(record),
            documents: subjects.iter().map(DocumentDraft::carried).collect(),
            consent_forms: consent_forms
                .iter()
                .map(|f| ConsentFormForm {
                    subject: f.subject.clone(),
                    language: f.language.clone(),
                    options: f
                        .options
                        .iter()
                        .map(|o| ConsentOptionForm {
                            id: o.id.clone(),
                            label: o.label.clone(),
                            required: o.required,
                        })
                        .collect(),
                })
                .collect(),
            reason: String::new(),
            import: None,
        };
        draft.sync_consent_forms();
        draft
    }

    /// Keeps one consent-form editor per consent-form document, in document order.
    pub fn sync_consent_forms(&mut self) {
        let mut forms = Vec::new();
        for doc in self
            .documents
            .iter()
            .filter(|d| d.role == ROLE_CONSENT_FORM)
        {
            let form = self
                .consent_forms
                .iter()
                .find(|f| f.subject == doc.name)
                .cloned()
                .unwrap_or_else(|| ConsentFormForm::new(&doc.name));
            forms.push(form);
        }
        self.consent_forms = forms;
    }

    /// The text of the input at `path`.
    pub fn text(&self, path: &str) -> String {
        if path.starts_with("trial.") {
            return self.form.text(path);
        }
        if path == "reason" {
            return self.reason.clone();
        }
        match split_row(path) {
            Some(("documents", i, field)) => self
                .documents
                .get(i)
                .map(|d| match field {
                    "role" => d.role.clone(),
                    "version" => d.version.clone(),
                    _ => String::new(),
                })
                .unwrap_or_default(),
            Some(("consent_forms", i, field)) => {
                let Some(form) = self.consent_forms.get(i) else {
                    return String::new();
                };
                if field == "language" {
                    return form.language.clone();
                }
                match split_row(field) {
                    Some(("options", j, "id")) => form.options.get(j).map(|o| o.id.clone()),
                    Some(("options", j, "label")) => form.options.get(j).map(|o| o.label.clone()),
                    _ => None,
                }
                .unwrap_or_default()
            }
            _ => String::new(),
        }
    }

    /// Sets the input at `path`; false when there is no such input.
    pub fn set_text(&mut self, path: &str, value: String) -> bool {
        if path.starts_with("trial.") {
            return self.form.set_text(path, value);
        }
        if path == "reason" {
            self.reason = value;
            return true;
        }
        let changed = match split_row(path) {
            Some(("documents", i, field)) => match self.documents.get_mut(i) {
                Some(d) if field == "role" && !d.carried => {
                    d.role = value;
                    true
                }
                Some(d) if field == "version" && !d.carried => {
                    d.version = value;
                    true
                }
                _ => false,
            },
            Some(("consent_forms", i, field)) => {
                let Some(form) = self.consent_forms.get_mut(i) else {
                    return false;
                };
                if field == "language" {
                    form.language = value;
                    return true;
                }
                match split_row(field) {
                    Some(("options", j, "id")) => form.options.get_mut(j).map(|o| o.id = value),
                    Some(("options", j, "label")) => {
                        form.options.get_mut(j).map(|o| o.label = value)
                    }
                    _ => None,
                }
                .is_some()
            }
            _ => false,
        };
        if changed {
            self.sync_consent_forms();
        }
        changed
    }

    /// Sets a checkbox.
    pub fn set_flag(&mut self, path: &str, value: bool) -> bool {
        if path.starts_with("trial.") {
            return self.form.set_flag(path, value);
        }
        match split_row(path) {
            Some(("consent_forms", i, rest)) => match split_row(rest) {
                Some(("options", j, "required")) => self
                    .consent_forms
                    .get_mut(i)
                    .and_then(|f| f.options.get_mut(j))
                    .map(|o| o.required = value)
                    .is_some(),
                _ => false,
            },
            _ => false,
        }
    }

    /// Adds a row to `list` (form rows, or `consent_forms[i].options`).
    pub fn add_row(&mut self, list: &str) {
        if list.starts_with("trial.") {
            return self.form.add_row(list);
        }
        if let Some(("consent_forms", i, "options")) = split_row(list)
            && let Some(form) = self.consent_forms.get_mut(i)
        {
            form.options.push(ConsentOptionForm::default());
        }
    }

    /// Removes row `j` of `list` (also `documents`).
    pub fn remove_row(&mut self, list: &str, j: usize) {
        if list.starts_with("trial.") {
            return self.form.remove_row(list, j);
        }
        if list == "documents" {
            if j < self.documents.len() {
                self.documents.remove(j);
            }
        } else if let Some(("consent_forms", i, "options")) = split_row(list)
            && let Some(form) = self.consent_forms.get_mut(i)
            && j < form.options.len()
        {
            form.options.remove(j);
        }
        self.sync_consent_forms();
    }

    /// The statement's subjects.
    pub fn subjects(&self) -> Vec<Subject> {
        self.documents.iter().map(DocumentDraft::subject).collect()
    }

    /// The predicate's consent forms; a form's version is its document's.
    pub fn consent_forms(&self) -> Vec<ConsentForm> {
        self.consent_forms
            .iter()
            .map(|f| ConsentForm {
                subject: f.subject.clone(),
                version: self
                    .documents
                    .iter()
                    .find(|d| d.name == f.subject)
                    .map(|d| d.version.trim().to_owned())
                    .unwrap_or_default(),
                language: f.language.trim().to_owned(),
                options: f
                    .options
                    .iter()
                    .map(|o| ConsentOption {
                        id: o.id.trim().to_owned(),
                        label: o.label.clone(),
                        required: o.required,
                    })
                    .collect(),
            })
            .collect()
    }

    /// The input of an error path of this draft's predicate: a consent
    /// form's version is its document's version input, a consent form's
    /// subject its document row.
    pub fn input_for(&self, path: &str) -> String {
        if let Some(("consent_forms", i, field)) = split_row(path)
            && (field == "version" || field == "subject")
            && let Some(form) = self.consent_forms.get(i)
            && let Some(k) = self.documents.iter().position(|d| d.name == form.subject)
        {
            return if field == "version" {
                format!("documents[{k}].version")
            } else {
                format!("documents[{k}]")
            };
        }
        super::form::input_for(path)
    }

    /// Documents still being hashed (or never hashed).
    pub fn unhashed(&self) -> Vec<&DocumentDraft> {
        self.documents
            .iter()
            .filter(|d| d.sha256.is_none())
            .collect()
    }

    /// Parse errors of the form, as field errors.
    pub fn parse(&self) -> (TrialRecord, Vec<FieldError>) {
        self.form.to_record()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str, role: &str, version: &str) -> DocumentDraft {
        DocumentDraft {
            name: name.into(),
            role: role.into(),
            version: version.into(),
            size: 3,
            sha256: Some("ab".repeat(32)),
            hashed: None,
            carried: false,
        }
    }

    #[test]
    fn consent_forms_follow_consent_form_documents() {
        let mut draft = Draft::default();
        draft.documents.push(doc("protocol.pdf", "protocol", "1"));
        draft
            .documents
            .push(doc("consent-en.pdf", ROLE_CONSENT_FORM, "2"));
        draft.sync_consent_forms();
        assert_eq!(draft.consent_forms.len(), 1);
        assert!(draft.set_text("consent_forms[0].options[0].label", "Yes".into()));
        draft.add_row("consent_forms[0].options");
        assert!(draft.set_text("consent_forms[0].options[1].id", "future".into()));
        assert!(draft.set_flag("consent_forms[0].options[1].required", false));
        let forms = draft.consent_forms();
        assert_eq!(forms[0].version, "2");
        assert_eq!(forms[0].options[1].id, "future");
        assert_eq!(draft.text("consent_forms[0].options[0].label"), "Yes");
        // The form's version error lands on the document's version input.
        assert_eq!(
            draft.input_for("consent_forms[0].version"),
            "documents[1].version"
        );
        // Changing the document's role away from consent form drops its editor.
        assert!(draft.set_text("documents[1].role", "other".into()));
        assert!(draft.consent_forms.is_empty());
        draft.remove_row("documents", 0);
        assert_eq!(draft.documents.len(), 1);
    }

    #[test]
    fn import_prefills_and_asks_for_the_ethics_review() {
        let import = verifier::ctgov::import(include_bytes!(
            "../../../verifier/tests/data/ctgov/NCT00763412.json"
        ))
        .unwrap();
        let draft = Draft::default().with_import(&import);
        let notes = draft.import.as_ref().unwrap();
        assert_eq!(notes.nct_id, "NCT00763412");
        assert!(
            notes
                .placeholders
                .iter()
                .any(|p| p == "trial.ethics_review")
        );
        assert_eq!(draft.form.ethics_committee, "");
        assert_eq!(draft.form.public_title, import.trial.public_title);
    }
}
