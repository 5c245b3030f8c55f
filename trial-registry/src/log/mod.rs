//! The transparency log itself: sequencing, integration, cosigning,
//! publication and recovery, behind one cloneable [`Log`] handle.
//!
//! - **Submissions** ([`Log::submit`]) are parsed and signature-checked by the
//!   caller's task, then go to the **sequencer** (one OS thread, `sequencer`)
//!   that owns the order: it batches them (by count and time), checks each
//!   against the trial state machine ([`verifier::trial::Ledger`]), assigns
//!   indexes and commits the whole batch in one durable transaction before
//!   anyone is told 201. Identical resubmissions get their existing index.
//! - The **integrator** (one task, `integrator`) turns sequenced entries into
//!   hash tiles and entry bundles, signs a checkpoint, gathers witness
//!   cosignatures and, once the policy's quorum cosigned, archives and
//!   publishes it.
//! - **Startup** (`recovery`) rebuilds the trial state from the stored
//!   entries, checks the stored tiles against the last archived checkpoint,
//!   and lets the integrator catch up with entries sequenced but not
//!   integrated before a crash.
//!
//! What this is not: HTTP (see [`crate::reads`] and [`crate::api`]), or the
//! storage itself ([`crate::store`]). Merkle math, tiles, notes, checkpoints,
//! cosignatures, policies and the trial rules come from the `verifier` crate.

mod config;
mod integrator;
mod recovery;
mod sequencer;
mod tiles;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use serde::Serialize;
use tokio::sync::{Notify, oneshot, watch};
use verifier::entry::{Entry, TrialId};
use verifier::policy::Policy;
use verifier::tile::TileId;
use verifier::trial::{Ledger, RuleError};

use crate::store::{ObjectStore, StateStore, StoreError};
use crate::witness::{KeyFileError, WitnessError};

pub use config::{
    DEFAULT_BATCH_SIZE, DEFAULT_BATCH_WAIT, DEFAULT_ORIGIN, LogConfig, LogConfigBuilder, RateLimit,
    WitnessSpec,
};
pub use tiles::TileBytes;

/// What the HTTP layer (and the trial index) read from the log.
pub trait LogRead: Send + Sync {
    /// Size of the latest published (cosigned) checkpoint and its note text.
    fn published(&self) -> Option<(u64, String)>;
    /// Raw hash-tile bytes (full or partial) as served at /tile/<L>/<N>[.p/<W>].
    fn read_tile(&self, id: &TileId) -> Result<Vec<u8>, StoreError>;
    /// Exact bytes of the entry at `index` (sequenced).
    fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Archived cosigned checkpoint sizes, ascending, and one archived note.
    fn archived_sizes(&self) -> Vec<u64>;
    /// The archived checkpoint note at `size`.
    fn archived_checkpoint(&self, size: u64) -> Result<Option<String>, StoreError>;
    /// The trust policy clients pin (policy.txt).
    fn policy(&self) -> &Policy;
    /// Run `f` on the current trial state (the sequencer's Ledger or a
    /// snapshot of it; must not block the sequencer for long).
    fn with_ledger<R>(&self, f: &mut dyn FnMut(&Ledger) -> R) -> R
    where
        Self: Sized;
}

/// Why the log could not start or stopped working.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A key file could not be read or created.
    #[error(transparent)]
    Key(#[from] KeyFileError),
    /// An in-process witness could not be opened.
    #[error("cannot open the local demo witness: {0}")]
    Witness(#[from] WitnessError),
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Writing a file outside the stores (policy.txt, directories) failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The stored state contradicts itself; the log refuses to start rather
    /// than publish something inconsistent.
    #[error("refusing to start: {0}")]
    Inconsistent(String),
    /// The log's background tasks could not be started.
    #[error("cannot start the log's {0} task: {1}")]
    Spawn(&'static str, String),
}

/// What a successful submission got: where the entry is in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// The entry's index in the log (its leaf index).
    pub index: u64,
    /// Lowercase hex SHA-256 of the entry bytes.
    pub entry_hash: String,
    /// The trial the entry belongs to.
    pub trial_id: TrialId,
}

/// A submission's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Newly sequenced and durable (HTTP 201).
    New(Receipt),
    /// The identical entry was already sequenced: its existing index (HTTP
    /// 200, same body). Nothing new was stored.
    Existing(Receipt),
}

impl Submitted {
    /// The receipt, new or existing.
    pub fn receipt(&self) -> &Receipt {
        match self {
            Submitted::New(r) | Submitted::Existing(r) => r,
        }
    }
}

/// Why a submission was not sequenced. Nothing was stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// The entry is invalid or breaks a ledger rule.
    #[error(transparent)]
    Refused(#[from] RuleError),
    /// Too many submissions are waiting; retry shortly (HTTP 503).
    #[error("the registry is busy: {0} submissions are waiting to be sequenced; retry in a moment")]
    Busy(usize),
    /// The entries could not be stored durably (HTTP 503).
    #[error("the entry could not be stored durably ({0}); it was not sequenced, retry later")]
    Unavailable(String),
    /// The log is shutting down (HTTP 503).
    #[error("the registry is shutting down; retry later")]
    ShuttingDown,
}

/// The latest published checkpoint.
#[derive(Debug, Clone)]
pub(crate) struct Published {
    pub(crate) size: u64,
    pub(crate) root: [u8; 32],
    pub(crate) note: Arc<str>,
}

/// A message to the sequencer thread.
pub(crate) enum SequencerMsg {
    // Boxed: a parsed entry is over a kilobyte, and the channel's slots are
    // allocated up front.
    Submit(Box<Submission>),
    Stop,
}

/// One entry waiting to be sequenced, and where to send the outcome.
pub(crate) struct Submission {
    pub(crate) entry: Entry,
    pub(crate) reply: oneshot::Sender<Result<Submitted, SubmitError>>,
}

/// State shared by the handle and the background tasks.
pub(crate) struct Shared {
    pub(crate) config: LogConfig,
    pub(crate) policy: Policy,
    pub(crate) state: Arc<dyn StateStore>,
    pub(crate) tiles: tiles::TileReader,
    pub(crate) ledger: RwLock<Ledger>,
    pub(crate) published: RwLock<Option<Published>>,
    pub(crate) archived: RwLock<Vec<u64>>,
    /// Size up to which tiles are written (and may be read).
    pub(crate) integrated: AtomicU64,
    /// Wakes the integrator when the sequencer committed entries.
    pub(crate) sequenced_notify: Notify,
    /// The published size (`None` before the first checkpoint), for waiters.
    pub(crate) published_tx: watch::Sender<Option<u64>>,
}

impl Shared {
    pub(crate) fn objects(&self) -> &Arc<dyn ObjectStore> {
        self.tiles.objects()
    }

    pub(crate) fn published(&self) -> Option<Published> {
        self.published
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn published_size(&self) -> u64 {
        self.published().map_or(0, |p| p.size)
    }
}

struct Inner {
    shared: Arc<Shared>,
    submit_tx: SyncSender<SequencerMsg>,
    stop_tx: watch::Sender<bool>,
    sequencer: Mutex<Option<std::thread::JoinHandle<()>>>,
    integrator: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The local demo witnesses (kept open for the log's lifetime).
    _local_witnesses: Vec<Arc<crate::witness::Witness>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The sequencer stops when its channel closes (the sender drops with
        // us); the integrator when it sees the stop flag.
        let _ = self.stop_tx.send(true);
    }
}

/// The log: a cheap, cloneable handle (an `Arc` inside).
#[derive(Clone)]
pub struct Log {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("origin", &self.shared().policy.origin())
            .field("sequenced", &self.sequenced_size())
            .field("published", &self.shared().published_size())
            .finish_non_exhaustive()
    }
}

impl Log {
    /// Opens the log in `config.data_dir` (creating keys, policy and stores
    /// on first start), recovers, and starts the sequencer and integrator.
    /// Must be called within a tokio runtime.
    pub async fn open(config: LogConfig) -> Result<Log, LogError> {
        recovery::open(config).await
    }

    fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    /// The configuration the log runs with.
    pub fn config(&self) -> &LogConfig {
        &self.shared().config
    }

    /// The log's origin (its checkpoint's first line and key name).
    pub fn origin(&self) -> &str {
        self.shared().policy.origin()
    }

    /// Number of entries durably sequenced. Entries at lower indexes are
    /// durable; the ledger ([`LogRead::with_ledger`]) may briefly hold a
    /// batch that is being committed (and is rolled back if the commit fails).
    pub fn sequenced_size(&self) -> u64 {
        self.shared().state.sequenced_size().unwrap_or(0)
    }

    /// The size up to which tiles and entry bundles are written.
    pub fn integrated_size(&self) -> u64 {
        self.shared().integrated.load(Ordering::Acquire)
    }

    /// Sequences a parsed entry: waits until it is durable (or refused).
    pub async fn submit(&self, entry: Entry) -> Result<Submitted, SubmitError> {
        let (reply, outcome) = oneshot::channel();
        match self
            .inner
            .submit_tx
            .try_send(SequencerMsg::Submit(Box::new(Submission { entry, reply })))
        {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(SubmitError::Busy(self.shared().config.queue_capacity));
            }
            Err(TrySendError::Disconnected(_)) => return Err(SubmitError::ShuttingDown),
        }
        outcome.await.unwrap_or(Err(SubmitError::ShuttingDown))
    }

    /// Parses `bytes` (size, envelope, signature, schema) and sequences the
    /// entry. Parsing runs on the calling task.
    pub async fn submit_bytes(&self, bytes: &[u8]) -> Result<Submitted, SubmitError> {
        let entry = Entry::parse(bytes).map_err(RuleError::Invalid)?;
        self.submit(entry).await
    }

    /// Waits until a checkpoint of at least `size` is published (or the log
    /// stops). Returns the published size.
    pub async fn wait_published(&self, size: u64) -> u64 {
        let mut rx = self.shared().published_tx.subscribe();
        loop {
            if let Some(current) = *rx.borrow_and_update()
                && current >= size
            {
                return current;
            }
            if rx.changed().await.is_err() {
                return self.shared().published_size();
            }
        }
    }

    /// A tile or entry bundle as served by the read API, if it is within the
    /// published tree (`None` otherwise). Served from a cache of recent tiles
    /// when possible; may read the object store (blocking).
    pub fn tile(&self, path: &verifier::tile::TilePath) -> Result<Option<TileBytes>, StoreError> {
        let shared = self.shared();
        let published = shared.published_size();
        shared.tiles.read(path, published, self.integrated_size())
    }

    /// The cached tile, if the cache can answer without I/O.
    pub fn cached_tile(&self, path: &verifier::tile::TilePath) -> Option<TileBytes> {
        self.shared()
            .tiles
            .cached(path, self.shared().published_size())
    }

    /// Stops accepting submissions, lets the sequencer finish its batch and
    /// the integrator its step, and waits for both. Other handles keep
    /// working for reads.
    pub async fn shutdown(&self) {
        // Behind whatever is queued: those submissions are still answered.
        let tx = self.inner.submit_tx.clone();
        let _ = tokio::task::spawn_blocking(move || tx.send(SequencerMsg::Stop)).await;
        let _ = self.inner.stop_tx.send(true);
        let sequencer = self
            .inner
            .sequencer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = sequencer {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
        let integrator = self
            .inner
            .integrator
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = integrator {
            let _ = handle.await;
        }
    }
}

impl LogRead for Log {
    fn published(&self) -> Option<(u64, String)> {
        self.shared()
            .published()
            .map(|p| (p.size, p.note.to_string()))
    }

    fn read_tile(&self, id: &TileId) -> Result<Vec<u8>, StoreError> {
        let path = verifier::tile::TilePath::Hashes(*id);
        match self.tile(&path)? {
            Some(bytes) => Ok(bytes.to_vec()),
            None => Err(StoreError::Missing(format!(
                "{} is not a tile of the published tree (size {})",
                id.path(),
                self.shared().published_size()
            ))),
        }
    }

    fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.shared().state.entry(index)
    }

    fn archived_sizes(&self) -> Vec<u64> {
        self.shared()
            .archived
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn archived_checkpoint(&self, size: u64) -> Result<Option<String>, StoreError> {
        self.shared().state.archived_checkpoint(size)
    }

    fn policy(&self) -> &Policy {
        &self.shared().policy
    }

    fn with_ledger<R>(&self, f: &mut dyn FnMut(&Ledger) -> R) -> R {
        let ledger = self
            .shared()
            .ledger
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        f(&ledger)
    }
}
