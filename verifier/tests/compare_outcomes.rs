//! The outcome comparison (COMPare method): hand-made cases for every
//! status and matching rule, and real ClinicalTrials.gov records
//! (`tests/data/ctgov/`, see the NOTICE there).

use serde_json::{Value, json};
use verifier::compare::{
    Change, ChangeField, MatchedBy, OutcomeComparison, OutcomeStatus, compare_outcome_lists,
    compare_outcomes,
};
use verifier::predicate::{Outcome, OutcomeType, ReportedOutcome, TrialRecord};

use MatchedBy::{Id, Similar, Text};
use OutcomeStatus::{Added, Changed, Missing, Reported};
use OutcomeType::{Other, Primary, Secondary};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A minimal valid WHO record with the given outcomes.
fn record(primary: Vec<Outcome>, secondary: Vec<Outcome>) -> TrialRecord {
    let mut trial: TrialRecord = serde_json::from_value(json!({
        "primary_sponsor": "Example University",
        "public_contact": {"name": "Trial office", "affiliation": "Example University"},
        "scientific_contact": {"name": "Dr A. Investigator", "affiliation": "Example University"},
        "public_title": "A test trial",
        "scientific_title": "A randomised test trial",
        "conditions": ["Type 2 diabetes"],
        "interventions": [{"kind": "drug", "name": "placebo", "description": "daily", "comparator": true}],
        "eligibility": {"inclusion_criteria": "adults", "sex": "all"},
        "study_type": "interventional",
        "date_of_first_enrolment": "2024-05-01",
        "target_sample_size": 100,
        "recruitment_status": "pending",
        "primary_outcomes": [],
        "ethics_review": {"status": "approved", "committee": {"name": "Example REC"}},
        "ipd_sharing": {"plan": "no"}
    }))
    .expect("template record parses");
    trial.primary_outcomes = primary;
    trial.secondary_outcomes = secondary;
    trial
}

fn out(id: &str, measure: &str, time_frame: &str) -> Outcome {
    Outcome {
        id: id.to_owned(),
        measure: measure.to_owned(),
        description: None,
        time_frame: time_frame.to_owned(),
    }
}

fn rep(
    registered_id: Option<&str>,
    measure: &str,
    outcome_type: OutcomeType,
    time_frame: &str,
    change_reason: Option<&str>,
) -> ReportedOutcome {
    ReportedOutcome {
        registered_id: registered_id.map(str::to_owned),
        measure: measure.to_owned(),
        outcome_type,
        time_frame: time_frame.to_owned(),
        result: "see report".to_owned(),
        change_reason: change_reason.map(str::to_owned),
    }
}

/// A registration with two primary and two secondary outcomes.
fn diabetes_trial() -> TrialRecord {
    record(
        vec![
            out("P1", "Glycated haemoglobin (HbA1c)", "12 weeks"),
            out("P2", "Body weight", "12 weeks"),
        ],
        vec![
            out("S1", "Fasting plasma glucose", "12 weeks"),
            out("S2", "Quality of life [EQ-5D]", "24 weeks"),
        ],
    )
}

/// All four outcomes of [`diabetes_trial`] reported by id, as registered.
fn all_by_id() -> Vec<ReportedOutcome> {
    vec![
        rep(
            Some("P1"),
            "Glycated haemoglobin (HbA1c)",
            Primary,
            "12 weeks",
            None,
        ),
        rep(Some("P2"), "Body weight", Primary, "12 weeks", None),
        rep(
            Some("S1"),
            "Fasting plasma glucose",
            Secondary,
            "12 weeks",
            None,
        ),
        rep(
            Some("S2"),
            "Quality of life [EQ-5D]",
            Secondary,
            "24 weeks",
            None,
        ),
    ]
}

/// `(registered_id, measure, status, declared)` per row.
type Line = (Option<String>, String, OutcomeStatus, bool);

fn lines(c: &OutcomeComparison) -> Vec<Line> {
    c.rows
        .iter()
        .map(|r| {
            (
                r.registered_id.clone(),
                r.measure.clone(),
                r.status,
                r.declared,
            )
        })
        .collect()
}

fn line(id: Option<&str>, measure: &str, status: OutcomeStatus, declared: bool) -> Line {
    (id.map(str::to_owned), measure.to_owned(), status, declared)
}

fn row<'a>(c: &'a OutcomeComparison, id: &str) -> &'a verifier::compare::OutcomeRow {
    c.rows
        .iter()
        .find(|r| r.registered_id.as_deref() == Some(id) && r.status != Added)
        .unwrap_or_else(|| panic!("no row for {id}"))
}

fn change(field: ChangeField, registered: &str, reported: &str) -> Change {
    Change {
        field,
        registered: registered.to_owned(),
        reported: reported.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Every status, hand-made
// ---------------------------------------------------------------------------

#[test]
fn reported_by_id() {
    let c = compare_outcomes(&diabetes_trial(), &all_by_id());
    assert_eq!(
        lines(&c),
        vec![
            line(Some("P1"), "Glycated haemoglobin (HbA1c)", Reported, false),
            line(Some("P2"), "Body weight", Reported, false),
            line(Some("S1"), "Fasting plasma glucose", Reported, false),
            line(Some("S2"), "Quality of life [EQ-5D]", Reported, false),
        ]
    );
    for (k, r) in c.rows.iter().enumerate() {
        assert_eq!(r.matched_by, Id);
        assert_eq!(r.reported_index, Some(k));
        assert!(r.changes.is_empty());
    }
    assert_eq!(c.counts.reported, 4);
    assert_eq!(c.counts.prespecified, 4);
    assert_eq!(c.counts.results, 4);
    assert!(!c.has_findings());
}

#[test]
fn reported_by_id_despite_wording_details() {
    // Same id, same measure up to case, punctuation and the abbreviation.
    let reported = vec![
        rep(Some("P1"), "glycated haemoglobin", Primary, "Week 12", None),
        rep(Some("P2"), "BODY-WEIGHT", Primary, "12 Weeks", None),
        rep(
            Some("S1"),
            "Fasting plasma glucose.",
            Secondary,
            "twelve weeks",
            None,
        ),
        rep(Some("S2"), "Quality of Life", Secondary, "24 wks", None),
    ];
    let c = compare_outcomes(&diabetes_trial(), &reported);
    assert!(c.rows.iter().all(|r| r.status == Reported), "{c:#?}");
    assert!(!c.has_findings());
}

#[test]
fn reported_by_text_despite_case_punctuation_and_abbreviations() {
    // No ids (as in most real results); the reported order is scrambled.
    let reported = vec![
        rep(None, "QUALITY OF LIFE (EQ-5D)", Secondary, "24 Weeks", None),
        rep(
            None,
            "Glycated Haemoglobin [HbA1c]",
            Primary,
            "12 weeks",
            None,
        ),
        rep(None, "fasting  plasma-glucose", Secondary, "12 weeks", None),
        rep(None, "Body weight (kg)", Primary, "Week 12", None),
    ];
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let got: Vec<_> = c
        .rows
        .iter()
        .map(|r| {
            (
                r.registered_id.as_deref(),
                r.status,
                r.matched_by,
                r.reported_index,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Some("P1"), Reported, Text, Some(1)),
            (Some("P2"), Reported, Text, Some(3)),
            (Some("S1"), Reported, Text, Some(2)),
            (Some("S2"), Reported, Text, Some(0)),
        ]
    );
    assert!(!c.has_findings());
}

#[test]
fn trailing_abbreviation_is_the_same_measure() {
    let trial = record(
        vec![out("P1", "Body mass index (BMI)", "1 year")],
        vec![out("S1", "HbA1c", "1 year")],
    );
    let reported = vec![
        rep(None, "BMI", Primary, "1 year", None),
        rep(
            None,
            "Glycated haemoglobin (HbA1c)",
            Secondary,
            "1 year",
            None,
        ),
    ];
    let c = compare_outcomes(&trial, &reported);
    assert_eq!(row(&c, "P1").status, Reported);
    assert_eq!(row(&c, "P1").matched_by, Text);
    assert_eq!(row(&c, "S1").status, Reported);
    assert_eq!(row(&c, "S1").matched_by, Text);
    assert_eq!(c.counts.added, 0);
}

#[test]
fn different_instrument_in_brackets_is_a_changed_measure() {
    let trial = record(
        vec![out("P1", "Pain intensity (VAS)", "6 weeks")],
        vec![out("S1", "Quality of life [EQ-5D]", "6 weeks")],
    );
    let reported = vec![
        rep(None, "Pain intensity (NRS)", Primary, "6 weeks", None),
        rep(
            Some("S1"),
            "Quality of life (SF-36)",
            Secondary,
            "6 weeks",
            None,
        ),
    ];
    let c = compare_outcomes(&trial, &reported);
    let p1 = row(&c, "P1");
    assert_eq!((p1.status, p1.matched_by), (Changed, Similar));
    assert_eq!(
        p1.changes,
        vec![change(
            ChangeField::Measure,
            "Pain intensity (VAS)",
            "Pain intensity (NRS)"
        )]
    );
    let s1 = row(&c, "S1");
    assert_eq!((s1.status, s1.matched_by), (Changed, Id));
    assert_eq!(s1.changes[0].field, ChangeField::Measure);
    // The same instrument written differently, or a unit, is no change.
    let reported = vec![
        rep(None, "Pain Intensity [VAS]", Primary, "6 weeks", None),
        rep(
            Some("S1"),
            "Quality of life (EQ5D)",
            Secondary,
            "6 weeks",
            None,
        ),
    ];
    let c = compare_outcomes(&trial, &reported);
    assert!(c.rows.iter().all(|r| r.status == Reported), "{c:#?}");
    let trial = record(
        vec![out("P1", "Serum creatinine (mg/dL)", "1 year")],
        vec![],
    );
    let reported = vec![rep(
        None,
        "Serum creatinine (µmol/L)",
        Primary,
        "1 year",
        None,
    )];
    assert_eq!(
        row(&compare_outcomes(&trial, &reported), "P1").status,
        Reported
    );
}

#[test]
fn changed_measure() {
    let mut reported = all_by_id();
    reported[1] = rep(Some("P2"), "Waist circumference", Primary, "12 weeks", None);
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let p2 = row(&c, "P2");
    assert_eq!(p2.status, Changed);
    assert!(!p2.declared);
    assert_eq!(
        p2.changes,
        vec![change(
            ChangeField::Measure,
            "Body weight",
            "Waist circumference"
        )]
    );
    assert_eq!(c.counts.changed, 1);
    assert_eq!(c.counts.changed_undeclared, 1);
    assert_eq!(c.findings().count(), 1);
    assert!(c.has_findings());
}

#[test]
fn changed_time_frame() {
    let mut reported = all_by_id();
    reported[0] = rep(Some("P1"), "HbA1c", Primary, "26 weeks", None);
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let p1 = row(&c, "P1");
    assert_eq!(p1.status, Changed);
    // "HbA1c" is the registered measure's own abbreviation: only the time frame changed.
    assert_eq!(
        p1.changes,
        vec![change(ChangeField::TimeFrame, "12 weeks", "26 weeks")]
    );
    assert!(c.has_findings());
}

#[test]
fn changed_time_frame_found_by_text() {
    let reported = vec![rep(
        None,
        "Fasting plasma glucose",
        Secondary,
        "6 months",
        None,
    )];
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let s1 = row(&c, "S1");
    assert_eq!((s1.status, s1.matched_by), (Changed, Text));
    assert_eq!(
        s1.changes,
        vec![change(ChangeField::TimeFrame, "12 weeks", "6 months")]
    );
}

#[test]
fn primary_demoted_to_secondary() {
    let mut reported = all_by_id();
    reported[1] = rep(Some("P2"), "Body weight", Secondary, "12 weeks", None);
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let p2 = row(&c, "P2");
    assert_eq!(p2.status, Changed);
    assert_eq!(
        p2.outcome_type, Primary,
        "the row shows the registered rank"
    );
    assert_eq!(
        p2.changes,
        vec![change(ChangeField::Type, "primary", "secondary")]
    );
    assert!(c.has_findings());
}

#[test]
fn secondary_promoted_and_demoted_to_other_by_text() {
    let reported = vec![
        rep(None, "Fasting plasma glucose", Primary, "12 weeks", None),
        rep(None, "Quality of life", Other, "24 weeks", None),
    ];
    let c = compare_outcomes(&diabetes_trial(), &reported);
    assert_eq!(
        row(&c, "S1").changes,
        vec![change(ChangeField::Type, "secondary", "primary")]
    );
    assert_eq!(
        row(&c, "S2").changes,
        vec![change(ChangeField::Type, "secondary", "other")]
    );
}

#[test]
fn several_changes_are_all_listed_in_order() {
    let reported = vec![rep(Some("S2"), "Health utility", Primary, "52 weeks", None)];
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let fields: Vec<_> = row(&c, "S2").changes.iter().map(|ch| ch.field).collect();
    assert_eq!(
        fields,
        vec![
            ChangeField::Measure,
            ChangeField::TimeFrame,
            ChangeField::Type
        ]
    );
}

#[test]
fn missing() {
    let mut reported = all_by_id();
    reported.remove(2); // S1 not reported
    // Even a change_reason elsewhere cannot declare an omission.
    reported[0].change_reason = Some("S1 dropped: assay unavailable".to_owned());
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let s1 = row(&c, "S1");
    assert_eq!(s1.status, Missing);
    assert!(!s1.declared);
    assert_eq!(s1.matched_by, MatchedBy::None);
    assert_eq!(s1.reported_index, None);
    assert_eq!(s1.measure, "Fasting plasma glucose");
    assert_eq!(s1.outcome_type, Secondary);
    assert_eq!(c.counts.missing, 1);
    assert!(c.has_findings());
    assert_eq!(
        c.findings().map(|r| r.status).collect::<Vec<_>>(),
        vec![Missing]
    );
}

#[test]
fn nothing_reported_means_everything_missing() {
    let c = compare_outcomes(&diabetes_trial(), &[]);
    assert!(c.rows.iter().all(|r| r.status == Missing));
    assert_eq!(c.counts.missing, 4);
    assert!(c.has_findings());
}

#[test]
fn added_undeclared() {
    let mut reported = all_by_id();
    reported.push(rep(None, "Blood pressure", Secondary, "12 weeks", None));
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let last = c.rows.last().expect("rows");
    assert_eq!(
        (
            last.registered_id.as_deref(),
            last.measure.as_str(),
            last.status,
            last.declared
        ),
        (None, "Blood pressure", Added, false)
    );
    assert_eq!(last.outcome_type, Secondary);
    assert_eq!(last.reported_index, Some(4));
    assert_eq!(c.counts.added, 1);
    assert_eq!(c.counts.added_undeclared, 1);
    assert!(c.has_findings());
}

#[test]
fn added_other_type_outcome_is_still_added() {
    let mut reported = all_by_id();
    reported.push(rep(None, "Serious adverse events", Other, "24 weeks", None));
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let last = c.rows.last().expect("rows");
    assert_eq!(
        (last.status, last.outcome_type, last.declared),
        (Added, Other, false)
    );
    assert!(c.has_findings());
}

#[test]
fn added_declared() {
    let mut reported = all_by_id();
    reported.push(rep(
        None,
        "Blood pressure",
        Secondary,
        "12 weeks",
        Some("Added at the request of the DSMB after an interim safety signal"),
    ));
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let last = c.rows.last().expect("rows");
    assert_eq!((last.status, last.declared), (Added, true));
    assert_eq!(c.counts.added_undeclared, 0);
    assert!(!c.has_findings());
}

#[test]
fn blank_change_reason_does_not_declare() {
    let mut reported = all_by_id();
    reported.push(rep(
        None,
        "Blood pressure",
        Secondary,
        "12 weeks",
        Some("  "),
    ));
    let c = compare_outcomes(&diabetes_trial(), &reported);
    assert!(!c.rows.last().expect("rows").declared);
    assert!(c.has_findings());
}

#[test]
fn changed_declared() {
    let mut reported = all_by_id();
    reported[0] = rep(
        Some("P1"),
        "HbA1c",
        Primary,
        "26 weeks",
        Some("Follow-up extended by amendment 2 (DSMB advice)"),
    );
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let p1 = row(&c, "P1");
    assert_eq!((p1.status, p1.declared), (Changed, true));
    assert_eq!(
        p1.change_reason.as_deref(),
        Some("Follow-up extended by amendment 2 (DSMB advice)")
    );
    assert_eq!(c.counts.changed, 1);
    assert_eq!(c.counts.changed_undeclared, 0);
    assert!(!c.has_findings());
}

// ---------------------------------------------------------------------------
// Matching rules
// ---------------------------------------------------------------------------

#[test]
fn id_naming_nothing_is_added_and_never_falls_back_to_text() {
    let mut reported = all_by_id();
    // Same text as S1, but an id that names nothing: the sponsor said which
    // outcome this is, and it is none of the registered ones.
    reported[2] = rep(
        Some("S9"),
        "Fasting plasma glucose",
        Secondary,
        "12 weeks",
        None,
    );
    let c = compare_outcomes(&diabetes_trial(), &reported);
    assert_eq!(row(&c, "S1").status, Missing);
    let added = c
        .rows
        .iter()
        .find(|r| r.status == Added)
        .expect("added row");
    assert_eq!(added.registered_id.as_deref(), Some("S9"));
    assert_eq!(added.reported_index, Some(2));
    let note = added.note.as_deref().expect("a note");
    assert!(
        note.contains("S9") && note.contains("names no pre-specified outcome"),
        "{note}"
    );
}

#[test]
fn id_claimed_twice_second_is_added() {
    let mut reported = all_by_id();
    reported.push(rep(Some("P1"), "HbA1c", Primary, "12 weeks", None));
    let c = compare_outcomes(&diabetes_trial(), &reported);
    assert_eq!(row(&c, "P1").reported_index, Some(0));
    let added = c.rows.last().expect("rows");
    assert_eq!((added.status, added.reported_index), (Added, Some(4)));
    assert!(
        added
            .note
            .as_deref()
            .is_some_and(|n| n.contains("already reported"))
    );
}

#[test]
fn ids_win_over_text() {
    // Reported #0 has S1's text but no id; #1 claims S1 by id with other text.
    let reported = vec![
        rep(None, "Fasting plasma glucose", Secondary, "12 weeks", None),
        rep(Some("S1"), "Fasting glucose", Secondary, "12 weeks", None),
    ];
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let s1 = row(&c, "S1");
    assert_eq!(
        (s1.matched_by, s1.reported_index, s1.status),
        (Id, Some(1), Changed)
    );
    assert_eq!(c.rows.last().expect("rows").reported_index, Some(0));
    assert_eq!(c.rows.last().expect("rows").status, Added);
}

#[test]
fn blank_registered_id_matches_by_text() {
    let reported = vec![rep(Some("  "), "Body weight", Primary, "12 weeks", None)];
    let c = compare_outcomes(&diabetes_trial(), &reported);
    assert_eq!(
        (row(&c, "P2").status, row(&c, "P2").matched_by),
        (Reported, Text)
    );
}

#[test]
fn prespecified_outcome_matched_only_once() {
    // Two reported outcomes resemble P2; only one may claim it.
    let reported = vec![
        rep(None, "Body weight", Primary, "24 weeks", None),
        rep(None, "body weight", Primary, "12 weeks", None),
        rep(None, "Body-Weight", Primary, "12 weeks", None),
    ];
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let p2 = row(&c, "P2");
    // The one agreeing in time frame wins; between equals, the earlier one.
    assert_eq!((p2.status, p2.reported_index), (Reported, Some(1)));
    let added: Vec<_> = c
        .rows
        .iter()
        .filter(|r| r.status == Added)
        .map(|r| r.reported_index)
        .collect();
    assert_eq!(added, vec![Some(0), Some(2)]);
    assert_eq!(c.rows.len(), 4 + 2);
}

#[test]
fn similar_text_is_a_changed_measure() {
    let trial = record(
        vec![out("P1", "Change in HbA1c from baseline", "12 weeks")],
        vec![out(
            "S1",
            "Number of participants with hypoglycaemic episodes",
            "12 weeks",
        )],
    );
    let reported = vec![
        // containment, shorter side has 5 words
        rep(
            None,
            "Mean change in HbA1c from baseline to week 12",
            Primary,
            "12 weeks",
            None,
        ),
        // Jaccard 6/7 ≥ 0.8
        rep(
            None,
            "Number of participants with severe hypoglycaemic episodes",
            Secondary,
            "12 weeks",
            None,
        ),
    ];
    let c = compare_outcomes(&trial, &reported);
    for (id, reported_measure) in [
        ("P1", "Mean change in HbA1c from baseline to week 12"),
        (
            "S1",
            "Number of participants with severe hypoglycaemic episodes",
        ),
    ] {
        let r = row(&c, id);
        assert_eq!((r.status, r.matched_by), (Changed, Similar), "{id}");
        assert_eq!(r.changes.len(), 1);
        assert_eq!(r.changes[0].field, ChangeField::Measure);
        assert_eq!(r.changes[0].reported, reported_measure);
        assert!(r.note.is_some());
    }
    assert_eq!(c.counts.added, 0);
}

#[test]
fn dissimilar_text_is_missing_plus_added() {
    let trial = record(vec![out("P1", "Body weight", "12 weeks")], vec![]);
    let reported = vec![
        // two words only: containment needs 3
        rep(None, "Body weight change", Primary, "12 weeks", None),
    ];
    let c = compare_outcomes(&trial, &reported);
    assert_eq!(
        lines(&c),
        vec![
            line(Some("P1"), "Body weight", Missing, false),
            line(None, "Body weight change", Added, false),
        ]
    );
    // A comparison sign is a word: "< 7%" and "> 7%" are different outcomes.
    let trial = record(
        vec![out("P1", "Participants with HbA1c < 7%", "1 year")],
        vec![],
    );
    let reported = vec![rep(
        None,
        "Participants with HbA1c > 7%",
        Primary,
        "1 year",
        None,
    )];
    let c = compare_outcomes(&trial, &reported);
    assert_eq!(row(&c, "P1").status, Missing);
    assert_eq!(c.counts.added, 1);
}

#[test]
fn equivalent_beats_similar_for_the_same_registered_outcome() {
    let trial = record(
        vec![out("P1", "Change in body weight from baseline", "12 weeks")],
        vec![],
    );
    let reported = vec![
        rep(
            None,
            "Change in body weight from baseline to 12 weeks",
            Primary,
            "12 weeks",
            None,
        ),
        rep(
            None,
            "Change in body weight from baseline",
            Primary,
            "12 weeks",
            None,
        ),
    ];
    let c = compare_outcomes(&trial, &reported);
    let p1 = row(&c, "P1");
    assert_eq!(
        (p1.status, p1.matched_by, p1.reported_index),
        (Reported, Text, Some(1))
    );
    assert_eq!(c.counts.added, 1);
}

#[test]
fn deterministic_and_independent_of_reported_order() {
    let trial = diabetes_trial();
    let reported = vec![
        rep(None, "Body weight", Primary, "12 weeks", None),
        rep(None, "Glycated haemoglobin", Primary, "26 weeks", None),
        rep(None, "Blood pressure", Secondary, "12 weeks", Some("DSMB")),
        rep(None, "Quality of life [EQ-5D]", Secondary, "24 weeks", None),
        rep(None, "body weight", Primary, "12 weeks", None),
    ];
    let first = compare_outcomes(&trial, &reported);
    for _ in 0..20 {
        let again = compare_outcomes(&trial, &reported);
        assert_eq!(again, first);
        assert_eq!(
            serde_json::to_string(&again).expect("json"),
            serde_json::to_string(&first).expect("json")
        );
    }
    // Reversing the reported list changes which of two identical duplicates
    // is kept, but not what happens to any pre-specified outcome.
    let mut reversed = reported.clone();
    reversed.reverse();
    let other = compare_outcomes(&trial, &reversed);
    let per_id = |c: &OutcomeComparison| -> Vec<(Option<String>, OutcomeStatus)> {
        c.rows
            .iter()
            .filter(|r| r.status != Added)
            .map(|r| (r.registered_id.clone(), r.status))
            .collect()
    };
    assert_eq!(per_id(&first), per_id(&other));
    assert_eq!(
        per_id(&first),
        vec![
            (Some("P1".to_owned()), Changed),
            (Some("P2".to_owned()), Reported),
            (Some("S1".to_owned()), Missing),
            (Some("S2".to_owned()), Reported),
        ]
    );
    assert_eq!(first.counts.added, 2);
    assert_eq!(other.counts.added, 2);
}

#[test]
fn serialises_for_the_cli() {
    let mut reported = all_by_id();
    reported[1] = rep(
        Some("P2"),
        "Body weight",
        Secondary,
        "12 weeks",
        Some("re-ranked"),
    );
    reported.remove(2);
    reported.push(rep(None, "Blood pressure", Other, "12 weeks", None));
    let c = compare_outcomes(&diabetes_trial(), &reported);
    let v = serde_json::to_value(&c).expect("serialises");
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[1]["registered_id"], "P2");
    assert_eq!(rows[1]["type"], "primary");
    assert_eq!(rows[1]["status"], "changed");
    assert_eq!(rows[1]["declared"], true);
    assert_eq!(rows[1]["matched_by"], "id");
    assert_eq!(
        rows[1]["changes"],
        json!([{"field": "type", "registered": "primary", "reported": "secondary"}])
    );
    assert_eq!(rows[2]["status"], "missing");
    assert_eq!(rows[2]["matched_by"], "none");
    assert_eq!(rows[4]["registered_id"], Value::Null);
    assert_eq!(rows[4]["type"], "other");
    assert_eq!(rows[4]["status"], "added");
    assert_eq!(rows[4]["declared"], false);
    assert_eq!(v["counts"]["missing"], 1);
    assert_eq!(v["counts"]["added_undeclared"], 1);
    // Round trip.
    let back: OutcomeComparison = serde_json::from_value(v).expect("deserialises");
    assert_eq!(back, c);
}

#[test]
fn bare_lists_api_agrees() {
    let trial = diabetes_trial();
    let reported = all_by_id();
    assert_eq!(
        compare_outcome_lists(
            &trial.primary_outcomes,
            &trial.secondary_outcomes,
            &reported
        ),
        compare_outcomes(&trial, &reported)
    );
}

// ---------------------------------------------------------------------------
// Real ClinicalTrials.gov records
// ---------------------------------------------------------------------------

fn study(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture parses")
}

fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// The registration's outcomes as the importer would number them: `P1…`
/// for primary, `S1…` for secondary outcomes.
fn registered_outcomes(study: &Value) -> TrialRecord {
    let module = &study["protocolSection"]["outcomesModule"];
    let list = |key: &str, prefix: &str| -> Vec<Outcome> {
        module[key]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(k, o)| Outcome {
                id: format!("{prefix}{}", k + 1),
                measure: str_at(o, "measure").to_owned(),
                description: o["description"].as_str().map(str::to_owned),
                time_frame: str_at(o, "timeFrame").to_owned(),
            })
            .collect()
    };
    record(list("primaryOutcomes", "P"), list("secondaryOutcomes", "S"))
}

/// The resultsSection's outcome measures as reported outcomes (CT.gov
/// results carry no link to the registered outcomes: no ids).
fn results_outcomes(study: &Value) -> Vec<ReportedOutcome> {
    study["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
        .as_array()
        .expect("outcome measures")
        .iter()
        .map(|m| ReportedOutcome {
            registered_id: None,
            measure: str_at(m, "title").to_owned(),
            outcome_type: match str_at(m, "type") {
                "PRIMARY" => Primary,
                "SECONDARY" => Secondary,
                _ => Other,
            },
            time_frame: str_at(m, "timeFrame").to_owned(),
            result: format!(
                "{} ({})",
                str_at(m, "paramType"),
                str_at(m, "unitOfMeasure")
            ),
            change_reason: None,
        })
        .collect()
}

#[test]
fn real_record_nct00763412_reports_every_prespecified_outcome() {
    let s = study(include_str!("data/ctgov/NCT00763412.json"));
    let trial = registered_outcomes(&s);
    let reported = results_outcomes(&s);
    assert_eq!(trial.primary_outcomes.len(), 3);
    assert_eq!(trial.secondary_outcomes.len(), 6);
    assert_eq!(reported.len(), 9);

    // Read by a human: the results section lists the nine registered
    // outcomes under the same titles, ranks and time frames ("2 year/end of
    // study", and "2-year" for glucose tolerance, "2 year" for C-peptide,
    // exactly as registered). Nothing is missing, changed or added. (The
    // CT.gov record shows the *latest* registration, so this says nothing
    // about changes made before it.)
    let c = compare_outcomes(&trial, &reported);
    let expected = [
        ("P1", "BMI", Primary, 0),
        ("P2", "Body Composition", Primary, 1),
        ("P3", "CRP", Primary, 2),
        ("S1", "Glucose Tolerance", Secondary, 3),
        ("S2", "Inflammatory Markers", Secondary, 4),
        ("S3", "Wt Z Score", Secondary, 5),
        ("S4", "Tanner Stage", Secondary, 6),
        ("S5", "FEV 1", Secondary, 7),
        ("S6", "C-Peptide", Secondary, 8),
    ];
    assert_eq!(c.rows.len(), expected.len());
    for (r, (id, measure, rank, index)) in c.rows.iter().zip(expected) {
        assert_eq!(r.registered_id.as_deref(), Some(id));
        assert_eq!(r.measure, measure);
        assert_eq!(r.outcome_type, rank);
        assert_eq!(r.status, Reported, "{id}");
        assert_eq!(r.matched_by, Text, "{id}");
        assert_eq!(r.reported_index, Some(index), "{id}");
        assert!(r.changes.is_empty());
    }
    assert_eq!(c.counts.reported, 9);
    assert_eq!(
        (c.counts.missing, c.counts.changed, c.counts.added),
        (0, 0, 0)
    );
    assert!(!c.has_findings());
}

#[test]
fn real_record_nct00763412_with_a_switched_primary_outcome() {
    // The same real record, with the kind of switch COMPare found: CRP
    // dropped from the primary outcomes to a secondary one, BMI reported at
    // 1 year instead of 2, body composition left out, and a new "HbA1c"
    // outcome added without a reason.
    let s = study(include_str!("data/ctgov/NCT00763412.json"));
    let trial = registered_outcomes(&s);
    let mut reported = results_outcomes(&s);
    reported[2].outcome_type = Secondary;
    reported[0].time_frame = "1 year".to_owned();
    reported.remove(1);
    reported.push(rep(None, "HbA1c", Secondary, "2 year/end of study", None));
    let c = compare_outcomes(&trial, &reported);
    let summary: Vec<_> = c
        .rows
        .iter()
        .map(|r| (r.registered_id.as_deref(), r.status))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Some("P1"), Changed),
            (Some("P2"), Missing),
            (Some("P3"), Changed),
            (Some("S1"), Reported),
            (Some("S2"), Reported),
            (Some("S3"), Reported),
            (Some("S4"), Reported),
            (Some("S5"), Reported),
            (Some("S6"), Reported),
            (None, Added),
        ]
    );
    assert_eq!(
        c.rows[0].changes,
        vec![change(
            ChangeField::TimeFrame,
            "2 year/end of study",
            "1 year"
        )]
    );
    assert_eq!(
        c.rows[2].changes,
        vec![change(ChangeField::Type, "primary", "secondary")]
    );
    assert_eq!(c.findings().count(), 4);
}

#[test]
fn real_record_nct03630471_same_measure_at_two_ranks() {
    // Real registration (PRIDE, India): "Mental health symptoms" and
    // "Idiographic problems" are each registered twice — primary at 6 weeks
    // and secondary at 12 weeks post-randomization. The record has no
    // results; these are hand-written, listed secondary-first, with the
    // wording variations a paper would have. A human pairs them by rank and
    // time frame.
    let s = study(include_str!("data/ctgov/NCT03630471.json"));
    let trial = registered_outcomes(&s);
    assert_eq!(trial.primary_outcomes.len(), 2);
    assert_eq!(trial.secondary_outcomes.len(), 9);
    assert_eq!(trial.primary_outcomes[0].measure, "Mental health symptoms");
    assert_eq!(
        trial.secondary_outcomes[0].measure,
        "Mental health symptoms"
    );
    let reported = vec![
        rep(
            None,
            "Mental Health Symptoms [SDQ]",
            Secondary,
            "12 Weeks post-randomization",
            None,
        ),
        rep(
            None,
            "Idiographic problems (YTP)",
            Secondary,
            "12 weeks post-randomization",
            None,
        ),
        rep(None, "Mental health symptoms", Primary, "Week 6", None),
        rep(None, "Idiographic Problems", Primary, "six weeks", None),
        rep(
            None,
            "Perceived stress",
            Secondary,
            "12 weeks post randomization",
            None,
        ),
        rep(None, "Cost-effectiveness", Other, "12 weeks", None),
    ];
    let c = compare_outcomes(&trial, &reported);
    let summary: Vec<_> = c
        .rows
        .iter()
        .map(|r| (r.registered_id.as_deref(), r.status, r.reported_index))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Some("P1"), Reported, Some(2)),
            (Some("P2"), Reported, Some(3)),
            (Some("S1"), Reported, Some(0)),
            (Some("S2"), Reported, Some(1)),
            (Some("S3"), Missing, None),
            (Some("S4"), Missing, None),
            (Some("S5"), Missing, None),
            (Some("S6"), Missing, None),
            (Some("S7"), Reported, Some(4)),
            (Some("S8"), Missing, None),
            (Some("S9"), Missing, None),
            (None, Added, Some(5)),
        ]
    );
}

#[test]
fn real_record_nct06171568_abbreviations() {
    // Real registration with abbreviated instruments; hand-written results
    // that use only the abbreviations, as papers do.
    let s = study(include_str!("data/ctgov/NCT06171568.json"));
    let trial = registered_outcomes(&s);
    let find = |measure: &str| -> String {
        trial
            .secondary_outcomes
            .iter()
            .find(|o| o.measure == measure)
            .map(|o| o.id.clone())
            .unwrap_or_else(|| panic!("{measure} is registered"))
    };
    let sf36 = find("Short Form (36) Health Survey (SF-36)");
    let pcl5 = find("Posttraumatic stress disorder CheckList (PCL-5)");
    let ciqr = find("Community Integration Questionnaire - Revised (CIQ-R)");
    let lariboisiere = "1 year after discharge from Neurosurgery department of Lariboisière";
    let reported = vec![
        rep(None, "SF-36", Secondary, lariboisiere, None),
        rep(None, "PCL-5", Secondary, "12 months", None),
        rep(
            None,
            "Community integration questionnaire – revised",
            Secondary,
            lariboisiere,
            None,
        ),
    ];
    let c = compare_outcomes(&trial, &reported);
    let sf = row(&c, &sf36);
    assert_eq!(
        (sf.status, sf.matched_by, sf.reported_index),
        (Reported, Text, Some(0))
    );
    let pcl = row(&c, &pcl5);
    assert_eq!((pcl.status, pcl.matched_by), (Changed, Text));
    assert_eq!(
        pcl.changes,
        vec![change(ChangeField::TimeFrame, lariboisiere, "12 months")]
    );
    let ciq = row(&c, &ciqr);
    assert_eq!((ciq.status, ciq.matched_by), (Reported, Text));
    assert_eq!(c.counts.added, 0);
    assert_eq!(c.counts.missing, 8 - 3);
}
