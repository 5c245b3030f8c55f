//! The browser's own records, in IndexedDB: the last verified checkpoint per
//! log origin, and the trust policies the user added on the settings page.
//!
//! Values are JSON strings under string keys, so the stored shape is the
//! serde shape of [`StoredCheckpoint`] and [`UserPolicy`] and survives
//! upgrades of the IndexedDB crate. Every operation opens its own short
//! transaction: callers fetch, hash and verify *first* and only then call
//! in here, because a transaction auto-commits as soon as the event loop
//! idles (awaiting a fetch inside one would end it).

use serde::{Deserialize, Serialize};

use super::core::StoredCheckpoint;
use crate::idb::JsonDb;
pub use crate::idb::StoreError;

/// The portal's database name.
pub const DATABASE: &str = "trial-ledger";
/// Last verified checkpoint per origin.
const CHECKPOINTS: &str = "checkpoints";
/// Trust policies the user added.
const POLICIES: &str = "policies";

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
    db: JsonDb,
}

impl Store {
    /// Opens (creating on first use) the database `name`; the portal uses
    /// [`DATABASE`], tests a fresh name each.
    pub async fn open(name: &str) -> Result<Store, StoreError> {
        Ok(Store {
            db: JsonDb::open(name, &[CHECKPOINTS, POLICIES]).await?,
        })
    }

    /// Closes the connection (tests: a "reload" opens a new one).
    pub fn close(self) {
        self.db.close();
    }

    /// The last verified checkpoint for `origin`.
    pub async fn checkpoint(&self, origin: &str) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.db.get(CHECKPOINTS, origin, "checkpoint").await
    }

    /// Stores `checkpoint` as its origin's last verified one, unless a
    /// larger one is stored already (read and written in one transaction).
    pub async fn save_checkpoint(
        &self,
        checkpoint: &StoredCheckpoint,
    ) -> Result<Saved, StoreError> {
        let kept = self
            .db
            .put_unless(
                CHECKPOINTS,
                &checkpoint.origin,
                checkpoint,
                "checkpoint",
                |existing: &StoredCheckpoint| existing.size > checkpoint.size,
            )
            .await?;
        Ok(match kept {
            Some(existing) => Saved::KeptLarger(existing.size),
            None => Saved::Stored,
        })
    }

    /// The user's added policies, in key order.
    pub async fn policies(&self) -> Result<Vec<UserPolicy>, StoreError> {
        self.db.all(POLICIES, "policy").await
    }

    /// Adds (or replaces) a user policy.
    pub async fn add_policy(&self, policy: &UserPolicy) -> Result<(), StoreError> {
        self.db.put(POLICIES, &policy.id, policy, "policy").await
    }

    /// Removes a user policy by id.
    pub async fn remove_policy(&self, id: &str) -> Result<(), StoreError> {
        self.db.delete(POLICIES, id).await
    }
}
