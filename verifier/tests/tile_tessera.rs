#![cfg(not(target_arch = "wasm32"))]
//! Tiles, entry bundles and proofs against a real C2SP tiled log of 15
//! entries written by transparency-dev/tessera (`tests/data/tessera-log`),
//! with a checkpoint for every tree size. Signatures are not checked here
//! (that is the note/checkpoint tests' job); only the size and root lines.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use verifier::merkle::{self, Hash, ProofError};
use verifier::tile::{
    self, ProofBuilder, TileError, TileHasher, TileId, TilePath, decode_entry_bundle,
    encode_entry_bundle, parse_tile_path, tiles_for_tree,
};

/// The entries tessera's testdata log holds, in order (tests/data/README.md).
const ENTRIES: [&str; 15] = [
    "one", "two", "three", "four", "five", "six", "seven", "eit", "nain", "ten", "ileven", "twelf",
    "threeten", "fourten", "fivten",
];

fn log_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tessera-log")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(log_dir().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// The size and root of `checkpoint.N`, read minimally (lines 2 and 3).
fn checkpoint(n: u64) -> (u64, Hash) {
    let text = String::from_utf8(read(&format!("checkpoint.{n}"))).expect("UTF-8 checkpoint");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("example.com/log/testdata"),
        "origin of checkpoint.{n}"
    );
    let size = lines
        .next()
        .expect("size line")
        .parse()
        .expect("decimal size");
    let root = BASE64
        .decode(lines.next().expect("root line"))
        .expect("base64 root");
    (size, root.as_slice().try_into().expect("32-byte root"))
}

fn leaf_hashes(n: usize) -> Vec<Hash> {
    ENTRIES[..n]
        .iter()
        .map(|e| merkle::leaf_hash(e.as_bytes()))
        .collect()
}

/// A builder for size `n` holding every tile the log published at that size.
fn builder_at(n: u64) -> ProofBuilder {
    let mut builder = ProofBuilder::new(n);
    for id in tiles_for_tree(n) {
        builder
            .add_tile(id, &read(&id.path()))
            .expect("published tile fits");
    }
    builder
}

#[test]
fn checkpoints_cover_every_size_and_the_latest_is_size_15() {
    for n in 0..=15 {
        assert_eq!(checkpoint(n).0, n, "checkpoint.{n} names its size");
    }
    assert_eq!(read("checkpoint"), read("checkpoint.15"));
    assert_eq!(checkpoint(0).1, merkle::empty_tree_root());
    assert_eq!(
        ProofBuilder::new(0).root().expect("empty tree"),
        merkle::empty_tree_root()
    );
}

#[test]
fn entry_bundles_decode_to_the_logged_entries() {
    for n in 1..=15usize {
        let id = TileId::for_tree(0, 0, n as u64).expect("one bundle");
        assert_eq!(id.entry_bundle_path(), format!("tile/entries/000.p/{n}"));
        let bytes = read(&id.entry_bundle_path());
        let entries = decode_entry_bundle(&bytes).expect("tessera's bundle decodes");
        assert_eq!(entries.len(), usize::from(id.width));
        let expected: Vec<&[u8]> = ENTRIES[..n].iter().map(|e| e.as_bytes()).collect();
        assert_eq!(entries, expected, "bundle of size {n}");
        assert_eq!(
            encode_entry_bundle(&entries).expect("encodes"),
            bytes,
            "re-encoding size {n}"
        );
    }
}

#[test]
fn tile_hasher_recomputes_tessera_tiles_and_roots() {
    for n in 0..=15u64 {
        let mut hasher = TileHasher::new();
        for leaf in leaf_hashes(n as usize) {
            assert!(
                hasher.push(leaf).is_empty(),
                "no full tile in a 15-entry log"
            );
        }
        let (partial, root) = hasher.finish();
        assert_eq!(root, checkpoint(n).1, "root of checkpoint.{n}");
        let published: Vec<TileId> = tiles_for_tree(n).collect();
        assert_eq!(
            partial.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            published,
            "size {n}"
        );
        for (id, hashes) in &partial {
            assert_eq!(id.path(), format!("tile/0/000.p/{n}"));
            assert_eq!(hashes.concat(), read(&id.path()), "{id} recomputed");
        }
    }
}

#[test]
fn roots_from_tiles_match_every_checkpoint() {
    for n in 1..=15u64 {
        let builder = ProofBuilder::new(n);
        let needed = builder.tiles_for_root();
        assert_eq!(needed, vec![TileId::for_tree(0, 0, n).expect("tile")]);
        assert_eq!(
            builder_at(n).root().expect("root from tiles"),
            checkpoint(n).1,
            "checkpoint.{n}"
        );
    }
}

#[test]
fn consistency_proofs_from_tiles_verify_between_all_checkpoints() {
    let newest = builder_at(15);
    let (_, root15) = checkpoint(15);
    for n in 1..=15u64 {
        let (_, root_n) = checkpoint(n);
        let at_n = builder_at(n);
        for m in 1..=n {
            let (_, root_m) = checkpoint(m);
            // Built from the tiles published at size n …
            let proof = at_n.consistency_proof(m).expect("proof from tiles");
            assert_eq!(
                proof,
                merkle::consistency_proof(&leaf_hashes(n as usize), m).expect("full tree")
            );
            merkle::verify_consistency(m, n, &root_m, &root_n, &proof)
                .unwrap_or_else(|e| panic!("checkpoint.{m} -> checkpoint.{n}: {e}"));
        }
        // … and from the size-15 tiles to the latest checkpoint.
        let proof = newest
            .consistency_proof(n)
            .expect("proof from size-15 tiles");
        merkle::verify_consistency(n, 15, &root_n, &root15, &proof)
            .unwrap_or_else(|e| panic!("checkpoint.{n} -> checkpoint.15: {e}"));
        if n < 15 {
            // Against the wrong old checkpoint it fails.
            let (_, other) = checkpoint(n + 1);
            assert!(merkle::verify_consistency(n, 15, &other, &root15, &proof).is_err());
        }
    }
    // From the empty tree there is no proof (transparency-dev/merkle vectors).
    assert_eq!(
        newest.consistency_proof(0),
        Err(TileError::Proof(ProofError::EmptyOldTree { new_size: 15 }))
    );
}

#[test]
fn inclusion_proofs_from_tiles_verify_for_every_entry() {
    for n in 1..=15u64 {
        let builder = builder_at(n);
        let (_, root) = checkpoint(n);
        for (i, entry) in ENTRIES[..n as usize].iter().enumerate() {
            let i = i as u64;
            // A one-leaf tree's proof is empty; otherwise it needs the one tile.
            let needed = if n == 1 {
                vec![]
            } else {
                builder.tiles_for_root()
            };
            assert_eq!(builder.tiles_for_inclusion(i).expect("in tree"), needed);
            let proof = builder.inclusion_proof(i).expect("proof from tiles");
            merkle::verify_inclusion(&merkle::leaf_hash(entry.as_bytes()), i, n, &proof, &root)
                .unwrap_or_else(|e| panic!("entry {i} in checkpoint.{n}: {e}"));
            // A different entry at that index does not verify.
            assert!(
                merkle::verify_inclusion(&merkle::leaf_hash(b"forged"), i, n, &proof, &root)
                    .is_err()
            );
        }
        assert!(builder.inclusion_proof(n).is_err());
    }
}

#[test]
fn a_tampered_tile_is_caught_by_verification() {
    let (_, root) = checkpoint(15);
    let id = TileId::for_tree(0, 0, 15).expect("tile");
    let good = read(&id.path());
    for byte in (0..good.len()).step_by(7) {
        let mut bad = good.clone();
        bad[byte] ^= 0x10;
        let mut builder = ProofBuilder::new(15);
        builder.add_tile(id, &bad).expect("right length");
        assert_ne!(builder.root().expect("root"), root, "byte {byte}");
        let touched = (byte / 32) as u64;
        for i in (0..15).filter(|i| *i != touched) {
            let proof = builder.inclusion_proof(i).expect("proof");
            let leaf = merkle::leaf_hash(ENTRIES[i as usize].as_bytes());
            assert!(
                merkle::verify_inclusion(&leaf, i, 15, &proof, &root).is_err(),
                "byte {byte}, entry {i}"
            );
        }
    }
    // A tile of the wrong length or for another size is refused outright.
    let mut builder = ProofBuilder::new(15);
    assert!(builder.add_tile(id, &good[1..]).is_err());
    let older = TileId::for_tree(0, 0, 14).expect("tile");
    let err = builder
        .add_tile(older, &read(&older.path()))
        .expect_err("wrong size");
    assert_eq!(
        err.to_string(),
        "tile/0/000.p/14 is not a tile of the tree of size 15 (at that size, that tile is tile/0/000.p/15)"
    );
}

/// Every file tessera wrote under `tile/` parses as a tile path and formats
/// back to itself.
#[test]
fn tessera_paths_parse() {
    let mut seen = BTreeSet::new();
    let mut stack = vec![log_dir().join("tile")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(log_dir())
                .expect("inside log")
                .to_str()
                .expect("UTF-8")
                .to_string();
            let formatted = match parse_tile_path(&rel).unwrap_or_else(|e| panic!("{rel}: {e}")) {
                TilePath::Hashes(id) => id.path(),
                TilePath::EntryBundle { index, width } => TileId {
                    level: 0,
                    index,
                    width,
                }
                .entry_bundle_path(),
            };
            assert_eq!(formatted, rel);
            assert_eq!(
                parse_tile_path(&format!("/{rel}")).expect("leading slash"),
                parse_tile_path(&rel).expect("ok")
            );
            seen.insert(rel);
        }
    }
    assert_eq!(seen.len(), 30, "15 tiles and 15 bundles");
    for n in 1..=15u64 {
        for id in tile::tiles_for_tree(n) {
            assert!(seen.contains(&id.path()), "{id} published");
            assert!(
                seen.contains(&id.entry_bundle_path()),
                "{} published",
                id.entry_bundle_path()
            );
        }
    }
}
