//! The portal's light client (DESIGN §6): it holds the pinned trust policies,
//! keeps the last verified checkpoint per log origin in IndexedDB, and on
//! every visit verifies the registry's `/checkpoint` and requires a
//! consistency proof, built from tiles, from the stored checkpoint to it.
//!
//! - [`core`]: the decisions, sans I/O (unit-tested natively);
//! - [`store`]: the IndexedDB store of verified checkpoints and user policies;
//! - [`fetch`]: the registry reads (`gloo-net`) and [`fetch::visit`], which
//!   runs one whole check: fetch, verify, prove, then store.

pub mod core;
pub mod fetch;
pub mod store;

pub use self::core::{
    Alarm, Assessment, Head, PendingProof, PolicySource, Relation, StoredCheckpoint, TrustPolicies,
    VerifiedCheckpoint, assess, relate,
};
