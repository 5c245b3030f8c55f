//! The registry's JSON API under `/api/v1/` (DESIGN §4): `{"error":{"code",
//! "message"}}` on every refusal. A convenience: clients verify what it
//! returns against tiles, checkpoints and their pinned policy.

pub mod entries;
pub mod trials;
