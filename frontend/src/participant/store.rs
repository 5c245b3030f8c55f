//! The participant's IndexedDB database: per-trial keys (`keys`, by trial
//! id) and receipts (`records`, by record id). Nothing here goes to the
//! network. Callers sign, hash and fetch before calling in (each call is
//! its own short transaction).

use crate::idb::{JsonDb, StoreError};
use crate::keys::SponsorKey;

use super::record::Receipt;
use super::state::merge;
use super::vault::VaultContents;

/// The database of the portal.
pub const PARTICIPANT_DATABASE: &str = "trial-ledger-participant";
/// Its stores.
pub const PARTICIPANT_STORES: &[&str] = &["keys", "records"];
const KEYS: &str = "keys";
const RECORDS: &str = "records";

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    /// Keys added.
    pub keys: usize,
    /// Records added or extended.
    pub records: usize,
    /// Records left as they were, and why.
    pub conflicts: Vec<String>,
}

/// The participant's keys and records in this browser.
#[derive(Debug)]
pub struct ParticipantStore {
    db: JsonDb,
}

impl ParticipantStore {
    /// Opens database `name` ([`PARTICIPANT_DATABASE`] in the portal).
    pub async fn open(name: &str) -> Result<ParticipantStore, StoreError> {
        Ok(ParticipantStore {
            db: JsonDb::open(name, PARTICIPANT_STORES).await?,
        })
    }

    /// Closes the connection.
    pub fn close(self) {
        self.db.close();
    }

    /// The key for `trial_id`, if this browser made one.
    pub async fn key_for(&self, trial_id: &str) -> Result<Option<SponsorKey>, StoreError> {
        self.db.get(KEYS, trial_id, "participant key").await
    }

    /// Keeps the key of `trial_id` (its label).
    pub async fn save_key(&self, key: &SponsorKey) -> Result<(), StoreError> {
        self.db.put(KEYS, &key.label, key, "participant key").await
    }

    /// Every receipt.
    pub async fn receipts(&self) -> Result<Vec<Receipt>, StoreError> {
        self.db.all(RECORDS, "consent record").await
    }

    /// One receipt.
    pub async fn receipt(&self, record_id: &str) -> Result<Option<Receipt>, StoreError> {
        self.db.get(RECORDS, record_id, "consent record").await
    }

    /// Keeps a receipt (replacing the one with its record id).
    pub async fn save_receipt(&self, receipt: &Receipt) -> Result<(), StoreError> {
        self.db
            .put(
                RECORDS,
                &receipt.record.header.record_id,
                receipt,
                "consent record",
            )
            .await
    }

    /// Everything, for the vault.
    pub async fn contents(&self) -> Result<VaultContents, StoreError> {
        Ok(VaultContents {
            keys: self.db.all(KEYS, "participant key").await?,
            receipts: self.receipts().await?,
        })
    }

    /// Adds a vault's (or one receipt's) contents: keys not yet here, and
    /// receipts merged with the stored ones ([`merge`]).
    pub async fn import(&self, contents: VaultContents) -> Result<Imported, StoreError> {
        let mut done = Imported::default();
        for key in contents.keys {
            if self.key_for(&key.label).await?.is_none() {
                self.save_key(&key).await?;
                done.keys += 1;
            }
        }
        for receipt in contents.receipts {
            let stored = self.receipt(&receipt.record.header.record_id).await?;
            match merge(stored.as_ref(), receipt) {
                Ok(merged) if Some(&merged) != stored.as_ref() => {
                    self.save_receipt(&merged).await?;
                    done.records += 1;
                }
                Ok(_) => {}
                Err(conflict) => done.conflicts.push(conflict),
            }
        }
        Ok(done)
    }

    /// Deletes every key and record.
    pub async fn delete_all(&self) -> Result<(), StoreError> {
        let contents = self.contents().await?;
        for key in &contents.keys {
            self.db.delete(KEYS, &key.label).await?;
        }
        for receipt in &contents.receipts {
            self.db
                .delete(RECORDS, &receipt.record.header.record_id)
                .await?;
        }
        Ok(())
    }
}
