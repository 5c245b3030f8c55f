//! Signer keys on disk: generation from the OS's randomness and key files.
//!
//! A key file holds one signed-note signer key string
//! (`PRIVATE+KEY+name+keyid+base64(type||seed)`) and a newline. It is created
//! with mode 0600, never overwritten, and fsynced with its directory, because
//! losing a witness key (or a log key) means retiring that identity.
//!
//! What this is not: a key store. No passphrases, no HSM; the file is the key.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use verifier::note::{KeyType, NoteError, SignerKey};

/// Why a key could not be generated, created or loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The operating system's random number generator failed.
    #[error("cannot read randomness from the operating system for a new key: {0}")]
    Randomness(String),
    /// The name or the key string is invalid.
    #[error("{0}")]
    Key(#[from] NoteError),
    /// Reading or writing the key file failed.
    #[error("cannot {action} key file {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The key file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The key file holds something that is not a signer key string.
    #[error("key file {} does not hold a signer key: {source}", path.display())]
    Malformed {
        /// The key file.
        path: PathBuf,
        /// What is wrong (never echoes the secret).
        source: NoteError,
    },
    /// The key file holds a key of another type than needed.
    #[error("key file {} holds a key of type {found}, but a key of type {wanted} is needed here", path.display())]
    WrongType {
        /// The key file.
        path: PathBuf,
        /// The type found.
        found: KeyType,
        /// The type needed.
        wanted: KeyType,
    },
    /// The key file holds a key with another name than asked for.
    #[error(
        "key file {} holds the key of {found:?}, not of {wanted:?}; \
         pass the same name as when it was created (or none), or use another directory",
        path.display()
    )]
    WrongName {
        /// The key file.
        path: PathBuf,
        /// The name in the file.
        found: String,
        /// The name asked for.
        wanted: String,
    },
}

/// A new signer key named `name` of type `key_type`, from the OS's randomness.
pub fn generate_signer_key(name: &str, key_type: KeyType) -> Result<SignerKey, KeyFileError> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| KeyFileError::Randomness(e.to_string()))?;
    let key = SignerKey::from_seed(name, key_type, seed);
    // The seed now lives (zeroized on drop) inside the key only.
    seed.fill(0);
    Ok(key?)
}

/// Loads the signer key in `path`, or, when the file does not exist, creates
/// it (mode 0600) with a new key of `key_type` named `name`. Returns the key
/// and whether it was created.
///
/// An existing key must have type `key_type`, and the name `name` when one is
/// given; `name` is required to create a key.
pub fn load_or_create_signer_key(
    path: &Path,
    name: Option<&str>,
    key_type: KeyType,
) -> Result<(SignerKey, bool), KeyFileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let key = SignerKey::parse(text.trim_end_matches(['\n', '\r'])).map_err(|source| {
                KeyFileError::Malformed {
                    path: path.to_path_buf(),
                    source,
                }
            })?;
            if key.key_type() != key_type {
                return Err(KeyFileError::WrongType {
                    path: path.to_path_buf(),
                    found: key.key_type(),
                    wanted: key_type,
                });
            }
            if let Some(name) = name
                && key.name() != name
            {
                return Err(KeyFileError::WrongName {
                    path: path.to_path_buf(),
                    found: key.name().to_string(),
                    wanted: name.to_string(),
                });
            }
            Ok((key, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let name = name.ok_or_else(|| KeyFileError::Io {
                action: "read",
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no key file, and no name was given to create one",
                ),
            })?;
            let key = generate_signer_key(name, key_type)?;
            write_new_key_file(path, &key)?;
            Ok((key, true))
        }
        Err(source) => Err(KeyFileError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes a new key file (failing if one exists), readable by its owner only.
fn write_new_key_file(path: &Path, key: &SignerKey) -> Result<(), KeyFileError> {
    let io = |action| {
        move |source| KeyFileError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io("create"))?;
    file.write_all(format!("{}\n", key.to_private_string()).as_bytes())
        .map_err(io("write"))?;
    file.sync_all().map_err(io("fsync"))?;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io("fsync the directory of"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_once_with_mode_0600_then_loads_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("witness.key");
        let (created, was_created) =
            load_or_create_signer_key(&path, Some("w.example/1"), KeyType::Cosignature).unwrap();
        assert!(was_created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (loaded, was_created) =
            load_or_create_signer_key(&path, None, KeyType::Cosignature).unwrap();
        assert!(!was_created);
        assert_eq!(loaded.verifier_key(), created.verifier_key());
        let err =
            load_or_create_signer_key(&path, Some("other"), KeyType::Cosignature).unwrap_err();
        assert!(matches!(err, KeyFileError::WrongName { .. }), "{err}");
        let err = load_or_create_signer_key(&path, None, KeyType::Ed25519).unwrap_err();
        assert!(matches!(err, KeyFileError::WrongType { .. }), "{err}");
    }

    #[test]
    fn generated_keys_differ_and_bad_names_are_refused() {
        let a = generate_signer_key("log.example", KeyType::Ed25519).unwrap();
        let b = generate_signer_key("log.example", KeyType::Ed25519).unwrap();
        assert_ne!(a.verifier_key(), b.verifier_key());
        assert!(matches!(
            generate_signer_key("has space", KeyType::Ed25519),
            Err(KeyFileError::Key(NoteError::InvalidKeyName(_)))
        ));
    }

    #[test]
    fn a_malformed_key_file_is_reported_without_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, "PRIVATE+KEY+secretstuff\n").unwrap();
        let err = load_or_create_signer_key(&path, None, KeyType::Ed25519).unwrap_err();
        assert!(!err.to_string().contains("secretstuff"), "{err}");
    }
}
