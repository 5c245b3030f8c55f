//! C2SP `tlog-cosignature` v1.0.1: Ed25519 witness cosignatures.
//!
//! A witness that has checked a checkpoint is consistent with everything it
//! saw before adds a note signature line to it. Its key has type `0x04`, and
//! its signature is `u64 big-endian timestamp || Ed25519 signature` over
//!
//! ```text
//! cosignature/v1
//! time <timestamp>
//! <checkpoint body>
//! ```
//!
//! The timestamp (seconds since the epoch, the witness's clock) is what gives
//! an entry a witnessed time: see [`crate::policy`].

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::note::{
    self, KeyType, MAX_SIGNATURES, Note, NoteError, NoteSignature, SignerKey, VerifierKey,
};

/// The header line of the signed message; domain separation from plain notes.
pub const COSIGNATURE_HEADER: &str = "cosignature/v1\n";

/// The largest timestamp the spec allows (2^63 - 1).
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// Length of an encoded cosignature (after the key ID): timestamp and Ed25519 signature.
pub const COSIGNATURE_LEN: usize = 8 + 64;

/// What can be wrong when making or checking a cosignature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    /// The key is not a cosignature (type 0x04) key.
    #[error("key {name} has type {key_type}; witness cosignatures need a type 0x04 key")]
    WrongKeyType {
        /// The key's name.
        name: String,
        /// Its type.
        key_type: KeyType,
    },
    /// Cosignatures are only defined over checkpoint bodies.
    #[error("a cosignature covers only a checkpoint, and this text is not one: {0}")]
    NotACheckpoint(#[source] CheckpointError),
    /// The signature is not 8 + 64 bytes long.
    #[error("a cosignature is {COSIGNATURE_LEN} bytes (timestamp and Ed25519 signature), not {0}")]
    WrongLength(usize),
    /// The timestamp exceeds 2^63 - 1.
    #[error("cosignature timestamp {0} exceeds 2^63-1")]
    TimestampOutOfRange(u64),
    /// The Ed25519 signature does not verify over the message at the stated time.
    #[error(
        "the Ed25519 signature of {name} over the checkpoint at time {timestamp} does not verify"
    )]
    BadSignature {
        /// The witness key's name.
        name: String,
        /// The timestamp the signature claims.
        timestamp: u64,
    },
    /// Appending would give the note more than [`MAX_SIGNATURES`] signatures.
    #[error("the note would have {0} signature lines; at most {MAX_SIGNATURES} are accepted")]
    TooManySignatures(usize),
    /// A signature line to append has an invalid name or an empty signature.
    #[error("cannot append a signature by {0:?}: invalid key name or empty signature")]
    InvalidSignatureLine(String),
    /// The note to append to is malformed.
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// The exact bytes a witness signs: header, `time <t>` line, checkpoint body.
pub fn cosignature_message(checkpoint_text: &str, timestamp: u64) -> Vec<u8> {
    format!("{COSIGNATURE_HEADER}time {timestamp}\n{checkpoint_text}").into_bytes()
}

fn require_cosignature_key(name: &str, key_type: KeyType) -> Result<(), CosignatureError> {
    if key_type == KeyType::Cosignature {
        Ok(())
    } else {
        Err(CosignatureError::WrongKeyType {
            name: name.to_string(),
            key_type,
        })
    }
}

fn require_timestamp_in_range(timestamp: u64) -> Result<(), CosignatureError> {
    if timestamp <= MAX_TIMESTAMP {
        Ok(())
    } else {
        Err(CosignatureError::TimestampOutOfRange(timestamp))
    }
}

/// Cosigns a checkpoint body at `timestamp` (seconds since the epoch; the
/// caller reads the clock) and returns the signature line to append.
pub fn cosign(
    witness: &SignerKey,
    checkpoint_text: &str,
    timestamp: u64,
) -> Result<NoteSignature, CosignatureError> {
    require_cosignature_key(witness.name(), witness.key_type())?;
    require_timestamp_in_range(timestamp)?;
    Checkpoint::parse(checkpoint_text).map_err(CosignatureError::NotACheckpoint)?;
    let mut signature = Vec::with_capacity(COSIGNATURE_LEN);
    signature.extend_from_slice(&timestamp.to_be_bytes());
    signature
        .extend_from_slice(&witness.sign_ed25519(&cosignature_message(checkpoint_text, timestamp)));
    Ok(NoteSignature {
        name: witness.name().to_string(),
        key_id: witness.key_id(),
        signature,
    })
}

/// The timestamp a cosignature claims, without verifying it.
pub fn cosignature_timestamp(signature: &[u8]) -> Result<u64, CosignatureError> {
    let (timestamp, _) = signature
        .split_first_chunk::<8>()
        .filter(|_| signature.len() == COSIGNATURE_LEN)
        .ok_or(CosignatureError::WrongLength(signature.len()))?;
    let timestamp = u64::from_be_bytes(*timestamp);
    require_timestamp_in_range(timestamp)?;
    Ok(timestamp)
}

/// Verifies a witness's cosignature (the signature bytes after the key ID)
/// over a checkpoint body and returns its timestamp.
pub fn verify_cosignature(
    witness: &VerifierKey,
    checkpoint_text: &str,
    signature: &[u8],
) -> Result<u64, CosignatureError> {
    require_cosignature_key(witness.name(), witness.key_type())?;
    let timestamp = cosignature_timestamp(signature)?;
    Checkpoint::parse(checkpoint_text).map_err(CosignatureError::NotACheckpoint)?;
    let message = cosignature_message(checkpoint_text, timestamp);
    if witness.verify_ed25519(&message, &signature[8..]) {
        Ok(timestamp)
    } else {
        Err(CosignatureError::BadSignature {
            name: witness.name().to_string(),
            timestamp,
        })
    }
}

/// Appends signature lines (typically cosignatures) to a signed note.
///
/// The note must be well formed; lines it already carries are not repeated.
/// Nothing is verified here: whoever reads the note verifies it.
pub fn add_signatures(
    note: &str,
    signatures: &[NoteSignature],
) -> Result<String, CosignatureError> {
    let parsed = Note::parse(note.as_bytes())?;
    let mut out = note.to_string();
    let mut count = parsed.signatures().len();
    let mut added: Vec<&NoteSignature> = Vec::new();
    for signature in signatures {
        if !note::is_valid_key_name(&signature.name) || signature.signature.is_empty() {
            return Err(CosignatureError::InvalidSignatureLine(
                signature.name.clone(),
            ));
        }
        if parsed.signatures().contains(signature) || added.contains(&signature) {
            continue;
        }
        count += 1;
        if count > MAX_SIGNATURES {
            return Err(CosignatureError::TooManySignatures(count));
        }
        out.push_str(&signature.to_line());
        added.push(signature);
    }
    Ok(out)
}
