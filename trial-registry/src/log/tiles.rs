//! Reading hash tiles and entry bundles back, with a cache of recent ones.
//!
//! A partial tile `.p/W` is a prefix of every wider version of the same tile
//! (and of the full tile): its hashes (or entries) never change once written.
//! So the reader answers any width from the widest version it has, cached
//! or stored, and needs no file for every width ever published. The cache
//! keeps the widest version of recently written or read tiles — clients
//! follow the head of the log, so those are the hot ones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use verifier::tile::{TILE_WIDTH, TileId, TilePath};

use crate::store::{ObjectStore, StoreError};

/// Tile or entry bundle bytes (cheap to clone and slice).
pub type TileBytes = axum::body::Bytes;

/// Bytes the cache may hold before it starts over.
const CACHE_BUDGET: usize = 64 << 20;

/// `(level, index)`, with level `None` for entry bundles.
type Key = (Option<u8>, u64);

#[derive(Default)]
struct Cache {
    tiles: HashMap<Key, (u16, TileBytes)>,
    bytes: usize,
}

/// Reads tiles from the object store through a cache.
pub(crate) struct TileReader {
    objects: Arc<dyn ObjectStore>,
    cache: Mutex<Cache>,
}

fn key_and_width(path: &TilePath) -> (Key, u16) {
    match *path {
        TilePath::Hashes(id) => ((Some(id.level), id.index), id.width),
        TilePath::EntryBundle { index, width } => ((None, index), width),
    }
}

/// The object path of tile `key` at `width`.
pub(crate) fn object_path(key: Key, width: u16) -> String {
    let id = TileId {
        level: key.0.unwrap_or(0),
        index: key.1,
        width,
    };
    match key.0 {
        Some(_) => id.path(),
        None => id.entry_bundle_path(),
    }
}

/// The first `width` hashes or entries of `bytes`, which hold `have` of them.
fn prefix(key: Key, bytes: &TileBytes, have: u16, width: u16) -> Result<TileBytes, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("{}: {what}", object_path(key, have)));
    if key.0.is_some() {
        if bytes.len() != usize::from(have) * 32 {
            return Err(corrupt(format!(
                "{} bytes, not {} hashes of 32 bytes",
                bytes.len(),
                have
            )));
        }
        return Ok(bytes.slice(..usize::from(width) * 32));
    }
    let mut offset = 0usize;
    for n in 0..width {
        let len = bytes
            .get(offset..offset + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or_else(|| corrupt(format!("truncated before entry {n}")))?;
        offset += 2 + len;
        if offset > bytes.len() {
            return Err(corrupt(format!("entry {n} is truncated")));
        }
    }
    Ok(bytes.slice(..offset))
}

impl TileReader {
    pub(crate) fn new(objects: Arc<dyn ObjectStore>) -> TileReader {
        TileReader {
            objects,
            cache: Mutex::new(Cache::default()),
        }
    }

    pub(crate) fn objects(&self) -> &Arc<dyn ObjectStore> {
        &self.objects
    }

    /// Remembers a tile just written (its widest version so far).
    pub(crate) fn remember(&self, path: &TilePath, bytes: TileBytes) {
        let (key, width) = key_and_width(path);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((have, _)) = cache.tiles.get(&key)
            && *have >= width
        {
            return;
        }
        if cache.bytes + bytes.len() > CACHE_BUDGET {
            // Crude but O(1) amortised: the hot tiles come back at once.
            cache.tiles.clear();
            cache.bytes = 0;
        }
        cache.bytes += bytes.len();
        if let Some((_, old)) = cache.tiles.insert(key, (width, bytes)) {
            cache.bytes -= old.len();
        }
    }

    /// The width tile `path` has in a tree of `size`, if it exists there.
    fn width_at(key: Key, size: u64) -> Option<u16> {
        TileId::for_tree(key.0.unwrap_or(0), key.1, size).map(|id| id.width)
    }

    /// Whether `path` is a tile (or bundle) of some tree of size ≤ `bound`:
    /// its width is at most the width of that tile at `bound` (a full tile
    /// only if it is full at `bound`).
    fn within(key: Key, width: u16, bound: u64) -> bool {
        Self::width_at(key, bound).is_some_and(|w| width <= w)
    }

    /// The tile from the cache, if it is within the tree of size `bound`
    /// and a wide enough version is cached.
    pub(crate) fn cached(&self, path: &TilePath, bound: u64) -> Option<TileBytes> {
        let (key, width) = key_and_width(path);
        if !Self::within(key, width, bound) {
            return None;
        }
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let (have, bytes) = cache.tiles.get(&key)?;
        if *have < width {
            return None;
        }
        prefix(key, bytes, *have, width).ok()
    }

    /// The tile `path` if it belongs to the tree of size `bound` (`None`
    /// otherwise). Tiles are stored up to `integrated`; a tile within the
    /// bound that cannot be found is an error.
    pub(crate) fn read(
        &self,
        path: &TilePath,
        bound: u64,
        integrated: u64,
    ) -> Result<Option<TileBytes>, StoreError> {
        let (key, width) = key_and_width(path);
        if !Self::within(key, width, bound) {
            return Ok(None);
        }
        if let Some(bytes) = self.cached(path, bound) {
            return Ok(Some(bytes));
        }
        // The exact object, else wider versions: as of the bound, as of the
        // integrated size, and the full tile.
        let mut candidates = vec![width];
        for w in [
            Self::width_at(key, bound),
            Self::width_at(key, integrated),
            Some(TILE_WIDTH as u16),
        ]
        .into_iter()
        .flatten()
        {
            if w > width && !candidates.contains(&w) {
                candidates.push(w);
            }
        }
        for have in candidates {
            if let Some(bytes) = self.objects.get(&object_path(key, have))? {
                let bytes = TileBytes::from(bytes);
                let answer = prefix(key, &bytes, have, width)?;
                let full_path = match key.0 {
                    Some(level) => TilePath::Hashes(TileId {
                        level,
                        index: key.1,
                        width: have,
                    }),
                    None => TilePath::EntryBundle {
                        index: key.1,
                        width: have,
                    },
                };
                self.remember(&full_path, bytes);
                return Ok(Some(answer));
            }
        }
        Err(StoreError::Missing(format!(
            "{} belongs to the tree of size {bound} but is not stored",
            object_path(key, width)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FsObjectStore;

    #[test]
    fn partial_tiles_are_served_from_wider_versions() {
        let dir = tempfile::tempdir().unwrap();
        let objects = Arc::new(FsObjectStore::open(dir.path()).unwrap());
        let hashes: Vec<u8> = (0..5u8).flat_map(|i| [i; 32]).collect();
        objects.put("tile/0/000.p/5", &hashes).unwrap();
        let bundle =
            verifier::tile::encode_entry_bundle(&[b"a".as_slice(), b"bc", b"def"]).unwrap();
        objects.put("tile/entries/000.p/3", &bundle).unwrap();
        let reader = TileReader::new(objects);

        let tile = |width| {
            TilePath::Hashes(TileId {
                level: 0,
                index: 0,
                width,
            })
        };
        // Width 2 was never stored, but is the prefix of width 5.
        let two = reader.read(&tile(2), 5, 5).unwrap().unwrap();
        assert_eq!(&two[..], &hashes[..64]);
        assert_eq!(reader.read(&tile(5), 5, 5).unwrap().unwrap(), hashes);
        // Beyond the bound: not served.
        assert_eq!(reader.read(&tile(5), 4, 5).unwrap(), None);
        assert_eq!(reader.read(&tile(256), 5, 5).unwrap(), None);
        // Within the bound but never stored: an error, not a silent 404.
        assert!(reader.read(&tile(7), 7, 7).is_err());

        let entries = TilePath::EntryBundle { index: 0, width: 2 };
        let two = reader.read(&entries, 3, 3).unwrap().unwrap();
        assert_eq!(
            verifier::tile::decode_entry_bundle(&two).unwrap(),
            vec![b"a".as_slice(), b"bc"]
        );
        assert!(reader.cached(&entries, 3).is_some());
    }
}
