//! [`RedbStateStore`]: the sequencing state in one redb file.
//!
//! Tables:
//! - `entries`: index → exact entry bytes;
//! - `by_hash`: entry_hash (32 bytes) → index, for idempotent resubmission;
//! - `checkpoints`: tree size → cosigned checkpoint note (the archive);
//! - `meta`: `sequenced` (number of entries) and `integrated` (size up to
//!   which tiles are written).
//!
//! Every write is one transaction committed with redb's default
//! `Durability::Immediate` (fsync before `commit` returns), so an append is
//! all-or-nothing across a crash.

use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use redb::{Database, ReadableDatabase as _, ReadableTable as _, TableDefinition};

use super::{NewEntry, StateStore, StoreError};

const ENTRIES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("entries");
const BY_HASH: TableDefinition<'_, &[u8; 32], u64> = TableDefinition::new("by_hash");
const CHECKPOINTS: TableDefinition<'_, u64, &str> = TableDefinition::new("checkpoints");
const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");

const SEQUENCED: &str = "sequenced";
const INTEGRATED: &str = "integrated";

/// The sequencing state in a redb database file.
pub struct RedbStateStore {
    db: Database,
    /// Cache of `meta.sequenced`; only [`StateStore::append`] changes it.
    sequenced: AtomicU64,
}

impl std::fmt::Debug for RedbStateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStateStore")
            .field("sequenced", &self.sequenced.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// The page cache of the state database.
const STATE_CACHE_BYTES: usize = 64 << 20;

fn db_error(context: &'static str) -> impl FnOnce(redb::Error) -> StoreError {
    move |e| StoreError::database(context, e)
}

impl RedbStateStore {
    /// Opens (creating if missing) the database at `path`, creating its
    /// tables, and checks that `meta.sequenced` matches the `entries` table.
    pub fn open(path: &Path) -> Result<RedbStateStore, StoreError> {
        // redb's default page cache is 1 GiB; entries are written once and
        // read rarely (recovery, bundles are built from tiles), so a smaller
        // cache keeps the server's memory to what the ledger needs.
        let db = Database::builder()
            .set_cache_size(STATE_CACHE_BYTES)
            .create(path)
            .map_err(|e| StoreError::database("open", format!("{}: {e}", path.display())))?;
        let sequenced = (|| -> Result<u64, redb::Error> {
            let txn = db.begin_write()?;
            let sequenced;
            {
                let entries = txn.open_table(ENTRIES)?;
                txn.open_table(BY_HASH)?;
                txn.open_table(CHECKPOINTS)?;
                let meta = txn.open_table(META)?;
                sequenced = meta.get(SEQUENCED)?.map(|v| v.value()).unwrap_or(0);
                let last = entries.last()?.map(|(k, _)| k.value() + 1).unwrap_or(0);
                if last != sequenced {
                    return Err(redb::Error::Corrupted(format!(
                        "meta.sequenced is {sequenced} but the last entry is at index {}",
                        last.saturating_sub(1)
                    )));
                }
            }
            txn.commit()?;
            Ok(sequenced)
        })()
        .map_err(db_error("open tables"))?;
        Ok(RedbStateStore {
            db,
            sequenced: AtomicU64::new(sequenced),
        })
    }

    fn read<T>(
        &self,
        context: &'static str,
        f: impl FnOnce(&redb::ReadTransaction) -> Result<T, redb::Error>,
    ) -> Result<T, StoreError> {
        let txn = self
            .db
            .begin_read()
            .map_err(|e| StoreError::database(context, e))?;
        f(&txn).map_err(db_error(context))
    }

    fn write(
        &self,
        context: &'static str,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<(), redb::Error>,
    ) -> Result<(), StoreError> {
        (|| -> Result<(), redb::Error> {
            let txn = self.db.begin_write()?;
            f(&txn)?;
            txn.commit()?;
            Ok(())
        })()
        .map_err(db_error(context))
    }
}

impl StateStore for RedbStateStore {
    fn sequenced_size(&self) -> Result<u64, StoreError> {
        Ok(self.sequenced.load(Ordering::Acquire))
    }

    fn append(&self, first: u64, entries: &[NewEntry<'_>]) -> Result<(), StoreError> {
        let size = self.sequenced.load(Ordering::Acquire);
        if first != size {
            return Err(StoreError::NotContiguous { first, size });
        }
        let new_size = first + entries.len() as u64;
        let result = self.write("append entries", |txn| {
            let mut table = txn.open_table(ENTRIES)?;
            let mut by_hash = txn.open_table(BY_HASH)?;
            for (i, entry) in entries.iter().enumerate() {
                let index = first + i as u64;
                table.insert(index, entry.bytes)?;
                by_hash.insert(&entry.entry_hash, index)?;
            }
            txn.open_table(META)?.insert(SEQUENCED, new_size)?;
            Ok(())
        });
        match result {
            Ok(()) => {
                self.sequenced.store(new_size, Ordering::Release);
                Ok(())
            }
            Err(e) => {
                // A failed commit may still have reached the disk (e.g. an
                // fsync error after the write): trust the database, not the
                // cache, for where the next append goes.
                if let Ok(size) = self.read("read sequenced size", |txn| {
                    let meta = txn.open_table(META)?;
                    Ok(meta.get(SEQUENCED)?.map(|v| v.value()).unwrap_or(0))
                }) {
                    self.sequenced.store(size, Ordering::Release);
                }
                Err(e)
            }
        }
    }

    fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.read("read entry", |txn| {
            let table = txn.open_table(ENTRIES)?;
            Ok(table.get(index)?.map(|v| v.value().to_vec()))
        })
    }

    fn entries(&self, range: Range<u64>) -> Result<Vec<Vec<u8>>, StoreError> {
        let expected = range.end.saturating_sub(range.start);
        let entries = self.read("read entries", |txn| {
            let table = txn.open_table(ENTRIES)?;
            table
                .range(range.clone())?
                .map(|item| item.map(|(_, v)| v.value().to_vec()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(redb::Error::from)
        })?;
        if entries.len() as u64 != expected {
            return Err(StoreError::Corrupt(format!(
                "entries {}..{} asked for, {} found",
                range.start,
                range.end,
                entries.len()
            )));
        }
        Ok(entries)
    }

    fn indexes_of(&self, entry_hashes: &[[u8; 32]]) -> Result<Vec<Option<u64>>, StoreError> {
        if entry_hashes.is_empty() {
            return Ok(Vec::new());
        }
        self.read("look up entry hashes", |txn| {
            let table = txn.open_table(BY_HASH)?;
            entry_hashes
                .iter()
                .map(|hash| Ok(table.get(hash)?.map(|v| v.value())))
                .collect()
        })
    }

    fn integrated_size(&self) -> Result<u64, StoreError> {
        self.read("read integrated size", |txn| {
            let meta = txn.open_table(META)?;
            Ok(meta.get(INTEGRATED)?.map(|v| v.value()).unwrap_or(0))
        })
    }

    fn set_integrated_size(&self, size: u64) -> Result<(), StoreError> {
        self.write("record integrated size", |txn| {
            txn.open_table(META)?.insert(INTEGRATED, size)?;
            Ok(())
        })
    }

    fn archive_checkpoint(&self, size: u64, note: &str) -> Result<(), StoreError> {
        self.write("archive checkpoint", |txn| {
            txn.open_table(CHECKPOINTS)?.insert(size, note)?;
            Ok(())
        })
    }

    fn archived_checkpoint(&self, size: u64) -> Result<Option<String>, StoreError> {
        self.read("read archived checkpoint", |txn| {
            let table = txn.open_table(CHECKPOINTS)?;
            Ok(table.get(size)?.map(|v| v.value().to_string()))
        })
    }

    fn archived_sizes(&self) -> Result<Vec<u64>, StoreError> {
        self.read("list archived checkpoints", |txn| {
            let table = txn.open_table(CHECKPOINTS)?;
            table
                .iter()?
                .map(|item| item.map(|(k, _)| k.value()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(redb::Error::from)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use verifier::entry::entry_hash_bytes;

    fn new(bytes: &[u8]) -> NewEntry<'_> {
        NewEntry {
            entry_hash: entry_hash_bytes(bytes),
            bytes,
        }
    }

    #[test]
    fn append_read_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.redb");
        {
            let store = RedbStateStore::open(&path).unwrap();
            assert_eq!(store.sequenced_size().unwrap(), 0);
            store.append(0, &[new(b"a"), new(b"b")]).unwrap();
            store.append(2, &[new(b"c")]).unwrap();
            assert!(matches!(
                store.append(5, &[new(b"d")]),
                Err(StoreError::NotContiguous { first: 5, size: 3 })
            ));
            store.set_integrated_size(2).unwrap();
            store.archive_checkpoint(2, "note 2\n").unwrap();
            store.archive_checkpoint(0, "note 0\n").unwrap();
        }
        let store = RedbStateStore::open(&path).unwrap();
        assert_eq!(store.sequenced_size().unwrap(), 3);
        assert_eq!(store.integrated_size().unwrap(), 2);
        assert_eq!(store.entry(1).unwrap().unwrap(), b"b");
        assert_eq!(store.entry(3).unwrap(), None);
        assert_eq!(
            store.entries(0..3).unwrap(),
            vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]
        );
        assert!(store.entries(2..4).is_err());
        assert_eq!(
            store
                .indexes_of(&[entry_hash_bytes(b"c"), entry_hash_bytes(b"x")])
                .unwrap(),
            vec![Some(2), None]
        );
        assert_eq!(store.archived_sizes().unwrap(), vec![0, 2]);
        assert_eq!(
            store.archived_checkpoint(2).unwrap().as_deref(),
            Some("note 2\n")
        );
    }
}
