//! The outcome comparison — the COMPare method (DESIGN §5, issue 3 §2).
//!
//! [COMPare](https://compare-trials.org) checked trials in the top medical
//! journals against their registrations and found most of them silently
//! switched outcomes. This module makes the same comparison mechanically,
//! between a trial's **pre-specified** outcomes (the primary and key
//! secondary outcomes of a [`TrialRecord`]) and the outcomes **reported** in
//! its results entry ([`ReportedOutcome`]):
//!
//! | status | meaning | a finding when |
//! |---|---|---|
//! | [`OutcomeStatus::Reported`] | a pre-specified outcome is reported with the same measure, time frame and rank | never |
//! | [`OutcomeStatus::Changed`] | it is reported, but its measure, time frame or primary/secondary rank differs ([`OutcomeRow::changes`] says which) | no `change_reason` is given |
//! | [`OutcomeStatus::Missing`] | no reported outcome matches it | always |
//! | [`OutcomeStatus::Added`] | a reported outcome matches no pre-specified one (including `other`-type outcomes: COMPare counts every non-prespecified outcome) | no `change_reason` is given |
//!
//! A changed or added outcome is **declared** when its reported outcome has
//! a non-empty `change_reason`. A missing outcome can never be declared:
//! the results predicate lists reported outcomes only, so there is nowhere
//! to explain an omission — leaving an outcome out is always a finding, and
//! a sponsor who wants to explain it must report it (e.g. with result "not
//! analysed") and give the reason there.
//!
//! Which registration counts as pre-specified (the one in force before the
//! actual first enrolment, DESIGN §5) is the caller's decision; this module
//! compares whatever [`TrialRecord`] it is given.
//!
//! # Matching
//!
//! Each reported outcome is matched to at most one pre-specified outcome and
//! each pre-specified outcome to at most one reported outcome:
//!
//! 1. **By id.** A reported outcome with a (non-blank) `registered_id` is
//!    matched to the pre-specified outcome with that id and to nothing else.
//!    An id that names no pre-specified outcome, or one already claimed by
//!    an earlier reported outcome, makes the outcome `added`, with a
//!    [`OutcomeRow::note`] saying why.
//! 2. **By text**, for reported outcomes without an id: measures are
//!    compared after [`normalize_measure`] (lowercase, punctuation to space,
//!    bracketed abbreviations and units dropped, whitespace collapsed).
//!    They are *equivalent* when the normalised texts are equal (unless
//!    both named an instrument in brackets and the names differ: `Pain
//!    (VAS)` and `Pain (NRS)` are similar, not equivalent), or when one
//!    measure is exactly the trailing bracketed abbreviation of the other
//!    (`BMI` and `Body mass index (BMI)`).
//! 3. **By similar text**, as a conservative fallback: token-set Jaccard
//!    similarity of the normalised measures of at least 0.8, or one
//!    normalised measure contained (as a run of whole words) in the other
//!    when the shorter has at least 3 words. A similar match is always
//!    reported as a changed measure, so that a human looks at it.
//!
//! Steps 2 and 3 are one greedy assignment: every candidate pair is ranked
//! by (equivalent before similar, higher similarity, same time frame, same
//! rank, registration order, reported order) and taken best first when both
//! sides are still free. The result is deterministic and independent of
//! hash seeds (no hash maps are involved).
//!
//! Time frames are compared after [`normalize_time_frame`], which also
//! folds number words (`six` → `6`), unit plurals and short forms
//! (`weeks`, `wks` → `week`) and the order of a unit and the number after it
//! (`Week 6` → `6 week`), so `6 weeks`, `6 Weeks`, `six weeks` and `Week 6`
//! are the same time frame. Anything more (`24 months` vs `2 years`,
//! `weeks 6 and 12` vs `6 and 12 weeks`) is reported as a changed time frame.
//!
//! # Known weaknesses
//!
//! - No Unicode normalisation (NFC/NFKC): a precomposed `é` and `e` + a
//!   combining accent differ (full-width ASCII is folded, though).
//! - Which bracketed words are dropped from a measure is a heuristic: a
//!   single word that looks like an abbreviation (a digit, two capitals, or
//!   a capital after the first letter) or is a listed unit. So `Pain
//!   (VAS)` equals `Pain` and `Pain (Worst)` does not; lowercase or
//!   single-capital abbreviations such as `(Hb)` or `(sdq)` stay as words
//!   (listed units like `(ml/min)` go). An instrument named in brackets on
//!   one side only is not a change (`Pain` vs `Pain (VAS)`).
//! - Similarity is lexical: `adverse events` and `serious adverse events`
//!   can match (as a changed measure), while a rewording with different
//!   words (`HbA1c` vs `glycated haemoglobin` without the bracket) cannot
//!   match and shows as one missing and one added outcome.
//! - Greedy assignment is not a global optimum; with several similar
//!   candidates a pairing can be suboptimal (never a double match).

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::predicate::{Outcome, OutcomeType, ReportedOutcome, TrialRecord};

/// What happened to an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    /// Pre-specified and reported as registered.
    Reported,
    /// Pre-specified, not reported.
    Missing,
    /// Pre-specified, reported with a different measure, time frame or rank.
    Changed,
    /// Reported, not pre-specified.
    Added,
}

/// How a pre-specified outcome was paired with a reported one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The reported outcome's `registered_id` names it.
    Id,
    /// Equivalent normalised measure text.
    Text,
    /// Similar (not equivalent) measure text; the measure counts as changed.
    Similar,
    /// Not paired (missing or added).
    None,
}

/// The attribute of an outcome that differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeField {
    /// The measure (what is measured).
    Measure,
    /// The time frame (when it is measured).
    TimeFrame,
    /// The rank: primary, secondary or other.
    Type,
}

/// One difference between a pre-specified outcome and the reported outcome
/// it was paired with; both texts exactly as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// What differs.
    pub field: ChangeField,
    /// The registered value (for [`ChangeField::Type`]: `primary` or `secondary`).
    pub registered: String,
    /// The reported value (for [`ChangeField::Type`]: `primary`, `secondary` or `other`).
    pub reported: String,
}

/// One line of the outcome table: a pre-specified outcome (reported,
/// changed or missing) or a reported outcome that was not pre-specified
/// (added).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeRow {
    /// The pre-specified outcome's id; for an added outcome, the
    /// `registered_id` it was reported with, if any.
    pub registered_id: Option<String>,
    /// The registered measure; for an added outcome, the reported one.
    pub measure: String,
    /// The registered rank (`primary` or `secondary`); for an added
    /// outcome, the reported one. JSON field `type`.
    #[serde(rename = "type")]
    pub outcome_type: OutcomeType,
    /// The registered time frame; for an added outcome, the reported one.
    pub time_frame: String,
    /// What happened to the outcome.
    pub status: OutcomeStatus,
    /// Whether the reported outcome gives a non-empty `change_reason`.
    /// Decides whether a changed or added outcome is a finding; always
    /// `false` for a missing outcome (nowhere to declare it); shown but
    /// irrelevant for a reported one.
    pub declared: bool,
    /// The reported outcome's `change_reason`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_reason: Option<String>,
    /// For a changed outcome, what differs (in the order measure, time
    /// frame, type); empty otherwise.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// How the pairing was made.
    pub matched_by: MatchedBy,
    /// Index of the reported outcome in the results' `outcomes` list
    /// (`None` for a missing outcome).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_index: Option<usize>,
    /// Why the matching did what it did, when that is not obvious (an id
    /// that names nothing, a similar-text match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl OutcomeRow {
    /// Whether this row is a finding: missing, or changed/added without a
    /// declared reason.
    pub fn is_finding(&self) -> bool {
        match self.status {
            OutcomeStatus::Reported => false,
            OutcomeStatus::Missing => true,
            OutcomeStatus::Changed | OutcomeStatus::Added => !self.declared,
        }
    }
}

/// How many outcomes ended up in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCounts {
    /// Pre-specified outcomes (primary + key secondary).
    pub prespecified: usize,
    /// Outcomes in the results.
    pub results: usize,
    /// Pre-specified outcomes reported as registered.
    pub reported: usize,
    /// Pre-specified outcomes reported with changes.
    pub changed: usize,
    /// Of those, without a declared reason.
    pub changed_undeclared: usize,
    /// Pre-specified outcomes not reported.
    pub missing: usize,
    /// Reported outcomes that were not pre-specified.
    pub added: usize,
    /// Of those, without a declared reason.
    pub added_undeclared: usize,
}

/// The outcome comparison: one row per pre-specified outcome (in
/// registration order, primary outcomes first), then one row per added
/// outcome (in reported order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeComparison {
    /// The outcome table.
    pub rows: Vec<OutcomeRow>,
    /// Totals per status.
    pub counts: OutcomeCounts,
}

impl OutcomeComparison {
    /// Whether anything needs a reviewer's attention: a missing outcome, or
    /// a changed or added outcome without a declared reason.
    pub fn has_findings(&self) -> bool {
        self.rows.iter().any(OutcomeRow::is_finding)
    }

    /// The rows that are findings.
    pub fn findings(&self) -> impl Iterator<Item = &OutcomeRow> {
        self.rows.iter().filter(|r| r.is_finding())
    }
}

/// Compares the pre-specified outcomes of `prespecified` (its primary and
/// key secondary outcomes) with the `reported` outcomes of a results entry.
/// See the [module documentation](self) for the method.
pub fn compare_outcomes(
    prespecified: &TrialRecord,
    reported: &[ReportedOutcome],
) -> OutcomeComparison {
    compare_outcome_lists(
        &prespecified.primary_outcomes,
        &prespecified.secondary_outcomes,
        reported,
    )
}

/// [`compare_outcomes`] on bare lists of primary and secondary outcomes.
pub fn compare_outcome_lists(
    primary: &[Outcome],
    secondary: &[Outcome],
    reported: &[ReportedOutcome],
) -> OutcomeComparison {
    let pres: Vec<Prepared> = primary
        .iter()
        .map(|o| (o, OutcomeType::Primary))
        .chain(secondary.iter().map(|o| (o, OutcomeType::Secondary)))
        .map(|(o, rank)| Prepared::new(&o.measure, &o.time_frame, rank))
        .collect();
    let reps: Vec<Prepared> = reported
        .iter()
        .map(|r| Prepared::new(&r.measure, &r.time_frame, r.outcome_type))
        .collect();
    let ids: Vec<&str> = primary
        .iter()
        .chain(secondary)
        .map(|o| o.id.trim())
        .collect();

    // pre index -> (reported index, how)
    let mut pre_match: Vec<Option<(usize, MatchedBy)>> = vec![None; pres.len()];
    // reported index -> matched or why it was added
    let mut rep_taken: Vec<bool> = vec![false; reps.len()];
    let mut rep_note: Vec<Option<String>> = vec![None; reps.len()];

    // 1. By id: ids always win, and an id never falls back to text.
    for (j, r) in reported.iter().enumerate() {
        let Some(id) = registered_id(r) else {
            continue;
        };
        rep_taken[j] = true;
        match ids.iter().position(|&pid| pid == id) {
            None => {
                rep_note[j] = Some(format!(
                    "registered_id {id:?} names no pre-specified outcome"
                ));
            }
            Some(i) => match pre_match[i] {
                Some((k, _)) => {
                    rep_note[j] = Some(format!(
                        "registered_id {id:?} is already reported by outcome #{k}"
                    ));
                }
                None => pre_match[i] = Some((j, MatchedBy::Id)),
            },
        }
    }

    // 2 and 3. By equivalent or similar text, greedy, best pair first.
    let mut candidates: Vec<Candidate> = Vec::new();
    for (i, p) in pres.iter().enumerate() {
        if pre_match[i].is_some() {
            continue;
        }
        for (j, r) in reps.iter().enumerate() {
            if rep_taken[j] {
                continue;
            }
            if let Some((tier, score)) = text_match(p, r) {
                candidates.push(Candidate {
                    tier,
                    score,
                    same_time_frame: p.time_frame == r.time_frame,
                    same_rank: p.rank == r.rank,
                    pre: i,
                    rep: j,
                });
            }
        }
    }
    candidates.sort_by(Candidate::best_first);
    for c in &candidates {
        if pre_match[c.pre].is_none() && !rep_taken[c.rep] {
            let by = match c.tier {
                Tier::Equivalent => MatchedBy::Text,
                Tier::Similar => MatchedBy::Similar,
            };
            pre_match[c.pre] = Some((c.rep, by));
            rep_taken[c.rep] = true;
        }
    }

    // Rows: pre-specified outcomes in order, then added ones in order.
    let mut rows = Vec::with_capacity(pres.len() + reps.len());
    let registered = primary.iter().chain(secondary);
    for ((i, o), p) in registered.enumerate().zip(&pres) {
        let row = match pre_match[i] {
            None => OutcomeRow {
                registered_id: Some(o.id.clone()),
                measure: o.measure.clone(),
                outcome_type: p.rank,
                time_frame: o.time_frame.clone(),
                status: OutcomeStatus::Missing,
                declared: false,
                change_reason: None,
                changes: Vec::new(),
                matched_by: MatchedBy::None,
                reported_index: None,
                note: None,
            },
            Some((j, by)) => {
                let (r, rp) = (&reported[j], &reps[j]);
                let mut changes = Vec::new();
                if !p.equivalent_measure(rp) {
                    changes.push(Change {
                        field: ChangeField::Measure,
                        registered: o.measure.clone(),
                        reported: r.measure.clone(),
                    });
                }
                if p.time_frame != rp.time_frame {
                    changes.push(Change {
                        field: ChangeField::TimeFrame,
                        registered: o.time_frame.clone(),
                        reported: r.time_frame.clone(),
                    });
                }
                if p.rank != rp.rank {
                    changes.push(Change {
                        field: ChangeField::Type,
                        registered: rank_name(p.rank).to_owned(),
                        reported: rank_name(rp.rank).to_owned(),
                    });
                }
                let note = (by == MatchedBy::Similar).then(|| {
                    format!(
                        "matched by similar wording to reported outcome #{j} {:?}",
                        r.measure
                    )
                });
                OutcomeRow {
                    registered_id: Some(o.id.clone()),
                    measure: o.measure.clone(),
                    outcome_type: p.rank,
                    time_frame: o.time_frame.clone(),
                    status: if changes.is_empty() {
                        OutcomeStatus::Reported
                    } else {
                        OutcomeStatus::Changed
                    },
                    declared: has_reason(r),
                    change_reason: r.change_reason.clone(),
                    changes,
                    matched_by: by,
                    reported_index: Some(j),
                    note,
                }
            }
        };
        rows.push(row);
    }
    let matched: BTreeSet<usize> = pre_match.iter().flatten().map(|&(j, _)| j).collect();
    for (j, r) in reported.iter().enumerate() {
        if matched.contains(&j) {
            continue;
        }
        rows.push(OutcomeRow {
            registered_id: r.registered_id.clone(),
            measure: r.measure.clone(),
            outcome_type: r.outcome_type,
            time_frame: r.time_frame.clone(),
            status: OutcomeStatus::Added,
            declared: has_reason(r),
            change_reason: r.change_reason.clone(),
            changes: Vec::new(),
            matched_by: MatchedBy::None,
            reported_index: Some(j),
            note: rep_note[j].take(),
        });
    }

    let mut counts = OutcomeCounts {
        prespecified: pres.len(),
        results: reported.len(),
        ..OutcomeCounts::default()
    };
    for row in &rows {
        match row.status {
            OutcomeStatus::Reported => counts.reported += 1,
            OutcomeStatus::Missing => counts.missing += 1,
            OutcomeStatus::Changed => {
                counts.changed += 1;
                counts.changed_undeclared += usize::from(!row.declared);
            }
            OutcomeStatus::Added => {
                counts.added += 1;
                counts.added_undeclared += usize::from(!row.declared);
            }
        }
    }
    OutcomeComparison { rows, counts }
}

/// The `registered_id` of a reported outcome, trimmed; blank counts as none.
fn registered_id(r: &ReportedOutcome) -> Option<&str> {
    r.registered_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
}

/// Whether the reported outcome gives a non-blank `change_reason`.
fn has_reason(r: &ReportedOutcome) -> bool {
    r.change_reason
        .as_deref()
        .is_some_and(|reason| !reason.trim().is_empty())
}

fn rank_name(rank: OutcomeType) -> &'static str {
    match rank {
        OutcomeType::Primary => "primary",
        OutcomeType::Secondary => "secondary",
        OutcomeType::Other => "other",
    }
}

// ---------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------

/// An outcome's texts, normalised once.
struct Prepared {
    measure: String,
    /// The normalised trailing bracketed abbreviation, if any.
    abbreviation: Option<String>,
    /// The bracketed abbreviations dropped from the measure.
    dropped: BTreeSet<String>,
    time_frame: String,
    rank: OutcomeType,
}

impl Prepared {
    fn new(measure: &str, time_frame: &str, rank: OutcomeType) -> Prepared {
        Prepared {
            measure: normalize_measure(measure),
            abbreviation: trailing_abbreviation(measure).map(normalize_measure),
            dropped: dropped_abbreviations(measure),
            time_frame: normalize_time_frame(time_frame),
            rank,
        }
    }

    fn equivalent_measure(&self, other: &Prepared) -> bool {
        if self.measure.is_empty() || other.measure.is_empty() {
            return false;
        }
        // Equal once abbreviations are dropped, unless both named an
        // instrument and they differ: `Pain (VAS)` is not `Pain (NRS)`.
        let conflicting = !self.dropped.is_empty()
            && !other.dropped.is_empty()
            && self.dropped.is_disjoint(&other.dropped);
        (self.measure == other.measure && !conflicting)
            || self.abbreviation.as_deref() == Some(other.measure.as_str())
            || other.abbreviation.as_deref() == Some(self.measure.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    Similar,
    Equivalent,
}

/// A similarity as the fraction `shared / total` words.
#[derive(Debug, Clone, Copy)]
struct Score {
    shared: u64,
    total: u64,
}

impl Score {
    fn cmp_value(self, other: Score) -> Ordering {
        (self.shared * other.total).cmp(&(other.shared * self.total))
    }
}

struct Candidate {
    tier: Tier,
    score: Score,
    same_time_frame: bool,
    same_rank: bool,
    pre: usize,
    rep: usize,
}

impl Candidate {
    /// Best candidate first; a total order, so the assignment is deterministic.
    fn best_first(a: &Candidate, b: &Candidate) -> Ordering {
        b.tier
            .cmp(&a.tier)
            .then_with(|| b.score.cmp_value(a.score))
            .then_with(|| b.same_time_frame.cmp(&a.same_time_frame))
            .then_with(|| b.same_rank.cmp(&a.same_rank))
            .then_with(|| a.pre.cmp(&b.pre))
            .then_with(|| a.rep.cmp(&b.rep))
    }
}

/// Whether two outcomes' measures match, and how well.
fn text_match(p: &Prepared, r: &Prepared) -> Option<(Tier, Score)> {
    if p.equivalent_measure(r) {
        return Some((
            Tier::Equivalent,
            Score {
                shared: 1,
                total: 1,
            },
        ));
    }
    let a: Vec<&str> = p.measure.split(' ').filter(|w| !w.is_empty()).collect();
    let b: Vec<&str> = r.measure.split(' ').filter(|w| !w.is_empty()).collect();
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let sa: BTreeSet<&str> = a.iter().copied().collect();
    let sb: BTreeSet<&str> = b.iter().copied().collect();
    let shared = sa.intersection(&sb).count() as u64;
    let total = sa.union(&sb).count() as u64;
    let score = Score { shared, total };
    // Jaccard >= 0.8, in integers.
    let jaccard = 5 * shared >= 4 * total;
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let contained = short.len() >= 3 && long.windows(short.len()).any(|w| w == short.as_slice());
    (jaccard || contained).then_some((Tier::Similar, score))
}

// ---------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------

/// Units that, alone in brackets, are dropped from a measure like an
/// abbreviation (`Weight (kg)` is the measure `weight`).
const BRACKETED_UNITS: &[&str] = &[
    "kg", "g", "mg", "mcg", "µg", "ng", "pg", "cm", "mm", "m", "km", "l", "ml", "dl", "mmol",
    "µmol", "umol", "nmol", "pmol", "iu", "kcal", "bpm", "percent", "points", "units", "score",
    "seconds", "minutes", "hours", "days", "weeks", "months", "years", "sec", "min", "h", "hrs",
    "mmhg", "kpa",
];

const OPEN: [char; 4] = ['(', '[', '（', '［'];
const CLOSE: [char; 4] = [')', ']', '）', '］'];

/// Whether a bracket group's content is an abbreviation or a unit: one word
/// (no whitespace) of at most 16 characters with a letter, and either
/// abbreviation-like — a digit, two uppercase letters, or an uppercase
/// letter after the first character (`HbA1c`, `SDQ`, `PCL-5`, `mg/dL`) — or
/// a listed unit (`kg`, `days`, `mg/l`). A capitalised word (`Worst`) is
/// not an abbreviation.
fn is_abbreviation(content: &str) -> bool {
    let c = content.trim();
    if c.is_empty() || c.chars().count() > 16 || c.chars().any(char::is_whitespace) {
        return false;
    }
    if !c.chars().any(char::is_alphabetic) {
        return false;
    }
    let uppercase = c.chars().filter(|ch| ch.is_uppercase()).count();
    let inner_uppercase = c.chars().skip(1).any(char::is_uppercase);
    if uppercase >= 2 || inner_uppercase || c.chars().any(char::is_numeric) {
        return true;
    }
    let lower = c.to_lowercase();
    lower
        .split('/')
        .all(|part| BRACKETED_UNITS.contains(&part) || part.is_empty())
}

/// Removes bracket groups that are abbreviations or units; every removed
/// group becomes a space. If that would leave nothing, the text is kept.
/// Also returns the contents of the removed groups.
fn drop_abbreviations(text: &str) -> (String, Vec<&str>) {
    let mut out = String::with_capacity(text.len());
    let mut dropped = Vec::new();
    let mut rest = text;
    while let Some(open_at) = rest.find(OPEN) {
        let (before, from_open) = rest.split_at(open_at);
        out.push_str(before);
        let mut chars = from_open.chars();
        let Some(open) = chars.next() else {
            break;
        };
        let after_open = chars.as_str();
        let kind = OPEN.iter().position(|&c| c == open).unwrap_or(0);
        let close = CLOSE[kind];
        match after_open.find(close) {
            Some(close_at)
                if !after_open[..close_at].contains(OPEN)
                    && is_abbreviation(&after_open[..close_at]) =>
            {
                out.push(' ');
                dropped.push(&after_open[..close_at]);
                rest = &after_open[close_at + close.len_utf8()..];
            }
            _ => {
                out.push(open);
                rest = after_open;
            }
        }
    }
    out.push_str(rest);
    if out.trim().is_empty() {
        (text.to_owned(), Vec::new())
    } else {
        (out, dropped)
    }
}

/// Whether a bracket group's content is a unit (`kg`, `mg/dL`), not the
/// abbreviation of an instrument or a test.
fn is_unit(content: &str) -> bool {
    let lower = content.trim().to_lowercase();
    lower.contains('/') || BRACKETED_UNITS.contains(&lower.as_str())
}

/// The abbreviations (not units) dropped from a measure, normalised without
/// spaces (`EQ-5D` and `EQ5D` are the same abbreviation).
fn dropped_abbreviations(measure: &str) -> BTreeSet<String> {
    drop_abbreviations(measure)
        .1
        .into_iter()
        .filter(|c| !is_unit(c))
        .map(|c| normalize_text(c).replace(' ', ""))
        .collect()
}

/// The content of a trailing bracketed abbreviation, if the text is
/// `something (ABBR)`: `Body mass index (BMI)` → `BMI`.
fn trailing_abbreviation(text: &str) -> Option<&str> {
    let t = text.trim_end();
    let last = t.chars().next_back()?;
    let kind = CLOSE.iter().position(|&c| c == last)?;
    let inner_end = t.len() - last.len_utf8();
    let open_at = t[..inner_end].rfind(OPEN[kind])?;
    let content = &t[open_at + OPEN[kind].len_utf8()..inner_end];
    let before = &t[..open_at];
    (is_abbreviation(content) && before.chars().any(char::is_alphanumeric)).then_some(content)
}

/// Combining marks (accents written as separate code points) stay part of
/// their word.
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// Full-width ASCII (`ＨｂＡ１ｃ`) to ASCII; other characters unchanged.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Lowercase, punctuation and symbols to spaces (Unicode-aware: anything
/// that is not a letter, digit or combining mark), whitespace collapsed and
/// trimmed. Kept: a `.` between digits (`6.5`), and comparison signs as
/// words of their own (`<`, `>`, `=`, `≠`, `±`; `≤` is `< =`), because `HbA1c
/// < 7%` and `HbA1c > 7%` are different outcomes.
fn normalize_text(text: &str) -> String {
    let folded: String = text.chars().map(fold_width).collect();
    let lower = folded.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let mut out = String::with_capacity(lower.len());
    for (k, &c) in chars.iter().enumerate() {
        let prev_digit = k > 0 && chars[k - 1].is_ascii_digit();
        let next_digit = chars.get(k + 1).is_some_and(char::is_ascii_digit);
        match c {
            c if c.is_alphanumeric() || is_combining_mark(c) => out.push(c),
            '.' if prev_digit && next_digit => out.push('.'),
            '<' | '>' | '=' | '≠' | '±' => {
                out.push(' ');
                out.push(c);
                out.push(' ');
            }
            '≤' => out.push_str(" < = "),
            '≥' => out.push_str(" > = "),
            _ => out.push(' '),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The normalised form of an outcome measure, used to match reported
/// outcomes to registered ones: bracketed abbreviations and units dropped
/// (`(HbA1c)`, `[SDQ]`, `(kg)`), lowercase, punctuation and symbols to
/// spaces (comparison signs kept), whitespace collapsed, trimmed.
///
/// `"Glycated Haemoglobin (HbA1c), change from baseline"` →
/// `"glycated haemoglobin change from baseline"`.
pub fn normalize_measure(text: &str) -> String {
    normalize_text(&drop_abbreviations(text).0)
}

/// The normalised form of a time frame: as [`normalize_measure`] but
/// keeping bracketed groups (`Week 12 (EOT)` is not `Week 12`), then
/// number words `zero`–`twelve` to digits, leading zeros dropped, units
/// to their singular (`weeks`, `wks`, `wk` → `week`; likewise minute, hour,
/// day, month, year), and a unit followed by a number swapped (`week 6` →
/// `6 week`).
///
/// `"Week 6"`, `"6 weeks"`, `"six Weeks"` → `"6 week"`;
/// `"2-year"` → `"2 year"`.
pub fn normalize_time_frame(text: &str) -> String {
    let normalized = normalize_text(text);
    let mut words: Vec<String> = normalized
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = number_word(w).unwrap_or(w);
            let w = unit_word(w).unwrap_or(w);
            strip_leading_zeros(w).to_owned()
        })
        .collect();
    let mut k = 0;
    while k + 1 < words.len() {
        if unit_word(&words[k]).is_some() && is_number(&words[k + 1]) {
            words.swap(k, k + 1);
            k += 2;
        } else {
            k += 1;
        }
    }
    words.join(" ")
}

fn number_word(w: &str) -> Option<&'static str> {
    Some(match w {
        "zero" => "0",
        "one" => "1",
        "two" => "2",
        "three" => "3",
        "four" => "4",
        "five" => "5",
        "six" => "6",
        "seven" => "7",
        "eight" => "8",
        "nine" => "9",
        "ten" => "10",
        "eleven" => "11",
        "twelve" => "12",
        _ => return None,
    })
}

fn unit_word(w: &str) -> Option<&'static str> {
    Some(match w {
        "minute" | "minutes" | "min" | "mins" => "minute",
        "hour" | "hours" | "hr" | "hrs" => "hour",
        "day" | "days" => "day",
        "week" | "weeks" | "wk" | "wks" => "week",
        "month" | "months" => "month",
        "year" | "years" | "yr" | "yrs" => "year",
        _ => return None,
    })
}

fn is_number(w: &str) -> bool {
    let mut parts = w.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

fn strip_leading_zeros(w: &str) -> &str {
    if w.len() > 1 && w.starts_with('0') && w.chars().all(|c| c.is_ascii_digit()) {
        let t = w.trim_start_matches('0');
        if t.is_empty() { "0" } else { t }
    } else {
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_measures() {
        assert_eq!(
            normalize_measure("Glycated Haemoglobin (HbA1c), change from baseline"),
            "glycated haemoglobin change from baseline"
        );
        assert_eq!(
            normalize_measure("  SDQ  [SDQ] total—score "),
            "sdq total score"
        );
        assert_eq!(normalize_measure("Weight (kg)"), "weight");
        assert_eq!(normalize_measure("Pain (worst)"), "pain worst");
        assert_eq!(normalize_measure("Pain (Worst)"), "pain worst");
        assert_eq!(normalize_measure("Pain (VAS)"), "pain");
        assert_eq!(normalize_measure("Creatinine (mg/dL)"), "creatinine");
        assert_eq!(normalize_measure("Clearance (ml/min)"), "clearance");
        assert_eq!(normalize_measure("(SDQ)"), "sdq");
        assert_eq!(normalize_measure("HbA1c ≤ 6.5%"), "hba1c < = 6.5");
        assert_eq!(normalize_measure("ＨｂＡ１ｃ"), "hba1c");
        assert_eq!(
            normalize_measure("Évaluation fonctionnelle"),
            "évaluation fonctionnelle"
        );
        assert_eq!(
            normalize_measure("Short Form (36) Health Survey (SF-36)"),
            "short form 36 health survey"
        );
    }

    #[test]
    fn normalises_time_frames() {
        for t in [
            "6 weeks",
            "6 Weeks",
            "Week 6",
            "six weeks",
            "week 06",
            "6-wk",
        ] {
            assert_eq!(normalize_time_frame(t), "6 week", "{t}");
        }
        assert_eq!(normalize_time_frame("2-year"), "2 year");
        assert_eq!(normalize_time_frame("Week 12 (EOT)"), "12 week eot");
        assert_eq!(normalize_time_frame("Day 1 to Day 28"), "1 day to 28 day");
        assert_ne!(
            normalize_time_frame("24 months"),
            normalize_time_frame("2 years")
        );
    }

    #[test]
    fn trailing_abbreviations() {
        assert_eq!(trailing_abbreviation("Body mass index (BMI)"), Some("BMI"));
        assert_eq!(
            trailing_abbreviation("Body mass index (BMI) at 1 year"),
            None
        );
        assert_eq!(trailing_abbreviation("(BMI)"), None);
        assert_eq!(trailing_abbreviation("Pain (worst)"), None);
    }
}
