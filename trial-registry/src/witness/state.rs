//! The witness's durable state: for each log, the latest checkpoint it cosigned.
//!
//! One file per log origin, `DIR/logs/<hex SHA-256 of the origin>.note`,
//! holding the signed checkpoint note exactly as the log submitted it (so the
//! state is also evidence: anyone holding the log's key can check it). The
//! origin is hashed for the file name because origins are arbitrary text
//! (`example.com/log`, with slashes).
//!
//! Writes are atomic and durable: a temporary file is written and fsynced,
//! renamed over the old state, and the directory is fsynced, so after a crash
//! the file is either the old state or the new one, never a mixture. The
//! caller ([`super::Witness`]) persists BEFORE a cosignature leaves, and holds
//! the log's lock around check and write so two requests cannot both advance
//! from one state.
//!
//! `DIR/lock` is held with an exclusive advisory lock for the store's lifetime:
//! two witness processes sharing one state directory could each cosign a
//! different fork, so the second one refuses to start.
//!
//! What this is not: a history. Only the latest cosigned checkpoint per log
//! is kept, which is all the witness protocol needs. A state file that cannot
//! be read is an error, never "no state": forgetting a log's size would let
//! the witness cosign a fork.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use verifier::checkpoint::Checkpoint;
use verifier::merkle::{Hash, empty_tree_root, hex};
use verifier::note::Note;

/// Subdirectory of the witness directory that holds one state file per log.
const LOGS_DIR: &str = "logs";
/// The lock file of the witness directory.
const LOCK_FILE: &str = "lock";

/// Why the state could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A filesystem operation failed.
    #[error("witness state: cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("create", "write", "rename", …).
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Another process (or another `Witness` in this one) holds the directory.
    #[error(
        "witness state in {} is in use by another witness (lock file {} is held); \
         two witnesses sharing one state could cosign a fork",
        dir.display(),
        dir.join(LOCK_FILE).display()
    )]
    Locked {
        /// The witness directory.
        dir: PathBuf,
    },
    /// A state file exists but is not a checkpoint of its log.
    #[error(
        "witness state file {} is corrupt: {reason}; refusing to start rather than \
         forget what this witness cosigned (restore it from a backup, or retire this witness key)",
        path.display()
    )]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// The latest checkpoint a witness cosigned for one log: its tree size and root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CosignedState {
    /// Tree size of the latest cosigned checkpoint (0: never cosigned).
    pub size: u64,
    /// Its root hash (the empty tree's root when never cosigned).
    pub root: Hash,
}

impl CosignedState {
    /// The state of a log this witness never cosigned: size 0, empty root.
    pub fn empty() -> CosignedState {
        CosignedState {
            size: 0,
            root: empty_tree_root(),
        }
    }
}

/// The state directory, locked for this process.
#[derive(Debug)]
pub(crate) struct StateStore {
    logs_dir: PathBuf,
    // Held for the lifetime of the store; the OS releases the lock on drop.
    _lock: File,
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StateError {
    let path = path.to_path_buf();
    move |source| StateError::Io {
        action,
        path,
        source,
    }
}

impl StateStore {
    /// Opens (creating if missing) the state directory and locks it.
    pub(crate) fn open(dir: &Path) -> Result<StateStore, StateError> {
        let logs_dir = dir.join(LOGS_DIR);
        std::fs::create_dir_all(&logs_dir).map_err(io_error("create", &logs_dir))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error("open", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StateError::Locked {
                    dir: dir.to_path_buf(),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StateError::Io {
                    action: "lock",
                    path: lock_path,
                    source,
                });
            }
        }
        Ok(StateStore {
            logs_dir,
            _lock: lock,
        })
    }

    /// The state file of `origin`.
    fn path(&self, origin: &str) -> PathBuf {
        let digest = Sha256::digest(origin.as_bytes());
        self.logs_dir.join(format!("{}.note", hex(&digest)))
    }

    /// Reads the latest cosigned checkpoint of `origin`, or the empty state
    /// when the witness never cosigned for it.
    pub(crate) fn load(&self, origin: &str) -> Result<CosignedState, StateError> {
        let path = self.path(origin);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(CosignedState::empty());
            }
            Err(source) => {
                return Err(StateError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        let corrupt = |reason: String| StateError::Corrupt {
            path: path.clone(),
            reason,
        };
        let note = Note::parse(&bytes).map_err(|e| corrupt(e.to_string()))?;
        let checkpoint = Checkpoint::parse(note.text()).map_err(|e| corrupt(e.to_string()))?;
        if checkpoint.origin != origin {
            return Err(corrupt(format!(
                "it holds a checkpoint of {:?}, not of {origin:?}",
                checkpoint.origin
            )));
        }
        Ok(CosignedState {
            size: checkpoint.size,
            root: checkpoint.root,
        })
    }

    /// Replaces the state of `origin` with `signed_checkpoint` (the log's
    /// signed note), atomically and durably. The caller holds the log's lock,
    /// so the temporary file name is not shared with a concurrent write.
    pub(crate) fn store(&self, origin: &str, signed_checkpoint: &[u8]) -> Result<(), StateError> {
        let path = self.path(origin);
        let tmp = path.with_extension("note.tmp");
        let mut file = File::create(&tmp).map_err(io_error("create", &tmp))?;
        file.write_all(signed_checkpoint)
            .map_err(io_error("write", &tmp))?;
        file.sync_all().map_err(io_error("fsync", &tmp))?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(io_error("rename into place", &path))?;
        // The rename is durable only once the directory entry is.
        File::open(&self.logs_dir)
            .and_then(|dir| dir.sync_all())
            .map_err(io_error("fsync", &self.logs_dir))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "example.com/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u{2014} example.com/log AAAAAAE=\n";

    #[test]
    fn missing_state_is_empty_and_stored_state_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        assert_eq!(
            store.load("example.com/log").unwrap(),
            CosignedState::empty()
        );
        store.store("example.com/log", NOTE.as_bytes()).unwrap();
        let state = store.load("example.com/log").unwrap();
        assert_eq!(state.size, 5);
        assert_eq!(state.root, [0; 32]);
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join(LOGS_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 1);
        assert!(names[0].ends_with(".note"), "{names:?}");
    }

    #[test]
    fn a_second_store_on_one_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let _first = StateStore::open(dir.path()).unwrap();
        let second = StateStore::open(dir.path()).unwrap_err();
        assert!(matches!(second, StateError::Locked { .. }), "{second}");
        drop(_first);
        StateStore::open(dir.path()).unwrap();
    }

    #[test]
    fn corrupt_or_misplaced_state_is_an_error_not_a_reset() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        std::fs::write(store.path("example.com/log"), "garbage").unwrap();
        let err = store.load("example.com/log").unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
        // A valid checkpoint of another log under this log's name.
        std::fs::write(store.path("other.example/log"), NOTE).unwrap();
        let err = store.load("other.example/log").unwrap_err();
        assert!(err.to_string().contains("not of"), "{err}");
    }
}
