//! C2SP `tlog-tiles` v0.1.0: tile addressing, hash tiles, entry bundles, and
//! proofs built from tiles alone.
//!
//! A tiled log publishes its Merkle tree as *tiles*: a tile at level `L`,
//! index `N` holds the hashes at tree level `8·L` with indices
//! `256·N … 256·N + W − 1` (at level 0, the leaf hashes), concatenated, 32
//! bytes each. A tile of fewer than 256 hashes is *partial* and is named with
//! a `.p/<W>` suffix. For a tree of size `s`, tile `(L, N)` has width
//! `min(256, ⌊s / 256^L⌋ − 256·N)`; a tile of width 0 does not exist. The
//! entries themselves are published as *entry bundles*, one per level-0 tile:
//! each entry is a big-endian `u16` length followed by that many bytes.
//!
//! Everything here is sans-IO: [`ProofBuilder`] *names* the tiles it needs,
//! the caller fetches them however it likes and hands the bytes back.
//! [`TileHasher`] goes the other way, turning a stream of leaf hashes into
//! every tile of the log in bounded memory (for a log writer, or for an
//! auditor that recomputes and compares every stored tile).
//!
//! Nothing in this module verifies anything against a signed checkpoint: a
//! root or proof built from tiles is only as good as the tiles. Callers verify
//! it with [`crate::merkle::verify_inclusion`] /
//! [`crate::merkle::verify_consistency`] against a checkpoint whose signature
//! they checked; a lying tile then yields a proof that fails verification.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;

use crate::merkle::{self, Hash, ProofError};

/// Height of a tile: each tile spans 8 levels of the tree.
pub const TILE_HEIGHT: u32 = 8;
/// Number of hashes in a full tile (2^[`TILE_HEIGHT`]), and of entries in a full entry bundle.
pub const TILE_WIDTH: u64 = 256;
/// Bytes per hash in a tile.
pub const HASH_SIZE: usize = 32;
/// The largest level a tile path may name (C2SP: "between 0 and 63").
pub const MAX_LEVEL: u8 = 63;
/// The largest entry an entry bundle can hold (its length is a `u16`).
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// What is wrong with a tile path, a tile, an entry bundle or a request to
/// build a proof from tiles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// A tile or entry bundle path is not in the canonical C2SP form.
    #[error("tile path {path:?}: {reason}")]
    BadPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A [`TileId`] whose width is not 1 to 256.
    #[error("tile width {width} is not between 1 and 256")]
    InvalidWidth {
        /// The width given.
        width: u16,
    },
    /// A hash tile does not have `width × 32` bytes.
    #[error(
        "{path} is {got} bytes; a tile of width {width} is {expected} bytes ({width} hashes of 32 bytes)"
    )]
    TileLength {
        /// The tile's path.
        path: String,
        /// The tile's width.
        width: u16,
        /// `width × 32`.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A tile that the tree of this size does not publish (wrong width, or
    /// beyond the tree).
    #[error("{path} is not a tile of the tree of size {tree_size}{}", not_in_tree_hint(.expected))]
    NotInTree {
        /// The tile's path.
        path: String,
        /// The tree size the builder works at.
        tree_size: u64,
        /// The path of the tile at that level and index for this tree size, if any.
        expected: Option<String>,
    },
    /// A tile needed to compute a hash was not added to the builder.
    #[error("tile {path} is needed for the tree of size {tree_size} but was not added")]
    MissingTile {
        /// The path of the missing tile.
        path: String,
        /// The tree size the builder works at.
        tree_size: u64,
    },
    /// An entry is too long for its `u16` length prefix.
    #[error("entry {index} is {len} bytes; an entry bundle holds entries of at most 65535 bytes")]
    EntryTooLarge {
        /// Position of the entry in the bundle.
        index: usize,
        /// Its length.
        len: usize,
    },
    /// An entry bundle with no entries, or more than 256.
    #[error("an entry bundle holds 1 to 256 entries, not {count}")]
    BundleSize {
        /// The number of entries given or found.
        count: usize,
    },
    /// An entry bundle ends in the middle of an entry.
    #[error(
        "entry bundle is truncated: entry {entry} at byte offset {offset} needs {needed} bytes \
         of {what}, only {available} remain"
    )]
    BundleTruncated {
        /// Position of the entry in the bundle.
        entry: usize,
        /// Byte offset where the missing part starts.
        offset: usize,
        /// What is missing: "length prefix" or "entry data".
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// Bytes follow the 256th entry of a bundle.
    #[error(
        "entry bundle has {extra} bytes after its 256th entry (at byte offset {offset}); a bundle holds at most 256 entries"
    )]
    BundleTrailingBytes {
        /// Byte offset of the first extra byte.
        offset: usize,
        /// How many bytes follow.
        extra: usize,
    },
    /// A proof that cannot exist for these sizes (index out of range, …).
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// [`TileHasher::resume`] was given tiles that are not the partial tiles
    /// of the tree of that size.
    #[error("cannot resume tile hashing at tree size {tree_size}: {reason}")]
    BadResume {
        /// The tree size to resume at.
        tree_size: u64,
        /// What does not fit.
        reason: String,
    },
}

fn not_in_tree_hint(expected: &Option<String>) -> String {
    match expected {
        Some(path) => format!(" (at that size, that tile is {path})"),
        None => " (the tree has no tile at that level and index)".to_string(),
    }
}

/// One hash tile: level, index and width (1 to 256).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Tile level: the tile holds hashes at tree level `8 × level`.
    pub level: u8,
    /// Index of the tile within its level.
    pub index: u64,
    /// Number of hashes, 1 to 256; below 256 the tile is partial.
    pub width: u16,
}

impl TileId {
    /// The tile at `level`, `index` as published for a tree of `tree_size`
    /// (its width at that size), or `None` if that tree has no such tile.
    pub fn for_tree(level: u8, index: u64, tree_size: u64) -> Option<TileId> {
        // Hashes stored at tree level 8·level: one per full 256^level leaves.
        let nodes = tree_size.checked_shr(TILE_HEIGHT * u32::from(level))?;
        let start = index.checked_mul(TILE_WIDTH)?;
        let width = nodes.checked_sub(start).filter(|w| *w > 0)?.min(TILE_WIDTH);
        Some(TileId {
            level,
            index,
            width: u16::try_from(width).ok()?,
        })
    }

    /// Whether the tile has fewer than 256 hashes.
    pub fn is_partial(&self) -> bool {
        u64::from(self.width) < TILE_WIDTH
    }

    /// The tile's path, `tile/<L>/<N>[.p/<W>]`, without a leading slash
    /// (e.g. `tile/0/x001/x234/067.p/5`).
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}{}",
            self.level,
            encode_tile_index(self.index),
            PartialSuffix(self.width)
        )
    }

    /// The path of the entry bundle with this tile's index and width,
    /// `tile/entries/<N>[.p/<W>]` (the bundle whose entries hash to the
    /// level-0 tile with the same index). The level is ignored.
    pub fn entry_bundle_path(&self) -> String {
        format!(
            "tile/entries/{}{}",
            encode_tile_index(self.index),
            PartialSuffix(self.width)
        )
    }

    /// The first leaf index under this tile: `index × 256^(level+1)`
    /// (saturating for tiles beyond any 64-bit tree).
    pub fn start_leaf(&self) -> u64 {
        let shift = TILE_HEIGHT * (u32::from(self.level) + 1);
        self.index
            .checked_shl(shift)
            .filter(|v| v >> shift == self.index)
            .unwrap_or(u64::MAX)
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Formats the `.p/<W>` suffix of a partial tile (nothing for a full one).
struct PartialSuffix(u16);

impl fmt::Display for PartialSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if u64::from(self.0) < TILE_WIDTH {
            write!(f, ".p/{}", self.0)
        } else {
            Ok(())
        }
    }
}

/// Encodes a tile index as C2SP path elements: 3-digit zero-padded groups,
/// all but the last prefixed with `x` (0 → `000`, 1234067 → `x001/x234/067`).
pub fn encode_tile_index(n: u64) -> String {
    let mut groups = Vec::with_capacity(7);
    let mut rest = n;
    loop {
        groups.push(rest % 1000);
        rest /= 1000;
        if rest == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(groups.len() * 5);
    for (i, group) in groups.iter().rev().enumerate() {
        if i + 1 < groups.len() {
            out.push_str(&format!("x{group:03}/"));
        } else {
            out.push_str(&format!("{group:03}"));
        }
    }
    out
}

/// A parsed tile path: a hash tile or an entry bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`.
    Hashes(TileId),
    /// `tile/entries/<N>[.p/<W>]`.
    EntryBundle {
        /// Index of the bundle (entries `256·index …`).
        index: u64,
        /// Number of entries, 1 to 256.
        width: u16,
    },
}

/// Parses a tile or entry bundle path strictly: only the canonical form that
/// [`TileId::path`] / [`TileId::entry_bundle_path`] produce is accepted, with
/// or without one leading `/`. Level is 0 to 63 without leading zeros; index
/// groups are exactly 3 digits, `x`-prefixed on all but the last, with no
/// leading `x000` group; a partial width is 1 to 255 without leading zeros.
pub fn parse_tile_path(path: &str) -> Result<TilePath, TileError> {
    let bad = |reason: String| TileError::BadPath {
        path: path.to_string(),
        reason,
    };
    let p = path.strip_prefix('/').unwrap_or(path);
    let rest = p
        .strip_prefix("tile/")
        .ok_or_else(|| bad("does not start with \"tile/\"".into()))?;
    let (kind, rest) = rest
        .split_once('/')
        .ok_or_else(|| bad("has no tile index after the level".into()))?;
    let level = if kind == "entries" {
        None
    } else {
        Some(parse_level(kind).map_err(bad)?)
    };
    let (index_part, width) = match rest.rsplit_once(".p/") {
        Some((index_part, width)) => (index_part, parse_partial_width(width).map_err(bad)?),
        None => (rest, TILE_WIDTH as u16),
    };
    let index = parse_tile_index(index_part).map_err(bad)?;
    Ok(match level {
        Some(level) => TilePath::Hashes(TileId {
            level,
            index,
            width,
        }),
        None => TilePath::EntryBundle { index, width },
    })
}

/// Whether `s` is a non-empty run of ASCII digits.
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_level(s: &str) -> Result<u8, String> {
    if !all_digits(s) {
        return Err(format!("level {s:?} is not a decimal number"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("level {s:?} has a leading zero"));
    }
    match s.parse::<u8>() {
        Ok(level) if level <= MAX_LEVEL => Ok(level),
        _ => Err(format!("level {s} is larger than {MAX_LEVEL}")),
    }
}

fn parse_partial_width(s: &str) -> Result<u16, String> {
    if !all_digits(s) {
        return Err(format!("partial width {s:?} is not a decimal number"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("partial width {s:?} has a leading zero"));
    }
    match s.parse::<u16>() {
        Ok(w) if (1..TILE_WIDTH as u16).contains(&w) => Ok(w),
        _ => Err(format!(
            "partial width {s} is not between 1 and 255 (a full tile has no .p/ suffix)"
        )),
    }
}

fn parse_tile_index(s: &str) -> Result<u64, String> {
    let groups: Vec<&str> = s.split('/').collect();
    let last = groups.len() - 1;
    let mut n: u64 = 0;
    for (i, group) in groups.iter().enumerate() {
        let digits = if i < last {
            group.strip_prefix('x').ok_or_else(|| {
                format!("index element {group:?} must start with 'x' (all but the last element do)")
            })?
        } else {
            if group.starts_with('x') {
                return Err(format!(
                    "the last index element {group:?} must not start with 'x'"
                ));
            }
            group
        };
        if digits.len() != 3 || !all_digits(digits) {
            return Err(format!(
                "index element {group:?} is not exactly 3 decimal digits"
            ));
        }
        if i == 0 && i < last && digits == "000" {
            return Err(format!("index element {group:?} is a leading zero group"));
        }
        let value: u64 = digits
            .parse()
            .map_err(|_| format!("index element {group:?} is not a number"))?;
        n = n
            .checked_mul(1000)
            .and_then(|n| n.checked_add(value))
            .ok_or_else(|| format!("index {s:?} does not fit in 64 bits"))?;
    }
    Ok(n)
}

/// Every tile (at every level) that a tree of `tree_size` publishes, level by
/// level, by index: the full tiles and the partial tile, if any, of each level.
pub fn tiles_for_tree(tree_size: u64) -> impl Iterator<Item = TileId> {
    (0u8..)
        .map_while(move |level| {
            let nodes = tree_size.checked_shr(TILE_HEIGHT * u32::from(level))?;
            (nodes > 0).then_some((level, nodes))
        })
        .flat_map(move |(level, nodes)| {
            (0..nodes.div_ceil(TILE_WIDTH))
                .filter_map(move |index| TileId::for_tree(level, index, tree_size))
        })
}

/// Splits a hash tile's bytes into its hashes; the length must be exactly
/// `width × 32`.
pub fn parse_hash_tile(id: &TileId, bytes: &[u8]) -> Result<Vec<Hash>, TileError> {
    if id.width == 0 || u64::from(id.width) > TILE_WIDTH {
        return Err(TileError::InvalidWidth { width: id.width });
    }
    let expected = usize::from(id.width) * HASH_SIZE;
    if bytes.len() != expected {
        return Err(TileError::TileLength {
            path: id.path(),
            width: id.width,
            expected,
            got: bytes.len(),
        });
    }
    Ok(bytes
        .chunks_exact(HASH_SIZE)
        .map(|chunk| {
            let mut hash = [0u8; HASH_SIZE];
            hash.copy_from_slice(chunk);
            hash
        })
        .collect())
}

/// Encodes an entry bundle: each entry as a big-endian `u16` length and its
/// bytes. A bundle holds 1 to 256 entries of at most 65,535 bytes each.
pub fn encode_entry_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    if entries.is_empty() || entries.len() as u64 > TILE_WIDTH {
        return Err(TileError::BundleSize {
            count: entries.len(),
        });
    }
    let total: usize = entries.iter().map(|e| 2 + e.as_ref().len()).sum();
    let mut out = Vec::with_capacity(total);
    for (index, entry) in entries.iter().enumerate() {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLarge {
            index,
            len: entry.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Decodes an entry bundle strictly: 1 to 256 entries, each a big-endian
/// `u16` length and exactly that many bytes; a truncated entry or bytes after
/// the 256th entry are errors. The entries borrow from `bytes`.
///
/// The caller checks the number of entries against the bundle's width (a
/// bundle of width W holds exactly W entries) and the entries against the
/// level-0 tile or proofs.
pub fn decode_entry_bundle(bytes: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let mut entries = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        if entries.len() as u64 == TILE_WIDTH {
            return Err(TileError::BundleTrailingBytes {
                offset,
                extra: bytes.len() - offset,
            });
        }
        let rest = &bytes[offset..];
        let Some((len, data)) = rest.split_first_chunk::<2>() else {
            return Err(TileError::BundleTruncated {
                entry: entries.len(),
                offset,
                what: "length prefix",
                needed: 2,
                available: rest.len(),
            });
        };
        let len = usize::from(u16::from_be_bytes(*len));
        let Some(entry) = data.get(..len) else {
            return Err(TileError::BundleTruncated {
                entry: entries.len(),
                offset: offset + 2,
                what: "entry data",
                needed: len,
                available: data.len(),
            });
        };
        entries.push(entry);
        offset += 2 + len;
    }
    if entries.is_empty() {
        return Err(TileError::BundleSize { count: 0 });
    }
    Ok(entries)
}

/// A tile and its hashes, as [`TileHasher`] hands them out.
pub type TileHashes = (TileId, Vec<Hash>);

/// Streaming, sans-IO computation of every tile of a log in bounded memory.
///
/// Push leaf hashes in order; each push hands back the tiles (at every level)
/// that this leaf completed — usually none, so the hot path does not
/// allocate. [`finish`](TileHasher::finish) returns the partial tiles of the
/// final tree and its root. Memory is one row of at most 255 hashes per level
/// (at most 8 levels for a 64-bit tree size): the right edge of the tree,
/// which is exactly its partial tiles — so a writer can also
/// [`resume`](TileHasher::resume) from the partial tiles it published.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TileHasher {
    size: u64,
    /// `rows[L]`: the hashes at tree level 8·L not yet part of a full tile.
    rows: Vec<Vec<Hash>>,
}

impl TileHasher {
    /// A hasher for an empty log.
    pub fn new() -> TileHasher {
        TileHasher::default()
    }

    /// A hasher that continues a log of `tree_size` leaves, given the partial
    /// tiles of that tree (as [`finish`](TileHasher::finish) or
    /// [`partial_tiles`](TileHasher::partial_tiles) return them, in any order).
    /// Every partial tile the tree has must be given, and nothing else.
    pub fn resume(
        tree_size: u64,
        partial_tiles: impl IntoIterator<Item = TileHashes>,
    ) -> Result<TileHasher, TileError> {
        let bad = |reason: String| TileError::BadResume { tree_size, reason };
        let mut given: BTreeMap<u8, TileHashes> = BTreeMap::new();
        for (id, hashes) in partial_tiles {
            if given.insert(id.level, (id, hashes)).is_some() {
                return Err(bad(format!("two partial tiles at level {}", id.level)));
            }
        }
        let mut rows = Vec::new();
        for (level, id) in partial_tile_ids(tree_size) {
            let row = match id {
                None => Vec::with_capacity(TILE_WIDTH as usize),
                Some(id) => {
                    let (given_id, hashes) = given
                        .remove(&level)
                        .ok_or_else(|| bad(format!("the partial tile {} is missing", id.path())))?;
                    if given_id != id {
                        return Err(bad(format!(
                            "{} was given where the tree has {}",
                            given_id.path(),
                            id.path()
                        )));
                    }
                    if hashes.len() != usize::from(id.width) {
                        return Err(bad(format!(
                            "{} has {} hashes, not {}",
                            id.path(),
                            hashes.len(),
                            id.width
                        )));
                    }
                    let mut row = Vec::with_capacity(TILE_WIDTH as usize);
                    row.extend_from_slice(&hashes);
                    row
                }
            };
            rows.push(row);
        }
        if let Some((_, (id, _))) = given.into_iter().next() {
            return Err(bad(format!(
                "{} is not a partial tile of this tree",
                id.path()
            )));
        }
        Ok(TileHasher {
            size: tree_size,
            rows,
        })
    }

    /// The number of leaves pushed (or resumed at).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash; returns the full tiles this leaf completed, lowest
    /// level first (a leaf completes a level-`L` tile every 256^(L+1) leaves).
    ///
    /// # Panics
    /// If the log already holds `u64::MAX` leaves.
    pub fn push(&mut self, leaf_hash: Hash) -> Vec<TileHashes> {
        self.size = self
            .size
            .checked_add(1)
            .expect("a log holds fewer than 2^64 leaves");
        let mut completed = Vec::new();
        let mut hash = leaf_hash;
        let mut level = 0usize;
        loop {
            if level == self.rows.len() {
                self.rows.push(Vec::with_capacity(TILE_WIDTH as usize));
            }
            let row = &mut self.rows[level];
            row.push(hash);
            if (row.len() as u64) < TILE_WIDTH {
                break;
            }
            // A full tile: hand it out and carry its root (the hash at tree
            // level 8·(L+1)) into the row above.
            let hashes = std::mem::replace(row, Vec::with_capacity(TILE_WIDTH as usize));
            hash = merkle::perfect_subtree_root(&hashes);
            let shift = TILE_HEIGHT * (level as u32 + 1);
            let id = TileId {
                level: level as u8,
                index: (self.size >> shift) - 1,
                width: TILE_WIDTH as u16,
            };
            completed.push((id, hashes));
            level += 1;
        }
        completed
    }

    /// The partial tiles of the tree so far (one per level whose row is not
    /// empty), lowest level first.
    pub fn partial_tiles(&self) -> Vec<TileHashes> {
        partial_tile_ids(self.size)
            .filter_map(|(level, id)| {
                let row = self.rows.get(usize::from(level))?;
                Some((id?, row.clone()))
            })
            .collect()
    }

    /// The root of the tree so far ([`merkle::empty_tree_root`] when empty).
    pub fn root(&self) -> Hash {
        // The rows, top level first, cover the leaves left to right; within a
        // row the binary decomposition of its width gives perfect subtrees of
        // decreasing size. Together: the compact range of the whole tree.
        let mut subtrees = Vec::with_capacity(64);
        for row in self.rows.iter().rev() {
            let mut builder = merkle::RootBuilder::new();
            row.iter().for_each(|h| builder.push(*h));
            subtrees.extend_from_slice(builder.perfect_subtrees());
        }
        merkle::fold_right(&subtrees)
    }

    /// The partial tiles of the final tree, lowest level first, and its root.
    pub fn finish(self) -> (Vec<TileHashes>, Hash) {
        (self.partial_tiles(), self.root())
    }
}

/// For each level that has hashes at `tree_size`, the partial tile of that
/// level if it has one.
fn partial_tile_ids(tree_size: u64) -> impl Iterator<Item = (u8, Option<TileId>)> {
    (0u8..)
        .map_while(move |level| {
            let nodes = tree_size.checked_shr(TILE_HEIGHT * u32::from(level))?;
            (nodes > 0).then_some((level, nodes))
        })
        .map(move |(level, nodes)| {
            let id = (nodes % TILE_WIDTH != 0)
                .then(|| TileId::for_tree(level, nodes / TILE_WIDTH, tree_size))
                .flatten();
            (level, id)
        })
}

/// The maximal perfect subtrees `(height, index)` covering the leaf range
/// `[start, end)`, left to right. For the ranges RFC 6962 proofs use (whose
/// start is aligned to a power of two larger than the range) they decrease
/// in size, and folding them from the right gives `MTH(D[start:end])`.
fn perfect_subtrees(range: Range<u64>) -> impl Iterator<Item = (u32, u64)> {
    let (mut start, end) = (range.start, range.end);
    std::iter::from_fn(move || {
        if start >= end {
            return None;
        }
        let align = if start == 0 {
            63
        } else {
            start.trailing_zeros()
        };
        let fits = 63 - (end - start).leading_zeros();
        let height = align.min(fits);
        let index = start >> height;
        start += 1 << height;
        Some((height, index))
    })
}

/// Where the hashes of the perfect subtree `(height, index)` live: the tile
/// at level `height / 8`, and the `2^(height % 8)` hashes from `offset` in it
/// whose perfect-subtree root it is.
fn subtree_location(height: u32, index: u64) -> (u8, u64, usize, usize) {
    let level = height / TILE_HEIGHT;
    let rise = height % TILE_HEIGHT;
    let first = index << rise;
    let tile_index = first >> TILE_HEIGHT;
    let offset = (first % TILE_WIDTH) as usize;
    (level as u8, tile_index, offset, 1 << rise)
}

/// Sans-IO proof builder for a tree of one size, working from its tiles.
///
/// 1. Ask which tiles a root or proof needs
///    ([`tiles_for_root`](ProofBuilder::tiles_for_root),
///    [`tiles_for_inclusion`](ProofBuilder::tiles_for_inclusion),
///    [`tiles_for_consistency`](ProofBuilder::tiles_for_consistency)).
/// 2. Fetch them (as published at this tree size) and
///    [`add_tile`](ProofBuilder::add_tile) their bytes.
/// 3. Build the root or the proof.
///
/// Every proof hash is `MTH` of a leaf range (see
/// [`merkle::inclusion_proof_ranges`]); the range splits into maximal perfect
/// subtrees, and a perfect subtree of height `h` is either stored in a tile
/// of level `h / 8` (when `h % 8 == 0`) or recomputed from the `2^(h % 8)`
/// hashes it covers there. The proofs are therefore byte-identical to
/// [`merkle::inclusion_proof`] / [`merkle::consistency_proof`] over the full
/// leaf list.
///
/// The builder trusts its tiles and verifies nothing: verify its output with
/// [`merkle::verify_inclusion`] / [`merkle::verify_consistency`] against a
/// signed checkpoint. A lying tile yields a proof (or root) that fails that
/// verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofBuilder {
    tree_size: u64,
    /// Tiles added, by (level, index); their widths are this tree size's.
    tiles: BTreeMap<(u8, u64), Vec<Hash>>,
}

impl ProofBuilder {
    /// A builder for the tree of `tree_size`, with no tiles yet.
    pub fn new(tree_size: u64) -> ProofBuilder {
        ProofBuilder {
            tree_size,
            tiles: BTreeMap::new(),
        }
    }

    /// The tree size this builder works at.
    pub fn tree_size(&self) -> u64 {
        self.tree_size
    }

    /// The tiles needed to compute the tree's root (none for the empty tree).
    pub fn tiles_for_root(&self) -> Vec<TileId> {
        self.tiles_for_ranges(std::iter::once(0..self.tree_size))
    }

    /// The tiles needed for the inclusion proof of leaf `index`.
    pub fn tiles_for_inclusion(&self, index: u64) -> Result<Vec<TileId>, TileError> {
        let ranges = merkle::inclusion_proof_ranges(index, self.tree_size)?;
        Ok(self.tiles_for_ranges(ranges))
    }

    /// The tiles needed for the consistency proof from `old_size` to this
    /// tree's size.
    pub fn tiles_for_consistency(&self, old_size: u64) -> Result<Vec<TileId>, TileError> {
        let ranges = merkle::consistency_proof_ranges(old_size, self.tree_size)?;
        Ok(self.tiles_for_ranges(ranges))
    }

    fn tiles_for_ranges(&self, ranges: impl IntoIterator<Item = Range<u64>>) -> Vec<TileId> {
        let mut tiles = BTreeSet::new();
        for range in ranges {
            for (height, index) in perfect_subtrees(range) {
                let (level, tile_index, _, _) = subtree_location(height, index);
                tiles.extend(TileId::for_tree(level, tile_index, self.tree_size));
            }
        }
        tiles.into_iter().collect()
    }

    /// Adds a tile's bytes. The tile must be one this tree size publishes
    /// (right level, index and width) and have exactly `width × 32` bytes.
    /// Adding a tile again replaces it.
    pub fn add_tile(&mut self, id: TileId, bytes: &[u8]) -> Result<(), TileError> {
        let expected = TileId::for_tree(id.level, id.index, self.tree_size);
        if expected != Some(id) {
            return Err(TileError::NotInTree {
                path: id.path(),
                tree_size: self.tree_size,
                expected: expected.map(|e| e.path()),
            });
        }
        let hashes = parse_hash_tile(&id, bytes)?;
        self.tiles.insert((id.level, id.index), hashes);
        Ok(())
    }

    /// The root of the tree, from its tiles.
    pub fn root(&self) -> Result<Hash, TileError> {
        self.range_hash(0..self.tree_size)
    }

    /// The inclusion proof of leaf `index`, from tiles.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Hash>, TileError> {
        merkle::inclusion_proof_ranges(index, self.tree_size)?
            .into_iter()
            .map(|range| self.range_hash(range))
            .collect()
    }

    /// The consistency proof from `old_size` to this tree's size, from tiles.
    pub fn consistency_proof(&self, old_size: u64) -> Result<Vec<Hash>, TileError> {
        merkle::consistency_proof_ranges(old_size, self.tree_size)?
            .into_iter()
            .map(|range| self.range_hash(range))
            .collect()
    }

    /// `MTH(D[start:end])` for a range that is a node of this tree (or the
    /// whole tree), from tiles.
    fn range_hash(&self, range: Range<u64>) -> Result<Hash, TileError> {
        let subtrees = perfect_subtrees(range)
            .map(|(height, index)| self.subtree_hash(height, index))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(merkle::fold_right(&subtrees))
    }

    /// The root of the perfect subtree `(height, index)`, from its tile.
    fn subtree_hash(&self, height: u32, index: u64) -> Result<Hash, TileError> {
        let (level, tile_index, offset, count) = subtree_location(height, index);
        let missing = || TileError::MissingTile {
            path: TileId::for_tree(level, tile_index, self.tree_size)
                .map(|id| id.path())
                .unwrap_or_else(|| format!("tile/{level}/{}", encode_tile_index(tile_index))),
            tree_size: self.tree_size,
        };
        let tile = self.tiles.get(&(level, tile_index)).ok_or_else(missing)?;
        let hashes = tile.get(offset..offset + count).ok_or_else(missing)?;
        Ok(merkle::perfect_subtree_root(hashes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
            .collect()
    }

    /// All tiles of a tree of `n` leaves, computed by TileHasher.
    fn hashed(n: u64) -> (Vec<TileHashes>, Hash) {
        let mut hasher = TileHasher::new();
        let mut tiles = Vec::new();
        for leaf in leaves(n) {
            tiles.extend(hasher.push(leaf));
        }
        let (partial, root) = hasher.finish();
        tiles.extend(partial);
        (tiles, root)
    }

    #[test]
    fn tile_widths_follow_the_spec_examples() {
        // C2SP tlog-tiles: "a tree of size 70,000 will be represented by 273
        // full level 0 tiles, one partial level 0 tile of width 112, one full
        // level 1 tile, one partial level 1 tile of width 17, and one partial
        // level 2 tile of width 1."
        let tiles: Vec<TileId> = tiles_for_tree(70_000).collect();
        let full0 = tiles
            .iter()
            .filter(|t| t.level == 0 && t.width == 256)
            .count();
        assert_eq!(full0, 273);
        assert!(tiles.contains(&TileId {
            level: 0,
            index: 273,
            width: 112
        }));
        assert!(tiles.contains(&TileId {
            level: 1,
            index: 0,
            width: 256
        }));
        assert!(tiles.contains(&TileId {
            level: 1,
            index: 1,
            width: 17
        }));
        assert!(tiles.contains(&TileId {
            level: 2,
            index: 0,
            width: 1
        }));
        assert_eq!(tiles.len(), 273 + 4);
        // "a tree of size 256 will be represented by a full level 0 tile and a
        // partial level 1 tile of width 1."
        let tiles: Vec<TileId> = tiles_for_tree(256).collect();
        assert_eq!(
            tiles,
            vec![
                TileId {
                    level: 0,
                    index: 0,
                    width: 256
                },
                TileId {
                    level: 1,
                    index: 0,
                    width: 1
                }
            ]
        );
        assert_eq!(tiles_for_tree(0).count(), 0);
        assert_eq!(
            tiles_for_tree(1).collect::<Vec<_>>(),
            vec![TileId {
                level: 0,
                index: 0,
                width: 1
            }]
        );
        assert_eq!(TileId::for_tree(0, 1, 256), None);
        assert_eq!(
            TileId::for_tree(0, 1, 257),
            Some(TileId {
                level: 0,
                index: 1,
                width: 1
            })
        );
        assert_eq!(
            TileId::for_tree(1, 0, 65535),
            Some(TileId {
                level: 1,
                index: 0,
                width: 255
            })
        );
        assert_eq!(TileId::for_tree(2, 0, 65535), None);
        assert_eq!(
            TileId::for_tree(2, 0, 65536),
            Some(TileId {
                level: 2,
                index: 0,
                width: 1
            })
        );
        assert_eq!(TileId::for_tree(8, 0, u64::MAX), None);
        assert_eq!(TileId::for_tree(0, u64::MAX, u64::MAX), None);
        let top = TileId::for_tree(7, 0, u64::MAX).unwrap();
        assert_eq!(top.width, 255);
    }

    #[test]
    fn tile_hasher_emits_every_tile_of_the_tree() {
        for n in [0u64, 1, 2, 255, 256, 257, 511, 512, 65535, 65536, 65537] {
            let (tiles, root) = hashed(n);
            let ids: BTreeSet<TileId> = tiles.iter().map(|(id, _)| *id).collect();
            let expected: BTreeSet<TileId> = tiles_for_tree(n).collect();
            assert_eq!(ids, expected, "size {n}");
            assert_eq!(ids.len(), tiles.len(), "no tile twice at size {n}");
            assert_eq!(root, merkle::tree_root(&leaves(n)), "root at size {n}");
            for (id, hashes) in &tiles {
                assert_eq!(hashes.len(), usize::from(id.width));
            }
        }
    }

    #[test]
    fn tile_hashes_are_subtree_roots_at_their_level() {
        let all = leaves(65537);
        let (tiles, _) = hashed(65537);
        for (id, hashes) in &tiles {
            let span = 1usize << (8 * u32::from(id.level));
            for (i, hash) in hashes.iter().enumerate() {
                let start = (id.index as usize * 256 + i) * span;
                assert_eq!(
                    *hash,
                    merkle::tree_root(&all[start..start + span]),
                    "{id} hash {i}"
                );
            }
        }
    }

    #[test]
    fn tile_hasher_resumes_from_partial_tiles() {
        let all = leaves(70_000);
        for cut in [0u64, 1, 255, 256, 257, 65536, 65537, 69_999] {
            let mut a = TileHasher::new();
            for leaf in &all[..cut as usize] {
                a.push(*leaf);
            }
            let mut b = TileHasher::resume(cut, a.partial_tiles()).unwrap();
            assert_eq!(a, b.clone(), "state at {cut}");
            for leaf in &all[cut as usize..] {
                assert_eq!(a.push(*leaf), b.push(*leaf));
            }
            assert_eq!(a.finish(), b.finish());
        }
        // Wrong, missing and extra partial tiles are refused.
        let mut h = TileHasher::new();
        for leaf in &all[..300] {
            h.push(*leaf);
        }
        let partial = h.partial_tiles();
        assert_eq!(partial.len(), 2); // tile/0/001.p/44 and tile/1/000.p/1
        assert!(TileHasher::resume(301, partial.clone()).is_err());
        assert!(TileHasher::resume(300, partial[..1].to_vec()).is_err());
        let mut extra = partial.clone();
        extra.push((
            TileId {
                level: 2,
                index: 0,
                width: 1,
            },
            vec![[0; 32]],
        ));
        assert!(TileHasher::resume(300, extra).is_err());
        let mut short = partial;
        short[0].1.pop();
        assert!(TileHasher::resume(300, short).is_err());
    }

    #[test]
    fn proof_builder_matches_full_tree_proofs_at_edge_sizes() {
        for n in [1u64, 2, 3, 255, 256, 257, 511, 65535, 65536, 65537] {
            let all = leaves(n);
            let (tiles, root) = hashed(n);
            let mut builder = ProofBuilder::new(n);
            for (id, hashes) in &tiles {
                builder.add_tile(*id, &hashes.concat()).unwrap();
            }
            assert_eq!(builder.root().unwrap(), root);
            // Indices at tile boundaries; few for the big trees, whose
            // reference proofs cost O(n) hashes each.
            let mut points = if n < 1000 {
                vec![0, 1, n / 2, n.saturating_sub(2), n - 1, 255, 256]
            } else {
                vec![0, 65535, n - 1]
            };
            points.retain(|p| *p < n);
            points.dedup();
            for index in points.iter().copied() {
                let proof = builder.inclusion_proof(index).unwrap();
                assert_eq!(
                    proof,
                    merkle::inclusion_proof(&all, index).unwrap(),
                    "inclusion {index} in {n}"
                );
                merkle::verify_inclusion(&all[index as usize], index, n, &proof, &root).unwrap();
            }
            for old in points.iter().map(|p| p + 1) {
                let proof = builder.consistency_proof(old).unwrap();
                assert_eq!(
                    proof,
                    merkle::consistency_proof(&all, old).unwrap(),
                    "consistency {old} to {n}"
                );
                let old_root = merkle::tree_root(&all[..old as usize]);
                merkle::verify_consistency(old, n, &old_root, &root, &proof).unwrap();
            }
        }
    }

    #[test]
    fn proof_builder_needs_only_the_tiles_it_names() {
        let n = 65537;
        let (tiles, _) = hashed(n);
        let by_id: BTreeMap<TileId, Vec<u8>> =
            tiles.iter().map(|(id, h)| (*id, h.concat())).collect();
        let probe = ProofBuilder::new(n);
        let check =
            |needed: Vec<TileId>, build: &dyn Fn(&ProofBuilder) -> Result<Vec<Hash>, TileError>| {
                let mut builder = ProofBuilder::new(n);
                for id in &needed {
                    builder.add_tile(*id, &by_id[id]).unwrap();
                }
                build(&builder).unwrap();
                // Each named tile is really needed: without it, the build fails
                // and the error names that tile.
                for skip in &needed {
                    let mut partial = ProofBuilder::new(n);
                    for id in needed.iter().filter(|id| *id != skip) {
                        partial.add_tile(*id, &by_id[id]).unwrap();
                    }
                    let err = build(&partial).unwrap_err();
                    assert_eq!(
                        err,
                        TileError::MissingTile {
                            path: skip.path(),
                            tree_size: n
                        },
                        "{skip}"
                    );
                }
            };
        check(probe.tiles_for_root(), &|b| b.root().map(|r| vec![r]));
        check(probe.tiles_for_inclusion(1000).unwrap(), &|b| {
            b.inclusion_proof(1000)
        });
        check(probe.tiles_for_consistency(300).unwrap(), &|b| {
            b.consistency_proof(300)
        });
        // The whole root needs the top of each level, not every tile.
        assert_eq!(
            probe.tiles_for_root(),
            vec![
                TileId {
                    level: 0,
                    index: 256,
                    width: 1
                },
                TileId {
                    level: 2,
                    index: 0,
                    width: 1
                }
            ]
        );
    }

    #[test]
    fn proof_builder_rejects_tiles_of_another_tree_size() {
        let mut b = ProofBuilder::new(300);
        let err = b
            .add_tile(
                TileId {
                    level: 0,
                    index: 1,
                    width: 45,
                },
                &[0; 45 * 32],
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "tile/0/001.p/45 is not a tile of the tree of size 300 (at that size, that tile is tile/0/001.p/44)"
        );
        assert!(
            b.add_tile(
                TileId {
                    level: 0,
                    index: 2,
                    width: 1
                },
                &[0; 32]
            )
            .is_err()
        );
        assert!(
            b.add_tile(
                TileId {
                    level: 0,
                    index: 1,
                    width: 44
                },
                &[0; 44 * 32 - 1]
            )
            .is_err()
        );
        assert!(
            b.add_tile(
                TileId {
                    level: 0,
                    index: 1,
                    width: 44
                },
                &[0; 44 * 32]
            )
            .is_ok()
        );
        assert_eq!(
            b.root().unwrap_err().to_string(),
            "tile tile/1/000.p/1 is needed for the tree of size 300 but was not added"
        );
        assert!(matches!(b.inclusion_proof(300), Err(TileError::Proof(_))));
        assert!(matches!(
            b.tiles_for_consistency(0),
            Err(TileError::Proof(_))
        ));
        assert_eq!(
            ProofBuilder::new(0).root().unwrap(),
            merkle::empty_tree_root()
        );
        assert!(ProofBuilder::new(0).tiles_for_root().is_empty());
    }

    #[test]
    fn perfect_subtrees_decompose_ranges() {
        assert_eq!(
            perfect_subtrees(0..7).collect::<Vec<_>>(),
            vec![(2, 0), (1, 2), (0, 6)]
        );
        assert_eq!(perfect_subtrees(8..12).collect::<Vec<_>>(), vec![(2, 2)]);
        assert_eq!(perfect_subtrees(5..5).count(), 0);
        assert_eq!(perfect_subtrees(0..u64::MAX).count(), 64);
        assert_eq!(subtree_location(8, 3), (1, 0, 3, 1));
        assert_eq!(subtree_location(9, 200), (1, 1, 144, 2));
        assert_eq!(subtree_location(3, 33), (0, 1, 8, 8));
    }
}
