//! The light client's network edge: registry reads with `gloo-net`, and
//! [`visit`], one whole check of the registry's current checkpoint.
//!
//! Order matters for IndexedDB: everything is fetched and verified before
//! the store's write transaction opens (see [`super::store`]).

use gloo::net::http::Request;
use verifier::tile::TileId;

use super::core::{Alarm, Assessment, PendingProof, TrustPolicies, VerifiedCheckpoint, assess};
use super::store::{Saved, Store, StoreError};

/// A registry read that failed (not a verification failure).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// No response (registry down, offline, blocked).
    #[error("cannot reach the registry for {url}: {reason}")]
    Network {
        /// What was fetched.
        url: String,
        /// The browser's reason.
        reason: String,
    },
    /// The registry answered with an error status.
    #[error("the registry answered {status} for {url}")]
    Status {
        /// What was fetched.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The body could not be read or decoded.
    #[error("the registry's answer for {url} is unreadable: {reason}")]
    Body {
        /// What was fetched.
        url: String,
        /// Why.
        reason: String,
    },
}

impl FetchError {
    /// The HTTP status, when the registry answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// `GET url` → the body's bytes (2xx only).
pub async fn get_bytes(url: &str) -> Result<Vec<u8>, FetchError> {
    let response = Request::get(url)
        .send()
        .await
        .map_err(|e| FetchError::Network {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
    if !response.ok() {
        return Err(FetchError::Status {
            url: url.to_owned(),
            status: response.status(),
        });
    }
    response.binary().await.map_err(|e| FetchError::Body {
        url: url.to_owned(),
        reason: e.to_string(),
    })
}

/// `GET url` → JSON decoded as `T`.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, FetchError> {
    let bytes = get_bytes(url).await?;
    serde_json::from_slice(&bytes).map_err(|e| FetchError::Body {
        url: url.to_owned(),
        reason: e.to_string(),
    })
}

/// Why a visit did not end with a verified, stored checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitError {
    /// The light client detected a problem with the log.
    #[error(transparent)]
    Alarm(#[from] Alarm),
    /// The registry could not be read.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The browser's store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A completed visit.
#[derive(Debug, Clone)]
pub struct Visit {
    /// The registry's current checkpoint, verified and consistent with the
    /// one this browser verified before.
    pub checkpoint: VerifiedCheckpoint,
    /// The size this browser had verified before (`None` on first use).
    pub previous: Option<u64>,
    /// Whether it was stored.
    pub saved: Saved,
}

/// Fetches the tiles `proof` needs (as published at its newer size) and
/// verifies it.
pub async fn prove_with_tiles(proof: &mut PendingProof) -> Result<(), VisitError> {
    let tiles: Vec<TileId> = proof.tiles()?;
    for id in tiles {
        let bytes = get_bytes(&format!("/{}", id.path())).await?;
        proof.add_tile(id, &bytes)?;
    }
    proof.verify()?;
    Ok(())
}

/// One check of the registry: `GET /checkpoint`, verify it under the pinned
/// policies, require consistency with the stored checkpoint for its origin
/// (tiles), then store it.
pub async fn visit(policies: &TrustPolicies, store: &Store) -> Result<Visit, VisitError> {
    let note = get_bytes("/checkpoint").await?;
    let checkpoint = policies.verify(&note)?;
    let origin = checkpoint.trusted.checkpoint.origin.clone();
    let stored = store.checkpoint(&origin).await?;
    let previous = stored.as_ref().map(|s| s.size);
    let checkpoint = match assess(stored.as_ref(), checkpoint)? {
        Assessment::First(c) | Assessment::Unchanged(c) => c,
        Assessment::Advanced {
            checkpoint,
            mut proof,
        } => {
            prove_with_tiles(&mut proof).await?;
            checkpoint
        }
    };
    let saved = if previous == Some(checkpoint.trusted.checkpoint.size) {
        Saved::Stored
    } else {
        store.save_checkpoint(&checkpoint.to_stored()).await?
    };
    Ok(Visit {
        checkpoint,
        previous,
        saved,
    })
}

/// How an evidence bundle's head relates to the checkpoint this browser
/// verified, once proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadProof {
    /// The bundle's head is that checkpoint.
    Same {
        /// Its tree size.
        size: u64,
    },
    /// A consistency proof built from tiles links them (either direction).
    Proved {
        /// The bundle head's tree size.
        head: u64,
        /// The verified checkpoint's tree size.
        log: u64,
        /// Tiles fetched to build the proof.
        tiles: usize,
    },
}

/// Why a bundle's head could not be linked to the verified checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadProofError {
    /// The head is not a signed checkpoint note.
    #[error("the bundle's head is not a checkpoint")]
    NotACheckpoint,
    /// The head and the verified checkpoint contradict each other (fork,
    /// bad tile, proof failure) or the tiles could not be fetched.
    #[error("{0}")]
    Inconsistent(String),
}

/// Proves the signed checkpoint note `head_note` (an evidence bundle's
/// head) consistent with `checkpoint`, fetching the tiles the proof needs.
/// The caller checks the head's signatures under its policies.
pub async fn prove_head(
    head_note: &str,
    checkpoint: &VerifiedCheckpoint,
) -> Result<HeadProof, HeadProofError> {
    use verifier::checkpoint::Checkpoint;
    use verifier::note::Note;

    use super::core::{Head, Relation, relate};

    let head = Note::parse(head_note.as_bytes())
        .ok()
        .and_then(|note| Checkpoint::parse(note.text()).ok())
        .map(|c| Head::of(&c))
        .ok_or(HeadProofError::NotACheckpoint)?;
    let log = checkpoint.head();
    match relate(head.clone(), log.clone())
        .map_err(|alarm| HeadProofError::Inconsistent(alarm.to_string()))?
    {
        Relation::Same => Ok(HeadProof::Same { size: log.size }),
        Relation::Prove(mut proof) => {
            let tiles = proof.tiles().map(|t| t.len()).unwrap_or(0);
            prove_with_tiles(&mut proof)
                .await
                .map_err(|e| HeadProofError::Inconsistent(e.to_string()))?;
            Ok(HeadProof::Proved {
                head: head.size,
                log: log.size,
                tiles,
            })
        }
    }
}
