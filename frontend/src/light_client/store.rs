//! The browser's own records, in IndexedDB: the last verified checkpoint per
//! log origin, and the trust policies the user added on the settings page.
//!
//! Values are JSON strings under string keys, so the stored shape is the
//! serde shape of [`StoredCheckpoint`] and [`UserPolicy`] and survives
//! upgrades of the IndexedDB crate. Every operation opens its own short
//! transaction: callers fetch, hash and verify *first* and only then call
//! in here, because a transaction auto-commits as soon as the event loop
//! idles (awaiting a fetch inside one would end it).

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::{Deserialize, Serialize};

use super::core::StoredCheckpoint;

/// The portal's database name.
pub const DATABASE: &str = "trial-ledger";
/// Schema version (bump with a migration in [`Store::open`]).
const VERSION: u32 = 1;
/// Last verified checkpoint per origin.
const CHECKPOINTS: &str = "checkpoints";
/// Trust policies the user added.
const POLICIES: &str = "policies";

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

/// A trust policy the user pasted or loaded on the settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPolicy {
    /// Its key: lowercase hex SHA-256 of `text`.
    pub id: String,
    /// The user's name for it (or the file name).
    pub label: String,
    /// The policy text, exactly as given (parsed again at every start).
    pub text: String,
}

impl UserPolicy {
    /// A policy record keyed by the hash of its text.
    pub fn new(label: impl Into<String>, text: impl Into<String>) -> UserPolicy {
        let text = text.into();
        UserPolicy {
            id: verifier::entry::sha256_hex(text.as_bytes()),
            label: label.into(),
            text,
        }
    }
}

/// What [`Store::save_checkpoint`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// The checkpoint is now the stored one.
    Stored,
    /// A larger checkpoint was already stored (another tab or page got
    /// further); it was kept.
    KeptLarger(u64),
}

/// An open connection to the portal's database.
#[derive(Debug)]
pub struct Store {
    db: Database,
}

impl Store {
    /// Opens (creating or upgrading) the database `name`; the portal uses
    /// [`DATABASE`], tests a fresh name each.
    pub async fn open(name: &str) -> Result<Store, StoreError> {
        let db = Database::open(name)
            .with_version(VERSION)
            .with_on_upgrade_needed(|event, db| {
                if event.old_version() < 1.0 {
                    db.create_object_store(CHECKPOINTS).build()?;
                    db.create_object_store(POLICIES).build()?;
                }
                Ok(())
            })
            .await
            .map_err(|e| StoreError::Open {
                name: name.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Store { db })
    }

    /// Closes the connection (tests: a "reload" opens a new one).
    pub fn close(self) {
        self.db.close();
    }

    async fn get_json(&self, store: &str, key: &str) -> Result<Option<String>, StoreError> {
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
        Ok(value)
    }

    /// The last verified checkpoint for `origin`.
    pub async fn checkpoint(&self, origin: &str) -> Result<Option<StoredCheckpoint>, StoreError> {
        match self.get_json(CHECKPOINTS, origin).await? {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    what: "checkpoint",
                    reason: e.to_string(),
                }),
        }
    }

    /// Stores `checkpoint` as its origin's last verified one, unless a
    /// larger one is stored already (read and written in one transaction).
    pub async fn save_checkpoint(
        &self,
        checkpoint: &StoredCheckpoint,
    ) -> Result<Saved, StoreError> {
        let json = serde_json::to_string(checkpoint).map_err(|e| StoreError::Corrupt {
            what: "checkpoint",
            reason: e.to_string(),
        })?;
        let tx = self
            .db
            .transaction(CHECKPOINTS)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(request("write transaction"))?;
        let store = tx.object_store(CHECKPOINTS).map_err(request("write"))?;
        let existing: Option<String> = store
            .get(checkpoint.origin.clone())
            .primitive()
            .map_err(request("read"))?
            .await
            .map_err(request("read"))?;
        if let Some(existing) = existing
            .as_deref()
            .and_then(|j| serde_json::from_str::<StoredCheckpoint>(j).ok())
            && existing.size > checkpoint.size
        {
            return Ok(Saved::KeptLarger(existing.size));
        }
        store
            .put(json)
            .with_key(checkpoint.origin.clone())
            .primitive()
            .map_err(request("write"))?
            .await
            .map_err(request("write"))?;
        tx.commit().await.map_err(request("commit"))?;
        Ok(Saved::Stored)
    }

    /// The user's added policies, in key order.
    pub async fn policies(&self) -> Result<Vec<UserPolicy>, StoreError> {
        let tx = self
            .db
            .transaction(POLICIES)
            .build()
            .map_err(request("read transaction"))?;
        let store = tx.object_store(POLICIES).map_err(request("read"))?;
        let values: Vec<String> = store
            .get_all()
            .primitive()
            .map_err(request("read"))?
            .await
            .map_err(request("read"))?
            .collect::<Result<Vec<String>, _>>()
            .map_err(request("read"))?;
        values
            .iter()
            .map(|json| {
                serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
                    what: "policy",
                    reason: e.to_string(),
                })
            })
            .collect()
    }

    /// Adds (or replaces) a user policy.
    pub async fn add_policy(&self, policy: &UserPolicy) -> Result<(), StoreError> {
        let json = serde_json::to_string(policy).map_err(|e| StoreError::Corrupt {
            what: "policy",
            reason: e.to_string(),
        })?;
        let tx = self
            .db
            .transaction(POLICIES)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(request("write transaction"))?;
        let store = tx.object_store(POLICIES).map_err(request("write"))?;
        store
            .put(json)
            .with_key(policy.id.clone())
            .primitive()
            .map_err(request("write"))?
            .await
            .map_err(request("write"))?;
        tx.commit().await.map_err(request("commit"))
    }

    /// Removes a user policy by id.
    pub async fn remove_policy(&self, id: &str) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(POLICIES)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(request("write transaction"))?;
        let store = tx.object_store(POLICIES).map_err(request("delete"))?;
        store
            .delete(id.to_owned())
            .primitive()
            .map_err(request("delete"))?
            .await
            .map_err(request("delete"))?;
        tx.commit().await.map_err(request("commit"))
    }
}
