//! The workspace's network edge: submitting an entry, and fetching and
//! verifying a trial's evidence bundle in the browser (signatures,
//! inclusion proofs and witness quorum under the pinned policies, and the
//! bundle's head proved consistent with the light client's checkpoint).

use std::rc::Rc;

use gloo::net::http::Request;
use verifier::bundle::Bundle;
use verifier::report::{Report, Verdict};

use crate::light_client::fetch::{HeadProof, get_bytes, prove_head};
use crate::light_client::{TrustPolicies, VerifiedCheckpoint};

use super::submit::{Accepted, Refusal};

/// `POST /api/v1/entries` with the exact entry bytes.
pub async fn submit_entry(bytes: &[u8]) -> Result<Accepted, Refusal> {
    let unreachable = |reason: String| Refusal {
        status: 0,
        code: "unreachable".to_owned(),
        message: format!("cannot reach the registry: {reason}"),
        path: None,
    };
    let request = Request::post("/api/v1/entries")
        .header("content-type", "application/json")
        .body(js_sys::Uint8Array::from(bytes))
        .map_err(|e| unreachable(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    let status = response.status();
    let body = response.binary().await.unwrap_or_default();
    if (200..300).contains(&status) {
        serde_json::from_slice(&body).map_err(|e| Refusal {
            status,
            code: "unreadable".to_owned(),
            message: format!("the registry's receipt is unreadable: {e}"),
            path: None,
        })
    } else {
        Err(Refusal::parse(status, &body))
    }
}

/// A fetched bundle and its report.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The bundle.
    pub bundle: Bundle,
    /// The verifier's report (the first failing one over all pinned
    /// policies for the bundle's log, else the first).
    pub report: Report,
}

/// Why a bundle could not be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleProblem {
    /// 404: the registry has no (anchored) entry of the trial yet.
    NotFound,
    /// Network or other HTTP failure.
    Unavailable(String),
    /// The bundle does not verify.
    Failed(String),
}

/// Fetches `/api/v1/trials/{id}/bundle` and verifies it.
pub async fn check_bundle(id: &str, policies: &TrustPolicies) -> Result<Checked, BundleProblem> {
    let bytes = match get_bytes(&format!("/api/v1/trials/{id}/bundle")).await {
        Ok(bytes) => bytes,
        Err(e) if e.status() == Some(404) => return Err(BundleProblem::NotFound),
        Err(e) => return Err(BundleProblem::Unavailable(e.to_string())),
    };
    let bundle = Bundle::parse(&bytes).map_err(|e| BundleProblem::Failed(e.to_string()))?;
    if bundle.trial_id != id {
        return Err(BundleProblem::Failed(format!(
            "the registry sent the bundle of {} for {id}",
            bundle.trial_id
        )));
    }
    let mut reports = policies
        .for_origin(&bundle.origin)
        .map(|policy| bundle.verify(policy, &[]));
    let Some(first) = reports.next() else {
        return Err(BundleProblem::Failed(format!(
            "no pinned trust policy names the bundle's log {:?}",
            bundle.origin
        )));
    };
    let report = std::iter::once(first.clone())
        .chain(reports)
        .find(|r| r.verdict == Verdict::Failed)
        .unwrap_or(first);
    Ok(Checked { bundle, report })
}

/// Proves the bundle's head consistent with the light client's verified
/// checkpoint (same, or a consistency proof built from tiles).
pub async fn head_consistent(
    bundle: &Bundle,
    checkpoint: Option<Rc<VerifiedCheckpoint>>,
) -> Result<String, String> {
    let checkpoint = checkpoint.ok_or(
        "the registry's current checkpoint did not verify in this browser (see the alarm)",
    )?;
    match prove_head(&bundle.head, &checkpoint)
        .await
        .map_err(|e| e.to_string())?
    {
        HeadProof::Same { size } => Ok(format!(
            "the bundle's head is the checkpoint this browser verified ({size} entries)"
        )),
        HeadProof::Proved { head, log, .. } => Ok(format!(
            "the bundle's head ({head} entries) is consistent with the checkpoint this browser \
             verified ({log} entries)"
        )),
    }
}
