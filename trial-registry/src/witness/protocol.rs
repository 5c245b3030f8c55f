//! The witness itself, without HTTP: C2SP tlog-witness v1.0.0 `add-checkpoint`
//! semantics over a request body, with state persisted per log.
//!
//! A request is `old <size>`, up to 63 base64 consistency-proof lines, a blank
//! line, then the log's signed checkpoint note. The witness answers with its
//! cosignature line (C2SP tlog-cosignature v1.0.1, key type 0x04) or refuses
//! with the status the spec names:
//!
//! | status | when |
//! |---|---|
//! | 400 | malformed request, or old size > checkpoint size |
//! | 403 | no signature from a key this witness trusts for the origin verifies |
//! | 404 | the checkpoint's origin is not a log this witness knows |
//! | 409 | old size ≠ the size this witness last cosigned (body: that size); or same size, different root |
//! | 413 | request body larger than [`MAX_REQUEST_BYTES`] |
//! | 422 | the consistency proof from the cosigned checkpoint does not verify |
//!
//! Checks run in the spec's order, and check-persist-cosign runs under the
//! log's lock, so two concurrent requests cannot both advance from one state
//! (the rollback race the spec describes). The new state is on disk (fsynced)
//! before the cosignature is made. Re-submitting the checkpoint the witness
//! last cosigned (`old N`, size N, same root) is cosigned again, as the spec
//! allows; nothing is written then.
//!
//! What this is not: HTTP ([`super::witness_router`]) or a client
//! ([`super::WitnessClient`]); it reads no clock (the caller passes the time).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use verifier::checkpoint::Checkpoint;
use verifier::cosignature::{self, MAX_TIMESTAMP};
use verifier::merkle::{self, Hash, ProofError};
use verifier::note::{self, KeyType, Note, NoteError, SignerKey, VerifierKey};

use super::state::{CosignedState, StateError, StateStore};

/// The largest request body accepted: an old-size line, 63 proof lines and a
/// checkpoint note with up to 100 signatures fit with room to spare.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// The most consistency-proof lines a request may carry (the spec's limit:
/// a proof between two trees of at most 2^63 leaves).
pub const MAX_PROOF_LINES: usize = 63;

/// Why a witness could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// The witness's own key is not a cosignature key.
    #[error(
        "witness key {name} has type {key_type}; a witness cosigns with a type 0x04 \
         (cosignature/v1) key (`trial-registry keygen --kind witness`)"
    )]
    WitnessKeyType {
        /// The key's name.
        name: String,
        /// Its type.
        key_type: KeyType,
    },
    /// A log key is not an Ed25519 signed-note key.
    #[error(
        "log key {key} has type {key_type}; logs sign checkpoints with type 0x01 (Ed25519) keys"
    )]
    LogKeyType {
        /// The key, as a vkey string.
        key: String,
        /// Its type.
        key_type: KeyType,
    },
    /// Two log keys share a name and key ID but differ.
    #[error("log keys {a} and {b} share a name and key ID, so signatures cannot tell them apart")]
    AmbiguousLogKeys {
        /// One key.
        a: String,
        /// The other.
        b: String,
    },
    /// The state directory could not be opened or read.
    #[error(transparent)]
    State(#[from] StateError),
}

/// Why an `add-checkpoint` request was refused; [`AddCheckpointError::status`]
/// is the HTTP status the spec requires.
#[derive(Debug, thiserror::Error)]
pub enum AddCheckpointError {
    /// 400: the request is malformed, or its old size exceeds the checkpoint's size.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 413: the request body is larger than [`MAX_REQUEST_BYTES`].
    #[error("request body of {size} bytes is larger than the {MAX_REQUEST_BYTES} accepted")]
    TooLarge {
        /// The body's size in bytes.
        size: usize,
    },
    /// 404: the checkpoint's origin is not a log this witness knows.
    #[error("unknown log: this witness is not configured for origin {origin:?}")]
    UnknownLog {
        /// The checkpoint's origin.
        origin: String,
    },
    /// 403: no signature from a trusted key of the log verifies.
    #[error("no valid signature from a trusted key of {origin:?}: {reason}")]
    BadSignature {
        /// The checkpoint's origin.
        origin: String,
        /// What the note verification said.
        reason: String,
    },
    /// 409: the old size is not the size of the latest cosigned checkpoint.
    #[error("old size does not match: this witness last cosigned size {size}")]
    Conflict {
        /// The size of the latest checkpoint this witness cosigned for the log.
        size: u64,
    },
    /// 409: a checkpoint of the size this witness cosigned, with another root:
    /// the log has forked.
    #[error("this witness cosigned a different root at size {size}: refusing a fork of the log")]
    Fork {
        /// The common size.
        size: u64,
    },
    /// 422: the consistency proof does not verify.
    #[error("consistency proof does not verify: {0}")]
    InconsistentProof(String),
    /// 500: the new state could not be persisted (nothing was cosigned).
    #[error("cannot persist the witness state: {0}")]
    Storage(#[from] StateError),
    /// 500: the cosignature could not be made (e.g. the clock reads 0).
    #[error("cannot cosign: {0}")]
    Cosign(String),
}

impl AddCheckpointError {
    /// The HTTP status C2SP tlog-witness requires for this refusal.
    pub fn status(&self) -> u16 {
        match self {
            AddCheckpointError::BadRequest(_) => 400,
            AddCheckpointError::BadSignature { .. } => 403,
            AddCheckpointError::UnknownLog { .. } => 404,
            AddCheckpointError::Conflict { .. } | AddCheckpointError::Fork { .. } => 409,
            AddCheckpointError::TooLarge { .. } => 413,
            AddCheckpointError::InconsistentProof(_) => 422,
            AddCheckpointError::Storage(_) | AddCheckpointError::Cosign(_) => 500,
        }
    }

    /// The size a 409 response carries (`text/x.tlog.size`), if this is one.
    pub fn conflict_size(&self) -> Option<u64> {
        match self {
            AddCheckpointError::Conflict { size } | AddCheckpointError::Fork { size } => {
                Some(*size)
            }
            _ => None,
        }
    }
}

/// One log this witness follows: its keys and its cosigned state.
#[derive(Debug)]
struct LogSlot {
    keys: Vec<VerifierKey>,
    // Held across check, persist and cosign: the spec's atomicity requirement.
    state: Mutex<CosignedState>,
}

/// A C2SP tlog-witness: cosigns checkpoints of the logs it knows, each only if
/// it is consistent with the last one it cosigned for that log.
///
/// `Send + Sync`; share it behind an `Arc`. Requests for different logs run
/// in parallel; requests for one log are serialised.
#[derive(Debug)]
pub struct Witness {
    signer: SignerKey,
    verifier_key: VerifierKey,
    logs: HashMap<String, LogSlot>,
    store: StateStore,
}

/// A parsed request body, borrowing the note bytes.
struct Request<'a> {
    old_size: u64,
    proof: Vec<Hash>,
    note: &'a [u8],
}

/// Parses a canonical ASCII decimal (no sign, no leading zero) that fits in u64.
fn parse_size(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

fn parse_request(body: &[u8]) -> Result<Request<'_>, AddCheckpointError> {
    let bad = |m: &str| AddCheckpointError::BadRequest(m.to_string());
    if body.len() > MAX_REQUEST_BYTES {
        return Err(AddCheckpointError::TooLarge { size: body.len() });
    }
    // The header (old size and proof lines) ends at the first empty line.
    let split = body.windows(2).position(|w| w == b"\n\n").ok_or_else(|| {
        bad("no empty line between the old size and proof lines and the checkpoint")
    })?;
    let (header, note) = (&body[..split], &body[split + 2..]);
    let header = std::str::from_utf8(header)
        .map_err(|_| bad("the old size and proof lines are not ASCII"))?;
    let mut lines = header.split('\n');
    let old_line = lines.next().unwrap_or_default();
    let old_size = old_line
        .strip_prefix("old ")
        .and_then(parse_size)
        .ok_or_else(|| {
            AddCheckpointError::BadRequest(format!(
                "the first line must be `old <size>` (decimal, no leading zeros), not {:?}",
                truncate(old_line, 40)
            ))
        })?;
    let proof = lines
        .enumerate()
        .map(|(i, line)| {
            if i >= MAX_PROOF_LINES {
                return Err(AddCheckpointError::BadRequest(format!(
                    "more than {MAX_PROOF_LINES} consistency proof lines"
                )));
            }
            BASE64
                .decode(line)
                .ok()
                .and_then(|bytes| Hash::try_from(bytes).ok())
                .ok_or_else(|| {
                    AddCheckpointError::BadRequest(format!(
                        "consistency proof line {} is not the canonical base64 of a 32-byte hash",
                        i + 1
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Request {
        old_size,
        proof,
        note,
    })
}

/// At most `max` characters of `text`, for echoing untrusted input in messages.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

impl Witness {
    /// Opens (creating if missing) a witness whose state lives in `dir`: one
    /// state file per log origin, written atomically (temporary file, fsync,
    /// rename, fsync of the directory) before a cosignature leaves.
    ///
    /// `signer` is the witness's cosignature (type 0x04) key; `logs` are the
    /// Ed25519 keys of the logs it witnesses, each named like its log's
    /// origin (several keys per origin are allowed, e.g. during a rotation).
    /// The directory is locked while the witness is open.
    pub fn open(
        dir: &Path,
        signer: SignerKey,
        logs: Vec<VerifierKey>,
    ) -> Result<Witness, WitnessError> {
        if signer.key_type() != KeyType::Cosignature {
            return Err(WitnessError::WitnessKeyType {
                name: signer.name().to_string(),
                key_type: signer.key_type(),
            });
        }
        let mut keys_by_origin: HashMap<String, Vec<VerifierKey>> = HashMap::new();
        for key in logs {
            if key.key_type() != KeyType::Ed25519 {
                return Err(WitnessError::LogKeyType {
                    key: key.to_string(),
                    key_type: key.key_type(),
                });
            }
            let keys = keys_by_origin.entry(key.name().to_string()).or_default();
            if let Some(other) = keys
                .iter()
                .find(|k| k.key_id() == key.key_id() && **k != key)
            {
                return Err(WitnessError::AmbiguousLogKeys {
                    a: other.to_string(),
                    b: key.to_string(),
                });
            }
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        let store = StateStore::open(dir)?;
        let mut logs = HashMap::with_capacity(keys_by_origin.len());
        for (origin, keys) in keys_by_origin {
            let state = store.load(&origin)?;
            logs.insert(
                origin,
                LogSlot {
                    keys,
                    state: Mutex::new(state),
                },
            );
        }
        Ok(Witness {
            verifier_key: signer.verifier_key(),
            signer,
            logs,
            store,
        })
    }

    /// The witness's cosignature/v1 verifier key (type 0x04): what a log
    /// operator and a trust policy list.
    pub fn verifier_key(&self) -> VerifierKey {
        self.verifier_key.clone()
    }

    /// The witness's verifier key, borrowed.
    pub(crate) fn verifier_key_ref(&self) -> &VerifierKey {
        &self.verifier_key
    }

    /// The witness's name (its key's name).
    pub fn name(&self) -> &str {
        self.signer.name()
    }

    /// The origins of the logs this witness follows.
    pub fn origins(&self) -> Vec<&str> {
        self.logs.keys().map(String::as_str).collect()
    }

    /// The latest checkpoint this witness cosigned for `origin` (size 0 and
    /// the empty root if none), or `None` for an unknown log.
    pub fn cosigned(&self, origin: &str) -> Option<CosignedState> {
        let slot = self.logs.get(origin)?;
        Some(*slot.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Handles one `add-checkpoint` request: the whole body in, the response
    /// body (the cosignature line, ending in a newline) out. `now_unix` is
    /// the cosignature's timestamp (seconds since the epoch, not 0).
    pub fn add_checkpoint(&self, body: &[u8], now_unix: u64) -> Result<String, AddCheckpointError> {
        if now_unix == 0 || now_unix > MAX_TIMESTAMP {
            return Err(AddCheckpointError::Cosign(format!(
                "timestamp {now_unix} is not a valid cosignature time (the clock is wrong)"
            )));
        }
        let request = parse_request(body)?;
        let (checkpoint, text, slot) = self.open_checkpoint(request.note)?;
        if request.old_size > checkpoint.size {
            return Err(AddCheckpointError::BadRequest(format!(
                "old size {} is larger than the checkpoint's size {}",
                request.old_size, checkpoint.size
            )));
        }

        let mut state = slot.state.lock().unwrap_or_else(PoisonError::into_inner);
        if request.old_size != state.size {
            return Err(AddCheckpointError::Conflict { size: state.size });
        }
        let result = check_consistency(&state, &checkpoint, &request.proof);
        if let Err(refusal) = &result {
            // The note carries a valid log signature: a refused checkpoint is
            // evidence of the log's misbehaviour (the spec allows logging it).
            tracing::warn!(
                witness = self.name(),
                origin = %checkpoint.origin,
                old_size = request.old_size,
                size = checkpoint.size,
                request = %String::from_utf8_lossy(body),
                "refused a validly signed checkpoint: {refusal}"
            );
        }
        result?;
        let new_state = CosignedState {
            size: checkpoint.size,
            root: checkpoint.root,
        };
        if new_state != *state {
            // Durable before anything leaves; memory follows disk.
            self.store.store(&checkpoint.origin, request.note)?;
            *state = new_state;
        }
        let line = cosignature::cosign(&self.signer, &text, now_unix)
            .map_err(|e| AddCheckpointError::Cosign(e.to_string()))?
            .to_line();
        drop(state);
        tracing::debug!(
            witness = self.name(),
            origin = %checkpoint.origin,
            old_size = request.old_size,
            size = checkpoint.size,
            "cosigned"
        );
        Ok(line)
    }

    /// Parses the note, finds its log and verifies the log's signature.
    fn open_checkpoint(
        &self,
        note_bytes: &[u8],
    ) -> Result<(Checkpoint, String, &LogSlot), AddCheckpointError> {
        let note = Note::parse(note_bytes)
            .map_err(|e| AddCheckpointError::BadRequest(format!("the checkpoint note: {e}")))?;
        let checkpoint = Checkpoint::parse(note.text())
            .map_err(|e| AddCheckpointError::BadRequest(format!("the checkpoint: {e}")))?;
        let slot =
            self.logs
                .get(&checkpoint.origin)
                .ok_or_else(|| AddCheckpointError::UnknownLog {
                    origin: checkpoint.origin.clone(),
                })?;
        match note::verify_note(note_bytes, &slot.keys) {
            Ok(_) => Ok((checkpoint, note.text().to_string(), slot)),
            Err(
                e @ (NoteError::NoVerifiedSignature { .. }
                | NoteError::InvalidSignature { .. }
                | NoteError::InvalidCosignature { .. }),
            ) => Err(AddCheckpointError::BadSignature {
                origin: checkpoint.origin,
                reason: e.to_string(),
            }),
            Err(e) => Err(AddCheckpointError::BadRequest(format!(
                "the checkpoint note: {e}"
            ))),
        }
    }
}

/// The spec's consistency rules between the cosigned state and a checkpoint
/// whose size is at least the state's (old size == state size is checked).
fn check_consistency(
    state: &CosignedState,
    checkpoint: &Checkpoint,
    proof: &[Hash],
) -> Result<(), AddCheckpointError> {
    if state.size == checkpoint.size {
        // Same size: the roots must be identical (409 otherwise), and a
        // consistency proof between equal trees is empty.
        if state.root != checkpoint.root {
            return Err(AddCheckpointError::Fork { size: state.size });
        }
        if !proof.is_empty() {
            return Err(AddCheckpointError::InconsistentProof(format!(
                "trees of equal size {} need an empty proof, got {} hashes",
                state.size,
                proof.len()
            )));
        }
        return Ok(());
    }
    if state.size == 0 {
        // Every tree extends the empty tree; the spec requires an empty proof.
        if !proof.is_empty() {
            return Err(AddCheckpointError::InconsistentProof(format!(
                "the proof from old size 0 must be empty, got {} hashes",
                proof.len()
            )));
        }
        return Ok(());
    }
    merkle::verify_consistency(
        state.size,
        checkpoint.size,
        &state.root,
        &checkpoint.root,
        proof,
    )
    .map_err(|e: ProofError| AddCheckpointError::InconsistentProof(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_request_with_and_without_proof() {
        let h = BASE64.encode([7u8; 32]);
        let body = format!("old 3\n{h}\n{h}\n\nnote bytes");
        let request = parse_request(body.as_bytes()).unwrap();
        assert_eq!(request.old_size, 3);
        assert_eq!(request.proof, vec![[7u8; 32]; 2]);
        assert_eq!(request.note, b"note bytes");
        let request = parse_request(b"old 0\n\nx").unwrap();
        assert_eq!((request.old_size, request.proof.len()), (0, 0));
    }

    #[test]
    fn refuses_malformed_headers() {
        let h = BASE64.encode([7u8; 32]);
        let too_many = format!("old 1\n{}\nx", format!("{h}\n").repeat(64));
        for body in [
            "old 01\n\nx".to_string(),
            "old -1\n\nx".to_string(),
            "old 18446744073709551616\n\nx".to_string(),
            "old  1\n\nx".to_string(),
            "new 1\n\nx".to_string(),
            "old 1\nnot base64\n\nx".to_string(),
            format!("old 1\n{}\n\nx", BASE64.encode([1u8; 31])),
            "old 1\nx".to_string(),
            too_many,
        ] {
            let err = parse_request(body.as_bytes()).err().unwrap();
            assert_eq!(err.status(), 400, "{body:?}: {err}");
        }
        let huge = vec![b'a'; MAX_REQUEST_BYTES + 1];
        assert_eq!(parse_request(&huge).err().unwrap().status(), 413);
    }

    #[test]
    fn truncates_echoed_input() {
        assert_eq!(truncate("abc", 2), "ab…");
        assert_eq!(truncate("ab", 2), "ab");
    }
}
