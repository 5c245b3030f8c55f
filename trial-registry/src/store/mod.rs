//! Where the log keeps its state: two small interfaces and their embedded
//! implementations.
//!
//! - [`ObjectStore`]: immutable-ish objects addressed by their C2SP
//!   tlog-tiles path (hash tiles, entry bundles, `checkpoint`, and the
//!   archive `checkpoints/<size>`). [`FsObjectStore`] keeps them as files
//!   under a directory laid out exactly like the read API's URL space, so the
//!   directory itself is a static copy of the log (`trialverify audit-log
//!   DIR` reads it). Every put is atomic and durable.
//! - [`StateStore`]: the sequencing state — entries by index, the index of
//!   each entry hash (idempotent resubmission), the checkpoint archive and the
//!   integrated size — with transactional, durable appends.
//!   [`RedbStateStore`] implements it with redb (one file, pure Rust, ACID).
//!
//! The traits are what a multi-node deployment would implement with an
//! object store and a shared database; they hold no log logic (no hashing,
//! no rules): that lives in [`crate::log`].

mod objects;
mod state;

use std::ops::Range;
use std::path::PathBuf;

pub use objects::FsObjectStore;
pub use state::RedbStateStore;

/// Why the log's storage failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file operation failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("write", "read", "fsync", …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// An object path that is not a plain relative path of safe characters.
    #[error("invalid object path {0:?}: only relative paths of [A-Za-z0-9._-] segments are stored")]
    BadPath(String),
    /// The state database failed.
    #[error("state database ({context}): {message}")]
    Database {
        /// What was being done.
        context: &'static str,
        /// What the database said.
        message: String,
    },
    /// An append that does not continue the log.
    #[error("cannot append entries at index {first}: the log holds {size} entries")]
    NotContiguous {
        /// The index asked for.
        first: u64,
        /// The number of entries stored.
        size: u64,
    },
    /// Something asked for is not stored.
    #[error("not found: {0}")]
    Missing(String),
    /// Stored data that is not what the store wrote.
    #[error("corrupt state: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A database error with what was being done.
    pub(crate) fn database(context: &'static str, error: impl std::fmt::Display) -> StoreError {
        StoreError::Database {
            context,
            message: error.to_string(),
        }
    }
}

/// A new entry to sequence: its `entry_hash` (SHA-256 of the bytes) and bytes.
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    /// SHA-256 of `bytes`.
    pub entry_hash: [u8; 32],
    /// The exact entry bytes (the leaf).
    pub bytes: &'a [u8],
}

/// Objects addressed by tlog-tiles paths (`tile/0/x001/234`,
/// `tile/entries/000.p/7`, `checkpoint`, `checkpoints/12`).
///
/// A `put` is atomic (a reader sees the old object or the new one, never a
/// mix) and durable when it returns. Objects other than `checkpoint` are
/// written once with bytes that never change afterwards (rewriting a tile
/// after a crash writes the same bytes).
pub trait ObjectStore: Send + Sync {
    /// Stores `bytes` at `path`, replacing any previous object.
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), StoreError>;
    /// Stores several objects; each is atomic and all are durable on return.
    /// Implementations may batch the flushes.
    fn put_all(&self, objects: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        objects
            .iter()
            .try_for_each(|(path, bytes)| self.put(path, bytes))
    }
    /// The object at `path`, or `None` if there is none.
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

/// The sequencing state, transactional and durable.
///
/// One writer appends entries ([`StateStore::append`]); readers may run
/// concurrently and see only committed appends.
pub trait StateStore: Send + Sync {
    /// Number of entries durably sequenced (the next index).
    fn sequenced_size(&self) -> Result<u64, StoreError>;
    /// Appends `entries` at indexes `first, first+1, …` in one durable
    /// transaction; `first` must equal [`StateStore::sequenced_size`].
    fn append(&self, first: u64, entries: &[NewEntry<'_>]) -> Result<(), StoreError>;
    /// The exact bytes of the entry at `index`.
    fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// The entries in `range` (which must be within the sequenced size), in order.
    fn entries(&self, range: Range<u64>) -> Result<Vec<Vec<u8>>, StoreError>;
    /// The index of each entry hash, if sequenced.
    fn indexes_of(&self, entry_hashes: &[[u8; 32]]) -> Result<Vec<Option<u64>>, StoreError>;
    /// The size up to which tiles and entry bundles are durably written.
    fn integrated_size(&self) -> Result<u64, StoreError>;
    /// Records the integrated size (durably).
    fn set_integrated_size(&self, size: u64) -> Result<(), StoreError>;
    /// Archives a cosigned checkpoint note at its tree size (durably).
    fn archive_checkpoint(&self, size: u64, note: &str) -> Result<(), StoreError>;
    /// The archived checkpoint note at `size`.
    fn archived_checkpoint(&self, size: u64) -> Result<Option<String>, StoreError>;
    /// Every archived size, ascending.
    fn archived_sizes(&self) -> Result<Vec<u64>, StoreError>;
}
