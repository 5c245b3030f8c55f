//! The ClinicalTrials.gov API v2 importer (`verifier::ctgov`) on three real
//! study records (`tests/data/ctgov/`, see its NOTICE), on hand-made records
//! with missing modules, odd numbers and unknown values, on unusable input,
//! and through `trialverify import-ctgov`.

use verifier::ctgov::{self, CtgovError, Import, MAX_INPUT, NOT_STATED};
use verifier::predicate::{
    EthicsStatus, IpdPlan, OutcomeType, Predicate, PredicateKind, RecruitmentStatus, Registration,
    Sex, StudyType,
};
use verifier::validate;

const NCT00763412: &[u8] = include_bytes!("data/ctgov/NCT00763412.json");
const NCT03630471: &[u8] = include_bytes!("data/ctgov/NCT03630471.json");
const NCT06171568: &[u8] = include_bytes!("data/ctgov/NCT06171568.json");

fn import(json: &[u8]) -> Import {
    ctgov::import(json).expect("a study record")
}

fn import_value(value: serde_json::Value) -> Import {
    import(&serde_json::to_vec(&value).expect("serialisable"))
}

fn has(list: &[String], item: &str) -> bool {
    list.iter().any(|s| s == item)
}

/// What every real record shares: the NCT id is the first secondary id, the
/// record validates, and the only placeholder in the registration is the
/// ethics review CT.gov never publishes.
fn check_common(i: &Import, nct: &str) {
    assert_eq!(i.nct_id, nct);
    let first = &i.trial.secondary_ids[0];
    assert_eq!(
        (first.issuer.as_str(), first.id.as_str()),
        ("ClinicalTrials.gov", nct)
    );
    i.validate().expect("the imported record validates");
    assert_eq!(i.trial.ethics_review.status, EthicsStatus::Pending);
    assert_eq!(i.trial.ethics_review.committee.name, NOT_STATED);
    assert!(has(&i.absent, "trial.ethics_review"));
    assert_eq!(
        i.placeholders
            .iter()
            .filter(|p| p.starts_with("trial."))
            .collect::<Vec<_>>(),
        ["trial.ethics_review"]
    );
    assert!(!i.is_complete());
    let ids: Vec<&str> = i
        .trial
        .primary_outcomes
        .iter()
        .chain(&i.trial.secondary_outcomes)
        .map(|o| o.id.as_str())
        .collect();
    let expected: Vec<String> = (1..=i.trial.primary_outcomes.len())
        .map(|n| format!("P{n}"))
        .chain((1..=i.trial.secondary_outcomes.len()).map(|n| format!("S{n}")))
        .collect();
    assert_eq!(ids, expected);
}

#[test]
fn nct00763412_protocol_and_results() {
    let i = import(NCT00763412);
    check_common(&i, "NCT00763412");
    let t = &i.trial;
    assert_eq!(
        t.public_title,
        "Pilot and Feasibility Study for the Treatment of Pre-diabetes in Patients With Cystic Fibrosis"
    );
    assert_eq!(t.scientific_title, t.public_title);
    assert_eq!(t.acronym, None);
    assert_eq!(t.primary_sponsor, "Arbelaez, Ana Maria");
    assert_eq!(t.secondary_sponsors.len(), 4);
    assert!(has(&t.secondary_sponsors, "Novo Nordisk A/S"));
    assert!(t.secondary_ids.iter().any(|s| s.id == "05-1109"));
    assert!(
        t.secondary_ids
            .iter()
            .any(|s| s.id == "P60DK020579" && s.issuer == "U.S. NIH")
    );
    assert_eq!(t.funding_sources, ["U.S. NIH grant P60DK020579"]);
    assert_eq!(t.conditions.len(), 2);
    assert_eq!(t.countries, ["United States"]);
    assert_eq!(t.study_type, StudyType::Interventional);
    assert_eq!(t.design.allocation.as_deref(), Some("randomized"));
    assert_eq!(t.design.assignment.as_deref(), Some("parallel"));
    assert_eq!(t.design.phase.as_deref(), Some("na"));
    assert!(
        t.design
            .masking
            .as_deref()
            .unwrap()
            .starts_with("quadruple (participant")
    );
    assert_eq!(t.target_sample_size, 31);
    assert_eq!(t.recruitment_status, RecruitmentStatus::Complete);

    // Partial dates are kept as written.
    assert_eq!(t.date_of_first_enrolment.to_string(), "2006-11");
    assert!(t.date_of_first_enrolment.is_partial());
    assert_eq!(t.completion_date.unwrap().to_string(), "2013-01");
    assert_eq!(i.actual_first_enrolment, None, "the start date has no type");
    assert_eq!(i.actual_completion.unwrap().to_string(), "2013-01");

    // Interventions and the comparator flag (a PLACEBO_COMPARATOR arm).
    let flags: Vec<(&str, &str, bool)> = t
        .interventions
        .iter()
        .map(|x| (x.kind.as_str(), x.name.as_str(), x.comparator))
        .collect();
    assert_eq!(
        flags,
        [("drug", "placebo", true), ("drug", "repaglinide", false)]
    );
    assert!(
        t.interventions[1]
            .description
            .ends_with("Other names: Prandin")
    );

    // Eligibility split at the headings, which are dropped.
    let e = &t.eligibility;
    assert!(
        e.inclusion_criteria
            .starts_with("* Male or females 12 -24 years old")
    );
    assert!(!e.inclusion_criteria.contains("Inclusion Criteria"));
    assert!(!e.inclusion_criteria.contains("growth hormone"));
    assert!(
        e.exclusion_criteria
            .starts_with("* Patients receiving growth hormone therapy")
    );
    assert!(
        e.exclusion_criteria
            .ends_with("contraindicated with repaglinide")
    );
    assert_eq!(e.sex, Sex::All);
    assert_eq!(e.minimum_age.as_deref(), Some("12 Years"));
    assert_eq!(e.maximum_age.as_deref(), Some("24 Years"));

    assert_eq!(
        (t.primary_outcomes.len(), t.secondary_outcomes.len()),
        (3, 6)
    );
    assert_eq!(t.primary_outcomes[1].measure, "Body Composition");
    assert_eq!(
        t.primary_outcomes[1].description.as_deref(),
        Some("Reporting % of Fat and Lean body mass")
    );
    assert_eq!(t.primary_outcomes[1].time_frame, "2 year/end of study");
    assert_eq!(t.ipd_sharing.plan, IpdPlan::Undecided);

    // No central contact: the public contact falls back to the official.
    assert!(has(
        &i.absent,
        "protocolSection.contactsLocationsModule.centralContacts"
    ));
    assert!(has(
        &i.absent,
        "protocolSection.identificationModule.acronym"
    ));
    assert_eq!(t.public_contact.name, "Neil H White, M.D.");
    assert_eq!(t.scientific_contact.name, "Ana Maria Arbelaez");

    // Results: 9 outcome measures, 3 primary and 6 secondary, in order.
    let r = i.results.as_ref().unwrap();
    assert_eq!(r.outcomes.len(), 9);
    let types: Vec<OutcomeType> = r.outcomes.iter().map(|o| o.outcome_type).collect();
    assert_eq!(&types[..3], [OutcomeType::Primary; 3]);
    assert_eq!(&types[3..], [OutcomeType::Secondary; 6]);
    assert!(
        r.outcomes
            .iter()
            .all(|o| o.registered_id.is_none() && o.change_reason.is_none())
    );
    let bmi = &r.outcomes[0];
    assert_eq!(
        (bmi.measure.as_str(), bmi.time_frame.as_str()),
        ("BMI", "2 year/end of study")
    );
    assert_eq!(
        bmi.result,
        "Mean (full range), Kg/m^2 — 1 Placebo (n=4): 19.63 (15.56 to 22.64); 2. Repaglinide (n=4): 21.19 (20.78 to 21.8)"
    );
    assert!(
        r.outcomes[1]
            .result
            .contains("Fat: 1 Placebo (n=4): 19.82 (12 to 37.8)")
    );
    assert!(r.outcomes[1].result.contains("; Lean: "));
    // Every reported measure has a registered counterpart with the same text.
    let registered: Vec<&str> = t
        .primary_outcomes
        .iter()
        .chain(&t.secondary_outcomes)
        .map(|o| o.measure.as_str())
        .collect();
    assert!(
        r.outcomes
            .iter()
            .all(|o| registered.contains(&o.measure.as_str()))
    );
    assert!(r.summary.contains("NCT00763412") && r.summary.contains("very small sample size"));
    assert!(has(&i.placeholders, "results.summary"));
}

#[test]
fn nct03630471_protocol_only() {
    let i = import(NCT03630471);
    check_common(&i, "NCT03630471");
    let t = &i.trial;
    assert_eq!(
        t.public_title,
        "Effectiveness of a Problem-solving Intervention for Common Adolescent Mental Health Problems in India"
    );
    assert!(
        t.scientific_title
            .starts_with("The Effectiveness of a Low-intensity")
    );
    assert_eq!(t.acronym.as_deref(), Some("PRIDE"));
    assert_eq!(t.primary_sponsor, "Sangath");
    assert_eq!(t.secondary_sponsors.len(), 2);
    assert_eq!(
        (t.primary_outcomes.len(), t.secondary_outcomes.len()),
        (2, 9)
    );
    assert_eq!(t.primary_outcomes[0].measure, "Mental health symptoms");
    assert_eq!(t.primary_outcomes[0].time_frame, "6 weeks");
    assert_eq!(t.date_of_first_enrolment.to_string(), "2018-08-20");
    assert_eq!(t.completion_date.unwrap().to_string(), "2019-02-28");
    assert_eq!(i.actual_first_enrolment.unwrap().to_string(), "2018-08-20");
    assert!(i.warnings.iter().any(|w| w.contains("retrospective")));
    assert_eq!(t.target_sample_size, 250);
    assert_eq!(t.countries, ["India"]);

    // The control is an ACTIVE_COMPARATOR arm.
    let flags: Vec<(&str, bool)> = t
        .interventions
        .iter()
        .map(|x| (x.name.as_str(), x.comparator))
        .collect();
    assert_eq!(
        flags,
        [
            ("PRIDE 'Step 1' problem-solving intervention", false),
            ("Enhanced usual care", true)
        ]
    );
    assert!(t.interventions.iter().all(|x| x.kind == "behavioral"));

    // Lowercase headings; the "Eligibility criteria:" heading is dropped.
    let e = &t.eligibility;
    assert!(
        e.inclusion_criteria
            .starts_with("For adolescent participants:")
    );
    assert!(
        e.inclusion_criteria
            .contains("Proficient in spoken English or Hindi")
    );
    assert!(!e.inclusion_criteria.contains("Exclusion"));
    assert!(
        e.exclusion_criteria
            .starts_with("For adolescent participants:")
    );
    assert!(
        e.exclusion_criteria
            .ends_with("Intoxicated at the point of consent or assessment")
    );
    assert_eq!(e.maximum_age.as_deref(), Some("20 Years"));

    assert_eq!(t.ipd_sharing.plan, IpdPlan::Yes);
    assert!(
        t.ipd_sharing
            .description
            .contains("Time frame: 12 months after completion of trial.")
    );
    assert!(
        t.ipd_sharing
            .description
            .contains("statistical analysis plan")
    );
    assert_eq!(t.scientific_contact.name, "Vikram Patel, PhD");
    assert!(has(&i.absent, "trial.funding_sources"));
    assert!(i.results.is_none());
}

#[test]
fn nct06171568_observational() {
    let i = import(NCT06171568);
    check_common(&i, "NCT06171568");
    let t = &i.trial;
    assert_eq!(t.acronym.as_deref(), Some("ECOG"));
    assert_eq!(t.primary_sponsor, "Assistance Publique - Hôpitaux de Paris");
    assert_eq!(
        t.public_title,
        "Lariboisière Cognitive Assessment: Evaluation of the 1-year Outcomes"
    );
    assert_eq!(
        (t.primary_outcomes.len(), t.secondary_outcomes.len()),
        (1, 7)
    );
    assert_eq!(t.study_type, StudyType::Observational);
    assert_eq!(t.design.assignment.as_deref(), Some("cohort (prospective)"));
    assert_eq!(t.design.phase, None);
    assert_eq!(t.recruitment_status, RecruitmentStatus::Pending);
    assert_eq!(t.date_of_first_enrolment.to_string(), "2024-02-01");
    assert_eq!(i.actual_first_enrolment, None, "an estimated start date");
    assert_eq!(t.target_sample_size, 400);
    assert!(
        t.secondary_ids
            .iter()
            .any(|s| s.id == "2023-A00386-39" && s.issuer == "IDRCB")
    );
    assert_eq!(t.interventions.len(), 1);
    assert!(!t.interventions[0].comparator);
    assert_eq!(t.interventions[0].kind, "other");

    // No exclusion heading: everything is inclusion.
    assert_eq!(
        t.eligibility.inclusion_criteria,
        "* Patient over 18 years..."
    );
    assert_eq!(t.eligibility.exclusion_criteria, "");
    assert_eq!(t.eligibility.minimum_age.as_deref(), Some("18 Years"));

    // The record has no maximum age: None (no limit), and reported absent.
    assert_eq!(t.eligibility.maximum_age, None);
    assert!(has(
        &i.absent,
        "protocolSection.eligibilityModule.maximumAge"
    ));
    assert!(!has(
        &i.absent,
        "protocolSection.eligibilityModule.minimumAge"
    ));

    // A central contact is the public contact, with phone and e-mail.
    assert_eq!(t.public_contact.name, "Camille Heslot, MD");
    assert_eq!(
        t.public_contact.email.as_deref(),
        Some("camille.heslot@aphp.fr")
    );
    assert_eq!(
        t.public_contact.phone.as_deref(),
        Some("01.49.95.81.69 ext. +33")
    );
    assert_eq!(t.scientific_contact.name, "Emmanuel Mandonnet, MD, PhD");
    assert_eq!(t.ipd_sharing.plan, IpdPlan::No);
    assert!(i.results.is_none());
}

/// The imported record, with a signer's fields, is a registration predicate
/// that parses back through the predicate's JSON form and validates.
#[test]
fn imported_records_are_registration_predicates() {
    for json in [NCT00763412, NCT03630471, NCT06171568] {
        let i = import(json);
        let registration = Registration {
            signer_key: "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=".to_owned(),
            created_at: "2024-05-01T09:30:00Z".parse().unwrap(),
            trial: i.trial.clone(),
            consent_forms: Vec::new(),
        };
        let value = serde_json::to_value(&registration).unwrap();
        let parsed = Predicate::from_json(PredicateKind::Registration, value).unwrap();
        assert_eq!(parsed, Predicate::Registration(registration.clone()));
        validate::validate_registration(&registration, &[]).unwrap();
    }
}

#[test]
fn minimal_record_imports_with_absent_filled() {
    let i = import_value(serde_json::json!({
        "protocolSection": {
            "identificationModule": {"nctId": "NCT01234567", "briefTitle": "A small trial"}
        }
    }));
    assert_eq!(i.nct_id, "NCT01234567");
    let t = &i.trial;
    assert_eq!(t.public_title, "A small trial");
    assert_eq!(
        t.scientific_title, "A small trial",
        "falls back to the brief title"
    );
    assert_eq!(t.secondary_ids.len(), 1);
    for path in [
        "protocolSection.identificationModule.officialTitle",
        "protocolSection.sponsorCollaboratorsModule.leadSponsor.name",
        "protocolSection.conditionsModule.conditions",
        "protocolSection.designModule.studyType",
        "protocolSection.designModule.enrollmentInfo.count",
        "protocolSection.armsInterventionsModule.interventions",
        "protocolSection.eligibilityModule.eligibilityCriteria",
        "protocolSection.eligibilityModule.sex",
        "protocolSection.statusModule.overallStatus",
        "protocolSection.statusModule.startDateStruct.date",
        "protocolSection.statusModule.completionDateStruct.date",
        "protocolSection.outcomesModule.primaryOutcomes",
        "protocolSection.outcomesModule.secondaryOutcomes",
        "protocolSection.contactsLocationsModule.locations",
        "protocolSection.ipdSharingStatementModule.ipdSharing",
        "trial.ethics_review",
        "trial.funding_sources",
    ] {
        assert!(has(&i.absent, path), "{path} not in {:?}", i.absent);
    }
    for field in [
        "trial.primary_sponsor",
        "trial.public_contact",
        "trial.scientific_contact",
        "trial.conditions",
        "trial.study_type",
        "trial.target_sample_size",
        "trial.interventions",
        "trial.eligibility.inclusion_criteria",
        "trial.eligibility.sex",
        "trial.recruitment_status",
        "trial.date_of_first_enrolment",
        "trial.primary_outcomes",
        "trial.ethics_review",
        "trial.ipd_sharing.plan",
    ] {
        assert!(
            has(&i.placeholders, field),
            "{field} not in {:?}",
            i.placeholders
        );
    }
    // Documented fallbacks.
    assert_eq!(t.study_type, StudyType::Interventional);
    assert_eq!(t.recruitment_status, RecruitmentStatus::Other);
    assert_eq!(t.eligibility.sex, Sex::All);
    assert_eq!(t.ipd_sharing.plan, IpdPlan::Undecided);
    assert_eq!(t.date_of_first_enrolment.to_string(), "0001-01");
    assert_eq!(t.target_sample_size, 0);
    assert!(t.primary_outcomes.is_empty() && t.completion_date.is_none());
    // The data comes back; validation names the first missing field.
    let error = i.validate().unwrap_err();
    assert_eq!(error.path, "trial.primary_sponsor");
    assert!(!i.is_complete());
    assert!(i.results.is_none());
}

/// Numbers as strings or numbers, unknown enumeration values, a comparator
/// arm without interventions, unusable values, and a results section with
/// other outcome types.
#[test]
fn odd_values_are_imported_or_reported() {
    let record = |count: serde_json::Value| {
        serde_json::json!({
            "protocolSection": {
                "identificationModule": {"nctId": "NCT07654321", "briefTitle": "B", "officialTitle": "B, officially"},
                "statusModule": {
                    "overallStatus": "PAUSED_FOR_LUNCH",
                    "startDateStruct": {"date": "2025-13"},
                    "primaryCompletionDateStruct": {"date": "2026-06", "type": "ESTIMATED"}
                },
                "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Sponsor Ltd"}},
                "conditionsModule": {"conditions": ["Asthma", "  "]},
                "designModule": {
                    "studyType": "INTERVENTIONAL",
                    "phases": ["PHASE1", "PHASE2"],
                    "designInfo": {"allocation": "RANDOMIZED", "maskingInfo": {"masking": "NONE"}},
                    "enrollmentInfo": {"count": count, "type": "ESTIMATED"}
                },
                "armsInterventionsModule": {
                    "armGroups": [
                        {"label": "Drug", "type": "EXPERIMENTAL", "interventionNames": ["Drug: X-1"]},
                        {"label": "Nothing", "type": "NO_INTERVENTION", "description": "Usual care"},
                        {"label": "Odd", "type": "SOMETHING_ELSE"}
                    ],
                    "interventions": [{"type": "DRUG", "name": "X-1"}]
                },
                "eligibilityModule": {"eligibilityCriteria": "Adults", "sex": "EVERYONE"},
                "outcomesModule": {
                    "primaryOutcomes": [{"measure": "FEV1", "timeFrame": 12}],
                    "otherOutcomes": [{"measure": "Exploratory", "timeFrame": "1 year"}]
                },
                "contactsLocationsModule": {
                    "overallOfficials": [{"name": "Dr A", "role": "PRINCIPAL_INVESTIGATOR"}],
                    "locations": [{"country": "Chile"}, {"city": "Lima"}, {"country": "Chile"}]
                },
                "ipdSharingStatementModule": {"ipdSharing": "YES"}
            },
            "resultsSection": {
                "outcomeMeasuresModule": {"outcomeMeasures": [
                    {"type": "OTHER_PRE_SPECIFIED", "title": "A", "timeFrame": "1 year",
                     "paramType": "COUNT_OF_PARTICIPANTS", "unitOfMeasure": "Participants",
                     "groups": [{"id": "OG000", "title": "Drug"}],
                     "classes": [{"categories": [{"measurements": [{"groupId": "OG000", "value": 7}]}]}],
                     "analyses": [{"pValue": "0.04", "statisticalMethod": "Fisher Exact"}]},
                    {"type": "POST_HOC", "title": "B", "timeFrame": "2 years", "description": "Post hoc."},
                    {"type": "NEW_KIND", "title": "C", "timeFrame": "3 years", "reportingStatus": "NOT_POSTED"}
                ]}
            }
        })
    };
    let i = import_value(record(serde_json::json!("120")));
    let t = &i.trial;
    assert_eq!(t.target_sample_size, 120, "a count given as a string");
    assert_eq!(
        import_value(record(serde_json::json!(120)))
            .trial
            .target_sample_size,
        120
    );
    assert_eq!(t.design.phase.as_deref(), Some("phase1/phase2"));
    assert_eq!(t.design.masking.as_deref(), Some("none"));
    assert_eq!(t.conditions, ["Asthma"]);
    assert_eq!(t.countries, ["Chile"]);
    assert_eq!(t.public_contact.name, "Dr A");
    assert_eq!(t.scientific_contact.name, "Dr A");
    assert_eq!(t.primary_outcomes[0].time_frame, "12", "a number as text");

    assert_eq!(t.recruitment_status, RecruitmentStatus::Other);
    assert!(has(&i.absent, "protocolSection.statusModule.overallStatus"));
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains("\"PAUSED_FOR_LUNCH\""))
    );
    assert_eq!(t.eligibility.sex, Sex::All);
    assert!(has(&i.placeholders, "trial.eligibility.sex"));
    assert!(i.warnings.iter().any(|w| w.contains("SOMETHING_ELSE")));
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains("other pre-specified outcome"))
    );

    // An invalid month is unusable: reported, and the placeholder date used.
    assert!(has(
        &i.absent,
        "protocolSection.statusModule.startDateStruct.date"
    ));
    assert!(has(&i.placeholders, "trial.date_of_first_enrolment"));
    // The completion date falls back to the primary completion date.
    assert_eq!(t.completion_date.unwrap().to_string(), "2026-06");
    assert_eq!(i.actual_completion, None);

    // The NO_INTERVENTION arm becomes a comparator intervention.
    let flags: Vec<(&str, &str, bool)> = t
        .interventions
        .iter()
        .map(|x| (x.kind.as_str(), x.name.as_str(), x.comparator))
        .collect();
    assert_eq!(flags, [("drug", "X-1", false), ("other", "Nothing", true)]);
    assert_eq!(t.interventions[1].description, "Usual care");

    // IPD sharing "yes" without any description.
    assert!(has(&i.placeholders, "trial.ipd_sharing.description"));
    assert_eq!(
        i.validate().unwrap_err().path,
        "trial.ipd_sharing.description"
    );

    let r = i.results.as_ref().unwrap();
    let types: Vec<OutcomeType> = r.outcomes.iter().map(|o| o.outcome_type).collect();
    assert_eq!(types, [OutcomeType::Other; 3]);
    assert_eq!(
        r.outcomes[0].result,
        "Count of participants, Participants — Drug: 7. Analyses: p = 0.04 (Fisher Exact)"
    );
    assert!(
        r.outcomes[1]
            .result
            .ends_with("no values posted; Post hoc.")
    );
    assert!(r.outcomes[2].result.starts_with("Not posted"));
    assert!(has(
        &i.absent,
        "resultsSection.outcomeMeasuresModule.outcomeMeasures[2].type"
    ));

    // Counts that are no positive whole number.
    for bad in [
        serde_json::json!("many"),
        serde_json::json!(-3),
        serde_json::json!(0),
    ] {
        let i = import_value(record(bad));
        assert_eq!(i.trial.target_sample_size, 0);
        assert!(has(&i.placeholders, "trial.target_sample_size"));
        assert!(has(
            &i.absent,
            "protocolSection.designModule.enrollmentInfo.count"
        ));
    }
}

#[test]
fn long_results_are_summarised() {
    let measurements: Vec<serde_json::Value> = (0..400)
        .map(
            |n| serde_json::json!({"groupId": "OG000", "value": format!("{n}.5"), "spread": "1.2"}),
        )
        .collect();
    let i = import_value(serde_json::json!({
        "protocolSection": {"identificationModule": {"nctId": "NCT00000001"}},
        "resultsSection": {"outcomeMeasuresModule": {"outcomeMeasures": [{
            "type": "PRIMARY", "title": "Many", "timeFrame": "1 year", "description": "A long table.",
            "paramType": "MEAN", "dispersionType": "Standard Deviation",
            "groups": [{"id": "OG000", "title": "All"}],
            "classes": [{"categories": [{"measurements": measurements}]}]
        }]}}
    }));
    let result = &i.results.unwrap().outcomes[0].result;
    assert!(result.chars().count() <= ctgov::MAX_RESULT_TEXT);
    assert_eq!(
        result,
        "Mean (standard deviation): 400 values for 1 groups (full data: ClinicalTrials.gov NCT00000001); A long table."
    );
}

#[test]
fn unusable_input_is_refused_naming_the_problem() {
    let err = |bytes: &[u8]| ctgov::import(bytes).unwrap_err();

    let e = err(b"<html>not json</html>");
    assert!(matches!(e, CtgovError::NotJson(_)), "{e}");
    assert!(e.to_string().starts_with("not JSON: "), "{e}");
    assert!(matches!(err(&[0xff, 0xfe]), CtgovError::NotJson(_)));

    let e = err(b"[1, 2]");
    assert_eq!(
        e.to_string(),
        "not a ClinicalTrials.gov API v2 study record: the top level is an array, not an object"
    );
    let e = err(br#"{"hello": "world"}"#);
    assert_eq!(
        e,
        CtgovError::NotAStudy("it has no protocolSection".to_owned())
    );
    let e = err(br#"{"studies": [{}, {}], "nextPageToken": "x"}"#);
    assert!(
        e.to_string().contains("search response with 2 studies"),
        "{e}"
    );
    let e = err(br#"{"FullStudiesResponse": {"FullStudies": []}}"#);
    assert!(e.to_string().contains("classic API (v1)"), "{e}");
    let e = err(br#"{"protocolSection": []}"#);
    assert!(
        e.to_string().contains("protocolSection is not an object"),
        "{e}"
    );
    let e = err(br#"{"protocolSection": {"identificationModule": {}}}"#);
    assert_eq!(
        e.to_string(),
        "not a ClinicalTrials.gov API v2 study record: protocolSection.identificationModule.nctId is missing"
    );
    let e = err(br#"{"protocolSection": {"identificationModule": {"nctId": "NCT123"}}}"#);
    assert_eq!(e, CtgovError::BadNctId("NCT123".to_owned()));
    assert!(e.to_string().contains("NCT followed by 8 digits"));

    let mut big = NCT00763412.to_vec();
    big.resize(MAX_INPUT + 1, b' ');
    let e = err(&big);
    assert_eq!(
        e,
        CtgovError::TooLarge {
            len: MAX_INPUT + 1,
            max: MAX_INPUT
        }
    );
    assert!(e.to_string().contains("4194305 bytes"), "{e}");
    // Exactly at the limit is fine.
    big.truncate(MAX_INPUT);
    assert_eq!(import(&big).nct_id, "NCT00763412");
}

#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
mod cli {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    fn data(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/ctgov")
            .join(name)
    }

    fn run(file: &Path) -> Output {
        Command::new(env!("CARGO_BIN_EXE_trialverify"))
            .arg("import-ctgov")
            .arg(file)
            .output()
            .expect("run trialverify")
    }

    #[test]
    fn imports_a_record() {
        let out = run(&data("NCT00763412.json"));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["nct_id"], "NCT00763412");
        let trial = &json["registration"]["trial"];
        assert_eq!(trial["primary_sponsor"], "Arbelaez, Ana Maria");
        assert_eq!(trial["date_of_first_enrolment"], "2006-11");
        assert_eq!(trial["primary_outcomes"][2]["id"], "P3");
        assert_eq!(json["registration"]["consent_forms"], serde_json::json!([]));
        assert!(
            trial.get("signer_key").is_none() && json["registration"].get("signer_key").is_none()
        );
        // The printed trial is a TrialRecord.
        let _: verifier::predicate::TrialRecord = serde_json::from_value(trial.clone()).unwrap();
        let outcomes = json["results"]["outcomes"].as_array().unwrap();
        assert_eq!(outcomes.len(), 9);
        assert_eq!(outcomes[0]["type"], "primary");
        assert_eq!(outcomes[0]["registered_id"], serde_json::Value::Null);
        assert_eq!(json["actual_dates"]["completion"], "2013-01");
        assert!(
            json["absent"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(
                    "protocolSection.identificationModule.acronym"
                ))
        );
        assert!(
            stderr.contains(
                "warning: NCT00763412: absent: protocolSection.identificationModule.acronym"
            ),
            "{stderr}"
        );
        assert!(
            stderr.contains("placeholder, to replace before signing: trial.ethics_review"),
            "{stderr}"
        );

        let out = run(&data("NCT03630471.json"));
        assert_eq!(out.status.code(), Some(0));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["results"], serde_json::Value::Null);
    }

    #[test]
    fn refuses_a_bad_file_with_exit_2() {
        let out = run(&data("NOTICE"));
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("unusable input"), "{stderr}");
        assert!(stderr.contains("NOTICE: not JSON"), "{stderr}");

        let out = run(&data("does-not-exist.json"));
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8(out.stderr)
                .unwrap()
                .contains("cannot read")
        );
    }
}
