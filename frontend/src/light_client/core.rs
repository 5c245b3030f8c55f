//! The light client's decisions, sans I/O: which checkpoint to trust, whether
//! a new one extends the stored one, which tiles prove it, and what alarm to
//! raise when something is wrong.
//!
//! The edges ([`super::fetch`], [`super::store`]) fetch bytes and keep the
//! last verified checkpoint; everything they decide comes from here, so it is
//! unit-tested natively. Nothing in this module fetches, stores or reads a
//! clock.
//!
//! One visit:
//! 1. [`TrustPolicies::verify`] the fetched checkpoint note (log signature,
//!    witness quorum, under every pinned policy for its origin);
//! 2. [`assess`] it against the stored checkpoint for that origin: first
//!    sight, unchanged, rolled back, forked, or advanced — then a
//!    [`PendingProof`] names the tiles whose hashes prove consistency;
//! 3. the edge fetches those tiles, [`PendingProof::add_tile`]s them and
//!    [`PendingProof::verify`]s; only then is the new checkpoint stored.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use verifier::checkpoint::Checkpoint;
use verifier::merkle::{self, Hash};
use verifier::note::Note;
use verifier::policy::{Policy, PolicyError, TrustedCheckpoint};
use verifier::tile::{ProofBuilder, TileId};

/// Where a pinned policy came from (shown in alarms and on the settings page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// Compiled into the portal by `cargo xtask dist`.
    Compiled,
    /// Added by the user on the settings page (its label).
    User(String),
}

impl fmt::Display for PolicySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicySource::Compiled => f.write_str("the policy compiled into this portal"),
            PolicySource::User(label) => write!(f, "your added policy {label:?}"),
        }
    }
}

/// The pinned trust policies: the compiled one and the user's additions.
///
/// A checkpoint is trusted when **every** policy for its origin trusts it: a
/// user's policy can add requirements (say, their own witness) but never
/// weaken the compiled one. Policies are never taken from the network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustPolicies {
    policies: Vec<(PolicySource, Policy)>,
}

/// A checkpoint trusted by every pinned policy for its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    /// The checkpoint as evaluated by the first matching policy (its quorum
    /// time and cosigners).
    pub trusted: TrustedCheckpoint,
}

impl VerifiedCheckpoint {
    /// The checkpoint's origin, size and root.
    pub fn head(&self) -> Head {
        Head::of(&self.trusted.checkpoint)
    }

    /// What to keep in the store for this checkpoint.
    pub fn to_stored(&self) -> StoredCheckpoint {
        StoredCheckpoint {
            origin: self.trusted.checkpoint.origin.clone(),
            size: self.trusted.checkpoint.size,
            root: BASE64.encode(self.trusted.checkpoint.root),
            note: self.trusted.note.clone(),
        }
    }
}

impl TrustPolicies {
    /// No policies (nothing will be trusted).
    pub fn new() -> TrustPolicies {
        TrustPolicies::default()
    }

    /// Adds a policy.
    pub fn push(&mut self, source: PolicySource, policy: Policy) {
        self.policies.push((source, policy));
    }

    /// Every pinned policy with its source.
    pub fn all(&self) -> &[(PolicySource, Policy)] {
        &self.policies
    }

    /// Whether there is no policy at all.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// The policies for `origin`, in order (compiled first).
    pub fn for_origin<'a>(&'a self, origin: &'a str) -> impl Iterator<Item = &'a Policy> + 'a {
        self.policies
            .iter()
            .filter(move |(_, p)| p.origin() == origin)
            .map(|(_, p)| p)
    }

    /// The origins the policies name, without repeats.
    pub fn origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = Vec::new();
        for (_, policy) in &self.policies {
            if !origins.iter().any(|o| o == policy.origin()) {
                origins.push(policy.origin().to_owned());
            }
        }
        origins
    }

    /// Verifies a checkpoint note under every policy for its origin.
    pub fn verify(&self, note: &[u8]) -> Result<VerifiedCheckpoint, Alarm> {
        if self.is_empty() {
            return Err(Alarm::NoPolicy);
        }
        let origin = origin_of(note)?;
        let mut first = None;
        for (source, policy) in self.policies.iter().filter(|(_, p)| p.origin() == origin) {
            let trusted = policy
                .evaluate(note)
                .map_err(|error| Alarm::untrusted(source, error))?;
            first.get_or_insert(trusted);
        }
        match first {
            Some(trusted) => Ok(VerifiedCheckpoint { trusted }),
            None => Err(Alarm::UnknownOrigin {
                origin,
                known: self.origins(),
            }),
        }
    }
}

/// The origin line of a checkpoint note, read before any signature is
/// checked (only to pick the policies and the stored checkpoint).
pub fn origin_of(note: &[u8]) -> Result<String, Alarm> {
    let parsed = Note::parse(note).map_err(|e| Alarm::Malformed(e.to_string()))?;
    let checkpoint =
        Checkpoint::parse(parsed.text()).map_err(|e| Alarm::Malformed(e.to_string()))?;
    Ok(checkpoint.origin)
}

/// A tree head: origin, size and root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The log's origin.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The tree's root hash.
    pub root: Hash,
}

impl Head {
    /// The head of a parsed checkpoint.
    pub fn of(checkpoint: &Checkpoint) -> Head {
        Head {
            origin: checkpoint.origin.clone(),
            size: checkpoint.size,
            root: checkpoint.root,
        }
    }
}

/// The last verified checkpoint of one origin, as kept in IndexedDB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCheckpoint {
    /// The log's origin (the store's key).
    pub origin: String,
    /// Its tree size.
    pub size: u64,
    /// Its root, standard base64.
    pub root: String,
    /// The whole cosigned note, as verified.
    pub note: String,
}

impl StoredCheckpoint {
    /// The stored head; an undecodable root is reported as an alarm (the
    /// store was tampered with or corrupted).
    pub fn head(&self) -> Result<Head, Alarm> {
        let root: Hash = BASE64
            .decode(&self.root)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| {
                Alarm::Malformed(format!(
                    "the stored checkpoint for {} has an unreadable root",
                    self.origin
                ))
            })?;
        Ok(Head {
            origin: self.origin.clone(),
            size: self.size,
            root,
        })
    }
}

/// How a freshly verified checkpoint relates to the stored one.
#[derive(Debug)]
pub enum Assessment {
    /// Nothing was stored for this origin: trust on first use of the pinned
    /// policy; store it.
    First(VerifiedCheckpoint),
    /// Same size and root as the stored one (nothing to store).
    Unchanged(VerifiedCheckpoint),
    /// Larger than the stored one: store it once `proof` verifies.
    Advanced {
        /// The new checkpoint.
        checkpoint: VerifiedCheckpoint,
        /// The consistency proof still to build from tiles.
        proof: PendingProof,
    },
}

impl Assessment {
    /// The newly verified checkpoint.
    pub fn checkpoint(&self) -> &VerifiedCheckpoint {
        match self {
            Assessment::First(c) | Assessment::Unchanged(c) => c,
            Assessment::Advanced { checkpoint, .. } => checkpoint,
        }
    }
}

/// Decides what a verified checkpoint means given the stored one for its
/// origin (`stored` must be for the same origin, or `None`).
pub fn assess(
    stored: Option<&StoredCheckpoint>,
    fetched: VerifiedCheckpoint,
) -> Result<Assessment, Alarm> {
    let Some(stored) = stored else {
        return Ok(Assessment::First(fetched));
    };
    let old = stored.head()?;
    let new = fetched.head();
    if new.size < old.size {
        return Err(Alarm::RolledBack {
            origin: new.origin,
            stored: old.size,
            fetched: new.size,
        });
    }
    match relate(old, new)? {
        Relation::Same => Ok(Assessment::Unchanged(fetched)),
        Relation::Prove(proof) => Ok(Assessment::Advanced {
            checkpoint: fetched,
            proof,
        }),
    }
}

/// How two heads of one log relate, before any tile is fetched.
#[derive(Debug)]
pub enum Relation {
    /// Same size and root.
    Same,
    /// The smaller must be proved a prefix of the larger.
    Prove(PendingProof),
}

/// Relates two heads of the same log, in either order: equal sizes must have
/// equal roots (else a fork); different sizes need a consistency proof.
pub fn relate(a: Head, b: Head) -> Result<Relation, Alarm> {
    if a.origin != b.origin {
        return Err(Alarm::Malformed(format!(
            "comparing checkpoints of two logs ({} and {})",
            a.origin, b.origin
        )));
    }
    let (old, new) = if a.size <= b.size { (a, b) } else { (b, a) };
    if old.size == new.size {
        if old.root == new.root {
            return Ok(Relation::Same);
        }
        return Err(Alarm::Fork {
            origin: new.origin,
            size: new.size,
            roots: (BASE64.encode(old.root), BASE64.encode(new.root)),
        });
    }
    if old.size == 0 {
        // The empty tree is a prefix of every tree (and its root is fixed).
        if old.root != merkle::empty_tree_root() {
            return Err(Alarm::Malformed(format!(
                "a checkpoint of {} claims size 0 with a root that is not the empty tree's",
                old.origin
            )));
        }
        return Ok(Relation::Prove(PendingProof {
            builder: ProofBuilder::new(new.size),
            old,
            new,
            trivial: true,
        }));
    }
    Ok(Relation::Prove(PendingProof {
        builder: ProofBuilder::new(new.size),
        old,
        new,
        trivial: false,
    }))
}

/// A consistency proof from an older head to a newer one, to be built from
/// the newer tree's tiles (fetched by the edge).
#[derive(Debug, Clone)]
pub struct PendingProof {
    old: Head,
    new: Head,
    builder: ProofBuilder,
    /// From the empty tree: nothing to prove.
    trivial: bool,
}

impl PendingProof {
    /// The older head.
    pub fn old(&self) -> &Head {
        &self.old
    }

    /// The newer head.
    pub fn new_head(&self) -> &Head {
        &self.new
    }

    /// The tiles (as published at the newer size) the proof needs.
    pub fn tiles(&self) -> Result<Vec<TileId>, Alarm> {
        if self.trivial {
            return Ok(Vec::new());
        }
        self.builder
            .tiles_for_consistency(self.old.size)
            .map_err(|e| self.inconsistent(e.to_string()))
    }

    /// Adds a fetched tile; malformed bytes are an alarm naming the tile.
    pub fn add_tile(&mut self, id: TileId, bytes: &[u8]) -> Result<(), Alarm> {
        self.builder
            .add_tile(id, bytes)
            .map_err(|e| Alarm::BadTile {
                path: id.path(),
                reason: e.to_string(),
            })
    }

    /// Builds the proof from the tiles and verifies it against both roots.
    pub fn verify(&self) -> Result<(), Alarm> {
        if self.trivial {
            return Ok(());
        }
        let proof = self
            .builder
            .consistency_proof(self.old.size)
            .map_err(|e| self.inconsistent(e.to_string()))?;
        merkle::verify_consistency(
            self.old.size,
            self.new.size,
            &self.old.root,
            &self.new.root,
            &proof,
        )
        .map_err(|e| self.inconsistent(e.to_string()))
    }

    fn inconsistent(&self, reason: String) -> Alarm {
        Alarm::Inconsistent {
            origin: self.new.origin.clone(),
            old_size: self.old.size,
            new_size: self.new.size,
            reason,
        }
    }
}

/// Something the light client detected that the user must know about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Alarm {
    /// No trust policy is pinned: nothing can be verified.
    #[error(
        "no trust policy is pinned in this portal, so nothing it shows can be verified; \
         add the registry's policy on the settings page"
    )]
    NoPolicy,
    /// The checkpoint is for a log no pinned policy names.
    #[error(
        "the registry's checkpoint is for the log {origin:?}, which no pinned policy names \
         (pinned: {})",
        if .known.is_empty() { "none".to_owned() } else { .known.join(", ") }
    )]
    UnknownOrigin {
        /// The checkpoint's origin.
        origin: String,
        /// The origins the policies name.
        known: Vec<String>,
    },
    /// The checkpoint (or stored state) cannot be read.
    #[error("the checkpoint cannot be read: {0}")]
    Malformed(String),
    /// A log signature or a witness cosignature is missing or invalid.
    #[error("bad signature under {policy}: {reason}")]
    BadSignature {
        /// Which policy rejected it.
        policy: String,
        /// What was wrong.
        reason: String,
    },
    /// Too few of the policy's witnesses cosigned.
    #[error("witness quorum missing under {policy}: {reason}")]
    QuorumMissing {
        /// Which policy.
        policy: String,
        /// Who cosigned and who did not.
        reason: String,
    },
    /// The log shows a smaller tree than this browser already verified.
    #[error(
        "the log {origin} was rolled back: this browser verified a tree of {stored} entries, \
         the registry now shows only {fetched}"
    )]
    RolledBack {
        /// The log.
        origin: String,
        /// The stored size.
        stored: u64,
        /// The fetched size.
        fetched: u64,
    },
    /// Two different roots for one tree size: the log forked.
    #[error(
        "the log {origin} forked: two different roots for the tree of {size} entries \
         ({} and {})",
        .roots.0, .roots.1
    )]
    Fork {
        /// The log.
        origin: String,
        /// The size both heads claim.
        size: u64,
        /// The two roots (earlier seen, newly seen), base64.
        roots: (String, String),
    },
    /// The newer tree does not extend the older one.
    #[error(
        "the log {origin} is inconsistent: its tree of {new_size} entries does not extend the \
         verified tree of {old_size} entries ({reason})"
    )]
    Inconsistent {
        /// The log.
        origin: String,
        /// The older size.
        old_size: u64,
        /// The newer size.
        new_size: u64,
        /// Why the proof failed.
        reason: String,
    },
    /// The registry served a malformed tile.
    #[error("the registry served a malformed tile {path}: {reason}")]
    BadTile {
        /// The tile's path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl Alarm {
    fn untrusted(source: &PolicySource, error: PolicyError) -> Alarm {
        let policy = source.to_string();
        match error {
            PolicyError::QuorumNotMet { .. } => Alarm::QuorumMissing {
                policy,
                reason: error.to_string(),
            },
            PolicyError::Checkpoint(_) | PolicyError::Note(_) => {
                Alarm::Malformed(error.to_string())
            }
            other => Alarm::BadSignature {
                policy,
                reason: other.to_string(),
            },
        }
    }

    /// A short, stable kind for the banner's `data-kind` and for tests.
    pub fn kind(&self) -> &'static str {
        match self {
            Alarm::NoPolicy => "no-policy",
            Alarm::UnknownOrigin { .. } => "unknown-origin",
            Alarm::Malformed(_) => "malformed",
            Alarm::BadSignature { .. } => "bad-signature",
            Alarm::QuorumMissing { .. } => "quorum-missing",
            Alarm::RolledBack { .. } => "rollback",
            Alarm::Fork { .. } => "fork",
            Alarm::Inconsistent { .. } => "inconsistent",
            Alarm::BadTile { .. } => "bad-tile",
        }
    }

    /// A one-line headline for the banner.
    pub fn headline(&self) -> &'static str {
        match self {
            Alarm::NoPolicy => "No trust policy: nothing can be verified",
            Alarm::UnknownOrigin { .. } => "Unknown log",
            Alarm::Malformed(_) => "Unreadable checkpoint",
            Alarm::BadSignature { .. } => "Bad signature on the log's checkpoint",
            Alarm::QuorumMissing { .. } => "Witness quorum missing",
            Alarm::RolledBack { .. } => "The log was rolled back",
            Alarm::Fork { .. } => "The log forked",
            Alarm::Inconsistent { .. } => "The log's history changed",
            Alarm::BadTile { .. } => "The registry served a malformed tile",
        }
    }
}

#[cfg(test)]
mod tests {
    use verifier::checkpoint::sign_checkpoint;
    use verifier::cosignature::{add_signatures, cosign};
    use verifier::note::{KeyType, SignerKey};
    use verifier::tile::TileHasher;

    use super::*;

    const ORIGIN: &str = "registry.test/log";

    struct Log {
        key: SignerKey,
        witnesses: Vec<SignerKey>,
        leaves: Vec<Hash>,
    }

    impl Log {
        fn new() -> Log {
            let key = SignerKey::from_seed(ORIGIN, KeyType::Ed25519, [7; 32]).unwrap();
            let witnesses = (0..3u8)
                .map(|i| {
                    SignerKey::from_seed(
                        &format!("w{i}.test/witness"),
                        KeyType::Cosignature,
                        [0x40 + i; 32],
                    )
                    .unwrap()
                })
                .collect();
            Log {
                key,
                witnesses,
                leaves: Vec::new(),
            }
        }

        fn policy(&self, quorum: usize) -> Policy {
            let mut builder = Policy::builder(self.key.verifier_key());
            for (i, w) in self.witnesses.iter().enumerate() {
                builder = builder.witness(format!("w{i}"), w.verifier_key());
            }
            builder.quorum(quorum).build().unwrap()
        }

        fn grow(&mut self, n: usize) {
            for _ in 0..n {
                let i = self.leaves.len();
                self.leaves
                    .push(merkle::leaf_hash(format!("entry {i}").as_bytes()));
            }
        }

        /// A note for the first `size` leaves, cosigned by `cosigners`.
        fn note(&self, size: usize, cosigners: &[usize]) -> String {
            let root = merkle::tree_root(&self.leaves[..size]);
            self.note_with_root(size, root, cosigners)
        }

        fn note_with_root(&self, size: usize, root: Hash, cosigners: &[usize]) -> String {
            let checkpoint = Checkpoint {
                origin: ORIGIN.into(),
                size: size as u64,
                root,
                extensions: vec![],
            };
            let note = sign_checkpoint(&checkpoint, &self.key).unwrap();
            let signatures: Vec<_> = cosigners
                .iter()
                .map(|&i| {
                    cosign(
                        &self.witnesses[i],
                        &checkpoint.to_text(),
                        1_700_000_000 + i as u64,
                    )
                    .unwrap()
                })
                .collect();
            add_signatures(&note, &signatures).unwrap()
        }

        /// The tiles of the first `size` leaves, by id.
        fn tiles(&self, size: usize) -> Vec<(TileId, Vec<u8>)> {
            let mut hasher = TileHasher::new();
            let mut out = std::collections::BTreeMap::new();
            for leaf in &self.leaves[..size] {
                for (id, hashes) in hasher.push(*leaf) {
                    out.insert((id.level, id.index), (id, hashes));
                }
            }
            for (id, hashes) in hasher.partial_tiles() {
                out.insert((id.level, id.index), (id, hashes));
            }
            out.into_values()
                .map(|(id, hashes)| (id, hashes.concat()))
                .collect()
        }
    }

    fn policies(log: &Log, quorum: usize) -> TrustPolicies {
        let mut p = TrustPolicies::new();
        p.push(PolicySource::Compiled, log.policy(quorum));
        p
    }

    /// Runs a whole visit against tiles served from `tiles`.
    fn visit(
        policies: &TrustPolicies,
        stored: Option<&StoredCheckpoint>,
        note: &str,
        tiles: &[(TileId, Vec<u8>)],
    ) -> Result<StoredCheckpoint, Alarm> {
        let verified = policies.verify(note.as_bytes())?;
        match assess(stored, verified)? {
            Assessment::First(c) | Assessment::Unchanged(c) => Ok(c.to_stored()),
            Assessment::Advanced {
                checkpoint,
                mut proof,
            } => {
                for id in proof.tiles()? {
                    let (_, bytes) = tiles
                        .iter()
                        .find(|(t, _)| *t == id)
                        .unwrap_or_else(|| panic!("test log has no tile {id}"));
                    proof.add_tile(id, bytes)?;
                }
                proof.verify()?;
                Ok(checkpoint.to_stored())
            }
        }
    }

    #[test]
    fn good_update_through_tiles() {
        let mut log = Log::new();
        log.grow(300);
        let policies = policies(&log, 2);
        let first = visit(&policies, None, &log.note(5, &[0, 1]), &[]).unwrap();
        assert_eq!(first.size, 5);
        // 300 leaves: a full level-0 tile and a partial one, and a level-1 tile.
        let tiles = log.tiles(300);
        let second = visit(&policies, Some(&first), &log.note(300, &[1, 2]), &tiles).unwrap();
        assert_eq!(second.size, 300);
        // Same again: unchanged, no tiles needed.
        let verified = policies.verify(log.note(300, &[0, 2]).as_bytes()).unwrap();
        assert!(matches!(
            assess(Some(&second), verified).unwrap(),
            Assessment::Unchanged(_)
        ));
    }

    #[test]
    fn tile_built_proof_matches_the_leaf_list_proof() {
        let mut log = Log::new();
        log.grow(1000);
        let old = Head {
            origin: ORIGIN.into(),
            size: 257,
            root: merkle::tree_root(&log.leaves[..257]),
        };
        let new = Head {
            origin: ORIGIN.into(),
            size: 1000,
            root: merkle::tree_root(&log.leaves),
        };
        let Relation::Prove(mut proof) = relate(new.clone(), old.clone()).unwrap() else {
            panic!("expected a proof");
        };
        assert_eq!(proof.old(), &old);
        let tiles = log.tiles(1000);
        for id in proof.tiles().unwrap() {
            let (_, bytes) = tiles.iter().find(|(t, _)| *t == id).unwrap();
            proof.add_tile(id, bytes).unwrap();
        }
        proof.verify().unwrap();
        assert_eq!(
            proof.builder.consistency_proof(257).unwrap(),
            merkle::consistency_proof(&log.leaves, 257).unwrap()
        );
    }

    #[test]
    fn rollback_is_an_alarm() {
        let mut log = Log::new();
        log.grow(20);
        let policies = policies(&log, 2);
        let stored = visit(&policies, None, &log.note(20, &[0, 1]), &[]).unwrap();
        let alarm = visit(&policies, Some(&stored), &log.note(10, &[0, 1]), &[]).unwrap_err();
        assert_eq!(
            alarm,
            Alarm::RolledBack {
                origin: ORIGIN.into(),
                stored: 20,
                fetched: 10
            }
        );
        assert_eq!(alarm.kind(), "rollback");
        assert!(alarm.to_string().contains("rolled back"), "{alarm}");
    }

    #[test]
    fn same_size_different_root_is_a_fork() {
        let mut log = Log::new();
        log.grow(20);
        let policies = policies(&log, 2);
        let stored = visit(&policies, None, &log.note(20, &[0, 1]), &[]).unwrap();
        let forged = log.note_with_root(20, merkle::leaf_hash(b"other"), &[0, 1]);
        let alarm = visit(&policies, Some(&stored), &forged, &[]).unwrap_err();
        assert_eq!(alarm.kind(), "fork");
    }

    #[test]
    fn a_rewritten_history_fails_the_tile_proof() {
        let mut log = Log::new();
        log.grow(40);
        let policies = policies(&log, 2);
        let stored = visit(&policies, None, &log.note(10, &[0, 1]), &[]).unwrap();
        // The registry rewrites entry 3 and signs the new tree of 40.
        log.leaves[3] = merkle::leaf_hash(b"rewritten");
        let alarm = visit(
            &policies,
            Some(&stored),
            &log.note(40, &[0, 1]),
            &log.tiles(40),
        )
        .unwrap_err();
        assert_eq!(alarm.kind(), "inconsistent", "{alarm}");
    }

    #[test]
    fn a_flipped_tile_byte_fails_the_proof() {
        let mut log = Log::new();
        log.grow(40);
        let policies = policies(&log, 2);
        let stored = visit(&policies, None, &log.note(10, &[0, 1]), &[]).unwrap();
        let mut tiles = log.tiles(40);
        tiles[0].1[5] ^= 1;
        let alarm = visit(&policies, Some(&stored), &log.note(40, &[0, 1]), &tiles).unwrap_err();
        assert_eq!(alarm.kind(), "inconsistent", "{alarm}");
        // A truncated tile is malformed, named by its path.
        let mut tiles = log.tiles(40);
        tiles[0].1.pop();
        let alarm = visit(&policies, Some(&stored), &log.note(40, &[0, 1]), &tiles).unwrap_err();
        assert_eq!(alarm.kind(), "bad-tile", "{alarm}");
        assert!(alarm.to_string().contains("tile/0/000.p/40"), "{alarm}");
    }

    #[test]
    fn bad_log_signature_is_an_alarm() {
        let mut log = Log::new();
        log.grow(3);
        let policies = policies(&log, 1);
        let note = log.note(3, &[0]);
        // Flip a character of the log's signature (the first signature line).
        let at = note.find("\u{2014} ").unwrap() + ORIGIN.len() + 10;
        let mut bytes = note.into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let alarm = policies.verify(&bytes).unwrap_err();
        assert!(
            matches!(alarm.kind(), "bad-signature" | "malformed"),
            "{alarm}"
        );
        // A checkpoint signed by another key.
        let other = SignerKey::from_seed(ORIGIN, KeyType::Ed25519, [9; 32]).unwrap();
        let checkpoint = Checkpoint {
            origin: ORIGIN.into(),
            size: 3,
            root: merkle::tree_root(&log.leaves),
            extensions: vec![],
        };
        let forged = sign_checkpoint(&checkpoint, &other).unwrap();
        let alarm = policies.verify(forged.as_bytes()).unwrap_err();
        assert_eq!(alarm.kind(), "bad-signature", "{alarm}");
    }

    #[test]
    fn missing_quorum_is_an_alarm() {
        let mut log = Log::new();
        log.grow(3);
        let policies = policies(&log, 2);
        let alarm = policies.verify(log.note(3, &[1]).as_bytes()).unwrap_err();
        assert_eq!(alarm.kind(), "quorum-missing");
        assert!(
            alarm.to_string().contains("only 1 of the required 2"),
            "{alarm}"
        );
    }

    #[test]
    fn every_policy_for_the_origin_must_trust_it() {
        let mut log = Log::new();
        log.grow(3);
        let mut policies = policies(&log, 1);
        assert!(policies.verify(log.note(3, &[0]).as_bytes()).is_ok());
        // The user adds a stricter policy for the same log.
        policies.push(PolicySource::User("strict".into()), log.policy(3));
        let alarm = policies.verify(log.note(3, &[0]).as_bytes()).unwrap_err();
        assert_eq!(alarm.kind(), "quorum-missing");
        assert!(alarm.to_string().contains("strict"), "{alarm}");
        assert!(policies.verify(log.note(3, &[0, 1, 2]).as_bytes()).is_ok());
    }

    #[test]
    fn unknown_origin_and_no_policy() {
        let mut log = Log::new();
        log.grow(3);
        let note = log.note(3, &[0]);
        assert_eq!(
            TrustPolicies::new().verify(note.as_bytes()).unwrap_err(),
            Alarm::NoPolicy
        );
        let other_key = SignerKey::from_seed("other.test/log", KeyType::Ed25519, [1; 32]).unwrap();
        let mut policies = TrustPolicies::new();
        policies.push(
            PolicySource::Compiled,
            Policy::builder(other_key.verifier_key())
                .quorum(0)
                .build()
                .unwrap(),
        );
        let alarm = policies.verify(note.as_bytes()).unwrap_err();
        assert_eq!(alarm.kind(), "unknown-origin");
        assert!(alarm.to_string().contains("other.test/log"), "{alarm}");
        assert_eq!(
            policies.verify(b"not a note").unwrap_err().kind(),
            "malformed"
        );
    }

    #[test]
    fn relate_is_symmetric_and_handles_the_empty_tree() {
        let mut log = Log::new();
        log.grow(3);
        let head = |size: usize| Head {
            origin: ORIGIN.into(),
            size: size as u64,
            root: merkle::tree_root(&log.leaves[..size]),
        };
        assert!(matches!(relate(head(3), head(3)).unwrap(), Relation::Same));
        let Relation::Prove(proof) = relate(head(0), head(3)).unwrap() else {
            panic!()
        };
        assert!(proof.tiles().unwrap().is_empty());
        proof.verify().unwrap();
        let other_origin = Head {
            origin: "x/y".into(),
            ..head(3)
        };
        assert!(relate(head(3), other_origin).is_err());
    }

    #[test]
    fn stored_checkpoint_round_trips() {
        let mut log = Log::new();
        log.grow(3);
        let policies = policies(&log, 1);
        let verified = policies.verify(log.note(3, &[0]).as_bytes()).unwrap();
        let stored = verified.to_stored();
        let json = serde_json::to_string(&stored).unwrap();
        let back: StoredCheckpoint = serde_json::from_str(&json).unwrap();
        assert_eq!(back.head().unwrap(), verified.head());
        let broken = StoredCheckpoint {
            root: "!!".into(),
            ..back
        };
        assert_eq!(broken.head().unwrap_err().kind(), "malformed");
    }
}
