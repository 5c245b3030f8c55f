//! `trialverify import-ctgov`: map a ClinicalTrials.gov API v2 study record
//! to the unsigned bodies of a registration and a results predicate
//! ([`verifier::ctgov`]) and print them as JSON.
//!
//! Standard output gets one JSON object:
//!
//! ```text
//! {"nct_id": "NCT…",
//!  "registration": {"trial": {…}, "consent_forms": []},
//!  "results": {"outcomes": […], "summary": "…"} or null,
//!  "actual_dates": {"first_enrolment": "…", "completion": "…"},
//!  "absent": […], "placeholders": […], "warnings": […]}
//! ```
//!
//! The signer adds `signer_key` and `created_at` (and, for results,
//! `trial_id` and `prev`). Standard error repeats the absent fields, the
//! placeholders and the warnings, one per line. Exit 0 once a study record
//! imported, however incomplete; 2 when the file is unusable (unreadable,
//! too large, not JSON, not a v2 study record).

use std::io::Read;

use serde::Serialize;
use verifier::ctgov::{self, ImportedResults, MAX_INPUT};
use verifier::predicate::{Date, TrialRecord};

use crate::Failure;

/// What is printed, in this order.
#[derive(Serialize)]
struct Output<'a> {
    nct_id: &'a str,
    registration: Registration<'a>,
    results: Option<&'a ImportedResults>,
    actual_dates: ActualDates,
    absent: &'a [String],
    placeholders: &'a [String],
    warnings: &'a [String],
}

/// A registration predicate without `signer_key` and `created_at`.
#[derive(Serialize)]
struct Registration<'a> {
    trial: &'a TrialRecord,
    consent_forms: [(); 0],
}

/// Dates the record gives as actual (for a status predicate).
#[derive(Serialize)]
struct ActualDates {
    first_enrolment: Option<Date>,
    completion: Option<Date>,
}

/// Runs the import of `file` (`-` for standard input).
pub fn run(file: &str) -> Result<(), Failure> {
    let name = if file == "-" { "standard input" } else { file };
    let bytes = read_input(file, name)?;
    let import = ctgov::import(&bytes).map_err(|e| Failure::Input(format!("{name}: {e}")))?;
    let output = Output {
        nct_id: &import.nct_id,
        registration: Registration {
            trial: &import.trial,
            consent_forms: [],
        },
        results: import.results.as_ref(),
        actual_dates: ActualDates {
            first_enrolment: import.actual_first_enrolment,
            completion: import.actual_completion,
        },
        absent: &import.absent,
        placeholders: &import.placeholders,
        warnings: &import.warnings,
    };
    let text = serde_json::to_string_pretty(&output)
        .map_err(|e| Failure::Input(format!("cannot print the import: {e}")))?;
    println!("{text}");
    let id = &import.nct_id;
    for path in &import.absent {
        eprintln!("trialverify: warning: {id}: absent: {path}");
    }
    for field in &import.placeholders {
        eprintln!("trialverify: warning: {id}: placeholder, to replace before signing: {field}");
    }
    for warning in &import.warnings {
        eprintln!("trialverify: warning: {id}: {warning}");
    }
    if let Err(e) = import.validate() {
        eprintln!("trialverify: warning: {id}: the registration does not validate yet: {e}");
    }
    Ok(())
}

/// Reads at most one byte more than [`MAX_INPUT`], so that the library
/// reports an oversized file without the whole of it being read.
fn read_input(file: &str, name: &str) -> Result<Vec<u8>, Failure> {
    let limit = MAX_INPUT as u64 + 1;
    let mut bytes = Vec::new();
    let read = if file == "-" {
        std::io::stdin().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| Failure::Input(format!("cannot read {name}: {e}")))?;
    Ok(bytes)
}
