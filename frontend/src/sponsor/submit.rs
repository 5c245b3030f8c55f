//! Building, checking, signing and submitting entries, without the DOM.
//!
//! - [`predicate_errors`] runs [`verifier::validate`] repeatedly, each time
//!   patching the field it named with a valid stand-in, so that *every*
//!   problem is listed at once (the verifier stops at the first);
//! - [`registration`], [`amendment`], [`status`] build predicates from the
//!   forms; [`Prepared::sign`] signs one with [`verifier::entry::EntryBuilder`]
//!   and keeps the exact bytes and the statement for the review screen;
//! - [`Refusal::parse`] reads the registry's `{"error":{"code","message"}}`
//!   and finds the field path in the message.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::SigningKey;
use serde_json::Value;
use verifier::entry::{Entry, EntryBuilder};
use verifier::predicate::{
    Amendment, Predicate, PredicateKind, Registration, StatusUpdate, Timestamp,
};
use verifier::statement::Subject;
use verifier::validate::{self, Problem, ValidationError};

use super::draft::Draft;
use super::form::{FieldError, parse_enum, parse_optional_date};

/// A placeholder creation time for checking before signing.
const CHECK_TIME: &str = "2000-01-01T00:00:00Z";

/// Most rounds of patch-and-revalidate (a form has far fewer fields in error).
const MAX_ROUNDS: usize = 200;

fn pointer(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('.') {
        match part.split_once('[') {
            Some((name, rest)) => {
                out.push('/');
                out.push_str(name);
                for index in rest.split('[') {
                    out.push('/');
                    out.push_str(index.trim_end_matches(']'));
                }
            }
            None => {
                out.push('/');
                out.push_str(part);
            }
        }
    }
    out
}

/// Replaces the value at `path` by one the rule accepts; false if it cannot.
fn patch(value: &mut Value, path: &str, problem: &Problem, round: usize) -> bool {
    let filler = || Value::String(format!("stand-in-{round}"));
    let pointer = pointer(path);
    let Some(slot) = value.pointer_mut(&pointer) else {
        return false;
    };
    match problem {
        Problem::Empty | Problem::RequiredWhen(_) | Problem::Duplicate { .. } => {
            *slot = filler();
        }
        Problem::TooLong { max, .. } => match slot {
            Value::String(s) => *s = s.chars().take(*max).collect(),
            _ => return false,
        },
        Problem::NotSha256(_) => *slot = Value::String("0".repeat(64)),
        Problem::Zero => *slot = Value::from(1),
        Problem::DateOrder { .. } => *slot = Value::Null,
        Problem::VersionMismatch { subject, .. } => *slot = Value::String(subject.clone()),
        Problem::NoneGiven(_) => {
            let Value::Array(list) = slot else {
                return false;
            };
            let last = path.rsplit('.').next().unwrap_or_default();
            list.push(match last {
                "conditions" => filler(),
                "interventions" => serde_json::json!({
                    "kind": "other", "name": "x", "description": "", "comparator": false
                }),
                "primary_outcomes" => serde_json::json!({
                    "id": format!("stand-in-{round}"), "measure": "x", "time_frame": "x"
                }),
                "options" => serde_json::json!({
                    "id": format!("stand-in-{round}"), "label": "x", "required": false
                }),
                "outcomes" => serde_json::json!({
                    "registered_id": null, "measure": "x", "type": "other",
                    "time_frame": "x", "result": "x"
                }),
                _ => return false,
            });
        }
        _ => return false,
    }
    true
}

/// Every validation error of `predicate` with `subjects`, by field path
/// (predicate fields relative to the predicate, subjects as `subject[i]…`).
pub fn predicate_errors(predicate: &Predicate, subjects: &[Subject]) -> Vec<ValidationError> {
    let kind = predicate.kind();
    let Ok(mut value) = predicate.to_json() else {
        return Vec::new();
    };
    let Ok(subject_value) = serde_json::to_value(subjects) else {
        return Vec::new();
    };
    if let Value::Object(map) = &mut value {
        map.insert("subject".to_owned(), subject_value);
    }
    let mut errors: Vec<ValidationError> = Vec::new();
    for round in 0..MAX_ROUNDS {
        let mut predicate_value = value.clone();
        let subjects = match &mut predicate_value {
            Value::Object(map) => map.remove("subject").unwrap_or(Value::Array(Vec::new())),
            _ => break,
        };
        let (Ok(subjects), Ok(predicate)) = (
            serde_json::from_value::<Vec<Subject>>(subjects),
            Predicate::from_json(kind, predicate_value),
        ) else {
            break;
        };
        let Err(error) = validate::validate(&predicate, &subjects) else {
            break;
        };
        let repeated = errors.iter().any(|e| e.path == error.path);
        let patched = !repeated && patch(&mut value, &error.path, &error.problem, round);
        if !repeated {
            errors.push(error);
        }
        if !patched {
            break;
        }
    }
    errors
}

/// A creation time for checks (`now` is used when signing).
fn check_time() -> Timestamp {
    #[allow(clippy::expect_used)]
    CHECK_TIME.parse().expect("a valid RFC 3339 time")
}

/// Field errors of a draft as a registration (`amendment == None`) or as
/// an amendment of `trial_id` at `prev`: parse errors, then every rule,
/// each at its input. Unhashed documents are one error on `documents`.
pub fn draft_errors(draft: &Draft, amendment: Option<(&str, &str)>) -> Vec<FieldError> {
    let (predicate, subjects, mut errors) = match amendment {
        None => registration(draft, "", check_time()),
        Some((trial_id, prev)) => amendment_predicate(draft, "", check_time(), trial_id, prev),
    };
    let parsed: Vec<String> = errors.iter().map(|e| e.path.clone()).collect();
    for e in predicate_errors(&predicate, &subjects) {
        if matches!(e.problem, Problem::NotSha256(_)) && e.path.starts_with("subject") {
            continue;
        }
        let input = draft.input_for(&e.path);
        if parsed.contains(&input) {
            continue;
        }
        errors.push(FieldError::new(input, e.problem.to_string()));
    }
    if !draft.unhashed().is_empty() {
        errors.push(FieldError::new(
            "documents",
            "wait until every document is hashed (or remove it)",
        ));
    }
    errors
}

/// The registration a draft describes, its subjects, and parse errors.
pub fn registration(
    draft: &Draft,
    signer_key: &str,
    created_at: Timestamp,
) -> (Predicate, Vec<Subject>, Vec<FieldError>) {
    let (trial, errors) = draft.parse();
    let predicate = Registration {
        signer_key: signer_key.to_owned(),
        created_at,
        trial,
        consent_forms: draft.consent_forms(),
    };
    (predicate.into(), draft.subjects(), errors)
}

/// The amendment a draft describes.
pub fn amendment_predicate(
    draft: &Draft,
    signer_key: &str,
    created_at: Timestamp,
    trial_id: &str,
    prev: &str,
) -> (Predicate, Vec<Subject>, Vec<FieldError>) {
    let (trial, errors) = draft.parse();
    let predicate = Amendment {
        signer_key: signer_key.to_owned(),
        created_at,
        trial_id: trial_id.to_owned(),
        prev: prev.to_owned(),
        reason: draft.reason.clone(),
        trial,
        consent_forms: draft.consent_forms(),
    };
    (predicate.into(), draft.subjects(), errors)
}

/// The status update form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusForm {
    /// snake_case [`verifier::predicate::RecruitmentStatus`].
    pub recruitment_status: String,
    /// `YYYY-MM-DD` or `YYYY-MM`, optional.
    pub actual_first_enrolment: String,
    /// Optional.
    pub actual_completion: String,
}

impl StatusForm {
    /// The input at `path`.
    pub fn text(&self, path: &str) -> String {
        match path {
            "recruitment_status" => self.recruitment_status.clone(),
            "actual_first_enrolment" => self.actual_first_enrolment.clone(),
            "actual_completion" => self.actual_completion.clone(),
            _ => String::new(),
        }
    }

    /// Sets the input at `path`.
    pub fn set_text(&mut self, path: &str, value: String) -> bool {
        let slot = match path {
            "recruitment_status" => &mut self.recruitment_status,
            "actual_first_enrolment" => &mut self.actual_first_enrolment,
            "actual_completion" => &mut self.actual_completion,
            _ => return false,
        };
        *slot = value;
        true
    }
}

/// The status update a form describes, or every field error.
pub fn status(
    form: &StatusForm,
    signer_key: &str,
    created_at: Timestamp,
    trial_id: &str,
    prev: &str,
) -> Result<Predicate, Vec<FieldError>> {
    let mut errors = Vec::new();
    let recruitment_status = parse_enum(
        &form.recruitment_status,
        "recruitment_status",
        verifier::predicate::RecruitmentStatus::Other,
        &mut errors,
    );
    let mut date = |path: &str, text: &str| {
        parse_optional_date(text).unwrap_or_else(|e| {
            errors.push(FieldError::new(path, e));
            None
        })
    };
    let actual_first_enrolment = date("actual_first_enrolment", &form.actual_first_enrolment);
    let actual_completion = date("actual_completion", &form.actual_completion);
    let predicate: Predicate = StatusUpdate {
        signer_key: signer_key.to_owned(),
        created_at,
        trial_id: trial_id.to_owned(),
        prev: prev.to_owned(),
        recruitment_status,
        actual_first_enrolment,
        actual_completion,
    }
    .into();
    for e in predicate_errors(&predicate, &[]) {
        errors.push(FieldError::new(e.path, e.problem.to_string()));
    }
    if errors.is_empty() {
        Ok(predicate)
    } else {
        Err(errors)
    }
}

/// A signed entry ready to submit, and what the review screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// Its kind.
    pub kind: PredicateKind,
    /// The exact bytes that will be sent.
    pub bytes: Vec<u8>,
    /// The signed statement (subjects and predicate), pretty-printed.
    pub statement: String,
    /// SHA-256 of the bytes.
    pub entry_hash: String,
    /// The trial (derived from the bytes for a registration).
    pub trial_id: String,
}

impl Prepared {
    /// Signs `predicate` with `subjects` under `key`.
    pub fn sign(
        predicate: Predicate,
        subjects: Vec<Subject>,
        key: &SigningKey,
    ) -> Result<Prepared, String> {
        let kind = predicate.kind();
        let mut builder = EntryBuilder::new(predicate);
        for subject in subjects {
            builder = builder.add_subject(subject);
        }
        let bytes = builder.sign(key).map_err(|e| e.to_string())?;
        let entry = Entry::parse(&bytes).map_err(|e| e.to_string())?;
        let statement = statement_text(&bytes).unwrap_or_default();
        Ok(Prepared {
            kind,
            entry_hash: entry.entry_hash(),
            trial_id: entry.trial_id().to_string(),
            statement,
            bytes,
        })
    }
}

/// The statement inside an entry's DSSE envelope, pretty-printed.
pub fn statement_text(entry: &[u8]) -> Option<String> {
    let envelope: Value = serde_json::from_slice(entry).ok()?;
    let payload = BASE64.decode(envelope.get("payload")?.as_str()?).ok()?;
    let statement: Value = serde_json::from_slice(&payload).ok()?;
    serde_json::to_string_pretty(&statement).ok()
}

/// The registry's answer to a submission: `{"index","entry_hash","trial_id"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Accepted {
    /// Log index.
    pub index: u64,
    /// SHA-256 of the entry bytes.
    pub entry_hash: String,
    /// The trial.
    pub trial_id: String,
}

/// A refused submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status (0 when the registry could not be reached).
    pub status: u16,
    /// `error.code`.
    pub code: String,
    /// `error.message`.
    pub message: String,
    /// The field path the message names, if any.
    pub path: Option<String>,
}

/// Whether `text` looks like a field path (`trial.primary_outcomes[0].id`).
fn is_path(text: &str) -> bool {
    !text.is_empty()
        && text.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.[]".contains(c))
}

impl Refusal {
    /// Reads an error answer (any body; a non-JSON body becomes its text).
    pub fn parse(status: u16, body: &[u8]) -> Refusal {
        let value: Option<Value> = serde_json::from_slice(body).ok();
        let error = value.as_ref().and_then(|v| v.get("error"));
        let field = |name: &str| {
            error
                .and_then(|e| e.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let code = field("code").unwrap_or_else(|| format!("http_{status}"));
        let message = field("message").unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body)
                .trim()
                .chars()
                .take(300)
                .collect::<String>();
            if text.is_empty() {
                format!("the registry answered HTTP {status}")
            } else {
                text
            }
        });
        let rest = message
            .strip_prefix("invalid entry: ")
            .unwrap_or(message.as_str());
        let path = rest
            .split_once(": ")
            .map(|(p, _)| p)
            .filter(|p| is_path(p))
            .map(str::to_owned);
        Refusal {
            status,
            code,
            message,
            path,
        }
    }

    /// The message without its field path (shown next to the field).
    pub fn field_message(&self) -> String {
        match &self.path {
            Some(path) => self
                .message
                .split_once(&format!("{path}: "))
                .map_or_else(|| self.message.clone(), |(_, m)| m.to_owned()),
            None => self.message.clone(),
        }
    }

    /// A sentence for the form-level error.
    pub fn summary(&self) -> String {
        let hint = match self.code.as_str() {
            "stale_prev" => {
                " Another entry of this trial was sequenced since it was loaded: load the trial \
                 again and redo the change."
            }
            "not_owner" => " Sign with the key that registered the trial.",
            "busy" | "unavailable" => " Try again in a few seconds.",
            _ => "",
        };
        if self.status == 0 {
            format!("The entry was not submitted: {}", self.message)
        } else {
            format!(
                "The registry refused the entry (HTTP {}, {}): {}{hint}",
                self.status, self.code, self.message
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sponsor::draft::DocumentDraft;

    fn imported() -> Draft {
        let import = verifier::ctgov::import(include_bytes!(
            "../../../verifier/tests/data/ctgov/NCT00763412.json"
        ))
        .unwrap();
        Draft::default().with_import(&import)
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[9; 32])
    }

    #[test]
    fn every_problem_is_listed_at_its_input() {
        let mut draft = imported();
        draft.form.public_title = " ".into();
        draft.form.conditions = String::new();
        draft.form.primary_outcomes[0].measure = String::new();
        draft.form.add_row("trial.primary_outcomes");
        let last = draft.form.primary_outcomes.len() - 1;
        draft.form.primary_outcomes[last].id = draft.form.primary_outcomes[0].id.clone();
        draft.form.target_sample_size = "0".into();
        draft.form.date_of_first_enrolment = "soon".into();
        let errors = draft_errors(&draft, None);
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        for expected in [
            "trial.date_of_first_enrolment",
            "trial.public_title",
            "trial.conditions",
            "trial.target_sample_size",
            "trial.primary_outcomes[0].measure",
            "trial.ethics_review.committee.name",
        ] {
            assert!(
                paths.contains(&expected),
                "{expected} missing from {paths:?}"
            );
        }
        assert!(
            paths.contains(&format!("trial.primary_outcomes[{last}].id").as_str()),
            "{paths:?}"
        );
        let title = errors
            .iter()
            .find(|e| e.path == "trial.public_title")
            .unwrap();
        assert_eq!(title.message, "must not be empty");
    }

    #[test]
    fn a_completed_import_validates_signs_and_shows_what_is_signed() {
        let mut draft = imported();
        assert!(
            draft_errors(&draft, None)
                .iter()
                .any(|e| e.path == "trial.ethics_review.committee.name")
        );
        draft.form.ethics_status = "approved".into();
        draft.form.ethics_committee = "Hospital Research Ethics Board".into();
        draft.documents.push(DocumentDraft {
            name: "protocol-v1.pdf".into(),
            role: "protocol".into(),
            version: "1".into(),
            size: 10,
            sha256: None,
            hashed: Some(0),
            carried: false,
        });
        let errors = draft_errors(&draft, None);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].path, "documents");
        draft.documents[0].sha256 = Some("cd".repeat(32));
        assert_eq!(draft_errors(&draft, None), vec![]);

        let (predicate, subjects, errors) = registration(&draft, "", check_time());
        assert!(errors.is_empty());
        let prepared = Prepared::sign(predicate, subjects, &key()).unwrap();
        assert_eq!(prepared.kind, PredicateKind::Registration);
        assert!(prepared.trial_id.starts_with("TL-"));
        assert_eq!(
            verifier::entry::TrialId::for_registration(&prepared.bytes).to_string(),
            prepared.trial_id
        );
        assert!(prepared.statement.contains("\"protocol-v1.pdf\""));
        assert!(
            prepared
                .statement
                .contains("Hospital Research Ethics Board")
        );
        assert!(
            prepared
                .statement
                .contains("urn:trial-ledger:registration:v1")
        );
    }

    #[test]
    fn an_amendment_needs_a_reason() {
        let draft = imported();
        let errors = draft_errors(&draft, Some(("TL-0000000000000000", &"ab".repeat(32))));
        assert!(errors.iter().any(|e| e.path == "reason"), "{errors:?}");
    }

    #[test]
    fn status_dates_are_checked() {
        let form = StatusForm {
            recruitment_status: "recruiting".into(),
            actual_first_enrolment: "2025-03-02".into(),
            actual_completion: "2025-01".into(),
        };
        let errors = status(
            &form,
            "",
            check_time(),
            "TL-0000000000000000",
            &"ab".repeat(32),
        )
        .unwrap_err();
        assert_eq!(errors[0].path, "actual_completion");
        let form = StatusForm {
            actual_completion: String::new(),
            ..form
        };
        assert!(
            status(
                &form,
                "",
                check_time(),
                "TL-0000000000000000",
                &"ab".repeat(32)
            )
            .is_ok()
        );
        let bad = StatusForm {
            actual_first_enrolment: "March".into(),
            ..form
        };
        let errors = status(
            &bad,
            "",
            check_time(),
            "TL-0000000000000000",
            &"ab".repeat(32),
        )
        .unwrap_err();
        assert_eq!(errors[0].path, "actual_first_enrolment");
    }

    #[test]
    fn refusals_name_their_field() {
        let body = br#"{"error":{"code":"invalid_field","message":"invalid entry: trial.primary_outcomes[0].id: must not be empty"}}"#;
        let r = Refusal::parse(422, body);
        assert_eq!(r.code, "invalid_field");
        assert_eq!(r.path.as_deref(), Some("trial.primary_outcomes[0].id"));
        assert_eq!(r.field_message(), "must not be empty");
        let r = Refusal::parse(
            409,
            br#"{"error":{"code":"stale_prev","message":"prev is ab, but the trial's head is cd"}}"#,
        );
        assert_eq!(r.path, None);
        assert!(r.summary().contains("load the trial again"));
        let r = Refusal::parse(502, b"Bad Gateway");
        assert_eq!(r.code, "http_502");
        assert_eq!(r.message, "Bad Gateway");
    }

    #[test]
    fn pointers_follow_paths() {
        assert_eq!(
            pointer("trial.primary_outcomes[2].id"),
            "/trial/primary_outcomes/2/id"
        );
        assert_eq!(
            pointer("subject[0].digest.sha256"),
            "/subject/0/digest/sha256"
        );
        assert_eq!(
            pointer("consent_forms[1].options[0].id"),
            "/consent_forms/1/options/0/id"
        );
    }
}
