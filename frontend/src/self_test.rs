//! The light client's known-answer test: before the portal checks anything
//! against the ledger, it checks that the `verifier` core it carries computes
//! RFC 6962 correctly in this browser.
//!
//! It recomputes the root of RFC 6962's example tree (the eight leaves of the
//! reference test vectors), builds and verifies an inclusion proof for one
//! leaf, and checks that the same proof rejects a different leaf. This
//! exercises SHA-256 and the proof code compiled to wasm32; it verifies no
//! ledger data (there is none to fetch yet).

use verifier::merkle::{self, Hash, hex};

/// The RFC 6962 reference leaves (`rfc6962.txt` vectors).
const LEAVES: [&[u8]; 8] = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
];

/// The root of the tree of all eight leaves.
pub const EXPECTED_ROOT_HEX: &str =
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";

/// The leaf whose inclusion is proved.
const PROVED_LEAF: u64 = 5;

/// What the self-test found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check passed.
    Passed,
    /// A check failed; the text says which.
    Failed(String),
}

/// Runs the known-answer test.
pub fn run() -> Outcome {
    match checks() {
        Ok(()) => Outcome::Passed,
        Err(reason) => Outcome::Failed(reason),
    }
}

fn checks() -> Result<(), String> {
    let leaves: Vec<Hash> = LEAVES.iter().map(|l| merkle::leaf_hash(l)).collect();
    let root = merkle::tree_root(&leaves);
    let root_hex = hex(&root);
    if root_hex != EXPECTED_ROOT_HEX {
        return Err(format!(
            "tree root {root_hex} differs from RFC 6962's {EXPECTED_ROOT_HEX}"
        ));
    }
    let size = leaves.len() as u64;
    let proof = merkle::inclusion_proof(&leaves, PROVED_LEAF)
        .map_err(|e| format!("cannot build the inclusion proof: {e}"))?;
    let index = usize::try_from(PROVED_LEAF).map_err(|e| e.to_string())?;
    merkle::verify_inclusion(&leaves[index], PROVED_LEAF, size, &proof, &root)
        .map_err(|e| format!("a valid inclusion proof was rejected: {e}"))?;
    let other = merkle::leaf_hash(b"not in the tree");
    if merkle::verify_inclusion(&other, PROVED_LEAF, size, &proof, &root).is_ok() {
        return Err("an inclusion proof verified for a leaf that is not in the tree".into());
    }
    Ok(())
}
