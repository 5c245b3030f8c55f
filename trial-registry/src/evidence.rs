//! Evidence bundles (DESIGN §5) built by the registry **from its tiles**,
//! and the anchors (witnessed times) the trials API shows.
//!
//! For a trial's entries, [`build_bundle`]:
//!
//! 1. takes the **head**: the latest checkpoint the policy trusts (the
//!    published one when it carries the quorum, else the latest trusted one
//!    in the archive);
//! 2. finds each entry's **anchor**: the first archived checkpoint with
//!    size > index that the policy trusts (log signature and witness
//!    quorum); its quorum time is the entry's witnessed time;
//! 3. asks [`ProofBuilder`] which tiles the inclusion proof (under the
//!    anchor) and the consistency proof (anchor → head) need, reads them
//!    with [`LogRead::read_tile`], and builds the proofs — O(log n) tiles
//!    per proof, never the whole leaf list;
//! 4. checks every proof it built against the signed roots (a registry
//!    whose tiles and checkpoints disagree refuses to hand out a bundle
//!    rather than ship one that fails verification).
//!
//! The result is byte-identical to [`verifier::bundle::BundleBuilder`]'s on
//! the same log (a unit test checks it), and `verifier::report` verifies it.
//!
//! **Pending entries.** An entry that no trusted checkpoint contains yet
//! (sequenced, but not yet integrated and cosigned) has no anchor. The
//! bundle format has no field for it, so such entries are **left out** and
//! returned in [`Evidence::pending`]; the HTTP handler names them in a
//! `Trial-Ledger-Pending` header. Anchors are monotone in the index, so the
//! pending entries are always the trial's latest ones: the bundle is a
//! verifiable prefix of the trial's history, and a later download has them.
//!
//! [`Anchors`] caches the policy's verdict on archived checkpoints (a
//! trusted checkpoint stays trusted; an untrusted one is re-evaluated when
//! its archived note changes), so witnessed times cost a lookup, not a
//! signature verification, after the first request.
//!
//! What this is not: a verifier. The reviewer's `trialverify bundle` (and
//! the portal) re-check everything against the policy they pin.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use verifier::bundle::{BUNDLE_FORMAT, Bundle, BundleEntry, MAX_BUNDLE_ENTRIES};
use verifier::entry::TrialId;
use verifier::merkle::{self, Hash, ProofError};
use verifier::policy::TrustedCheckpoint;
use verifier::tile::{HASH_SIZE, ProofBuilder, TILE_WIDTH, TileError, TileId};

use crate::log::LogRead;
use crate::store::StoreError;

/// Why a bundle or an anchor could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The log's storage failed.
    #[error("reading the log: {0}")]
    Store(#[from] StoreError),
    /// No checkpoint carries the policy's quorum of cosignatures yet.
    #[error(
        "the log has no checkpoint cosigned by the policy's witness quorum yet; try again after the next checkpoint"
    )]
    NoTrustedCheckpoint,
    /// None of the trial's entries is in a trusted checkpoint yet.
    #[error(
        "none of trial {trial_id}'s {count} entries is in a checkpoint cosigned by the witness quorum yet; try again after the next checkpoint"
    )]
    NotWitnessed {
        /// The trial.
        trial_id: TrialId,
        /// How many entries it has.
        count: usize,
    },
    /// The trial has more entries than a bundle may carry.
    #[error(
        "trial {trial_id} has {count} anchored entries; a bundle carries at most {MAX_BUNDLE_ENTRIES}"
    )]
    TooManyEntries {
        /// The trial.
        trial_id: TrialId,
        /// How many entries are anchored.
        count: usize,
    },
    /// An entry the ledger lists is not in the store.
    #[error("entry {index} is sequenced but its bytes are not in the store")]
    MissingEntry {
        /// Its index.
        index: u64,
    },
    /// An archived checkpoint note the log listed is not in the archive.
    #[error("the archived checkpoint of size {size} is listed but not stored")]
    MissingCheckpoint {
        /// Its size.
        size: u64,
    },
    /// A tile could not be read or used.
    #[error("tile {path}: {source}")]
    Tile {
        /// The tile's path.
        path: String,
        /// What went wrong.
        #[source]
        source: TileSourceError,
    },
    /// A proof built from the tiles does not verify against the signed
    /// roots: the log's tiles and its checkpoints disagree.
    #[error(
        "the {what} proof for entry {index} built from the log's tiles does not verify against the signed checkpoints ({source}); the log's storage is inconsistent"
    )]
    ProofMismatch {
        /// `inclusion` or `consistency`.
        what: &'static str,
        /// The entry.
        index: u64,
        /// What the verification said.
        #[source]
        source: ProofError,
    },
    /// Proofs could not be computed from the tiles.
    #[error("building a proof from tiles: {0}")]
    Proof(#[from] TileError),
}

/// Why a tile could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TileSourceError {
    /// The store failed or does not have the tile.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The tile's bytes are not a hash tile of its width.
    #[error("{got} bytes, not the 32 bytes of each of the tile's {width} hashes")]
    Size {
        /// Bytes read.
        got: usize,
        /// Hashes expected.
        width: u16,
    },
}

/// A trusted checkpoint: an anchor or a head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// Its tree size.
    pub size: u64,
    /// Its root hash.
    pub root: Hash,
    /// The cosigned note, as archived (or published).
    pub note: String,
    /// The policy's quorum time (seconds since the epoch); `None` only with
    /// a quorum of 0.
    pub quorum_time: Option<u64>,
}

impl Anchor {
    fn from_trusted(trusted: TrustedCheckpoint) -> Anchor {
        Anchor {
            size: trusted.checkpoint.size,
            root: trusted.checkpoint.root,
            note: trusted.note,
            quorum_time: trusted.quorum_time,
        }
    }
}

/// What the policy said about one archived note.
#[derive(Debug, Clone)]
enum Verdict {
    Trusted(Arc<Anchor>),
    /// Not trusted; the note evaluated (re-evaluated when it changes).
    Untrusted(String),
}

/// A cache of the policy's verdicts on archived checkpoints (see the module
/// documentation). Shared by all requests.
#[derive(Debug, Default)]
pub struct Anchors {
    verdicts: Mutex<HashMap<u64, Verdict>>,
    /// The last published note evaluated, and the policy's verdict.
    published: Mutex<Option<(String, Option<Arc<Anchor>>)>>,
}

/// The archived sizes and the head at one moment, for one request.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Archived checkpoint sizes, ascending.
    pub sizes: Vec<u64>,
    /// The latest trusted checkpoint, if any.
    pub head: Option<Arc<Anchor>>,
    /// The size of the published checkpoint (trusted or not; 0 if none):
    /// every tile of trees up to this size can be read.
    pub published_size: u64,
}

impl Anchors {
    /// An empty cache.
    pub fn new() -> Anchors {
        Anchors::default()
    }

    /// The archived checkpoint of `size` if the policy trusts it.
    pub fn trusted<L: LogRead>(
        &self,
        log: &L,
        size: u64,
    ) -> Result<Option<Arc<Anchor>>, EvidenceError> {
        if let Some(Verdict::Trusted(anchor)) = self.lock().get(&size) {
            return Ok(Some(Arc::clone(anchor)));
        }
        let note = log
            .archived_checkpoint(size)?
            .ok_or(EvidenceError::MissingCheckpoint { size })?;
        if let Some(Verdict::Untrusted(seen)) = self.lock().get(&size)
            && *seen == note
        {
            return Ok(None);
        }
        let verdict = match log.policy().evaluate(note.as_bytes()) {
            // The archive is indexed by size: a note of another size is
            // not this entry of the archive.
            Ok(trusted) if trusted.checkpoint.size == size => {
                Verdict::Trusted(Arc::new(Anchor::from_trusted(trusted)))
            }
            _ => Verdict::Untrusted(note),
        };
        let result = match &verdict {
            Verdict::Trusted(anchor) => Some(Arc::clone(anchor)),
            Verdict::Untrusted(_) => None,
        };
        self.lock().insert(size, verdict);
        Ok(result)
    }

    /// The archive's sizes and the head: the published checkpoint if the
    /// policy trusts it, else the latest trusted archived one.
    pub fn snapshot<L: LogRead>(&self, log: &L) -> Result<Snapshot, EvidenceError> {
        let sizes = log.archived_sizes();
        let published = log.published();
        let published_size = published.as_ref().map_or(0, |(size, _)| *size);
        let published = published.and_then(|(size, note)| self.evaluate_published(log, size, note));
        let top = sizes.last().copied().unwrap_or(0);
        let head = match published {
            Some(head) if head.size >= top => Some(head),
            _ => {
                let mut head = None;
                for &size in sizes.iter().rev() {
                    if let Some(anchor) = self.trusted(log, size)? {
                        head = Some(anchor);
                        break;
                    }
                }
                head
            }
        };
        Ok(Snapshot {
            sizes,
            head,
            published_size,
        })
    }

    /// The anchor of the entry at `index`: the first archived checkpoint of
    /// size > `index` (and at most the head's) that the policy trusts.
    pub fn anchor<L: LogRead>(
        &self,
        log: &L,
        snapshot: &Snapshot,
        index: u64,
    ) -> Result<Option<Arc<Anchor>>, EvidenceError> {
        let Some(head) = &snapshot.head else {
            return Ok(None);
        };
        if index >= head.size {
            return Ok(None);
        }
        let from = snapshot.sizes.partition_point(|&s| s <= index);
        for &size in snapshot.sizes.get(from..).unwrap_or_default() {
            if size > head.size {
                break;
            }
            if size == head.size {
                // The head itself (possibly the published note, not yet in
                // the archive listing).
                return Ok(Some(Arc::clone(head)));
            }
            if let Some(anchor) = self.trusted(log, size)? {
                return Ok(Some(anchor));
            }
        }
        Ok(Some(Arc::clone(head)))
    }

    /// The published checkpoint if the policy trusts it (the verdict on the
    /// last published note is cached: it changes once per checkpoint).
    fn evaluate_published<L: LogRead>(
        &self,
        log: &L,
        size: u64,
        note: String,
    ) -> Option<Arc<Anchor>> {
        let mut cached = self
            .published
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((seen, verdict)) = cached.as_ref()
            && *seen == note
        {
            return verdict.clone();
        }
        let verdict = log
            .policy()
            .evaluate(note.as_bytes())
            .ok()
            .filter(|trusted| trusted.checkpoint.size == size)
            .map(|trusted| Arc::new(Anchor::from_trusted(trusted)));
        *cached = Some((note, verdict.clone()));
        verdict
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Verdict>> {
        self.verdicts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A bundle and what it left out.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The bundle (entries with anchors only).
    pub bundle: Bundle,
    /// The head's tree size.
    pub head_size: u64,
    /// Indexes of the trial's entries not yet in a trusted checkpoint, left
    /// out of the bundle (see the module documentation).
    pub pending: Vec<u64>,
}

/// Builds the evidence bundle of `trial_id` whose entries are at `indexes`
/// (ascending, as in the ledger's history), from the log's tiles. See the
/// module documentation.
pub fn build_bundle<L: LogRead>(
    log: &L,
    anchors: &Anchors,
    trial_id: &TrialId,
    indexes: &[u64],
) -> Result<Evidence, EvidenceError> {
    let snapshot = anchors.snapshot(log)?;
    let head = snapshot
        .head
        .clone()
        .ok_or(EvidenceError::NoTrustedCheckpoint)?;

    let mut anchored: Vec<(u64, Arc<Anchor>)> = Vec::with_capacity(indexes.len());
    let mut pending = Vec::new();
    for &index in indexes {
        match anchors.anchor(log, &snapshot, index)? {
            Some(anchor) => anchored.push((index, anchor)),
            None => pending.push(index),
        }
    }
    if anchored.is_empty() {
        return Err(EvidenceError::NotWitnessed {
            trial_id: trial_id.clone(),
            count: indexes.len(),
        });
    }
    if anchored.len() > MAX_BUNDLE_ENTRIES {
        return Err(EvidenceError::TooManyEntries {
            trial_id: trial_id.clone(),
            count: anchored.len(),
        });
    }

    let mut tiles = TileFetcher::new(log, head.size.max(snapshot.published_size));
    // One proof builder per distinct anchor size (inclusion proofs), and
    // one at the head's size (consistency proofs).
    let mut builders: BTreeMap<u64, ProofBuilder> = BTreeMap::new();
    for (index, anchor) in &anchored {
        let builder = builders
            .entry(anchor.size)
            .or_insert_with(|| ProofBuilder::new(anchor.size));
        let needed = builder.tiles_for_inclusion(*index)?;
        tiles.add_to(builder, needed)?;
    }
    let mut head_builder = ProofBuilder::new(head.size);
    for &size in builders.keys() {
        if size < head.size {
            let needed = head_builder.tiles_for_consistency(size)?;
            tiles.add_to(&mut head_builder, needed)?;
        }
    }

    let mut consistency: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut entries = Vec::with_capacity(anchored.len());
    for (index, anchor) in &anchored {
        let bytes = log
            .entry(*index)?
            .ok_or(EvidenceError::MissingEntry { index: *index })?;
        let builder = builders
            .get(&anchor.size)
            .ok_or(EvidenceError::NoTrustedCheckpoint)?;
        let inclusion = builder.inclusion_proof(*index)?;
        merkle::verify_inclusion(
            &merkle::leaf_hash(&bytes),
            *index,
            anchor.size,
            &inclusion,
            &anchor.root,
        )
        .map_err(|source| EvidenceError::ProofMismatch {
            what: "inclusion",
            index: *index,
            source,
        })?;
        let consistency = match consistency.get(&anchor.size) {
            Some(proof) => proof.clone(),
            None => {
                let proof = if anchor.size == head.size {
                    Vec::new()
                } else {
                    head_builder.consistency_proof(anchor.size)?
                };
                merkle::verify_consistency(
                    anchor.size,
                    head.size,
                    &anchor.root,
                    &head.root,
                    &proof,
                )
                .map_err(|source| EvidenceError::ProofMismatch {
                    what: "consistency",
                    index: *index,
                    source,
                })?;
                let encoded: Vec<String> = proof.iter().map(|h| BASE64.encode(h)).collect();
                consistency.insert(anchor.size, encoded.clone());
                encoded
            }
        };
        entries.push(BundleEntry {
            index: *index,
            entry: BASE64.encode(&bytes),
            anchor: anchor.note.clone(),
            inclusion: inclusion.iter().map(|h| BASE64.encode(h)).collect(),
            consistency,
        });
    }
    Ok(Evidence {
        bundle: Bundle {
            format: BUNDLE_FORMAT.to_owned(),
            origin: log.policy().origin().to_owned(),
            trial_id: trial_id.to_string(),
            head: head.note.clone(),
            entries,
        },
        head_size: head.size,
        pending,
    })
}

/// Reads hash tiles once per request, answering narrower (older) versions
/// of a tile from a wider one: a partial tile is a prefix of every wider
/// version of it, so the log need not keep every width it ever published.
struct TileFetcher<'a, L> {
    log: &'a L,
    /// A published tree size at least the head's: every tile needed
    /// exists (at least as wide) in the tree of this size.
    bound: u64,
    /// The widest version read of each `(level, index)`.
    read: HashMap<(u8, u64), Vec<u8>>,
}

impl<'a, L: LogRead> TileFetcher<'a, L> {
    fn new(log: &'a L, bound: u64) -> Self {
        TileFetcher {
            log,
            bound,
            read: HashMap::new(),
        }
    }

    /// Fetches `ids` and adds them to `builder`.
    fn add_to(
        &mut self,
        builder: &mut ProofBuilder,
        ids: Vec<TileId>,
    ) -> Result<(), EvidenceError> {
        for id in ids {
            let bytes = self.fetch(id).map_err(|source| EvidenceError::Tile {
                path: id.path(),
                source,
            })?;
            builder.add_tile(id, bytes)?;
        }
        Ok(())
    }

    /// The bytes of tile `id` (exactly `width` hashes).
    fn fetch(&mut self, id: TileId) -> Result<&[u8], TileSourceError> {
        let want = usize::from(id.width) * HASH_SIZE;
        let key = (id.level, id.index);
        let have = self.read.get(&key).map_or(0, Vec::len);
        if have < want {
            let bytes = match self.log.read_tile(&id) {
                Ok(bytes) => bytes,
                Err(error) => {
                    // Not stored at this width: read a wider version (as of
                    // the published tree, or the full tile) and take its
                    // prefix.
                    let wider = [
                        TileId::for_tree(id.level, id.index, self.bound),
                        Some(TileId {
                            width: TILE_WIDTH as u16,
                            ..id
                        }),
                    ];
                    let mut found = None;
                    for wider in wider.into_iter().flatten() {
                        if wider.width > id.width
                            && let Ok(bytes) = self.log.read_tile(&wider)
                        {
                            found = Some(bytes);
                            break;
                        }
                    }
                    found.ok_or(error)?
                }
            };
            if bytes.len() < want || bytes.len() % HASH_SIZE != 0 {
                return Err(TileSourceError::Size {
                    got: bytes.len(),
                    width: id.width,
                });
            }
            self.read.insert(key, bytes);
        }
        self.read
            .get(&key)
            .and_then(|bytes| bytes.get(..want))
            .ok_or(TileSourceError::Size {
                got: have,
                width: id.width,
            })
    }
}

#[cfg(test)]
pub(crate) mod fake {
    //! An in-memory [`LogRead`] built with the verifier's `TileHasher`, and
    //! a witnessed example log, for unit tests of the evidence and the
    //! trials API.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::{BTreeMap, HashMap};

    use verifier::checkpoint::{Checkpoint, sign_checkpoint};
    use verifier::cosignature::{add_signatures, cosign};
    use verifier::merkle::{self, Hash};
    use verifier::note::{KeyType, SignerKey};
    use verifier::policy::Policy;
    use verifier::tile::{TileHasher, TileId};
    use verifier::trial::Ledger;

    use crate::log::LogRead;
    use crate::store::StoreError;

    /// The log's origin.
    pub const ORIGIN: &str = "registry.example/trial-ledger";

    /// Which partial tiles the fake keeps.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Partials {
        /// Every width ever published (like a log that never deletes).
        All,
        /// Only the widths of the latest published tree.
        Latest,
    }

    /// A log in memory.
    pub struct FakeLog {
        pub log_key: SignerKey,
        pub witnesses: Vec<SignerKey>,
        pub policy: Policy,
        pub leaves: Vec<Vec<u8>>,
        pub hasher: TileHasher,
        pub tiles: HashMap<TileId, Vec<u8>>,
        pub archive: BTreeMap<u64, String>,
        pub published: Option<(u64, String)>,
        pub ledger: Ledger,
        pub partials: Partials,
    }

    impl FakeLog {
        /// An empty log with three witnesses and a quorum of 2.
        pub fn new(partials: Partials) -> FakeLog {
            let log_key = SignerKey::from_seed(ORIGIN, KeyType::Ed25519, [0x11; 32]).unwrap();
            let witnesses: Vec<SignerKey> = ["ethics", "journal", "regulator"]
                .iter()
                .zip(0u8..)
                .map(|(name, i)| {
                    SignerKey::from_seed(
                        &format!("{name}.example/witness"),
                        KeyType::Cosignature,
                        [0x21 + i; 32],
                    )
                    .unwrap()
                })
                .collect();
            let mut builder = Policy::builder(log_key.verifier_key());
            for (name, key) in ["ethics", "journal", "regulator"].iter().zip(&witnesses) {
                builder = builder.witness(*name, key.verifier_key());
            }
            let policy = builder.quorum(2).build().unwrap();
            FakeLog {
                log_key,
                witnesses,
                policy,
                leaves: Vec::new(),
                hasher: TileHasher::new(),
                tiles: HashMap::new(),
                archive: BTreeMap::new(),
                published: None,
                ledger: Ledger::new(),
                partials,
            }
        }

        /// Appends a leaf (applied to the ledger when it is a valid entry
        /// that the rules accept; filler leaves are not) and returns its index.
        pub fn append(&mut self, bytes: Vec<u8>) -> u64 {
            let index = self.leaves.len() as u64;
            let _ = self.ledger.apply(index, &bytes);
            for (id, hashes) in self.hasher.push(merkle::leaf_hash(&bytes)) {
                self.tiles.insert(id, hashes.concat());
            }
            self.leaves.push(bytes);
            index
        }

        /// Appends `n` filler leaves.
        pub fn fill(&mut self, n: usize) {
            for _ in 0..n {
                let filler = format!("filler leaf {}", self.leaves.len()).into_bytes();
                self.append(filler);
            }
        }

        /// Signs a checkpoint of the current size cosigned by `witnesses`
        /// (witness `i` at `time + 60 i`), archives and publishes it.
        pub fn publish_by(&mut self, time: u64, witnesses: &[usize]) -> String {
            if self.partials == Partials::Latest {
                self.tiles.retain(|id, _| !id.is_partial());
            }
            for (id, hashes) in self.hasher.partial_tiles() {
                self.tiles.insert(id, hashes.concat());
            }
            // The tiles' root (BundleBuilder checks it against the leaves).
            let checkpoint = Checkpoint {
                origin: ORIGIN.to_owned(),
                size: self.leaves.len() as u64,
                root: self.hasher.root(),
                extensions: Vec::new(),
            };
            let note = sign_checkpoint(&checkpoint, &self.log_key).unwrap();
            let body = checkpoint.to_text();
            let cosignatures: Vec<_> = witnesses
                .iter()
                .map(|&i| cosign(&self.witnesses[i], &body, time + i as u64 * 60).unwrap())
                .collect();
            let note = add_signatures(&note, &cosignatures).unwrap();
            self.archive.insert(checkpoint.size, note.clone());
            self.published = Some((checkpoint.size, note.clone()));
            note
        }

        /// [`FakeLog::publish_by`] with every witness.
        pub fn publish(&mut self, time: u64) -> String {
            self.publish_by(time, &[0, 1, 2])
        }

        /// The leaf hashes.
        pub fn leaf_hashes(&self) -> Vec<Hash> {
            self.leaves.iter().map(|l| merkle::leaf_hash(l)).collect()
        }
    }

    impl LogRead for FakeLog {
        fn published(&self) -> Option<(u64, String)> {
            self.published.clone()
        }

        fn read_tile(&self, id: &TileId) -> Result<Vec<u8>, StoreError> {
            self.tiles
                .get(id)
                .cloned()
                .ok_or_else(|| StoreError::Missing(id.path()))
        }

        fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
            Ok(self.leaves.get(index as usize).cloned())
        }

        fn archived_sizes(&self) -> Vec<u64> {
            self.archive.keys().copied().collect()
        }

        fn archived_checkpoint(&self, size: u64) -> Result<Option<String>, StoreError> {
            Ok(self.archive.get(&size).cloned())
        }

        fn policy(&self) -> &Policy {
            &self.policy
        }

        fn with_ledger<R>(&self, f: &mut dyn FnMut(&Ledger) -> R) -> R {
            f(&self.ledger)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::{FakeLog, Partials};
    use super::*;
    use verifier::bundle::BundleBuilder;
    use verifier::entry::{EntryBuilder, entry_hash};
    use verifier::fixtures;
    use verifier::predicate::{ConsentEvent, OutcomeType, ReportedOutcome};
    use verifier::report::{Verdict, verify_bundle};

    /// 2024-01-15T12:00:00Z.
    const T0: u64 = 1_705_320_000;
    const DAY: u64 = 86_400;

    /// The example trial spread over a log of ~1,300 leaves (several tile
    /// levels), with checkpoints between its entries, one of them without
    /// the quorum. Returns the log, the trial id and its entry indexes.
    fn scenario(partials: Partials) -> (FakeLog, TrialId, Vec<u64>) {
        let mut log = FakeLog::new(partials);
        log.fill(3);
        log.publish(T0 - DAY);
        let chain = fixtures::chain().unwrap();
        let trial_id = chain.trial_id.clone();
        let registration = chain.entries[0].clone();
        let mut at = vec![log.append(registration.clone())];
        log.fill(40);
        // Only one cosignature: below the quorum, so not the anchor.
        log.publish_by(T0, &[1]);
        log.fill(300);
        log.publish(T0 + DAY);

        let amendment = chain.entries[1].clone();
        at.push(log.append(amendment.clone()));
        log.fill(255);
        log.publish(T0 + 2 * DAY);
        let status = chain.entries[2].clone();
        at.push(log.append(status.clone()));
        at.push(
            log.append(
                fixtures::consent_entry(
                    &trial_id,
                    &fixtures::form_hash(fixtures::CONSENT_V2),
                    ConsentEvent::Given,
                    1,
                )
                .unwrap(),
            ),
        );
        log.fill(700);
        log.publish(T0 + 60 * DAY);
        // Results reporting every pre-specified outcome: no findings.
        let mut results = fixtures::results(&trial_id, &entry_hash(&status)).unwrap();
        results.outcomes.insert(
            2,
            ReportedOutcome {
                registered_id: Some("S2".to_owned()),
                measure: "24-hour urinary sodium excretion".to_owned(),
                outcome_type: OutcomeType::Secondary,
                time_frame: "12 months".to_owned(),
                result: "-38 mmol/24h vs -4 mmol/24h".to_owned(),
                change_reason: None,
            },
        );
        let results = EntryBuilder::results(results)
            .sign(&fixtures::sponsor_key())
            .unwrap();
        at.push(log.append(results));
        log.fill(10);
        log.publish(T0 + 600 * DAY);
        assert_eq!(log.ledger.trial(&trial_id).unwrap().entries.len(), 5);
        (log, trial_id, at)
    }

    fn from_leaves(log: &FakeLog, trial_id: &TrialId, at: &[u64]) -> Bundle {
        let hashes = log.leaf_hashes();
        let builder = BundleBuilder::new(&log.policy, &hashes)
            .with_checkpoints(log.archive.values())
            .unwrap();
        let entries: Vec<(u64, &[u8])> = at
            .iter()
            .map(|&i| (i, log.leaves[i as usize].as_slice()))
            .collect();
        builder.build(trial_id, &entries).unwrap()
    }

    #[test]
    fn equals_the_leaf_list_builder_and_verifies() {
        for partials in [Partials::All, Partials::Latest] {
            let (log, trial_id, at) = scenario(partials);
            let anchors = Anchors::new();
            let evidence = build_bundle(&log, &anchors, &trial_id, &at).unwrap();
            assert!(evidence.pending.is_empty());
            assert_eq!(evidence.head_size, log.leaves.len() as u64);
            assert_eq!(evidence.bundle, from_leaves(&log, &trial_id, &at));
            // The registration is anchored by the first checkpoint with the
            // quorum, not the one with a single cosignature.
            assert_eq!(note_size(&evidence.bundle.entries[0].anchor), 344);

            let report =
                verify_bundle(evidence.bundle.to_json().as_bytes(), &log.policy, &[]).unwrap();
            assert_eq!(
                report.verdict,
                Verdict::Verified,
                "{}",
                report.to_json_pretty()
            );
            // Built again from the cache: the same bundle.
            let again = build_bundle(&log, &anchors, &trial_id, &at).unwrap();
            assert_eq!(again.bundle, evidence.bundle);
        }
    }

    /// The tree size of a checkpoint note.
    fn note_size(note: &str) -> u64 {
        note.lines().nth(1).unwrap().parse().unwrap()
    }

    #[test]
    fn entries_after_the_head_are_pending() {
        let (mut log, trial_id, mut at) = scenario(Partials::Latest);
        let consent = fixtures::consent_entry(
            &trial_id,
            &fixtures::form_hash(fixtures::CONSENT_V2),
            ConsentEvent::Withdrawn,
            1,
        )
        .unwrap();
        at.push(log.append(consent));
        let anchors = Anchors::new();
        let evidence = build_bundle(&log, &anchors, &trial_id, &at).unwrap();
        assert_eq!(evidence.pending, vec![*at.last().unwrap()]);
        assert_eq!(evidence.bundle.entries.len(), 5);
        let report = verify_bundle(evidence.bundle.to_json().as_bytes(), &log.policy, &[]).unwrap();
        assert_eq!(report.verdict, Verdict::Verified);

        // A checkpoint without the quorum does not anchor it either…
        log.publish_by(T0 + 700 * DAY, &[2]);
        let evidence = build_bundle(&log, &anchors, &trial_id, &at).unwrap();
        assert_eq!(evidence.pending.len(), 1);
        // …and the head stays the last trusted checkpoint.
        assert_eq!(evidence.head_size, log.leaves.len() as u64 - 1);
        // Once the archive's note for that size gains the quorum, it does.
        let size = log.leaves.len() as u64;
        log.archive.remove(&size);
        log.publish(T0 + 701 * DAY);
        let evidence = build_bundle(&log, &anchors, &trial_id, &at).unwrap();
        assert!(evidence.pending.is_empty());
        assert_eq!(evidence.bundle, from_leaves(&log, &trial_id, &at));
    }

    #[test]
    fn refuses_without_a_witnessed_checkpoint() {
        let mut log = FakeLog::new(Partials::All);
        let registration = fixtures::registration_entry().unwrap();
        let trial_id = TrialId::for_registration(&registration);
        let index = log.append(registration);
        let anchors = Anchors::new();
        assert!(matches!(
            build_bundle(&log, &anchors, &trial_id, &[index]),
            Err(EvidenceError::NoTrustedCheckpoint)
        ));
        log.publish_by(T0, &[0]);
        assert!(matches!(
            build_bundle(&log, &anchors, &trial_id, &[index]),
            Err(EvidenceError::NoTrustedCheckpoint)
        ));
        log.publish(T0);
        let evidence = build_bundle(&log, &anchors, &trial_id, &[index]).unwrap();
        assert_eq!(evidence.bundle.entries.len(), 1);
        // An entry after the head: nothing to put in a bundle yet.
        let late = log.append(b"another leaf".to_vec());
        assert!(matches!(
            build_bundle(&log, &anchors, &trial_id, &[late]),
            Err(EvidenceError::NotWitnessed { count: 1, .. })
        ));
    }

    #[test]
    fn a_lying_tile_is_caught() {
        let (mut log, trial_id, at) = scenario(Partials::All);
        // Leaf 0's hash in the full tile 0/000 (part of entry 3's proof).
        let id = TileId {
            level: 0,
            index: 0,
            width: 256,
        };
        log.tiles.get_mut(&id).unwrap()[5] ^= 1;
        let anchors = Anchors::new();
        match build_bundle(&log, &anchors, &trial_id, &at) {
            Err(EvidenceError::ProofMismatch {
                what: "inclusion",
                index: 3,
                ..
            }) => {}
            Err(other) => panic!("unexpected error: {other}"),
            Ok(_) => panic!("a bundle was built from a lying tile"),
        }
    }

    /// Bundle building cost on a log of 1,000,000 leaves with 100 archived
    /// checkpoints: from tiles (this module) and from the leaf list
    /// (`BundleBuilder`). A measurement: run with `cargo test --release -p
    /// trial-registry --lib bundle_scale -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement: run in release mode with --ignored --nocapture"]
    fn bundle_scale() {
        use std::time::Instant;
        let mut log = FakeLog::new(Partials::Latest);
        let chain = fixtures::chain().unwrap();
        let mut at = Vec::new();
        let mut time = T0;
        for step in 0..100 {
            log.fill(10_000 - 1);
            if let Some(entry) = chain.entries.get(step / 25) {
                if step % 25 == 0 {
                    at.push(log.append(entry.clone()));
                } else {
                    log.fill(1);
                }
            }
            time += DAY;
            log.publish(time);
        }
        let anchors = Anchors::new();
        let t = Instant::now();
        let evidence = build_bundle(&log, &anchors, &chain.trial_id, &at).unwrap();
        let cold = t.elapsed();
        let t = Instant::now();
        build_bundle(&log, &anchors, &chain.trial_id, &at).unwrap();
        let warm = t.elapsed();
        let t = Instant::now();
        let hashes = log.leaf_hashes();
        let expected = from_leaves(&log, &chain.trial_id, &at);
        let leaf_list = t.elapsed();
        assert_eq!(evidence.bundle, expected);
        eprintln!(
            "bundle of {} entries, log of {} leaves, {} checkpoints: from tiles {cold:?} (anchors cached: {warm:?}); from the leaf list {leaf_list:?}",
            at.len(),
            hashes.len(),
            log.archive.len()
        );
    }

    #[test]
    fn anchors_give_witnessed_times() {
        let (log, _, at) = scenario(Partials::All);
        let anchors = Anchors::new();
        let snapshot = anchors.snapshot(&log).unwrap();
        let registration = anchors.anchor(&log, &snapshot, at[0]).unwrap().unwrap();
        // Quorum 2 of witnesses at +0 s, +60 s, +120 s: the second.
        assert_eq!(registration.quorum_time, Some(T0 + DAY + 60));
        let beyond = anchors
            .anchor(&log, &snapshot, log.leaves.len() as u64)
            .unwrap();
        assert!(beyond.is_none());
    }
}
