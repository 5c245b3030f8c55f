//! Opening the log: first-start setup and startup recovery.
//!
//! First start creates `DATA/log.key` (mode 0600, an Ed25519 note signer key
//! named like the origin) and, without configured witnesses, the local demo
//! witnesses (`DATA/witnesses/<name>/`, each with its own key and state).
//! Every start writes `DATA/policy.txt`, the trust policy clients pin.
//!
//! Recovery, every start:
//! 1. fold every stored entry into the trial state ([`Ledger::apply`]): an
//!    entry the rules refuse means the database is not what the log wrote,
//!    and the log refuses to start;
//! 2. take the last archived checkpoint (verified with the log key), resume
//!    the tile hasher from the stored partial tiles at its size, and check
//!    that they give its root — otherwise refuse to start;
//! 3. re-publish it (`checkpoint` and `checkpoints/<size>`, which a crash may
//!    have left behind the archive);
//! 4. hand the integrator the hasher at that size: it rewrites the tiles of
//!    every entry after it (identical bytes where they were already written)
//!    and publishes a new checkpoint, so entries sequenced but not
//!    integrated before a crash are integrated now.

use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock, mpsc};

use tokio::sync::{Notify, watch};
use verifier::checkpoint;
use verifier::entry::Entry;
use verifier::note::{KeyType, SignerKey, VerifierKey};
use verifier::policy::Policy;
use verifier::tile::{TILE_HEIGHT, TILE_WIDTH, TileHasher, TileId, TilePath, parse_hash_tile};
use verifier::trial::Ledger;

use super::integrator::{Integrator, Peer};
use super::tiles::TileReader;
use super::{Inner, Log, LogConfig, LogError, Published, Shared, WitnessSpec, sequencer};
use crate::store::{FsObjectStore, ObjectStore, RedbStateStore, StateStore};
use crate::witness::{WITNESS_KEY_FILE, Witness, WitnessClient, load_or_create_signer_key};

/// The log's signing key file in the data directory.
pub const LOG_KEY_FILE: &str = "log.key";
/// The trust policy file in the data directory.
pub const POLICY_FILE: &str = "policy.txt";
/// The state database in the data directory.
pub const STATE_FILE: &str = "state.redb";
/// The object store (tiles, checkpoints) under the data directory.
pub const OBJECTS_DIR: &str = "log";
/// The local demo witnesses' directories under the data directory.
pub const WITNESSES_DIR: &str = "witnesses";

/// Entries parsed per step when folding the ledger.
const FOLD_CHUNK: u64 = 2048;

/// Everything the background tasks start from.
struct Prepared {
    shared: Arc<Shared>,
    log_key: SignerKey,
    peers: Vec<Peer>,
    local: Vec<Arc<Witness>>,
    hasher: TileHasher,
    needs_cosign: bool,
}

pub(crate) async fn open(config: LogConfig) -> Result<Log, LogError> {
    let prepared = tokio::task::spawn_blocking(move || prepare(config))
        .await
        .map_err(|e| LogError::Spawn("recovery", e.to_string()))??;
    let Prepared {
        shared,
        log_key,
        peers,
        local,
        hasher,
        needs_cosign,
    } = prepared;

    let (submit_tx, submit_rx) = mpsc::sync_channel(shared.config.queue_capacity);
    let sequencer_shared = Arc::clone(&shared);
    let sequencer = std::thread::Builder::new()
        .name("sequencer".into())
        .spawn(move || sequencer::run(sequencer_shared, submit_rx))
        .map_err(|e| LogError::Spawn("sequencer", e.to_string()))?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let integrator = Integrator::new(
        Arc::clone(&shared),
        log_key,
        peers,
        hasher,
        needs_cosign,
        stop_rx,
    );
    let integrator = tokio::spawn(integrator.run());
    Ok(Log {
        inner: Arc::new(Inner {
            shared,
            submit_tx,
            stop_tx,
            sequencer: Mutex::new(Some(sequencer)),
            integrator: Mutex::new(Some(integrator)),
            _local_witnesses: local,
        }),
    })
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> LogError + 'a {
    move |source| LogError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

fn prepare(config: LogConfig) -> Result<Prepared, LogError> {
    let data = config.data_dir.clone();
    std::fs::create_dir_all(&data).map_err(io("create data directory", &data))?;

    let (log_key, created) = load_or_create_signer_key(
        &data.join(LOG_KEY_FILE),
        Some(&config.origin),
        KeyType::Ed25519,
    )?;
    let log_vkey = log_key.verifier_key();
    if created {
        tracing::info!(
            "created the log key {} (keep it safe: losing it means starting a new log)",
            data.join(LOG_KEY_FILE).display()
        );
    }
    tracing::info!("log {} with key {log_vkey}", config.origin);

    let (peers, local) = witnesses(&config, &log_vkey)?;
    let quorum = config.quorum.unwrap_or(peers.len());
    let policy = peers
        .iter()
        .fold(Policy::builder(log_vkey.clone()), |builder, peer| {
            let key = peer.client.key().clone();
            builder.witness(key.name().to_string(), key)
        })
        .quorum(quorum)
        .build()
        .map_err(|e| LogError::Config(format!("the trust policy: {e}")))?;
    write_policy(&data, &policy)?;

    let objects: Arc<dyn ObjectStore> = Arc::new(FsObjectStore::open(&data.join(OBJECTS_DIR))?);
    let state: Arc<dyn StateStore> = Arc::new(RedbStateStore::open(&data.join(STATE_FILE))?);
    let tiles = TileReader::new(Arc::clone(&objects));

    let sequenced = state.sequenced_size()?;
    let ledger = fold_ledger(state.as_ref(), sequenced)?;
    let archived = state.archived_sizes()?;
    let integrated = state.integrated_size()?.min(sequenced);

    let mut needs_cosign = false;
    let (published, hasher) = match archived.last() {
        None => (None, TileHasher::new()),
        Some(&size) => {
            let note = state.archived_checkpoint(size)?.ok_or_else(|| {
                LogError::Inconsistent(format!("archived checkpoint {size} vanished"))
            })?;
            let published = verify_archived(&log_vkey, size, &note, sequenced)?;
            let hasher = resume_hasher(&tiles, &published, integrated.max(size))?;
            // A crash may have come between archiving and publishing.
            objects.put(&format!("checkpoints/{size}"), note.as_bytes())?;
            objects.put("checkpoint", note.as_bytes())?;
            if let Err(e) = policy.evaluate(note.as_bytes()) {
                tracing::warn!(
                    "the published checkpoint {size} does not satisfy the current policy ({e}); \
                     asking the witnesses to cosign it again"
                );
                needs_cosign = true;
            }
            (Some(published), hasher)
        }
    };
    let published_size = published.as_ref().map_or(0, |p| p.size);
    tracing::info!(
        "recovered: {sequenced} entries in {} trials; published checkpoint size {}; \
         tiles written up to {integrated}; {} entries to integrate",
        ledger.len(),
        published
            .as_ref()
            .map_or("none".to_string(), |p| p.size.to_string()),
        sequenced - published_size
    );
    let (published_tx, _) = watch::channel(published.as_ref().map(|p| p.size));
    let shared = Arc::new(Shared {
        config,
        policy,
        state,
        tiles,
        ledger: RwLock::new(ledger),
        published: RwLock::new(published),
        archived: RwLock::new(archived),
        integrated: AtomicU64::new(integrated.max(published_size)),
        sequenced_notify: Notify::new(),
        published_tx,
    });
    Ok(Prepared {
        shared,
        log_key,
        peers,
        local,
        hasher,
        needs_cosign,
    })
}

/// The witness peers from the configuration, or the local demo witnesses.
fn witnesses(
    config: &LogConfig,
    log_vkey: &VerifierKey,
) -> Result<(Vec<Peer>, Vec<Arc<Witness>>), LogError> {
    let mut peers = Vec::new();
    let mut local = Vec::new();
    for spec in &config.witnesses {
        let client = match spec {
            WitnessSpec::Http { url, key } => WitnessClient::http(url, key.clone())
                .map_err(|e| LogError::Config(format!("witness {url}: {e}")))?,
            WitnessSpec::Client(client) => client.clone(),
        };
        peers.push(Peer::new(client));
    }
    if config.witnesses.is_empty() {
        let dir = config.data_dir.join(WITNESSES_DIR);
        for n in 1..=config.demo_witnesses {
            let name = format!("local-demo-witness-{n}");
            let witness_dir = dir.join(&name);
            std::fs::create_dir_all(&witness_dir)
                .map_err(io("create witness directory", &witness_dir))?;
            let (key, _) = load_or_create_signer_key(
                &witness_dir.join(WITNESS_KEY_FILE),
                Some(&name),
                KeyType::Cosignature,
            )?;
            let witness = Arc::new(Witness::open(&witness_dir, key, vec![log_vkey.clone()])?);
            peers.push(Peer::new(WitnessClient::InProcess(Arc::clone(&witness))));
            local.push(witness);
        }
        if config.demo_witnesses > 0 {
            tracing::warn!(
                "no --witness given: running {} LOCAL DEMO witnesses in this process ({}). \
                 They are not independent of the log: fine for a demo, not for trust.",
                config.demo_witnesses,
                dir.display()
            );
        }
    }
    Ok((peers, local))
}

/// Writes `policy.txt` atomically (temporary file, fsync, rename).
fn write_policy(data: &Path, policy: &Policy) -> Result<(), LogError> {
    let path = data.join(POLICY_FILE);
    let temp = data.join(format!(".{POLICY_FILE}.tmp"));
    let text = policy.to_text();
    std::fs::write(&temp, &text).map_err(io("write", &temp))?;
    std::fs::File::open(&temp)
        .and_then(|f| f.sync_all())
        .map_err(io("fsync", &temp))?;
    std::fs::rename(&temp, &path).map_err(io("rename into place", &path))?;
    tracing::info!("trust policy for clients: {}", path.display());
    Ok(())
}

/// Checks an archived note: log signature, size, within the sequenced entries.
fn verify_archived(
    log_vkey: &VerifierKey,
    size: u64,
    note: &str,
    sequenced: u64,
) -> Result<Published, LogError> {
    let (checkpoint, _) =
        checkpoint::verify_checkpoint(note.as_bytes(), log_vkey).map_err(|e| {
            LogError::Inconsistent(format!(
                "the archived checkpoint {size} does not verify with the log key: {e}"
            ))
        })?;
    if checkpoint.size != size {
        return Err(LogError::Inconsistent(format!(
            "the checkpoint archived at size {size} has size {}",
            checkpoint.size
        )));
    }
    if size > sequenced {
        return Err(LogError::Inconsistent(format!(
            "the last archived checkpoint has size {size}, but the database holds only \
             {sequenced} entries: the database is older than the archive"
        )));
    }
    Ok(Published {
        size,
        root: checkpoint.root,
        note: Arc::from(note),
    })
}

/// The partial tiles of the tree of `size`, one per level that has one.
pub(crate) fn partial_tile_ids(size: u64) -> Vec<TileId> {
    (0u8..=verifier::tile::MAX_LEVEL)
        .map_while(|level| {
            let nodes = size.checked_shr(TILE_HEIGHT * u32::from(level))?;
            (nodes > 0).then_some((level, nodes))
        })
        .filter(|(_, nodes)| nodes % TILE_WIDTH != 0)
        .filter_map(|(level, nodes)| TileId::for_tree(level, nodes / TILE_WIDTH, size))
        .collect()
}

/// Resumes the tile hasher at the published size from the stored tiles and
/// checks that they give the published root.
fn resume_hasher(
    tiles: &TileReader,
    published: &Published,
    integrated: u64,
) -> Result<TileHasher, LogError> {
    let size = published.size;
    let mut partial = Vec::new();
    for id in partial_tile_ids(size) {
        let bytes = tiles
            .read(&TilePath::Hashes(id), size, integrated)
            .map_err(|e| {
                LogError::Inconsistent(format!(
                    "cannot read the tiles of the published checkpoint {size}: {e}"
                ))
            })?
            .ok_or_else(|| LogError::Inconsistent(format!("{} is missing", id.path())))?;
        let hashes = parse_hash_tile(&id, &bytes)
            .map_err(|e| LogError::Inconsistent(format!("stored tile: {e}")))?;
        partial.push((id, hashes));
    }
    let hasher = TileHasher::resume(size, partial)
        .map_err(|e| LogError::Inconsistent(format!("stored tiles: {e}")))?;
    if hasher.root() != published.root {
        return Err(LogError::Inconsistent(format!(
            "the stored tiles give root {} at size {size}, but the archived checkpoint says {}: \
             the tiles under {} do not belong to this log's state",
            verifier::merkle::hex(&hasher.root()),
            verifier::merkle::hex(&published.root),
            OBJECTS_DIR
        )));
    }
    Ok(hasher)
}

/// Folds the first `size` stored entries into a ledger, parsing them in
/// parallel and applying them in order.
pub(crate) fn fold_ledger(state: &dyn StateStore, size: u64) -> Result<Ledger, LogError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut ledger = Ledger::new();
    let mut start = 0;
    while start < size {
        let end = (start + FOLD_CHUNK).min(size);
        let entries = state.entries(start..end)?;
        let per_thread = entries.len().div_ceil(threads).max(1);
        let parsed = std::thread::scope(|scope| {
            let handles: Vec<_> = entries
                .chunks(per_thread)
                .map(|chunk| {
                    scope.spawn(move || chunk.iter().map(|b| Entry::parse(b)).collect::<Vec<_>>())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join())
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|_| LogError::Spawn("entry parser", "a parser thread panicked".into()))?;
        for (offset, entry) in parsed.into_iter().flatten().enumerate() {
            let index = start + offset as u64;
            let refused = |e: String| {
                LogError::Inconsistent(format!(
                    "entry {index} in the database is refused by the ledger rules ({e}); \
                     the database is not what this log wrote"
                ))
            };
            let entry = entry.map_err(|e| refused(e.to_string()))?;
            ledger
                .apply_entry(index, entry)
                .map_err(|e| refused(e.to_string()))?;
        }
        start = end;
    }
    Ok(ledger)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;

    #[test]
    fn partial_tile_ids_match_the_spec_example() {
        // C2SP tlog-tiles: size 70,000 has partial tiles 0/273.p/112,
        // 1/001.p/17 and 2/000.p/1.
        let ids: Vec<String> = partial_tile_ids(70_000).iter().map(|t| t.path()).collect();
        assert_eq!(
            ids,
            ["tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"]
        );
        assert!(partial_tile_ids(0).is_empty());
        // 256 leaves: a full level-0 tile, and its hash alone at level 1.
        let ids: Vec<String> = partial_tile_ids(256).iter().map(|t| t.path()).collect();
        assert_eq!(ids, ["tile/1/000.p/1"]);
        assert_eq!(partial_tile_ids(257).len(), 2);
    }

    #[test]
    fn store_errors_convert() {
        let e: LogError = StoreError::Missing("x".into()).into();
        assert!(e.to_string().contains('x'));
    }
}
