//! The integrator: one task that turns sequenced entries into a published,
//! cosigned tree.
//!
//! Each step:
//! 1. **integrate**: read the entries sequenced since the last step, push
//!    their leaf hashes into a [`TileHasher`], and write (atomically, fsynced)
//!    every hash tile they complete at any level, the entry bundles they
//!    touch (full, or partial `.p/<W>`), and the partial tiles of the new
//!    tree; then record the integrated size;
//! 2. **sign** a checkpoint for the new tree with the log key;
//! 3. **cosign**: ask every witness in parallel, each with the size it last
//!    cosigned and a consistency proof from it (built with
//!    [`ProofBuilder`] from the stored tiles). A 409 names the witness's size:
//!    the request is resent from there. Other failures are retried with
//!    backoff until `cosign_timeout`. Once the quorum is reached, the other
//!    witnesses get a short grace period;
//! 4. **publish**, only if the policy accepts the cosigned note and the new
//!    tree is consistent with the published one (checked with a proof from
//!    the tiles, so a bug or a corrupted tile cannot publish a fork):
//!    archive it in the state database (the record), write it at
//!    `checkpoints/<size>`, then replace `checkpoint`.
//!
//! Without a quorum the checkpoint is **not** published: `/checkpoint` keeps
//! the last checkpoint the policy trusts, so light clients never see a head
//! they must reject. Integration goes on (entries keep being sequenced and
//! tiled) and cosigning is retried with backoff (up to 30 s) for the newest
//! tree. Checkpoints are at least `checkpoint_interval` apart.
//!
//! What this is not: the witness protocol (see [`crate::witness`]) or the
//! Merkle math (see [`verifier::tile`] and [`verifier::merkle`]).

use std::sync::{Arc, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
use verifier::checkpoint::{self, Checkpoint, CheckpointError};
use verifier::merkle::{self, Hash, hex};
use verifier::note::SignerKey;
use verifier::tile::{
    ProofBuilder, TILE_WIDTH, TileError, TileHasher, TileId, TilePath, encode_entry_bundle,
};

use super::tiles::TileBytes;
use super::{Published, Shared};
use crate::store::StoreError;
use crate::witness::{WitnessCallError, WitnessClient};

/// How long the other witnesses may still answer once the quorum is reached.
const GRACE: Duration = Duration::from_millis(250);
/// Longest wait between two cosigning attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Objects written per flush when integrating many entries (bounds memory).
const FLUSH_OBJECTS: usize = 16;
/// 409 answers followed for one witness in one attempt.
const MAX_CONFLICTS: usize = 3;

/// Why an integration or cosigning step failed (it is retried).
#[derive(Debug, thiserror::Error)]
pub enum IntegrateError {
    /// Reading entries or writing tiles failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A tile or proof could not be built.
    #[error("tiles: {0}")]
    Tile(#[from] TileError),
    /// The checkpoint could not be signed.
    #[error("signing the checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// Not enough witnesses cosigned.
    #[error("checkpoint {size} lacks its quorum: {reason}")]
    Quorum {
        /// The checkpoint's size.
        size: u64,
        /// What the policy said.
        reason: String,
    },
    /// The new tree does not extend the published one (a bug or corruption):
    /// nothing is published.
    #[error("refusing to publish checkpoint {size}: {reason}")]
    Inconsistent {
        /// The new size.
        size: u64,
        /// What does not hold.
        reason: String,
    },
    /// A blocking task failed.
    #[error("background task failed: {0}")]
    Task(String),
}

/// A witness and the size it last cosigned (as far as we know).
pub(crate) struct Peer {
    pub(crate) client: WitnessClient,
    known: u64,
}

impl Peer {
    pub(crate) fn new(client: WitnessClient) -> Peer {
        Peer { client, known: 0 }
    }
}

/// The integrator task's state.
pub(crate) struct Integrator {
    shared: Arc<Shared>,
    log_key: SignerKey,
    peers: Vec<Peer>,
    hasher: TileHasher,
    needs_cosign: bool,
    stop: watch::Receiver<bool>,
    last_attempt: Option<Instant>,
    failures: u32,
}

impl Integrator {
    pub(crate) fn new(
        shared: Arc<Shared>,
        log_key: SignerKey,
        mut peers: Vec<Peer>,
        hasher: TileHasher,
        needs_cosign: bool,
        stop: watch::Receiver<bool>,
    ) -> Integrator {
        // The witnesses most likely cosigned the published checkpoint; a 409
        // corrects this at the first call.
        let published = shared.published_size();
        for peer in &mut peers {
            peer.known = published;
        }
        Integrator {
            shared,
            log_key,
            peers,
            hasher,
            needs_cosign,
            stop,
            last_attempt: None,
            failures: 0,
        }
    }

    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    /// Sleeps for `duration` or until stopped; returns false when stopped.
    async fn pause(&mut self, duration: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(duration) => !self.stopped(),
            _ = self.stop.changed() => false,
        }
    }

    fn backoff(&self) -> Duration {
        let exp = self.failures.saturating_sub(1).min(8);
        (Duration::from_millis(250) * 2u32.pow(exp)).min(MAX_BACKOFF)
    }

    pub(crate) async fn run(mut self) {
        loop {
            if self.stopped() {
                break;
            }
            let sequenced = self.shared.state.sequenced_size().unwrap_or(0);
            if sequenced > self.hasher.size()
                && let Err(e) = self.integrate(sequenced).await
            {
                self.failures += 1;
                tracing::error!("integrating entries up to {sequenced} failed: {e}; retrying");
                if !self.pause(self.backoff()).await {
                    break;
                }
                continue;
            }
            let published = self.shared.published();
            let work = self.needs_cosign
                || published
                    .as_ref()
                    .is_none_or(|p| self.hasher.size() > p.size);
            if !work {
                tokio::select! {
                    () = self.shared.sequenced_notify.notified() => {}
                    changed = self.stop.changed() => if changed.is_err() { break },
                }
                continue;
            }
            if let Some(at) = self.last_attempt {
                let wait = if self.failures > 0 {
                    self.backoff()
                } else {
                    self.shared.config.checkpoint_interval
                };
                let next = at + wait;
                if Instant::now() < next {
                    // Entries sequenced meanwhile join this checkpoint.
                    if !self.pause(next - Instant::now()).await {
                        break;
                    }
                    continue;
                }
            }
            self.last_attempt = Some(Instant::now());
            match self.checkpoint(published).await {
                Ok(()) => {
                    self.failures = 0;
                    self.needs_cosign = false;
                }
                Err(e) => {
                    self.failures += 1;
                    self.needs_cosign = true;
                    tracing::warn!(
                        "{e}; retrying in {:?} (attempt {})",
                        self.backoff(),
                        self.failures
                    );
                }
            }
        }
        tracing::debug!("integrator stopped");
    }

    /// Writes the tiles and bundles of entries `hasher.size()..target` and
    /// records the integrated size.
    async fn integrate(&mut self, target: u64) -> Result<(), IntegrateError> {
        let shared = Arc::clone(&self.shared);
        let mut hasher = self.hasher.clone();
        let start = hasher.size();
        let hasher = tokio::task::spawn_blocking(move || {
            write_tiles(&shared, &mut hasher, target)?;
            shared.state.set_integrated_size(target)?;
            Ok::<_, IntegrateError>(hasher)
        })
        .await
        .map_err(|e| IntegrateError::Task(e.to_string()))??;
        self.hasher = hasher;
        self.shared
            .integrated
            .fetch_max(target, std::sync::atomic::Ordering::AcqRel);
        tracing::debug!("integrated entries {start}..{target}");
        Ok(())
    }

    /// Signs, cosigns and publishes a checkpoint of the current tree.
    async fn checkpoint(&mut self, published: Option<Published>) -> Result<(), IntegrateError> {
        let size = self.hasher.size();
        let root = self.hasher.root();
        if let Some(p) = &published
            && (size < p.size || (size == p.size && root != p.root))
        {
            return Err(IntegrateError::Inconsistent {
                size,
                reason: format!(
                    "the tree (size {size}, root {}) does not extend the published checkpoint (size {}, root {})",
                    hex(&root),
                    p.size,
                    hex(&p.root)
                ),
            });
        }
        let body = Checkpoint {
            origin: self.shared.policy.origin().to_string(),
            size,
            root,
            extensions: Vec::new(),
        };
        let signed = checkpoint::sign_checkpoint(&body, &self.log_key)?;
        let lines = self.gather(size, &signed).await;
        let mut note = signed;
        for line in lines {
            note.push_str(&line);
            if !line.ends_with('\n') {
                note.push('\n');
            }
        }
        let trusted =
            self.shared
                .policy
                .evaluate(note.as_bytes())
                .map_err(|e| IntegrateError::Quorum {
                    size,
                    reason: e.to_string(),
                })?;
        // (Every tree extends the empty one: nothing to prove from size 0.)
        if let Some(p) = &published
            && p.size > 0
            && p.size < size
        {
            let shared = Arc::clone(&self.shared);
            let old = p.size;
            let proof = tokio::task::spawn_blocking(move || consistency_proof(&shared, old, size))
                .await
                .map_err(|e| IntegrateError::Task(e.to_string()))??;
            merkle::verify_consistency(old, size, &p.root, &root, &proof).map_err(|e| {
                IntegrateError::Inconsistent {
                    size,
                    reason: format!(
                        "no valid consistency proof from the published size {old}: {e}"
                    ),
                }
            })?;
        }
        let shared = Arc::clone(&self.shared);
        let archived_note = note.clone();
        // The database's archive is the record; the objects follow it. A
        // crash in between leaves the objects behind the last archived
        // checkpoint, which recovery writes again.
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            shared.state.archive_checkpoint(size, &archived_note)?;
            let objects = shared.objects();
            objects.put(&format!("checkpoints/{size}"), archived_note.as_bytes())?;
            objects.put("checkpoint", archived_note.as_bytes())
        })
        .await
        .map_err(|e| IntegrateError::Task(e.to_string()))??;
        {
            let mut archived = self
                .shared
                .archived
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            if archived.last().is_none_or(|&last| last < size) {
                archived.push(size);
            }
        }
        *self
            .shared
            .published
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Published {
            size,
            root,
            note: Arc::from(note.as_str()),
        });
        self.shared.published_tx.send_replace(Some(size));
        tracing::info!(
            "published checkpoint {size} ({} of {} witnesses cosigned, quorum {})",
            trusted.cosignatures.len(),
            self.peers.len(),
            self.shared.policy.quorum()
        );
        Ok(())
    }

    /// Asks every witness to cosign `signed` (in parallel) and returns the
    /// cosignature lines gathered by the deadline.
    async fn gather(&mut self, size: u64, signed: &str) -> Vec<String> {
        let quorum = self.shared.policy.quorum();
        let deadline = Instant::now() + self.shared.config.cosign_timeout;
        let note: Arc<str> = Arc::from(signed);
        let mut calls = JoinSet::new();
        for (i, peer) in self.peers.iter().enumerate() {
            let client = peer.client.clone();
            let shared = Arc::clone(&self.shared);
            let note = Arc::clone(&note);
            let old = peer.known;
            calls.spawn(async move {
                let outcome = ask(&client, &shared, old, size, &note, deadline).await;
                (i, outcome)
            });
        }
        let mut lines = Vec::new();
        let mut cosigned = 0usize;
        // With a quorum of 0 the witnesses only get the grace period.
        let mut cutoff = if quorum == 0 {
            deadline.min(Instant::now() + GRACE)
        } else {
            deadline
        };
        loop {
            let joined = tokio::select! {
                joined = calls.join_next() => joined,
                () = tokio::time::sleep_until(cutoff) => break,
                _ = self.stop.changed() => break,
            };
            let Some(joined) = joined else { break };
            let Ok((i, outcome)) = joined else { continue };
            let name = self.peers[i].client.key().name().to_string();
            match outcome {
                Ok((witness_lines, known)) => {
                    self.peers[i].known = known;
                    lines.extend(witness_lines);
                    cosigned += 1;
                    if cosigned == quorum {
                        cutoff = cutoff.min(Instant::now() + GRACE);
                    }
                }
                Err((e, known)) => {
                    self.peers[i].known = known;
                    tracing::warn!("witness {name} did not cosign checkpoint {size}: {e}");
                }
            }
        }
        calls.abort_all();
        lines
    }
}

/// One witness's answer: its lines and the size it now holds, or why not
/// and the size we believe it holds.
type AskOutcome = Result<(Vec<String>, u64), (String, u64)>;

/// Asks one witness until it cosigns, refuses for good, or the deadline.
async fn ask(
    client: &WitnessClient,
    shared: &Arc<Shared>,
    mut old: u64,
    size: u64,
    note: &str,
    deadline: Instant,
) -> AskOutcome {
    let mut conflicts = 0;
    let mut attempt = 0u32;
    loop {
        if old > size {
            return Err((
                format!(
                    "it cosigned size {old}, beyond this log's {size}: it follows another log with this origin, or a newer copy of this one"
                ),
                old,
            ));
        }
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            let shared = Arc::clone(shared);
            match tokio::task::spawn_blocking(move || consistency_proof(&shared, old, size)).await {
                Ok(Ok(proof)) => proof,
                Ok(Err(e)) => {
                    return Err((format!("cannot build the consistency proof: {e}"), old));
                }
                Err(e) => return Err((e.to_string(), old)),
            }
        };
        let call = client.add_checkpoint(old, &proof, note);
        let error = match tokio::time::timeout_at(deadline, call).await {
            Err(_) => return Err(("no answer before the cosigning deadline".into(), old)),
            Ok(Ok(lines)) => return Ok((lines, size)),
            Ok(Err(WitnessCallError::Conflict { size: theirs }))
                if theirs != old && conflicts < MAX_CONFLICTS =>
            {
                conflicts += 1;
                old = theirs;
                continue;
            }
            Ok(Err(e)) => e,
        };
        attempt += 1;
        let backoff =
            (Duration::from_millis(100) * 2u32.pow(attempt.min(5))).min(Duration::from_secs(2));
        if Instant::now() + backoff >= deadline {
            return Err((error.to_string(), old));
        }
        tracing::debug!("witness call failed ({error}); retrying in {backoff:?}");
        tokio::time::sleep(backoff).await;
    }
}

/// The consistency proof from `old` to `new` (≤ the integrated size), built
/// from the stored tiles.
pub(crate) fn consistency_proof(
    shared: &Shared,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, IntegrateError> {
    let integrated = shared
        .integrated
        .load(std::sync::atomic::Ordering::Acquire)
        .max(new);
    let mut builder = ProofBuilder::new(new);
    for id in builder.tiles_for_consistency(old)? {
        let bytes = shared
            .tiles
            .read(&TilePath::Hashes(id), new, integrated)?
            .ok_or_else(|| StoreError::Missing(id.path()))?;
        builder.add_tile(id, &bytes)?;
    }
    Ok(builder.consistency_proof(old)?)
}

fn concat(hashes: &[Hash]) -> Vec<u8> {
    hashes.concat()
}

/// Pushes entries `hasher.size()..target` into `hasher` and writes every tile
/// and entry bundle they complete or change, plus the new partial tiles.
fn write_tiles(
    shared: &Shared,
    hasher: &mut TileHasher,
    target: u64,
) -> Result<(), IntegrateError> {
    let start = hasher.size();
    if target <= start {
        return Ok(());
    }
    let mut pending: Vec<(TilePath, Vec<u8>)> = Vec::new();
    let flush = |pending: &mut Vec<(TilePath, Vec<u8>)>| -> Result<(), StoreError> {
        let objects: Vec<(String, Vec<u8>)> = pending
            .iter()
            .map(|(path, bytes)| (tile_path_string(path), bytes.clone()))
            .collect();
        shared.objects().put_all(&objects)?;
        for (path, bytes) in pending.drain(..) {
            shared.tiles.remember(&path, TileBytes::from(bytes));
        }
        Ok(())
    };
    let first_bundle = start / TILE_WIDTH;
    let last_bundle = (target - 1) / TILE_WIDTH;
    for bundle in first_bundle..=last_bundle {
        let bundle_start = bundle * TILE_WIDTH;
        let bundle_end = (bundle_start + TILE_WIDTH).min(target);
        // The whole bundle (also its entries integrated before) is rewritten.
        let entries = shared.state.entries(bundle_start..bundle_end)?;
        for (offset, entry) in entries.iter().enumerate() {
            if bundle_start + offset as u64 >= start {
                for (id, hashes) in hasher.push(merkle::leaf_hash(entry)) {
                    pending.push((TilePath::Hashes(id), concat(&hashes)));
                }
            }
        }
        let width = (bundle_end - bundle_start) as u16;
        pending.push((
            TilePath::EntryBundle {
                index: bundle,
                width,
            },
            encode_entry_bundle(&entries)?,
        ));
        if pending.len() >= FLUSH_OBJECTS {
            flush(&mut pending)?;
        }
    }
    for (id, hashes) in hasher.partial_tiles() {
        pending.push((TilePath::Hashes(id), concat(&hashes)));
    }
    flush(&mut pending)?;
    Ok(())
}

fn tile_path_string(path: &TilePath) -> String {
    match *path {
        TilePath::Hashes(id) => id.path(),
        TilePath::EntryBundle { index, width } => TileId {
            level: 0,
            index,
            width,
        }
        .entry_bundle_path(),
    }
}
