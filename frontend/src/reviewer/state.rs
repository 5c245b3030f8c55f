//! The reviewer page's state, actions and reducer, without the DOM
//! (unit-tested natively).
//!
//! The inputs are an evidence bundle (its exact bytes), the trust policy
//! (the one compiled into the portal, or a policy file the reviewer chose)
//! and the reviewer's documents (by SHA-256, hashed in the browser). After
//! every change of an input the reducer re-runs
//! [`verifier::report::verify_bundle`] — the same function `trialverify
//! bundle` runs — so the page and the CLI give the same report on the same
//! inputs. While a document is still being hashed there is no report: a
//! report without it would say something about other inputs than the
//! reviewer gave.

use std::rc::Rc;

use serde::{Deserialize, Serialize};
use verifier::bundle::MAX_BUNDLE_BYTES;
use verifier::policy::Policy;
use verifier::predicate::PredicateKind;
use verifier::report::{CheckName, Report, SuppliedDocument, Verdict, verify_bundle};
use yew::Reducible;

use crate::trial_view::enum_text;
use crate::trust::Compiled;

/// Which trust policy verifies the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyChoice {
    /// The policy compiled into this portal.
    Pinned,
    /// A policy file the reviewer loaded (kept in IndexedDB).
    File,
}

/// A policy file: its name and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyFile {
    /// The file's name.
    pub name: String,
    /// Its text (`log`/`witness`/`quorum` lines).
    pub text: String,
}

/// What the page keeps in IndexedDB for next time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPolicy {
    /// The policy file.
    pub file: PolicyFile,
    /// Whether it was the chosen policy.
    pub selected: bool,
}

/// The bundle being reviewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedBundle {
    /// Where it came from: the file name, or `trial TL-… (fetched)`.
    pub source: String,
    /// Its exact bytes.
    pub bytes: Rc<Vec<u8>>,
}

/// Where a document is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocStatus {
    /// Being hashed: bytes done of total.
    Hashing {
        /// Bytes hashed so far.
        done: u64,
        /// The file's size.
        total: u64,
    },
    /// Hashed.
    Hashed([u8; 32]),
    /// The browser could not read it.
    Failed(String),
}

/// One document the reviewer dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentItem {
    /// Assigned by the page, unique within it.
    pub id: u32,
    /// The file name (as the report names it).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Hashing, hashed or failed.
    pub status: DocStatus,
}

impl DocumentItem {
    /// Percentage hashed (100 once hashed).
    pub fn percent(&self) -> u8 {
        match self.status {
            DocStatus::Hashing { done, total } if total > 0 => {
                u8::try_from((done.min(total) * 100) / total).unwrap_or(100)
            }
            DocStatus::Hashing { .. } => 0,
            DocStatus::Hashed(_) | DocStatus::Failed(_) => 100,
        }
    }
}

/// What the page can show.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// No bundle yet.
    NeedBundle,
    /// The chosen policy is missing or does not parse.
    NeedPolicy(String),
    /// Documents are still being hashed.
    Hashing,
    /// The bundle cannot be used at all (not bundle JSON, too large): the
    /// CLI's exit code 2.
    Unusable(String),
    /// The report.
    Done(Rc<Report>),
}

/// The reviewer page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewerState {
    /// The compiled-in policy, or why there is none.
    pub pinned: Result<Policy, String>,
    /// The chosen policy.
    pub choice: PolicyChoice,
    /// The policy file, if one was loaded (or restored from IndexedDB).
    pub policy_file: Option<PolicyFile>,
    /// The bundle.
    pub bundle: Option<LoadedBundle>,
    /// Why the last attempt to load or fetch a bundle failed.
    pub bundle_error: Option<String>,
    /// A trial id whose bundle is being fetched.
    pub fetching: Option<String>,
    /// The documents, in the order dropped.
    pub documents: Vec<DocumentItem>,
    /// The result of the last verification.
    pub outcome: Outcome,
}

/// What happens on the page.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A bundle's bytes were read or fetched.
    BundleLoaded {
        /// File name or fetched trial.
        source: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// Reading or fetching a bundle failed.
    BundleFailed(String),
    /// Fetching the bundle of this trial started.
    Fetching(String),
    /// The reviewer chose a policy.
    ChoosePolicy(PolicyChoice),
    /// A policy file was loaded (and is chosen).
    PolicyFileLoaded(PolicyFile),
    /// The policy saved last time, restored from IndexedDB.
    PolicyRestored(SavedPolicy),
    /// The reviewer removed the policy file (back to the pinned policy).
    ForgetPolicyFile,
    /// Documents were dropped: (id, name, size) each; hashing starts.
    DocumentsAdded(Vec<(u32, String, u64)>),
    /// Hashing progress of a document.
    DocumentProgress {
        /// The document.
        id: u32,
        /// Bytes hashed.
        done: u64,
        /// Its size.
        total: u64,
    },
    /// A document's SHA-256.
    DocumentHashed {
        /// The document.
        id: u32,
        /// Its digest.
        sha256: [u8; 32],
    },
    /// A document could not be read.
    DocumentFailed {
        /// The document.
        id: u32,
        /// The browser's reason.
        reason: String,
    },
    /// Remove one document.
    RemoveDocument(u32),
    /// Remove every document.
    ClearDocuments,
}

impl ReviewerState {
    /// A fresh page with the compiled policy `compiled`.
    pub fn new(compiled: &Compiled) -> ReviewerState {
        let pinned = match compiled {
            Compiled::Valid(policy) => Ok((**policy).clone()),
            Compiled::Missing => Err("this portal was built without a trust policy: \
                                      choose the registry's policy file"
                .to_owned()),
            Compiled::Invalid(e) => Err(format!(
                "the policy compiled into this portal is invalid ({e}): choose a policy file"
            )),
        };
        let choice = if pinned.is_ok() {
            PolicyChoice::Pinned
        } else {
            PolicyChoice::File
        };
        ReviewerState {
            pinned,
            choice,
            policy_file: None,
            bundle: None,
            bundle_error: None,
            fetching: None,
            documents: Vec::new(),
            outcome: Outcome::NeedBundle,
        }
    }

    /// The policy the chosen option gives, or why there is none.
    pub fn policy(&self) -> Result<Policy, String> {
        match self.choice {
            PolicyChoice::Pinned => self.pinned.clone(),
            PolicyChoice::File => match &self.policy_file {
                None => Err("choose a trust policy file".to_owned()),
                Some(file) => Policy::parse(&file.text).map_err(|e| {
                    format!("the policy file {} is not a valid policy: {e}", file.name)
                }),
            },
        }
    }

    /// The documents hashed so far, as the verifier takes them.
    pub fn supplied(&self) -> Vec<SuppliedDocument> {
        self.documents
            .iter()
            .filter_map(|d| match d.status {
                DocStatus::Hashed(sha256) => Some(SuppliedDocument::new(d.name.clone(), sha256)),
                _ => None,
            })
            .collect()
    }

    /// The report, when there is one.
    pub fn report(&self) -> Option<&Rc<Report>> {
        match &self.outcome {
            Outcome::Done(report) => Some(report),
            _ => None,
        }
    }

    /// Applies `action` (then re-verifies if an input changed).
    pub fn apply(&mut self, action: Action) {
        let reverify = match action {
            Action::BundleLoaded { source, bytes } => {
                self.bundle = Some(LoadedBundle {
                    source,
                    bytes: Rc::new(bytes),
                });
                self.bundle_error = None;
                self.fetching = None;
                true
            }
            Action::BundleFailed(reason) => {
                self.bundle_error = Some(reason);
                self.fetching = None;
                false
            }
            Action::Fetching(id) => {
                self.fetching = Some(id);
                self.bundle_error = None;
                false
            }
            Action::ChoosePolicy(choice) => {
                self.choice = choice;
                true
            }
            Action::PolicyFileLoaded(file) => {
                self.policy_file = Some(file);
                self.choice = PolicyChoice::File;
                true
            }
            Action::PolicyRestored(saved) => {
                // The reviewer may already have chosen something on this visit.
                if self.policy_file.is_none() {
                    self.policy_file = Some(saved.file);
                    if saved.selected || self.pinned.is_err() {
                        self.choice = PolicyChoice::File;
                    }
                }
                true
            }
            Action::ForgetPolicyFile => {
                self.policy_file = None;
                if self.pinned.is_ok() {
                    self.choice = PolicyChoice::Pinned;
                }
                true
            }
            Action::DocumentsAdded(added) => {
                for (id, name, size) in added {
                    self.documents.push(DocumentItem {
                        id,
                        name,
                        size,
                        status: DocStatus::Hashing {
                            done: 0,
                            total: size,
                        },
                    });
                }
                true
            }
            Action::DocumentProgress { id, done, total } => {
                if let Some(doc) = self.documents.iter_mut().find(|d| d.id == id)
                    && matches!(doc.status, DocStatus::Hashing { .. })
                {
                    doc.status = DocStatus::Hashing { done, total };
                }
                false
            }
            Action::DocumentHashed { id, sha256 } => {
                let found = self.documents.iter_mut().find(|d| d.id == id);
                found.is_some_and(|doc| {
                    doc.status = DocStatus::Hashed(sha256);
                    true
                })
            }
            Action::DocumentFailed { id, reason } => {
                let found = self.documents.iter_mut().find(|d| d.id == id);
                found.is_some_and(|doc| {
                    doc.status = DocStatus::Failed(reason);
                    true
                })
            }
            Action::RemoveDocument(id) => {
                self.documents.retain(|d| d.id != id);
                true
            }
            Action::ClearDocuments => {
                self.documents.clear();
                true
            }
        };
        if reverify {
            self.outcome = self.verify();
        }
    }

    /// Runs the verifier on the current inputs.
    fn verify(&self) -> Outcome {
        let Some(bundle) = &self.bundle else {
            return Outcome::NeedBundle;
        };
        let policy = match self.policy() {
            Ok(policy) => policy,
            Err(reason) => return Outcome::NeedPolicy(reason),
        };
        if self
            .documents
            .iter()
            .any(|d| matches!(d.status, DocStatus::Hashing { .. }))
        {
            return Outcome::Hashing;
        }
        if bundle.bytes.len() > MAX_BUNDLE_BYTES {
            return Outcome::Unusable(format!(
                "the file is larger than an evidence bundle may be ({} MiB)",
                MAX_BUNDLE_BYTES >> 20
            ));
        }
        match verify_bundle(&bundle.bytes, &policy, &self.supplied()) {
            Ok(report) => Outcome::Done(Rc::new(report)),
            Err(e) => Outcome::Unusable(e.to_string()),
        }
    }
}

impl Reducible for ReviewerState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

/// The report as JSON, exactly as `trialverify bundle --json` prints it
/// (the same serialisation of the same [`Report`], with its final newline).
pub fn report_json(report: &Report) -> String {
    format!("{}\n", report.to_json_pretty())
}

/// The export's file name: `TL-….report.json`.
pub fn report_file_name(report: &Report) -> String {
    let id: String = report
        .trial_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    if id.is_empty() {
        "trial.report.json".to_owned()
    } else {
        format!("{id}.report.json")
    }
}

/// A check's title, in words.
pub fn check_title(name: CheckName) -> &'static str {
    match name {
        CheckName::BundleFormat => "Bundle format",
        CheckName::BundleOrigin => "Bundle is from the trusted log",
        CheckName::BundleEntries => "Bundle lists entries in log order",
        CheckName::HeadTrusted => "Latest checkpoint signed and witnessed",
        CheckName::TrialId => "Trial id matches its registration",
        CheckName::EntryAnchor => "Entry's checkpoint signed and witnessed",
        CheckName::EntryAnchorCovers => "Entry's checkpoint contains it",
        CheckName::EntryInclusion => "Entry is in the log",
        CheckName::EntryConsistency => "Log was only appended to",
        CheckName::EntrySignature => "Sponsor's signature",
        CheckName::EntryTrial => "Entry belongs to this trial",
        CheckName::EntryRules => "Registry rules (owner, order, chain)",
        CheckName::EntryWitnessedTime => "Witnessed time",
        CheckName::Document => "Your document matches",
        CheckName::TrialProspective => "Registered before enrolment began",
        CheckName::Outcomes => "Reported outcomes match the pre-specified ones",
    }
}

/// What a check shows, for someone who is not a cryptographer.
pub fn explain(name: CheckName) -> &'static str {
    match name {
        CheckName::BundleFormat => {
            "The file is a Trial Ledger evidence bundle of a version this page understands."
        }
        CheckName::BundleOrigin => {
            "The bundle claims to come from the registry log named in your trust policy, not from some other log."
        }
        CheckName::BundleEntries => {
            "The bundle holds the trial's records, each at its position in the log, in order."
        }
        CheckName::HeadTrusted => {
            "The registry signed the latest state of its log, and enough of the independent witnesses in your trust policy countersigned it. Nobody can forge these signatures."
        }
        CheckName::TrialId => {
            "A trial's id is derived from the exact bytes of its first registration, so the id cannot be reused for a different trial."
        }
        CheckName::EntryAnchor => {
            "The state of the log in which this record first appeared was signed by the registry and countersigned by the witnesses."
        }
        CheckName::EntryAnchorCovers => {
            "That signed state of the log is large enough to contain this record."
        }
        CheckName::EntryInclusion => {
            "A mathematical proof (Merkle inclusion) shows this exact record is in the signed log: one changed byte would break it."
        }
        CheckName::EntryConsistency => {
            "A proof shows the log only grew between the record's checkpoint and the latest one: nothing recorded earlier was removed or rewritten."
        }
        CheckName::EntrySignature => {
            "The record is well-formed and carries a valid digital signature of its author."
        }
        CheckName::EntryTrial => "The record is about this trial and not another one.",
        CheckName::EntryRules => {
            "The record follows the registry's rules: only the sponsor may change the trial, and each change names the previous version, so none can be left out in the middle."
        }
        CheckName::EntryWitnessedTime => {
            "The witnesses' signatures carry times: by then the record existed. This is evidence, unlike the date the author wrote in it."
        }
        CheckName::Document => {
            "The fingerprint (SHA-256) of your copy of the document is one the trial committed to, so your copy is exactly the registered one."
        }
        CheckName::TrialProspective => {
            "Registration was witnessed before the first participant was enrolled (prospective registration), as the Declaration of Helsinki and ICMJE require."
        }
        CheckName::Outcomes => {
            "The outcomes in the results are those pre-specified before enrolment; any change or addition needs a declared reason (the COMPare method)."
        }
    }
}

/// The verdict's headline and one sentence on what it means.
pub fn verdict_text(report: &Report) -> (&'static str, String) {
    let failed = report
        .failures()
        .filter(|c| c.category == verifier::report::Category::Integrity)
        .count();
    match report.verdict {
        Verdict::Verified => (
            "Verified",
            "Every check passed: the evidence is authentic, was witnessed when it says, and the \
             results match what was registered."
                .to_owned(),
        ),
        Verdict::Findings => (
            "Verified, with findings",
            format!(
                "The evidence is authentic, and it shows {} problem{} with how the trial was \
                 registered or reported (listed below).",
                report.findings.len(),
                if report.findings.len() == 1 { "" } else { "s" }
            ),
        ),
        Verdict::Failed => (
            "Verification FAILED",
            format!(
                "{failed} check{} failed: this evidence cannot be relied on. The failed checks \
                 are marked below.",
                if failed == 1 { "" } else { "s" }
            ),
        ),
    }
}

/// The first failed integrity check's name, for the summary.
pub fn first_failure(report: &Report) -> Option<String> {
    report
        .failures()
        .find(|c| c.category == verifier::report::Category::Integrity)
        .map(|c| match c.index {
            Some(i) => format!("{} (entry {i})", c.name),
            None => c.name.to_string(),
        })
}

/// One mark of the reviewer's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineMark {
    /// `registration`, `amendment`, `status`, `results` or `first-enrolment`.
    pub kind: &'static str,
    /// A short label.
    pub label: String,
    /// The date or time shown (RFC 3339 or a date).
    pub when: String,
    /// An amendment's reason, a status, …
    pub detail: Option<String>,
    /// Witnessed (evidence) or stated by the sponsor (a claim).
    pub witnessed: bool,
    /// The entry's log index (none for the stated enrolment date).
    pub index: Option<u64>,
    /// Horizontal position, 0 (earliest) to 1 (latest).
    pub x: f64,
}

/// The timeline: registration, amendments with reasons, status updates,
/// results at their witnessed times, and the actual first enrolment date
/// the sponsor stated (consent events are counted, not drawn).
pub fn timeline_marks(report: &Report) -> Vec<TimelineMark> {
    let mut marks: Vec<(i64, TimelineMark)> = Vec::new();
    for row in &report.timeline {
        let (Some(kind), Some(when), Some(unix)) =
            (row.kind, row.witnessed_time.clone(), row.witnessed_unix)
        else {
            continue;
        };
        let (kind, label) = match kind {
            PredicateKind::Registration => ("registration", "Registration"),
            PredicateKind::Amendment => ("amendment", "Amendment"),
            PredicateKind::Status => ("status", "Status update"),
            PredicateKind::Results => ("results", "Results"),
            PredicateKind::Consent => continue,
        };
        let detail = match kind {
            "amendment" => row.reason.as_ref().map(|r| format!("reason: {r}")),
            "status" => row.recruitment_status.map(|s| {
                let mut text = enum_text(&s);
                if let Some(d) = row.dates.actual_first_enrolment {
                    text.push_str(&format!("; first enrolment {d}"));
                }
                text
            }),
            _ => None,
        };
        marks.push((
            i64::try_from(unix).unwrap_or(i64::MAX),
            TimelineMark {
                kind,
                label: format!("{label} (entry {})", row.index),
                when,
                detail,
                witnessed: true,
                index: Some(row.index),
                x: 0.0,
            },
        ));
    }
    if let Some(date) = report.prospective.actual_first_enrolment {
        marks.push((
            date.start_unix_seconds(),
            TimelineMark {
                kind: "first-enrolment",
                label: "Actual first enrolment (stated by the sponsor)".to_owned(),
                when: date.to_string(),
                detail: None,
                witnessed: false,
                index: None,
                x: 0.0,
            },
        ));
    }
    marks.sort_by_key(|(t, m)| (*t, m.index));
    let min = marks.first().map_or(0, |m| m.0);
    let max = marks.last().map_or(0, |m| m.0);
    let span = max.saturating_sub(min) as f64;
    marks
        .into_iter()
        .map(|(t, mut m)| {
            m.x = if span > 0.0 {
                t.saturating_sub(min) as f64 / span
            } else {
                0.5
            };
            m
        })
        .collect()
}

/// How many consent events (given or withdrawn) the timeline holds.
pub fn consent_events(report: &Report) -> usize {
    report
        .timeline
        .iter()
        .filter(|t| t.kind == Some(PredicateKind::Consent))
        .count()
}

/// Bytes as `12.3 MiB`.
pub fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    // Tenths of the unit in integers: no float formatting in the wasm.
    let mut unit = 0;
    let mut divisor: u64 = 1024;
    while bytes / divisor >= 1024 && unit < UNITS.len() - 1 {
        divisor *= 1024;
        unit += 1;
    }
    let tenths = (u128::from(bytes) * 10 + u128::from(divisor) / 2) / u128::from(divisor);
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

#[cfg(test)]
mod tests {
    use verifier::compare::OutcomeStatus;
    use verifier::fixtures;
    use verifier::report::{DocumentStatus, ProspectiveStatus};

    use super::*;
    use crate::trial_view::tests::fixture_bundle;

    /// A state with the fixture's policy compiled in and its bundle loaded.
    fn loaded() -> (ReviewerState, Policy) {
        let (policy, bundle, _) = fixture_bundle();
        let mut state = ReviewerState::new(&Compiled::Valid(Box::new(policy.clone())));
        state.apply(Action::BundleLoaded {
            source: "b.json".to_owned(),
            bytes: bundle.to_json().into_bytes(),
        });
        (state, policy)
    }

    fn sha(name: &str) -> [u8; 32] {
        SuppliedDocument::from_bytes(name, &fixtures::document(name)).sha256
    }

    #[test]
    fn a_fresh_page_needs_a_bundle_and_uses_the_pinned_policy() {
        let (policy, _, _) = fixture_bundle();
        let state = ReviewerState::new(&Compiled::Valid(Box::new(policy)));
        assert_eq!(state.choice, PolicyChoice::Pinned);
        assert_eq!(state.outcome, Outcome::NeedBundle);
        let state = ReviewerState::new(&Compiled::Missing);
        assert_eq!(state.choice, PolicyChoice::File);
        assert!(state.pinned.is_err());
    }

    #[test]
    fn a_loaded_bundle_is_verified_like_the_cli() {
        let (state, policy) = loaded();
        let report = state.report().expect("a report");
        let bytes = state.bundle.as_ref().unwrap().bytes.clone();
        let cli = verify_bundle(&bytes, &policy, &[]).unwrap();
        assert_eq!(**report, cli);
        assert_eq!(report_json(report), format!("{}\n", cli.to_json_pretty()));
        // The fixture's results leave out S2: a finding, not a failure.
        assert_eq!(report.verdict, Verdict::Findings);
        assert!(
            report
                .outcomes
                .iter()
                .any(|r| r.status == OutcomeStatus::Missing)
        );
    }

    #[test]
    fn documents_are_verified_once_all_are_hashed() {
        let (mut state, _) = loaded();
        state.apply(Action::DocumentsAdded(vec![
            (1, fixtures::PROTOCOL_V1.to_owned(), 100),
            (2, "other.pdf".to_owned(), 5),
        ]));
        assert_eq!(state.outcome, Outcome::Hashing);
        state.apply(Action::DocumentProgress {
            id: 1,
            done: 50,
            total: 100,
        });
        assert_eq!(state.documents[0].percent(), 50);
        state.apply(Action::DocumentHashed {
            id: 1,
            sha256: sha(fixtures::PROTOCOL_V1),
        });
        assert_eq!(state.outcome, Outcome::Hashing, "one still hashing");
        state.apply(Action::DocumentHashed {
            id: 2,
            sha256: [7; 32],
        });
        let report = state.report().unwrap();
        assert_eq!(
            report.verdict,
            Verdict::Failed,
            "a document that matches nothing"
        );
        let rows: Vec<_> = report
            .documents
            .iter()
            .filter(|d| d.file.is_some())
            .map(|d| (d.file.clone().unwrap(), d.status))
            .collect();
        assert!(rows.contains(&(fixtures::PROTOCOL_V1.to_owned(), DocumentStatus::Matched)));
        assert!(rows.contains(&("other.pdf".to_owned(), DocumentStatus::Unmatched)));
        assert_eq!(
            first_failure(report).as_deref(),
            Some("document"),
            "{report:?}"
        );
        // Removing the stranger leaves the matching document.
        state.apply(Action::RemoveDocument(2));
        let report = state.report().unwrap();
        assert_eq!(report.verdict, Verdict::Findings);
        state.apply(Action::ClearDocuments);
        assert!(state.supplied().is_empty());
    }

    #[test]
    fn a_document_that_cannot_be_read_is_left_out_and_shown() {
        let (mut state, _) = loaded();
        state.apply(Action::DocumentsAdded(vec![(1, "gone.pdf".to_owned(), 9)]));
        state.apply(Action::DocumentFailed {
            id: 1,
            reason: "NotReadableError".to_owned(),
        });
        assert!(state.report().is_some());
        assert!(matches!(state.documents[0].status, DocStatus::Failed(_)));
        // Progress for an unknown or finished document changes nothing.
        let before = state.clone();
        state.apply(Action::DocumentProgress {
            id: 1,
            done: 1,
            total: 9,
        });
        state.apply(Action::DocumentProgress {
            id: 99,
            done: 1,
            total: 9,
        });
        assert_eq!(state, before);
    }

    #[test]
    fn a_tampered_bundle_fails_naming_the_check() {
        let (policy, bundle, _) = fixture_bundle();
        let mut state = ReviewerState::new(&Compiled::Valid(Box::new(policy)));
        let text = bundle.to_json();
        let at = text.find("\"inclusion\":[\"").unwrap() + 14;
        let flipped = if &text[at..=at] == "A" { "B" } else { "A" };
        let tampered = format!("{}{flipped}{}", &text[..at], &text[at + 1..]);
        state.apply(Action::BundleLoaded {
            source: "t.json".to_owned(),
            bytes: tampered.into_bytes(),
        });
        let report = state.report().unwrap();
        assert_eq!(report.verdict, Verdict::Failed);
        assert!(
            first_failure(report)
                .unwrap()
                .starts_with("entry.inclusion")
        );
        assert_eq!(verdict_text(report).0, "Verification FAILED");
    }

    #[test]
    fn unusable_input_and_policy_choices() {
        let (mut state, policy) = loaded();
        state.apply(Action::BundleLoaded {
            source: "x".to_owned(),
            bytes: b"not json".to_vec(),
        });
        assert!(matches!(state.outcome, Outcome::Unusable(_)));
        let (mut state, _) = loaded();
        state.apply(Action::ChoosePolicy(PolicyChoice::File));
        assert!(matches!(&state.outcome, Outcome::NeedPolicy(r) if r.contains("choose")));
        state.apply(Action::PolicyFileLoaded(PolicyFile {
            name: "bad.txt".to_owned(),
            text: "quorum 1\n".to_owned(),
        }));
        assert!(matches!(&state.outcome, Outcome::NeedPolicy(r) if r.contains("bad.txt")));
        state.apply(Action::PolicyFileLoaded(PolicyFile {
            name: "policy.txt".to_owned(),
            text: policy.to_text(),
        }));
        assert_eq!(state.choice, PolicyChoice::File);
        assert!(state.report().is_some());
        // A policy for another log: the bundle's origin check fails.
        let key = verifier::note::SignerKey::from_seed(
            "other.test/log",
            verifier::note::KeyType::Ed25519,
            [9; 32],
        )
        .unwrap();
        let other = Policy::builder(key.verifier_key())
            .quorum(0)
            .build()
            .unwrap();
        state.apply(Action::PolicyFileLoaded(PolicyFile {
            name: "other.txt".to_owned(),
            text: other.to_text(),
        }));
        assert_eq!(state.report().unwrap().verdict, Verdict::Failed);
        state.apply(Action::ForgetPolicyFile);
        assert_eq!(state.choice, PolicyChoice::Pinned);
        assert!(state.report().is_some());
    }

    #[test]
    fn a_restored_policy_does_not_override_this_visits_choice() {
        let (mut state, policy) = loaded();
        let saved = SavedPolicy {
            file: PolicyFile {
                name: "saved.txt".to_owned(),
                text: policy.to_text(),
            },
            selected: true,
        };
        state.apply(Action::PolicyRestored(saved.clone()));
        assert_eq!(state.choice, PolicyChoice::File);
        assert_eq!(state.policy_file.as_ref().unwrap().name, "saved.txt");
        let (mut state, _) = loaded();
        state.apply(Action::PolicyFileLoaded(PolicyFile {
            name: "new.txt".to_owned(),
            text: policy.to_text(),
        }));
        state.apply(Action::PolicyRestored(saved));
        assert_eq!(state.policy_file.as_ref().unwrap().name, "new.txt");
    }

    #[test]
    fn the_timeline_has_witnessed_entries_and_the_stated_enrolment() {
        let (state, _) = loaded();
        let report = state.report().unwrap();
        let marks = timeline_marks(report);
        let kinds: Vec<_> = marks.iter().map(|m| m.kind).collect();
        assert!(kinds.contains(&"registration"));
        assert!(kinds.contains(&"amendment"));
        assert!(kinds.contains(&"results"));
        assert!(kinds.contains(&"first-enrolment"), "{kinds:?}");
        let amendment = marks.iter().find(|m| m.kind == "amendment").unwrap();
        assert!(amendment.detail.as_ref().unwrap().starts_with("reason: "));
        assert!(marks.windows(2).all(|w| w[0].x <= w[1].x));
        assert!(marks.iter().all(|m| (0.0..=1.0).contains(&m.x)));
        assert_eq!(
            consent_events(report),
            0,
            "the fixture chain has no consents"
        );
        assert_ne!(
            report.prospective.status,
            ProspectiveStatus::NotDeterminable
        );
    }

    #[test]
    fn words_for_every_check_and_sizes() {
        for name in CheckName::ALL {
            assert!(!check_title(name).is_empty());
            assert!(explain(name).ends_with('.'), "{name}");
        }
        assert_eq!(size_text(10), "10 bytes");
        assert_eq!(size_text(1536), "1.5 KiB");
        assert_eq!(size_text(3 << 20), "3.0 MiB");
        let (state, _) = loaded();
        let report = state.report().unwrap();
        assert_eq!(
            report_file_name(report),
            format!("{}.report.json", report.trial_id)
        );
    }
}
