//! The autosaved registration draft, in the sponsor's IndexedDB database
//! (store `drafts`, next to the keys). Written after every change, read
//! when the workspace opens; documents are kept by hash only.

use crate::idb::{JsonDb, StoreError};
use crate::keys::SPONSOR_STORES;

use super::draft::Draft;

const DRAFTS: &str = "drafts";
/// The key of the registration draft.
pub const REGISTRATION_DRAFT: &str = "registration";

/// The drafts kept in this browser.
#[derive(Debug)]
pub struct DraftStore {
    db: JsonDb,
}

impl DraftStore {
    /// Opens the store in database `name` ([`crate::keys::SPONSOR_DATABASE`]
    /// in the portal; a fresh name per test).
    pub async fn open(name: &str) -> Result<DraftStore, StoreError> {
        Ok(DraftStore {
            db: JsonDb::open(name, SPONSOR_STORES).await?,
        })
    }

    /// Closes the connection.
    pub fn close(self) {
        self.db.close();
    }

    /// The saved draft, if any.
    pub async fn load(&self) -> Result<Option<Draft>, StoreError> {
        self.db.get(DRAFTS, REGISTRATION_DRAFT, "draft").await
    }

    /// Saves `draft` (replacing the previous one).
    pub async fn save(&self, draft: &Draft) -> Result<(), StoreError> {
        self.db
            .put(DRAFTS, REGISTRATION_DRAFT, draft, "draft")
            .await
    }

    /// Forgets the draft (after it was registered).
    pub async fn clear(&self) -> Result<(), StoreError> {
        self.db.delete(DRAFTS, REGISTRATION_DRAFT).await
    }
}
