//! Tile addressing and entry bundle encoding (C2SP tlog-tiles v0.1.0):
//! canonical paths round-trip, every non-canonical spelling is refused, and
//! bundles are decoded strictly.

use verifier::tile::{
    TileError, TileId, TilePath, decode_entry_bundle, encode_entry_bundle, encode_tile_index,
    parse_hash_tile, parse_tile_path,
};

fn id(level: u8, index: u64, width: u16) -> TileId {
    TileId {
        level,
        index,
        width,
    }
}

#[test]
fn index_encoding_follows_the_spec() {
    // The spec's example: index 1234067 is `x001/x234/067`.
    assert_eq!(encode_tile_index(1_234_067), "x001/x234/067");
    assert_eq!(encode_tile_index(0), "000");
    assert_eq!(encode_tile_index(7), "007");
    assert_eq!(encode_tile_index(999), "999");
    assert_eq!(encode_tile_index(1000), "x001/000");
    assert_eq!(encode_tile_index(1_000_000), "x001/x000/000");
    assert_eq!(
        encode_tile_index(u64::MAX),
        "x018/x446/x744/x073/x709/x551/615"
    );
}

#[test]
fn paths_of_tiles_and_bundles() {
    assert_eq!(id(0, 1_234_067, 256).path(), "tile/0/x001/x234/067");
    assert_eq!(id(0, 1_234_067, 5).path(), "tile/0/x001/x234/067.p/5");
    assert_eq!(id(2, 0, 1).path(), "tile/2/000.p/1");
    assert_eq!(id(1, 273, 255).path(), "tile/1/273.p/255");
    assert_eq!(
        id(0, 1_234_067, 5).entry_bundle_path(),
        "tile/entries/x001/x234/067.p/5"
    );
    assert_eq!(id(3, 42, 256).entry_bundle_path(), "tile/entries/042");
    assert!(id(0, 0, 255).is_partial());
    assert!(!id(0, 0, 256).is_partial());
    assert_eq!(id(0, 3, 256).start_leaf(), 768);
    assert_eq!(id(1, 3, 17).start_leaf(), 3 * 65536);
}

#[test]
fn canonical_paths_round_trip() {
    let indices = [
        0u64,
        1,
        999,
        1000,
        1001,
        123_456,
        1_234_067,
        999_999_999,
        u64::MAX / 256,
        u64::MAX,
    ];
    for level in [0u8, 1, 2, 7, 10, 63] {
        for index in indices {
            for width in [1u16, 2, 17, 128, 255, 256] {
                let t = id(level, index, width);
                assert_eq!(
                    parse_tile_path(&t.path()),
                    Ok(TilePath::Hashes(t)),
                    "{}",
                    t.path()
                );
                assert_eq!(
                    parse_tile_path(&format!("/{}", t.path())),
                    Ok(TilePath::Hashes(t))
                );
                assert_eq!(
                    parse_tile_path(&t.entry_bundle_path()),
                    Ok(TilePath::EntryBundle { index, width }),
                    "{}",
                    t.entry_bundle_path()
                );
            }
        }
    }
}

#[test]
fn non_canonical_paths_are_refused() {
    let bad = [
        "",
        "/",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "tiles/0/000",
        "//tile/0/000",
        "tile//000",
        "tile/0//000",
        "tile/0/000/",
        // Index groups: exactly 3 digits, `x` on all but the last, no leading zero group.
        "tile/0/0",
        "tile/0/00",
        "tile/0/0000",
        "tile/0/x1/000",
        "tile/0/x0001/000",
        "tile/0/000/001",
        "tile/0/x001/x001",
        "tile/0/x001",
        "tile/0/x000/001",
        "tile/0/x000/x001/000",
        "tile/0/00a",
        "tile/0/+01",
        "tile/0/-01",
        "tile/0/X001/000",
        "tile/0/x018/x446/x744/x073/x709/x551/616",
        "tile/0/x001/x000/x000/x000/x000/x000/x000/000",
        // Level: decimal 0..=63, no leading zeros.
        "tile/00/000",
        "tile/01/000",
        "tile/64/000",
        "tile/255/000",
        "tile/256/000",
        "tile/-1/000",
        "tile/+1/000",
        "tile/a/000",
        "tile/ 1/000",
        "tile/data/000",
        // Partial width: 1..=255, no leading zeros, nothing after it.
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/007",
        "tile/0/000.p/07",
        "tile/0/000.p/",
        "tile/0/000.p",
        "tile/0/000.p/5/",
        "tile/0/000.p/5.p/5",
        "tile/0/000.p/+5",
        "tile/0/000.p/65541",
        "tile/0/000.q/5",
        "tile/0/x001.p/5/000",
        "tile/entries/000.p/0",
        "tile/entries/000.p/256",
        "tile/entries/x000/000",
        "tile/entries/00",
        "tile/entries",
        "tile/entries/",
    ];
    for path in bad {
        let err = parse_tile_path(path).expect_err(path);
        assert!(matches!(err, TileError::BadPath { .. }), "{path}: {err:?}");
    }
}

#[test]
fn path_errors_name_the_problem() {
    let msg = |p: &str| parse_tile_path(p).expect_err(p).to_string();
    assert_eq!(
        msg("tile/01/000"),
        "tile path \"tile/01/000\": level \"01\" has a leading zero"
    );
    assert_eq!(
        msg("tile/64/000"),
        "tile path \"tile/64/000\": level 64 is larger than 63"
    );
    assert_eq!(
        msg("tile/0/000.p/007"),
        "tile path \"tile/0/000.p/007\": partial width \"007\" has a leading zero"
    );
    assert_eq!(
        msg("tile/0/000.p/256"),
        "tile path \"tile/0/000.p/256\": partial width 256 is not between 1 and 255 (a full tile has no .p/ suffix)"
    );
    assert_eq!(
        msg("tile/0/000/001"),
        "tile path \"tile/0/000/001\": index element \"000\" must start with 'x' (all but the last element do)"
    );
    assert_eq!(
        msg("tile/0/x1/000"),
        "tile path \"tile/0/x1/000\": index element \"x1\" is not exactly 3 decimal digits"
    );
    assert_eq!(
        msg("tile/0/x000/001"),
        "tile path \"tile/0/x000/001\": index element \"x000\" is a leading zero group"
    );
}

#[test]
fn hash_tiles_must_have_width_times_32_bytes() {
    let t = id(0, 1, 3);
    let bytes: Vec<u8> = (0..96u8).collect();
    let hashes = parse_hash_tile(&t, &bytes).expect("96 bytes");
    assert_eq!(hashes.len(), 3);
    assert_eq!(hashes[2][0], 64);
    assert_eq!(hashes.concat(), bytes);
    let err = parse_hash_tile(&t, &bytes[..95]).expect_err("short");
    assert_eq!(
        err.to_string(),
        "tile/0/001.p/3 is 95 bytes; a tile of width 3 is 96 bytes (3 hashes of 32 bytes)"
    );
    assert!(parse_hash_tile(&t, &[bytes.clone(), vec![0]].concat()).is_err());
    assert!(parse_hash_tile(&id(0, 0, 0), &[]).is_err());
    assert!(parse_hash_tile(&id(0, 0, 257), &[0; 257 * 32]).is_err());
    assert_eq!(
        parse_hash_tile(&id(0, 0, 256), &[7; 8192])
            .expect("full tile")
            .len(),
        256
    );
}

#[test]
fn entry_bundles_round_trip() {
    let entries: Vec<Vec<u8>> = vec![b"one".to_vec(), vec![], vec![0xff; 300], vec![0; 65535]];
    let bytes = encode_entry_bundle(&entries).expect("encodes");
    assert_eq!(&bytes[..5], &[0, 3, b'o', b'n', b'e']);
    assert_eq!(&bytes[5..7], &[0, 0]);
    assert_eq!(&bytes[7..9], &[0x01, 0x2c]);
    assert_eq!(bytes.len(), 4 * 2 + 3 + 300 + 65535);
    let decoded = decode_entry_bundle(&bytes).expect("decodes");
    assert_eq!(
        decoded,
        entries.iter().map(|e| e.as_slice()).collect::<Vec<_>>()
    );

    let full: Vec<[u8; 1]> = (0..=255u8).map(|i| [i]).collect();
    let bytes = encode_entry_bundle(&full).expect("256 entries");
    assert_eq!(decode_entry_bundle(&bytes).expect("decodes").len(), 256);
}

#[test]
fn entry_bundles_are_decoded_strictly() {
    assert_eq!(
        decode_entry_bundle(&[]),
        Err(TileError::BundleSize { count: 0 })
    );
    let err = decode_entry_bundle(&[0]).expect_err("half a length");
    assert_eq!(
        err.to_string(),
        "entry bundle is truncated: entry 0 at byte offset 0 needs 2 bytes of length prefix, only 1 remain"
    );
    let err = decode_entry_bundle(&[0, 3, b'o', b'n', b'e', 0, 4, b't', b'w', b'o'])
        .expect_err("short entry");
    assert_eq!(
        err.to_string(),
        "entry bundle is truncated: entry 1 at byte offset 7 needs 4 bytes of entry data, only 3 remain"
    );
    assert!(decode_entry_bundle(&[0, 3, b'o', b'n', b'e', 0]).is_err());
    // Bytes after a 256th entry.
    let full: Vec<[u8; 1]> = (0..=255u8).map(|i| [i]).collect();
    let mut bytes = encode_entry_bundle(&full).expect("256 entries");
    bytes.extend_from_slice(&[0, 0]);
    assert_eq!(
        decode_entry_bundle(&bytes),
        Err(TileError::BundleTrailingBytes {
            offset: 768,
            extra: 2
        })
    );
}

#[test]
fn entry_bundle_encoding_refuses_what_cannot_be_decoded() {
    let too_big = vec![vec![0u8; 10], vec![0u8; 65536]];
    assert_eq!(
        encode_entry_bundle(&too_big),
        Err(TileError::EntryTooLarge {
            index: 1,
            len: 65536
        })
    );
    assert_eq!(
        encode_entry_bundle(&too_big)
            .expect_err("too big")
            .to_string(),
        "entry 1 is 65536 bytes; an entry bundle holds entries of at most 65535 bytes"
    );
    let none: [&[u8]; 0] = [];
    assert_eq!(
        encode_entry_bundle(&none),
        Err(TileError::BundleSize { count: 0 })
    );
    let many = vec![b"x"; 257];
    assert_eq!(
        encode_entry_bundle(&many),
        Err(TileError::BundleSize { count: 257 })
    );
}
