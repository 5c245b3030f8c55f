//! Validation of predicates beyond their JSON shape, with errors that name
//! the field: `trial.primary_outcomes[2].id: duplicate outcome id "P1"`.
//!
//! [`validate`] checks one entry on its own (the registry and every verifier
//! run it from [`Entry::parse`](crate::entry::Entry::parse)); the rules that
//! need the trial's history (owner, `prev`, known consent forms) are in
//! [`crate::trial`].
//!
//! Rules:
//! - required strings are non-empty (not only whitespace), and every string
//!   is at most its limit in characters: [`MAX_ID_LEN`] for identifiers,
//!   [`MAX_NAME_LEN`] for names, [`MAX_TITLE_LEN`] for titles,
//!   [`MAX_TEXT_LEN`] for outcome measures, time frames, labels, reasons and
//!   results, [`MAX_LONG_TEXT_LEN`] for criteria, descriptions and summaries
//!   (the entry's 65,535-byte limit bounds the total);
//! - subjects have unique non-empty names, 64-hex SHA-256 digests and a
//!   non-empty role when annotated;
//! - a registration or amendment has at least one condition, at least one
//!   intervention when interventional, at least one primary outcome, outcome
//!   ids unique across primary and secondary outcomes, a target sample size
//!   above zero, a non-empty ethics committee name unless review is
//!   `not_required`, an IPD description when the plan is `yes`, and a
//!   completion date not before the first enrolment;
//! - every consent form names a subject *of the same entry* with role
//!   `consent-form` (an amendment restates the forms it keeps), at most once,
//!   with matching version annotation if any, and has at least one option,
//!   with unique ids;
//! - `trial_id` parses, `prev` and a consent's `form` are 64 lowercase hex,
//!   an amendment's `reason` is non-empty, `actual_completion` is not before
//!   `actual_first_enrolment`, results have at least one outcome and a
//!   non-empty `change_reason` when one is given, a consent entry has
//!   exactly one subject, with role `consent-record`.

use std::collections::BTreeSet;

use crate::entry::{TrialId, is_sha256_hex};
use crate::predicate::{
    Amendment, Consent, ConsentForm, EthicsStatus, IpdPlan, Outcome, Predicate, Registration,
    Results, StatusUpdate, StudyType, TrialRecord,
};
use crate::statement::{ROLE_CONSENT_FORM, ROLE_CONSENT_RECORD, Subject};

/// Longest identifier (outcome and option ids, secondary ids, roles,
/// versions, languages), in characters.
pub const MAX_ID_LEN: usize = 100;
/// Longest name (sponsors, contacts, conditions, countries, interventions,
/// committees, subject names), in characters.
pub const MAX_NAME_LEN: usize = 500;
/// Longest title (public and scientific titles), in characters.
pub const MAX_TITLE_LEN: usize = 1000;
/// Longest short text (outcome measures and time frames, option labels,
/// amendment reasons, change reasons, results), in characters.
pub const MAX_TEXT_LEN: usize = 5000;
/// Longest long text (eligibility criteria, descriptions, summaries), in
/// characters.
pub const MAX_LONG_TEXT_LEN: usize = 30_000;

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A required string is empty or only whitespace.
    #[error("must not be empty")]
    Empty,
    /// A string exceeds its limit.
    #[error("is {len} characters long; at most {max} are allowed")]
    TooLong {
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A list that needs at least one element is empty.
    #[error("needs at least one {0}")]
    NoneGiven(&'static str),
    /// A value that must be unique occurs twice.
    #[error("duplicate {what} {value:?}")]
    Duplicate {
        /// What kind of value.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// A hash is not 64 lowercase hex digits.
    #[error("{0:?} is not a SHA-256 (64 lowercase hex digits)")]
    NotSha256(String),
    /// A trial id does not parse.
    #[error("{0:?} is not a trial id (TL- followed by 16 Crockford base32 characters)")]
    BadTrialId(String),
    /// A number that must be positive is zero.
    #[error("must be greater than zero")]
    Zero,
    /// A date is before the date it must follow.
    #[error("{date} is before {field} ({other})")]
    DateOrder {
        /// The date.
        date: String,
        /// The field it must not precede.
        field: &'static str,
        /// That field's date.
        other: String,
    },
    /// A consent form names a subject the entry does not have.
    #[error("names subject {0:?}, but the entry has no subject of that name")]
    UnknownSubject(String),
    /// A subject has the wrong role.
    #[error("subject {name:?} has role {role:?}; expected {expected:?}")]
    WrongRole {
        /// The subject's name.
        name: String,
        /// Its role (empty when unannotated).
        role: String,
        /// The role required.
        expected: &'static str,
    },
    /// A consent form's version differs from its subject's version annotation.
    #[error("is {form:?}, but subject {name:?} is annotated as version {subject:?}")]
    VersionMismatch {
        /// The subject's name.
        name: String,
        /// The form's version.
        form: String,
        /// The subject's version annotation.
        subject: String,
    },
    /// A consent entry's subjects are not exactly one `consent-record`.
    #[error("a consent entry has exactly one subject, with role consent-record; it has {0}")]
    ConsentSubjects(usize),
    /// A field is required in this situation.
    #[error("is required {0}")]
    RequiredWhen(&'static str),
}

/// A validation failure: the field's path in the statement and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct ValidationError {
    /// Path of the field, e.g. `trial.primary_outcomes[2].id` (predicate
    /// fields are relative to the predicate; subjects are `subject[i]…`).
    pub path: String,
    /// What is wrong.
    pub problem: Problem,
}

type Result<T = ()> = std::result::Result<T, ValidationError>;

fn fail<T>(path: impl Into<String>, problem: Problem) -> Result<T> {
    Err(ValidationError {
        path: path.into(),
        problem,
    })
}

fn max_len(path: &str, value: &str, max: usize) -> Result {
    let len = value.chars().count();
    if len > max {
        return fail(path, Problem::TooLong { len, max });
    }
    Ok(())
}

/// A required, non-blank string of at most `max` characters.
fn required(path: &str, value: &str, max: usize) -> Result {
    if value.trim().is_empty() {
        return fail(path, Problem::Empty);
    }
    max_len(path, value, max)
}

/// An optional string: when present, non-blank and at most `max` characters.
fn optional(path: &str, value: Option<&String>, max: usize) -> Result {
    value.map_or(Ok(()), |v| required(path, v, max))
}

fn sha256(path: &str, value: &str) -> Result {
    if is_sha256_hex(value) {
        Ok(())
    } else {
        fail(path, Problem::NotSha256(value.to_owned()))
    }
}

fn trial_id(path: &str, value: &str) -> Result {
    value
        .parse::<TrialId>()
        .map(|_| ())
        .or_else(|_| fail(path, Problem::BadTrialId(value.to_owned())))
}

fn non_empty_list<T>(path: &str, list: &[T], what: &'static str) -> Result {
    if list.is_empty() {
        return fail(path, Problem::NoneGiven(what));
    }
    Ok(())
}

/// Validates a predicate together with its statement's subjects.
pub fn validate(predicate: &Predicate, subjects: &[Subject]) -> Result {
    validate_subjects(subjects)?;
    match predicate {
        Predicate::Registration(p) => validate_registration(p, subjects),
        Predicate::Amendment(p) => validate_amendment(p, subjects),
        Predicate::Status(p) => validate_status(p),
        Predicate::Results(p) => validate_results(p),
        Predicate::Consent(p) => validate_consent(p, subjects),
    }
}

/// Subjects: unique non-empty names, SHA-256 digests, roles when annotated.
pub fn validate_subjects(subjects: &[Subject]) -> Result {
    let mut names = BTreeSet::new();
    for (i, s) in subjects.iter().enumerate() {
        let path = format!("subject[{i}]");
        required(&format!("{path}.name"), &s.name, MAX_NAME_LEN)?;
        if !names.insert(s.name.as_str()) {
            return fail(
                format!("{path}.name"),
                Problem::Duplicate {
                    what: "subject name",
                    value: s.name.clone(),
                },
            );
        }
        sha256(&format!("{path}.digest.sha256"), &s.digest.sha256)?;
        if let Some(a) = &s.annotations {
            required(&format!("{path}.annotations.role"), &a.role, MAX_ID_LEN)?;
            optional(
                &format!("{path}.annotations.version"),
                a.version.as_ref(),
                MAX_ID_LEN,
            )?;
            optional(
                &format!("{path}.annotations.language"),
                a.language.as_ref(),
                MAX_ID_LEN,
            )?;
            for (key, value) in &a.other {
                max_len(&format!("{path}.annotations.{key}"), value, MAX_TEXT_LEN)?;
            }
        }
    }
    Ok(())
}

/// A registration: its trial record and consent forms.
pub fn validate_registration(p: &Registration, subjects: &[Subject]) -> Result {
    validate_trial(&p.trial, "trial")?;
    validate_consent_forms(&p.consent_forms, subjects)
}

/// An amendment: ids, reason, trial record and consent forms.
pub fn validate_amendment(p: &Amendment, subjects: &[Subject]) -> Result {
    trial_id("trial_id", &p.trial_id)?;
    sha256("prev", &p.prev)?;
    required("reason", &p.reason, MAX_TEXT_LEN)?;
    validate_trial(&p.trial, "trial")?;
    validate_consent_forms(&p.consent_forms, subjects)
}

/// A status update: ids and date order.
pub fn validate_status(p: &StatusUpdate) -> Result {
    trial_id("trial_id", &p.trial_id)?;
    sha256("prev", &p.prev)?;
    if let (Some(start), Some(end)) = (p.actual_first_enrolment, p.actual_completion)
        && end < start.first_day()
    {
        return fail(
            "actual_completion",
            Problem::DateOrder {
                date: end.to_string(),
                field: "actual_first_enrolment",
                other: start.to_string(),
            },
        );
    }
    Ok(())
}

/// Results: ids, outcomes, summary.
pub fn validate_results(p: &Results) -> Result {
    trial_id("trial_id", &p.trial_id)?;
    sha256("prev", &p.prev)?;
    non_empty_list("outcomes", &p.outcomes, "reported outcome")?;
    for (i, o) in p.outcomes.iter().enumerate() {
        let path = format!("outcomes[{i}]");
        optional(
            &format!("{path}.registered_id"),
            o.registered_id.as_ref(),
            MAX_ID_LEN,
        )?;
        required(&format!("{path}.measure"), &o.measure, MAX_TEXT_LEN)?;
        required(&format!("{path}.time_frame"), &o.time_frame, MAX_TEXT_LEN)?;
        required(&format!("{path}.result"), &o.result, MAX_TEXT_LEN)?;
        optional(
            &format!("{path}.change_reason"),
            o.change_reason.as_ref(),
            MAX_TEXT_LEN,
        )?;
    }
    required("summary", &p.summary, MAX_LONG_TEXT_LEN)
}

/// A consent event: ids and its one `consent-record` subject.
pub fn validate_consent(p: &Consent, subjects: &[Subject]) -> Result {
    trial_id("trial_id", &p.trial_id)?;
    sha256("form", &p.form)?;
    match subjects {
        [s] if s.role() == Some(ROLE_CONSENT_RECORD) => Ok(()),
        [s] => fail(
            "subject[0].annotations.role",
            Problem::WrongRole {
                name: s.name.clone(),
                role: s.role().unwrap_or_default().to_owned(),
                expected: ROLE_CONSENT_RECORD,
            },
        ),
        _ => fail("subject", Problem::ConsentSubjects(subjects.len())),
    }
}

fn validate_outcomes(
    list: &[Outcome],
    path: &str,
    ids: &mut BTreeSet<String>,
) -> std::result::Result<(), ValidationError> {
    for (i, o) in list.iter().enumerate() {
        let p = format!("{path}[{i}]");
        required(&format!("{p}.id"), &o.id, MAX_ID_LEN)?;
        if !ids.insert(o.id.clone()) {
            return fail(
                format!("{p}.id"),
                Problem::Duplicate {
                    what: "outcome id",
                    value: o.id.clone(),
                },
            );
        }
        required(&format!("{p}.measure"), &o.measure, MAX_TEXT_LEN)?;
        optional(
            &format!("{p}.description"),
            o.description.as_ref(),
            MAX_LONG_TEXT_LEN,
        )?;
        required(&format!("{p}.time_frame"), &o.time_frame, MAX_TEXT_LEN)?;
    }
    Ok(())
}

/// A WHO trial record; `base` is its path (`trial`).
pub fn validate_trial(t: &TrialRecord, base: &str) -> Result {
    let f = |field: &str| format!("{base}.{field}");
    for (i, s) in t.secondary_ids.iter().enumerate() {
        required(
            &f(&format!("secondary_ids[{i}].issuer")),
            &s.issuer,
            MAX_NAME_LEN,
        )?;
        required(&f(&format!("secondary_ids[{i}].id")), &s.id, MAX_ID_LEN)?;
    }
    for (i, s) in t.funding_sources.iter().enumerate() {
        required(&f(&format!("funding_sources[{i}]")), s, MAX_NAME_LEN)?;
    }
    required(&f("primary_sponsor"), &t.primary_sponsor, MAX_NAME_LEN)?;
    for (i, s) in t.secondary_sponsors.iter().enumerate() {
        required(&f(&format!("secondary_sponsors[{i}]")), s, MAX_NAME_LEN)?;
    }
    for (name, c) in [
        ("public_contact", &t.public_contact),
        ("scientific_contact", &t.scientific_contact),
    ] {
        required(&f(&format!("{name}.name")), &c.name, MAX_NAME_LEN)?;
        max_len(
            &f(&format!("{name}.affiliation")),
            &c.affiliation,
            MAX_NAME_LEN,
        )?;
        optional(&f(&format!("{name}.email")), c.email.as_ref(), MAX_NAME_LEN)?;
        optional(&f(&format!("{name}.phone")), c.phone.as_ref(), MAX_NAME_LEN)?;
        optional(
            &f(&format!("{name}.address")),
            c.address.as_ref(),
            MAX_NAME_LEN,
        )?;
    }
    required(&f("public_title"), &t.public_title, MAX_TITLE_LEN)?;
    required(&f("scientific_title"), &t.scientific_title, MAX_TITLE_LEN)?;
    optional(&f("acronym"), t.acronym.as_ref(), MAX_NAME_LEN)?;
    for (i, s) in t.countries.iter().enumerate() {
        required(&f(&format!("countries[{i}]")), s, MAX_NAME_LEN)?;
    }
    non_empty_list(&f("conditions"), &t.conditions, "condition")?;
    for (i, s) in t.conditions.iter().enumerate() {
        required(&f(&format!("conditions[{i}]")), s, MAX_NAME_LEN)?;
    }
    if t.study_type == StudyType::Interventional {
        non_empty_list(&f("interventions"), &t.interventions, "intervention")?;
    }
    for (i, x) in t.interventions.iter().enumerate() {
        let p = f(&format!("interventions[{i}]"));
        required(&format!("{p}.kind"), &x.kind, MAX_ID_LEN)?;
        required(&format!("{p}.name"), &x.name, MAX_NAME_LEN)?;
        max_len(
            &format!("{p}.description"),
            &x.description,
            MAX_LONG_TEXT_LEN,
        )?;
    }
    let e = &t.eligibility;
    required(
        &f("eligibility.inclusion_criteria"),
        &e.inclusion_criteria,
        MAX_LONG_TEXT_LEN,
    )?;
    max_len(
        &f("eligibility.exclusion_criteria"),
        &e.exclusion_criteria,
        MAX_LONG_TEXT_LEN,
    )?;
    optional(
        &f("eligibility.minimum_age"),
        e.minimum_age.as_ref(),
        MAX_ID_LEN,
    )?;
    optional(
        &f("eligibility.maximum_age"),
        e.maximum_age.as_ref(),
        MAX_ID_LEN,
    )?;
    let d = &t.design;
    for (name, v) in [
        ("allocation", &d.allocation),
        ("masking", &d.masking),
        ("assignment", &d.assignment),
        ("purpose", &d.purpose),
        ("phase", &d.phase),
    ] {
        optional(&f(&format!("design.{name}")), v.as_ref(), MAX_NAME_LEN)?;
    }
    if t.target_sample_size == 0 {
        return fail(f("target_sample_size"), Problem::Zero);
    }
    non_empty_list(
        &f("primary_outcomes"),
        &t.primary_outcomes,
        "primary outcome",
    )?;
    let mut ids = BTreeSet::new();
    validate_outcomes(&t.primary_outcomes, &f("primary_outcomes"), &mut ids)?;
    validate_outcomes(&t.secondary_outcomes, &f("secondary_outcomes"), &mut ids)?;
    let r = &t.ethics_review;
    if r.status == EthicsStatus::NotRequired {
        max_len(
            &f("ethics_review.committee.name"),
            &r.committee.name,
            MAX_NAME_LEN,
        )?;
    } else {
        required(
            &f("ethics_review.committee.name"),
            &r.committee.name,
            MAX_NAME_LEN,
        )?;
    }
    optional(
        &f("ethics_review.committee.contact"),
        r.committee.contact.as_ref(),
        MAX_NAME_LEN,
    )?;
    if let Some(end) = t.completion_date
        && end < t.date_of_first_enrolment.first_day()
    {
        return fail(
            f("completion_date"),
            Problem::DateOrder {
                date: end.to_string(),
                field: "date_of_first_enrolment",
                other: t.date_of_first_enrolment.to_string(),
            },
        );
    }
    if t.ipd_sharing.plan == IpdPlan::Yes && t.ipd_sharing.description.trim().is_empty() {
        return fail(
            f("ipd_sharing.description"),
            Problem::RequiredWhen("when the plan is yes (what, when, with whom, how)"),
        );
    }
    max_len(
        &f("ipd_sharing.description"),
        &t.ipd_sharing.description,
        MAX_LONG_TEXT_LEN,
    )
}

/// Consent forms against the entry's subjects.
pub fn validate_consent_forms(forms: &[ConsentForm], subjects: &[Subject]) -> Result {
    let mut seen = BTreeSet::new();
    for (i, form) in forms.iter().enumerate() {
        let path = format!("consent_forms[{i}]");
        let subject_path = format!("{path}.subject");
        required(&subject_path, &form.subject, MAX_NAME_LEN)?;
        if !seen.insert(form.subject.as_str()) {
            return fail(
                subject_path,
                Problem::Duplicate {
                    what: "consent form subject",
                    value: form.subject.clone(),
                },
            );
        }
        let Some(subject) = subjects.iter().find(|s| s.name == form.subject) else {
            return fail(subject_path, Problem::UnknownSubject(form.subject.clone()));
        };
        if subject.role() != Some(ROLE_CONSENT_FORM) {
            return fail(
                subject_path,
                Problem::WrongRole {
                    name: subject.name.clone(),
                    role: subject.role().unwrap_or_default().to_owned(),
                    expected: ROLE_CONSENT_FORM,
                },
            );
        }
        required(&format!("{path}.version"), &form.version, MAX_ID_LEN)?;
        if let Some(v) = subject.version()
            && v != form.version
        {
            return fail(
                format!("{path}.version"),
                Problem::VersionMismatch {
                    name: subject.name.clone(),
                    form: form.version.clone(),
                    subject: v.to_owned(),
                },
            );
        }
        required(&format!("{path}.language"), &form.language, MAX_ID_LEN)?;
        non_empty_list(&format!("{path}.options"), &form.options, "option")?;
        let mut ids = BTreeSet::new();
        for (j, option) in form.options.iter().enumerate() {
            let p = format!("{path}.options[{j}]");
            required(&format!("{p}.id"), &option.id, MAX_ID_LEN)?;
            if !ids.insert(option.id.as_str()) {
                return fail(
                    format!("{p}.id"),
                    Problem::Duplicate {
                        what: "option id",
                        value: option.id.clone(),
                    },
                );
            }
            required(&format!("{p}.label"), &option.label, MAX_TEXT_LEN)?;
        }
    }
    Ok(())
}
