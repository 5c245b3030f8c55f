//! Import of ClinicalTrials.gov API v2 study records into ledger predicates.
//!
//! [`import`] maps one study record, exactly as served by
//! `https://clinicaltrials.gov/api/v2/studies/NCT…` (JSON), to the WHO
//! [`TrialRecord`] of a registration predicate and, when the record has a
//! `resultsSection`, to the outcomes of a results predicate. The sponsor's
//! portal offers it on a file the sponsor picks, and `trialverify
//! import-ctgov` prints it; neither signs anything: the key, `created_at`,
//! `trial_id`, `prev` and the consent forms are the caller's.
//!
//! Like the rest of the crate it does no I/O: bytes in, values out.
//!
//! # Mapping (`protocolSection`)
//!
//! | CT.gov | [`TrialRecord`] |
//! |---|---|
//! | `identificationModule.nctId` | `secondary_ids[0]` = `{issuer: "ClinicalTrials.gov", id}` |
//! | `identificationModule.orgStudyIdInfo.id` | a secondary id issued by `organization.fullName` (else the lead sponsor) |
//! | `identificationModule.secondaryIdInfos` | secondary ids (issuer from `domain`, else from `type`); grant numbers (`NIH`, `FDA`, `VA`, `CDC`, `AHRQ`, `SAMHSA`, `OTHER_GRANT`) also become `funding_sources` |
//! | `briefTitle` / `officialTitle` / `acronym` | `public_title` / `scientific_title` / `acronym` (each title falls back to the other) |
//! | `sponsorCollaboratorsModule.leadSponsor.name` / `collaborators[].name` | `primary_sponsor` / `secondary_sponsors` |
//! | `contactsLocationsModule.centralContacts[0]` | `public_contact` (else the first overall official, else the responsible investigator) |
//! | `overallOfficials` (principal investigator first) | `scientific_contact` (else the responsible investigator, another official, a central contact) |
//! | `locations[].country` | `countries`, deduplicated in order |
//! | `conditionsModule.conditions` | `conditions` (keywords are not imported) |
//! | `armsInterventionsModule.interventions` | `interventions`: `kind` = lowercase `type`, `description` + other names; `comparator` when an arm group of type `PLACEBO_COMPARATOR`, `ACTIVE_COMPARATOR`, `SHAM_COMPARATOR` or `NO_INTERVENTION` references it (by its `armGroupLabels` or the arm's `interventionNames`). A comparator arm that references no intervention (typically `NO_INTERVENTION`) becomes an intervention of kind `other` named after the arm. |
//! | `eligibilityModule.eligibilityCriteria` | split at an `Exclusion Criteria:` heading (any case) into `inclusion_criteria` / `exclusion_criteria`; a leading `Inclusion Criteria:` (or `Eligibility Criteria:`) heading is dropped. Without an exclusion heading everything is inclusion criteria. |
//! | `sex`, `minimumAge`, `maximumAge` | `eligibility.sex`, `minimum_age`, `maximum_age` (text as written, e.g. `18 Years`) |
//! | `designModule.studyType` | `study_type` |
//! | `phases`, `designInfo.allocation`, `interventionModel`, `primaryPurpose`, `maskingInfo` | `design.phase` (`phase1/phase2`), `allocation`, `assignment`, `purpose`, `masking` (`quadruple (participant, investigator)`), lowercase; observational studies: `observationalModel` (and `timePerspective`) → `assignment` |
//! | `enrollmentInfo.count` (number or string) | `target_sample_size` |
//! | `statusModule.overallStatus` | `recruitment_status` (see [`RecruitmentStatus`]) |
//! | `startDateStruct.date` | `date_of_first_enrolment` (partial `YYYY-MM` kept) |
//! | `completionDateStruct.date`, else `primaryCompletionDateStruct.date` | `completion_date` |
//! | `outcomesModule.primaryOutcomes` / `secondaryOutcomes` | `primary_outcomes` (`P1`, `P2`, …) / `secondary_outcomes` (`S1`, …) |
//! | `ipdSharingStatementModule` | `ipd_sharing`: plan from `ipdSharing`; description, information types, time frame, access criteria and URL joined into `description` |
//!
//! Dates whose struct `type` is `ACTUAL` are also returned as
//! [`Import::actual_first_enrolment`] / [`Import::actual_completion`], ready
//! for a status predicate (a warning says that such a trial has started).
//!
//! `resultsSection.outcomeMeasuresModule.outcomeMeasures` become
//! [`ReportedOutcome`]s: `registered_id` is `None` (CT.gov outcome measures
//! carry no ids; the outcome comparison matches them by text), `measure` is
//! the `title`, `type` is `primary` / `secondary` for `PRIMARY` /
//! `SECONDARY` and `other` for `OTHER_PRE_SPECIFIED` and `POST_HOC`, and
//! `result` is a short text: the parameter, dispersion and unit, then each
//! group's value with its spread or limits and its number analysed, per
//! class and category, and the analyses' p-values; when that would be longer
//! than [`MAX_RESULT_TEXT`] characters, a count of the values and the
//! measure's description instead.
//!
//! # What is missing: `absent`, `placeholders`, `warnings`
//!
//! Records differ: modules are missing, numbers are strings or numbers,
//! enumerations grow. The importer imports whatever is usable, never fails
//! on a missing or odd field, and says what it could not take:
//!
//! - [`Import::absent`] lists the **CT.gov path** of every field the mapping
//!   reads that is missing or unusable, e.g.
//!   `protocolSection.eligibilityModule.maximumAge`. WHO items that CT.gov
//!   does not publish at all are named by their predicate path:
//!   `trial.ethics_review` (always), `trial.funding_sources` (when no grant
//!   number is given), `results.summary` (always, with results).
//!   Optional lists whose absence just means "none" (collaborators,
//!   secondary ids, other names, an arm's intervention names) are not
//!   listed.
//! - [`Import::placeholders`] lists the **predicate paths** (`trial.…`,
//!   `results.…`) of required values that are not the record's but stand-ins
//!   the sponsor must replace before signing.
//! - [`Import::warnings`] explains fallbacks, unknown enumeration values and
//!   lossy choices in sentences.
//!
//! # Placeholders, and why the importer does not refuse
//!
//! A required WHO item missing from the record gets a stand-in, chosen so
//! that [`validate_trial`](crate::validate::validate_trial) rejects the
//! record naming the field whenever the type allows it: an empty text
//! (sponsor, titles, contact names, criteria, outcome measures and time
//! frames), zero (`target_sample_size`) or an empty list (conditions,
//! interventions, primary outcomes). Types without an invalid value get a
//! documented fallback: `study_type` `interventional`, `recruitment_status`
//! `other`, `eligibility.sex` `all`, `ipd_sharing.plan` `undecided`, and
//! `date_of_first_enrolment` `0001-01` (obviously not a real date).
//!
//! The ethics review is the exception: CT.gov never publishes it, so a
//! refusing importer would refuse every record. It is always
//! `{status: pending, committee: {name: "Not stated in the ClinicalTrials.gov
//! record"}}` — it validates, so a record that has everything CT.gov can
//! have imports to a valid [`TrialRecord`] — and it is always listed in
//! `placeholders`.
//!
//! So the importer returns the data together with what is missing and lets
//! the caller decide: the portal pre-fills its registration form and
//! highlights the placeholders, the CLI prints both.
//! [`Import::validate`] runs the registration rules on the record and
//! [`Import::is_complete`] also requires that no placeholder is left. The
//! only errors are unusable inputs: too large, not JSON, not a v2 study
//! record ([`CtgovError`]).
//!
//! # Limits of the mapping
//!
//! The record shows the registration's *latest* version, not the one first
//! registered; CT.gov's history of changes is not part of the record.
//! Other pre-specified outcomes (`otherOutcomes`), keywords, healthy
//! volunteers, the observational study population, arm descriptions of
//! experimental arms and the results' baseline, participant flow and
//! adverse events are not imported (warnings name the outcomes dropped).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::predicate::{
    Contact, Date, Eligibility, EthicsCommittee, EthicsReview, EthicsStatus, Intervention, IpdPlan,
    IpdSharing, Outcome, OutcomeType, RecruitmentStatus, ReportedOutcome, SecondaryId, Sex,
    StudyDesign, StudyType, TrialRecord,
};
use crate::validate::{self, ValidationError};

/// Largest record accepted, in bytes (4 MiB). Real v2 records, results
/// included, are well below 1 MiB.
pub const MAX_INPUT: usize = 4 << 20;

/// The issuer of the NCT id in [`TrialRecord::secondary_ids`].
pub const CTGOV_ISSUER: &str = "ClinicalTrials.gov";

/// The text standing in for what the record does not state (the ethics
/// committee's name).
pub const NOT_STATED: &str = "Not stated in the ClinicalTrials.gov record";

/// Longest generated [`ReportedOutcome::result`] text, in characters, before
/// the importer summarises instead of listing every value.
pub const MAX_RESULT_TEXT: usize = 2000;

/// Why a file cannot be imported at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CtgovError {
    /// The input exceeds [`MAX_INPUT`].
    #[error(
        "the file is {len} bytes; a ClinicalTrials.gov study record is at most {max} bytes here"
    )]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input is not JSON (or not UTF-8).
    #[error("not JSON: {0}")]
    NotJson(String),
    /// The input is JSON but not one ClinicalTrials.gov API v2 study.
    #[error("not a ClinicalTrials.gov API v2 study record: {0}")]
    NotAStudy(String),
    /// `protocolSection.identificationModule.nctId` is not `NCT` and 8 digits.
    #[error(
        "protocolSection.identificationModule.nctId is {0:?}; expected NCT followed by 8 digits"
    )]
    BadNctId(String),
}

/// A study record, imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Import {
    /// The study's NCT id, e.g. `NCT00763412`.
    pub nct_id: String,
    /// The registration's WHO data set. May contain placeholders (see the
    /// module documentation) and then fail [`Import::validate`].
    pub trial: TrialRecord,
    /// The reported outcomes, when the record has a `resultsSection` with
    /// outcome measures.
    pub results: Option<ImportedResults>,
    /// The actual start date, when `startDateStruct.type` is `ACTUAL`.
    pub actual_first_enrolment: Option<Date>,
    /// The actual completion date, when the completion date used is `ACTUAL`.
    pub actual_completion: Option<Date>,
    /// CT.gov paths (and, for WHO items CT.gov does not publish, predicate
    /// paths) of the fields that were missing or unusable.
    pub absent: Vec<String>,
    /// Predicate paths of required values that are stand-ins, to be replaced
    /// before signing.
    pub placeholders: Vec<String>,
    /// Fallbacks, unknown values and lossy choices, in sentences.
    pub warnings: Vec<String>,
}

/// The body of a results predicate, without the signer's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedResults {
    /// One per outcome measure, in the record's order.
    pub outcomes: Vec<ReportedOutcome>,
    /// A generated summary naming the source (a placeholder: WHO item 23
    /// asks for a plain-language summary, which CT.gov does not have).
    pub summary: String,
}

impl Import {
    /// The registration rules of [`validate_trial`](crate::validate::validate_trial)
    /// applied to [`Import::trial`]; the error names the first failing field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate::validate_trial(&self.trial, "trial")
    }

    /// Whether the record validates and holds no placeholder: ready to sign
    /// as it is. Never true for a CT.gov record alone, whose ethics review is
    /// always a placeholder.
    pub fn is_complete(&self) -> bool {
        self.placeholders.is_empty() && self.validate().is_ok()
    }
}

/// Imports one ClinicalTrials.gov API v2 study record (JSON bytes).
///
/// Errors only on unusable input; everything missing inside a study record
/// is reported in the returned [`Import`] instead.
pub fn import(json: &[u8]) -> Result<Import, CtgovError> {
    if json.len() > MAX_INPUT {
        return Err(CtgovError::TooLarge {
            len: json.len(),
            max: MAX_INPUT,
        });
    }
    let root: Value =
        serde_json::from_slice(json).map_err(|e| CtgovError::NotJson(e.to_string()))?;
    let protocol = protocol_section(&root)?;
    let nct_id = nct_id(&protocol)?;
    let mut ctx = Ctx::default();
    let trial = trial_record(&mut ctx, &protocol, &nct_id)?;
    let results = results(&mut ctx, &Node::root(&root).get("resultsSection"), &nct_id);
    size_warning(&mut ctx, &trial);
    Ok(Import {
        nct_id,
        trial,
        results,
        actual_first_enrolment: ctx.actual_start,
        actual_completion: ctx.actual_completion,
        absent: ctx.absent,
        placeholders: ctx.placeholders,
        warnings: ctx.warnings,
    })
}

// ---------------------------------------------------------------------------
// Walking the JSON
// ---------------------------------------------------------------------------

/// A place in the record: the value there, if any, and its path.
struct Node<'a> {
    value: Option<&'a Value>,
    path: String,
}

impl<'a> Node<'a> {
    fn root(value: &'a Value) -> Node<'a> {
        Node {
            value: Some(value),
            path: String::new(),
        }
    }

    fn get(&self, key: &str) -> Node<'a> {
        Node {
            value: self.value.and_then(|v| v.get(key)),
            path: if self.path.is_empty() {
                key.to_owned()
            } else {
                format!("{}.{key}", self.path)
            },
        }
    }

    /// Whether something other than `null` is there.
    fn exists(&self) -> bool {
        self.value.is_some_and(|v| !v.is_null())
    }

    /// A non-blank text, trimmed; numbers are accepted as their decimal text.
    fn text(&self) -> Option<String> {
        match self.value? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The elements of an array (none when missing or not an array).
    fn items(&self) -> Vec<Node<'a>> {
        match self.value {
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(i, v)| Node {
                    value: Some(v),
                    path: format!("{}[{i}]", self.path),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The non-blank texts of an array of strings.
    fn texts(&self) -> Vec<String> {
        self.items().iter().filter_map(Node::text).collect()
    }
}

/// What the import gathers besides the values.
#[derive(Default)]
struct Ctx {
    absent: Vec<String>,
    placeholders: Vec<String>,
    warnings: Vec<String>,
    actual_start: Option<Date>,
    actual_completion: Option<Date>,
}

impl Ctx {
    fn absent(&mut self, path: &str) {
        if !self.absent.iter().any(|p| p == path) {
            self.absent.push(path.to_owned());
        }
    }

    fn placeholder(&mut self, field: &str) {
        if !self.placeholders.iter().any(|p| p == field) {
            self.placeholders.push(field.to_owned());
        }
    }

    fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    /// A text field: its value, or `None` recorded as absent (with a warning
    /// when something unusable is there).
    fn text(&mut self, node: &Node<'_>) -> Option<String> {
        let text = node.text();
        if text.is_none() {
            self.absent(&node.path);
            if node.exists() {
                self.warn(format!("{} is not a usable text; ignored", node.path));
            }
        }
        text
    }

    /// A required text field: its value, or an empty placeholder for `field`.
    fn required_text(&mut self, node: &Node<'_>, field: &str) -> String {
        self.text(node).unwrap_or_else(|| {
            self.placeholder(field);
            String::new()
        })
    }

    /// A date field (`YYYY-MM-DD` or `YYYY-MM`).
    fn date(&mut self, node: &Node<'_>) -> Option<Date> {
        let text = self.text(node)?;
        match text.parse::<Date>() {
            Ok(date) => Some(date),
            Err(e) => {
                self.absent(&node.path);
                self.warn(format!("{}: {e}; ignored", node.path));
                None
            }
        }
    }

    /// An enumeration value: `map` of the text, or `fallback`. Missing or
    /// unknown values are recorded, and for a required `field` the fallback
    /// is a placeholder.
    fn enumeration<T: Copy>(
        &mut self,
        node: &Node<'_>,
        field: Option<&str>,
        fallback: (T, &str),
        map: impl Fn(&str) -> Option<T>,
    ) -> T {
        let Some(text) = self.text(node) else {
            if let Some(field) = field {
                self.placeholder(field);
            }
            return fallback.0;
        };
        if let Some(value) = map(&text) {
            return value;
        }
        self.absent(&node.path);
        if let Some(field) = field {
            self.placeholder(field);
        }
        self.warn(format!(
            "{}: unknown value {text:?}; using {}",
            node.path, fallback.1
        ));
        fallback.0
    }
}

/// `protocolSection` of a v2 study, or why the JSON is not one.
fn protocol_section(root: &Value) -> Result<Node<'_>, CtgovError> {
    let not_a_study = |why: String| Err(CtgovError::NotAStudy(why));
    let Value::Object(object) = root else {
        let kind = match root {
            Value::Array(_) => "an array",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            _ => "null",
        };
        return not_a_study(format!("the top level is {kind}, not an object"));
    };
    if let Some(Value::Array(studies)) = object.get("studies") {
        return not_a_study(format!(
            "this is a search response with {} studies; import one study (https://clinicaltrials.gov/api/v2/studies/NCT…)",
            studies.len()
        ));
    }
    if [
        "FullStudiesResponse",
        "FullStudy",
        "Study",
        "ProtocolSection",
    ]
    .iter()
    .any(|k| object.contains_key(*k))
    {
        return not_a_study(
            "this is a classic API (v1) record; download the API v2 JSON (https://clinicaltrials.gov/api/v2/studies/NCT…)".to_owned(),
        );
    }
    match object.get("protocolSection") {
        Some(Value::Object(_)) => Ok(Node::root(root).get("protocolSection")),
        Some(_) => not_a_study("protocolSection is not an object".to_owned()),
        None => not_a_study("it has no protocolSection".to_owned()),
    }
}

fn nct_id(protocol: &Node<'_>) -> Result<String, CtgovError> {
    let node = protocol.get("identificationModule").get("nctId");
    let Some(id) = node.text() else {
        return Err(CtgovError::NotAStudy(format!("{} is missing", node.path)));
    };
    let valid =
        id.len() == 11 && id.starts_with("NCT") && id.bytes().skip(3).all(|b| b.is_ascii_digit());
    if valid {
        Ok(id)
    } else {
        Err(CtgovError::BadNctId(id))
    }
}

/// `SOME_VALUE` → `some_value`.
fn snake(text: &str) -> String {
    text.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

/// `SOME_VALUE` → `some value`.
fn words(text: &str) -> String {
    text.trim().to_ascii_lowercase().replace('_', " ")
}

// ---------------------------------------------------------------------------
// protocolSection → TrialRecord
// ---------------------------------------------------------------------------

fn trial_record(ctx: &mut Ctx, p: &Node<'_>, nct_id: &str) -> Result<TrialRecord, CtgovError> {
    let ident = p.get("identificationModule");
    let sponsors = p.get("sponsorCollaboratorsModule");
    let lead_sponsor = sponsors.get("leadSponsor").get("name");
    let primary_sponsor = ctx.required_text(&lead_sponsor, "trial.primary_sponsor");
    let (secondary_ids, funding_sources) = identifiers(ctx, &ident, &lead_sponsor, nct_id);
    let secondary_sponsors = sponsors
        .get("collaborators")
        .items()
        .iter()
        .filter_map(|c| c.get("name").text())
        .collect();

    let brief = ctx.text(&ident.get("briefTitle"));
    let official = ctx.text(&ident.get("officialTitle"));
    let public_title = title(ctx, brief.as_ref(), official.as_ref(), "public");
    let scientific_title = title(ctx, official.as_ref(), brief.as_ref(), "scientific");
    let acronym = ctx.text(&ident.get("acronym"));

    let contacts = p.get("contactsLocationsModule");
    let (public_contact, scientific_contact) = contacts_of(ctx, &contacts, &sponsors);
    let countries = countries(ctx, &contacts);

    let conditions_node = p.get("conditionsModule").get("conditions");
    let conditions = conditions_node.texts();
    if conditions.is_empty() {
        ctx.absent(&conditions_node.path);
        ctx.placeholder("trial.conditions");
    }

    let design_module = p.get("designModule");
    let study_type = ctx.enumeration(
        &design_module.get("studyType"),
        Some("trial.study_type"),
        (StudyType::Interventional, "interventional"),
        |t| match t {
            "INTERVENTIONAL" => Some(StudyType::Interventional),
            "OBSERVATIONAL" => Some(StudyType::Observational),
            "EXPANDED_ACCESS" => Some(StudyType::ExpandedAccess),
            _ => None,
        },
    );
    let design = design(ctx, &design_module, study_type);
    let target_sample_size = sample_size(ctx, &design_module.get("enrollmentInfo"));
    let interventions = interventions(ctx, &p.get("armsInterventionsModule"), study_type);
    let eligibility = eligibility(ctx, &p.get("eligibilityModule"));

    let status = p.get("statusModule");
    let recruitment_status = ctx.enumeration(
        &status.get("overallStatus"),
        Some("trial.recruitment_status"),
        (RecruitmentStatus::Other, "other"),
        recruitment_status,
    );
    let date_of_first_enrolment = start_date(ctx, &status)
        .ok_or_else(|| CtgovError::NotAStudy("it has no usable start date".to_owned()))?;
    let completion_date = completion_date(ctx, &status);

    let outcomes = p.get("outcomesModule");
    let primary_outcomes = outcomes_of(ctx, &outcomes.get("primaryOutcomes"), "P", "primary");
    let secondary_outcomes = outcomes_of(ctx, &outcomes.get("secondaryOutcomes"), "S", "secondary");
    let others = outcomes.get("otherOutcomes").items().len();
    if others > 0 {
        ctx.warn(format!(
            "{}: {others} other pre-specified outcome(s) not imported (the registration has primary and secondary outcomes only)",
            outcomes.get("otherOutcomes").path
        ));
    }

    // CT.gov does not publish the ethics review (IRB) data.
    ctx.absent("trial.ethics_review");
    ctx.placeholder("trial.ethics_review");
    let ethics_review = EthicsReview {
        status: EthicsStatus::Pending,
        date: None,
        committee: EthicsCommittee {
            name: NOT_STATED.to_owned(),
            contact: None,
        },
    };

    let ipd_sharing = ipd_sharing(ctx, &p.get("ipdSharingStatementModule"));

    Ok(TrialRecord {
        secondary_ids,
        funding_sources,
        primary_sponsor,
        secondary_sponsors,
        public_contact,
        scientific_contact,
        public_title,
        scientific_title,
        acronym,
        countries,
        conditions,
        interventions,
        eligibility,
        study_type,
        design,
        date_of_first_enrolment,
        target_sample_size,
        recruitment_status,
        primary_outcomes,
        secondary_outcomes,
        ethics_review,
        completion_date,
        ipd_sharing,
    })
}

/// A title, falling back to the other one.
fn title(ctx: &mut Ctx, own: Option<&String>, other: Option<&String>, which: &str) -> String {
    match (own, other) {
        (Some(t), _) => t.clone(),
        (None, Some(t)) => {
            ctx.warn(format!(
                "no {which} title in the record; using the other title"
            ));
            t.clone()
        }
        (None, None) => {
            ctx.placeholder(&format!("trial.{which}_title"));
            String::new()
        }
    }
}

/// Secondary ids (the NCT id first) and the funding sources named by grant
/// numbers.
fn identifiers(
    ctx: &mut Ctx,
    ident: &Node<'_>,
    lead_sponsor: &Node<'_>,
    nct_id: &str,
) -> (Vec<SecondaryId>, Vec<String>) {
    let mut ids = vec![SecondaryId {
        issuer: CTGOV_ISSUER.to_owned(),
        id: nct_id.to_owned(),
    }];
    let mut funding = Vec::new();
    let push = |ids: &mut Vec<SecondaryId>, issuer: String, id: String| {
        if !ids.iter().any(|s| s.issuer == issuer && s.id == id) {
            ids.push(SecondaryId { issuer, id });
        }
    };
    if let Some(id) = ident.get("orgStudyIdInfo").get("id").text() {
        let issuer = ident
            .get("organization")
            .get("fullName")
            .text()
            .or_else(|| lead_sponsor.text())
            .unwrap_or_else(|| "Sponsor".to_owned());
        push(&mut ids, issuer, id);
    }
    for info in ident.get("secondaryIdInfos").items() {
        let Some(id) = ctx.text(&info.get("id")) else {
            continue;
        };
        let domain = info.get("domain").text();
        let kind = info.get("type").text();
        let grantor = match kind.as_deref() {
            Some("NIH") => Some("U.S. NIH"),
            Some("FDA") => Some("U.S. FDA"),
            Some("VA") => Some("U.S. VA"),
            Some("CDC") => Some("U.S. CDC"),
            Some("AHRQ") => Some("U.S. AHRQ"),
            Some("SAMHSA") => Some("U.S. SAMHSA"),
            _ => None,
        };
        let issuer = match (kind.as_deref(), &domain, grantor) {
            (_, _, Some(g)) => g.to_owned(),
            (_, Some(d), None) => d.clone(),
            (Some("EUDRACT_NUMBER"), None, None) => "EudraCT".to_owned(),
            (Some("CTIS"), None, None) => "CTIS".to_owned(),
            (Some("OTHER_GRANT"), None, None) => "Grant".to_owned(),
            (Some("REGISTRY"), None, None) => "Registry".to_owned(),
            (Some("OTHER") | None, None, None) => "Other".to_owned(),
            (Some(other), None, None) => {
                ctx.warn(format!(
                    "{}: unknown identifier type {other:?}; used as the issuer",
                    info.get("type").path
                ));
                other.to_owned()
            }
        };
        if grantor.is_some() || kind.as_deref() == Some("OTHER_GRANT") {
            let source = format!("{issuer} grant {id}");
            if !funding.contains(&source) {
                funding.push(source);
            }
        }
        push(&mut ids, issuer, id);
    }
    if funding.is_empty() {
        ctx.absent("trial.funding_sources");
    }
    (ids, funding)
}

/// A central contact: name, phone (with extension), e-mail.
fn central_contact(node: &Node<'_>) -> Option<Contact> {
    let phone = node
        .get("phone")
        .text()
        .map(|phone| match node.get("phoneExt").text() {
            Some(ext) => format!("{phone} ext. {ext}"),
            None => phone,
        });
    Some(Contact {
        name: node.get("name").text()?,
        affiliation: String::new(),
        email: node.get("email").text(),
        phone,
        address: None,
    })
}

/// An overall official: name and affiliation.
fn official(node: &Node<'_>) -> Option<Contact> {
    Some(Contact {
        name: node.get("name").text()?,
        affiliation: node.get("affiliation").text().unwrap_or_default(),
        email: None,
        phone: None,
        address: None,
    })
}

/// The responsible party, when it is an investigator.
fn responsible_investigator(sponsors: &Node<'_>) -> Option<Contact> {
    let party = sponsors.get("responsibleParty");
    Some(Contact {
        name: party.get("investigatorFullName").text()?,
        affiliation: party
            .get("investigatorAffiliation")
            .text()
            .unwrap_or_default(),
        email: None,
        phone: None,
        address: None,
    })
}

fn contacts_of(ctx: &mut Ctx, contacts: &Node<'_>, sponsors: &Node<'_>) -> (Contact, Contact) {
    let central_node = contacts.get("centralContacts");
    let officials_node = contacts.get("overallOfficials");
    let central: Vec<Contact> = central_node
        .items()
        .iter()
        .filter_map(central_contact)
        .collect();
    let officials: Vec<(Option<String>, Contact)> = officials_node
        .items()
        .iter()
        .filter_map(|o| Some((o.get("role").text(), official(o)?)))
        .collect();
    let investigator = responsible_investigator(sponsors);
    if central.is_empty() {
        ctx.absent(&central_node.path);
    }
    if officials.is_empty() {
        ctx.absent(&officials_node.path);
    }

    let public = central.first().cloned().or_else(|| {
        let (source, contact) = officials
            .first()
            .map(|(_, c)| ("the first overall official", c.clone()))
            .or_else(|| {
                investigator
                    .clone()
                    .map(|c| ("the responsible investigator", c))
            })?;
        ctx.warn(format!(
            "public contact: no central contact; using {source}, {}",
            contact.name
        ));
        Some(contact)
    });
    let principal = officials
        .iter()
        .find(|(role, _)| role.as_deref() == Some("PRINCIPAL_INVESTIGATOR"))
        .map(|(_, c)| c.clone());
    let scientific = principal.or_else(|| {
        let (source, contact) = investigator
            .clone()
            .map(|c| ("the responsible investigator", c))
            .or_else(|| {
                officials
                    .first()
                    .map(|(_, c)| ("the first overall official", c.clone()))
            })
            .or_else(|| central.first().map(|c| ("the first central contact", c.clone())))?;
        ctx.warn(format!(
            "scientific contact: no principal investigator among the overall officials; using {source}, {}",
            contact.name
        ));
        Some(contact)
    });
    let mut or_placeholder = |contact: Option<Contact>, field: &str| {
        contact.unwrap_or_else(|| {
            ctx.placeholder(field);
            Contact {
                name: String::new(),
                affiliation: String::new(),
                email: None,
                phone: None,
                address: None,
            }
        })
    };
    (
        or_placeholder(public, "trial.public_contact"),
        or_placeholder(scientific, "trial.scientific_contact"),
    )
}

fn countries(ctx: &mut Ctx, contacts: &Node<'_>) -> Vec<String> {
    let locations = contacts.get("locations");
    let mut countries: Vec<String> = Vec::new();
    for location in locations.items() {
        if let Some(country) = location.get("country").text()
            && !countries.contains(&country)
        {
            countries.push(country);
        }
    }
    if countries.is_empty() {
        ctx.absent(&locations.path);
    }
    countries
}

fn recruitment_status(text: &str) -> Option<RecruitmentStatus> {
    Some(match text {
        "NOT_YET_RECRUITING" => RecruitmentStatus::Pending,
        "RECRUITING" => RecruitmentStatus::Recruiting,
        "ENROLLING_BY_INVITATION" => RecruitmentStatus::EnrollingByInvitation,
        "ACTIVE_NOT_RECRUITING" => RecruitmentStatus::ActiveNotRecruiting,
        "SUSPENDED" => RecruitmentStatus::Suspended,
        "TERMINATED" => RecruitmentStatus::Terminated,
        "COMPLETED" => RecruitmentStatus::Complete,
        "WITHDRAWN" => RecruitmentStatus::Withdrawn,
        "UNKNOWN"
        | "AVAILABLE"
        | "NO_LONGER_AVAILABLE"
        | "TEMPORARILY_NOT_AVAILABLE"
        | "APPROVED_FOR_MARKETING"
        | "WITHHELD" => RecruitmentStatus::Other,
        _ => return None,
    })
}

fn design(ctx: &mut Ctx, module: &Node<'_>, study_type: StudyType) -> StudyDesign {
    let info = module.get("designInfo");
    let mut design = StudyDesign::default();
    if study_type != StudyType::Interventional {
        if study_type == StudyType::Observational {
            let model = ctx.text(&info.get("observationalModel")).map(|m| snake(&m));
            let perspective = info.get("timePerspective").text().map(|t| snake(&t));
            design.assignment = match (model, perspective) {
                (Some(m), Some(t)) => Some(format!("{m} ({t})")),
                (m, t) => m.or(t),
            };
        }
        return design;
    }
    let phases = module.get("phases");
    let list: Vec<String> = phases.texts().iter().map(|p| snake(p)).collect();
    if list.is_empty() {
        ctx.absent(&phases.path);
    } else {
        design.phase = Some(list.join("/"));
    }
    design.allocation = ctx.text(&info.get("allocation")).map(|a| snake(&a));
    design.assignment = ctx.text(&info.get("interventionModel")).map(|a| snake(&a));
    design.purpose = ctx.text(&info.get("primaryPurpose")).map(|a| snake(&a));
    let masking = info.get("maskingInfo");
    design.masking = ctx.text(&masking.get("masking")).map(|m| {
        let who: Vec<String> = masking
            .get("whoMasked")
            .texts()
            .iter()
            .map(|w| snake(w))
            .collect();
        if who.is_empty() {
            snake(&m)
        } else {
            format!("{} ({})", snake(&m), who.join(", "))
        }
    });
    design
}

fn sample_size(ctx: &mut Ctx, info: &Node<'_>) -> u32 {
    let count = info.get("count");
    let parsed = count.text().and_then(|t| t.parse::<u32>().ok());
    match parsed {
        Some(n) if n > 0 => {
            if info.get("type").text().as_deref() == Some("ACTUAL") {
                ctx.warn(format!(
                    "target sample size: the record gives the actual enrolment ({n}), not the anticipated one"
                ));
            }
            n
        }
        _ => {
            ctx.absent(&count.path);
            if count.exists() {
                ctx.warn(format!(
                    "{} is not a positive whole number; ignored",
                    count.path
                ));
            }
            ctx.placeholder("trial.target_sample_size");
            0
        }
    }
}

/// The start date, or the placeholder `0001-01` (`None` cannot happen:
/// January of year 1 is a valid [`Date`]).
fn start_date(ctx: &mut Ctx, status: &Node<'_>) -> Option<Date> {
    let start = status.get("startDateStruct");
    let date = ctx.date(&start.get("date"));
    if let Some(date) = date
        && start.get("type").text().as_deref() == Some("ACTUAL")
    {
        ctx.actual_start = Some(date);
        ctx.warn(format!(
            "the record's start date {date} is actual: the trial has already started, so a registration now is retrospective"
        ));
    }
    date.or_else(|| {
        ctx.placeholder("trial.date_of_first_enrolment");
        Date::month(1, 1)
    })
}

fn completion_date(ctx: &mut Ctx, status: &Node<'_>) -> Option<Date> {
    let completion = status.get("completionDateStruct");
    let primary = status.get("primaryCompletionDateStruct");
    let (node, date) = match ctx.date(&completion.get("date")) {
        Some(date) => (completion, date),
        None => {
            let date = ctx.date(&primary.get("date"))?;
            ctx.warn(format!(
                "completion date: no study completion date; using the primary completion date {date}"
            ));
            (primary, date)
        }
    };
    if node.get("type").text().as_deref() == Some("ACTUAL") {
        ctx.actual_completion = Some(date);
    }
    Some(date)
}

fn is_comparator_arm(kind: &str) -> bool {
    matches!(
        kind,
        "PLACEBO_COMPARATOR" | "ACTIVE_COMPARATOR" | "SHAM_COMPARATOR" | "NO_INTERVENTION"
    )
}

/// `Drug: placebo` → `placebo` (an arm group's reference to an intervention).
fn reference_name(reference: &str) -> &str {
    reference
        .split_once(": ")
        .map_or(reference, |(_, name)| name)
        .trim()
}

fn interventions(ctx: &mut Ctx, module: &Node<'_>, study_type: StudyType) -> Vec<Intervention> {
    struct Arm {
        label: String,
        comparator: bool,
        description: String,
        references: Vec<String>,
    }
    let arms_node = module.get("armGroups");
    let mut arms = Vec::new();
    for arm in arms_node.items() {
        let Some(label) = arm.get("label").text() else {
            continue;
        };
        let kind = arm.get("type").text();
        let comparator = match kind.as_deref() {
            Some(k) if is_comparator_arm(k) => true,
            Some("EXPERIMENTAL" | "OTHER") | None => false,
            Some(other) => {
                ctx.warn(format!(
                    "{}: unknown arm type {other:?}; not treated as a comparator",
                    arm.get("type").path
                ));
                false
            }
        };
        arms.push(Arm {
            label,
            comparator,
            description: arm.get("description").text().unwrap_or_default(),
            references: arm.get("interventionNames").texts(),
        });
    }
    if arms.is_empty() && study_type == StudyType::Interventional {
        ctx.absent(&arms_node.path);
    }

    let list_node = module.get("interventions");
    let mut list = Vec::new();
    let mut referenced = vec![false; arms.len()];
    for item in list_node.items() {
        let kind = match item.get("type").text() {
            Some(kind) => snake(&kind),
            None => {
                ctx.absent(&item.get("type").path);
                "other".to_owned()
            }
        };
        let name = ctx.required_text(
            &item.get("name"),
            &format!("trial.interventions[{}].name", list.len()),
        );
        let labels = item.get("armGroupLabels").texts();
        let mut comparator = false;
        for (arm, seen) in arms.iter().zip(referenced.iter_mut()) {
            let linked = labels.contains(&arm.label)
                || arm
                    .references
                    .iter()
                    .any(|r| !name.is_empty() && reference_name(r).eq_ignore_ascii_case(&name));
            if linked {
                *seen = true;
                comparator |= arm.comparator;
            }
        }
        let mut description = ctx.text(&item.get("description")).unwrap_or_default();
        let other_names = item.get("otherNames").texts();
        if !other_names.is_empty() {
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str("Other names: ");
            description.push_str(&other_names.join(", "));
        }
        list.push(Intervention {
            kind,
            name,
            description,
            comparator,
        });
    }
    for (arm, seen) in arms.iter().zip(&referenced) {
        if arm.comparator && !seen {
            ctx.warn(format!(
                "comparator arm {:?} references no intervention; imported as an intervention of kind \"other\"",
                arm.label
            ));
            list.push(Intervention {
                kind: "other".to_owned(),
                name: arm.label.clone(),
                description: arm.description.clone(),
                comparator: true,
            });
        }
    }
    if list.is_empty() {
        ctx.absent(&list_node.path);
        if study_type == StudyType::Interventional {
            ctx.placeholder("trial.interventions");
        }
    }
    list
}

/// Whether `line` is a heading starting with one of `headings` (ASCII,
/// lowercase), optionally followed by a colon and text; returns the text
/// after the heading.
fn heading<'t>(line: &'t str, headings: &[&str]) -> Option<&'t str> {
    let line = line.trim().trim_start_matches(['#', '*', ' ']);
    headings.iter().find_map(|h| {
        let head = line.get(..h.len())?;
        if !head.eq_ignore_ascii_case(h) {
            return None;
        }
        let rest = line.get(h.len()..)?.trim_start_matches(['*', ' ']);
        if rest.is_empty() {
            return Some(rest);
        }
        rest.strip_prefix(':')
            .map(|r| r.trim_start_matches(['*', ' ']))
    })
}

const INCLUSION_HEADINGS: [&str; 3] = [
    "key inclusion criteria",
    "inclusion criteria",
    "eligibility criteria",
];
const EXCLUSION_HEADINGS: [&str; 2] = ["key exclusion criteria", "exclusion criteria"];

/// Splits CT.gov eligibility text into inclusion and exclusion criteria.
fn split_criteria(text: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let split = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| heading(l, &EXCLUSION_HEADINGS).map(|rest| (i, rest)));
    let (before, exclusion) = match split {
        Some((i, rest)) => {
            let mut after = vec![rest];
            after.extend_from_slice(&lines[i + 1..]);
            (&lines[..i], Some(after.join("\n").trim().to_owned()))
        }
        None => (&lines[..], None),
    };
    let mut before: Vec<&str> = before.to_vec();
    if let Some(first) = before.iter().position(|l| !l.trim().is_empty())
        && let Some(rest) = heading(before[first], &INCLUSION_HEADINGS)
    {
        before[first] = rest;
    }
    (before.join("\n").trim().to_owned(), exclusion)
}

fn eligibility(ctx: &mut Ctx, module: &Node<'_>) -> Eligibility {
    let criteria = module.get("eligibilityCriteria");
    let (inclusion_criteria, exclusion_criteria) = match ctx.text(&criteria) {
        Some(text) => {
            let (inclusion, exclusion) = split_criteria(&text);
            if exclusion.is_none() {
                ctx.warn(format!(
                    "{}: no \"Exclusion Criteria:\" heading; the whole text is kept as inclusion criteria",
                    criteria.path
                ));
            }
            (inclusion, exclusion.unwrap_or_default())
        }
        None => (String::new(), String::new()),
    };
    if inclusion_criteria.is_empty() {
        ctx.placeholder("trial.eligibility.inclusion_criteria");
    }
    let sex = ctx.enumeration(
        &module.get("sex"),
        Some("trial.eligibility.sex"),
        (Sex::All, "all"),
        |t| match t {
            "ALL" => Some(Sex::All),
            "FEMALE" => Some(Sex::Female),
            "MALE" => Some(Sex::Male),
            _ => None,
        },
    );
    Eligibility {
        inclusion_criteria,
        exclusion_criteria,
        sex,
        minimum_age: ctx.text(&module.get("minimumAge")),
        maximum_age: ctx.text(&module.get("maximumAge")),
    }
}

fn outcomes_of(ctx: &mut Ctx, list: &Node<'_>, prefix: &str, rank: &str) -> Vec<Outcome> {
    let items = list.items();
    if items.is_empty() {
        ctx.absent(&list.path);
        if prefix == "P" {
            ctx.placeholder("trial.primary_outcomes");
        }
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let field = format!("trial.{rank}_outcomes[{i}]");
            Outcome {
                id: format!("{prefix}{}", i + 1),
                measure: ctx.required_text(&item.get("measure"), &format!("{field}.measure")),
                description: item.get("description").text(),
                time_frame: ctx
                    .required_text(&item.get("timeFrame"), &format!("{field}.time_frame")),
            }
        })
        .collect()
}

/// A readable name of an IPD information type.
fn info_type(text: &str) -> String {
    match text {
        "STUDY_PROTOCOL" => "study protocol".to_owned(),
        "SAP" => "statistical analysis plan".to_owned(),
        "ICF" => "informed consent form".to_owned(),
        "CSR" => "clinical study report".to_owned(),
        "ANALYTIC_CODE" => "analytic code".to_owned(),
        other => words(other),
    }
}

fn ipd_sharing(ctx: &mut Ctx, module: &Node<'_>) -> IpdSharing {
    let plan = ctx.enumeration(
        &module.get("ipdSharing"),
        Some("trial.ipd_sharing.plan"),
        (IpdPlan::Undecided, "undecided"),
        |t| match t {
            "YES" => Some(IpdPlan::Yes),
            "NO" => Some(IpdPlan::No),
            "UNDECIDED" => Some(IpdPlan::Undecided),
            _ => None,
        },
    );
    let mut parts = Vec::new();
    if let Some(d) = module.get("description").text() {
        parts.push(d);
    }
    let types: Vec<String> = module
        .get("infoTypes")
        .texts()
        .iter()
        .map(|t| info_type(t))
        .collect();
    if !types.is_empty() {
        parts.push(format!("Information shared: {}.", types.join(", ")));
    }
    for (key, label) in [
        ("timeFrame", "Time frame"),
        ("accessCriteria", "Access criteria"),
        ("url", "URL"),
    ] {
        if let Some(text) = module.get(key).text() {
            parts.push(format!("{label}: {text}"));
        }
    }
    if plan == IpdPlan::Yes && parts.is_empty() {
        ctx.absent(&module.get("description").path);
        ctx.placeholder("trial.ipd_sharing.description");
    }
    IpdSharing {
        plan,
        description: parts.join("\n"),
    }
}

/// Warns when the registration may not fit in an entry: the statement is
/// base64-encoded in the DSSE envelope (4/3 of its size) and an entry is at
/// most 65,535 bytes.
fn size_warning(ctx: &mut Ctx, trial: &TrialRecord) {
    let Ok(json) = serde_json::to_vec(trial) else {
        return;
    };
    // Statement and predicate fields around the trial, and the envelope's.
    let estimate = (json.len() + 600) / 3 * 4 + 300;
    if estimate > usize::from(u16::MAX) {
        ctx.warn(format!(
            "the trial record is {} bytes of JSON; signed and wrapped it would be about {estimate} bytes, more than an entry's 65,535: shorten long texts (criteria, descriptions)",
            json.len()
        ));
    }
}

// ---------------------------------------------------------------------------
// resultsSection → results outcomes
// ---------------------------------------------------------------------------

fn results(ctx: &mut Ctx, section: &Node<'_>, nct_id: &str) -> Option<ImportedResults> {
    if !section.exists() {
        return None;
    }
    let measures = section.get("outcomeMeasuresModule").get("outcomeMeasures");
    let items = measures.items();
    if items.is_empty() {
        ctx.absent(&measures.path);
        return None;
    }
    let mut outcomes = Vec::with_capacity(items.len());
    for (i, m) in items.iter().enumerate() {
        let field = format!("results.outcomes[{i}]");
        let outcome_type = ctx.enumeration(
            &m.get("type"),
            None,
            (OutcomeType::Other, "other"),
            |t| match t {
                "PRIMARY" => Some(OutcomeType::Primary),
                "SECONDARY" => Some(OutcomeType::Secondary),
                "OTHER_PRE_SPECIFIED" | "POST_HOC" => Some(OutcomeType::Other),
                _ => None,
            },
        );
        outcomes.push(ReportedOutcome {
            registered_id: None,
            measure: ctx.required_text(&m.get("title"), &format!("{field}.measure")),
            outcome_type,
            time_frame: ctx.required_text(&m.get("timeFrame"), &format!("{field}.time_frame")),
            result: result_text(m, nct_id),
            change_reason: None,
        });
    }
    let mut summary = format!(
        "Results posted on ClinicalTrials.gov for {nct_id}: {} outcome measure(s).",
        outcomes.len()
    );
    if let Some(caveats) = section
        .get("moreInfoModule")
        .get("limitationsAndCaveats")
        .get("description")
        .text()
    {
        summary.push_str(" Limitations and caveats: ");
        summary.push_str(&caveats);
    }
    ctx.absent("results.summary");
    ctx.placeholder("results.summary");
    Some(ImportedResults { outcomes, summary })
}

/// `MEAN` and `Full Range` and `Kg/m^2` → `Mean (full range), Kg/m^2`.
fn result_header(m: &Node<'_>) -> String {
    let mut header = m
        .get("paramType")
        .text()
        .map(|p| {
            let w = words(&p);
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .unwrap_or_else(|| "Value".to_owned());
    if let Some(d) = m.get("dispersionType").text() {
        header.push_str(&format!(" ({})", d.to_lowercase()));
    }
    if let Some(u) = m.get("unitOfMeasure").text() {
        header.push_str(&format!(", {u}"));
    }
    header
}

/// The short textual result of one outcome measure.
fn result_text(m: &Node<'_>, nct_id: &str) -> String {
    let fallback_note = || match m.get("description").text() {
        Some(d) => d,
        None => format!("see the ClinicalTrials.gov record {nct_id}"),
    };
    if m.get("reportingStatus").text().as_deref() == Some("NOT_POSTED") {
        return format!("Not posted on ClinicalTrials.gov; {}", fallback_note());
    }
    let groups: BTreeMap<String, String> = m
        .get("groups")
        .items()
        .iter()
        .filter_map(|g| Some((g.get("id").text()?, g.get("title").text()?)))
        .collect();
    let counts: BTreeMap<String, String> = m
        .get("denoms")
        .items()
        .first()
        .map(|d| {
            d.get("counts")
                .items()
                .iter()
                .filter_map(|c| Some((c.get("groupId").text()?, c.get("value").text()?)))
                .collect()
        })
        .unwrap_or_default();
    let header = result_header(m);

    let mut sections = Vec::new();
    let mut values = 0usize;
    for class in m.get("classes").items() {
        let class_title = class.get("title").text();
        for category in class.get("categories").items() {
            let label = match (class_title.clone(), category.get("title").text()) {
                (Some(c), Some(t)) => Some(format!("{c}, {t}")),
                (c, t) => c.or(t),
            };
            let cells: Vec<String> = category
                .get("measurements")
                .items()
                .iter()
                .filter_map(|x| {
                    let id = x.get("groupId").text()?;
                    let value = x.get("value").text()?;
                    values += 1;
                    let group = groups.get(&id).cloned().unwrap_or(id.clone());
                    let n = counts
                        .get(&id)
                        .map(|n| format!(" (n={n})"))
                        .unwrap_or_default();
                    let spread = match (
                        x.get("spread").text(),
                        x.get("lowerLimit").text(),
                        x.get("upperLimit").text(),
                    ) {
                        (Some(s), _, _) => format!(" ({s})"),
                        (None, Some(l), Some(u)) => format!(" ({l} to {u})"),
                        _ => String::new(),
                    };
                    Some(format!("{group}{n}: {value}{spread}"))
                })
                .collect();
            if cells.is_empty() {
                continue;
            }
            sections.push(match label {
                Some(l) => format!("{l}: {}", cells.join(", ")),
                None => cells.join("; "),
            });
        }
    }
    let analyses: Vec<String> = m
        .get("analyses")
        .items()
        .iter()
        .filter_map(|a| {
            let p = a.get("pValue").text()?;
            Some(match a.get("statisticalMethod").text() {
                Some(method) => format!("p = {p} ({method})"),
                None => format!("p = {p}"),
            })
        })
        .collect();
    if sections.is_empty() {
        return format!("{header}: no values posted; {}", fallback_note());
    }
    let mut text = format!("{header} — {}", sections.join("; "));
    if !analyses.is_empty() {
        text.push_str(&format!(". Analyses: {}", analyses.join("; ")));
    }
    if text.chars().count() <= MAX_RESULT_TEXT {
        return text;
    }
    let short = format!(
        "{header}: {values} values for {} groups (full data: ClinicalTrials.gov {nct_id}); {}",
        groups.len(),
        fallback_note()
    );
    short.chars().take(MAX_RESULT_TEXT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_split_at_headings() {
        let (i, e) =
            split_criteria("Inclusion Criteria:\n\n* adults\n\nExclusion Criteria:\n\n* pregnancy");
        assert_eq!(i, "* adults");
        assert_eq!(e.as_deref(), Some("* pregnancy"));
        let (i, e) = split_criteria("**Key Inclusion Criteria:** adults\nEXCLUSION CRITERIA: none");
        assert_eq!(i, "adults");
        assert_eq!(e.as_deref(), Some("none"));
        let (i, e) = split_criteria("Adults.\nExclusion criteria will be decided later.");
        assert_eq!(i, "Adults.\nExclusion criteria will be decided later.");
        assert_eq!(e, None);
    }

    #[test]
    fn references_and_words() {
        assert_eq!(reference_name("Drug: placebo"), "placebo");
        assert_eq!(reference_name("placebo"), "placebo");
        assert_eq!(snake("PHASE1"), "phase1");
        assert_eq!(words("COUNT_OF_PARTICIPANTS"), "count of participants");
    }
}
