//! Evidence bundles (DESIGN §5): everything a reviewer needs to check one
//! trial offline, and the registry's builder for them.
//!
//! ```text
//! {"format":"trial-ledger-bundle/v1",
//!  "origin":"<log origin>",
//!  "trial_id":"TL-…",
//!  "head":"<cosigned checkpoint note>",
//!  "entries":[{"index":<leaf index>,
//!              "entry":"<base64 of the exact entry bytes>",
//!              "anchor":"<cosigned checkpoint note>",
//!              "inclusion":["<base64 hash>",…],
//!              "consistency":["<base64 hash>",…]}]}
//! ```
//!
//! - `entry` is standard padded base64 of the leaf's exact bytes:
//!   re-serialising the JSON of an entry would change its leaf hash.
//! - `anchor` is the first archived checkpoint that contains the entry and
//!   carries the policy's quorum of witness cosignatures; its quorum time is
//!   the entry's **witnessed time** (DESIGN §1 "Time").
//! - `inclusion` proves the entry's leaf hash under the anchor's root
//!   (RFC 9162 §2.1.3); `consistency` proves the anchor's tree is a prefix
//!   of the head's (RFC 9162 §2.1.4), and is empty when the anchor is the
//!   head's size.
//! - `head` is the latest archived cosigned checkpoint when the bundle was
//!   built.
//!
//! The wire type [`Bundle`] keeps every field as text, exactly as received:
//! a malformed base64 string, note or proof is not an error of
//! [`Bundle::parse`] but a failed check of [`crate::report`]'s verification.
//! [`Bundle::parse`] refuses only input that cannot be used at all: more than
//! [`MAX_BUNDLE_BYTES`], not JSON of this shape, more than
//! [`MAX_BUNDLE_ENTRIES`] entries.
//!
//! [`BundleBuilder`] is sans-IO: the registry (or a test) hands it the log's
//! leaf hashes, its checkpoint archive and the trial's entries, and gets the
//! bundle back. It computes proofs from the full list of leaf hashes
//! ([`merkle::inclusion_proof`], O(n) hashes per proof), which suits tests and
//! small logs; a registry with a large log builds the same proofs from tiles
//! with [`crate::tile::ProofBuilder`].

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::entry::{Entry, TrialId};
use crate::merkle::{self, Hash, ProofError};
use crate::note::{Note, NoteError};
use crate::policy::Policy;

/// The `format` of a version 1 bundle.
pub const BUNDLE_FORMAT: &str = "trial-ledger-bundle/v1";

/// The largest bundle [`Bundle::parse`] accepts, in bytes (16 MiB).
pub const MAX_BUNDLE_BYTES: usize = 16 << 20;

/// The most entries a bundle may carry.
pub const MAX_BUNDLE_ENTRIES: usize = 10_000;

/// Why bytes cannot be used as a bundle at all (the CLI exits 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The input exceeds [`MAX_BUNDLE_BYTES`].
    #[error("the bundle is {size} bytes; at most {MAX_BUNDLE_BYTES} bytes are accepted")]
    TooLarge {
        /// The input's size in bytes.
        size: usize,
    },
    /// The input is not JSON of the bundle's shape.
    #[error(
        "not a trial-ledger-bundle/v1 bundle: {0} (expected a JSON object with format, origin, trial_id, head and entries)"
    )]
    Json(String),
    /// The bundle has more than [`MAX_BUNDLE_ENTRIES`] entries.
    #[error("the bundle has {0} entries; at most {MAX_BUNDLE_ENTRIES} are accepted")]
    TooManyEntries(usize),
}

/// An evidence bundle, field for field as on the wire (DESIGN §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Always [`BUNDLE_FORMAT`] for this version.
    pub format: String,
    /// The log's origin (the checkpoints' first line).
    pub origin: String,
    /// The trial, `TL-…`.
    pub trial_id: String,
    /// The latest cosigned checkpoint note when the bundle was built.
    pub head: String,
    /// The trial's entries, in increasing index order.
    pub entries: Vec<BundleEntry>,
}

/// One entry of a bundle with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleEntry {
    /// The entry's leaf index in the log.
    pub index: u64,
    /// Standard padded base64 of the exact entry bytes.
    pub entry: String,
    /// The first cosigned checkpoint note that contains the entry and meets
    /// the policy's quorum.
    pub anchor: String,
    /// The inclusion proof of the entry under the anchor's root (base64 hashes).
    pub inclusion: Vec<String>,
    /// The consistency proof from the anchor to the head (base64 hashes;
    /// empty when they have the same size).
    pub consistency: Vec<String>,
}

impl Bundle {
    /// Parses a bundle, refusing input that cannot be used (see the module
    /// docs); every field's content is checked later, by the verification.
    pub fn parse(bytes: &[u8]) -> Result<Bundle, BundleError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge { size: bytes.len() });
        }
        let bundle: Bundle =
            serde_json::from_slice(bytes).map_err(|e| BundleError::Json(e.to_string()))?;
        if bundle.entries.len() > MAX_BUNDLE_ENTRIES {
            return Err(BundleError::TooManyEntries(bundle.entries.len()));
        }
        Ok(bundle)
    }

    /// The bundle as compact JSON.
    pub fn to_json(&self) -> String {
        // Only strings, integers and lists: serialisation cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The bundle as indented JSON (for downloads people may read).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl BundleEntry {
    /// The entry bytes, if `entry` is valid standard padded base64.
    pub fn entry_bytes(&self) -> Option<Vec<u8>> {
        BASE64.decode(&self.entry).ok()
    }
}

/// Why a bundle could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// An archived note is not a signed checkpoint.
    #[error("archived checkpoint: {0}")]
    Note(#[source] NoteError),
    /// An archived note's text is not a checkpoint.
    #[error("archived checkpoint: {0}")]
    Checkpoint(#[source] CheckpointError),
    /// An archived checkpoint is larger than the log given.
    #[error(
        "the archived checkpoint of size {size} is larger than the log given ({leaves} leaves)"
    )]
    CheckpointBeyondLog {
        /// The checkpoint's tree size.
        size: u64,
        /// The number of leaf hashes given.
        leaves: u64,
    },
    /// An archived checkpoint's root is not the root of the log's first leaves.
    #[error(
        "the archived checkpoint of size {size} has a root that is not the root of the log's first {size} leaves: the archive and the log disagree"
    )]
    CheckpointRoot {
        /// The checkpoint's tree size.
        size: u64,
    },
    /// No archived checkpoint meets the policy.
    #[error("no archived checkpoint is trusted by the policy (log signature and witness quorum)")]
    NoTrustedCheckpoint,
    /// An entry is not yet covered by a checkpoint that meets the policy.
    #[error(
        "entry {index} is in no archived checkpoint that meets the policy's witness quorum yet; build the bundle after the next cosigned checkpoint"
    )]
    NotAnchored {
        /// The entry's index.
        index: u64,
    },
    /// An entry's index is not in the log.
    #[error("entry index {index} is not in the log ({leaves} leaves)")]
    IndexBeyondLog {
        /// The entry's index.
        index: u64,
        /// The number of leaf hashes given.
        leaves: u64,
    },
    /// The entry bytes given for an index are not that leaf's.
    #[error("the bytes given for entry {index} do not hash to the log's leaf {index}")]
    EntryMismatch {
        /// The entry's index.
        index: u64,
    },
    /// The entries are not in strictly increasing index order.
    #[error("entry index {index} does not follow index {previous}: give entries in log order")]
    Order {
        /// The previous index.
        previous: u64,
        /// The index out of order.
        index: u64,
    },
    /// No entry was given.
    #[error("trial {0} has no entries in this log")]
    NoEntries(TrialId),
    /// More entries than a bundle may carry.
    #[error("{0} entries; a bundle carries at most {MAX_BUNDLE_ENTRIES}")]
    TooManyEntries(usize),
    /// A proof could not be computed.
    #[error("proof: {0}")]
    Proof(#[from] ProofError),
}

/// An archived checkpoint note with its parsed body.
#[derive(Debug, Clone)]
struct Archived {
    note: String,
    checkpoint: Checkpoint,
}

/// Builds [`Bundle`]s from a log's leaf hashes and checkpoint archive.
///
/// ```
/// # use verifier::bundle::{BundleBuilder, BuildError};
/// # fn demo(policy: &verifier::policy::Policy, leaves: &[verifier::merkle::Hash],
/// #         archive: &[String], trial: &verifier::entry::TrialId,
/// #         entries: &[(u64, &[u8])]) -> Result<(), BuildError> {
/// let mut builder = BundleBuilder::new(policy, leaves);
/// for note in archive {
///     builder.add_checkpoint(note)?;
/// }
/// let bundle = builder.build(trial, entries)?;
/// println!("{}", bundle.to_json());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BundleBuilder<'a> {
    policy: &'a Policy,
    leaf_hashes: &'a [Hash],
    /// The archive, by tree size (a later note of the same size replaces an
    /// earlier one: the registry adds cosignatures as they arrive).
    archive: BTreeMap<u64, Archived>,
}

impl<'a> BundleBuilder<'a> {
    /// A builder for the log whose leaf hashes (in index order) are
    /// `leaf_hashes`, choosing anchors and the head by `policy`.
    pub fn new(policy: &'a Policy, leaf_hashes: &'a [Hash]) -> BundleBuilder<'a> {
        BundleBuilder {
            policy,
            leaf_hashes,
            archive: BTreeMap::new(),
        }
    }

    /// Adds a checkpoint of the archive: a signed (and usually cosigned)
    /// checkpoint note of at most the log's size. Notes the policy does not
    /// trust are kept but never chosen; the root of each checkpoint chosen
    /// (anchors and head) is checked against the log's leaves by
    /// [`BundleBuilder::build`].
    pub fn add_checkpoint(&mut self, note: &str) -> Result<(), BuildError> {
        let parsed = Note::parse(note.as_bytes()).map_err(BuildError::Note)?;
        let checkpoint = Checkpoint::parse(parsed.text()).map_err(BuildError::Checkpoint)?;
        let leaves = self.leaf_hashes.len() as u64;
        if checkpoint.size > leaves {
            return Err(BuildError::CheckpointBeyondLog {
                size: checkpoint.size,
                leaves,
            });
        }
        self.archive.insert(
            checkpoint.size,
            Archived {
                note: note.to_owned(),
                checkpoint,
            },
        );
        Ok(())
    }

    /// Adds several checkpoints (see [`BundleBuilder::add_checkpoint`]).
    pub fn with_checkpoints<I, S>(mut self, notes: I) -> Result<BundleBuilder<'a>, BuildError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for note in notes {
            self.add_checkpoint(note.as_ref())?;
        }
        Ok(self)
    }

    /// Builds the bundle of `trial_id` from its entries `(index, exact
    /// bytes)` in increasing index order (see [`trial_entries`] to find
    /// them in a list of leaves). The builder does not judge the entries:
    /// the verifier does.
    ///
    /// Cost: the policy evaluates only the archived checkpoints it must
    /// look at (from each entry's index upwards until one is trusted, and
    /// from the top down for the head); the chosen checkpoints' roots are
    /// checked in one pass over the leaf hashes; each proof costs O(n)
    /// hashes ([`merkle::inclusion_proof`]).
    pub fn build(
        &self,
        trial_id: &TrialId,
        entries: &[(u64, &[u8])],
    ) -> Result<Bundle, BuildError> {
        if entries.is_empty() {
            return Err(BuildError::NoEntries(trial_id.clone()));
        }
        if entries.len() > MAX_BUNDLE_ENTRIES {
            return Err(BuildError::TooManyEntries(entries.len()));
        }
        // Whether the policy trusts an archived checkpoint, by size, asked lazily.
        let mut trusted: BTreeMap<u64, bool> = BTreeMap::new();
        let mut is_trusted = |a: &Archived| {
            *trusted
                .entry(a.checkpoint.size)
                .or_insert_with(|| self.policy.evaluate(a.note.as_bytes()).is_ok())
        };
        let head = self
            .archive
            .values()
            .rev()
            .find(|a| is_trusted(a))
            .ok_or(BuildError::NoTrustedCheckpoint)?;
        let head_size = head.checkpoint.size;
        let leaves = self.leaf_hashes.len() as u64;

        // Check the entries and choose their anchors.
        let mut previous: Option<u64> = None;
        let mut anchors: Vec<&Archived> = Vec::with_capacity(entries.len());
        for &(index, bytes) in entries {
            if let Some(previous) = previous
                && index <= previous
            {
                return Err(BuildError::Order { previous, index });
            }
            previous = Some(index);
            let leaf = usize::try_from(index)
                .ok()
                .and_then(|i| self.leaf_hashes.get(i))
                .ok_or(BuildError::IndexBeyondLog { index, leaves })?;
            if merkle::leaf_hash(bytes) != *leaf {
                return Err(BuildError::EntryMismatch { index });
            }
            // The first trusted checkpoint that contains the entry (a range
            // whose start exceeds its end would panic).
            if index >= head_size {
                return Err(BuildError::NotAnchored { index });
            }
            let anchor = self
                .archive
                .range(index.saturating_add(1)..=head_size)
                .map(|(_, a)| a)
                .find(|a| is_trusted(a))
                .ok_or(BuildError::NotAnchored { index })?;
            anchors.push(anchor);
        }
        self.check_roots(anchors.iter().copied().chain([head]))?;

        let mut out = Vec::with_capacity(entries.len());
        for (&(index, bytes), anchor) in entries.iter().zip(anchors) {
            let anchor_size = anchor.checkpoint.size;
            let inclusion = merkle::inclusion_proof(self.prefix(anchor_size), index)?;
            let consistency = if anchor_size == head_size {
                Vec::new()
            } else {
                merkle::consistency_proof(self.prefix(head_size), anchor_size)?
            };
            out.push(BundleEntry {
                index,
                entry: BASE64.encode(bytes),
                anchor: anchor.note.clone(),
                inclusion: inclusion.iter().map(|h| BASE64.encode(h)).collect(),
                consistency: consistency.iter().map(|h| BASE64.encode(h)).collect(),
            });
        }
        Ok(Bundle {
            format: BUNDLE_FORMAT.to_owned(),
            origin: self.policy.origin().to_owned(),
            trial_id: trial_id.to_string(),
            head: head.note.clone(),
            entries: out,
        })
    }

    /// Checks that each checkpoint's root is the root of the log's first
    /// `size` leaves, in one pass over the leaf hashes.
    fn check_roots<'c>(
        &self,
        checkpoints: impl Iterator<Item = &'c Archived>,
    ) -> Result<(), BuildError> {
        let expected: BTreeMap<u64, Hash> = checkpoints
            .map(|a| (a.checkpoint.size, a.checkpoint.root))
            .collect();
        let mut root = merkle::RootBuilder::new();
        for (size, want) in expected {
            while root.size() < size {
                let next = usize::try_from(root.size())
                    .ok()
                    .and_then(|i| self.leaf_hashes.get(i))
                    .ok_or(BuildError::CheckpointBeyondLog {
                        size,
                        leaves: self.leaf_hashes.len() as u64,
                    })?;
                root.push(*next);
            }
            if root.root() != want {
                return Err(BuildError::CheckpointRoot { size });
            }
        }
        Ok(())
    }

    /// The first `size` leaf hashes (`size` is an archived checkpoint's,
    /// checked against the log when it was added).
    fn prefix(&self, size: u64) -> &[Hash] {
        let n = usize::try_from(size).unwrap_or(usize::MAX);
        self.leaf_hashes.get(..n).unwrap_or(self.leaf_hashes)
    }
}

/// The entries of `trial_id` among a log's leaves, as `(index, bytes)` in
/// log order: its registration (the leaf whose hash gives the id) and every
/// entry naming it. Leaves that are not valid entries are skipped. Parses
/// every leaf: for tests and small logs; a registry keeps a trial index.
pub fn trial_entries<'e, E: AsRef<[u8]>>(
    leaves: &'e [E],
    trial_id: &TrialId,
) -> Vec<(u64, &'e [u8])> {
    (0u64..)
        .zip(leaves)
        .map(|(index, leaf)| (index, leaf.as_ref()))
        .filter(|(_, bytes)| Entry::parse(bytes).is_ok_and(|e| e.trial_id() == trial_id))
        .collect()
}
