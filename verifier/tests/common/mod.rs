//! Shared by the CLI tests and the benchmarks: writes a complete tiled log
//! (entry bundles, hash tiles at every level, a signed checkpoint) to a
//! directory, the way a C2SP tlog-tiles log serves it.
#![allow(dead_code)]

use std::path::Path;

use verifier::checkpoint::{Checkpoint, sign_checkpoint};
use verifier::merkle::{self, Hash};
use verifier::note::{KeyType, SignerKey};
use verifier::tile::{self, TILE_WIDTH, TileId};

/// The deterministic key the generated logs are signed with.
pub fn log_signer(origin: &str) -> SignerKey {
    SignerKey::from_seed(origin, KeyType::Ed25519, [7u8; 32]).expect("valid signer name")
}

/// The `i`-th entry of a generated log: short, distinct, varied in length.
pub fn entry(i: u64) -> Vec<u8> {
    format!("entry {i} {}", "x".repeat((i % 7) as usize)).into_bytes()
}

/// The `i`-th entry padded to `len` bytes (at least its short form), for
/// logs whose entries are the size of real ledger entries.
pub fn padded_entry(i: u64, len: usize) -> Vec<u8> {
    let mut e = entry(i);
    e.resize(len.max(e.len()), b'.');
    e
}

/// Writes a log of `size` generated entries under `dir` and returns its root.
pub fn write_log(dir: &Path, origin: &str, size: u64) -> Hash {
    write_log_of(dir, origin, size, entry)
}

/// [`write_log`] with entries made by `entry_of(index)`.
pub fn write_log_of(
    dir: &Path,
    origin: &str,
    size: u64,
    entry_of: impl Fn(u64) -> Vec<u8>,
) -> Hash {
    let mut hasher = tile::TileHasher::new();
    let mut bundle: Vec<Vec<u8>> = Vec::with_capacity(TILE_WIDTH as usize);
    let mut bundle_index = 0;
    for i in 0..size {
        let e = entry_of(i);
        for (id, hashes) in hasher.push(merkle::leaf_hash(&e)) {
            write_tile(dir, &id, &hashes);
        }
        bundle.push(e);
        if bundle.len() as u64 == TILE_WIDTH {
            write_bundle(dir, bundle_index, size, &bundle);
            bundle.clear();
            bundle_index += 1;
        }
    }
    if !bundle.is_empty() {
        write_bundle(dir, bundle_index, size, &bundle);
    }
    let (partial, root) = hasher.finish();
    for (id, hashes) in &partial {
        write_tile(dir, id, hashes);
    }
    let checkpoint = Checkpoint {
        origin: origin.to_string(),
        size,
        root,
        extensions: vec![],
    };
    let note = sign_checkpoint(&checkpoint, &log_signer(origin)).expect("sign checkpoint");
    std::fs::write(dir.join("checkpoint"), note).expect("write checkpoint");
    root
}

fn write_tile(dir: &Path, id: &TileId, hashes: &[Hash]) {
    let path = dir.join(id.path());
    std::fs::create_dir_all(path.parent().expect("tile path has a parent")).expect("mkdir");
    std::fs::write(path, hashes.concat()).expect("write tile");
}

fn write_bundle(dir: &Path, index: u64, size: u64, entries: &[Vec<u8>]) {
    let id = TileId::for_tree(0, index, size).expect("bundle within tree");
    let path = dir.join(id.entry_bundle_path());
    std::fs::create_dir_all(path.parent().expect("bundle path has a parent")).expect("mkdir");
    std::fs::write(
        path,
        tile::encode_entry_bundle(entries).expect("entries fit"),
    )
    .expect("write bundle");
}
