//! What the trial page shows, computed from a verified evidence bundle and
//! its report, without the DOM (unit-tested natively).
//!
//! Everything comes from the bundle's entry bytes (parsed and
//! signature-checked by [`Entry::parse`]) and the verifier's [`Report`]
//! (witnessed times, outcome comparison); nothing from the registry's JSON
//! convenience API. The registration is laid out in WHO Trial Registration
//! Data Set order (items 1–24), amendments as field-by-field diffs of the
//! trial record, and the timeline as points on a time axis for an SVG.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use verifier::bundle::Bundle;
use verifier::entry::Entry;
use verifier::predicate::{
    ConsentForm, Contact, Date, Predicate, PredicateKind, ReportedOutcome, TrialRecord,
};
use verifier::report::Report;

/// One registration field: its WHO TRDS item number, label and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// WHO TRDS item (1–24).
    pub item: u8,
    /// Its label.
    pub label: &'static str,
    /// Its value, readable (may span lines).
    pub value: String,
}

/// A document named by an entry (by SHA-256; documents never enter the ledger).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The entry's log index.
    pub index: u64,
    /// The entry's kind.
    pub kind: PredicateKind,
    /// The file name.
    pub name: String,
    /// Its role (protocol, consent-form, csr…).
    pub role: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// One field that an amendment changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// Readable path, e.g. `Primary outcomes › 1 › measure`.
    pub field: String,
    /// The value before (`None`: added).
    pub before: Option<String>,
    /// The value after (`None`: removed).
    pub after: Option<String>,
}

/// An amendment with its stated reason and what it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    /// Its log index.
    pub index: u64,
    /// The sponsor's stated reason.
    pub reason: String,
    /// Its witnessed time (RFC 3339), if known.
    pub witnessed: Option<String>,
    /// Field-by-field changes against the previous version.
    pub changes: Vec<FieldChange>,
}

/// A status update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Its log index.
    pub index: u64,
    /// The recruitment status, readable.
    pub recruitment_status: String,
    /// Actual date of first enrolment.
    pub actual_first_enrolment: Option<String>,
    /// Actual completion date.
    pub actual_completion: Option<String>,
    /// Its witnessed time.
    pub witnessed: Option<String>,
}

/// The latest results entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Results {
    /// Its log index.
    pub index: u64,
    /// The summary.
    pub summary: String,
    /// The reported outcomes, as written.
    pub outcomes: Vec<ReportedOutcome>,
    /// Its witnessed time.
    pub witnessed: Option<String>,
}

/// A point of the witnessed-time timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelinePoint {
    /// The entry's log index.
    pub index: u64,
    /// Its kind, readable.
    pub kind: String,
    /// Witnessed time, RFC 3339.
    pub witnessed: String,
    /// Horizontal position, 0 (earliest) to 1 (latest).
    pub x: f64,
}

/// The whole trial page's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialView {
    /// `TL-…`.
    pub trial_id: String,
    /// The current public title.
    pub title: String,
    /// The current registration, in WHO order.
    pub fields: Vec<Field>,
    /// Every document of every entry, in log order.
    pub documents: Vec<Document>,
    /// Consent forms of the current registration.
    pub consent_forms: Vec<ConsentForm>,
    /// Amendments in log order.
    pub amendments: Vec<Amendment>,
    /// Status updates in log order.
    pub statuses: Vec<Status>,
    /// The latest results.
    pub results: Option<Results>,
    /// How many consent events the ledger holds for the trial (given, withdrawn).
    pub consents: (usize, usize),
}

/// Why a view could not be built (the bundle did not verify far enough).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// No entry of the bundle is a readable registration.
    #[error("the bundle holds no readable registration for {0}")]
    NoRegistration(String),
}

/// Snake-case enum values as words (`active_not_recruiting` → `active not recruiting`).
pub fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s.replace('_', " "),
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn contact(c: &Contact) -> String {
    let mut lines = vec![format!("{}, {}", c.name, c.affiliation)];
    lines.extend(c.email.iter().map(|e| format!("E-mail: {e}")));
    lines.extend(c.phone.iter().map(|p| format!("Telephone: {p}")));
    lines.extend(c.address.iter().map(|a| format!("Address: {a}")));
    lines.join("\n")
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "None given".to_owned()
    } else {
        items.join("\n")
    }
}

fn date(d: &Option<Date>) -> String {
    d.as_ref()
        .map_or_else(|| "Not given".to_owned(), ToString::to_string)
}

fn outcomes(list: &[verifier::predicate::Outcome]) -> String {
    if list.is_empty() {
        return "None".to_owned();
    }
    list.iter()
        .map(|o| {
            let mut line = format!("{} — {} (time frame: {})", o.id, o.measure, o.time_frame);
            if let Some(d) = &o.description {
                line.push_str(&format!(": {d}"));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The registration fields in WHO TRDS order. Items 1 and 2 come from the
/// ledger: the trial id and the registration's witnessed time.
pub fn who_fields(
    trial_id: &str,
    registered: Option<&str>,
    record: &TrialRecord,
    results_summary: Option<&str>,
) -> Vec<Field> {
    let design = &record.design;
    let design_text = [
        ("Allocation", &design.allocation),
        ("Masking", &design.masking),
        ("Assignment", &design.assignment),
        ("Purpose", &design.purpose),
        ("Phase", &design.phase),
    ]
    .iter()
    .filter_map(|(label, v)| {
        v.as_ref()
            .map(|v| format!("{label}: {}", v.replace('_', " ")))
    })
    .collect::<Vec<_>>();
    let eligibility = &record.eligibility;
    let ages = match (&eligibility.minimum_age, &eligibility.maximum_age) {
        (None, None) => "no age limits".to_owned(),
        (min, max) => format!(
            "{} to {}",
            min.as_deref().unwrap_or("no minimum"),
            max.as_deref().unwrap_or("no maximum")
        ),
    };
    let ethics = &record.ethics_review;
    vec![
        Field {
            item: 1,
            label: "Registry and trial identifier",
            value: format!("Trial Ledger {trial_id}"),
        },
        Field {
            item: 2,
            label: "Date of registration (witnessed)",
            value: registered.unwrap_or("Not yet witnessed").to_owned(),
        },
        Field {
            item: 3,
            label: "Secondary identifying numbers",
            value: list(
                &record
                    .secondary_ids
                    .iter()
                    .map(|s| format!("{}: {}", s.issuer, s.id))
                    .collect::<Vec<_>>(),
            ),
        },
        Field {
            item: 4,
            label: "Sources of monetary or material support",
            value: list(&record.funding_sources),
        },
        Field {
            item: 5,
            label: "Primary sponsor",
            value: record.primary_sponsor.clone(),
        },
        Field {
            item: 6,
            label: "Secondary sponsors",
            value: list(&record.secondary_sponsors),
        },
        Field {
            item: 7,
            label: "Contact for public queries",
            value: contact(&record.public_contact),
        },
        Field {
            item: 8,
            label: "Contact for scientific queries",
            value: contact(&record.scientific_contact),
        },
        Field {
            item: 9,
            label: "Public title",
            value: record.public_title.clone(),
        },
        Field {
            item: 10,
            label: "Scientific title",
            value: match &record.acronym {
                Some(a) => format!("{} ({a})", record.scientific_title),
                None => record.scientific_title.clone(),
            },
        },
        Field {
            item: 11,
            label: "Countries of recruitment",
            value: list(&record.countries),
        },
        Field {
            item: 12,
            label: "Health conditions or problems studied",
            value: list(&record.conditions),
        },
        Field {
            item: 13,
            label: "Interventions",
            value: record
                .interventions
                .iter()
                .map(|i| {
                    format!(
                        "{}{} ({}): {}",
                        i.name,
                        if i.comparator { " — comparator" } else { "" },
                        i.kind.replace('_', " "),
                        i.description
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        },
        Field {
            item: 14,
            label: "Key inclusion and exclusion criteria",
            value: format!(
                "Inclusion: {}\nExclusion: {}\nSex: {}; ages: {ages}",
                eligibility.inclusion_criteria,
                if eligibility.exclusion_criteria.is_empty() {
                    "none given"
                } else {
                    &eligibility.exclusion_criteria
                },
                enum_text(&eligibility.sex)
            ),
        },
        Field {
            item: 15,
            label: "Study type and design",
            value: if design_text.is_empty() {
                enum_text(&record.study_type)
            } else {
                format!(
                    "{}\n{}",
                    enum_text(&record.study_type),
                    design_text.join("\n")
                )
            },
        },
        Field {
            item: 16,
            label: "Date of first enrolment (anticipated)",
            value: record.date_of_first_enrolment.to_string(),
        },
        Field {
            item: 17,
            label: "Target sample size",
            value: record.target_sample_size.to_string(),
        },
        Field {
            item: 18,
            label: "Recruitment status (at registration)",
            value: enum_text(&record.recruitment_status),
        },
        Field {
            item: 19,
            label: "Primary outcomes",
            value: outcomes(&record.primary_outcomes),
        },
        Field {
            item: 20,
            label: "Key secondary outcomes",
            value: outcomes(&record.secondary_outcomes),
        },
        Field {
            item: 21,
            label: "Ethics review",
            value: format!(
                "{} — {}{}{}",
                enum_text(&ethics.status),
                ethics.committee.name,
                ethics
                    .date
                    .as_ref()
                    .map(|d| format!(", {d}"))
                    .unwrap_or_default(),
                ethics
                    .committee
                    .contact
                    .as_ref()
                    .map(|c| format!("\n{c}"))
                    .unwrap_or_default()
            ),
        },
        Field {
            item: 22,
            label: "Completion date (anticipated)",
            value: date(&record.completion_date),
        },
        Field {
            item: 23,
            label: "Summary results",
            value: results_summary.unwrap_or("Not yet reported").to_owned(),
        },
        Field {
            item: 24,
            label: "Individual participant data (IPD) sharing statement",
            value: if record.ipd_sharing.description.is_empty() {
                enum_text(&record.ipd_sharing.plan)
            } else {
                format!(
                    "{}: {}",
                    enum_text(&record.ipd_sharing.plan),
                    record.ipd_sharing.description
                )
            },
        },
    ]
}

/// Flattens JSON into `path → text` leaves (`a.b[0].c`).
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        serde_json::Value::Array(items) => {
            if items.is_empty() {
                out.insert(prefix.to_owned(), "(none)".to_owned());
            }
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{}]", i + 1), v, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        serde_json::Value::Null => {}
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

/// `primary_outcomes[2].measure` → `Primary outcomes › 2 › measure`.
pub fn readable_path(path: &str) -> String {
    path.replace('[', ".")
        .replace(']', "")
        .split('.')
        .enumerate()
        .map(|(i, part)| {
            let words = part.replace('_', " ");
            if i == 0 {
                let mut chars = words.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            } else {
                words
            }
        })
        .collect::<Vec<String>>()
        .join(" › ")
}

/// The field-by-field differences between two versions of a registration
/// (trial record and consent forms), in path order.
pub fn diff<T: Serialize>(before: &T, after: &T) -> Vec<FieldChange> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten(
        "",
        &serde_json::to_value(before).unwrap_or_default(),
        &mut a,
    );
    flatten("", &serde_json::to_value(after).unwrap_or_default(), &mut b);
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .map(|p| FieldChange {
            field: readable_path(p),
            before: a.get(p).cloned(),
            after: b.get(p).cloned(),
        })
        .collect()
}

/// A registration version for diffing: the record and its consent forms.
#[derive(Serialize)]
struct Version<'a> {
    trial: &'a TrialRecord,
    consent_forms: &'a [ConsentForm],
}

/// Builds the page's content from a bundle and its verification report.
/// Entries that do not parse are left out (the report lists them as failed).
pub fn build(bundle: &Bundle, report: &Report) -> Result<TrialView, ViewError> {
    let witnessed: BTreeMap<u64, String> = report
        .timeline
        .iter()
        .filter_map(|t| t.witnessed_time.clone().map(|w| (t.index, w)))
        .collect();
    let mut current: Option<(TrialRecord, Vec<ConsentForm>)> = None;
    let mut registered = None;
    let mut documents = Vec::new();
    let mut amendments = Vec::new();
    let mut statuses = Vec::new();
    let mut results = None;
    let mut consents = (0, 0);
    for bundle_entry in &bundle.entries {
        let Some(entry) = BASE64
            .decode(&bundle_entry.entry)
            .ok()
            .and_then(|bytes| Entry::parse(&bytes).ok())
        else {
            continue;
        };
        let index = bundle_entry.index;
        let when = witnessed.get(&index).cloned();
        if entry.kind() != PredicateKind::Consent {
            documents.extend(entry.subjects().iter().map(|s| Document {
                index,
                kind: entry.kind(),
                name: s.name.clone(),
                role: s.role().map(str::to_owned),
                version: s.version().map(str::to_owned),
                sha256: s.digest.sha256.clone(),
            }));
        }
        match entry.into_predicate() {
            Predicate::Registration(r) => {
                if current.is_none() {
                    registered = Some(index);
                    current = Some((r.trial, r.consent_forms));
                }
            }
            Predicate::Amendment(a) => {
                if let Some((trial, forms)) = &current {
                    let changes = diff(
                        &Version {
                            trial,
                            consent_forms: forms,
                        },
                        &Version {
                            trial: &a.trial,
                            consent_forms: &a.consent_forms,
                        },
                    );
                    amendments.push(Amendment {
                        index,
                        reason: a.reason.clone(),
                        witnessed: when,
                        changes,
                    });
                    current = Some((a.trial, a.consent_forms));
                }
            }
            Predicate::Status(s) => statuses.push(Status {
                index,
                recruitment_status: enum_text(&s.recruitment_status),
                actual_first_enrolment: s.actual_first_enrolment.map(|d| d.to_string()),
                actual_completion: s.actual_completion.map(|d| d.to_string()),
                witnessed: when,
            }),
            Predicate::Results(r) => {
                results = Some(Results {
                    index,
                    summary: r.summary,
                    outcomes: r.outcomes,
                    witnessed: when,
                })
            }
            Predicate::Consent(c) => match c.event {
                verifier::predicate::ConsentEvent::Given => consents.0 += 1,
                verifier::predicate::ConsentEvent::Withdrawn => consents.1 += 1,
            },
        }
    }
    let (record, consent_forms) =
        current.ok_or_else(|| ViewError::NoRegistration(bundle.trial_id.clone()))?;
    let registered_at = registered
        .and_then(|i| witnessed.get(&i))
        .map(String::as_str);
    let fields = who_fields(
        &bundle.trial_id,
        registered_at,
        &record,
        results.as_ref().map(|r| r.summary.as_str()),
    );
    Ok(TrialView {
        trial_id: bundle.trial_id.clone(),
        title: record.public_title.clone(),
        fields,
        documents,
        consent_forms,
        amendments,
        statuses,
        results,
        consents,
    })
}

/// The report's timeline as points on a time axis (entries without a
/// witnessed time are left out: they are pending).
pub fn timeline(report: &Report) -> Vec<TimelinePoint> {
    let points: Vec<(u64, String, String, u64)> = report
        .timeline
        .iter()
        .filter_map(|t| {
            Some((
                t.index,
                t.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
                t.witnessed_time.clone()?,
                t.witnessed_unix?,
            ))
        })
        .collect();
    let min = points.iter().map(|p| p.3).min().unwrap_or(0);
    let max = points.iter().map(|p| p.3).max().unwrap_or(0);
    let span = (max - min) as f64;
    points
        .into_iter()
        .map(|(index, kind, witnessed, t)| TimelinePoint {
            index,
            kind,
            witnessed,
            x: if span > 0.0 {
                (t - min) as f64 / span
            } else {
                0.5
            },
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use verifier::bundle::BundleBuilder;
    use verifier::checkpoint::{Checkpoint, sign_checkpoint};
    use verifier::cosignature::{add_signatures, cosign};
    use verifier::fixtures;
    use verifier::merkle;
    use verifier::note::{KeyType, SignerKey};
    use verifier::policy::Policy;

    use super::*;

    pub const ORIGIN: &str = "registry.test/log";

    /// A log holding the fixture trial's chain, one checkpoint per entry,
    /// cosigned by two witnesses an hour apart; returns its policy, the
    /// bundle and the checkpoint notes.
    pub fn fixture_bundle() -> (Policy, Bundle, Vec<String>) {
        let log = SignerKey::from_seed(ORIGIN, KeyType::Ed25519, [3; 32]).unwrap();
        let witnesses: Vec<SignerKey> = (0..2u8)
            .map(|i| {
                SignerKey::from_seed(
                    &format!("w{i}.test/w"),
                    KeyType::Cosignature,
                    [0x50 + i; 32],
                )
                .unwrap()
            })
            .collect();
        let mut builder = Policy::builder(log.verifier_key());
        for (i, w) in witnesses.iter().enumerate() {
            builder = builder.witness(format!("w{i}"), w.verifier_key());
        }
        let policy = builder.quorum(2).build().unwrap();
        let chain = fixtures::chain().unwrap();
        let entries: Vec<Vec<u8>> = chain.entries.clone();
        let leaves: Vec<merkle::Hash> = entries.iter().map(|e| merkle::leaf_hash(e)).collect();
        let mut notes = Vec::new();
        // 2023-06-01: well before the fixture's first enrolment.
        let t0 = 1_685_577_600u64;
        for size in 1..=leaves.len() {
            let checkpoint = Checkpoint {
                origin: ORIGIN.into(),
                size: size as u64,
                root: merkle::tree_root(&leaves[..size]),
                extensions: vec![],
            };
            let note = sign_checkpoint(&checkpoint, &log).unwrap();
            let t = t0 + size as u64 * 86_400 * 30;
            let sigs: Vec<_> = witnesses
                .iter()
                .enumerate()
                .map(|(i, w)| cosign(w, &checkpoint.to_text(), t + i as u64 * 3600).unwrap())
                .collect();
            notes.push(add_signatures(&note, &sigs).unwrap());
        }
        let bundle = BundleBuilder::new(&policy, &leaves)
            .with_checkpoints(notes.iter())
            .unwrap()
            .build(
                &chain.trial_id,
                &entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (i as u64, e.as_slice()))
                    .collect::<Vec<_>>(),
            )
            .unwrap();
        (policy, bundle, notes)
    }

    #[test]
    fn builds_the_page_from_a_verified_bundle() {
        let (policy, bundle, _) = fixture_bundle();
        let report = bundle.verify(&policy, &[]);
        assert_ne!(
            report.verdict,
            verifier::report::Verdict::Failed,
            "{}",
            report.to_json_pretty()
        );
        let view = build(&bundle, &report).unwrap();
        assert_eq!(view.trial_id, bundle.trial_id);
        let items: Vec<u8> = view.fields.iter().map(|f| f.item).collect();
        assert_eq!(items, (1..=24).collect::<Vec<u8>>());
        assert!(view.fields[1].value.ends_with('Z'), "{:?}", view.fields[1]);
        assert_eq!(view.amendments.len(), 1);
        let amendment = &view.amendments[0];
        assert!(!amendment.reason.is_empty());
        assert!(!amendment.changes.is_empty());
        assert!(amendment.witnessed.is_some());
        assert_eq!(view.statuses.len(), 1);
        assert!(view.statuses[0].actual_first_enrolment.is_some());
        assert!(view.results.is_some());
        assert!(view.documents.iter().all(|d| d.sha256.len() == 64));
        let points = timeline(&report);
        assert_eq!(points.len(), 4);
        assert_eq!(points[0].x, 0.0);
        assert_eq!(points[3].x, 1.0);
    }

    #[test]
    fn diff_names_changed_added_and_removed_fields() {
        let a = serde_json::json!({"title": "A", "outcomes": [{"id": "P1", "measure": "x"}], "gone": "y"});
        let b = serde_json::json!({"title": "B", "outcomes": [{"id": "P1", "measure": "x"}, {"id": "S1", "measure": "z"}]});
        let changes = diff(&a, &b);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "Gone",
                "Outcomes › 2 › id",
                "Outcomes › 2 › measure",
                "Title"
            ]
        );
        assert_eq!(changes[0].after, None);
        assert_eq!(changes[1].before, None);
        assert_eq!(changes[3].before.as_deref(), Some("A"));
        assert!(diff(&a, &a).is_empty());
    }

    #[test]
    fn readable_paths_and_enum_text() {
        assert_eq!(
            readable_path("primary_outcomes[2].time_frame"),
            "Primary outcomes › 2 › time frame"
        );
        assert_eq!(
            enum_text(&verifier::predicate::RecruitmentStatus::ActiveNotRecruiting),
            "active not recruiting"
        );
    }
}
