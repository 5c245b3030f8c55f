//! C2SP `tlog-checkpoint` v1.0.0: a log's signed tree head.
//!
//! A checkpoint is the text of a signed note:
//!
//! ```text
//! example.com/behind-the-sofa
//! 20852163
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//! ```
//!
//! the origin (the log's identity), the tree size in decimal, the RFC 6962
//! root hash in base64, then optional extension lines. Parsing is strict —
//! one tree head has exactly one text — so that a parsed checkpoint formats
//! back to the very bytes that were signed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::note::{self, NoteError, SignerKey, VerifiedNote, VerifierKey};

/// What can be wrong with a checkpoint's text or its signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The text does not end with a newline.
    #[error("checkpoint does not end with a newline")]
    MissingFinalNewline,
    /// The text has a control character other than newline.
    #[error("checkpoint line {line}: control character 0x{byte:02x}")]
    ControlCharacter {
        /// 1-based line number.
        line: usize,
        /// The offending byte.
        byte: u8,
    },
    /// Fewer than the three mandatory lines.
    #[error("checkpoint has {0} line(s); it needs an origin, a tree size and a root hash")]
    TooFewLines(usize),
    /// The origin line is empty.
    #[error("checkpoint line 1: the origin is empty")]
    EmptyOrigin,
    /// The tree size is not canonical decimal or does not fit in 64 bits.
    #[error("checkpoint line 2: tree size {value:?} {problem}")]
    TreeSize {
        /// The line as found.
        value: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The root hash is not canonical base64 of 32 bytes.
    #[error("checkpoint line 3: root hash {value:?} {problem}")]
    RootHash {
        /// The line as found.
        value: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// An extension line is empty.
    #[error("checkpoint line {0}: extension lines must not be empty")]
    EmptyExtension(usize),
    /// An extension line of a checkpoint to be signed contains a newline.
    #[error("checkpoint extension {0:?} contains a newline")]
    MultilineExtension(String),
    /// The key asked to sign is not named like the origin.
    #[error("checkpoint origin {origin:?} does not match the log key name {key:?}")]
    OriginMismatch {
        /// The checkpoint's origin.
        origin: String,
        /// The log key's name.
        key: String,
    },
    /// Signing or verifying the note failed.
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// A parsed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    /// The log's identity; the log key is named like it.
    pub origin: String,
    /// Number of leaves in the tree.
    pub size: u64,
    /// RFC 6962 root hash of the tree at `size`.
    pub root: [u8; 32],
    /// Extension lines, verbatim, without their newlines.
    pub extensions: Vec<String>,
}

/// Parses a tree size: ASCII decimal, no sign, no leading zero, fits in u64.
fn parse_tree_size(line: &str) -> Result<u64, CheckpointError> {
    let error = |problem| CheckpointError::TreeSize {
        value: line.to_string(),
        problem,
    };
    if line.is_empty() {
        return Err(error("is empty"));
    }
    if !line.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error("is not a decimal number (digits only, no sign)"));
    }
    if line.len() > 1 && line.starts_with('0') {
        return Err(error("has a leading zero"));
    }
    line.parse().map_err(|_| error("does not fit in 64 bits"))
}

/// Parses a root hash: canonical standard base64 of exactly 32 bytes.
fn parse_root_hash(line: &str) -> Result<[u8; 32], CheckpointError> {
    let error = |problem| CheckpointError::RootHash {
        value: line.to_string(),
        problem,
    };
    let bytes = BASE64
        .decode(line)
        .map_err(|_| error("is not canonical standard base64"))?;
    bytes.try_into().map_err(|_| error("is not 32 bytes long"))
}

impl Checkpoint {
    /// Parses a checkpoint body (the note text, including its final newline).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingFinalNewline)?;
        let lines: Vec<&str> = body.split('\n').collect();
        for (i, line) in lines.iter().enumerate() {
            if let Some(byte) = line.bytes().find(|&b| b < 0x20) {
                return Err(CheckpointError::ControlCharacter { line: i + 1, byte });
            }
        }
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(CheckpointError::TooFewLines(lines.len()));
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_tree_size(size)?;
        let root = parse_root_hash(root)?;
        if let Some(i) = extensions.iter().position(|line| line.is_empty()) {
            return Err(CheckpointError::EmptyExtension(i + 4));
        }
        Ok(Checkpoint {
            origin: (*origin).to_string(),
            size,
            root,
            extensions: extensions.iter().map(|line| (*line).to_string()).collect(),
        })
    }

    /// The checkpoint body: origin, size, root and extension lines, each
    /// ending in a newline. For a parsed checkpoint, the exact parsed text.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        );
        for extension in &self.extensions {
            text.push_str(extension);
            text.push('\n');
        }
        text
    }

    /// Checks that the fields make a valid checkpoint (what [`Checkpoint::parse`]
    /// would accept) before anything is signed.
    fn validate(&self) -> Result<(), CheckpointError> {
        if let Some(extension) = self.extensions.iter().find(|e| e.contains('\n')) {
            return Err(CheckpointError::MultilineExtension(extension.clone()));
        }
        let text = self.to_text();
        Checkpoint::parse(&text).map(|_| ())
    }
}

/// Signs a checkpoint with the log's Ed25519 key, whose name must equal the
/// origin, and returns the signed note.
pub fn sign_checkpoint(
    checkpoint: &Checkpoint,
    log_key: &SignerKey,
) -> Result<String, CheckpointError> {
    checkpoint.validate()?;
    if checkpoint.origin != log_key.name() {
        return Err(CheckpointError::OriginMismatch {
            origin: checkpoint.origin.clone(),
            key: log_key.name().to_string(),
        });
    }
    Ok(note::sign_note(&checkpoint.to_text(), &[log_key])?)
}

/// Opens a checkpoint note: verifies it with the log key (other signatures,
/// such as cosignatures, are ignored), parses the text and checks that the
/// origin is the log key's name.
pub fn verify_checkpoint(
    msg: &[u8],
    log_key: &VerifierKey,
) -> Result<(Checkpoint, VerifiedNote), CheckpointError> {
    let verified = note::verify_note(msg, std::slice::from_ref(log_key))?;
    let checkpoint = Checkpoint::parse(&verified.text)?;
    if checkpoint.origin != log_key.name() {
        return Err(CheckpointError::OriginMismatch {
            origin: checkpoint.origin,
            key: log_key.name().to_string(),
        });
    }
    Ok((checkpoint, verified))
}
