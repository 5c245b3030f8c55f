//! A small JSON key–value layer over IndexedDB, for all of the portal's
//! records: the light client's checkpoints and policies
//! ([`crate::light_client::store`]), sponsor keys and drafts, the
//! participant's consent records.
//!
//! Values are JSON strings under string keys, so what is
//! stored is the serde shape of the Rust type and survives upgrades of the
//! IndexedDB crate; every operation opens its own short transaction, and a
//! write transaction is explicitly committed. Callers hash, sign, fetch and
//! run Argon2 *before* calling in here: a transaction auto-commits as soon
//! as the event loop idles.
//!
//! What it is not: a query layer. There are no indexes; [`JsonDb::all`]
//! reads a whole store, which is fine for the handful of records a person
//! keeps.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why the store could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// IndexedDB refused to open (private mode, disabled storage, a newer schema).
    #[error("cannot open this browser's IndexedDB database {name:?}: {reason}")]
    Open {
        /// The database name.
        name: String,
        /// The browser's reason.
        reason: String,
    },
    /// A read or write failed.
    #[error("IndexedDB {operation} failed: {reason}")]
    Request {
        /// What was attempted.
        operation: &'static str,
        /// The browser's reason.
        reason: String,
    },
    /// A stored record is not what this portal wrote.
    #[error("a stored {what} record is unreadable ({reason}); it may have been edited by hand")]
    Corrupt {
        /// Which kind of record.
        what: &'static str,
        /// The JSON error.
        reason: String,
    },
}

fn request(operation: &'static str) -> impl Fn(indexed_db_futures::error::Error) -> StoreError {
    move |e| StoreError::Request {
        operation,
        reason: e.to_string(),
    }
}

fn corrupt(what: &'static str) -> impl Fn(serde_json::Error) -> StoreError {
    move |e| StoreError::Corrupt {
        what,
        reason: e.to_string(),
    }
}

/// An open database whose object stores hold JSON strings.
#[derive(Debug)]
pub struct JsonDb {
    db: Database,
}

impl JsonDb {
    /// Opens (creating on first use) database `name` at schema version 1
    /// with the object stores `stores`. Tests pass a fresh name each.
    pub async fn open(name: &str, stores: &'static [&'static str]) -> Result<JsonDb, StoreError> {
        let db = Database::open(name)
            .with_version(1u32)
            .with_on_upgrade_needed(move |event, db| {
                if event.old_version() < 1.0 {
                    for store in stores {
                        db.create_object_store(store).build()?;
                    }
                }
                Ok(())
            })
            .await
            .map_err(|e| StoreError::Open {
                name: name.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(JsonDb { db })
    }

    /// Closes the connection (a "reload" in tests opens a new one).
    pub fn close(self) {
        self.db.close();
    }

    /// The record under `key` in `store`, decoded as `T` (`what` names the
    /// kind of record in errors).
    pub async fn get<T: DeserializeOwned>(
        &self,
        store: &str,
        key: &str,
        what: &'static str,
    ) -> Result<Option<T>, StoreError> {
        let tx = self
            .db
            .transaction(store)
            .build()
            .map_err(request("read transaction"))?;
        let object_store = tx.object_store(store).map_err(request("read"))?;
        let value: Option<String> = object_store
            .get(key.to_owned())
            .primitive()
            .map_err(request("read"))?
            .await
            .map_err(request("read"))?;
        value
            .map(|json| serde_json::from_str(&json).map_err(corrupt(what)))
            .transpose()
    }

    /// Every record in `store`, in key order.
    pub async fn all<T: DeserializeOwned>(
        &self,
        store: &str,
        what: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        let tx = self
            .db
            .transaction(store)
            .build()
            .map_err(request("read transaction"))?;
        let object_store = tx.object_store(store).map_err(request("read"))?;
        let values: Vec<String> = object_store
            .get_all()
            .primitive()
            .map_err(request("read"))?
            .await
            .map_err(request("read"))?
            .collect::<Result<Vec<String>, _>>()
            .map_err(request("read"))?;
        values
            .iter()
            .map(|json| serde_json::from_str(json).map_err(corrupt(what)))
            .collect()
    }

    /// Stores `value` under `key` in `store` (replacing any record).
    pub async fn put<T: Serialize>(
        &self,
        store: &str,
        key: &str,
        value: &T,
        what: &'static str,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(value).map_err(corrupt(what))?;
        let tx = self
            .db
            .transaction(store)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(request("write transaction"))?;
        let object_store = tx.object_store(store).map_err(request("write"))?;
        object_store
            .put(json)
            .with_key(key.to_owned())
            .primitive()
            .map_err(request("write"))?
            .await
            .map_err(request("write"))?;
        tx.commit().await.map_err(request("commit"))
    }

    /// Stores `value` under `key` in `store` unless the record there makes
    /// `keep` true; read and written in one transaction, so two tabs cannot
    /// interleave. Returns the record kept, or `None` when `value` was
    /// stored. An unreadable existing record is replaced.
    pub async fn put_unless<T: Serialize + DeserializeOwned>(
        &self,
        store: &str,
        key: &str,
        value: &T,
        what: &'static str,
        keep: impl FnOnce(&T) -> bool,
    ) -> Result<Option<T>, StoreError> {
        let json = serde_json::to_string(value).map_err(corrupt(what))?;
        let tx = self
            .db
            .transaction(store)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(request("write transaction"))?;
        let object_store = tx.object_store(store).map_err(request("write"))?;
        let existing: Option<String> = object_store
            .get(key.to_owned())
            .primitive()
            .map_err(request("read"))?
            .await
            .map_err(request("read"))?;
        if let Some(existing) = existing
            .as_deref()
            .and_then(|j| serde_json::from_str::<T>(j).ok())
            && keep(&existing)
        {
            return Ok(Some(existing));
        }
        object_store
            .put(json)
            .with_key(key.to_owned())
            .primitive()
            .map_err(request("write"))?
            .await
            .map_err(request("write"))?;
        tx.commit().await.map_err(request("commit"))?;
        Ok(None)
    }

    /// Removes the record under `key` from `store` (no error when absent).
    pub async fn delete(&self, store: &str, key: &str) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(store)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(request("write transaction"))?;
        let object_store = tx.object_store(store).map_err(request("delete"))?;
        object_store
            .delete(key.to_owned())
            .primitive()
            .map_err(request("delete"))?
            .await
            .map_err(request("delete"))?;
        tx.commit().await.map_err(request("commit"))
    }
}
