//! The participant journey's network edge. Only two kinds of request
//! leave the browser: reading the trial's public evidence (the bundle,
//! verified here) and, if the participant asks for it, submitting a
//! blinded `consent` entry. Names, choices and records never do.

use std::rc::Rc;
use std::time::Duration;

use verifier::report::Report;

use crate::keys::{SponsorKey, now_rfc3339, random_bytes};
use crate::light_client::{TrustPolicies, VerifiedCheckpoint};
use crate::sponsor::evidence::{Inclusion, inclusion, owned_trial};
use crate::sponsor::net::{BundleProblem, check_bundle, head_consistent, submit_entry};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::forms::VerifiedTrial;
use super::record::{Anchor, SignedRecord, anchor_entry};

/// A trial verified in the browser, with the report (for inclusion checks).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Its forms.
    pub trial: VerifiedTrial,
    /// The report on its bundle.
    pub report: Report,
}

/// Fetches and verifies the trial's bundle (signatures, inclusion, quorum
/// under the pinned policies, the ledger's rules replayed, and its head
/// consistent with the light client's checkpoint).
pub async fn load_trial(
    id: &str,
    policies: &TrustPolicies,
    checkpoint: Option<Rc<VerifiedCheckpoint>>,
) -> Result<Loaded, String> {
    let checked = check_bundle(id, policies).await.map_err(|e| match e {
        BundleProblem::NotFound => format!("the registry has no trial {id}"),
        BundleProblem::Unavailable(reason) => format!("the registry is unreachable: {reason}"),
        BundleProblem::Failed(reason) => {
            format!("the trial's evidence did NOT verify in your browser: {reason}")
        }
    })?;
    let owned = owned_trial(&checked.bundle, &checked.report)?;
    head_consistent(&checked.bundle, checkpoint)
        .await
        .map_err(|e| format!("the trial's evidence is not consistent with the log: {e}"))?;
    Ok(Loaded {
        trial: VerifiedTrial::from_history(&owned.history),
        report: checked.report,
    })
}

/// Submits a blinded commitment of event `seq` (fresh salt, kept in the
/// returned anchor).
pub async fn anchor(record: &SignedRecord, seq: u32, key: &SponsorKey) -> Result<Anchor, String> {
    let signing = key
        .signing_key()
        .ok_or("this browser's key for the trial is damaged")?;
    let salt: [u8; 32] = random_bytes()?;
    let bytes =
        anchor_entry(record, seq, &salt, &signing, &now_rfc3339()).map_err(|e| e.to_string())?;
    let accepted = submit_entry(&bytes).await.map_err(|r| r.message)?;
    Ok(Anchor {
        seq,
        salt: BASE64.encode(salt),
        entry: BASE64.encode(&bytes),
        entry_hash: accepted.entry_hash,
        index: accepted.index,
        witnessed: None,
    })
}

/// Polls the trial's bundle until `anchor`'s entry is proved under a
/// witnessed checkpoint; returns the witnessed time.
pub async fn await_witness(
    trial_id: &str,
    anchor: &Anchor,
    policies: &TrustPolicies,
) -> Result<String, String> {
    let mut last = String::from("waiting for the witnesses");
    for _ in 0..30 {
        match check_bundle(trial_id, policies).await {
            Ok(checked) => match inclusion(&checked.report, anchor.index, &anchor.entry_hash) {
                Inclusion::Verified { witnessed, .. } => return Ok(witnessed),
                Inclusion::Failed(reason) => return Err(reason),
                Inclusion::Pending(reason) => last = reason,
            },
            Err(BundleProblem::Failed(reason)) => return Err(reason),
            Err(_) => {}
        }
        gloo::timers::future::sleep(Duration::from_millis(1500)).await;
    }
    Err(format!("not witnessed yet ({last}); check again later"))
}
