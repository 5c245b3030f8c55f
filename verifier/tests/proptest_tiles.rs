#![cfg(not(target_arch = "wasm32"))]
//! Property tests: for random tree sizes up to 100,000, roots and proofs built
//! from tiles (as `TileHasher` writes them) equal those of the full tree (an
//! RFC-recursive oracle, and for small trees `merkle::*_proof`) and verify; any flipped bit in a proof, in a tile the proof uses,
//! or in an entry bundle is detected.

use std::collections::BTreeMap;
use std::ops::Range;

use proptest::prelude::*;
use proptest::sample::Index;
use verifier::merkle::{self, Hash};
use verifier::tile::{
    ProofBuilder, TileHasher, TileId, decode_entry_bundle, encode_entry_bundle, tiles_for_tree,
};

/// A log of `n` leaves with every tile `TileHasher` writes for it, as bytes.
struct Log {
    leaves: Vec<Hash>,
    tiles: BTreeMap<TileId, Vec<u8>>,
    root: Hash,
}

/// Leaf `i`'s hash. Any 32 bytes serve for the tree's structure, so a cheap
/// distinct pseudo-random value (splitmix64) stands in for SHA-256 here: it
/// keeps the debug-build test fast (SHA-256 is most of its cost).
fn fake_leaf_hash(i: u64) -> Hash {
    let mut out = [0u8; 32];
    let mut x = i;
    for chunk in out.chunks_exact_mut(8) {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_be_bytes());
    }
    out
}

fn build_log(n: u64) -> Log {
    let leaves: Vec<Hash> = (0..n).map(fake_leaf_hash).collect();
    let mut hasher = TileHasher::new();
    let mut tiles = BTreeMap::new();
    for leaf in &leaves {
        for (id, hashes) in hasher.push(*leaf) {
            tiles.insert(id, hashes.concat());
        }
    }
    let (partial, root) = hasher.finish();
    for (id, hashes) in partial {
        tiles.insert(id, hashes.concat());
    }
    Log {
        leaves,
        tiles,
        root,
    }
}

/// The oracle: the full tree, every level stored, and RFC 6962 / RFC 9162
/// `MTH`, `PATH` and `SUBPROOF` written recursively from the RFC text —
/// independent of the iterative code under test, and O(log² n) per proof
/// once the levels are built.
struct FullTree {
    /// `levels[h][i]` = `MTH(D[i·2^h : (i+1)·2^h])`.
    levels: Vec<Vec<Hash>>,
}

impl FullTree {
    fn new(leaves: &[Hash]) -> FullTree {
        let mut levels = vec![leaves.to_vec()];
        while let Some(below) = levels.last().filter(|l| l.len() > 1) {
            let above = below
                .chunks_exact(2)
                .map(|p| merkle::node_hash(&p[0], &p[1]))
                .collect();
            levels.push(above);
        }
        FullTree { levels }
    }

    fn split(n: u64) -> u64 {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// `MTH(D[a:b])`.
    fn mth(&self, a: u64, b: u64) -> Hash {
        let len = b - a;
        if len == 0 {
            return merkle::empty_tree_root();
        }
        if len.is_power_of_two() && a.is_multiple_of(len) {
            let h = len.trailing_zeros() as usize;
            return self.levels[h][(a >> h) as usize];
        }
        let k = Self::split(len);
        merkle::node_hash(&self.mth(a, a + k), &self.mth(a + k, b))
    }

    /// `PATH(m, D[a:b])`.
    fn path(&self, m: u64, a: u64, b: u64) -> Vec<Hash> {
        if b - a <= 1 {
            return vec![];
        }
        let k = Self::split(b - a);
        let (mut p, sibling) = if m < k {
            (self.path(m, a, a + k), self.mth(a + k, b))
        } else {
            (self.path(m - k, a + k, b), self.mth(a, a + k))
        };
        p.push(sibling);
        p
    }

    /// `SUBPROOF(m, D[a:b], complete)`.
    fn subproof(&self, m: u64, a: u64, b: u64, complete: bool) -> Vec<Hash> {
        if m == b - a {
            return if complete {
                vec![]
            } else {
                vec![self.mth(a, b)]
            };
        }
        let k = Self::split(b - a);
        let (mut p, sibling) = if m <= k {
            (self.subproof(m, a, a + k, complete), self.mth(a + k, b))
        } else {
            (self.subproof(m - k, a + k, b, false), self.mth(a, a + k))
        };
        p.push(sibling);
        p
    }
}

/// A builder for the log's size holding `ids`, one of them possibly with a
/// bit flipped at `(byte, bit)`.
fn builder_with(log: &Log, ids: &[TileId], tamper: Option<(TileId, usize, u8)>) -> ProofBuilder {
    let mut builder = ProofBuilder::new(log.leaves.len() as u64);
    for id in ids {
        let mut bytes = log
            .tiles
            .get(id)
            .expect("the log published every named tile")
            .clone();
        if let Some((target, byte, bit)) = tamper
            && target == *id
        {
            bytes[byte] ^= 1 << bit;
        }
        builder.add_tile(*id, &bytes).expect("tile of this size");
    }
    builder
}

/// The leaf range `[start, end)` under hash `j` of tile `id`.
fn node_range(id: &TileId, j: usize) -> (u64, u64) {
    let span = 1u64 << (8 * u32::from(id.level));
    let start = (id.index * 256 + j as u64) * span;
    (start, start + span)
}

/// Whether hash `j` of tile `id` is one a proof made of `ranges` reads: its
/// node lies inside one proof range, and the tile's whole block does not (else
/// the hash one level up, in the tile above, stands for the block). Every
/// hash read must be checked by verification; any other hash must not change
/// the proof.
fn is_read(id: &TileId, j: usize, ranges: &[Range<u64>]) -> bool {
    let (start, end) = node_range(id, j);
    let block_span = 1u128 << (8 * (u32::from(id.level) + 1));
    let block_start = u128::from(id.index) * block_span;
    let block_end = block_start + block_span;
    ranges.iter().any(|r| {
        let inside = r.start <= start && end <= r.end;
        let block_inside = u128::from(r.start) <= block_start && block_end <= u128::from(r.end);
        inside && !block_inside
    })
}

/// Tree sizes: uniform up to 100,000, with tile boundaries over-represented.
fn tree_size() -> impl Strategy<Value = u64> {
    prop_oneof![
        2 => 1u64..=100_000,
        1 => 1u64..=4096,
        1 => prop::sample::select(vec![1u64, 2, 255, 256, 257, 511, 512, 65535, 65536, 65537]),
    ]
}

/// A tree size, a leaf index in it and an old size (1..=size) for consistency.
fn tree_and_points() -> impl Strategy<Value = (u64, u64, u64)> {
    tree_size().prop_flat_map(|n| (Just(n), 0..n, 1..=n))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn proofs_from_tiles_equal_full_tree_proofs_and_tampering_is_caught(
        (n, index, old) in tree_and_points(),
        pick_hash in any::<Index>(),
        pick_tile in any::<Index>(),
        pick_byte in any::<Index>(),
        bit in 0u8..8,
    ) {
        let log = build_log(n);
        let full = FullTree::new(&log.leaves);
        prop_assert_eq!(log.tiles.keys().copied().collect::<Vec<_>>(), {
            let mut all: Vec<TileId> = tiles_for_tree(n).collect();
            all.sort();
            all
        });
        // Every tile hash is the tree's node at that level and index.
        for (id, bytes) in &log.tiles {
            let level = &full.levels[8 * usize::from(id.level)];
            let start = id.index as usize * 256;
            prop_assert_eq!(bytes, &level[start..start + usize::from(id.width)].concat(), "{}", id);
        }
        prop_assert_eq!(log.root, full.mth(0, n));
        // The full-leaf-list API agrees too (O(n) per proof: small trees only).
        let small = n <= 4096;
        if small {
            prop_assert_eq!(log.root, merkle::tree_root(&log.leaves));
        }

        // Root from the tiles the builder names.
        let probe = ProofBuilder::new(n);
        let root = builder_with(&log, &probe.tiles_for_root(), None).root().expect("root from tiles");
        prop_assert_eq!(root, log.root);

        // Inclusion: equal to the full-tree proof, verifies, and a flipped bit fails.
        let inclusion_tiles = probe.tiles_for_inclusion(index).expect("index in tree");
        let leaf = log.leaves[index as usize];
        let proof = builder_with(&log, &inclusion_tiles, None).inclusion_proof(index).expect("tiles present");
        prop_assert_eq!(&proof, &full.path(index, 0, n));
        if small {
            prop_assert_eq!(&proof, &merkle::inclusion_proof(&log.leaves, index).expect("index in tree"));
        }
        prop_assert!(merkle::verify_inclusion(&leaf, index, n, &proof, &root).is_ok());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let i = pick_hash.index(bad.len());
            bad[i][pick_byte.index(32)] ^= 1 << bit;
            prop_assert!(merkle::verify_inclusion(&leaf, index, n, &bad, &root).is_err());
        }
        if !inclusion_tiles.is_empty() {
            let id = inclusion_tiles[pick_tile.index(inclusion_tiles.len())];
            let byte = pick_byte.index(usize::from(id.width) * 32);
            let tampered = builder_with(&log, &inclusion_tiles, Some((id, byte, bit)))
                .inclusion_proof(index)
                .expect("tiles present");
            let ranges = merkle::inclusion_proof_ranges(index, n).expect("index in tree");
            if !is_read(&id, byte / 32, &ranges) {
                // The leaf's own ancestor at that level: the verifier
                // recomputes it, the proof does not carry it.
                let (start, end) = node_range(&id, byte / 32);
                prop_assert!((start..end).contains(&index));
                prop_assert_eq!(&tampered, &proof);
            } else {
                prop_assert!(tampered != proof);
                prop_assert!(merkle::verify_inclusion(&leaf, index, n, &tampered, &root).is_err(),
                    "flipped {} byte {} bit {}", id, byte, bit);
            }
        }

        // Consistency: the same for a proof from `old` to `n`.
        let old_root = full.mth(0, old);
        let consistency_tiles = probe.tiles_for_consistency(old).expect("old size in tree");
        let proof = builder_with(&log, &consistency_tiles, None).consistency_proof(old).expect("tiles present");
        prop_assert_eq!(&proof, &full.subproof(old, 0, n, true));
        if small {
            prop_assert_eq!(&proof, &merkle::consistency_proof(&log.leaves, old).expect("old size in tree"));
        }
        prop_assert!(merkle::verify_consistency(old, n, &old_root, &root, &proof).is_ok());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let i = pick_hash.index(bad.len());
            bad[i][pick_byte.index(32)] ^= 1 << bit;
            prop_assert!(merkle::verify_consistency(old, n, &old_root, &root, &bad).is_err());
        }
        if !consistency_tiles.is_empty() {
            let id = consistency_tiles[pick_tile.index(consistency_tiles.len())];
            let byte = pick_byte.index(usize::from(id.width) * 32);
            let tampered = builder_with(&log, &consistency_tiles, Some((id, byte, bit)))
                .consistency_proof(old)
                .expect("tiles present");
            let ranges = merkle::consistency_proof_ranges(old, n).expect("old size in tree");
            if !is_read(&id, byte / 32, &ranges) {
                prop_assert_eq!(&tampered, &proof);
            } else {
                prop_assert!(tampered != proof);
                prop_assert!(merkle::verify_consistency(old, n, &old_root, &root, &tampered).is_err(),
                    "flipped {} byte {} bit {}", id, byte, bit);
            }
        }
    }

    #[test]
    fn flipped_entry_bundle_bits_are_detected(
        entries in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..=256),
        pick_byte in any::<Index>(),
        bit in 0u8..8,
    ) {
        let bytes = encode_entry_bundle(&entries).expect("entries fit");
        let decoded = decode_entry_bundle(&bytes).expect("own encoding decodes");
        prop_assert_eq!(&decoded, &entries.iter().map(|e| e.as_slice()).collect::<Vec<_>>());

        let mut bad = bytes.clone();
        bad[pick_byte.index(bytes.len())] ^= 1 << bit;
        if let Ok(tampered) = decode_entry_bundle(&bad) {
            prop_assert!(tampered != decoded);
            // Which the level-0 tile then catches: the leaf hashes differ.
            let hashes = |es: &[&[u8]]| es.iter().map(|e| merkle::leaf_hash(e)).collect::<Vec<_>>();
            prop_assert!(hashes(&tampered) != hashes(&decoded));
        }
    }
}
