//! Verifying an evidence bundle ([`crate::bundle`]) into a report and a
//! verdict (DESIGN §5).
//!
//! The reviewer supplies the trust policy (never taken from the bundle) and,
//! optionally, documents by SHA-256. [`verify_bundle`] re-checks everything
//! the registry claims — it trusts nothing but the policy — and returns a
//! [`Report`]: every check with pass/fail and a reason, a timeline with
//! witnessed times, whether the registration was prospective, the outcome
//! comparison ([`crate::compare`]) and the documents, ending in a
//! [`Verdict`].
//!
//! # Checks
//!
//! Names are stable: the portal, the CLI and tests rely on them. Each check
//! is an **integrity** check (a failure means the evidence does not hold:
//! verdict `failed`) or a **finding** check (a failure means the evidence
//! holds and shows a problem with the trial: verdict `findings`).
//!
//! | name | category | per | passes when |
//! |---|---|---|---|
//! | `bundle.format` | integrity | bundle | `format` is `trial-ledger-bundle/v1` |
//! | `bundle.origin` | integrity | bundle | `origin` is the policy's log |
//! | `bundle.entries` | integrity | bundle | at least one entry, indexes strictly increasing |
//! | `head.trusted` | integrity | bundle | `head` carries a valid log signature and the policy's witness quorum |
//! | `trial.id` | integrity | bundle | `trial_id` is a trial id, and the first entry is a registration whose `entry_hash` gives it |
//! | `entry.anchor` | integrity | entry | the anchor carries a valid log signature and the witness quorum |
//! | `entry.anchor_covers` | integrity | entry | the anchor's tree contains the entry (size > index) |
//! | `entry.inclusion` | integrity | entry | the entry's leaf hash is included under the anchor's root at `index` |
//! | `entry.consistency` | integrity | entry | the anchor's tree is a prefix of the head's (empty proof and equal roots at equal sizes) |
//! | `entry.signature` | integrity | entry | `entry` is base64 of a valid entry whose signature verifies ([`crate::entry::Entry::parse`]) |
//! | `entry.trial` | integrity | entry | the entry belongs to `trial_id` |
//! | `entry.rules` | integrity | entry | the trial state machine accepts it: ownership, `prev` chain, consent forms, order ([`crate::trial::Ledger`]) |
//! | `entry.witnessed_time` | integrity | entry | the anchor's quorum time is known (the entry existed by then) |
//! | `document` | integrity | supplied document | its SHA-256 is a subject digest of one of the trial's entries |
//! | `trial.prospective` | finding | bundle | the registration was witnessed before the actual first enrolment date |
//! | `outcomes` | finding | bundle | no missing outcome, no undeclared changed or added outcome |
//!
//! A check that cannot run because one it depends on failed (an inclusion
//! proof under an untrusted anchor, say) fails with a detail starting `not
//! checked:`. Per-entry checks carry the entry's log `index`.
//!
//! # Time and prospective registration
//!
//! An entry's **witnessed time** is its anchor's quorum time (the `k`-th
//! smallest valid listed witness timestamp, [`crate::policy`]). The
//! **actual first enrolment** date is the earliest one any of the trial's
//! verified status entries gives (a later status entry that moves the date
//! is shown in the detail, but cannot make a registration prospective
//! after the fact). The registration is **prospective** when its witnessed
//! time is before 00:00 UTC of that date (of its first day, for a `YYYY-MM`
//! date): a registration witnessed on the day of the first enrolment cannot
//! be shown to precede it and counts as retrospective. With no status
//! entry giving the date, or no witnessed time (a policy with quorum 0),
//! it is **not determinable**: `trial.prospective` passes, says so, and
//! [`Prospective::status`] is `not_determinable`.
//!
//! # Pre-specified outcomes
//!
//! The registration as amended by every amendment witnessed before the
//! actual first enrolment date; when there is no such date, or when even
//! the registration was witnessed after it, the original registration.
//! [`Report::prespecified_from`] names the version used and why. The
//! outcomes reported are those of the trial's latest results entry.
//!
//! # Verdict
//!
//! `failed` when any integrity check fails; otherwise `findings` when any
//! finding check fails; otherwise `verified`.
//!
//! What the bundle alone cannot show: that it lists *all* of the trial's
//! entries (a registry could leave out the latest amendment or results; a
//! gap in the `prev` chain is caught, a missing tail is not), and that each
//! anchor is the *first* trusted checkpoint containing its entry (a later
//! anchor only makes the witnessed time later).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::bundle::{BUNDLE_FORMAT, Bundle, BundleError};
use crate::compare::{OutcomeComparison, OutcomeCounts, OutcomeRow, compare_outcomes};
use crate::entry::{Entry, TrialId};
use crate::merkle;
use crate::merkle::hex;
use crate::policy::{Policy, PolicyError, TrustedCheckpoint};
use crate::predicate::{Date, Predicate, PredicateKind, RecruitmentStatus, Timestamp};
use crate::statement::ROLE_CONSENT_RECORD;
use crate::trial::Ledger;

/// The name of a check (see the module documentation for each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CheckName {
    /// `bundle.format`
    #[serde(rename = "bundle.format")]
    BundleFormat,
    /// `bundle.origin`
    #[serde(rename = "bundle.origin")]
    BundleOrigin,
    /// `bundle.entries`
    #[serde(rename = "bundle.entries")]
    BundleEntries,
    /// `head.trusted`
    #[serde(rename = "head.trusted")]
    HeadTrusted,
    /// `trial.id`
    #[serde(rename = "trial.id")]
    TrialId,
    /// `entry.anchor`
    #[serde(rename = "entry.anchor")]
    EntryAnchor,
    /// `entry.anchor_covers`
    #[serde(rename = "entry.anchor_covers")]
    EntryAnchorCovers,
    /// `entry.inclusion`
    #[serde(rename = "entry.inclusion")]
    EntryInclusion,
    /// `entry.consistency`
    #[serde(rename = "entry.consistency")]
    EntryConsistency,
    /// `entry.signature`
    #[serde(rename = "entry.signature")]
    EntrySignature,
    /// `entry.trial`
    #[serde(rename = "entry.trial")]
    EntryTrial,
    /// `entry.rules`
    #[serde(rename = "entry.rules")]
    EntryRules,
    /// `entry.witnessed_time`
    #[serde(rename = "entry.witnessed_time")]
    EntryWitnessedTime,
    /// `document`
    #[serde(rename = "document")]
    Document,
    /// `trial.prospective`
    #[serde(rename = "trial.prospective")]
    TrialProspective,
    /// `outcomes`
    #[serde(rename = "outcomes")]
    Outcomes,
}

impl CheckName {
    /// Every check name, in report order.
    pub const ALL: [CheckName; 16] = [
        CheckName::BundleFormat,
        CheckName::BundleOrigin,
        CheckName::BundleEntries,
        CheckName::HeadTrusted,
        CheckName::TrialId,
        CheckName::EntryAnchor,
        CheckName::EntryAnchorCovers,
        CheckName::EntryInclusion,
        CheckName::EntryConsistency,
        CheckName::EntrySignature,
        CheckName::EntryTrial,
        CheckName::EntryRules,
        CheckName::EntryWitnessedTime,
        CheckName::Document,
        CheckName::TrialProspective,
        CheckName::Outcomes,
    ];

    /// The stable name, e.g. `entry.inclusion`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckName::BundleFormat => "bundle.format",
            CheckName::BundleOrigin => "bundle.origin",
            CheckName::BundleEntries => "bundle.entries",
            CheckName::HeadTrusted => "head.trusted",
            CheckName::TrialId => "trial.id",
            CheckName::EntryAnchor => "entry.anchor",
            CheckName::EntryAnchorCovers => "entry.anchor_covers",
            CheckName::EntryInclusion => "entry.inclusion",
            CheckName::EntryConsistency => "entry.consistency",
            CheckName::EntrySignature => "entry.signature",
            CheckName::EntryTrial => "entry.trial",
            CheckName::EntryRules => "entry.rules",
            CheckName::EntryWitnessedTime => "entry.witnessed_time",
            CheckName::Document => "document",
            CheckName::TrialProspective => "trial.prospective",
            CheckName::Outcomes => "outcomes",
        }
    }

    /// Whether a failure of this check is a finding rather than a failure
    /// of integrity.
    pub fn category(self) -> Category {
        match self {
            CheckName::TrialProspective | CheckName::Outcomes => Category::Finding,
            _ => Category::Integrity,
        }
    }
}

impl fmt::Display for CheckName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a failed check means for the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The evidence does not hold: verdict `failed`.
    Integrity,
    /// The evidence holds and shows a problem with the trial: verdict `findings`.
    Finding,
}

/// One check of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Its stable name.
    pub name: CheckName,
    /// Whether it passed.
    pub ok: bool,
    /// What was checked and found, or why it failed.
    pub detail: String,
    /// The entry's log index, for per-entry checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// Integrity or finding (derived from the name).
    pub category: Category,
}

/// The overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed.
    Verified,
    /// The evidence holds, but the trial has findings: undeclared outcome
    /// changes, missing outcomes or a retrospective registration.
    Findings,
    /// An integrity check failed (including a supplied document that
    /// matches nothing).
    Failed,
}

impl Verdict {
    /// `verified`, `findings` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::Findings => "findings",
            Verdict::Failed => "failed",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A document the reviewer has, by the SHA-256 of its exact bytes (the
/// library does no I/O: the caller hashes the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppliedDocument {
    /// How the reviewer names it (a file name or path), for the report.
    pub name: String,
    /// SHA-256 of its bytes.
    pub sha256: [u8; 32],
}

impl SuppliedDocument {
    /// A document by name and SHA-256.
    pub fn new(name: impl Into<String>, sha256: [u8; 32]) -> SuppliedDocument {
        SuppliedDocument {
            name: name.into(),
            sha256,
        }
    }

    /// A document from its bytes (hashed here).
    pub fn from_bytes(name: impl Into<String>, bytes: &[u8]) -> SuppliedDocument {
        SuppliedDocument::new(name, crate::entry::entry_hash_bytes(bytes))
    }
}

/// The head checkpoint, when trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadSummary {
    /// Its tree size.
    pub size: u64,
    /// Its root, base64.
    pub root: String,
    /// Its quorum time (RFC 3339 UTC).
    pub witnessed_time: Option<String>,
    /// The listed witnesses whose cosignatures verified.
    pub cosigned_by: Vec<String>,
}

/// Dates an entry states.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineDates {
    /// Registration or amendment: the anticipated date of first enrolment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anticipated_first_enrolment: Option<Date>,
    /// Status: the actual date of first enrolment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_first_enrolment: Option<Date>,
    /// Status: the actual completion date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_completion: Option<Date>,
}

/// One entry of the trial's timeline, in log order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Its log index.
    pub index: u64,
    /// Its kind, if it parsed.
    pub kind: Option<PredicateKind>,
    /// Its `entry_hash`, if its bytes decoded.
    pub entry_hash: Option<String>,
    /// The witnessed time: its anchor's quorum time, RFC 3339 UTC (`None`
    /// when the anchor is not trusted or the quorum is 0).
    pub witnessed_time: Option<String>,
    /// The witnessed time in seconds since the epoch.
    pub witnessed_unix: Option<u64>,
    /// The signer's claimed creation time (a claim, not evidence).
    pub created_at: Option<String>,
    /// An amendment's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A status entry's (or the registration's) recruitment status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruitment_status: Option<RecruitmentStatus>,
    /// Dates the entry states.
    pub dates: TimelineDates,
    /// Whether every check of this entry passed.
    pub ok: bool,
}

/// Whether the registration preceded the first enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProspectiveStatus {
    /// Witnessed before the actual first enrolment date.
    Prospective,
    /// Witnessed on or after it.
    Retrospective,
    /// No actual first enrolment date or no witnessed time.
    NotDeterminable,
}

/// The registration's timing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prospective {
    /// The verdict on timing.
    pub status: ProspectiveStatus,
    /// The registration's witnessed time (RFC 3339 UTC).
    pub registration_witnessed: Option<String>,
    /// The actual first enrolment date used (see the module docs).
    pub actual_first_enrolment: Option<Date>,
}

/// Which version of the registration counts as pre-specified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrespecifiedFrom {
    /// Log index of the registration or amendment used.
    pub index: u64,
    /// Why that one.
    pub note: String,
}

/// Whether a document (by digest) was supplied and matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Supplied, and a subject of the trial's entries.
    Matched,
    /// Supplied, and no subject has its digest: an integrity failure.
    Unmatched,
    /// A subject for which no document was supplied (not a failure).
    NotSupplied,
}

/// A subject of one of the trial's entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectRef {
    /// The entry's log index.
    pub index: u64,
    /// The entry's kind.
    pub kind: PredicateKind,
    /// The subject's name.
    pub name: String,
    /// Its role annotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Its version annotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One document row: a supplied document, or a subject nobody supplied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRow {
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Matched, unmatched or not supplied.
    pub status: DocumentStatus,
    /// The supplied document's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The subjects with this digest (empty when unmatched).
    pub subjects: Vec<SubjectRef>,
}

/// The verification report (serialised as the CLI's `--json` output).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The overall result.
    pub verdict: Verdict,
    /// The bundle's trial id, as given.
    pub trial_id: String,
    /// The bundle's origin, as given.
    pub origin: String,
    /// The head checkpoint, when trusted.
    pub head: Option<HeadSummary>,
    /// Every check, in order: bundle, head, trial id, each entry's, documents, findings.
    pub checks: Vec<Check>,
    /// The trial's entries with witnessed times.
    pub timeline: Vec<TimelineEntry>,
    /// Whether the registration was prospective.
    pub prospective: Prospective,
    /// Which registration version the outcomes are compared against.
    pub prespecified_from: Option<PrespecifiedFrom>,
    /// Log index of the results entry compared (the latest), if any.
    pub results_index: Option<u64>,
    /// The outcome table (empty without a results entry).
    pub outcomes: Vec<OutcomeRow>,
    /// Totals of the outcome table.
    pub outcome_counts: Option<OutcomeCounts>,
    /// Supplied documents and the subjects nobody supplied.
    pub documents: Vec<DocumentRow>,
    /// One sentence per finding.
    pub findings: Vec<String>,
}

impl Report {
    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.ok)
    }

    /// The checks with this name.
    pub fn checks_named(&self, name: CheckName) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(move |c| c.name == name)
    }

    /// Whether every check with this name passed (and there is at least one).
    pub fn passed(&self, name: CheckName) -> bool {
        let mut any = false;
        for check in self.checks_named(name) {
            if !check.ok {
                return false;
            }
            any = true;
        }
        any
    }

    /// The report as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        // Strings, numbers, lists and unit enums only: cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Parses and verifies a bundle: the error is for input that cannot be
/// used at all ([`Bundle::parse`]); everything else is a check of the report.
pub fn verify_bundle(
    bundle: &[u8],
    policy: &Policy,
    documents: &[SuppliedDocument],
) -> Result<Report, BundleError> {
    Ok(Bundle::parse(bundle)?.verify(policy, documents))
}

impl Bundle {
    /// Verifies the bundle under `policy`, matching `documents` against the
    /// subjects (see the [module documentation](crate::report)). Never panics.
    pub fn verify(&self, policy: &Policy, documents: &[SuppliedDocument]) -> Report {
        Verification::new(self, policy).run(documents)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a witness timestamp (or a plain number for
/// one beyond year 9999).
pub fn format_time(unix_seconds: u64) -> String {
    i64::try_from(unix_seconds)
        .ok()
        .and_then(Timestamp::from_unix_seconds)
        .map_or_else(|| format!("unix time {unix_seconds}"), |t| t.to_string())
}

/// What the verification keeps of an entry that parsed and belongs to the trial.
struct Parsed {
    index: u64,
    kind: PredicateKind,
    subjects: Vec<crate::statement::Subject>,
    applied: bool,
    actual_first_enrolment: Option<Date>,
}

struct Verification<'a> {
    bundle: &'a Bundle,
    policy: &'a Policy,
    checks: Vec<Check>,
    findings: Vec<String>,
    /// Policy evaluations by note text (entries often share anchors).
    evaluated: BTreeMap<&'a str, Result<TrustedCheckpoint, PolicyError>>,
    /// Witnessed time of each entry, by index.
    witnessed: BTreeMap<u64, u64>,
    ledger: Ledger,
    parsed: Vec<Parsed>,
    timeline: Vec<TimelineEntry>,
}

fn describe_trusted(t: &TrustedCheckpoint, quorum: usize) -> String {
    let mut s = format!(
        "checkpoint of size {} (root {}): log signature and {} listed witness cosignature{} (quorum {quorum})",
        t.checkpoint.size,
        BASE64.encode(t.checkpoint.root),
        t.cosignatures.len(),
        if t.cosignatures.len() == 1 { "" } else { "s" },
    );
    for (i, c) in t.cosignatures.iter().enumerate() {
        let _ = write!(
            s,
            "{}{} at {}",
            if i == 0 { ": " } else { ", " },
            c.witness,
            format_time(c.timestamp)
        );
    }
    if let Some(q) = t.quorum_time {
        let _ = write!(s, "; quorum time {}", format_time(q));
    }
    s
}

/// `1 proof hash`, `3 proof hashes`.
fn hashes(n: usize) -> String {
    format!("{n} proof hash{}", if n == 1 { "" } else { "es" })
}

/// Decodes base64 proof hashes, naming the first one that does not decode.
fn decode_proof(what: &str, hashes: &[String]) -> Result<Vec<Vec<u8>>, String> {
    hashes
        .iter()
        .enumerate()
        .map(|(i, h)| {
            BASE64
                .decode(h)
                .map_err(|_| format!("{what}[{i}] is not standard base64"))
        })
        .collect()
}

impl<'a> Verification<'a> {
    fn new(bundle: &'a Bundle, policy: &'a Policy) -> Verification<'a> {
        Verification {
            bundle,
            policy,
            checks: Vec::new(),
            findings: Vec::new(),
            evaluated: BTreeMap::new(),
            witnessed: BTreeMap::new(),
            ledger: Ledger::new(),
            parsed: Vec::new(),
            timeline: Vec::new(),
        }
    }

    fn check(
        &mut self,
        name: CheckName,
        index: Option<u64>,
        result: Result<String, String>,
    ) -> bool {
        let ok = result.is_ok();
        let detail = result.unwrap_or_else(|e| e);
        self.checks.push(Check {
            name,
            ok,
            detail,
            index,
            category: name.category(),
        });
        ok
    }

    fn evaluate(&mut self, note: &'a str) -> Result<TrustedCheckpoint, PolicyError> {
        let policy = self.policy;
        self.evaluated
            .entry(note)
            .or_insert_with(|| policy.evaluate(note.as_bytes()))
            .clone()
    }

    fn run(mut self, documents: &[SuppliedDocument]) -> Report {
        let bundle = self.bundle;
        let policy = self.policy;
        self.check(
            CheckName::BundleFormat,
            None,
            if bundle.format == BUNDLE_FORMAT {
                Ok(format!("format {BUNDLE_FORMAT}"))
            } else {
                Err(format!(
                    "format is {:?}; this verifier reads {BUNDLE_FORMAT}",
                    bundle.format.chars().take(80).collect::<String>()
                ))
            },
        );
        self.check(
            CheckName::BundleOrigin,
            None,
            if bundle.origin == policy.origin() {
                Ok(format!("log {}", policy.origin()))
            } else {
                Err(format!(
                    "the bundle is from log {:?}, but the policy trusts log {:?}",
                    bundle.origin.chars().take(200).collect::<String>(),
                    policy.origin()
                ))
            },
        );
        self.check(CheckName::BundleEntries, None, self.entries_order());

        let head = self.evaluate(&bundle.head);
        let head_summary = head.as_ref().ok().map(|t| HeadSummary {
            size: t.checkpoint.size,
            root: BASE64.encode(t.checkpoint.root),
            witnessed_time: t.quorum_time.map(format_time),
            cosigned_by: t.cosignatures.iter().map(|c| c.witness.clone()).collect(),
        });
        self.check(
            CheckName::HeadTrusted,
            None,
            match &head {
                Ok(t) => Ok(describe_trusted(t, policy.quorum())),
                Err(e) => Err(format!("the head is not trusted: {e}")),
            },
        );
        let trial_id_position = self.checks.len();
        let head = head.ok();

        for entry in &bundle.entries {
            self.verify_entry(entry, head.as_ref());
        }
        let trial_id_check = self.trial_id_check();
        let ok = trial_id_check.is_ok();
        self.checks.insert(
            trial_id_position,
            Check {
                name: CheckName::TrialId,
                ok,
                detail: trial_id_check.unwrap_or_else(|e| e),
                index: None,
                category: CheckName::TrialId.category(),
            },
        );

        let documents = self.documents(documents);
        let trial_id: Option<TrialId> = bundle.trial_id.parse().ok();
        let history = trial_id
            .as_ref()
            .and_then(|id| self.ledger.trial(id))
            .cloned();
        let registration_witnessed = history
            .as_ref()
            .and_then(|h| h.registration())
            .and_then(|r| self.witnessed.get(&r.index).copied());

        // The earliest actual first enrolment date of the verified status entries.
        let mut stated: Vec<(u64, Date)> = self
            .parsed
            .iter()
            .filter(|p| p.applied)
            .filter_map(|p| p.actual_first_enrolment.map(|d| (p.index, d)))
            .collect();
        let enrolment = stated.iter().map(|(_, d)| *d).min();
        stated.dedup_by_key(|(_, d)| *d);
        let moved = if stated.len() > 1 {
            format!(
                " (status entries state different dates: {})",
                stated
                    .iter()
                    .map(|(i, d)| format!("{d} in entry {i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };

        let prospective =
            self.prospective(registration_witnessed, enrolment, &moved, history.is_some());
        let (prespecified_from, results_index, comparison) =
            self.outcomes(history.as_ref(), enrolment);

        let integrity_ok = self
            .checks
            .iter()
            .all(|c| c.ok || c.category != Category::Integrity);
        let findings_ok = self.checks.iter().all(|c| c.ok);
        let verdict = match (integrity_ok, findings_ok) {
            (false, _) => Verdict::Failed,
            (true, false) => Verdict::Findings,
            (true, true) => Verdict::Verified,
        };
        Report {
            verdict,
            trial_id: bundle.trial_id.clone(),
            origin: bundle.origin.clone(),
            head: head_summary,
            checks: self.checks,
            timeline: self.timeline,
            prospective,
            prespecified_from,
            results_index,
            outcome_counts: comparison.as_ref().map(|c| c.counts),
            outcomes: comparison.map(|c| c.rows).unwrap_or_default(),
            documents,
            findings: self.findings,
        }
    }

    fn entries_order(&self) -> Result<String, String> {
        let entries = &self.bundle.entries;
        if entries.is_empty() {
            return Err("the bundle has no entries; it needs at least the registration".into());
        }
        for pair in entries.windows(2) {
            if pair[1].index <= pair[0].index {
                return Err(format!(
                    "entry index {} follows index {}: entries must be in strictly increasing log order",
                    pair[1].index, pair[0].index
                ));
            }
        }
        Ok(format!(
            "{} entr{}, indexes {}",
            entries.len(),
            if entries.len() == 1 { "y" } else { "ies" },
            entries
                .iter()
                .map(|e| e.index.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }

    fn trial_id_check(&self) -> Result<String, String> {
        let bundle = self.bundle;
        let claimed: TrialId = bundle.trial_id.parse().map_err(|e| format!("{e}"))?;
        let first = bundle
            .entries
            .first()
            .ok_or_else(|| "the bundle has no entries".to_owned())?;
        let bytes = first
            .entry_bytes()
            .ok_or_else(|| format!("the first entry ({}) is not base64", first.index))?;
        let is_registration = self
            .parsed
            .iter()
            .any(|p| p.index == first.index && p.kind == PredicateKind::Registration);
        if !is_registration
            && !Entry::parse(&bytes).is_ok_and(|e| e.kind() == PredicateKind::Registration)
        {
            return Err(format!(
                "the first entry ({}) is not a valid registration; a bundle starts with the trial's registration",
                first.index
            ));
        }
        let derived = TrialId::for_registration(&bytes);
        if derived != claimed {
            return Err(format!(
                "the first entry ({}) registers trial {derived}, not {claimed}",
                first.index
            ));
        }
        Ok(format!(
            "{claimed} is derived from the registration's entry_hash {}",
            crate::entry::entry_hash(&bytes)
        ))
    }

    fn verify_entry(
        &mut self,
        e: &'a crate::bundle::BundleEntry,
        head: Option<&TrustedCheckpoint>,
    ) {
        let index = Some(e.index);
        let first_check = self.checks.len();
        let bytes = BASE64.decode(&e.entry).ok();

        // The anchor.
        let anchor = self.evaluate(&e.anchor);
        let quorum = self.policy.quorum();
        self.check(
            CheckName::EntryAnchor,
            index,
            match &anchor {
                Ok(t) => Ok(describe_trusted(t, quorum)),
                Err(err) => Err(format!("the anchor is not trusted: {err}")),
            },
        );
        let anchor = anchor.ok();
        self.check(
            CheckName::EntryAnchorCovers,
            index,
            match &anchor {
                None => Err("not checked: the anchor is not trusted".into()),
                Some(t) if t.checkpoint.size > e.index => Ok(format!(
                    "the anchor's tree of size {} contains index {}",
                    t.checkpoint.size, e.index
                )),
                Some(t) => Err(format!(
                    "the anchor's tree has {} leaves, so it cannot contain index {}",
                    t.checkpoint.size, e.index
                )),
            },
        );

        // Inclusion under the anchor.
        let inclusion = match (&anchor, &bytes) {
            (None, _) => Err("not checked: the anchor is not trusted".into()),
            (_, None) => Err("not checked: the entry is not standard base64".into()),
            (Some(t), Some(bytes)) => decode_proof("inclusion", &e.inclusion).and_then(|proof| {
                merkle::verify_inclusion_bytes(
                    &merkle::leaf_hash(bytes),
                    e.index,
                    t.checkpoint.size,
                    &proof,
                    &t.checkpoint.root,
                )
                .map(|()| {
                    format!(
                        "leaf {} is in the anchor's tree of size {} ({})",
                        e.index,
                        t.checkpoint.size,
                        hashes(proof.len())
                    )
                })
                .map_err(|err| format!("the inclusion proof does not verify: {err}"))
            }),
        };
        self.check(CheckName::EntryInclusion, index, inclusion);

        // Consistency of the anchor with the head.
        let consistency = match (&anchor, head) {
            (None, _) => Err("not checked: the anchor is not trusted".into()),
            (_, None) => Err("not checked: the head is not trusted".into()),
            (Some(a), Some(h)) => decode_proof("consistency", &e.consistency).and_then(|proof| {
                let (old, new) = (&a.checkpoint, &h.checkpoint);
                merkle::verify_consistency_bytes(old.size, new.size, &old.root, &new.root, &proof)
                    .map(|()| {
                        if old.size == new.size {
                            format!("the anchor is the head's tree (size {})", new.size)
                        } else {
                            format!(
                                "the anchor's tree of size {} is a prefix of the head's of size {} ({})",
                                old.size,
                                new.size,
                                hashes(proof.len())
                            )
                        }
                    })
                    .map_err(|err| format!("the anchor is not consistent with the head: {err}"))
            }),
        };
        self.check(CheckName::EntryConsistency, index, consistency);

        // The entry itself.
        let entry = match &bytes {
            None => Err("the entry is not standard base64".to_owned()),
            Some(bytes) => Entry::parse(bytes).map_err(|err| format!("invalid entry: {err}")),
        };
        self.check(
            CheckName::EntrySignature,
            index,
            match &entry {
                Ok(parsed) => Ok(format!(
                    "{} entry {} signed by {}",
                    parsed.kind(),
                    parsed.entry_hash(),
                    crate::entry::encode_signer_key(parsed.signer_key())
                )),
                Err(err) => Err(err.clone()),
            },
        );
        let entry = entry.ok();
        let belongs = match &entry {
            None => Err("not checked: the entry is not valid".to_owned()),
            Some(parsed) if parsed.trial_id().as_str() == self.bundle.trial_id => {
                Ok(format!("belongs to trial {}", parsed.trial_id()))
            }
            Some(parsed) => Err(format!(
                "the entry belongs to trial {}, not {}",
                parsed.trial_id(),
                self.bundle.trial_id.chars().take(80).collect::<String>()
            )),
        };
        let belongs = self.check(CheckName::EntryTrial, index, belongs);

        // The timeline row, then the trial rules (which take the entry).
        let witnessed = anchor.as_ref().and_then(|t| t.quorum_time);
        let mut row = TimelineEntry {
            index: e.index,
            kind: entry.as_ref().map(Entry::kind),
            entry_hash: bytes.as_deref().map(crate::entry::entry_hash),
            witnessed_time: witnessed.map(format_time),
            witnessed_unix: witnessed,
            created_at: entry.as_ref().map(|p| p.created_at().to_string()),
            reason: None,
            recruitment_status: None,
            dates: TimelineDates::default(),
            ok: false,
        };
        let mut actual_first_enrolment = None;
        if let Some(parsed) = &entry {
            match parsed.predicate() {
                Predicate::Registration(p) => {
                    row.recruitment_status = Some(p.trial.recruitment_status);
                    row.dates.anticipated_first_enrolment = Some(p.trial.date_of_first_enrolment);
                }
                Predicate::Amendment(p) => {
                    row.reason = Some(p.reason.clone());
                    row.recruitment_status = Some(p.trial.recruitment_status);
                    row.dates.anticipated_first_enrolment = Some(p.trial.date_of_first_enrolment);
                }
                Predicate::Status(p) => {
                    row.recruitment_status = Some(p.recruitment_status);
                    row.dates.actual_first_enrolment = p.actual_first_enrolment;
                    row.dates.actual_completion = p.actual_completion;
                    actual_first_enrolment = p.actual_first_enrolment;
                }
                Predicate::Results(_) | Predicate::Consent(_) => {}
            }
        }
        let rules = match entry {
            None => Err("not checked: the entry is not valid".to_owned()),
            Some(_) if !belongs => {
                Err("not applied: the entry belongs to another trial".to_owned())
            }
            Some(parsed) => {
                let kind = parsed.kind();
                let subjects = parsed.subjects().to_vec();
                let result = self.ledger.apply_entry(e.index, parsed);
                let applied = result.is_ok();
                self.parsed.push(Parsed {
                    index: e.index,
                    kind,
                    subjects,
                    applied,
                    actual_first_enrolment,
                });
                result
                    .map(|a| match a.kind {
                        PredicateKind::Registration => {
                            format!("registration of trial {}; its key owns the trial", a.trial_id)
                        }
                        PredicateKind::Consent => {
                            "consent entry for one of the trial's registered consent forms".into()
                        }
                        kind => format!(
                            "{kind} signed by the trial's owner key; prev is the trial's previous entry"
                        ),
                    })
                    .map_err(|err| err.to_string())
            }
        };
        self.check(CheckName::EntryRules, index, rules);

        self.check(
            CheckName::EntryWitnessedTime,
            index,
            match &anchor {
                None => Err("not checked: the anchor is not trusted".into()),
                Some(t) => match t.quorum_time {
                    Some(time) => Ok(format!(
                        "existed by {} (quorum time of the checkpoint of size {})",
                        format_time(time),
                        t.checkpoint.size
                    )),
                    None => Ok("no witnessed time: the policy's quorum is 0".into()),
                },
            },
        );
        if let Some(time) = witnessed {
            self.witnessed.insert(e.index, time);
        }
        row.ok = self.checks[first_check..].iter().all(|c| c.ok);
        self.timeline.push(row);
    }

    fn documents(&mut self, documents: &[SuppliedDocument]) -> Vec<DocumentRow> {
        // Subjects by digest, in log order.
        let mut subjects: BTreeMap<String, Vec<SubjectRef>> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for p in &self.parsed {
            for s in &p.subjects {
                let refs = subjects.entry(s.digest.sha256.clone()).or_default();
                if refs.is_empty() {
                    order.push(s.digest.sha256.clone());
                }
                refs.push(SubjectRef {
                    index: p.index,
                    kind: p.kind,
                    name: s.name.clone(),
                    role: s.role().map(str::to_owned),
                    version: s.version().map(str::to_owned),
                });
            }
        }
        let mut rows = Vec::new();
        let mut supplied: Vec<String> = Vec::new();
        for doc in documents {
            let sha256 = hex(&doc.sha256);
            let refs = subjects.get(&sha256).cloned().unwrap_or_default();
            let result = match refs.first() {
                Some(first) => Ok(format!(
                    "{} (sha256 {sha256}) is {} of entry {} ({}){}",
                    doc.name,
                    first.name,
                    first.index,
                    first.kind,
                    if refs.len() > 1 {
                        format!(" and {} more subject(s)", refs.len() - 1)
                    } else {
                        String::new()
                    }
                )),
                None => Err(format!(
                    "{} (sha256 {sha256}) matches no subject of trial {}'s entries: it is not the document that was registered",
                    doc.name, self.bundle.trial_id
                )),
            };
            let status = if result.is_ok() {
                DocumentStatus::Matched
            } else {
                DocumentStatus::Unmatched
            };
            self.check(CheckName::Document, None, result);
            rows.push(DocumentRow {
                sha256: sha256.clone(),
                status,
                file: Some(doc.name.clone()),
                subjects: refs,
            });
            supplied.push(sha256);
        }
        for sha256 in order {
            if supplied.contains(&sha256) {
                continue;
            }
            let refs = subjects.remove(&sha256).unwrap_or_default();
            // Consent commitments are not documents a reviewer holds.
            if refs
                .iter()
                .all(|r| r.role.as_deref() == Some(ROLE_CONSENT_RECORD))
            {
                continue;
            }
            rows.push(DocumentRow {
                sha256,
                status: DocumentStatus::NotSupplied,
                file: None,
                subjects: refs,
            });
        }
        rows
    }

    fn prospective(
        &mut self,
        registration_witnessed: Option<u64>,
        enrolment: Option<Date>,
        moved: &str,
        registered: bool,
    ) -> Prospective {
        let (status, result) = match (registered, registration_witnessed, enrolment) {
            (false, _, _) => (
                ProspectiveStatus::NotDeterminable,
                Ok("not determinable: the trial's registration did not verify".to_owned()),
            ),
            (true, _, None) => (
                ProspectiveStatus::NotDeterminable,
                Ok(
                    "not determinable: no status entry gives an actual first enrolment date"
                        .to_owned(),
                ),
            ),
            (true, None, Some(date)) => (
                ProspectiveStatus::NotDeterminable,
                Ok(format!(
                    "not determinable: the registration has no witnessed time (actual first enrolment {date}{moved})"
                )),
            ),
            (true, Some(time), Some(date)) => {
                if i128::from(time) < i128::from(date.start_unix_seconds()) {
                    (
                        ProspectiveStatus::Prospective,
                        Ok(format!(
                            "registered prospectively: witnessed {}, before the actual first enrolment on {date}{moved}",
                            format_time(time)
                        )),
                    )
                } else {
                    let message = format!(
                        "registered retrospectively: witnessed {}, not before the actual first enrolment on {date}{moved}",
                        format_time(time)
                    );
                    self.findings.push(message.clone());
                    (ProspectiveStatus::Retrospective, Err(message))
                }
            }
        };
        self.check(CheckName::TrialProspective, None, result);
        Prospective {
            status,
            registration_witnessed: registration_witnessed.map(format_time),
            actual_first_enrolment: enrolment,
        }
    }

    fn outcomes(
        &mut self,
        history: Option<&crate::trial::TrialHistory>,
        enrolment: Option<Date>,
    ) -> (
        Option<PrespecifiedFrom>,
        Option<u64>,
        Option<OutcomeComparison>,
    ) {
        let Some(history) = history else {
            self.check(
                CheckName::Outcomes,
                None,
                Ok("not compared: the trial's registration did not verify".into()),
            );
            return (None, None, None);
        };
        let Some(original) = history.registration() else {
            self.check(
                CheckName::Outcomes,
                None,
                Ok("not compared: no registration".into()),
            );
            return (None, None, None);
        };
        let (version, note) = match enrolment {
            None => (
                original,
                format!(
                    "no actual first enrolment date on the ledger: the original registration (entry {}) is taken as pre-specified",
                    original.index
                ),
            ),
            Some(date) => {
                let start = i128::from(date.start_unix_seconds());
                let before = history.versions.iter().rev().find(|v| {
                    self.witnessed
                        .get(&v.index)
                        .is_some_and(|&t| i128::from(t) < start)
                });
                match before {
                    Some(v) if v.index == original.index => (
                        v,
                        format!(
                            "the original registration (entry {}): no amendment was witnessed before the actual first enrolment on {date}",
                            v.index
                        ),
                    ),
                    Some(v) => (
                        v,
                        format!(
                            "the registration as amended by entry {}, the last amendment witnessed before the actual first enrolment on {date}",
                            v.index
                        ),
                    ),
                    None => (
                        original,
                        format!(
                            "no version of the registration was witnessed before the actual first enrolment on {date}: the original registration (entry {}) is taken as pre-specified",
                            original.index
                        ),
                    ),
                }
            }
        };
        let prespecified = PrespecifiedFrom {
            index: version.index,
            note,
        };
        let Some(results) = history.latest_results() else {
            self.check(
                CheckName::Outcomes,
                None,
                Ok("no results entry yet: nothing to compare".into()),
            );
            return (Some(prespecified), None, None);
        };
        let comparison = compare_outcomes(&version.trial, &results.results.outcomes);
        let c = comparison.counts;
        let summary = format!(
            "results entry {} against the pre-specified outcomes of entry {}: {} pre-specified, {} reported as registered, {} changed ({} undeclared), {} missing, {} added ({} undeclared)",
            results.index,
            version.index,
            c.prespecified,
            c.reported,
            c.changed,
            c.changed_undeclared,
            c.missing,
            c.added,
            c.added_undeclared
        );
        for row in comparison.findings() {
            let id = row
                .registered_id
                .as_deref()
                .map(|id| format!("{id} "))
                .unwrap_or_default();
            let what = match row.status {
                crate::compare::OutcomeStatus::Missing => "pre-specified, not reported",
                crate::compare::OutcomeStatus::Changed => "changed without a declared reason",
                crate::compare::OutcomeStatus::Added => "added without a declared reason",
                crate::compare::OutcomeStatus::Reported => "reported",
            };
            self.findings
                .push(format!("outcome {id}\"{}\": {what}", row.measure));
        }
        let result = if comparison.has_findings() {
            Err(summary)
        } else {
            Ok(summary)
        };
        self.check(CheckName::Outcomes, None, result);
        (Some(prespecified), Some(results.index), Some(comparison))
    }
}
