//! DSSE v1.0 envelopes: the signed wrapper of every ledger entry.
//!
//! An envelope is JSON:
//!
//! ```text
//! {"payloadType":"application/vnd.in-toto+json","payload":"<base64>",
//!  "signatures":[{"keyid":"<hex>","sig":"<base64 Ed25519 over PAE>"}]}
//! ```
//!
//! The signature covers the pre-authentication encoding [`pae`] of the
//! payload type and the payload bytes, never the JSON. Key ids are the first
//! 16 hex digits of SHA-256 of the raw 32-byte Ed25519 public key
//! ([`keyid`]); signatures are checked with `verify_strict` (no malleable
//! or small-order-key signatures).
//!
//! **Canonical form.** A ledger leaf is the exact bytes of its envelope, and
//! JSON can spell one envelope in many ways (whitespace, key order, escapes,
//! base64 padding). [`Envelope::from_json`] therefore accepts only the one
//! spelling [`Envelope::to_json`] produces: compact, keys in the order above,
//! standard padded base64. So an entry's bytes, and its hash, are determined
//! by its payload and signatures: nobody but the signer can make a second
//! leaf with the same meaning.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The payload type of every ledger entry: an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// What is wrong with an envelope or its signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsseError {
    /// The bytes are not JSON of the envelope's shape.
    #[error("not a DSSE envelope: {0}")]
    Json(String),
    /// A base64 field does not decode.
    #[error("the envelope's {0} is not valid standard base64")]
    Base64(&'static str),
    /// The JSON is an envelope, but not spelt canonically.
    #[error(
        "the envelope is not in canonical form (compact JSON, keys payloadType, payload, signatures in that order, standard padded base64)"
    )]
    NonCanonical,
    /// The envelope has no signature, or more than one.
    #[error("the envelope has {0} signatures; a ledger entry has exactly one")]
    SignatureCount(usize),
    /// The signature's key id is not the signer key's.
    #[error("the signature's keyid {stated:?} is not the signer key's ({expected})")]
    KeyIdMismatch {
        /// The keyid in the envelope.
        stated: String,
        /// The keyid of the signer key.
        expected: String,
    },
    /// The signature is not 64 bytes.
    #[error("the signature is {0} bytes long; an Ed25519 signature is 64 bytes")]
    SignatureLength(usize),
    /// The Ed25519 signature does not verify over the PAE.
    #[error("the signature does not verify with the signer key")]
    BadSignature,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// [`keyid`] of the signing key.
    pub keyid: String,
    /// The raw signature bytes (64 for Ed25519).
    pub sig: Vec<u8>,
}

/// A DSSE envelope with its payload decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The payload's media type, e.g. [`IN_TOTO_PAYLOAD_TYPE`].
    pub payload_type: String,
    /// The payload's bytes.
    pub payload: Vec<u8>,
    /// The signatures over [`pae`]`(payload_type, payload)`.
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEnvelope {
    #[serde(rename = "payloadType")]
    payload_type: String,
    payload: String,
    signatures: Vec<WireSignature>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSignature {
    keyid: String,
    sig: String,
}

/// The DSSE v1 pre-authentication encoding:
/// `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`, lengths in
/// ASCII decimal (of the UTF-8 bytes).
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// The first 16 lowercase hex digits of SHA-256 of the 32-byte public key.
pub fn keyid(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    crate::merkle::hex(&digest[..8])
}

impl Envelope {
    /// Signs `payload` as `payload_type` with `key`: an envelope with one signature.
    pub fn sign(payload_type: &str, payload: Vec<u8>, key: &SigningKey) -> Envelope {
        let signature = key.sign(&pae(payload_type, &payload));
        Envelope {
            payload_type: payload_type.to_owned(),
            payload,
            signatures: vec![EnvelopeSignature {
                keyid: keyid(&key.verifying_key()),
                sig: signature.to_bytes().to_vec(),
            }],
        }
    }

    /// The canonical JSON bytes of the envelope (see the module docs).
    pub fn to_json(&self) -> Vec<u8> {
        let wire = WireEnvelope {
            payload_type: self.payload_type.clone(),
            payload: BASE64.encode(&self.payload),
            signatures: self
                .signatures
                .iter()
                .map(|s| WireSignature {
                    keyid: s.keyid.clone(),
                    sig: BASE64.encode(&s.sig),
                })
                .collect(),
        };
        // Serialising plain strings and vectors to a Vec cannot fail.
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Parses an envelope, accepting only its canonical JSON form.
    pub fn from_json(bytes: &[u8]) -> Result<Envelope, DsseError> {
        let wire: WireEnvelope =
            serde_json::from_slice(bytes).map_err(|e| DsseError::Json(e.to_string()))?;
        let payload = BASE64
            .decode(&wire.payload)
            .map_err(|_| DsseError::Base64("payload"))?;
        let signatures = wire
            .signatures
            .into_iter()
            .map(|s| {
                let sig = BASE64
                    .decode(&s.sig)
                    .map_err(|_| DsseError::Base64("signature"))?;
                Ok(EnvelopeSignature {
                    keyid: s.keyid,
                    sig,
                })
            })
            .collect::<Result<Vec<_>, DsseError>>()?;
        let envelope = Envelope {
            payload_type: wire.payload_type,
            payload,
            signatures,
        };
        if envelope.to_json() != bytes {
            return Err(DsseError::NonCanonical);
        }
        Ok(envelope)
    }

    /// Checks that the envelope carries exactly one signature, by `key`
    /// (its keyid matches) and valid over the PAE.
    pub fn verify_single(&self, key: &VerifyingKey) -> Result<(), DsseError> {
        let [signature] = self.signatures.as_slice() else {
            return Err(DsseError::SignatureCount(self.signatures.len()));
        };
        let expected = keyid(key);
        if signature.keyid != expected {
            return Err(DsseError::KeyIdMismatch {
                stated: signature.keyid.clone(),
                expected,
            });
        }
        let bytes: [u8; 64] = signature
            .sig
            .as_slice()
            .try_into()
            .map_err(|_| DsseError::SignatureLength(signature.sig.len()))?;
        key.verify_strict(
            &pae(&self.payload_type, &self.payload),
            &Signature::from_bytes(&bytes),
        )
        .map_err(|_| DsseError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn sign_serialise_parse_verify() {
        let key = SigningKey::from_bytes(&[3u8; 32]);
        let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"{}".to_vec(), &key);
        let json = envelope.to_json();
        let parsed = Envelope::from_json(&json).unwrap();
        assert_eq!(parsed, envelope);
        parsed.verify_single(&key.verifying_key()).unwrap();
        let mut spaced = json.clone();
        spaced.insert(1, b' ');
        assert_eq!(Envelope::from_json(&spaced), Err(DsseError::NonCanonical));
    }
}
