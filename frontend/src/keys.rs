//! Ed25519 signing keys made, kept and exported in the browser.
//!
//! A key is 32 random bytes (the Ed25519 seed) from the browser's CSPRNG
//! (`crypto.getRandomValues`). It is kept in IndexedDB ([`KeyStore`]) and
//! never sent anywhere; entries carry only its public key. The sponsor
//! workspace uses one to own trials; the participant's consent keys will
//! use the same code.
//!
//! **Key file** ([`KeyFile`], JSON, `"format": "trial-ledger-key/v1"`): the
//! seed encrypted under a passphrase, to back a key up or move it to
//! another browser.
//!
//! - the passphrase is stretched with **Argon2id** (RFC 9106, version 0x13)
//!   into a 32-byte key, with a random 16-byte salt and the cost parameters
//!   written in the file (`m_cost_kib`, `t_cost`, `p_cost`);
//!   [`DEFAULT_PARAMS`] are m = 64 MiB, t = 3, p = 1 (RFC 9106's second
//!   recommended option, with 64 MiB instead of 2 GiB to fit a browser
//!   tab);
//! - the seed is encrypted with **XChaCha20-Poly1305** under a random
//!   24-byte nonce; the associated data binds the format, the public key
//!   and the KDF parameters, so none of them can be altered unnoticed;
//! - on import, a failing tag means a wrong passphrase (or a damaged
//!   file): [`KeyFileError::WrongPassphrase`]; the decrypted seed must give
//!   the public key the file names.
//!
//! Reading a file checks the parameters against [`MAX_M_COST_KIB`] and
//! [`MAX_T_COST`] first, so a hostile file cannot make the tab allocate
//! gigabytes or spin for minutes.
//!
//! The encryption itself ([`KeyFile::seal`], [`KeyFile::open`]) is pure and
//! takes its salt and nonce from the caller, so it is unit-tested natively;
//! [`random_bytes`] and [`KeyStore`] are the browser edges.
//!
//! What this is not: protection against code running in the page. In
//! IndexedDB the seed is stored as it is (the browser profile protects
//! it); the passphrase protects only the exported file.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

use crate::idb::{JsonDb, StoreError};

/// The `format` of a key file.
pub const KEY_FILE_FORMAT: &str = "trial-ledger-key/v1";
/// The KDF named in key files.
pub const KDF_ARGON2ID: &str = "argon2id";
/// The cipher named in key files.
pub const CIPHER: &str = "xchacha20poly1305";
/// Largest memory cost a key file may ask for (256 MiB, in KiB).
pub const MAX_M_COST_KIB: u32 = 256 * 1024;
/// Largest time cost a key file may ask for.
pub const MAX_T_COST: u32 = 16;
/// Salt length, bytes.
pub const SALT_LEN: usize = 16;
/// XChaCha20 nonce length, bytes.
pub const NONCE_LEN: usize = 24;
/// Shortest passphrase accepted for an export, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// The Argon2id cost parameters of a key file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory, in KiB.
    pub m_cost_kib: u32,
    /// Passes over the memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

/// What new key files use: 64 MiB, 3 passes, 1 lane. Measured in headless
/// Chromium on the 2-core development machine (see the README): about 1 s.
pub const DEFAULT_PARAMS: KdfParams = KdfParams {
    m_cost_kib: 64 * 1024,
    t_cost: 3,
    p_cost: 1,
};

/// Why a key file could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    /// The file is not JSON of the key-file shape.
    #[error("this is not a Trial Ledger key file: {0}")]
    NotAKeyFile(String),
    /// Another format or a newer version.
    #[error(
        "this key file has format {0:?}; this portal reads \"trial-ledger-key/v1\" (it may come from a newer version)"
    )]
    Format(String),
    /// The KDF or cipher is not the one this portal uses.
    #[error("this key file uses {0:?}, which this portal does not support")]
    Algorithm(String),
    /// Cost parameters outside what this portal accepts.
    #[error(
        "this key file asks for Argon2id with {m_cost_kib} KiB, {t_cost} passes and {p_cost} lanes; at most {MAX_M_COST_KIB} KiB, {MAX_T_COST} passes and 4 lanes are accepted"
    )]
    Params {
        /// Memory, KiB.
        m_cost_kib: u32,
        /// Passes.
        t_cost: u32,
        /// Lanes.
        p_cost: u32,
    },
    /// A field is not valid base64 or has the wrong length.
    #[error("the key file's {0} is damaged (not base64 of the right length)")]
    Field(&'static str),
    /// The passphrase is empty or too short (export only).
    #[error("choose a passphrase of at least {MIN_PASSPHRASE_CHARS} characters")]
    WeakPassphrase,
    /// Decryption failed: the passphrase is wrong (or the file was altered).
    #[error("wrong passphrase: the key could not be decrypted (or the file was altered)")]
    WrongPassphrase,
    /// The decrypted key is not the one the file names.
    #[error(
        "the decrypted key does not match the public key written in the file; the file is damaged"
    )]
    Mismatch,
    /// Argon2 refused the parameters.
    #[error("the passphrase could not be stretched: {0}")]
    Kdf(String),
}

/// A passphrase-encrypted signing key, as written to a `.json` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    /// [`KEY_FILE_FORMAT`].
    pub format: String,
    /// The key's id: first 16 hex digits of SHA-256(public key).
    pub keyid: String,
    /// Base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
    /// The owner's name for the key.
    pub label: String,
    /// When the key was made (RFC 3339).
    pub created_at: String,
    /// [`KDF_ARGON2ID`].
    pub kdf: String,
    /// Argon2id costs.
    pub params: KdfParams,
    /// Base64 of the 16-byte salt.
    pub salt: String,
    /// [`CIPHER`].
    pub cipher: String,
    /// Base64 of the 24-byte nonce.
    pub nonce: String,
    /// Base64 of the encrypted seed and its tag (48 bytes).
    pub ciphertext: String,
}

/// A signing key with what the portal shows about it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SponsorKey {
    /// The key's id (first 16 hex digits of SHA-256(public key)).
    pub keyid: String,
    /// Base64 of the public key (an entry's `signer_key`).
    pub public_key: String,
    /// The owner's name for it.
    pub label: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// Base64 of the 32-byte seed.
    seed: String,
}

impl std::fmt::Debug for SponsorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SponsorKey")
            .field("keyid", &self.keyid)
            .field("public_key", &self.public_key)
            .field("label", &self.label)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl SponsorKey {
    /// The key with this seed.
    pub fn from_seed(seed: [u8; 32], label: &str, created_at: &str) -> SponsorKey {
        let signing = SigningKey::from_bytes(&seed);
        let public = signing.verifying_key();
        SponsorKey {
            keyid: verifier::dsse::keyid(&public),
            public_key: verifier::entry::encode_signer_key(&public),
            label: label.to_owned(),
            created_at: created_at.to_owned(),
            seed: BASE64.encode(seed),
        }
    }

    /// The Ed25519 signing key, or `None` if the stored seed is damaged.
    pub fn signing_key(&self) -> Option<SigningKey> {
        let seed: [u8; 32] = BASE64.decode(&self.seed).ok()?.try_into().ok()?;
        let key = SigningKey::from_bytes(&seed);
        (verifier::dsse::keyid(&key.verifying_key()) == self.keyid).then_some(key)
    }

    /// A new key from the browser's CSPRNG, made now.
    pub fn generate(label: &str) -> Result<SponsorKey, String> {
        let seed: [u8; 32] = random_bytes()?;
        Ok(SponsorKey::from_seed(seed, label, &now_rfc3339()))
    }
}

/// The associated data that binds a key file's header to its ciphertext.
fn associated_data(public_key: &str, params: &KdfParams) -> Vec<u8> {
    format!(
        "{KEY_FILE_FORMAT}\n{public_key}\n{KDF_ARGON2ID} m={} t={} p={}\n{CIPHER}\n",
        params.m_cost_kib, params.t_cost, params.p_cost
    )
    .into_bytes()
}

fn check_params(params: &KdfParams) -> Result<Params, KeyFileError> {
    let out_of_range = || KeyFileError::Params {
        m_cost_kib: params.m_cost_kib,
        t_cost: params.t_cost,
        p_cost: params.p_cost,
    };
    if params.m_cost_kib > MAX_M_COST_KIB
        || params.t_cost == 0
        || params.t_cost > MAX_T_COST
        || !(1..=4).contains(&params.p_cost)
    {
        return Err(out_of_range());
    }
    Params::new(params.m_cost_kib, params.t_cost, params.p_cost, Some(32))
        .map_err(|_| out_of_range())
}

/// Argon2id(passphrase, salt) → 32-byte key.
fn stretch(
    passphrase: &str,
    salt: &[u8],
    params: &KdfParams,
) -> Result<zeroize::Zeroizing<[u8; 32]>, KeyFileError> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, check_params(params)?);
    let mut key = zeroize::Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| KeyFileError::Kdf(e.to_string()))?;
    Ok(key)
}

/// Base64 `text` of exactly `N` bytes, or an error naming the file's `field`
/// (key files and participant vaults share this format).
pub fn decode<const N: usize>(text: &str, field: &'static str) -> Result<[u8; N], KeyFileError> {
    BASE64
        .decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(KeyFileError::Field(field))
}

impl KeyFile {
    /// Encrypts `key` under `passphrase` with the given costs, salt and
    /// nonce (fresh random values from the caller, see [`export`]).
    pub fn seal(
        key: &SponsorKey,
        passphrase: &str,
        params: KdfParams,
        salt: [u8; SALT_LEN],
        nonce: [u8; NONCE_LEN],
    ) -> Result<KeyFile, KeyFileError> {
        if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(KeyFileError::WeakPassphrase);
        }
        let seed: zeroize::Zeroizing<[u8; 32]> =
            zeroize::Zeroizing::new(decode(&key.seed, "seed")?);
        let stretched = stretch(passphrase, &salt, &params)?;
        let cipher = XChaCha20Poly1305::new(stretched.as_ref().into());
        let aad = associated_data(&key.public_key, &params);
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: seed.as_ref(),
                    aad: &aad,
                },
            )
            .map_err(|_| KeyFileError::Kdf("encryption failed".to_owned()))?;
        Ok(KeyFile {
            format: KEY_FILE_FORMAT.to_owned(),
            keyid: key.keyid.clone(),
            public_key: key.public_key.clone(),
            label: key.label.clone(),
            created_at: key.created_at.clone(),
            kdf: KDF_ARGON2ID.to_owned(),
            params,
            salt: BASE64.encode(salt),
            cipher: CIPHER.to_owned(),
            nonce: BASE64.encode(nonce),
            ciphertext: BASE64.encode(ciphertext),
        })
    }

    /// Parses a key file's JSON (shape, format, algorithms and costs; the
    /// passphrase is checked by [`KeyFile::open`]).
    pub fn parse(bytes: &[u8]) -> Result<KeyFile, KeyFileError> {
        let file: KeyFile =
            serde_json::from_slice(bytes).map_err(|e| KeyFileError::NotAKeyFile(e.to_string()))?;
        if file.format != KEY_FILE_FORMAT {
            return Err(KeyFileError::Format(file.format.chars().take(80).collect()));
        }
        for (algorithm, expected) in [(&file.kdf, KDF_ARGON2ID), (&file.cipher, CIPHER)] {
            if algorithm != expected {
                return Err(KeyFileError::Algorithm(
                    algorithm.chars().take(80).collect(),
                ));
            }
        }
        check_params(&file.params)?;
        Ok(file)
    }

    /// The file as pretty JSON (what is saved to disk).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Decrypts the key with `passphrase`.
    pub fn open(&self, passphrase: &str) -> Result<SponsorKey, KeyFileError> {
        let salt: [u8; SALT_LEN] = decode(&self.salt, "salt")?;
        let nonce: [u8; NONCE_LEN] = decode(&self.nonce, "nonce")?;
        let ciphertext = BASE64
            .decode(&self.ciphertext)
            .map_err(|_| KeyFileError::Field("ciphertext"))?;
        let stretched = stretch(passphrase, &salt, &self.params)?;
        let cipher = XChaCha20Poly1305::new(stretched.as_ref().into());
        let aad = associated_data(&self.public_key, &self.params);
        let seed = zeroize::Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &ciphertext,
                        aad: &aad,
                    },
                )
                .map_err(|_| KeyFileError::WrongPassphrase)?,
        );
        let seed: [u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| KeyFileError::Field("ciphertext"))?;
        let key = SponsorKey::from_seed(seed, &self.label, &self.created_at);
        if key.public_key != self.public_key || key.keyid != self.keyid {
            return Err(KeyFileError::Mismatch);
        }
        Ok(key)
    }
}

/// Encrypts `plaintext` under `passphrase` (Argon2id with `params` and
/// `salt` → XChaCha20-Poly1305 with `nonce`, authenticating `aad`): the
/// key file's construction, for other formats (the participant's vault).
pub fn seal_bytes(
    plaintext: &[u8],
    aad: &[u8],
    passphrase: &str,
    params: &KdfParams,
    salt: &[u8; SALT_LEN],
    nonce: &[u8; NONCE_LEN],
) -> Result<Vec<u8>, KeyFileError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(KeyFileError::WeakPassphrase);
    }
    let stretched = stretch(passphrase, salt, params)?;
    XChaCha20Poly1305::new(stretched.as_ref().into())
        .encrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| KeyFileError::Kdf("encryption failed".to_owned()))
}

/// Decrypts what [`seal_bytes`] made; a failing tag is
/// [`KeyFileError::WrongPassphrase`].
pub fn open_bytes(
    ciphertext: &[u8],
    aad: &[u8],
    passphrase: &str,
    params: &KdfParams,
    salt: &[u8; SALT_LEN],
    nonce: &[u8; NONCE_LEN],
) -> Result<zeroize::Zeroizing<Vec<u8>>, KeyFileError> {
    let stretched = stretch(passphrase, salt, params)?;
    XChaCha20Poly1305::new(stretched.as_ref().into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(zeroize::Zeroizing::new)
        .map_err(|_| KeyFileError::WrongPassphrase)
}

/// Checks Argon2id costs read from a file against the limits (see
/// [`MAX_M_COST_KIB`]) before any work.
pub fn check_kdf_params(params: &KdfParams) -> Result<(), KeyFileError> {
    check_params(params).map(|_| ())
}

/// `N` bytes from the browser's CSPRNG (`crypto.getRandomValues`).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let crypto = web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(|_| "this browser has no Web Crypto (crypto.getRandomValues)")?;
    let mut bytes = [0u8; N];
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|_| "crypto.getRandomValues failed")?;
    Ok(bytes)
}

/// The browser's clock as RFC 3339 (UTC, whole seconds).
pub fn now_rfc3339() -> String {
    let seconds = (js_sys::Date::now() / 1000.0) as i64;
    verifier::predicate::Timestamp::from_unix_seconds(seconds)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Encrypts `key` for export with fresh randomness and `params`.
pub fn export(
    key: &SponsorKey,
    passphrase: &str,
    params: KdfParams,
) -> Result<KeyFile, KeyFileError> {
    let salt = random_bytes().map_err(KeyFileError::Kdf)?;
    let nonce = random_bytes().map_err(KeyFileError::Kdf)?;
    KeyFile::seal(key, passphrase, params, salt, nonce)
}

/// The sponsor's IndexedDB database (keys, drafts, "my trials").
pub const SPONSOR_DATABASE: &str = "trial-ledger-sponsor";
/// Its object stores.
pub const SPONSOR_STORES: &[&str] = &["keys", "drafts", "trials"];
const KEYS: &str = "keys";

/// The signing keys kept in this browser.
#[derive(Debug)]
pub struct KeyStore {
    db: JsonDb,
}

impl KeyStore {
    /// Opens the key store in database `name` ([`SPONSOR_DATABASE`] in the
    /// portal).
    pub async fn open(name: &str) -> Result<KeyStore, StoreError> {
        Ok(KeyStore {
            db: JsonDb::open(name, SPONSOR_STORES).await?,
        })
    }

    /// Closes the connection.
    pub fn close(self) {
        self.db.close();
    }

    /// Every key, by keyid.
    pub async fn keys(&self) -> Result<Vec<SponsorKey>, StoreError> {
        self.db.all(KEYS, "key").await
    }

    /// The key with this id.
    pub async fn key(&self, keyid: &str) -> Result<Option<SponsorKey>, StoreError> {
        self.db.get(KEYS, keyid, "key").await
    }

    /// Keeps `key` (replacing a key with the same id).
    pub async fn save(&self, key: &SponsorKey) -> Result<(), StoreError> {
        self.db.put(KEYS, &key.keyid, key, "key").await
    }

    /// Forgets a key.
    pub async fn remove(&self, keyid: &str) -> Result<(), StoreError> {
        self.db.delete(KEYS, keyid).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small costs so the tests run in milliseconds.
    const FAST: KdfParams = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };

    fn key() -> SponsorKey {
        SponsorKey::from_seed([7; 32], "Sponsor key", "2026-01-01T00:00:00Z")
    }

    #[test]
    fn key_file_round_trip() {
        let key = key();
        let file = KeyFile::seal(&key, "correct horse", FAST, [1; 16], [2; 24]).unwrap();
        assert_eq!(file.keyid, key.keyid);
        assert_eq!(file.keyid.len(), 16);
        let json = file.to_json();
        assert!(
            !json.contains(&key.seed),
            "the seed must not be in the file"
        );
        let parsed = KeyFile::parse(json.as_bytes()).unwrap();
        let opened = parsed.open("correct horse").unwrap();
        assert_eq!(opened, key);
        assert_eq!(
            opened.signing_key().unwrap().to_bytes(),
            key.signing_key().unwrap().to_bytes()
        );
    }

    #[test]
    fn wrong_passphrase_is_a_clear_error() {
        let file = KeyFile::seal(&key(), "correct horse", FAST, [1; 16], [2; 24]).unwrap();
        let err = file.open("correct horsf").unwrap_err();
        assert_eq!(err, KeyFileError::WrongPassphrase);
        assert!(err.to_string().starts_with("wrong passphrase"));
    }

    #[test]
    fn tampered_header_or_ciphertext_is_detected() {
        let file = KeyFile::seal(&key(), "correct horse", FAST, [1; 16], [2; 24]).unwrap();
        // Another public key in the header: the associated data differs.
        let mut other = file.clone();
        other.public_key = SponsorKey::from_seed([8; 32], "", "").public_key;
        assert_eq!(
            other.open("correct horse"),
            Err(KeyFileError::WrongPassphrase)
        );
        // Cheaper parameters written into the file: likewise.
        let mut cheaper = file.clone();
        cheaper.params.t_cost = 2;
        assert_eq!(
            cheaper.open("correct horse"),
            Err(KeyFileError::WrongPassphrase)
        );
        let mut flipped = file.clone();
        let mut bytes = BASE64.decode(&flipped.ciphertext).unwrap();
        bytes[0] ^= 1;
        flipped.ciphertext = BASE64.encode(bytes);
        assert_eq!(
            flipped.open("correct horse"),
            Err(KeyFileError::WrongPassphrase)
        );
        let mut keyid = file;
        keyid.keyid = "0000000000000000".into();
        assert_eq!(keyid.open("correct horse"), Err(KeyFileError::Mismatch));
    }

    #[test]
    fn hostile_or_foreign_files_are_refused_before_any_work() {
        let file = KeyFile::seal(&key(), "correct horse", FAST, [1; 16], [2; 24]).unwrap();
        let mut huge = file.clone();
        huge.params.m_cost_kib = 4 << 20;
        assert!(matches!(
            KeyFile::parse(huge.to_json().as_bytes()),
            Err(KeyFileError::Params { .. })
        ));
        let mut v2 = file.clone();
        v2.format = "trial-ledger-key/v2".into();
        assert!(matches!(
            KeyFile::parse(v2.to_json().as_bytes()),
            Err(KeyFileError::Format(_))
        ));
        let mut aes = file;
        aes.cipher = "aes-256-gcm".into();
        assert!(matches!(
            KeyFile::parse(aes.to_json().as_bytes()),
            Err(KeyFileError::Algorithm(_))
        ));
        assert!(matches!(
            KeyFile::parse(b"{\"policy\":1}"),
            Err(KeyFileError::NotAKeyFile(_))
        ));
    }

    #[test]
    fn short_passphrases_are_refused_on_export() {
        assert_eq!(
            KeyFile::seal(&key(), "short", FAST, [1; 16], [2; 24]),
            Err(KeyFileError::WeakPassphrase)
        );
    }

    #[test]
    fn default_params_are_accepted() {
        assert!(check_params(&DEFAULT_PARAMS).is_ok());
    }
}
