//! Witnesses: C2SP tlog-witness v1.0.0 `add-checkpoint`, both sides.
//!
//! A witness follows a set of logs (by their Ed25519 keys; a log is
//! identified by its checkpoint origin, the key's name) and cosigns a log's
//! checkpoint only if it is consistent with the last one it cosigned for that
//! log, persisting the new one first. Its cosignatures (C2SP tlog-cosignature
//! v1.0.1, key type 0x04) carry its clock, which is what gives entries their
//! witnessed time.
//!
//! - [`Witness`] (`protocol`): the protocol over a request body, no HTTP; state
//!   per origin on disk (`state`).
//! - [`witness_router`] (`http`): `POST /add-checkpoint` for axum.
//! - [`WitnessClient`] (`client`): how the log's integrator asks a witness,
//!   in this process or over HTTP, verifying every cosignature it gets back;
//!   [`add_checkpoint_request`] formats a request body.
//! - `keyfile`: key generation and 0600 key files; `command`: the `witness`
//!   and `keygen` subcommands.
//!
//! What this is not: the cryptography (signed notes, checkpoints,
//! cosignatures and Merkle proofs all come from the `verifier` crate) or the
//! log's retry policy.
#![forbid(unsafe_code)]

mod client;
mod command;
mod http;
mod keyfile;
mod protocol;
mod state;

pub use client::{WITNESS_TIMEOUT, WitnessCallError, WitnessClient, add_checkpoint_request};
pub use command::{CommandError, DEFAULT_WITNESS_NAME, WITNESS_KEY_FILE, keygen, run_witness};
pub use http::{TLOG_SIZE_CONTENT_TYPE, witness_router};
pub use keyfile::{KeyFileError, generate_signer_key, load_or_create_signer_key};
pub use protocol::{AddCheckpointError, MAX_PROOF_LINES, MAX_REQUEST_BYTES, Witness, WitnessError};
pub use state::{CosignedState, StateError};
