//! `trialverify audit-log`: recompute a whole tiled log from its entry bundles
//! and compare every stored tile, in memory bounded by the tile height (one
//! entry bundle and one tile per level at a time), whatever the log's size.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use verifier::checkpoint::{self, Checkpoint};
use verifier::merkle::{self, Hash};
use verifier::note::VerifierKey;
use verifier::tile::{self, ProofBuilder, TILE_WIDTH, TileHasher, TileId};

use crate::source::LogSource;
use crate::{Failure, hex, parse_vkey, read_small_input};

/// A checkpoint note with up to 100 signature lines fits easily.
const MAX_CHECKPOINT: u64 = 64 << 10;
/// 256 hashes of 32 bytes.
const MAX_TILE: u64 = TILE_WIDTH * 32;
/// 256 entries of at most 65,535 bytes, each with a two-byte length.
const MAX_ENTRY_BUNDLE: u64 = TILE_WIDTH * (2 + u16::MAX as u64);

/// Runs the audit and prints what was verified.
pub fn run(location: &str, vkey: &str, since: Option<&Path>) -> Result<(), Failure> {
    let key = parse_vkey(vkey)?;
    let source = LogSource::open(location)?;
    let note = source.fetch_required("checkpoint", MAX_CHECKPOINT)?;
    let checkpoint = verified_checkpoint(&note, &key, "the log's checkpoint")?;
    eprintln!(
        "checkpoint of {} verified: tree size {}, root {}",
        checkpoint.origin,
        checkpoint.size,
        hex(&checkpoint.root)
    );
    let leaves = recompute_tree(&source, &checkpoint)?;
    println!(
        "audit passed: all {leaves} entries and every tile of {} match the signed root {}",
        checkpoint.origin,
        hex(&checkpoint.root)
    );
    if let Some(path) = since {
        let older_note = read_small_input(&path.display().to_string())?;
        let older = verified_checkpoint(&older_note, &key, &path.display().to_string())?;
        prove_consistency(&source, &older, &checkpoint)?;
        println!(
            "consistency proven: the checkpoint of size {} in {} is a prefix of size {}",
            older.size,
            path.display(),
            checkpoint.size
        );
    }
    Ok(())
}

/// Verifies a checkpoint note with the log key, parses it and checks its
/// origin is the key's name; a failure names `what` was being read.
fn verified_checkpoint(note: &[u8], key: &VerifierKey, what: &str) -> Result<Checkpoint, Failure> {
    checkpoint::verify_checkpoint(note, key)
        .map(|(checkpoint, _)| checkpoint)
        .map_err(|e| Failure::Verification(format!("{what}: {e}")))
}

/// Streams every entry bundle through a [`TileHasher`], comparing each tile it
/// completes with the stored one, then compares the root. Returns the number
/// of entries checked.
///
/// Reading bundles and hashing their entries (SHA-256 of every byte of the
/// log) is the bulk of the work, so worker threads do it, bundle by bundle;
/// this thread consumes their leaf hashes strictly in bundle order, so the
/// first mismatch named is the first in the log. Memory stays bounded: a
/// worker only takes a new bundle after handing over its last one, and the
/// channel holds a few bundles' hashes.
fn recompute_tree(source: &LogSource, checkpoint: &Checkpoint) -> Result<u64, Failure> {
    let size = checkpoint.size;
    let bar = crate::progress_bar(size, "leaves");
    bar.set_style(leaf_style());
    let bundles = size.div_ceil(TILE_WIDTH);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let next_bundle = AtomicU64::new(0);
    let (sender, receiver) = mpsc::sync_channel::<(u64, Result<Vec<Hash>, Failure>)>(2 * workers);

    let root = std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let next_bundle = &next_bundle;
            scope.spawn(move || {
                loop {
                    let index = next_bundle.fetch_add(1, Ordering::Relaxed);
                    if index >= bundles {
                        break;
                    }
                    let hashes = bundle_leaf_hashes(source, index, size);
                    let failed = hashes.is_err();
                    // A closed channel means the consumer stopped at an error.
                    if sender.send((index, hashes)).is_err() || failed {
                        break;
                    }
                }
            });
        }
        drop(sender);
        // Dropping the receiver on an early return stops the workers.
        let receiver = receiver;
        let mut hasher = TileHasher::new();
        let mut waiting = BTreeMap::new();
        for index in 0..bundles {
            let hashes = loop {
                if let Some(hashes) = waiting.remove(&index) {
                    break hashes;
                }
                match receiver.recv() {
                    Ok((i, hashes)) => {
                        waiting.insert(i, hashes);
                    }
                    Err(_) => {
                        return Err(Failure::Verification(format!(
                            "entry bundle {index} was never read (a reader stopped early)"
                        )));
                    }
                }
            }?;
            let count = hashes.len() as u64;
            for leaf_hash in hashes {
                for (tile, tile_hashes) in hasher.push(leaf_hash) {
                    compare_tile(source, &tile, &tile_hashes)?;
                }
            }
            bar.inc(count);
        }
        let (partial_tiles, root) = hasher.finish();
        for (tile, hashes) in &partial_tiles {
            compare_tile(source, tile, hashes)?;
        }
        Ok(root)
    })?;
    bar.finish_and_clear();
    if root != checkpoint.root {
        return Err(Failure::Verification(format!(
            "the root recomputed from the entries is {}, the checkpoint signs {}",
            hex(&root),
            hex(&checkpoint.root)
        )));
    }
    Ok(size)
}

/// Reads entry bundle `index` of the tree of `size` and returns the leaf
/// hashes of its entries, checking that it holds exactly the entries the tree
/// needs.
fn bundle_leaf_hashes(source: &LogSource, index: u64, size: u64) -> Result<Vec<Hash>, Failure> {
    let bundle_tile = TileId::for_tree(0, index, size).ok_or_else(|| {
        Failure::Verification(format!(
            "entry bundle {index} is beyond the tree of size {size}"
        ))
    })?;
    let path = bundle_tile.entry_bundle_path();
    let bytes = source.fetch_required(&path, MAX_ENTRY_BUNDLE)?;
    let entries = tile::decode_entry_bundle(&bytes)
        .map_err(|e| Failure::Verification(format!("{path}: {e}")))?;
    if entries.len() != usize::from(bundle_tile.width) {
        return Err(Failure::Verification(format!(
            "{path} holds {} entries, the tree of size {size} needs {}",
            entries.len(),
            bundle_tile.width
        )));
    }
    Ok(entries.into_iter().map(merkle::leaf_hash).collect())
}

fn leaf_style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(
        "auditing [{bar:40}] {human_pos}/{human_len} leaves ({per_sec}, {eta})",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .progress_chars("=> ")
}

/// Compares a stored tile with the hashes recomputed for it and names the
/// first hash that differs (for level 0, the entry it belongs to).
fn compare_tile(source: &LogSource, tile: &TileId, computed: &[Hash]) -> Result<(), Failure> {
    let path = tile.path();
    let stored = source.fetch_required(&path, MAX_TILE)?;
    if stored.len() != computed.len() * 32 {
        return Err(Failure::Verification(format!(
            "{path} is {} bytes, a tile of width {} is {}",
            stored.len(),
            tile.width,
            computed.len() * 32
        )));
    }
    for (i, (stored_hash, computed_hash)) in stored.chunks_exact(32).zip(computed).enumerate() {
        if stored_hash != computed_hash {
            let position = tile.index * TILE_WIDTH + i as u64;
            let what = if tile.level == 0 {
                format!(
                    "the leaf hash of entry {position} (in {})",
                    tile.entry_bundle_path()
                )
            } else {
                format!(
                    "the hash of node {position} at tree level {}",
                    8 * u32::from(tile.level)
                )
            };
            return Err(Failure::Verification(format!(
                "{path}: hash {i} is {}, but {what} recomputes to {}",
                hex(stored_hash),
                hex(computed_hash)
            )));
        }
    }
    Ok(())
}

/// Proves, from the log's tiles, that `older` is a prefix of `newer`.
fn prove_consistency(
    source: &LogSource,
    older: &Checkpoint,
    newer: &Checkpoint,
) -> Result<(), Failure> {
    if older.size > newer.size {
        return Err(Failure::Verification(format!(
            "the older checkpoint has size {}, larger than the log's current {}: the log was rolled back",
            older.size, newer.size
        )));
    }
    if older.size == 0 {
        // Every tree extends the empty one; RFC 9162 defines no proof for it,
        // so the only thing to check is that the old root is the empty root.
        return if older.root == merkle::empty_tree_root() {
            Ok(())
        } else {
            Err(Failure::Verification(format!(
                "the older checkpoint has size 0 but root {}, not the empty tree's root",
                hex(&older.root)
            )))
        };
    }
    let mut builder = ProofBuilder::new(newer.size);
    let needed = builder
        .tiles_for_consistency(older.size)
        .map_err(|e| Failure::Verification(e.to_string()))?;
    for tile in needed {
        let bytes = source.fetch_required(&tile.path(), MAX_TILE)?;
        builder
            .add_tile(tile, &bytes)
            .map_err(|e| Failure::Verification(format!("{}: {e}", tile.path())))?;
    }
    let proof = builder
        .consistency_proof(older.size)
        .map_err(|e| Failure::Verification(e.to_string()))?;
    merkle::verify_consistency(older.size, newer.size, &older.root, &newer.root, &proof).map_err(
        |e| {
            Failure::Verification(format!(
                "consistency proof from size {} to {}: {e}",
                older.size, newer.size
            ))
        },
    )
}
