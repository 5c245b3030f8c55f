//! Ledger entries: parsing, checking and building the exact bytes of a leaf.
//!
//! An entry is a canonical DSSE envelope ([`crate::dsse`]) whose payload is
//! an in-toto Statement v1 ([`crate::statement`]) carrying one of the five
//! typed predicates ([`crate::predicate`]). [`Entry::parse`] checks, in order:
//!
//! 1. size: at most [`MAX_ENTRY_SIZE`] bytes;
//! 2. the envelope (canonical JSON, base64) and its payload type
//!    `application/vnd.in-toto+json`;
//! 3. the statement (`_type` `https://in-toto.io/Statement/v1`, subjects) and
//!    the predicate, typed by `predicateType`; unknown fields are errors;
//! 4. `signer_key` is base64 of a valid Ed25519 public key, and the envelope
//!    carries exactly one signature, whose `keyid` is that key's and which
//!    verifies over the PAE with it;
//! 5. [`crate::validate::validate`]: the field rules.
//!
//! The rules between entries (owner, `prev`, consent forms) are
//! [`crate::trial`]'s.
//!
//! **Hashes and ids.** [`entry_hash`] is the lowercase hex SHA-256 of the
//! exact entry bytes (not the RFC 6962 leaf hash). A trial's id is `TL-`
//! followed by the first 16 characters of the Crockford base32 encoding
//! (alphabet `0123456789ABCDEFGHJKMNPQRSTVWXYZ`, most significant bit first,
//! no padding) of the **raw 32 bytes** of its registration's SHA-256 — not
//! of the hex text. 16 characters are the first 80 bits of the hash.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use sha2::{Digest, Sha256};

use crate::dsse::{DsseError, Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::merkle::hex;
use crate::predicate::{
    Amendment, Consent, Predicate, PredicateKind, Registration, Results, StatusUpdate,
};
use crate::statement::{STATEMENT_TYPE, Statement, Subject};
use crate::validate::{ValidationError, validate};

/// The largest entry, in bytes (entry bundles length-prefix entries with a u16).
pub const MAX_ENTRY_SIZE: usize = 65_535;

/// The prefix of every trial id.
pub const TRIAL_ID_PREFIX: &str = "TL-";

/// Number of Crockford base32 characters after [`TRIAL_ID_PREFIX`].
pub const TRIAL_ID_CHARS: usize = 16;

/// Crockford's base32 alphabet (no I, L, O, U).
pub const CROCKFORD_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Why bytes are not a valid ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// The entry exceeds [`MAX_ENTRY_SIZE`].
    #[error("the entry is {0} bytes; at most {MAX_ENTRY_SIZE} bytes are allowed")]
    TooLarge(usize),
    /// The envelope does not parse.
    #[error("{0}")]
    Envelope(#[source] DsseError),
    /// The envelope's payload type is not in-toto's.
    #[error("payloadType is {0:?}; expected \"application/vnd.in-toto+json\"")]
    PayloadType(String),
    /// The payload is not an in-toto statement.
    #[error("the payload is not an in-toto statement: {0}")]
    Statement(String),
    /// The statement's `_type` is wrong.
    #[error("the statement's _type is {0:?}; expected \"https://in-toto.io/Statement/v1\"")]
    StatementType(String),
    /// The `predicateType` is not one of the five.
    #[error(
        "unknown predicateType {0:?}; expected one of urn:trial-ledger:{{registration,amendment,status,results,consent}}:v1"
    )]
    UnknownPredicateType(String),
    /// The predicate does not have its type's shape.
    #[error("invalid {kind} predicate: {message}")]
    Predicate {
        /// The predicate's kind.
        kind: PredicateKind,
        /// serde's description (names the field, e.g. an unknown or missing one).
        message: String,
    },
    /// `signer_key` is not base64 of a valid Ed25519 public key.
    #[error("signer_key {0:?} is not the standard base64 of a 32-byte Ed25519 public key")]
    SignerKey(String),
    /// The signature is missing, extra, from another key or invalid.
    #[error("signature: {0}")]
    Signature(#[source] DsseError),
    /// A field rule is broken.
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    /// The builder was given a predicate whose `signer_key` is not the signing key's.
    #[error("the predicate's signer_key is not the public key of the key signing it")]
    SignerKeyMismatch,
}

/// Whether `s` is exactly 64 lowercase hex digits (a SHA-256 as written in
/// entries).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The 32 bytes of a 64-lowercase-hex SHA-256, if it is one.
pub fn decode_sha256_hex(s: &str) -> Option<[u8; 32]> {
    if !is_sha256_hex(s) {
        return None;
    }
    let nibble = |b: u8| if b <= b'9' { b - b'0' } else { b - b'a' + 10 };
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks_exact(2)) {
        *o = nibble(pair[0]) << 4 | nibble(pair[1]);
    }
    Some(out)
}

/// SHA-256 of the exact entry bytes.
pub fn entry_hash_bytes(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `entry_hash`: lowercase hex SHA-256 of the exact entry bytes.
pub fn entry_hash(bytes: &[u8]) -> String {
    hex(&entry_hash_bytes(bytes))
}

/// Lowercase hex SHA-256 of a document (a subject's digest).
pub fn sha256_hex(document: &[u8]) -> String {
    entry_hash(document)
}

/// Base64 (standard, padded) of a public key, as in `signer_key`.
pub fn encode_signer_key(key: &VerifyingKey) -> String {
    BASE64.encode(key.as_bytes())
}

/// Parses a `signer_key`: canonical standard base64 of a valid 32-byte
/// Ed25519 public key.
pub fn decode_signer_key(text: &str) -> Result<VerifyingKey, EntryError> {
    let bad = || EntryError::SignerKey(text.chars().take(80).collect());
    let bytes = BASE64.decode(text).map_err(|_| bad())?;
    let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| bad())?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| bad())?;
    if BASE64.encode(bytes) != text {
        return Err(bad());
    }
    Ok(key)
}

/// A trial id: `TL-` and 16 uppercase Crockford base32 characters, e.g.
/// `TL-0A1B2C3D4E5F6G7H`. See the module docs for the derivation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrialId(String);

/// Why a string is not a trial id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a trial id: expected TL- followed by 16 characters of 0-9 and A-Z without I, L, O, U"
)]
pub struct TrialIdError(pub String);

impl TrialId {
    /// The id of the trial registered by the entry with this SHA-256.
    pub fn from_hash(registration_hash: &[u8; 32]) -> TrialId {
        let mut id = String::with_capacity(TRIAL_ID_PREFIX.len() + TRIAL_ID_CHARS);
        id.push_str(TRIAL_ID_PREFIX);
        // 16 characters × 5 bits = 80 bits = the first 10 bytes.
        let mut acc: u128 = 0;
        for b in &registration_hash[..10] {
            acc = acc << 8 | u128::from(*b);
        }
        for i in (0..TRIAL_ID_CHARS).rev() {
            let index = (acc >> (i * 5)) & 31;
            id.push(char::from(CROCKFORD_ALPHABET[index as usize]));
        }
        TrialId(id)
    }

    /// The id of the trial registered by these exact entry bytes.
    pub fn for_registration(entry_bytes: &[u8]) -> TrialId {
        TrialId::from_hash(&entry_hash_bytes(entry_bytes))
    }

    /// Parses what a person typed: trims, uppercases, and reads `I`/`L` as
    /// `1` and `O` as `0` as Crockford decoding does; the `TL-` prefix may
    /// be left out. Use [`FromStr`] for ids in entries (strict).
    pub fn parse_lenient(input: &str) -> Result<TrialId, TrialIdError> {
        let upper = input.trim().to_ascii_uppercase();
        let body = upper.strip_prefix(TRIAL_ID_PREFIX).unwrap_or(&upper);
        let body: String = body
            .chars()
            .map(|c| match c {
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            })
            .collect();
        format!("{TRIAL_ID_PREFIX}{body}")
            .parse()
            .map_err(|_| TrialIdError(input.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The trial id of the registration whose `entry_hash` is given (64
/// lowercase hex digits).
pub fn trial_id(registration_entry_hash: &str) -> Result<TrialId, TrialIdError> {
    decode_sha256_hex(registration_entry_hash)
        .map(|h| TrialId::from_hash(&h))
        .ok_or_else(|| TrialIdError(registration_entry_hash.to_owned()))
}

impl FromStr for TrialId {
    type Err = TrialIdError;

    /// Strict: exactly `TL-` and 16 uppercase Crockford characters.
    fn from_str(s: &str) -> Result<TrialId, TrialIdError> {
        let ok = s.strip_prefix(TRIAL_ID_PREFIX).is_some_and(|body| {
            body.len() == TRIAL_ID_CHARS && body.bytes().all(|b| CROCKFORD_ALPHABET.contains(&b))
        });
        if ok {
            Ok(TrialId(s.to_owned()))
        } else {
            Err(TrialIdError(s.chars().take(80).collect()))
        }
    }
}

impl fmt::Display for TrialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for TrialId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for TrialId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TrialId, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A parsed, signature-checked and validated ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    bytes: Vec<u8>,
    hash: [u8; 32],
    signer: VerifyingKey,
    subjects: Vec<Subject>,
    predicate: Predicate,
    trial_id: TrialId,
}

fn typed_statement<P: DeserializeOwned>(
    payload: &[u8],
    kind: PredicateKind,
) -> Result<(Vec<Subject>, P), EntryError> {
    let statement: Statement<P> =
        serde_json::from_slice(payload).map_err(|e| EntryError::Predicate {
            kind,
            message: e.to_string(),
        })?;
    Ok((statement.subject, statement.predicate))
}

impl Entry {
    /// Parses and checks entry bytes (see the module docs for the order of checks).
    pub fn parse(bytes: &[u8]) -> Result<Entry, EntryError> {
        if bytes.len() > MAX_ENTRY_SIZE {
            return Err(EntryError::TooLarge(bytes.len()));
        }
        let envelope = Envelope::from_json(bytes).map_err(EntryError::Envelope)?;
        if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
            return Err(EntryError::PayloadType(
                envelope.payload_type.chars().take(200).collect(),
            ));
        }
        let header: Statement<IgnoredAny> = serde_json::from_slice(&envelope.payload)
            .map_err(|e| EntryError::Statement(e.to_string()))?;
        if header.statement_type != STATEMENT_TYPE {
            return Err(EntryError::StatementType(
                header.statement_type.chars().take(200).collect(),
            ));
        }
        let kind = PredicateKind::from_predicate_type(&header.predicate_type).ok_or_else(|| {
            EntryError::UnknownPredicateType(header.predicate_type.chars().take(200).collect())
        })?;
        let payload = envelope.payload.as_slice();
        let (subjects, predicate) = match kind {
            PredicateKind::Registration => {
                let (s, p) = typed_statement::<Registration>(payload, kind)?;
                (s, Predicate::Registration(p))
            }
            PredicateKind::Amendment => {
                let (s, p) = typed_statement::<Amendment>(payload, kind)?;
                (s, Predicate::Amendment(p))
            }
            PredicateKind::Status => {
                let (s, p) = typed_statement::<StatusUpdate>(payload, kind)?;
                (s, Predicate::Status(p))
            }
            PredicateKind::Results => {
                let (s, p) = typed_statement::<Results>(payload, kind)?;
                (s, Predicate::Results(p))
            }
            PredicateKind::Consent => {
                let (s, p) = typed_statement::<Consent>(payload, kind)?;
                (s, Predicate::Consent(p))
            }
        };
        let signer = decode_signer_key(predicate.signer_key())?;
        envelope
            .verify_single(&signer)
            .map_err(EntryError::Signature)?;
        validate(&predicate, &subjects)?;
        let hash = entry_hash_bytes(bytes);
        let trial_id = match predicate.trial_id() {
            None => TrialId::from_hash(&hash),
            // validate() has checked that it parses.
            Some(id) => id.parse().map_err(|_| {
                EntryError::Invalid(ValidationError {
                    path: "trial_id".into(),
                    problem: crate::validate::Problem::BadTrialId(id.to_owned()),
                })
            })?,
        };
        Ok(Entry {
            bytes: bytes.to_vec(),
            hash,
            signer,
            subjects,
            predicate,
            trial_id,
        })
    }

    /// The exact entry bytes (the log leaf).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// `entry_hash`: lowercase hex SHA-256 of [`Entry::bytes`].
    pub fn entry_hash(&self) -> String {
        hex(&self.hash)
    }

    /// SHA-256 of [`Entry::bytes`].
    pub fn entry_hash_bytes(&self) -> &[u8; 32] {
        &self.hash
    }

    /// The predicate's kind.
    pub fn kind(&self) -> PredicateKind {
        self.predicate.kind()
    }

    /// The key that signed the entry (its predicate's `signer_key`).
    pub fn signer_key(&self) -> &VerifyingKey {
        &self.signer
    }

    /// The statement's subjects (documents by SHA-256).
    pub fn subjects(&self) -> &[Subject] {
        &self.subjects
    }

    /// The typed predicate.
    pub fn predicate(&self) -> &Predicate {
        &self.predicate
    }

    /// Takes the typed predicate out.
    pub fn into_predicate(self) -> Predicate {
        self.predicate
    }

    /// The trial this entry belongs to: derived from this entry's hash for a
    /// registration, the `trial_id` field otherwise.
    pub fn trial_id(&self) -> &TrialId {
        &self.trial_id
    }

    /// The signer's claimed creation time.
    pub fn created_at(&self) -> &crate::predicate::Timestamp {
        self.predicate.created_at()
    }
}

/// Builds signed entries: a predicate, its subjects, a signing key.
///
/// ```
/// # use verifier::entry::EntryBuilder;
/// # fn demo(consent: verifier::predicate::Consent, key: &ed25519_dalek::SigningKey) {
/// let bytes = EntryBuilder::consent(consent)
///     .subject("consent-record", &"ab".repeat(32), "consent-record", None)
///     .sign(key);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct EntryBuilder {
    predicate: Predicate,
    subjects: Vec<Subject>,
}

impl EntryBuilder {
    /// Starts an entry with any predicate.
    pub fn new(predicate: impl Into<Predicate>) -> EntryBuilder {
        EntryBuilder {
            predicate: predicate.into(),
            subjects: Vec::new(),
        }
    }

    /// Starts a registration.
    pub fn registration(predicate: Registration) -> EntryBuilder {
        EntryBuilder::new(predicate)
    }

    /// Starts an amendment.
    pub fn amendment(predicate: Amendment) -> EntryBuilder {
        EntryBuilder::new(predicate)
    }

    /// Starts a status update.
    pub fn status(predicate: StatusUpdate) -> EntryBuilder {
        EntryBuilder::new(predicate)
    }

    /// Starts a results entry.
    pub fn results(predicate: Results) -> EntryBuilder {
        EntryBuilder::new(predicate)
    }

    /// Starts a consent entry.
    pub fn consent(predicate: Consent) -> EntryBuilder {
        EntryBuilder::new(predicate)
    }

    /// Adds a subject: a document `name`, its SHA-256 (64 lowercase hex), a
    /// role (e.g. `protocol`, `consent-form`) and optionally a version.
    pub fn subject(mut self, name: &str, sha256: &str, role: &str, version: Option<&str>) -> Self {
        self.subjects
            .push(Subject::new(name, sha256, role, version));
        self
    }

    /// Adds a fully specified subject.
    pub fn add_subject(mut self, subject: Subject) -> Self {
        self.subjects.push(subject);
        self
    }

    /// The predicate, to adjust before signing.
    pub fn predicate_mut(&mut self) -> &mut Predicate {
        &mut self.predicate
    }

    /// Signs the entry with `key` and returns its exact bytes, checked by
    /// [`Entry::parse`]. An empty `signer_key` in the predicate is filled
    /// in with `key`'s public key; any other value must be it.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, EntryError> {
        let public = encode_signer_key(&key.verifying_key());
        let mut predicate = self.predicate.clone();
        let signer_key = match &mut predicate {
            Predicate::Registration(p) => &mut p.signer_key,
            Predicate::Amendment(p) => &mut p.signer_key,
            Predicate::Status(p) => &mut p.signer_key,
            Predicate::Results(p) => &mut p.signer_key,
            Predicate::Consent(p) => &mut p.signer_key,
        };
        if signer_key.is_empty() {
            signer_key.clone_from(&public);
        } else if *signer_key != public {
            return Err(EntryError::SignerKeyMismatch);
        }
        let payload = self.payload(&predicate)?;
        let bytes = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, payload, key).to_json();
        Entry::parse(&bytes)?;
        Ok(bytes)
    }

    fn payload(&self, predicate: &Predicate) -> Result<Vec<u8>, EntryError> {
        fn encode<P: Serialize>(
            subjects: &[Subject],
            kind: PredicateKind,
            predicate: &P,
        ) -> Result<Vec<u8>, EntryError> {
            let statement = Statement {
                statement_type: STATEMENT_TYPE.to_owned(),
                subject: subjects.to_vec(),
                predicate_type: kind.predicate_type().to_owned(),
                predicate,
            };
            serde_json::to_vec(&statement).map_err(|e| EntryError::Predicate {
                kind,
                message: e.to_string(),
            })
        }
        let kind = predicate.kind();
        match predicate {
            Predicate::Registration(p) => encode(&self.subjects, kind, p),
            Predicate::Amendment(p) => encode(&self.subjects, kind, p),
            Predicate::Status(p) => encode(&self.subjects, kind, p),
            Predicate::Results(p) => encode(&self.subjects, kind, p),
            Predicate::Consent(p) => encode(&self.subjects, kind, p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crockford_trial_id() {
        let id = TrialId::from_hash(&[0u8; 32]);
        assert_eq!(id.as_str(), "TL-0000000000000000");
        let id = TrialId::from_hash(&[0xff; 32]);
        assert_eq!(id.as_str(), "TL-ZZZZZZZZZZZZZZZZ");
        // 0x08 = 00001 000 → first char '1'.
        let mut h = [0u8; 32];
        h[0] = 0x08;
        assert_eq!(TrialId::from_hash(&h).as_str(), "TL-1000000000000000");
        assert_eq!(
            TrialId::parse_lenient(" tl-1ooooooooooooooo\n")
                .unwrap()
                .as_str(),
            "TL-1000000000000000"
        );
        assert!("TL-100000000000000U".parse::<TrialId>().is_err());
        assert!("tl-1000000000000000".parse::<TrialId>().is_err());
    }

    #[test]
    fn hex_round_trip() {
        let h = entry_hash(b"abc");
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(decode_sha256_hex(&h).unwrap(), entry_hash_bytes(b"abc"));
        assert!(decode_sha256_hex(&h.to_uppercase()).is_none());
    }
}
