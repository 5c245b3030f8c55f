//! The transparency-log core, run inside headless Chromium as wasm32 — the
//! same checks the portal's light client makes, on the external vectors
//! (embedded at compile time: the browser has no filesystem).
#![cfg(target_arch = "wasm32")]

use base64::Engine as _;
use verifier::checkpoint::Checkpoint;
use verifier::merkle;
use verifier::note::{VerifierKey, verify_note};
use verifier::tile::{ProofBuilder, TileId, decode_entry_bundle};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const RFC6962: &str = include_str!("data/rfc6962.txt");
const TESSERA_VKEY: &str =
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
const TESSERA_CHECKPOINT: &[u8] = include_bytes!("data/tessera-log/checkpoint");
const TESSERA_CHECKPOINT_7: &[u8] = include_bytes!("data/tessera-log/checkpoint.7");
const TESSERA_TILE: &[u8] = include_bytes!("data/tessera-log/tile/0/000.p/15");
const TESSERA_BUNDLE: &[u8] = include_bytes!("data/tessera-log/tile/entries/000.p/15");
const INCLUSION_CASE: &str = include_str!("data/merkle/inclusion/1/happy-path.json");
const INCLUSION_BAD: &str = include_str!("data/merkle/inclusion/1/modified-proof[1]-bit-@3.json");

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

fn hash(s: &str) -> merkle::Hash {
    b64(s).try_into().expect("32 bytes")
}

#[wasm_bindgen_test]
fn rfc6962_roots() {
    let leaves: Vec<merkle::Hash> = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|h| merkle::leaf_hash(&hex_decode(h)))
    .collect();
    let mut checked = 0;
    for line in RFC6962
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let mut parts = line.split_whitespace();
        let size: usize = parts.next().expect("size").parse().expect("decimal size");
        let root = hex_decode(parts.next().expect("root"));
        assert_eq!(
            merkle::tree_root(&leaves[..size]).to_vec(),
            root,
            "size {size}"
        );
        checked += 1;
    }
    assert!(checked >= 8);
}

fn inclusion_case(json: &str) -> Result<(), merkle::ProofError> {
    let v: serde_json::Value = serde_json::from_str(json).expect("vector JSON");
    let proof: Vec<merkle::Hash> = v["proof"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| hash(h.as_str().expect("string")))
                .collect()
        })
        .unwrap_or_default();
    merkle::verify_inclusion(
        &hash(v["leafHash"].as_str().expect("leafHash")),
        v["leafIdx"].as_u64().expect("leafIdx"),
        v["treeSize"].as_u64().expect("treeSize"),
        &proof,
        &hash(v["root"].as_str().expect("root")),
    )
}

#[wasm_bindgen_test]
fn merkle_vectors_in_the_browser() {
    assert!(inclusion_case(INCLUSION_CASE).is_ok());
    assert!(inclusion_case(INCLUSION_BAD).is_err());
}

#[wasm_bindgen_test]
fn tessera_log_light_client_check() {
    let key: VerifierKey = TESSERA_VKEY.parse().expect("vkey");
    let newest = Checkpoint::parse(
        &verify_note(TESSERA_CHECKPOINT, std::slice::from_ref(&key))
            .expect("signed")
            .text,
    )
    .expect("checkpoint");
    let older = Checkpoint::parse(
        &verify_note(TESSERA_CHECKPOINT_7, std::slice::from_ref(&key))
            .expect("signed")
            .text,
    )
    .expect("checkpoint");
    assert_eq!((newest.size, older.size), (15, 7));

    // Root, consistency and inclusion built from the one published tile.
    let mut builder = ProofBuilder::new(newest.size);
    let tile = TileId::for_tree(0, 0, newest.size).expect("tile");
    assert_eq!(tile.path(), "tile/0/000.p/15");
    builder.add_tile(tile, TESSERA_TILE).expect("tile bytes");
    assert_eq!(builder.root().expect("root"), newest.root);
    let consistency = builder.consistency_proof(older.size).expect("proof");
    merkle::verify_consistency(
        older.size,
        newest.size,
        &older.root,
        &newest.root,
        &consistency,
    )
    .expect("consistent");

    let entries = decode_entry_bundle(TESSERA_BUNDLE).expect("bundle");
    assert_eq!(entries[2], b"three");
    let proof = builder.inclusion_proof(2).expect("proof");
    merkle::verify_inclusion(
        &merkle::leaf_hash(entries[2]),
        2,
        newest.size,
        &proof,
        &newest.root,
    )
    .expect("included");

    // A changed byte in the tile yields a proof that no longer verifies.
    let mut tampered = TESSERA_TILE.to_vec();
    tampered[32 * 3] ^= 1;
    let mut bad = ProofBuilder::new(newest.size);
    bad.add_tile(tile, &tampered).expect("tile bytes");
    let proof = bad.inclusion_proof(2).expect("proof");
    assert!(
        merkle::verify_inclusion(
            &merkle::leaf_hash(entries[2]),
            2,
            newest.size,
            &proof,
            &newest.root
        )
        .is_err()
    );

    // A changed byte in the checkpoint note is caught by the signature.
    let mut note = TESSERA_CHECKPOINT.to_vec();
    note[27] ^= 1;
    assert!(verify_note(&note, std::slice::from_ref(&key)).is_err());
}

/// Ledger entries and the trial rules in the browser: the example trial's
/// chain is built, signed, parsed and folded; a changed byte is refused.
#[wasm_bindgen_test]
fn entries_and_trial_rules() {
    use verifier::entry::Entry;
    use verifier::fixtures;
    use verifier::trial::Ledger;

    let chain = fixtures::chain().expect("the example chain");
    let mut ledger = Ledger::new();
    for (index, bytes) in (0u64..).zip(&chain.entries) {
        ledger.apply(index, bytes).expect("a valid entry");
    }
    let trial = ledger.trial(&chain.trial_id).expect("registered");
    assert_eq!(trial.versions.len(), 2);
    assert_eq!(trial.results.len(), 1);
    assert_eq!(
        trial.head_hex(),
        verifier::entry::entry_hash(&chain.entries[3])
    );
    let mut tampered = chain.entries[0].clone();
    tampered[100] ^= 1;
    assert!(Entry::parse(&tampered).is_err());
}

mod bundle_common;

/// An evidence bundle built (log, checkpoints, three witnesses) and
/// verified in the browser; a changed byte in an entry fails it.
#[wasm_bindgen_test]
fn a_bundle_verifies_in_the_browser() {
    use base64::Engine as _;
    use verifier::report::{CheckName, Verdict, verify_bundle};

    let s = bundle_common::scenario(&bundle_common::Plan::default());
    let policy = s.log.policy(2);
    let bundle = s.bundle(&policy);
    let report = verify_bundle(
        bundle.to_json().as_bytes(),
        &policy,
        &bundle_common::documents(),
    )
    .expect("a usable bundle");
    assert_eq!(report.verdict, Verdict::Verified, "{:?}", report.findings);
    assert_eq!(
        report.timeline[0].witnessed_time.as_deref(),
        Some("2024-01-15T12:31:00Z")
    );

    let mut tampered = bundle.clone();
    let engine = base64::engine::general_purpose::STANDARD;
    let mut bytes = engine.decode(&tampered.entries[1].entry).expect("base64");
    bytes[50] ^= 1;
    tampered.entries[1].entry = engine.encode(bytes);
    let report = tampered.verify(&policy, &[]);
    assert_eq!(report.verdict, Verdict::Failed);
    assert!(!report.passed(CheckName::EntryInclusion));
}

/// Not an assertion: the mean time of `verify_bundle` on a bundle of 20
/// entries with 3 witnesses (20 distinct anchors), printed by the runner.
#[wasm_bindgen_test]
fn bundle_verification_time() {
    use verifier::report::{Verdict, verify_bundle};
    use wasm_bindgen_test::console_log;

    let (bundle, policy) = bundle_common::twenty_entry_bundle();
    let json = bundle.to_json();
    let performance = web_sys::window()
        .and_then(|w| w.performance())
        .expect("window.performance");
    let verify = || {
        let report = verify_bundle(json.as_bytes(), &policy, &[]).expect("usable");
        assert_eq!(report.verdict, Verdict::Verified);
    };
    verify(); // warm up
    let runs = 20;
    let start = performance.now();
    for _ in 0..runs {
        verify();
    }
    let mean = (performance.now() - start) / f64::from(runs);
    console_log!(
        "verify_bundle: 20 entries, 3 witnesses (quorum 2), {} bytes: mean {mean:.2} ms over {runs} runs",
        json.len()
    );
}
