#![cfg(not(target_arch = "wasm32"))]
//! The Merkle core against vectors from other implementations:
//! - `tests/data/rfc6962.txt`: roots of every prefix of the classic RFC 6962
//!   8-leaf tree (Certificate Transparency / transparency-dev/merkle);
//! - `tests/data/merkle/{inclusion,consistency}/**.json`: transparency-dev/merkle
//!   proof vectors, including mutated proofs, whose `wantErr` we must honour.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use verifier::merkle::{self, Hash, RootBuilder};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn hex_decode(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd-length hex {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// The leaves of the RFC 6962 test tree (tests/data/README.md).
fn rfc6962_leaves() -> Vec<Hash> {
    [
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
    .collect()
}

/// `(size, root)` for every line of rfc6962.txt.
fn rfc6962_roots() -> Vec<(usize, Vec<u8>)> {
    let text = std::fs::read_to_string(data_dir().join("rfc6962.txt")).expect("read rfc6962.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (size, root) = line.split_once(' ').expect("`size root_hex` line");
            (size.parse().expect("decimal size"), hex_decode(root.trim()))
        })
        .collect()
}

#[test]
fn rfc6962_roots_of_every_prefix() {
    let leaves = rfc6962_leaves();
    let roots = rfc6962_roots();
    assert_eq!(
        roots.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        (0..=8).collect::<Vec<_>>(),
        "rfc6962.txt lists sizes 0 to 8"
    );
    let mut builder = RootBuilder::new();
    for (size, root) in &roots {
        assert_eq!(
            merkle::tree_root(&leaves[..*size]).as_slice(),
            root.as_slice(),
            "tree_root size {size}"
        );
        assert_eq!(builder.size(), *size as u64);
        assert_eq!(
            builder.root().as_slice(),
            root.as_slice(),
            "RootBuilder size {size}"
        );
        if let Some(leaf) = leaves.get(*size) {
            builder.push(*leaf);
        }
    }
}

/// Every `*.json` file under `dir`, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read vector directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn b64(v: &serde_json::Value, field: &str) -> Vec<u8> {
    BASE64
        .decode(v[field].as_str().expect("base64 string field"))
        .expect("valid base64")
}

fn proof(v: &serde_json::Value) -> Vec<Vec<u8>> {
    match &v["proof"] {
        serde_json::Value::Null => vec![],
        p => p
            .as_array()
            .expect("proof is an array")
            .iter()
            .map(|h| {
                BASE64
                    .decode(h.as_str().expect("proof hash string"))
                    .expect("valid base64")
            })
            .collect(),
    }
}

fn read_case(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read vector"))
        .expect("vector is JSON")
}

/// All hashes 32 bytes: the typed API can be called too.
fn typed(bytes: &[u8]) -> Option<Hash> {
    bytes.try_into().ok()
}

#[test]
fn inclusion_vectors_honour_want_err() {
    let files = json_files(&data_dir().join("merkle/inclusion"));
    // As copied from transparency-dev/merkle testdata/inclusion: a file lost
    // in copying (or a walk that skips a directory) fails here.
    assert_eq!(files.len(), 98, "inclusion vector files");
    let rfc_leaves = rfc6962_leaves();
    let rfc_roots = rfc6962_roots();
    let (mut checked, mut cross_checked) = (0, 0);
    for path in &files {
        let v = read_case(path);
        let name = path
            .strip_prefix(data_dir())
            .expect("under data")
            .display()
            .to_string();
        let index = v["leafIdx"].as_u64().expect("leafIdx");
        let size = v["treeSize"].as_u64().expect("treeSize");
        let (leaf, root, proof) = (b64(&v, "leafHash"), b64(&v, "root"), proof(&v));
        let want_err = v["wantErr"].as_bool().expect("wantErr");
        let got = merkle::verify_inclusion_bytes(&leaf, index, size, &proof, &root);
        assert_eq!(
            got.is_err(),
            want_err,
            "{name} ({}): got {got:?}",
            v["desc"]
        );

        // The typed API agrees whenever every hash fits it.
        if let (Some(leaf), Some(root), Some(p)) = (
            typed(&leaf),
            typed(&root),
            proof
                .iter()
                .map(|h| typed(h))
                .collect::<Option<Vec<Hash>>>(),
        ) {
            assert_eq!(
                merkle::verify_inclusion(&leaf, index, size, &p, &root),
                got,
                "{name}"
            );
        }
        // Happy paths over the RFC 6962 tree: our proof generator produces
        // exactly their proof.
        if !want_err {
            let n = size as usize;
            if rfc_roots.iter().any(|(s, r)| *s == n && *r == root)
                && rfc_leaves[index as usize].as_slice() == leaf
            {
                let ours = merkle::inclusion_proof(&rfc_leaves[..n], index).expect("index in tree");
                assert_eq!(
                    ours.iter().map(|h| h.to_vec()).collect::<Vec<_>>(),
                    proof,
                    "{name}"
                );
                cross_checked += 1;
            }
        }
        checked += 1;
    }
    assert_eq!(checked, files.len());
    assert!(
        cross_checked >= 4,
        "happy paths cross-checked: {cross_checked}"
    );
}

#[test]
fn consistency_vectors_honour_want_err() {
    let files = json_files(&data_dir().join("merkle/consistency"));
    assert_eq!(files.len(), 98, "consistency vector files");
    let rfc_leaves = rfc6962_leaves();
    let rfc_roots = rfc6962_roots();
    let (mut checked, mut cross_checked) = (0, 0);
    for path in &files {
        let v = read_case(path);
        let name = path
            .strip_prefix(data_dir())
            .expect("under data")
            .display()
            .to_string();
        let size1 = v["size1"].as_u64().expect("size1");
        let size2 = v["size2"].as_u64().expect("size2");
        let (root1, root2, proof) = (b64(&v, "root1"), b64(&v, "root2"), proof(&v));
        let want_err = v["wantErr"].as_bool().expect("wantErr");
        let got = merkle::verify_consistency_bytes(size1, size2, &root1, &root2, &proof);
        assert_eq!(
            got.is_err(),
            want_err,
            "{name} ({}): got {got:?}",
            v["desc"]
        );

        if let (Some(r1), Some(r2), Some(p)) = (
            typed(&root1),
            typed(&root2),
            proof
                .iter()
                .map(|h| typed(h))
                .collect::<Option<Vec<Hash>>>(),
        ) {
            assert_eq!(
                merkle::verify_consistency(size1, size2, &r1, &r2, &p),
                got,
                "{name}"
            );
        }
        if !want_err {
            let (n1, n2) = (size1 as usize, size2 as usize);
            let is_rfc =
                |n: usize, r: &[u8]| rfc_roots.iter().any(|(s, root)| *s == n && root == r);
            if is_rfc(n1, &root1) && is_rfc(n2, &root2) {
                let ours =
                    merkle::consistency_proof(&rfc_leaves[..n2], size1).expect("old size in tree");
                assert_eq!(
                    ours.iter().map(|h| h.to_vec()).collect::<Vec<_>>(),
                    proof,
                    "{name}"
                );
                cross_checked += 1;
            }
        }
        checked += 1;
    }
    assert_eq!(checked, files.len());
    assert!(
        cross_checked >= 4,
        "happy paths cross-checked: {cross_checked}"
    );
}

/// Every proof over the RFC 6962 tree that we generate verifies, and a proof
/// for one position does not verify for its neighbours.
#[test]
fn generated_proofs_over_the_rfc6962_tree_verify() {
    let leaves = rfc6962_leaves();
    let roots = rfc6962_roots();
    for (n, root) in roots.iter().filter(|(n, _)| *n > 0) {
        let root: Hash = root.as_slice().try_into().expect("32-byte root");
        for m in 0..*n {
            let p = merkle::inclusion_proof(&leaves[..*n], m as u64).expect("in tree");
            merkle::verify_inclusion(&leaves[m], m as u64, *n as u64, &p, &root).expect("verifies");
            for other in (0..*n).filter(|o| *o != m) {
                assert!(
                    merkle::verify_inclusion(&leaves[other], m as u64, *n as u64, &p, &root)
                        .is_err()
                );
                assert!(
                    merkle::verify_inclusion(&leaves[m], other as u64, *n as u64, &p, &root)
                        .is_err()
                );
            }
        }
        for (m, old_root) in roots.iter().filter(|(m, _)| *m > 0 && m <= n) {
            let old_root: Hash = old_root.as_slice().try_into().expect("32-byte root");
            let p = merkle::consistency_proof(&leaves[..*n], *m as u64).expect("prefix");
            merkle::verify_consistency(*m as u64, *n as u64, &old_root, &root, &p)
                .expect("consistent");
        }
    }
}

#[test]
fn error_messages_say_what_is_wrong() {
    let leaves = rfc6962_leaves();
    let root = merkle::tree_root(&leaves);
    let err = merkle::verify_inclusion(&leaves[0], 8, 8, &[], &root).expect_err("out of range");
    assert_eq!(
        err.to_string(),
        "index out of range: leaf index 8 is not in a tree of size 8"
    );
    let err = merkle::verify_consistency(5, 3, &root, &root, &[]).expect_err("shrunk");
    assert_eq!(
        err.to_string(),
        "old tree size 5 is larger than new tree size 3"
    );
    let err = merkle::verify_inclusion_bytes(&[0u8; 12], 0, 8, &[[0u8; 32]; 3], &root)
        .expect_err("short leaf");
    assert_eq!(
        err.to_string(),
        "leaf hash is 12 bytes long; a SHA-256 hash is 32 bytes"
    );
    let p = merkle::inclusion_proof(&leaves, 0).expect("in tree");
    let err = merkle::verify_inclusion(&leaves[0], 0, 8, &p, &leaves[0]).expect_err("wrong root");
    let text = err.to_string();
    assert!(
        text.starts_with("root mismatch (computed 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328, expected 6e340b9c"),
        "{text}"
    );
}
