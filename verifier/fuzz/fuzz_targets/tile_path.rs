//! Tile paths: strict parsing never panics and formats back to the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use verifier::tile::{TilePath, TileId, parse_tile_path};

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else { return };
    let formatted = match parse_tile_path(path) {
        Ok(TilePath::Hashes(id)) => id.path(),
        Ok(TilePath::EntryBundle { index, width }) => TileId { level: 0, index, width }.entry_bundle_path(),
        Err(_) => return,
    };
    assert_eq!(formatted, path.trim_start_matches('/'));
});
