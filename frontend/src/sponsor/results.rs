//! The results commitment form: each pre-specified outcome offered for
//! reporting, outcomes added, and the rule that an outcome reported
//! differently from its registration, or not registered at all, must say
//! why (`change_reason`). Plain Rust, unit-tested natively.

use verifier::predicate::{
    Outcome, OutcomeType, Predicate, ReportedOutcome, Results, Timestamp, TrialRecord,
};
use verifier::statement::Subject;

use super::form::{FieldError, enum_str, parse_enum, split_row};
use super::submit::predicate_errors;

/// One outcome row of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    /// The pre-specified outcome's id; `None` for an added outcome.
    pub registered_id: Option<String>,
    /// Whether the outcome is reported (pre-specified rows may be left out,
    /// which the outcome comparison will show as missing).
    pub include: bool,
    /// What was measured, as reported.
    pub measure: String,
    /// `primary`, `secondary` or `other`.
    pub outcome_type: String,
    /// When it was measured, as reported.
    pub time_frame: String,
    /// The result.
    pub result: String,
    /// Why it differs from (or was added to) the registration.
    pub change_reason: String,
}

/// The results form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultsForm {
    /// Pre-specified outcomes first (primary, secondary), then added ones.
    pub rows: Vec<ResultRow>,
    /// Plain-language summary.
    pub summary: String,
}

fn row_for(o: &Outcome, outcome_type: OutcomeType) -> ResultRow {
    ResultRow {
        registered_id: Some(o.id.clone()),
        include: true,
        measure: o.measure.clone(),
        outcome_type: enum_str(&outcome_type),
        time_frame: o.time_frame.clone(),
        result: String::new(),
        change_reason: String::new(),
    }
}

/// The registered outcome with `id` and its rank.
fn registered<'a>(record: &'a TrialRecord, id: &str) -> Option<(&'a Outcome, OutcomeType)> {
    record
        .primary_outcomes
        .iter()
        .find(|o| o.id == id)
        .map(|o| (o, OutcomeType::Primary))
        .or_else(|| {
            record
                .secondary_outcomes
                .iter()
                .find(|o| o.id == id)
                .map(|o| (o, OutcomeType::Secondary))
        })
}

impl ResultRow {
    /// Whether this row must give a `change_reason`: it was not
    /// pre-specified, or its measure, time frame or rank differ from the
    /// registration (`None`: the row is not reported).
    pub fn needs_reason(&self, record: &TrialRecord) -> Option<bool> {
        if !self.include {
            return None;
        }
        let Some(id) = &self.registered_id else {
            return Some(true);
        };
        let Some((outcome, rank)) = registered(record, id) else {
            return Some(true);
        };
        Some(
            self.measure.trim() != outcome.measure.trim()
                || self.time_frame.trim() != outcome.time_frame.trim()
                || self.outcome_type != enum_str(&rank),
        )
    }
}

impl ResultsForm {
    /// One row per pre-specified outcome of `record`.
    pub fn for_record(record: &TrialRecord) -> ResultsForm {
        ResultsForm {
            rows: record
                .primary_outcomes
                .iter()
                .map(|o| row_for(o, OutcomeType::Primary))
                .chain(
                    record
                        .secondary_outcomes
                        .iter()
                        .map(|o| row_for(o, OutcomeType::Secondary)),
                )
                .collect(),
            summary: String::new(),
        }
    }

    /// Adds an outcome that was not pre-specified.
    pub fn add_row(&mut self) {
        self.rows.push(ResultRow {
            registered_id: None,
            include: true,
            measure: String::new(),
            outcome_type: "other".to_owned(),
            time_frame: String::new(),
            result: String::new(),
            change_reason: String::new(),
        });
    }

    /// Removes an added row (pre-specified rows are excluded instead).
    pub fn remove_row(&mut self, i: usize) {
        if self.rows.get(i).is_some_and(|r| r.registered_id.is_none()) {
            self.rows.remove(i);
        }
    }

    /// The input at `path` (`summary`, `rows[i].result`, …).
    pub fn text(&self, path: &str) -> String {
        if path == "summary" {
            return self.summary.clone();
        }
        match split_row(path) {
            Some(("rows", i, field)) => self
                .rows
                .get(i)
                .map(|r| match field {
                    "measure" => r.measure.clone(),
                    "type" => r.outcome_type.clone(),
                    "time_frame" => r.time_frame.clone(),
                    "result" => r.result.clone(),
                    "change_reason" => r.change_reason.clone(),
                    _ => String::new(),
                })
                .unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// Sets the input at `path`.
    pub fn set_text(&mut self, path: &str, value: String) -> bool {
        if path == "summary" {
            self.summary = value;
            return true;
        }
        let Some(("rows", i, field)) = split_row(path) else {
            return false;
        };
        let Some(row) = self.rows.get_mut(i) else {
            return false;
        };
        let slot = match field {
            "measure" => &mut row.measure,
            "type" => &mut row.outcome_type,
            "time_frame" => &mut row.time_frame,
            "result" => &mut row.result,
            "change_reason" => &mut row.change_reason,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// Sets `rows[i].include`.
    pub fn set_flag(&mut self, path: &str, value: bool) -> bool {
        match split_row(path) {
            Some(("rows", i, "include")) => {
                self.rows.get_mut(i).map(|r| r.include = value).is_some()
            }
            _ => false,
        }
    }

    /// The results predicate, or every problem at its input (`rows[i].…`,
    /// `summary`, `documents[i]`).
    pub fn build(
        &self,
        record: &TrialRecord,
        subjects: &[Subject],
        signer_key: &str,
        created_at: Timestamp,
        trial_id: &str,
        prev: &str,
    ) -> Result<Predicate, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut rows_of_outcomes = Vec::new();
        let mut outcomes = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            let Some(needs_reason) = row.needs_reason(record) else {
                continue;
            };
            if needs_reason && row.change_reason.trim().is_empty() {
                errors.push(FieldError::new(
                    format!("rows[{i}].change_reason"),
                    if row.registered_id.is_some() {
                        "this outcome is reported differently from its registration: say why"
                    } else {
                        "this outcome was not pre-specified: say why it is reported"
                    },
                ));
            }
            let outcome_type = parse_enum(
                &row.outcome_type,
                &format!("rows[{i}].type"),
                OutcomeType::Other,
                &mut errors,
            );
            rows_of_outcomes.push(i);
            outcomes.push(ReportedOutcome {
                registered_id: row.registered_id.clone(),
                measure: row.measure.clone(),
                outcome_type,
                time_frame: row.time_frame.clone(),
                result: row.result.clone(),
                change_reason: (!row.change_reason.trim().is_empty())
                    .then(|| row.change_reason.clone()),
            });
        }
        if outcomes.is_empty() {
            errors.push(FieldError::new("rows", "report at least one outcome"));
        }
        let predicate: Predicate = Results {
            signer_key: signer_key.to_owned(),
            created_at,
            trial_id: trial_id.to_owned(),
            prev: prev.to_owned(),
            outcomes,
            summary: self.summary.clone(),
        }
        .into();
        for e in predicate_errors(&predicate, subjects) {
            let input = match split_row(&e.path) {
                Some(("outcomes", j, field)) => rows_of_outcomes
                    .get(j)
                    .map(|i| format!("rows[{i}].{field}"))
                    .unwrap_or_else(|| "rows".to_owned()),
                Some(("subject", i, _)) => format!("documents[{i}]"),
                _ if e.path == "outcomes" => "rows".to_owned(),
                _ => e.path.clone(),
            };
            if matches!(e.problem, verifier::validate::Problem::NotSha256(_)) {
                continue;
            }
            if !errors.iter().any(|x| x.path == input) {
                errors.push(FieldError::new(input, e.problem.to_string()));
            }
        }
        if errors.is_empty() {
            Ok(predicate)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> TrialRecord {
        let import = verifier::ctgov::import(include_bytes!(
            "../../../verifier/tests/data/ctgov/NCT00763412.json"
        ))
        .unwrap();
        import.trial
    }

    fn t() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    const ID: &str = "TL-0000000000000000";

    #[test]
    fn reported_as_registered_needs_no_reason() {
        let record = record();
        let mut form = ResultsForm::for_record(&record);
        assert_eq!(
            form.rows.len(),
            record.primary_outcomes.len() + record.secondary_outcomes.len()
        );
        for i in 0..form.rows.len() {
            form.set_text(&format!("rows[{i}].result"), format!("result {i}"));
        }
        form.summary = "It worked.".into();
        let prev = "ab".repeat(32);
        let Predicate::Results(results) = form.build(&record, &[], "", t(), ID, &prev).unwrap()
        else {
            panic!("a results predicate");
        };
        assert!(results.outcomes.iter().all(|o| o.change_reason.is_none()));
        let comparison = verifier::compare::compare_outcomes(&record, &results.outcomes);
        assert!(!comparison.has_findings(), "{comparison:?}");
    }

    #[test]
    fn changed_and_added_outcomes_require_a_reason() {
        let record = record();
        let mut form = ResultsForm::for_record(&record);
        for i in 0..form.rows.len() {
            form.set_text(&format!("rows[{i}].result"), "r".into());
        }
        form.summary = "s".into();
        form.set_text("rows[0].time_frame", "26 weeks".into());
        form.add_row();
        let added = form.rows.len() - 1;
        form.set_text(&format!("rows[{added}].measure"), "Adverse events".into());
        form.set_text(&format!("rows[{added}].time_frame"), "whole study".into());
        form.set_text(&format!("rows[{added}].result"), "none serious".into());
        let prev = "ab".repeat(32);
        let errors = form.build(&record, &[], "", t(), ID, &prev).unwrap_err();
        let paths: Vec<_> = errors.iter().map(|e| e.path.clone()).collect();
        assert_eq!(
            paths,
            [
                "rows[0].change_reason".to_owned(),
                format!("rows[{added}].change_reason")
            ]
        );
        form.set_text("rows[0].change_reason", "follow-up extended".into());
        form.set_text(&format!("rows[{added}].change_reason"), "safety".into());
        let Predicate::Results(results) = form.build(&record, &[], "", t(), ID, &prev).unwrap()
        else {
            panic!("a results predicate");
        };
        let comparison = verifier::compare::compare_outcomes(&record, &results.outcomes);
        assert!(
            !comparison.has_findings(),
            "declared changes are not findings"
        );
        assert_eq!(comparison.counts.changed, 1);
        assert_eq!(comparison.counts.added, 1);
    }

    #[test]
    fn excluded_rows_are_not_reported_and_errors_map_back() {
        let record = record();
        let mut form = ResultsForm::for_record(&record);
        form.set_flag("rows[0].include", false);
        let prev = "ab".repeat(32);
        let errors = form.build(&record, &[], "", t(), ID, &prev).unwrap_err();
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        // Row 0 is left out; the first reported row (1) has no result text.
        assert!(paths.contains(&"rows[1].result"), "{paths:?}");
        assert!(paths.contains(&"summary"), "{paths:?}");
        assert!(!paths.iter().any(|p| p.starts_with("rows[0]")), "{paths:?}");
        // Pre-specified rows cannot be removed, only excluded.
        form.remove_row(0);
        assert_eq!(
            form.rows.len(),
            record.primary_outcomes.len() + record.secondary_outcomes.len()
        );
    }
}
