//! C2SP `signed-note` v1.0.0: keys, signing and verification.
//!
//! A signed note is UTF-8 text, a blank line, then one signature line per
//! signer:
//!
//! ```text
//! If you think cryptography is the answer to your problem,
//! then you don't know what your problem is.
//!
//! — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=
//! ```
//!
//! A signer is identified by its name and a 4-byte key ID derived from the
//! name, the signature type and the public key. Two signature types are
//! supported: Ed25519 over the note text (type `0x01`) and `tlog-cosignature`
//! timestamped witness cosignatures (type `0x04`, see [`crate::cosignature`]).
//!
//! This module follows Go's `golang.org/x/mod/sumdb/note` where the spec leaves
//! room, with two deliberate differences, both stricter: base64 must be
//! canonical (so that no two encodings carry the same signature), and every
//! signature from a known key is verified, not only the first one per key.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

/// The most signature lines a note may carry. The spec requires accepting at
/// least 16 and recommends a limit; 100 is Go's, and bounds the work an
/// attacker can make a verifier do.
pub const MAX_SIGNATURES: usize = 100;

/// Every signature line starts with an em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// The prefix of a signer key string; it marks the string as secret.
const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Length of a key ID in bytes; it prefixes every encoded signature.
const KEY_ID_LEN: usize = 4;

/// Everything that can be wrong with a key, a note or its signatures.
///
/// Messages never include secret key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key name is empty or contains whitespace, '+' or a control character.
    #[error(
        "key name {0:?} is invalid: it must be non-empty and contain no whitespace, '+' or control characters"
    )]
    InvalidKeyName(String),
    /// A verifier key string is not `name+keyid+base64(type||key)`.
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(&'static str),
    /// A signer key string is not `PRIVATE+KEY+name+keyid+base64(type||seed)`.
    #[error("malformed signer key: {0}")]
    MalformedSignerKey(&'static str),
    /// The key's type byte is neither Ed25519 (0x01) nor cosignature (0x04).
    #[error(
        "unsupported key type 0x{0:02x} (supported: 0x01 Ed25519, 0x04 Ed25519 witness cosignature)"
    )]
    UnsupportedKeyType(u8),
    /// The key ID written in a key string is not the one its key material gives.
    #[error(
        "key ID {stated:08x} of key {name} does not match its key material (computed {computed:08x})"
    )]
    KeyIdMismatch {
        /// The key's name.
        name: String,
        /// The key ID written in the key string.
        stated: u32,
        /// The key ID computed from name, type and public key.
        computed: u32,
    },
    /// The 32 bytes of a public key are not a valid Ed25519 point.
    #[error("public key of {0} is not a valid Ed25519 public key")]
    InvalidPublicKey(String),
    /// The note is not UTF-8.
    #[error("note is not valid UTF-8 (at byte {0})")]
    NotUtf8(usize),
    /// The note contains an ASCII control character other than newline.
    #[error(
        "note line {line} contains the control character 0x{byte:02x}; only newline is allowed"
    )]
    ControlCharacter {
        /// 1-based line number.
        line: usize,
        /// The offending byte.
        byte: u8,
    },
    /// The note does not end with a newline.
    #[error("note does not end with a newline")]
    MissingFinalNewline,
    /// There is no blank line between the text and the signatures.
    #[error("note has no blank line separating its text from its signatures")]
    MissingBlankLine,
    /// A signature line is malformed.
    #[error("note line {line}: {reason}")]
    MalformedSignatureLine {
        /// 1-based line number in the note.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The note has more than [`MAX_SIGNATURES`] signature lines.
    #[error("note has {0} signature lines; at most {MAX_SIGNATURES} are accepted")]
    TooManySignatures(usize),
    /// Text to be signed is empty, lacks a final newline or is otherwise not note text.
    #[error("note text must be non-empty and end with a newline")]
    InvalidText,
    /// A signer of the wrong type was asked to sign.
    #[error("key {name} has type {key_type}, which cannot sign here: {hint}")]
    WrongKeyType {
        /// The signer's name.
        name: String,
        /// The signer's type.
        key_type: KeyType,
        /// What to use instead.
        hint: &'static str,
    },
    /// Two different verifier keys share a name and key ID, so a signature
    /// line cannot say which one it is from.
    #[error("two different verifier keys are named {name} with key ID {key_id:08x}")]
    AmbiguousVerifierKeys {
        /// The shared name.
        name: String,
        /// The shared key ID.
        key_id: u32,
    },
    /// An Ed25519 signature from a known key does not verify: the note is rejected.
    #[error("the signature of {name} (key ID {key_id:08x}) does not verify")]
    InvalidSignature {
        /// The signer's name.
        name: String,
        /// The signer's key ID.
        key_id: u32,
    },
    /// A cosignature from a known witness key does not verify: the note is rejected.
    #[error("the cosignature of {name} (key ID {key_id:08x}) does not verify: {reason}")]
    InvalidCosignature {
        /// The witness's key name.
        name: String,
        /// The witness's key ID.
        key_id: u32,
        /// Why it does not verify.
        reason: String,
    },
    /// No signature on the note is from a known key.
    #[error("no verified signature: the note is signed only by unknown keys ({signers})")]
    NoVerifiedSignature {
        /// The names (and key IDs) of the signatures the note does carry.
        signers: String,
    },
}

/// The signature types this crate supports, by their signed-note type byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyType {
    /// Type `0x01`: Ed25519 over the note text (signed-note).
    Ed25519,
    /// Type `0x04`: timestamped Ed25519 witness cosignature (tlog-cosignature).
    Cosignature,
}

impl KeyType {
    /// The type identifier byte used in key IDs and key strings.
    pub fn byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => 0x01,
            KeyType::Cosignature => 0x04,
        }
    }

    /// The key type with this identifier byte, if supported.
    pub fn from_byte(byte: u8) -> Option<KeyType> {
        match byte {
            0x01 => Some(KeyType::Ed25519),
            0x04 => Some(KeyType::Cosignature),
            _ => None,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::Ed25519 => f.write_str("0x01 (Ed25519)"),
            KeyType::Cosignature => f.write_str("0x04 (Ed25519 cosignature)"),
        }
    }
}

/// The key ID: the first four bytes, big-endian, of
/// SHA-256(name || 0x0A || type || public key).
pub fn key_id(name: &str, key_type: KeyType, public_key: &[u8; 32]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([key_type.byte()]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Whether `name` may name a key: non-empty, no Unicode whitespace, no '+'.
///
/// Control characters are refused too: a note cannot contain them, so a key
/// named with one could never appear in a signature line.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

fn check_key_name(name: &str) -> Result<(), NoteError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(NoteError::InvalidKeyName(name.to_string()))
    }
}

/// Parses the 8 hex digits of a key ID as written in key strings. Both cases
/// are accepted (as Go does); keys are always written in lowercase.
fn parse_key_id_hex(hex: &str) -> Option<u32> {
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

/// Splits `type || 32 bytes` into a key type and the key material;
/// `malformed` is the error for a wrong length.
fn split_typed_key(bytes: &[u8], malformed: NoteError) -> Result<(KeyType, [u8; 32]), NoteError> {
    let Some((&type_byte, material)) = bytes.split_first() else {
        return Err(malformed);
    };
    let key_type = KeyType::from_byte(type_byte).ok_or(NoteError::UnsupportedKeyType(type_byte))?;
    let material: [u8; 32] = material.try_into().map_err(|_| malformed)?;
    Ok((key_type, material))
}

/// A public key that verifies note signatures, with its name and type.
///
/// Its string form (a "vkey") is `name+keyid+base64(type||public key)`.
#[derive(Clone)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    key_type: KeyType,
    public_key: [u8; 32],
    verifying_key: VerifyingKey,
}

impl VerifierKey {
    /// A verifier key from its parts; the key ID is computed.
    pub fn new(
        name: &str,
        key_type: KeyType,
        public_key: [u8; 32],
    ) -> Result<VerifierKey, NoteError> {
        check_key_name(name)?;
        let verifying_key = VerifyingKey::from_bytes(&public_key)
            .map_err(|_| NoteError::InvalidPublicKey(name.to_string()))?;
        Ok(VerifierKey {
            name: name.to_string(),
            key_id: key_id(name, key_type, &public_key),
            key_type,
            public_key,
            verifying_key,
        })
    }

    /// Parses a vkey string `name+keyid+base64(type||public key)`; the key ID
    /// must match the key material.
    pub fn parse(vkey: &str) -> Result<VerifierKey, NoteError> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(hex), Some(key64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedVerifierKey("expected name+keyid+key"));
        };
        check_key_name(name)?;
        let stated = parse_key_id_hex(hex).ok_or(NoteError::MalformedVerifierKey(
            "the key ID is not 8 hexadecimal digits",
        ))?;
        let bytes = BASE64.decode(key64).map_err(|_| {
            NoteError::MalformedVerifierKey("the key is not canonical standard base64")
        })?;
        let (key_type, public_key) = split_typed_key(
            &bytes,
            NoteError::MalformedVerifierKey(
                "the key must be a type byte followed by a 32-byte public key",
            ),
        )?;
        let key = VerifierKey::new(name, key_type, public_key)?;
        if key.key_id != stated {
            return Err(NoteError::KeyIdMismatch {
                name: name.to_string(),
                stated,
                computed: key.key_id,
            });
        }
        Ok(key)
    }

    /// The key's name, as it appears in signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID (see [`key_id`]).
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature type the key verifies.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public_key
    }

    /// Whether this key is the one a signature line names (name AND key ID).
    pub fn matches(&self, signature: &NoteSignature) -> bool {
        self.name == signature.name && self.key_id == signature.key_id
    }

    /// Verifies a plain Ed25519 signature over `message` with this key,
    /// whatever the key's note type (cosignatures are Ed25519 underneath).
    pub(crate) fn verify_ed25519(&self, message: &[u8], signature: &[u8]) -> bool {
        // Cofactorless verification with canonical S, like Go's crypto/ed25519,
        // so that both accept exactly the same signatures.
        Signature::from_slice(signature)
            .is_ok_and(|sig| self.verifying_key.verify(message, &sig).is_ok())
    }
}

impl PartialEq for VerifierKey {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.key_type == other.key_type
            && self.public_key == other.public_key
    }
}

impl Eq for VerifierKey {}

impl fmt::Display for VerifierKey {
    /// The canonical vkey string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut typed = Vec::with_capacity(33);
        typed.push(self.key_type.byte());
        typed.extend_from_slice(&self.public_key);
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64.encode(typed)
        )
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl FromStr for VerifierKey {
    type Err = NoteError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VerifierKey::parse(s)
    }
}

/// A private key that signs notes: a name, a type and a 32-byte Ed25519 seed.
///
/// The library has no randomness: callers bring the seed. `Debug` never shows
/// it; [`SignerKey::to_private_string`] is the one explicit way to export it.
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    key_id: u32,
    key_type: KeyType,
    // Zeroized on drop (ed25519-dalek's `zeroize` feature).
    signing_key: SigningKey,
}

impl SignerKey {
    /// The signer key with this name, type and seed.
    pub fn from_seed(
        name: &str,
        key_type: KeyType,
        seed: [u8; 32],
    ) -> Result<SignerKey, NoteError> {
        check_key_name(name)?;
        let signing_key = SigningKey::from_bytes(&seed);
        let public_key = signing_key.verifying_key().to_bytes();
        Ok(SignerKey {
            name: name.to_string(),
            key_id: key_id(name, key_type, &public_key),
            key_type,
            signing_key,
        })
    }

    /// Parses `PRIVATE+KEY+name+keyid+base64(type||seed)`; the key ID must be
    /// that of the derived public key. Errors never echo the input.
    pub fn parse(skey: &str) -> Result<SignerKey, NoteError> {
        let rest = skey
            .strip_prefix(PRIVATE_KEY_PREFIX)
            .ok_or(NoteError::MalformedSignerKey(
                "it must start with PRIVATE+KEY+",
            ))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(hex), Some(key64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedSignerKey(
                "expected PRIVATE+KEY+name+keyid+key",
            ));
        };
        check_key_name(name)?;
        let stated = parse_key_id_hex(hex).ok_or(NoteError::MalformedSignerKey(
            "the key ID is not 8 hexadecimal digits",
        ))?;
        let bytes = BASE64.decode(key64).map_err(|_| {
            NoteError::MalformedSignerKey("the key is not canonical standard base64")
        })?;
        let (key_type, seed) = split_typed_key(
            &bytes,
            NoteError::MalformedSignerKey("the key must be a type byte followed by a 32-byte seed"),
        )?;
        let key = SignerKey::from_seed(name, key_type, seed)?;
        if key.key_id != stated {
            return Err(NoteError::KeyIdMismatch {
                name: name.to_string(),
                stated,
                computed: key.key_id,
            });
        }
        Ok(key)
    }

    /// The key's name, as it appears in signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID (see [`key_id`]).
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature type the key produces.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The matching verifier key.
    pub fn verifier_key(&self) -> VerifierKey {
        let public_key = self.signing_key.verifying_key();
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            key_type: self.key_type,
            public_key: public_key.to_bytes(),
            verifying_key: public_key,
        }
    }

    /// The secret `PRIVATE+KEY+name+keyid+base64(type||seed)` string. Named
    /// explicitly (not `Display`) so that a secret is never formatted by accident.
    pub fn to_private_string(&self) -> String {
        let mut typed = Vec::with_capacity(33);
        typed.push(self.key_type.byte());
        typed.extend_from_slice(self.signing_key.as_bytes());
        format!(
            "{PRIVATE_KEY_PREFIX}{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64.encode(typed)
        )
    }

    /// A plain Ed25519 signature over `message` (the caller frames the message
    /// according to the key type).
    pub(crate) fn sign_ed25519(&self, message: &[u8]) -> [u8; 64] {
        self.signing_key.sign(message).to_bytes()
    }
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerKey")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .field("key_type", &self.key_type)
            .finish_non_exhaustive()
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The signer's key name.
    pub name: String,
    /// The signer's key ID.
    pub key_id: u32,
    /// The signature bytes, without the 4-byte key ID prefix.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line: `— name base64(keyid || signature)\n`.
    pub fn to_line(&self) -> String {
        let mut bytes = Vec::with_capacity(KEY_ID_LEN + self.signature.len());
        bytes.extend_from_slice(&self.key_id.to_be_bytes());
        bytes.extend_from_slice(&self.signature);
        format!("{SIGNATURE_PREFIX}{} {}\n", self.name, BASE64.encode(bytes))
    }

    /// Parses one signature line without its final newline; `line` is its
    /// 1-based number in the note, for error messages.
    fn parse_line(text: &str, line: usize) -> Result<NoteSignature, NoteError> {
        let malformed = |reason| NoteError::MalformedSignatureLine { line, reason };
        let rest = text.strip_prefix(SIGNATURE_PREFIX).ok_or(malformed(
            "a signature line must start with an em dash (U+2014) and a space",
        ))?;
        let (name, b64) = rest.split_once(' ').ok_or(malformed(
            "a signature line must be \u{2014} <name> <base64 signature>",
        ))?;
        if !is_valid_key_name(name) {
            return Err(malformed(
                "the signer name is empty or contains whitespace or '+'",
            ));
        }
        let bytes = BASE64
            .decode(b64)
            .map_err(|_| malformed("the signature is not canonical standard base64"))?;
        // A key ID and at least one byte of signature (as Go requires).
        if bytes.len() <= KEY_ID_LEN {
            return Err(malformed(
                "the signature is shorter than a key ID plus one byte",
            ));
        }
        let (id, signature) = bytes.split_at(KEY_ID_LEN);
        Ok(NoteSignature {
            name: name.to_string(),
            key_id: u32::from_be_bytes([id[0], id[1], id[2], id[3]]),
            signature: signature.to_vec(),
        })
    }
}

/// A note taken apart: its text and its signature lines, unverified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// Checks the rules every note obeys: UTF-8, and no control character but newline.
fn check_note_chars(msg: &[u8]) -> Result<&str, NoteError> {
    let text = std::str::from_utf8(msg).map_err(|e| NoteError::NotUtf8(e.valid_up_to()))?;
    let mut line = 1;
    for &byte in msg {
        if byte == b'\n' {
            line += 1;
        } else if byte < 0x20 {
            return Err(NoteError::ControlCharacter { line, byte });
        }
    }
    Ok(text)
}

/// Checks that `text` can be the text of a note: non-empty, ending in a
/// newline, without control characters.
pub(crate) fn check_note_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::InvalidText);
    }
    check_note_chars(text.as_bytes()).map(|_| ())
}

impl Note {
    /// Takes a signed note apart, checking its structure only (no signature is
    /// verified: use [`verify_note`] for that).
    pub fn parse(msg: &[u8]) -> Result<Note, NoteError> {
        let all = check_note_chars(msg)?;
        if !all.ends_with('\n') {
            return Err(NoteError::MissingFinalNewline);
        }
        // The text ends at the LAST blank line: the text may contain blank
        // lines, signature lines never are.
        let split = all.rfind("\n\n").ok_or(NoteError::MissingBlankLine)?;
        let (text, signature_block) = (&all[..=split], &all[split + 2..]);
        if signature_block.is_empty() {
            return Err(NoteError::MalformedSignatureLine {
                line: text.matches('\n').count() + 2,
                reason: "a note needs at least one signature line after the blank line",
            });
        }
        // The block ends in '\n' (checked above), so the last split piece is empty.
        let lines: Vec<&str> = signature_block[..signature_block.len() - 1]
            .split('\n')
            .collect();
        if lines.len() > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures(lines.len()));
        }
        let first_line = text.matches('\n').count() + 2;
        let signatures = lines
            .iter()
            .enumerate()
            .map(|(i, line)| NoteSignature::parse_line(line, first_line + i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// The signed text, including its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// The note, serialised: text, blank line, signature lines.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.text.clone();
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.to_line());
        }
        out.into_bytes()
    }
}

/// Signs `text` with each Ed25519 signer and returns the signed note.
///
/// Witness cosignatures carry a timestamp and are made by
/// [`crate::cosignature::cosign`] instead; passing a cosignature key is an error.
pub fn sign_note(text: &str, signers: &[&SignerKey]) -> Result<String, NoteError> {
    check_note_text(text)?;
    if signers.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures(signers.len()));
    }
    let mut note = format!("{text}\n");
    for signer in signers {
        if signer.key_type != KeyType::Ed25519 {
            return Err(NoteError::WrongKeyType {
                name: signer.name.clone(),
                key_type: signer.key_type,
                hint: "use cosignature::cosign for witness cosignatures",
            });
        }
        let line = NoteSignature {
            name: signer.name.clone(),
            key_id: signer.key_id,
            signature: signer.sign_ed25519(text.as_bytes()).to_vec(),
        };
        note.push_str(&line.to_line());
    }
    Ok(note)
}

/// A note whose signatures were checked against a set of known keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    /// The signed text, including its final newline.
    pub text: String,
    /// Signatures from known keys, all verified (at least one).
    pub verified: Vec<VerifiedSignature>,
    /// Signatures from unknown keys, ignored as the spec requires.
    pub unverified: Vec<NoteSignature>,
}

/// A signature that verified with a known key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The signer's key name.
    pub name: String,
    /// The signer's key ID.
    pub key_id: u32,
    /// The signature type.
    pub key_type: KeyType,
    /// The witness's timestamp (seconds since the epoch), for cosignatures.
    pub timestamp: Option<u64>,
}

/// Refuses key lists in which one (name, key ID) pair names two different keys.
fn check_unambiguous(verifiers: &[VerifierKey]) -> Result<(), NoteError> {
    for (i, a) in verifiers.iter().enumerate() {
        for b in &verifiers[i + 1..] {
            if a.name == b.name && a.key_id == b.key_id && a != b {
                return Err(NoteError::AmbiguousVerifierKeys {
                    name: a.name.clone(),
                    key_id: a.key_id,
                });
            }
        }
    }
    Ok(())
}

/// Verifies one signature from a known key.
fn verify_signature(
    key: &VerifierKey,
    text: &str,
    signature: &NoteSignature,
) -> Result<VerifiedSignature, NoteError> {
    let timestamp = match key.key_type {
        KeyType::Ed25519 => {
            if !key.verify_ed25519(text.as_bytes(), &signature.signature) {
                return Err(NoteError::InvalidSignature {
                    name: signature.name.clone(),
                    key_id: signature.key_id,
                });
            }
            None
        }
        KeyType::Cosignature => {
            let timestamp = crate::cosignature::verify_cosignature(key, text, &signature.signature)
                .map_err(|e| NoteError::InvalidCosignature {
                    name: signature.name.clone(),
                    key_id: signature.key_id,
                    reason: e.to_string(),
                })?;
            Some(timestamp)
        }
    };
    Ok(VerifiedSignature {
        name: signature.name.clone(),
        key_id: signature.key_id,
        key_type: key.key_type,
        timestamp,
    })
}

/// Opens a signed note with a set of known keys (of either type).
///
/// Signatures from unknown keys (name or key ID not both matching) are
/// ignored; a signature from a known key that fails to verify rejects the
/// whole note; at least one signature must verify. Identical repeated
/// signature lines are reported once.
pub fn verify_note(msg: &[u8], verifiers: &[VerifierKey]) -> Result<VerifiedNote, NoteError> {
    let note = Note::parse(msg)?;
    check_unambiguous(verifiers)?;
    let mut verified: Vec<VerifiedSignature> = Vec::new();
    let mut unverified: Vec<NoteSignature> = Vec::new();
    for (i, signature) in note.signatures.iter().enumerate() {
        // An identical repeated line adds nothing (and was checked already).
        if note.signatures[..i].contains(signature) {
            continue;
        }
        match verifiers.iter().find(|key| key.matches(signature)) {
            Some(key) => verified.push(verify_signature(key, &note.text, signature)?),
            None => unverified.push(signature.clone()),
        }
    }
    if verified.is_empty() {
        let signers = unverified
            .iter()
            .map(|s| format!("{} {:08x}", s.name, s.key_id))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(NoteError::NoVerifiedSignature { signers });
    }
    Ok(VerifiedNote {
        text: note.text,
        verified,
        unverified,
    })
}
