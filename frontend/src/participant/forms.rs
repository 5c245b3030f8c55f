//! A trial's registered consent forms, from its **verified** history
//! (the registration and amendments replayed through
//! [`verifier::trial::Ledger`] after the bundle verified), and the
//! matching of a local form file's hash against them. Also the checks a
//! study site runs on a receipt ([`check_receipt`]).

use verifier::predicate::ConsentOption;
use verifier::trial::TrialHistory;

use crate::sponsor::evidence::Inclusion;

use super::record::{FormRef, Receipt, check_anchor};

/// A consent form registered for the trial, with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredConsentForm {
    /// The form by hash, version and language.
    pub form: FormRef,
    /// Its options as registered.
    pub options: Vec<ConsentOption>,
    /// Log index of the entry that registered it.
    pub index: u64,
}

/// What the consent page needs of a verified trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTrial {
    /// `TL-…`.
    pub trial_id: String,
    /// The public title (current version).
    pub title: String,
    /// Every consent form ever registered, in order, unique by hash.
    pub forms: Vec<RegisteredConsentForm>,
}

impl VerifiedTrial {
    /// The forms of a verified history.
    pub fn from_history(history: &TrialHistory) -> VerifiedTrial {
        let mut forms: Vec<RegisteredConsentForm> = Vec::new();
        for version in &history.versions {
            for form in &version.consent_forms {
                let Some(subject) = version.subjects.iter().find(|s| s.name == form.subject) else {
                    continue;
                };
                let sha256 = subject.digest.sha256.clone();
                if forms.iter().any(|f| f.form.sha256 == sha256) {
                    continue;
                }
                forms.push(RegisteredConsentForm {
                    form: FormRef {
                        sha256,
                        subject: form.subject.clone(),
                        version: form.version.clone(),
                        language: form.language.clone(),
                    },
                    options: form.options.clone(),
                    index: version.index,
                });
            }
        }
        VerifiedTrial {
            trial_id: history.trial_id.as_str().to_owned(),
            title: history
                .current()
                .map(|v| v.trial.public_title.clone())
                .unwrap_or_default(),
            forms,
        }
    }

    /// The registered form with this hash.
    pub fn form(&self, sha256: &str) -> Option<&RegisteredConsentForm> {
        self.forms.iter().find(|f| f.form.sha256 == sha256)
    }

    /// "version 1 (en), version 2 (en)": what is registered, for a refusal.
    pub fn registered_versions(&self) -> String {
        if self.forms.is_empty() {
            return "none: this trial has registered no consent form".to_owned();
        }
        self.forms
            .iter()
            .map(|f| {
                format!(
                    "version {} ({}, {})",
                    f.form.version, f.form.language, f.form.subject
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One check of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptCheck {
    /// Stable name, e.g. `record.signatures`.
    pub name: &'static str,
    /// Passed.
    pub ok: bool,
    /// Why.
    pub detail: String,
}

/// Checks a receipt: its signatures and history (offline), that its form
/// is registered for the trial with the same options (needs the verified
/// trial), and each anchor: its commitment, and its inclusion in the log
/// as `inclusion(index, entry_hash)` reports it from a verified bundle.
pub fn check_receipt(
    receipt: &Receipt,
    trial: Result<&VerifiedTrial, String>,
    inclusion: impl Fn(u64, &str) -> Inclusion,
) -> Vec<ReceiptCheck> {
    let record = &receipt.record;
    let mut checks = vec![match record.verify() {
        Ok(()) => ReceiptCheck {
            name: "record.signatures",
            ok: true,
            detail: format!(
                "{} event(s), each signed by the participant's key for this trial, in an unbroken chain",
                record.events.len()
            ),
        },
        Err(e) => ReceiptCheck {
            name: "record.signatures",
            ok: false,
            detail: e.to_string(),
        },
    }];
    let form = &record.header.form;
    checks.push(match &trial {
        Err(reason) => ReceiptCheck {
            name: "form.registered",
            ok: false,
            detail: format!("the trial could not be verified: {reason}"),
        },
        Ok(trial) if trial.trial_id != record.header.trial_id => ReceiptCheck {
            name: "form.registered",
            ok: false,
            detail: format!("the receipt is for {}, not {}", record.header.trial_id, trial.trial_id),
        },
        Ok(trial) => match trial.form(&form.sha256) {
            Some(registered) if registered.options == record.header.options => ReceiptCheck {
                name: "form.registered",
                ok: true,
                detail: format!(
                    "consent form version {} ({}) is registered for {} by entry {}, with the same options",
                    registered.form.version, registered.form.language, trial.trial_id, registered.index
                ),
            },
            Some(_) => ReceiptCheck {
                name: "form.registered",
                ok: false,
                detail: "the form is registered, but with other options than the receipt shows"
                    .to_owned(),
            },
            None => ReceiptCheck {
                name: "form.registered",
                ok: false,
                detail: format!(
                    "the form {} is not registered for {}; registered: {}",
                    form.sha256,
                    trial.trial_id,
                    trial.registered_versions()
                ),
            },
        },
    });
    if receipt.anchors.is_empty() {
        checks.push(ReceiptCheck {
            name: "anchor",
            ok: true,
            detail: "not anchored: the participant chose not to put a commitment on the ledger"
                .to_owned(),
        });
    }
    for anchor in &receipt.anchors {
        checks.push(match check_anchor(record, anchor) {
            Ok(()) => ReceiptCheck {
                name: "anchor.commitment",
                ok: true,
                detail: format!(
                    "event {}: entry {} commits to SHA-256(salt ‖ record up to this event)",
                    anchor.seq, anchor.index
                ),
            },
            Err(e) => ReceiptCheck {
                name: "anchor.commitment",
                ok: false,
                detail: e.to_string(),
            },
        });
        checks.push(match inclusion(anchor.index, &anchor.entry_hash) {
            Inclusion::Verified { witnessed, .. } => ReceiptCheck {
                name: "anchor.in_log",
                ok: true,
                detail: format!(
                    "event {}: entry {} is in the log, witnessed no later than {witnessed}",
                    anchor.seq, anchor.index
                ),
            },
            Inclusion::Pending(reason) | Inclusion::Failed(reason) => ReceiptCheck {
                name: "anchor.in_log",
                ok: false,
                detail: format!("event {}: {reason}", anchor.seq),
            },
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trial_view::tests::fixture_bundle;

    fn trial() -> VerifiedTrial {
        let (policy, bundle, _) = fixture_bundle();
        let report = bundle.verify(&policy, &[]);
        let owned = crate::sponsor::evidence::owned_trial(&bundle, &report).unwrap();
        VerifiedTrial::from_history(&owned.history)
    }

    #[test]
    fn forms_come_from_the_verified_registration_and_amendments() {
        let trial = trial();
        assert_eq!(trial.forms.len(), 2);
        let v2 = verifier::fixtures::form_hash(verifier::fixtures::CONSENT_V2);
        let form = trial.form(&v2).unwrap();
        assert_eq!(form.form.version, "2");
        assert_eq!(form.options.len(), 3);
        assert!(trial.form(&"00".repeat(32)).is_none());
        let versions = trial.registered_versions();
        assert!(versions.contains("version 1 (en"), "{versions}");
        assert!(versions.contains("version 2 (en"), "{versions}");
    }

    #[test]
    fn a_receipt_for_an_unregistered_form_fails_the_site_check() {
        let receipt = Receipt::new(
            crate::participant::record::tests::give(true).unwrap(),
            vec![],
        );
        let trial = trial();
        let checks = check_receipt(&receipt, Ok(&trial), |_, _| {
            Inclusion::Pending("n/a".into())
        });
        assert!(checks[0].ok, "{checks:?}");
        assert!(!checks[1].ok, "{checks:?}");
        let checks = check_receipt(&receipt, Err("offline".into()), |_, _| {
            Inclusion::Pending("n/a".into())
        });
        assert!(checks[1].detail.contains("offline"));
    }
}
