//! The registration form's state as plain strings, and its conversion to
//! and from the WHO [`TrialRecord`] (no DOM; unit-tested natively).
//!
//! Every input is addressed by the **path of the predicate field it edits**
//! (`trial.public_title`, `trial.primary_outcomes[2].measure`), the same
//! path [`verifier::validate`] names in its errors and the registry names
//! in its refusals. So an error is shown next to its input by looking up
//! [`input_for`] of its path. List fields that are edited as one line per
//! item (conditions, countries, sponsors, funding sources, secondary ids)
//! have one input for the whole list; their items' errors land on it.
//!
//! [`TrialForm::to_record`] is lenient: text that does not parse (a date, a
//! number) is reported as a [`FieldError`] and replaced by a stand-in, so
//! that the verifier's rules can still be run on everything else and all
//! problems shown at once ([`crate::sponsor::submit::predicate_errors`]).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use verifier::predicate::{
    Contact, Date, Eligibility, EthicsCommittee, EthicsReview, EthicsStatus, Intervention, IpdPlan,
    IpdSharing, Outcome, RecruitmentStatus, SecondaryId, Sex, StudyDesign, StudyType, TrialRecord,
};

/// A problem with one input: the input's path and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The input's path (see the module docs).
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl FieldError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A contact, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    /// Person or office.
    pub name: String,
    /// Organisation.
    pub affiliation: String,
    /// E-mail (optional).
    pub email: String,
    /// Telephone (optional).
    pub phone: String,
    /// Postal address (optional).
    pub address: String,
}

/// One intervention row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InterventionForm {
    /// `drug`, `device`, … (CT.gov's vocabulary in snake_case).
    pub kind: String,
    /// Name.
    pub name: String,
    /// Dose, duration, mode of administration.
    pub description: String,
    /// Comparator or control.
    pub comparator: bool,
}

impl Default for InterventionForm {
    fn default() -> Self {
        InterventionForm {
            kind: "drug".to_owned(),
            name: String::new(),
            description: String::new(),
            comparator: false,
        }
    }
}

/// One pre-specified outcome row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutcomeForm {
    /// `P1`, `S2`, … unique across primary and secondary outcomes.
    pub id: String,
    /// What is measured.
    pub measure: String,
    /// How (optional).
    pub description: String,
    /// When.
    pub time_frame: String,
}

/// Every WHO TRDS item of a [`TrialRecord`], as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrialForm {
    /// Item 3, one `issuer: identifier` per line.
    pub secondary_ids: String,
    /// Item 4, one per line.
    pub funding_sources: String,
    /// Item 5.
    pub primary_sponsor: String,
    /// Item 6, one per line.
    pub secondary_sponsors: String,
    /// Item 7.
    pub public_contact: ContactForm,
    /// Item 8.
    pub scientific_contact: ContactForm,
    /// Item 9.
    pub public_title: String,
    /// Item 10.
    pub scientific_title: String,
    /// Item 10 (optional).
    pub acronym: String,
    /// Item 11, one per line.
    pub countries: String,
    /// Item 12, one per line.
    pub conditions: String,
    /// Item 13.
    pub interventions: Vec<InterventionForm>,
    /// Item 14.
    pub inclusion_criteria: String,
    /// Item 14.
    pub exclusion_criteria: String,
    /// Item 14: `all`, `female`, `male`.
    pub sex: String,
    /// Item 14 (optional), e.g. `18 Years`.
    pub minimum_age: String,
    /// Item 14 (optional).
    pub maximum_age: String,
    /// Item 15: `interventional`, `observational`, `expanded_access`.
    pub study_type: String,
    /// Item 15 (optional).
    pub allocation: String,
    /// Item 15 (optional).
    pub masking: String,
    /// Item 15 (optional).
    pub assignment: String,
    /// Item 15 (optional).
    pub purpose: String,
    /// Item 15 (optional).
    pub phase: String,
    /// Item 16, `YYYY-MM-DD` or `YYYY-MM`.
    pub date_of_first_enrolment: String,
    /// Item 17, a whole number.
    pub target_sample_size: String,
    /// Item 18 (snake_case value of [`RecruitmentStatus`]).
    pub recruitment_status: String,
    /// Item 19.
    pub primary_outcomes: Vec<OutcomeForm>,
    /// Item 20.
    pub secondary_outcomes: Vec<OutcomeForm>,
    /// Item 21 (snake_case value of [`EthicsStatus`]).
    pub ethics_status: String,
    /// Item 21 (optional date).
    pub ethics_date: String,
    /// Item 21.
    pub ethics_committee: String,
    /// Item 21 (optional).
    pub ethics_contact: String,
    /// Item 22 (optional date).
    pub completion_date: String,
    /// Item 24 (snake_case value of [`IpdPlan`]).
    pub ipd_plan: String,
    /// Item 24.
    pub ipd_description: String,
}

impl Default for TrialForm {
    fn default() -> Self {
        TrialForm {
            secondary_ids: String::new(),
            funding_sources: String::new(),
            primary_sponsor: String::new(),
            secondary_sponsors: String::new(),
            public_contact: ContactForm::default(),
            scientific_contact: ContactForm::default(),
            public_title: String::new(),
            scientific_title: String::new(),
            acronym: String::new(),
            countries: String::new(),
            conditions: String::new(),
            interventions: vec![InterventionForm::default()],
            inclusion_criteria: String::new(),
            exclusion_criteria: String::new(),
            sex: "all".to_owned(),
            minimum_age: String::new(),
            maximum_age: String::new(),
            study_type: "interventional".to_owned(),
            allocation: String::new(),
            masking: String::new(),
            assignment: String::new(),
            purpose: String::new(),
            phase: String::new(),
            date_of_first_enrolment: String::new(),
            target_sample_size: String::new(),
            recruitment_status: "pending".to_owned(),
            primary_outcomes: vec![OutcomeForm {
                id: "P1".to_owned(),
                ..OutcomeForm::default()
            }],
            secondary_outcomes: Vec::new(),
            ethics_status: "pending".to_owned(),
            ethics_date: String::new(),
            ethics_committee: String::new(),
            ethics_contact: String::new(),
            completion_date: String::new(),
            ipd_plan: "undecided".to_owned(),
            ipd_description: String::new(),
        }
    }
}

/// `trial.primary_outcomes[2].measure` → `("trial.primary_outcomes", 2, "measure")`.
pub fn split_row(path: &str) -> Option<(&str, usize, &str)> {
    let open = path.find('[')?;
    let close = open + path[open..].find(']')?;
    let index = path[open + 1..close].parse().ok()?;
    let rest = path[close + 1..]
        .strip_prefix('.')
        .unwrap_or(&path[close + 1..]);
    Some((&path[..open], index, rest))
}

macro_rules! scalars {
    ($($path:literal => $($field:ident).+),* $(,)?) => {
        /// Paths of the form's single-valued text inputs.
        pub const SCALAR_PATHS: &[&str] = &[$($path),*];

        impl TrialForm {
            fn scalar(&self, path: &str) -> Option<&String> {
                match path {
                    $($path => Some(&self.$($field).+),)*
                    _ => None,
                }
            }

            fn scalar_mut(&mut self, path: &str) -> Option<&mut String> {
                match path {
                    $($path => Some(&mut self.$($field).+),)*
                    _ => None,
                }
            }
        }
    };
}

scalars! {
    "trial.secondary_ids" => secondary_ids,
    "trial.funding_sources" => funding_sources,
    "trial.primary_sponsor" => primary_sponsor,
    "trial.secondary_sponsors" => secondary_sponsors,
    "trial.public_contact.name" => public_contact.name,
    "trial.public_contact.affiliation" => public_contact.affiliation,
    "trial.public_contact.email" => public_contact.email,
    "trial.public_contact.phone" => public_contact.phone,
    "trial.public_contact.address" => public_contact.address,
    "trial.scientific_contact.name" => scientific_contact.name,
    "trial.scientific_contact.affiliation" => scientific_contact.affiliation,
    "trial.scientific_contact.email" => scientific_contact.email,
    "trial.scientific_contact.phone" => scientific_contact.phone,
    "trial.scientific_contact.address" => scientific_contact.address,
    "trial.public_title" => public_title,
    "trial.scientific_title" => scientific_title,
    "trial.acronym" => acronym,
    "trial.countries" => countries,
    "trial.conditions" => conditions,
    "trial.eligibility.inclusion_criteria" => inclusion_criteria,
    "trial.eligibility.exclusion_criteria" => exclusion_criteria,
    "trial.eligibility.sex" => sex,
    "trial.eligibility.minimum_age" => minimum_age,
    "trial.eligibility.maximum_age" => maximum_age,
    "trial.study_type" => study_type,
    "trial.design.allocation" => allocation,
    "trial.design.masking" => masking,
    "trial.design.assignment" => assignment,
    "trial.design.purpose" => purpose,
    "trial.design.phase" => phase,
    "trial.date_of_first_enrolment" => date_of_first_enrolment,
    "trial.target_sample_size" => target_sample_size,
    "trial.recruitment_status" => recruitment_status,
    "trial.ethics_review.status" => ethics_status,
    "trial.ethics_review.date" => ethics_date,
    "trial.ethics_review.committee.name" => ethics_committee,
    "trial.ethics_review.committee.contact" => ethics_contact,
    "trial.completion_date" => completion_date,
    "trial.ipd_sharing.plan" => ipd_plan,
    "trial.ipd_sharing.description" => ipd_description,
}

/// The row lists of the form.
pub const ROW_LISTS: &[&str] = &[
    "trial.interventions",
    "trial.primary_outcomes",
    "trial.secondary_outcomes",
];

/// The inputs edited as one item per line.
const LINE_LISTS: &[&str] = &[
    "trial.secondary_ids",
    "trial.funding_sources",
    "trial.secondary_sponsors",
    "trial.countries",
    "trial.conditions",
];

/// The input an error's `path` belongs to: the path itself for most
/// fields; the whole list for items of a one-per-line list
/// (`trial.conditions[3]` → `trial.conditions`); `subject[i]…` (a
/// statement subject) → `documents[i]`.
pub fn input_for(path: &str) -> String {
    for list in LINE_LISTS {
        if path
            .strip_prefix(list)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('['))
        {
            return (*list).to_owned();
        }
    }
    if let Some(rest) = path.strip_prefix("subject") {
        return match split_row(path) {
            Some((_, i, _)) => format!("documents[{i}]"),
            None if rest.is_empty() => "documents".to_owned(),
            None => path.to_owned(),
        };
    }
    path.to_owned()
}

impl TrialForm {
    /// The text of the input at `path` (empty when there is none).
    pub fn text(&self, path: &str) -> String {
        if let Some(value) = self.scalar(path) {
            return value.clone();
        }
        let Some((list, i, field)) = split_row(path) else {
            return String::new();
        };
        match list {
            "trial.interventions" => self.interventions.get(i).map(|x| match field {
                "kind" => x.kind.clone(),
                "name" => x.name.clone(),
                "description" => x.description.clone(),
                _ => String::new(),
            }),
            "trial.primary_outcomes" | "trial.secondary_outcomes" => {
                let rows = if list == "trial.primary_outcomes" {
                    &self.primary_outcomes
                } else {
                    &self.secondary_outcomes
                };
                rows.get(i).map(|o| match field {
                    "id" => o.id.clone(),
                    "measure" => o.measure.clone(),
                    "description" => o.description.clone(),
                    "time_frame" => o.time_frame.clone(),
                    _ => String::new(),
                })
            }
            _ => None,
        }
        .unwrap_or_default()
    }

    /// Sets the input at `path`; false when there is no such input.
    pub fn set_text(&mut self, path: &str, value: String) -> bool {
        if let Some(slot) = self.scalar_mut(path) {
            *slot = value;
            return true;
        }
        let Some((list, i, field)) = split_row(path) else {
            return false;
        };
        let slot = match list {
            "trial.interventions" => self.interventions.get_mut(i).and_then(|x| match field {
                "kind" => Some(&mut x.kind),
                "name" => Some(&mut x.name),
                "description" => Some(&mut x.description),
                _ => None,
            }),
            "trial.primary_outcomes" | "trial.secondary_outcomes" => {
                let rows = if list == "trial.primary_outcomes" {
                    &mut self.primary_outcomes
                } else {
                    &mut self.secondary_outcomes
                };
                rows.get_mut(i).and_then(|o| match field {
                    "id" => Some(&mut o.id),
                    "measure" => Some(&mut o.measure),
                    "description" => Some(&mut o.description),
                    "time_frame" => Some(&mut o.time_frame),
                    _ => None,
                })
            }
            _ => None,
        };
        match slot {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// Sets a checkbox (`trial.interventions[i].comparator`).
    pub fn set_flag(&mut self, path: &str, value: bool) -> bool {
        match split_row(path) {
            Some(("trial.interventions", i, "comparator")) => self
                .interventions
                .get_mut(i)
                .map(|x| x.comparator = value)
                .is_some(),
            _ => false,
        }
    }

    /// Adds an empty row to `list` (an outcome gets the next free id).
    pub fn add_row(&mut self, list: &str) {
        match list {
            "trial.interventions" => self.interventions.push(InterventionForm::default()),
            "trial.primary_outcomes" => {
                let id = self.next_outcome_id("P");
                self.primary_outcomes.push(OutcomeForm {
                    id,
                    ..OutcomeForm::default()
                });
            }
            "trial.secondary_outcomes" => {
                let id = self.next_outcome_id("S");
                self.secondary_outcomes.push(OutcomeForm {
                    id,
                    ..OutcomeForm::default()
                });
            }
            _ => {}
        }
    }

    /// Removes row `i` of `list`.
    pub fn remove_row(&mut self, list: &str, i: usize) {
        fn remove<T>(rows: &mut Vec<T>, i: usize) {
            if i < rows.len() {
                rows.remove(i);
            }
        }
        match list {
            "trial.interventions" => remove(&mut self.interventions, i),
            "trial.primary_outcomes" => remove(&mut self.primary_outcomes, i),
            "trial.secondary_outcomes" => remove(&mut self.secondary_outcomes, i),
            _ => {}
        }
    }

    fn next_outcome_id(&self, prefix: &str) -> String {
        let taken: Vec<&str> = self
            .primary_outcomes
            .iter()
            .chain(&self.secondary_outcomes)
            .map(|o| o.id.as_str())
            .collect();
        (1..)
            .map(|n| format!("{prefix}{n}"))
            .find(|id| !taken.contains(&id.as_str()))
            .unwrap_or_default()
    }

    /// The form showing `record`.
    pub fn from_record(record: &TrialRecord) -> TrialForm {
        let contact = |c: &Contact| ContactForm {
            name: c.name.clone(),
            affiliation: c.affiliation.clone(),
            email: c.email.clone().unwrap_or_default(),
            phone: c.phone.clone().unwrap_or_default(),
            address: c.address.clone().unwrap_or_default(),
        };
        let outcomes = |list: &[Outcome]| {
            list.iter()
                .map(|o| OutcomeForm {
                    id: o.id.clone(),
                    measure: o.measure.clone(),
                    description: o.description.clone().unwrap_or_default(),
                    time_frame: o.time_frame.clone(),
                })
                .collect()
        };
        let d = &record.design;
        let e = &record.eligibility;
        let r = &record.ethics_review;
        TrialForm {
            secondary_ids: record
                .secondary_ids
                .iter()
                .map(|s| format!("{}: {}", s.issuer, s.id))
                .collect::<Vec<_>>()
                .join("\n"),
            funding_sources: record.funding_sources.join("\n"),
            primary_sponsor: record.primary_sponsor.clone(),
            secondary_sponsors: record.secondary_sponsors.join("\n"),
            public_contact: contact(&record.public_contact),
            scientific_contact: contact(&record.scientific_contact),
            public_title: record.public_title.clone(),
            scientific_title: record.scientific_title.clone(),
            acronym: record.acronym.clone().unwrap_or_default(),
            countries: record.countries.join("\n"),
            conditions: record.conditions.join("\n"),
            interventions: record
                .interventions
                .iter()
                .map(|x| InterventionForm {
                    kind: x.kind.clone(),
                    name: x.name.clone(),
                    description: x.description.clone(),
                    comparator: x.comparator,
                })
                .collect(),
            inclusion_criteria: e.inclusion_criteria.clone(),
            exclusion_criteria: e.exclusion_criteria.clone(),
            sex: enum_str(&e.sex),
            minimum_age: e.minimum_age.clone().unwrap_or_default(),
            maximum_age: e.maximum_age.clone().unwrap_or_default(),
            study_type: enum_str(&record.study_type),
            allocation: d.allocation.clone().unwrap_or_default(),
            masking: d.masking.clone().unwrap_or_default(),
            assignment: d.assignment.clone().unwrap_or_default(),
            purpose: d.purpose.clone().unwrap_or_default(),
            phase: d.phase.clone().unwrap_or_default(),
            date_of_first_enrolment: record.date_of_first_enrolment.to_string(),
            target_sample_size: if record.target_sample_size == 0 {
                String::new()
            } else {
                record.target_sample_size.to_string()
            },
            recruitment_status: enum_str(&record.recruitment_status),
            primary_outcomes: outcomes(&record.primary_outcomes),
            secondary_outcomes: outcomes(&record.secondary_outcomes),
            ethics_status: enum_str(&r.status),
            ethics_date: r.date.map(|d| d.to_string()).unwrap_or_default(),
            ethics_committee: r.committee.name.clone(),
            ethics_contact: r.committee.contact.clone().unwrap_or_default(),
            completion_date: record
                .completion_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            ipd_plan: enum_str(&record.ipd_sharing.plan),
            ipd_description: record.ipd_sharing.description.clone(),
        }
    }

    /// The record the form describes, with every text that does not parse
    /// replaced by a stand-in and reported.
    pub fn to_record(&self) -> (TrialRecord, Vec<FieldError>) {
        let mut errors = Vec::new();
        let contact = |c: &ContactForm| Contact {
            name: c.name.clone(),
            affiliation: c.affiliation.clone(),
            email: optional(&c.email),
            phone: optional(&c.phone),
            address: optional(&c.address),
        };
        let outcomes = |list: &[OutcomeForm]| {
            list.iter()
                .map(|o| Outcome {
                    id: o.id.trim().to_owned(),
                    measure: o.measure.clone(),
                    description: optional(&o.description),
                    time_frame: o.time_frame.clone(),
                })
                .collect()
        };
        let mut secondary_ids = Vec::new();
        for (n, line) in lines(&self.secondary_ids).into_iter().enumerate() {
            match line.split_once(':') {
                Some((issuer, id)) if !issuer.trim().is_empty() && !id.trim().is_empty() => {
                    secondary_ids.push(SecondaryId {
                        issuer: issuer.trim().to_owned(),
                        id: id.trim().to_owned(),
                    });
                }
                _ => errors.push(FieldError::new(
                    "trial.secondary_ids",
                    format!(
                        "line {}: write \u{201c}issuer: identifier\u{201d}, e.g. \u{201c}ClinicalTrials.gov: NCT01234567\u{201d}",
                        n + 1
                    ),
                )),
            }
        }
        let date = |path: &str, text: &str, errors: &mut Vec<FieldError>| -> Option<Date> {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            match text.parse::<Date>() {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(FieldError::new(path, e.to_string()));
                    None
                }
            }
        };
        let first_enrolment = if self.date_of_first_enrolment.trim().is_empty() {
            errors.push(FieldError::new(
                "trial.date_of_first_enrolment",
                "must not be empty: give the anticipated date (YYYY-MM-DD or YYYY-MM)",
            ));
            None
        } else {
            date(
                "trial.date_of_first_enrolment",
                &self.date_of_first_enrolment,
                &mut errors,
            )
        };
        let completion_date = date("trial.completion_date", &self.completion_date, &mut errors);
        let ethics_date = date("trial.ethics_review.date", &self.ethics_date, &mut errors);
        let target_sample_size = match self.target_sample_size.trim() {
            "" => {
                errors.push(FieldError::new(
                    "trial.target_sample_size",
                    "must not be empty: give the number of participants",
                ));
                1
            }
            text => text.parse::<u32>().unwrap_or_else(|_| {
                errors.push(FieldError::new(
                    "trial.target_sample_size",
                    "must be a whole number of participants, e.g. 120",
                ));
                1
            }),
        };
        let record = TrialRecord {
            secondary_ids,
            funding_sources: lines(&self.funding_sources),
            primary_sponsor: self.primary_sponsor.clone(),
            secondary_sponsors: lines(&self.secondary_sponsors),
            public_contact: contact(&self.public_contact),
            scientific_contact: contact(&self.scientific_contact),
            public_title: self.public_title.clone(),
            scientific_title: self.scientific_title.clone(),
            acronym: optional(&self.acronym),
            countries: lines(&self.countries),
            conditions: lines(&self.conditions),
            interventions: self
                .interventions
                .iter()
                .map(|x| Intervention {
                    kind: x.kind.trim().to_owned(),
                    name: x.name.clone(),
                    description: x.description.clone(),
                    comparator: x.comparator,
                })
                .collect(),
            eligibility: Eligibility {
                inclusion_criteria: self.inclusion_criteria.clone(),
                exclusion_criteria: self.exclusion_criteria.clone(),
                sex: parse_enum(&self.sex, "trial.eligibility.sex", Sex::All, &mut errors),
                minimum_age: optional(&self.minimum_age),
                maximum_age: optional(&self.maximum_age),
            },
            study_type: parse_enum(
                &self.study_type,
                "trial.study_type",
                StudyType::Interventional,
                &mut errors,
            ),
            design: StudyDesign {
                allocation: optional(&self.allocation),
                masking: optional(&self.masking),
                assignment: optional(&self.assignment),
                purpose: optional(&self.purpose),
                phase: optional(&self.phase),
            },
            date_of_first_enrolment: first_enrolment.unwrap_or_else(stand_in_date),
            target_sample_size,
            recruitment_status: parse_enum(
                &self.recruitment_status,
                "trial.recruitment_status",
                RecruitmentStatus::Pending,
                &mut errors,
            ),
            primary_outcomes: outcomes(&self.primary_outcomes),
            secondary_outcomes: outcomes(&self.secondary_outcomes),
            ethics_review: EthicsReview {
                status: parse_enum(
                    &self.ethics_status,
                    "trial.ethics_review.status",
                    EthicsStatus::Pending,
                    &mut errors,
                ),
                date: ethics_date,
                committee: EthicsCommittee {
                    name: self.ethics_committee.clone(),
                    contact: optional(&self.ethics_contact),
                },
            },
            // A completion date that does not parse is left out (reported above);
            // one before a stand-in first enrolment would add a false error.
            completion_date: completion_date.filter(|_| first_enrolment.is_some()),
            ipd_sharing: IpdSharing {
                plan: parse_enum(
                    &self.ipd_plan,
                    "trial.ipd_sharing.plan",
                    IpdPlan::Undecided,
                    &mut errors,
                ),
                description: self.ipd_description.clone(),
            },
        };
        (record, errors)
    }
}

/// The date used in place of one that does not parse.
fn stand_in_date() -> Date {
    #[allow(clippy::expect_used)]
    Date::month(2000, 1).expect("2000-01 is a valid month")
}

/// Non-blank lines, trimmed.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `None` for blank text, else the text as typed.
pub fn optional(text: &str) -> Option<String> {
    (!text.trim().is_empty()).then(|| text.to_owned())
}

/// The serde (snake_case) name of an enum value.
pub fn enum_str<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// An enum value from its serde name; `fallback` (and an error) otherwise.
pub fn parse_enum<T: DeserializeOwned>(
    text: &str,
    path: &str,
    fallback: T,
    errors: &mut Vec<FieldError>,
) -> T {
    serde_json::from_value(serde_json::Value::String(text.trim().to_owned())).unwrap_or_else(|_| {
        errors.push(FieldError::new(path, "choose one of the listed values"));
        fallback
    })
}

/// Parses an optional date input; `Err` names the problem.
pub fn parse_optional_date(text: &str) -> Result<Option<Date>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|e: verifier::predicate::DateError| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctgov() -> verifier::ctgov::Import {
        let bytes = include_bytes!("../../../verifier/tests/data/ctgov/NCT00763412.json");
        verifier::ctgov::import(bytes).unwrap()
    }

    #[test]
    fn a_record_round_trips_through_the_form() {
        for file in [
            &include_bytes!("../../../verifier/tests/data/ctgov/NCT00763412.json")[..],
            &include_bytes!("../../../verifier/tests/data/ctgov/NCT03630471.json")[..],
            &include_bytes!("../../../verifier/tests/data/ctgov/NCT06171568.json")[..],
        ] {
            let import = verifier::ctgov::import(file).unwrap();
            let form = TrialForm::from_record(&import.trial);
            let (record, errors) = form.to_record();
            assert_eq!(errors, vec![], "{}", import.nct_id);
            assert_eq!(record, import.trial, "{}", import.nct_id);
            // And the form is stable.
            assert_eq!(TrialForm::from_record(&record), form);
        }
        let chain = verifier::fixtures::chain().unwrap();
        let entry = verifier::entry::Entry::parse(&chain.entries[0]).unwrap();
        let verifier::predicate::Predicate::Registration(r) = entry.predicate() else {
            panic!("the fixture starts with a registration");
        };
        let (record, errors) = TrialForm::from_record(&r.trial).to_record();
        assert!(errors.is_empty());
        assert_eq!(record, r.trial);
    }

    #[test]
    fn every_input_path_reads_and_writes() {
        let mut form = TrialForm::from_record(&ctgov().trial);
        for path in SCALAR_PATHS {
            assert!(form.set_text(path, format!("v {path}")), "{path}");
            assert_eq!(form.text(path), format!("v {path}"));
        }
        for path in [
            "trial.primary_outcomes[0].measure",
            "trial.primary_outcomes[0].id",
            "trial.interventions[0].name",
        ] {
            assert!(form.set_text(path, "x".into()), "{path}");
            assert_eq!(form.text(path), "x");
        }
        assert!(!form.set_text("trial.primary_outcomes[99].measure", "x".into()));
        assert!(!form.set_text("trial.nonsense", "x".into()));
        assert!(form.set_flag("trial.interventions[0].comparator", true));
        assert!(form.interventions[0].comparator);
    }

    #[test]
    fn rows_are_added_with_fresh_ids_and_removed() {
        let mut form = TrialForm::default();
        form.add_row("trial.primary_outcomes");
        form.add_row("trial.secondary_outcomes");
        form.add_row("trial.secondary_outcomes");
        let ids: Vec<_> = form
            .primary_outcomes
            .iter()
            .chain(&form.secondary_outcomes)
            .map(|o| o.id.as_str())
            .collect();
        assert_eq!(ids, ["P1", "P2", "S1", "S2"]);
        form.remove_row("trial.primary_outcomes", 0);
        form.add_row("trial.primary_outcomes");
        assert_eq!(form.primary_outcomes[1].id, "P1");
        form.remove_row("trial.interventions", 7);
        assert_eq!(form.interventions.len(), 1);
    }

    #[test]
    fn unparsable_text_is_reported_and_stood_in_for() {
        let mut form = TrialForm::from_record(&ctgov().trial);
        form.date_of_first_enrolment = "next spring".into();
        form.target_sample_size = "about 40".into();
        form.secondary_ids = "ClinicalTrials.gov: NCT00763412\nno colon here".into();
        form.completion_date = "2024-13-01".into();
        let (record, errors) = form.to_record();
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "trial.secondary_ids",
                "trial.date_of_first_enrolment",
                "trial.completion_date",
                "trial.target_sample_size"
            ]
        );
        assert!(errors[0].message.starts_with("line 2:"));
        assert_eq!(record.secondary_ids.len(), 1);
        assert_eq!(record.completion_date, None);
    }

    #[test]
    fn errors_map_to_their_inputs() {
        assert_eq!(input_for("trial.conditions[3]"), "trial.conditions");
        assert_eq!(input_for("trial.conditions"), "trial.conditions");
        assert_eq!(
            input_for("trial.secondary_ids[1].issuer"),
            "trial.secondary_ids"
        );
        assert_eq!(
            input_for("trial.primary_outcomes[2].id"),
            "trial.primary_outcomes[2].id"
        );
        assert_eq!(input_for("subject[1].name"), "documents[1]");
        assert_eq!(input_for("subject"), "documents");
        assert_eq!(input_for("trial.countries_x"), "trial.countries_x");
        assert_eq!(
            split_row("consent_forms[0].options[1].id"),
            Some(("consent_forms", 0, "options[1].id"))
        );
    }
}
