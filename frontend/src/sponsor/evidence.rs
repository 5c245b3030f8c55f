//! What the sponsor workspace concludes from a verified evidence bundle,
//! without the DOM: whether a submitted entry is included under a
//! witnessed checkpoint ([`inclusion`]), and a trial's current state
//! replayed through [`verifier::trial::Ledger`] ([`owned_trial`]) — the
//! `prev` of the next entry is the head of that verified history, never
//! the registry's say-so.

use verifier::bundle::Bundle;
use verifier::report::{Category, CheckName, Report, Verdict};
use verifier::trial::{Ledger, TrialHistory};

/// Where a submitted entry stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inclusion {
    /// Not yet in a witnessed checkpoint (or the bundle not yet built).
    Pending(String),
    /// Included: inclusion proof, signatures and quorum checked in the browser.
    Verified {
        /// Quorum time of the first checkpoint that covers it (RFC 3339).
        witnessed: String,
        /// Size of the bundle's head checkpoint.
        head_size: u64,
        /// Witnesses that cosigned the head.
        cosigned_by: Vec<String>,
    },
    /// The evidence does not verify.
    Failed(String),
}

/// The first integrity failure of a report, as `name: detail`.
pub fn first_failure(report: &Report) -> Option<String> {
    report
        .checks
        .iter()
        .find(|c| !c.ok && c.category == Category::Integrity)
        .map(|c| format!("{}: {}", c.name, c.detail))
}

/// Where entry `index` with `entry_hash` stands in a verified bundle's report.
pub fn inclusion(report: &Report, index: u64, entry_hash: &str) -> Inclusion {
    if report.verdict == Verdict::Failed {
        return Inclusion::Failed(
            first_failure(report).unwrap_or_else(|| "the evidence did not verify".to_owned()),
        );
    }
    let Some(entry) = report.timeline.iter().find(|t| t.index == index) else {
        return Inclusion::Pending(format!(
            "waiting for a witness-cosigned checkpoint that includes entry {index}"
        ));
    };
    if entry.entry_hash.as_deref() != Some(entry_hash) {
        return Inclusion::Failed(format!(
            "the log holds other bytes at index {index} ({}), not the entry submitted ({entry_hash})",
            entry.entry_hash.as_deref().unwrap_or("unreadable")
        ));
    }
    let proved = report
        .checks_named(CheckName::EntryInclusion)
        .any(|c| c.index == Some(index) && c.ok);
    match (&entry.witnessed_time, proved, entry.ok) {
        (Some(witnessed), true, true) => Inclusion::Verified {
            witnessed: witnessed.clone(),
            head_size: report.head.as_ref().map_or(0, |h| h.size),
            cosigned_by: report
                .head
                .as_ref()
                .map(|h| h.cosigned_by.clone())
                .unwrap_or_default(),
        },
        _ => Inclusion::Pending(format!(
            "entry {index} is in the bundle but not yet proved under a witnessed checkpoint"
        )),
    }
}

/// A trial's verified current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedTrial {
    /// The replayed history.
    pub history: TrialHistory,
    /// Log indexes of the entries replayed.
    pub indexes: Vec<u64>,
}

impl OwnedTrial {
    /// The `prev` for the next owner entry.
    pub fn prev(&self) -> String {
        self.history.head_hex()
    }

    /// Whether `public_key` (base64, an entry's `signer_key`) owns the trial.
    pub fn owned_by(&self, public_key: &str) -> bool {
        self.history.owner_base64() == public_key
    }
}

/// Replays a verified bundle's entries through the ledger's rules.
pub fn owned_trial(bundle: &Bundle, report: &Report) -> Result<OwnedTrial, String> {
    if report.verdict == Verdict::Failed {
        return Err(format!(
            "the trial's evidence did NOT verify in your browser: {}",
            first_failure(report).unwrap_or_default()
        ));
    }
    let mut ledger = Ledger::new();
    let mut indexes = Vec::new();
    for entry in &bundle.entries {
        let bytes = entry
            .entry_bytes()
            .ok_or_else(|| format!("entry {} of the bundle is not base64", entry.index))?;
        ledger
            .apply(entry.index, &bytes)
            .map_err(|e| format!("entry {}: {e}", entry.index))?;
        indexes.push(entry.index);
    }
    let id = bundle
        .trial_id
        .parse()
        .map_err(|_| format!("{:?} is not a trial id", bundle.trial_id))?;
    let history = ledger
        .trial(&id)
        .cloned()
        .ok_or_else(|| format!("the bundle holds no registration of {}", bundle.trial_id))?;
    Ok(OwnedTrial { history, indexes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trial_view::tests::fixture_bundle;

    #[test]
    fn inclusion_of_entries_in_a_verified_bundle() {
        let (policy, bundle, _) = fixture_bundle();
        let report = bundle.verify(&policy, &[]);
        let last = bundle.entries.last().unwrap();
        let hash = verifier::entry::entry_hash(&last.entry_bytes().unwrap());
        match inclusion(&report, last.index, &hash) {
            Inclusion::Verified {
                witnessed,
                cosigned_by,
                ..
            } => {
                assert!(witnessed.starts_with("20"), "{witnessed}");
                assert_eq!(cosigned_by.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            inclusion(&report, 999, &hash),
            Inclusion::Pending(_)
        ));
        assert!(matches!(
            inclusion(&report, last.index, &"00".repeat(32)),
            Inclusion::Failed(_)
        ));
    }

    #[test]
    fn a_tampered_bundle_is_not_a_receipt() {
        let (policy, mut bundle, _) = fixture_bundle();
        bundle.entries[2].inclusion.clear();
        let report = bundle.verify(&policy, &[]);
        let first = &bundle.entries[2];
        let hash = verifier::entry::entry_hash(&first.entry_bytes().unwrap());
        assert!(matches!(
            inclusion(&report, first.index, &hash),
            Inclusion::Failed(_)
        ));
        assert!(owned_trial(&bundle, &report).is_err());
    }

    #[test]
    fn the_verified_history_gives_owner_and_prev() {
        let (policy, bundle, _) = fixture_bundle();
        let report = bundle.verify(&policy, &[]);
        let trial = owned_trial(&bundle, &report).unwrap();
        let last = bundle.entries.last().unwrap();
        // The fixture's last owner entry is the head.
        let owner_entries: Vec<_> = bundle
            .entries
            .iter()
            .filter_map(|e| verifier::entry::Entry::parse(&e.entry_bytes().unwrap()).ok())
            .filter(|e| e.kind() != verifier::predicate::PredicateKind::Consent)
            .collect();
        assert_eq!(trial.prev(), owner_entries.last().unwrap().entry_hash());
        assert_eq!(trial.indexes.last(), Some(&last.index));
        let owner = trial.history.owner_base64();
        assert!(trial.owned_by(&owner));
        assert!(!trial.owned_by("someone else"));
    }
}
