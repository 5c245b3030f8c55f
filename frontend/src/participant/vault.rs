//! The participant's vault file: every per-trial key and consent record in
//! one passphrase-encrypted JSON file (`trial-ledger-participant-vault/v1`),
//! to move them to another browser or keep a backup.
//!
//! The construction is the key file's ([`crate::keys`]): Argon2id
//! stretches the passphrase (salt and costs in the file, costs bounded
//! before any work), XChaCha20-Poly1305 encrypts the JSON of
//! [`VaultContents`]; the associated data binds the format and the costs.
//! A failing tag is [`KeyFileError::WrongPassphrase`]. Pure: salt and nonce
//! come from the caller.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::keys::{
    CIPHER, KDF_ARGON2ID, KdfParams, KeyFileError, NONCE_LEN, SALT_LEN, SponsorKey,
    check_kdf_params, decode, open_bytes, seal_bytes,
};

use super::record::Receipt;

/// `format` of a vault file.
pub const VAULT_FORMAT: &str = "trial-ledger-participant-vault/v1";
/// Largest vault file read, bytes.
pub const MAX_VAULT_BYTES: usize = 16 << 20;

/// What a vault holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct VaultContents {
    /// The per-trial signing keys (label = the trial id).
    pub keys: Vec<SponsorKey>,
    /// The consent records with their anchors.
    pub receipts: Vec<Receipt>,
}

/// The encrypted file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultFile {
    /// [`VAULT_FORMAT`].
    pub format: String,
    /// When it was written (RFC 3339).
    pub created_at: String,
    /// `argon2id`.
    pub kdf: String,
    /// Argon2id costs.
    pub params: KdfParams,
    /// Base64 of the 16-byte salt.
    pub salt: String,
    /// `xchacha20poly1305`.
    pub cipher: String,
    /// Base64 of the 24-byte nonce.
    pub nonce: String,
    /// Base64 of the encrypted JSON and its tag.
    pub ciphertext: String,
}

fn aad(params: &KdfParams) -> Vec<u8> {
    format!(
        "{VAULT_FORMAT}\n{KDF_ARGON2ID} m={} t={} p={}\n{CIPHER}\n",
        params.m_cost_kib, params.t_cost, params.p_cost
    )
    .into_bytes()
}

impl VaultFile {
    /// Encrypts `contents`.
    pub fn seal(
        contents: &VaultContents,
        passphrase: &str,
        params: KdfParams,
        salt: [u8; SALT_LEN],
        nonce: [u8; NONCE_LEN],
        created_at: &str,
    ) -> Result<VaultFile, KeyFileError> {
        check_kdf_params(&params)?;
        let plaintext = zeroize::Zeroizing::new(
            serde_json::to_vec(contents).map_err(|e| KeyFileError::Kdf(e.to_string()))?,
        );
        let ciphertext = seal_bytes(
            &plaintext,
            &aad(&params),
            passphrase,
            &params,
            &salt,
            &nonce,
        )?;
        Ok(VaultFile {
            format: VAULT_FORMAT.to_owned(),
            created_at: created_at.to_owned(),
            kdf: KDF_ARGON2ID.to_owned(),
            params,
            salt: BASE64.encode(salt),
            cipher: CIPHER.to_owned(),
            nonce: BASE64.encode(nonce),
            ciphertext: BASE64.encode(ciphertext),
        })
    }

    /// Parses a vault file (shape, format, algorithms, bounded costs).
    pub fn parse(bytes: &[u8]) -> Result<VaultFile, KeyFileError> {
        if bytes.len() > MAX_VAULT_BYTES {
            return Err(KeyFileError::NotAKeyFile(
                "the file is too large for a vault".to_owned(),
            ));
        }
        let file: VaultFile = serde_json::from_slice(bytes)
            .map_err(|e| KeyFileError::NotAKeyFile(format!("not a participant vault file: {e}")))?;
        if file.format != VAULT_FORMAT {
            return Err(KeyFileError::Format(file.format.chars().take(80).collect()));
        }
        for (algorithm, expected) in [(&file.kdf, KDF_ARGON2ID), (&file.cipher, CIPHER)] {
            if algorithm != expected {
                return Err(KeyFileError::Algorithm(
                    algorithm.chars().take(80).collect(),
                ));
            }
        }
        check_kdf_params(&file.params)?;
        Ok(file)
    }

    /// Decrypts the contents; every receipt in it must verify.
    pub fn open(&self, passphrase: &str) -> Result<VaultContents, KeyFileError> {
        let salt: [u8; SALT_LEN] = decode(&self.salt, "salt")?;
        let nonce: [u8; NONCE_LEN] = decode(&self.nonce, "nonce")?;
        let ciphertext = BASE64
            .decode(&self.ciphertext)
            .map_err(|_| KeyFileError::Field("ciphertext"))?;
        let plaintext = open_bytes(
            &ciphertext,
            &aad(&self.params),
            passphrase,
            &self.params,
            &salt,
            &nonce,
        )?;
        let contents: VaultContents = serde_json::from_slice(&plaintext)
            .map_err(|e| KeyFileError::NotAKeyFile(format!("the vault's contents: {e}")))?;
        for receipt in &contents.receipts {
            receipt.verify().map_err(|e| {
                KeyFileError::NotAKeyFile(format!(
                    "record {} in the vault: {e}",
                    receipt.record.header.record_id
                ))
            })?;
        }
        Ok(contents)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::participant::record::tests::give;

    const FAST: KdfParams = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };

    fn contents() -> VaultContents {
        VaultContents {
            keys: vec![SponsorKey::from_seed(
                [9; 32],
                "TL-0123456789ABCDEF",
                "2026-03-01T10:00:00Z",
            )],
            receipts: vec![Receipt::new(give(true).unwrap(), vec![])],
        }
    }

    #[test]
    fn vault_round_trip_hides_everything() {
        let file = VaultFile::seal(
            &contents(),
            "correct horse",
            FAST,
            [1; 16],
            [2; 24],
            "2026-03-05T00:00:00Z",
        )
        .unwrap();
        let json = file.to_json();
        for secret in ["Ada", "TL-0123456789ABCDEF", "future-research"] {
            assert!(!json.contains(secret), "{secret} is readable in the vault");
        }
        let opened = VaultFile::parse(json.as_bytes())
            .unwrap()
            .open("correct horse")
            .unwrap();
        assert_eq!(opened, contents());
    }

    #[test]
    fn wrong_passphrase_tampering_and_foreign_files() {
        let file =
            VaultFile::seal(&contents(), "correct horse", FAST, [1; 16], [2; 24], "").unwrap();
        assert_eq!(
            file.open("correct horsf"),
            Err(KeyFileError::WrongPassphrase)
        );
        let mut cheaper = file.clone();
        cheaper.params.t_cost = 2;
        assert_eq!(
            cheaper.open("correct horse"),
            Err(KeyFileError::WrongPassphrase)
        );
        let mut huge = file.clone();
        huge.params.m_cost_kib = 4 << 20;
        assert!(matches!(
            VaultFile::parse(huge.to_json().as_bytes()),
            Err(KeyFileError::Params { .. })
        ));
        assert!(matches!(
            VaultFile::parse(b"{\"format\":1}"),
            Err(KeyFileError::NotAKeyFile(_))
        ));
        assert_eq!(
            VaultFile::seal(&contents(), "short", FAST, [1; 16], [2; 24], ""),
            Err(KeyFileError::WeakPassphrase)
        );
    }
}
