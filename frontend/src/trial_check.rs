//! The trial page's verdict, without the DOM: combines the verifier's
//! report on the evidence bundle, the proof that the bundle's head is
//! consistent with the light client's verified checkpoint, and the
//! registry's list of the trial's entries (to see what is still pending).

use std::collections::BTreeSet;

use verifier::report::{Category, Report, Verdict};

use crate::api::TrialDetail;
use crate::components::verification::{CheckRow, VerificationState};

/// How the bundle's head relates to the light client's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadCheck {
    /// Proved: same checkpoint, or consistent through tiles.
    Consistent(String),
    /// The proof failed (fork, inconsistency, bad tile).
    Failed(String),
    /// Could not be checked (the log's checkpoint did not verify, or the
    /// bundle's head is not trusted).
    NotChecked(String),
}

/// The page's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdicts {
    /// verified / pending / failed.
    pub state: VerificationState,
    /// One sentence.
    pub summary: String,
    /// Every check, the report's then the page's own.
    pub checks: Vec<CheckRow>,
}

/// Decides the page's state from the report, the head check and the listing.
pub fn decide(report: &Report, head: &HeadCheck, listing: Option<&TrialDetail>) -> Verdicts {
    let mut checks: Vec<CheckRow> = report
        .checks
        .iter()
        .map(|c| CheckRow {
            name: c.name.as_str().to_owned(),
            ok: c.ok,
            detail: c.detail.clone(),
            index: c.index,
            finding: c.name.category() == Category::Finding,
        })
        .collect();
    let (head_ok, head_detail) = match head {
        HeadCheck::Consistent(d) => (true, d.clone()),
        HeadCheck::Failed(d) => (false, d.clone()),
        HeadCheck::NotChecked(d) => (false, format!("not checked: {d}")),
    };
    checks.push(CheckRow {
        name: "head.consistent_with_log".to_owned(),
        ok: head_ok,
        detail: head_detail,
        index: None,
        finding: false,
    });
    let in_bundle: BTreeSet<u64> = report.timeline.iter().map(|t| t.index).collect();
    let pending: Vec<u64> = listing
        .map(|l| {
            l.entries
                .iter()
                .map(|e| e.index)
                .filter(|i| !in_bundle.contains(i))
                .collect()
        })
        .unwrap_or_default();
    checks.push(CheckRow {
        name: "trial.complete".to_owned(),
        ok: pending.is_empty(),
        detail: match (listing, pending.is_empty()) {
            (None, _) => "the registry's list of the trial's entries was not available; \
                          only the bundle's entries are shown"
                .to_owned(),
            (Some(l), true) => format!(
                "all {} entries the registry lists for the trial are in the verified bundle",
                l.entries.len()
            ),
            (Some(_), false) => format!(
                "entries {} are listed by the registry but not yet anchored in a witnessed \
                 checkpoint, so they are not shown",
                pending
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        index: None,
        finding: false,
    });
    let integrity_failed = report.verdict == Verdict::Failed || !head_ok;
    let (state, summary) = if integrity_failed {
        let first = checks
            .iter()
            .find(|c| !c.ok && !c.finding && c.name != "trial.complete")
            .map(|c| format!("{}: {}", c.name, c.detail))
            .unwrap_or_default();
        (
            VerificationState::Failed,
            format!(
                "The evidence for this trial did NOT verify in your browser. First failure — {first}"
            ),
        )
    } else if !pending.is_empty() {
        (
            VerificationState::Pending,
            format!(
                "Everything shown verified, but {} of the trial's entries are awaiting the \
                 witnesses' cosignatures and are not shown yet.",
                pending.len()
            ),
        )
    } else {
        (
            VerificationState::Verified,
            format!(
                "Every entry's signature, inclusion proof, witnessed time and the trial's rules \
                 were checked in your browser against the pinned trust policy, and the evidence \
                 is consistent with the log this browser verified{}.",
                if report.verdict == Verdict::Findings {
                    "; the checks found problems with the trial itself, listed below"
                } else {
                    ""
                }
            ),
        )
    };
    Verdicts {
        state,
        summary,
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::TrialEntryRef;
    use crate::trial_view::tests::fixture_bundle;

    fn listing(indexes: &[u64]) -> TrialDetail {
        TrialDetail {
            trial_id: "TL-X".into(),
            head: None,
            entries: indexes
                .iter()
                .map(|&index| TrialEntryRef {
                    index,
                    ..TrialEntryRef::default()
                })
                .collect(),
        }
    }

    #[test]
    fn verified_pending_and_failed() {
        let (policy, bundle, _) = fixture_bundle();
        let report = bundle.verify(&policy, &[]);
        let ok = HeadCheck::Consistent("same checkpoint".into());
        let v = decide(&report, &ok, Some(&listing(&[0, 1, 2, 3])));
        assert_eq!(v.state, VerificationState::Verified, "{}", v.summary);
        // Only finding checks may fail (the fixture trial has outcome findings).
        assert!(v.checks.iter().all(|c| c.ok || c.finding), "{:?}", v.checks);

        let v = decide(&report, &ok, Some(&listing(&[0, 1, 2, 3, 4])));
        assert_eq!(v.state, VerificationState::Pending);
        assert!(
            v.summary.contains("1 of the trial's entries"),
            "{}",
            v.summary
        );

        let v = decide(
            &report,
            &HeadCheck::Failed("fork".into()),
            Some(&listing(&[0])),
        );
        assert_eq!(v.state, VerificationState::Failed);
        assert!(
            v.summary.contains("head.consistent_with_log: fork"),
            "{}",
            v.summary
        );

        let v = decide(&report, &HeadCheck::NotChecked("no log".into()), None);
        assert_eq!(v.state, VerificationState::Failed);
    }

    #[test]
    fn a_tampered_bundle_fails() {
        let (policy, mut bundle, _) = fixture_bundle();
        bundle.entries[2].inclusion.clear();
        let report = bundle.verify(&policy, &[]);
        let v = decide(&report, &HeadCheck::Consistent("x".into()), None);
        assert_eq!(v.state, VerificationState::Failed);
        assert!(
            v.checks
                .iter()
                .any(|c| !c.ok && c.name == "entry.inclusion")
        );
    }
}
