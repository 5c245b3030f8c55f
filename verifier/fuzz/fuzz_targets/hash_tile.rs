//! Hash tiles and the proof builder: arbitrary tile bytes never panic it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use verifier::tile::{ProofBuilder, parse_hash_tile};

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let size = u64::from(u16::from_be_bytes([data[0], data[1]])) * 3 + 1;
    let index = u64::from(u16::from_be_bytes([data[2], data[3]])) % size;
    let old_size = u64::from(u16::from_be_bytes([data[4], data[5]])) % (size + 1);
    let tile_bytes = &data[6..];
    let mut builder = ProofBuilder::new(size);
    let mut needed = builder.tiles_for_inclusion(index).unwrap_or_default();
    needed.extend(builder.tiles_for_consistency(old_size).unwrap_or_default());
    for id in needed {
        let _ = parse_hash_tile(&id, tile_bytes);
        let _ = builder.add_tile(id, tile_bytes);
    }
    let _ = builder.inclusion_proof(index);
    let _ = builder.consistency_proof(old_size);
    let _ = builder.root();
});
