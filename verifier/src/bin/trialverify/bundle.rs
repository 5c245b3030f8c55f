//! `trialverify bundle BUNDLE --policy POLICY [--file PATH …] [--json]`:
//! verify a trial's evidence bundle offline ([`verifier::report`]).
//!
//! Prints the checks with ✓/✗, the timeline with witnessed times (RFC 3339
//! UTC), the registration's timing, the outcome table and the documents —
//! or, with `--json`, the report as JSON on standard output. Documents
//! given with `--file` are hashed here (streaming) and matched against the
//! subjects of the trial's entries.
//!
//! Exit codes: 0 `verified`, 3 `findings`, 1 `failed`, 2 unusable input
//! (unreadable files, a policy that does not parse, a bundle that is not
//! bundle JSON or exceeds the size limits).

use std::fmt::Write as _;
use std::io::Read;
use std::path::PathBuf;

use verifier::bundle::MAX_BUNDLE_BYTES;
use verifier::compare::{ChangeField, OutcomeStatus};
use verifier::policy::Policy;
use verifier::report::{
    Category, DocumentStatus, ProspectiveStatus, Report, SuppliedDocument, Verdict, verify_bundle,
};

use crate::{Failure, hash_file, read_small_input};

/// Runs the command.
pub fn run(bundle: &str, policy: &str, files: &[PathBuf], json: bool) -> Result<(), Failure> {
    let policy_text = read_small_input(policy)?;
    let policy_text = String::from_utf8(policy_text)
        .map_err(|_| Failure::Input(format!("policy {policy} is not UTF-8 text")))?;
    let policy =
        Policy::parse(&policy_text).map_err(|e| Failure::Input(format!("policy {policy}: {e}")))?;
    let bytes = read_bundle(bundle)?;
    let documents = files
        .iter()
        .map(|path| {
            Ok(SuppliedDocument::new(
                path.display().to_string(),
                hash_file(path)?,
            ))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let name = if bundle == "-" {
        "standard input"
    } else {
        bundle
    };
    let report = verify_bundle(&bytes, &policy, &documents)
        .map_err(|e| Failure::Input(format!("{name}: {e}")))?;
    if json {
        println!("{}", report.to_json_pretty());
    } else {
        print!("{}", human(&report));
    }
    let failed: Vec<String> = report
        .failures()
        .filter(|c| c.category == Category::Integrity)
        .map(|c| match c.index {
            Some(i) => format!("{} (entry {i})", c.name),
            None => c.name.to_string(),
        })
        .collect();
    match report.verdict {
        Verdict::Verified => Ok(()),
        Verdict::Findings => Err(Failure::Findings(format!(
            "{} finding(s): {}",
            report.findings.len(),
            report.findings.join("; ")
        ))),
        Verdict::Failed => Err(Failure::Verification(format!(
            "{} check(s) failed: {}{}",
            failed.len(),
            failed.join(", "),
            match report.findings.len() {
                0 => String::new(),
                n => format!(" (and {n} finding(s))"),
            }
        ))),
    }
}

/// Reads the bundle, at most one byte beyond the library's limit (so that
/// it reports an oversized bundle without reading all of it).
fn read_bundle(file: &str) -> Result<Vec<u8>, Failure> {
    let limit = MAX_BUNDLE_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    let read = if file == "-" {
        std::io::stdin().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    let name = if file == "-" { "standard input" } else { file };
    read.map_err(|e| Failure::Input(format!("cannot read {name}: {e}")))?;
    Ok(bytes)
}

fn mark(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗" }
}

fn opt(text: Option<&str>) -> &str {
    text.unwrap_or("-")
}

/// The report for a terminal.
fn human(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Trial {} on log {}", report.trial_id, report.origin);
    if let Some(head) = &report.head {
        let _ = writeln!(
            out,
            "Head: checkpoint of size {}, witnessed {} by {}",
            head.size,
            opt(head.witnessed_time.as_deref()),
            head.cosigned_by.join(", ")
        );
    }

    let _ = writeln!(out, "\nChecks");
    for check in &report.checks {
        let at = check
            .index
            .map(|i| format!(" [entry {i}]"))
            .unwrap_or_default();
        let finding = if check.category == Category::Finding && !check.ok {
            " (finding)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} {}{at}{finding}: {}",
            mark(check.ok),
            check.name,
            check.detail
        );
    }

    let _ = writeln!(out, "\nTimeline (witnessed times, UTC)");
    for row in &report.timeline {
        let kind = row.kind.map_or("invalid", |k| k.as_str());
        let _ = write!(
            out,
            "  {} #{:<6} {:<12} witnessed {:<20}",
            mark(row.ok),
            row.index,
            kind,
            opt(row.witnessed_time.as_deref())
        );
        if let Some(created) = &row.created_at {
            let _ = write!(out, "  signer's claim {created}");
        }
        if let Some(status) = row.recruitment_status {
            let status = serde_json::to_value(status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = write!(out, "  status {status}");
        }
        if let Some(date) = row.dates.actual_first_enrolment {
            let _ = write!(out, "  first enrolment {date}");
        }
        if let Some(date) = row.dates.actual_completion {
            let _ = write!(out, "  completion {date}");
        }
        let _ = writeln!(out);
        if let Some(reason) = &row.reason {
            let _ = writeln!(out, "             reason: {reason}");
        }
        if let Some(hash) = &row.entry_hash {
            let _ = writeln!(out, "             entry_hash {hash}");
        }
    }

    let p = &report.prospective;
    let timing = match p.status {
        ProspectiveStatus::Prospective => "prospective",
        ProspectiveStatus::Retrospective => "RETROSPECTIVE",
        ProspectiveStatus::NotDeterminable => "not determinable",
    };
    let _ = writeln!(
        out,
        "\nRegistration: {timing} (witnessed {}, actual first enrolment {})",
        opt(p.registration_witnessed.as_deref()),
        p.actual_first_enrolment
            .map_or_else(|| "not on the ledger".to_owned(), |d| d.to_string())
    );

    let _ = writeln!(out, "\nOutcomes");
    if let Some(from) = &report.prespecified_from {
        let _ = writeln!(out, "  pre-specified: {}", from.note);
    }
    match report.results_index {
        None => {
            let _ = writeln!(out, "  no results entry: nothing to compare");
        }
        Some(index) => {
            let _ = writeln!(out, "  reported: results entry {index}");
            let _ = writeln!(
                out,
                "  {:<8} {:<10} {:<9} {:<9} measure",
                "id", "type", "status", "declared"
            );
            for row in &report.outcomes {
                let status = match row.status {
                    OutcomeStatus::Reported => "reported",
                    OutcomeStatus::Missing => "MISSING",
                    OutcomeStatus::Changed => "changed",
                    OutcomeStatus::Added => "added",
                };
                let declared = match row.status {
                    OutcomeStatus::Changed | OutcomeStatus::Added if row.declared => "yes",
                    OutcomeStatus::Changed | OutcomeStatus::Added => "NO",
                    _ => "-",
                };
                let kind = serde_json::to_value(row.outcome_type)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {} {:<6} {:<10} {:<9} {:<9} {} ({})",
                    mark(!row.is_finding()),
                    opt(row.registered_id.as_deref()),
                    kind,
                    status,
                    declared,
                    row.measure,
                    row.time_frame
                );
                for change in &row.changes {
                    let _ = writeln!(
                        out,
                        "             {}: registered {:?}, reported {:?}",
                        match change.field {
                            ChangeField::Measure => "measure",
                            ChangeField::TimeFrame => "time frame",
                            ChangeField::Type => "type",
                        },
                        change.registered,
                        change.reported
                    );
                }
                if let Some(reason) = &row.change_reason {
                    let _ = writeln!(out, "             reason: {reason}");
                }
            }
        }
    }

    if !report.documents.is_empty() {
        let _ = writeln!(out, "\nDocuments");
        for doc in &report.documents {
            let subjects = doc
                .subjects
                .iter()
                .map(|s| format!("{} of entry {} ({})", s.name, s.index, s.kind))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = match doc.status {
                DocumentStatus::Matched => {
                    writeln!(out, "  ✓ {} matches {subjects}", opt(doc.file.as_deref()))
                }
                DocumentStatus::Unmatched => writeln!(
                    out,
                    "  ✗ {} (sha256 {}) matches no subject",
                    opt(doc.file.as_deref()),
                    doc.sha256
                ),
                DocumentStatus::NotSupplied => {
                    writeln!(out, "  - not supplied: {subjects} (sha256 {})", doc.sha256)
                }
            };
        }
    }

    if !report.findings.is_empty() {
        let _ = writeln!(out, "\nFindings");
        for finding in &report.findings {
            let _ = writeln!(out, "  - {finding}");
        }
    }
    let _ = writeln!(out, "\nVerdict: {}", report.verdict.as_str().to_uppercase());
    out
}
