//! RFC 6962 / RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency
//! proofs, byte for byte.
//!
//! - A leaf hash is `SHA-256(0x00 ‖ entry)`, an interior node
//!   `SHA-256(0x01 ‖ left ‖ right)`, and the empty tree's root is `SHA-256("")`.
//! - `MTH(D[n])` splits `n` leaves at the largest power of two `k < n`; hence
//!   every node of the tree is the root of a leaf range `[a, b)`, and a proof is
//!   a list of such node hashes. [`inclusion_proof_ranges`] and
//!   [`consistency_proof_ranges`] name those ranges (RFC 9162 §2.1.3.1 `PATH`
//!   and §2.1.4.1 `PROOF`); [`inclusion_proof`] and [`consistency_proof`] hash
//!   them from a full leaf list, and [`crate::tile::ProofBuilder`] from tiles,
//!   so both produce identical proofs.
//! - [`verify_inclusion`] and [`verify_consistency`] are the iterative,
//!   allocation-free algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2. They first
//!   check that the proof has exactly the length the tree sizes imply, so a
//!   proof with an extra or a missing hash is rejected with that reason.
//!
//! The rules for degenerate inputs follow the transparency-dev/merkle test
//! vectors (`tests/data/merkle`): an index at or beyond the tree size is an
//! error; a consistency proof *from* the empty tree (old size 0) is an error
//! (every tree extends the empty tree, so such a proof proves nothing and a
//! caller asking for one has a bug); equal sizes need an empty proof and equal
//! roots.

use core::ops::Range;

use sha2::{Digest, Sha256};

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Why a proof was not produced or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("index out of range: leaf index {index} is not in a tree of size {tree_size}")]
    IndexOutOfRange {
        /// The leaf index asked about.
        index: u64,
        /// The size of the tree.
        tree_size: u64,
    },
    /// The old tree is larger than the new one: no consistency is possible.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeTooLarge {
        /// The older (claimed prefix) tree size.
        old_size: u64,
        /// The newer tree size.
        new_size: u64,
    },
    /// A consistency proof from the empty tree was asked for or given.
    #[error(
        "consistency from the empty tree (old size 0) to size {new_size} proves nothing: \
         every tree extends the empty tree, so no proof is defined"
    )]
    EmptyOldTree {
        /// The newer tree size.
        new_size: u64,
    },
    /// The proof does not have the number of hashes the tree sizes imply.
    #[error("wrong proof length (expected {expected} hashes, got {got})")]
    WrongProofLength {
        /// The length RFC 9162 implies for these sizes.
        expected: usize,
        /// The length of the proof given.
        got: usize,
    },
    /// A hash given as bytes is not 32 bytes long.
    #[error("{what} is {len} bytes long; a SHA-256 hash is 32 bytes")]
    HashLength {
        /// Which hash: "leaf hash", "root", "old root", "new root" or "proof hash N".
        what: String,
        /// Its length in bytes.
        len: usize,
    },
    /// The root computed from the proof is not the root expected.
    #[error("{which} mismatch (computed {}, expected {})", hex(.computed), hex(.expected))]
    RootMismatch {
        /// Which root: "root", "old root" or "new root".
        which: &'static str,
        /// The root the proof leads to.
        computed: Hash,
        /// The root it should have led to (from a signed checkpoint).
        expected: Hash,
    },
    /// Two checkpoints of the same size name different roots.
    #[error("trees of equal size {size} have different roots ({} and {})", hex(.old_root), hex(.new_root))]
    DifferentRootsSameSize {
        /// The common tree size.
        size: u64,
        /// The old root as given.
        old_root: Vec<u8>,
        /// The new root as given.
        new_root: Vec<u8>,
    },
}

/// Lowercase hexadecimal of a hash (or any bytes): how entry hashes,
/// document digests (`sha256sum` style) and roots in messages are written.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// The RFC 6962 hash of a leaf: `SHA-256(0x00 ‖ entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0x00])
        .chain_update(entry)
        .finalize()
        .into()
}

/// The RFC 6962 hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    // One contiguous 65-byte input: a single update is measurably faster than
    // three (this is the hot loop of tree hashing and proof verification).
    let mut input = [0u8; 65];
    input[0] = 0x01;
    input[1..33].copy_from_slice(left);
    input[33..].copy_from_slice(right);
    Sha256::digest(input).into()
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_tree_root() -> Hash {
    Sha256::digest(b"").into()
}

/// `MTH(D[n])`: the root of the tree whose leaf hashes are `leaf_hashes`.
///
/// Computed with a [`RootBuilder`], so it needs O(log n) memory beyond the
/// input and n − 1 node hashes.
pub fn tree_root(leaf_hashes: &[Hash]) -> Hash {
    let mut builder = RootBuilder::new();
    for leaf in leaf_hashes {
        builder.push(*leaf);
    }
    builder.root()
}

/// The root of a perfect subtree whose bottom row is `hashes` (a power of two,
/// at least one). Shared by the tile code, which reconstructs the levels a
/// tile does not store by hashing its row.
pub(crate) fn perfect_subtree_root(hashes: &[Hash]) -> Hash {
    debug_assert!(hashes.len().is_power_of_two());
    // The largest perfect subtree inside a tile has 256 hashes: reduce pairs in
    // a fixed buffer, halving each round, with no allocation.
    let mut row = [[0u8; 32]; 128];
    let mut width = hashes.len() / 2;
    if width == 0 {
        return hashes.first().copied().unwrap_or_else(empty_tree_root);
    }
    if width > row.len() {
        return tree_root(hashes);
    }
    for (slot, pair) in row.iter_mut().zip(hashes.chunks_exact(2)) {
        *slot = node_hash(&pair[0], &pair[1]);
    }
    while width > 1 {
        for i in 0..width / 2 {
            row[i] = node_hash(&row[2 * i], &row[2 * i + 1]);
        }
        width /= 2;
    }
    row[0]
}

/// Streaming computation of `MTH` in O(log n) memory.
///
/// It keeps the *compact range* of the leaves pushed so far: the roots of the
/// maximal perfect subtrees, largest (leftmost) first — one per set bit of the
/// size. Pushing a leaf merges equal-sized neighbours like a binary counter;
/// the root folds the stack from the right, exactly as `MTH` splits at the
/// largest power of two.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootBuilder {
    size: u64,
    /// Roots of the perfect subtrees covering `[0, size)`, left to right.
    stack: Vec<Hash>,
}

impl RootBuilder {
    /// An empty tree.
    pub fn new() -> RootBuilder {
        RootBuilder::default()
    }

    /// Appends a leaf (its leaf hash, see [`leaf_hash`]).
    pub fn push(&mut self, leaf_hash: Hash) {
        let mut hash = leaf_hash;
        let mut size = self.size;
        // Each trailing one bit of the old size is a perfect subtree of the
        // same height as the one being carried: merge them.
        while size & 1 == 1 {
            if let Some(left) = self.stack.pop() {
                hash = node_hash(&left, &hash);
            }
            size >>= 1;
        }
        self.stack.push(hash);
        self.size += 1;
    }

    /// The number of leaves pushed.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The roots of the maximal perfect subtrees covering the leaves, left
    /// (largest) to right (smallest).
    pub fn perfect_subtrees(&self) -> &[Hash] {
        &self.stack
    }

    /// `MTH` of the leaves pushed so far ([`empty_tree_root`] when none).
    pub fn root(&self) -> Hash {
        fold_right(&self.stack)
    }
}

/// Folds the roots of consecutive perfect subtrees, largest first, into the
/// root of the tree they form: `node(s0, node(s1, … node(sn-1, sn)))`.
pub(crate) fn fold_right(subtrees: &[Hash]) -> Hash {
    match subtrees.split_last() {
        None => empty_tree_root(),
        Some((last, rest)) => rest
            .iter()
            .rev()
            .fold(*last, |acc, left| node_hash(left, &acc)),
    }
}

/// The largest power of two strictly less than `n` (`n` ≥ 2): where `MTH` splits.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The leaf ranges whose `MTH` form the inclusion proof (RFC 9162 §2.1.3.1
/// `PATH(m, D[n])`) of leaf `index` in a tree of `tree_size`, in proof order
/// (bottom of the tree first).
pub fn inclusion_proof_ranges(index: u64, tree_size: u64) -> Result<Vec<Range<u64>>, ProofError> {
    if index >= tree_size {
        return Err(ProofError::IndexOutOfRange { index, tree_size });
    }
    let mut ranges = Vec::with_capacity(64);
    let (mut lo, mut hi) = (0, tree_size);
    // Walk down from the root: each split contributes the sibling subtree.
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            ranges.push(lo + k..hi);
            hi = lo + k;
        } else {
            ranges.push(lo..lo + k);
            lo += k;
        }
    }
    ranges.reverse();
    Ok(ranges)
}

/// The leaf ranges whose `MTH` form the consistency proof (RFC 9162
/// §2.1.4.1 `PROOF(m, D[n])`) from `old_size` to `new_size`, in proof order.
/// Empty when the sizes are equal.
pub fn consistency_proof_ranges(
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Range<u64>>, ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldSizeTooLarge { old_size, new_size });
    }
    if old_size == 0 {
        return Err(ProofError::EmptyOldTree { new_size });
    }
    let mut ranges = Vec::with_capacity(64);
    let (mut lo, mut hi) = (0, new_size);
    // `complete` is SUBPROOF's flag b: whether the old tree's subtree here is
    // the old tree itself (whose root the verifier already has).
    let mut complete = true;
    loop {
        if old_size == hi {
            if !complete {
                ranges.push(lo..hi);
            }
            break;
        }
        let k = split_point(hi - lo);
        if old_size <= lo + k {
            ranges.push(lo + k..hi);
            hi = lo + k;
        } else {
            ranges.push(lo..lo + k);
            lo += k;
            complete = false;
        }
    }
    ranges.reverse();
    Ok(ranges)
}

/// The inclusion proof of leaf `index` in the tree whose leaf hashes are
/// `leaf_hashes` (tree size = its length).
///
/// Costs O(n) hashes: it is for logs and tests that hold all leaves; clients
/// build proofs from tiles with [`crate::tile::ProofBuilder`].
pub fn inclusion_proof(leaf_hashes: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let ranges = inclusion_proof_ranges(index, leaf_hashes.len() as u64)?;
    Ok(ranges
        .into_iter()
        .map(|r| range_root(leaf_hashes, r))
        .collect())
}

/// The consistency proof from the first `old_size` leaves to the tree whose
/// leaf hashes are `leaf_hashes` (new size = its length). Costs O(n) hashes.
pub fn consistency_proof(leaf_hashes: &[Hash], old_size: u64) -> Result<Vec<Hash>, ProofError> {
    let ranges = consistency_proof_ranges(old_size, leaf_hashes.len() as u64)?;
    Ok(ranges
        .into_iter()
        .map(|r| range_root(leaf_hashes, r))
        .collect())
}

/// `MTH(D[a:b])` of a range that the proof functions produced (always inside
/// the slice, so the indices fit in `usize`).
fn range_root(leaf_hashes: &[Hash], range: Range<u64>) -> Hash {
    let start = usize::try_from(range.start).unwrap_or(usize::MAX);
    let end = usize::try_from(range.end).unwrap_or(usize::MAX);
    tree_root(leaf_hashes.get(start..end).unwrap_or_default())
}

/// The length of an inclusion proof for `index < tree_size` (Go's
/// `decompInclProof`): the levels where the path to the root has a sibling
/// below the point where it leaves the right border (`inner`), plus the left
/// siblings along the border (`border`).
fn inclusion_proof_len(index: u64, tree_size: u64) -> (u32, u32) {
    let inner = 64 - (index ^ (tree_size - 1)).leading_zeros();
    let border = (index >> inner).count_ones();
    (inner, border)
}

/// Checks that `bytes` is a 32-byte hash, naming it otherwise.
fn as_hash(what: impl FnOnce() -> String, bytes: &[u8]) -> Result<&Hash, ProofError> {
    bytes.try_into().map_err(|_| ProofError::HashLength {
        what: what(),
        len: bytes.len(),
    })
}

/// Checks every proof element is 32 bytes long (once, before hashing).
fn check_proof_hashes<P: AsRef<[u8]>>(proof: &[P]) -> Result<(), ProofError> {
    for (i, p) in proof.iter().enumerate() {
        as_hash(|| format!("proof hash {i}"), p.as_ref())?;
    }
    Ok(())
}

/// The `i`-th proof hash, already checked by [`check_proof_hashes`].
fn proof_hash<P: AsRef<[u8]>>(p: &P) -> &Hash {
    const ZERO: Hash = [0; 32];
    p.as_ref().try_into().unwrap_or(&ZERO)
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `tree_size` whose
/// root is `root`, given an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    tree_size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    verify_inclusion_bytes(leaf_hash, index, tree_size, proof, root)
}

/// [`verify_inclusion`] for hashes straight off the wire (e.g. base64-decoded
/// proof lines of any length): every hash must be 32 bytes, which is checked
/// here and reported by name.
pub fn verify_inclusion_bytes<P: AsRef<[u8]>>(
    leaf_hash: &[u8],
    index: u64,
    tree_size: u64,
    proof: &[P],
    root: &[u8],
) -> Result<(), ProofError> {
    if index >= tree_size {
        return Err(ProofError::IndexOutOfRange { index, tree_size });
    }
    let leaf_hash = as_hash(|| "leaf hash".into(), leaf_hash)?;
    let (inner, border) = inclusion_proof_len(index, tree_size);
    let expected = (inner + border) as usize;
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength {
            expected,
            got: proof.len(),
        });
    }
    check_proof_hashes(proof)?;
    let root = as_hash(|| "root".into(), root)?;

    // RFC 9162 §2.1.3.2: `fn` walks the leaf's position up the tree, `sn` the
    // last node's; a proof hash is a left sibling when fn is a right child or
    // when fn is on the right border (fn == sn, no right sibling exists).
    let (mut fn_, mut sn) = (index, tree_size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        let p = proof_hash(p);
        if sn == 0 {
            return Err(ProofError::WrongProofLength {
                expected,
                got: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            // On the right border, skip the levels where the node has no
            // sibling (it is promoted unchanged).
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength {
            expected,
            got: proof.len(),
        });
    }
    if r != *root {
        return Err(ProofError::RootMismatch {
            which: "root",
            computed: r,
            expected: *root,
        });
    }
    Ok(())
}

/// Verifies that the tree of `old_size` with root `old_root` is a prefix of
/// the tree of `new_size` with root `new_root`, given a consistency proof
/// (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    verify_consistency_bytes(old_size, new_size, old_root, new_root, proof)
}

/// [`verify_consistency`] for hashes straight off the wire: every hash the
/// algorithm uses must be 32 bytes, which is checked here and reported by
/// name. When the sizes are equal (and not zero) the proof must be empty and
/// the two roots are compared as given, as transparency-dev/merkle does.
pub fn verify_consistency_bytes<P: AsRef<[u8]>>(
    old_size: u64,
    new_size: u64,
    old_root: &[u8],
    new_root: &[u8],
    proof: &[P],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldSizeTooLarge { old_size, new_size });
    }
    if old_size == 0 {
        return Err(ProofError::EmptyOldTree { new_size });
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength {
                expected: 0,
                got: proof.len(),
            });
        }
        if old_root != new_root {
            return Err(ProofError::DifferentRootsSameSize {
                size: old_size,
                old_root: old_root.to_vec(),
                new_root: new_root.to_vec(),
            });
        }
        return Ok(());
    }

    // The proof is the inclusion path of the old tree's last node at level
    // `shift` (the height of its rightmost perfect subtree), preceded by that
    // subtree's root unless the old tree is itself perfect (then the old root
    // is that node, RFC 9162 step 2).
    let shift = old_size.trailing_zeros();
    let (inner, border) = inclusion_proof_len(old_size - 1, new_size);
    let old_is_perfect = old_size == 1 << shift;
    let expected = usize::from(!old_is_perfect) + (inner - shift + border) as usize;
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength {
            expected,
            got: proof.len(),
        });
    }
    check_proof_hashes(proof)?;
    let old_root = as_hash(|| "old root".into(), old_root)?;
    let new_root = as_hash(|| "new root".into(), new_root)?;
    let (seed, rest) = match proof.split_first() {
        Some((first, rest)) if !old_is_perfect => (proof_hash(first), rest),
        _ => (old_root, proof),
    };

    // RFC 9162 §2.1.4.2 steps 3–8: `fr` rebuilds the old root, `sr` the new.
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    for c in rest {
        let c = proof_hash(c);
        if sn == 0 {
            return Err(ProofError::WrongProofLength {
                expected,
                got: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength {
            expected,
            got: proof.len(),
        });
    }
    if fr != *old_root {
        return Err(ProofError::RootMismatch {
            which: "old root",
            computed: fr,
            expected: *old_root,
        });
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch {
            which: "new root",
            computed: sr,
            expected: *new_root,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// The RFC 6962 definition of MTH, recursively, as an independent oracle.
    fn mth(d: &[Hash]) -> Hash {
        match d.len() {
            0 => empty_tree_root(),
            1 => d[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&d[..k]), &mth(&d[k..]))
            }
        }
    }

    /// RFC 9162 PATH(m, D[n]), recursively, as an independent oracle.
    fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
        if d.len() <= 1 {
            return vec![];
        }
        let k = split_point(d.len() as u64) as usize;
        if m < k {
            let mut p = path(m, &d[..k]);
            p.push(mth(&d[k..]));
            p
        } else {
            let mut p = path(m - k, &d[k..]);
            p.push(mth(&d[..k]));
            p
        }
    }

    /// RFC 9162 SUBPROOF(m, D[n], b), recursively, as an independent oracle.
    fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if b { vec![] } else { vec![mth(d)] };
        }
        let k = split_point(n as u64) as usize;
        if m <= k {
            let mut p = subproof(m, &d[..k], b);
            p.push(mth(&d[k..]));
            p
        } else {
            let mut p = subproof(m - k, &d[k..], false);
            p.push(mth(&d[..k]));
            p
        }
    }

    #[test]
    fn primitive_hashes_match_sha256_with_prefixes() {
        // SHA-256("") and SHA-256(0x00): the RFC 6962 empty tree and the leaf
        // hash of an empty entry (first line of tests/data/rfc6962.txt).
        assert_eq!(
            hex(&empty_tree_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let (l, r) = (leaf_hash(b"a"), leaf_hash(b"b"));
        let mut concat = vec![1u8];
        concat.extend_from_slice(&l);
        concat.extend_from_slice(&r);
        assert_eq!(node_hash(&l, &r), <Hash>::from(Sha256::digest(&concat)));
        assert_ne!(node_hash(&l, &r), node_hash(&r, &l));
    }

    #[test]
    fn roots_match_the_recursive_definition_at_edge_sizes() {
        let all = leaves(65537);
        for n in [
            0usize, 1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537,
        ] {
            let d = &all[..n];
            let expected = mth(d);
            assert_eq!(tree_root(d), expected, "tree_root size {n}");
            let mut b = RootBuilder::new();
            d.iter().for_each(|h| b.push(*h));
            assert_eq!(b.size(), n as u64);
            assert_eq!(b.root(), expected, "RootBuilder size {n}");
            assert_eq!(b.perfect_subtrees().len(), n.count_ones() as usize);
        }
        assert_eq!(tree_root(&[]), empty_tree_root());
        assert_eq!(tree_root(&all[..1]), all[0]);
    }

    #[test]
    fn perfect_subtree_root_matches_mth() {
        let all = leaves(512);
        for w in [1usize, 2, 4, 8, 128, 256, 512] {
            assert_eq!(perfect_subtree_root(&all[..w]), mth(&all[..w]), "width {w}");
        }
    }

    #[test]
    fn proofs_match_the_recursive_definitions_and_verify() {
        let all = leaves(600);
        for n in [
            1usize, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 255, 256, 257, 300, 511, 512, 513, 600,
        ] {
            let d = &all[..n];
            let root = mth(d);
            let indices: Vec<usize> = if n <= 17 {
                (0..n).collect()
            } else {
                vec![0, 1, n / 3, n / 2, n - 2, n - 1]
            };
            for m in indices {
                let p = inclusion_proof(d, m as u64).unwrap();
                assert_eq!(p, path(m, d), "inclusion {m} in {n}");
                verify_inclusion(&d[m], m as u64, n as u64, &p, &root).unwrap();
            }
            let olds: Vec<usize> = if n <= 17 {
                (1..=n).collect()
            } else {
                vec![1, 2, 3, n / 3, n / 2, n - 1, n, 256.min(n), 257.min(n)]
            };
            for m in olds {
                let p = consistency_proof(d, m as u64).unwrap();
                assert_eq!(p, subproof(m, d, true), "consistency {m} to {n}");
                verify_consistency(m as u64, n as u64, &mth(&d[..m]), &root, &p).unwrap();
            }
        }
    }

    #[test]
    fn a_large_tree_proof_verifies() {
        let all = leaves(65537);
        let root = tree_root(&all);
        for (index, len) in [(0u64, 17), (65535, 17), (65536, 1)] {
            let p = inclusion_proof(&all, index).unwrap();
            assert_eq!(p.len(), len, "index {index}");
            verify_inclusion(&all[index as usize], index, 65537, &p, &root).unwrap();
        }
        for old in [1u64, 65535, 65536] {
            let p = consistency_proof(&all, old).unwrap();
            let old_root = tree_root(&all[..old as usize]);
            verify_consistency(old, 65537, &old_root, &root, &p).unwrap();
        }
    }

    #[test]
    fn degenerate_requests_are_rejected() {
        let d = leaves(8);
        assert_eq!(
            inclusion_proof(&[], 0),
            Err(ProofError::IndexOutOfRange {
                index: 0,
                tree_size: 0
            })
        );
        assert_eq!(
            inclusion_proof(&d, 8),
            Err(ProofError::IndexOutOfRange {
                index: 8,
                tree_size: 8
            })
        );
        assert_eq!(
            consistency_proof(&d, 0),
            Err(ProofError::EmptyOldTree { new_size: 8 })
        );
        assert_eq!(
            consistency_proof(&d, 9),
            Err(ProofError::OldSizeTooLarge {
                old_size: 9,
                new_size: 8
            })
        );
        assert_eq!(consistency_proof(&d, 8), Ok(vec![]));
        assert_eq!(inclusion_proof(&d[..1], 0), Ok(vec![]));
    }

    #[test]
    fn wrong_lengths_and_mismatches_are_named() {
        let d = leaves(8);
        let root = tree_root(&d);
        let mut p = inclusion_proof(&d, 5).unwrap();
        p.push(root);
        let err = verify_inclusion(&d[5], 5, 8, &p, &root).unwrap_err();
        assert_eq!(
            err,
            ProofError::WrongProofLength {
                expected: 3,
                got: 4
            }
        );
        assert_eq!(
            err.to_string(),
            "wrong proof length (expected 3 hashes, got 4)"
        );
        p.truncate(3);
        let err = verify_inclusion(&d[4], 5, 8, &p, &root).unwrap_err();
        assert!(matches!(
            err,
            ProofError::RootMismatch { which: "root", .. }
        ));
        assert!(
            err.to_string().starts_with("root mismatch (computed "),
            "{err}"
        );
        assert!(err.to_string().contains(&hex(&root)), "{err}");
        let short: Vec<Vec<u8>> = vec![vec![0; 32], vec![0; 31], vec![0; 32]];
        let err = verify_inclusion_bytes(&d[5], 5, 8, &short, &root).unwrap_err();
        assert_eq!(
            err.to_string(),
            "proof hash 1 is 31 bytes long; a SHA-256 hash is 32 bytes"
        );

        let c = consistency_proof(&d, 3).unwrap();
        let old = tree_root(&d[..3]);
        let err = verify_consistency(3, 8, &root, &root, &c).unwrap_err();
        assert!(matches!(
            err,
            ProofError::RootMismatch {
                which: "old root",
                ..
            }
        ));
        let err = verify_consistency(3, 8, &old, &old, &c).unwrap_err();
        assert!(matches!(
            err,
            ProofError::RootMismatch {
                which: "new root",
                ..
            }
        ));
        let err = verify_consistency(3, 8, &old, &root, &c[1..]).unwrap_err();
        assert!(matches!(err, ProofError::WrongProofLength { .. }));
        assert!(verify_consistency(8, 8, &root, &root, &[]).is_ok());
        assert!(verify_consistency(8, 8, &root, &old, &[]).is_err());
        assert!(verify_consistency(8, 8, &root, &root, &c[..1]).is_err());
        assert!(verify_consistency(0, 0, &empty_tree_root(), &empty_tree_root(), &[]).is_err());
        assert!(verify_consistency(9, 8, &root, &root, &[]).is_err());
    }
}
