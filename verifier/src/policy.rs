//! The trust policy: which log, which witnesses, how many must agree.
//!
//! A policy is a small text file, a subset of the C2SP `tlog-policy` draft:
//!
//! ```text
//! # Trial Ledger, production
//! log registry.example/log+1a2b3c4d+AR...
//! witness ethics-board ethics.example/w1+5e6f7a8b+BK...
//! witness journal journal.example/w+9c0d1e2f+BF...
//! quorum 1
//! ```
//!
//! Exactly one `log` line (an Ed25519 key named like the log's origin), any
//! number of `witness <name> <vkey>` lines (cosignature keys, type 0x04), and
//! one `quorum <k>` line. Lines starting with `#` and blank lines are ignored.
//!
//! A checkpoint is trusted when the log's signature verifies and at least `k`
//! distinct listed witnesses cosigned it. Its **quorum time** — the `k`-th
//! smallest cosignature timestamp among those witnesses — is the time by which
//! at least `k` independent witnesses had seen it: the witnessed upper bound on
//! when every entry it contains existed (DESIGN §1 "Time").

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::note::{self, KeyType, Note, NoteError, VerifierKey};

/// What is wrong with a policy's content (wherever it came from).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyProblem {
    /// A line starts with a word other than `log`, `witness` or `quorum`.
    #[error("unknown keyword {0:?} (expected log, witness or quorum)")]
    UnknownKeyword(String),
    /// A line has the wrong number of words.
    #[error("expected `{0}`")]
    Arguments(&'static str),
    /// A verifier key does not parse.
    #[error("invalid verifier key: {0}")]
    Key(#[source] NoteError),
    /// The log key is not an Ed25519 (type 0x01) key.
    #[error("the log key must be an Ed25519 key (type 0x01), not type {0}")]
    LogKeyType(KeyType),
    /// A witness key is not a cosignature (type 0x04) key.
    #[error("witness {name}'s key must be a cosignature key (type 0x04), not type {key_type}")]
    WitnessKeyType {
        /// The witness's name in the policy.
        name: String,
        /// The key's type.
        key_type: KeyType,
    },
    /// A witness name is empty or has whitespace or control characters.
    #[error(
        "witness name {0:?} is invalid: it must be non-empty, without whitespace or control characters"
    )]
    InvalidWitnessName(String),
    /// A second `log` line.
    #[error("a second log line; a policy names exactly one log")]
    SecondLog,
    /// A second `quorum` line.
    #[error("a second quorum line")]
    SecondQuorum,
    /// Two witnesses with the same name.
    #[error("witness {0} is listed twice")]
    DuplicateWitnessName(String),
    /// Two witnesses with the same public key. The cosignature message does
    /// not commit to the witness name, so one signature would count twice.
    #[error("witnesses {first} and {second} have the same public key")]
    DuplicateWitnessKey {
        /// The witness listed first.
        first: String,
        /// The witness listed later with the same key.
        second: String,
    },
    /// The quorum is not a canonical decimal number.
    #[error("quorum {0:?} is not a decimal number without sign or leading zeros")]
    BadQuorum(String),
    /// The quorum exceeds the number of witnesses, so it could never be met.
    #[error("quorum {quorum} exceeds the number of listed witnesses ({witnesses})")]
    QuorumTooLarge {
        /// The quorum.
        quorum: usize,
        /// The number of witnesses.
        witnesses: usize,
    },
    /// No `log` line.
    #[error("there is no log line")]
    MissingLog,
    /// No `quorum` line (or no quorum given to the builder).
    #[error("there is no quorum line")]
    MissingQuorum,
}

/// Why a policy could not be built, or why it does not trust a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A policy file has a problem on a given line.
    #[error("policy line {line}: {problem}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: PolicyProblem,
    },
    /// A policy has a problem not tied to one line (or was built in code).
    #[error("policy: {0}")]
    Invalid(PolicyProblem),
    /// The note carries no signature from the log key.
    #[error("the log signature of {0} is missing")]
    LogSignatureMissing(String),
    /// The log key's signature does not verify.
    #[error("the log signature of {0} does not verify")]
    LogSignatureInvalid(String),
    /// A listed witness's cosignature does not verify.
    #[error("{witness}'s cosignature does not verify ({reason})")]
    CosignatureInvalid {
        /// The witness's name in the policy.
        witness: String,
        /// Why.
        reason: String,
    },
    /// The checkpoint belongs to another log.
    #[error("checkpoint origin {origin} does not match the log key name {log}")]
    OriginMismatch {
        /// The checkpoint's origin line.
        origin: String,
        /// The policy's log key name.
        log: String,
    },
    /// Fewer than `quorum` listed witnesses cosigned.
    #[error(
        "only {} of the required {required} witnesses cosigned ({}); missing: {}",
        .cosigned.len(),
        list_or_none(.cosigned),
        list_or_none(.missing)
    )]
    QuorumNotMet {
        /// The quorum.
        required: usize,
        /// Witnesses whose cosignature verified.
        cosigned: Vec<String>,
        /// Listed witnesses without a cosignature.
        missing: Vec<String>,
    },
    /// The note's text is not a checkpoint.
    #[error("the note is not a checkpoint: {0}")]
    Checkpoint(#[source] CheckpointError),
    /// The note is malformed.
    #[error("malformed note: {0}")]
    Note(#[source] NoteError),
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// A witness listed in a policy: the policy's name for it and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    name: String,
    key: VerifierKey,
}

impl Witness {
    /// The policy's name for the witness (used in reports).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The witness's cosignature verifier key.
    pub fn key(&self) -> &VerifierKey {
        &self.key
    }
}

/// A trust policy: the log key, the witnesses and the quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    log: VerifierKey,
    witnesses: Vec<Witness>,
    quorum: usize,
}

/// Builds a [`Policy`] in code; `build` applies the same rules as [`Policy::parse`].
#[derive(Debug, Clone)]
pub struct PolicyBuilder {
    log: VerifierKey,
    witnesses: Vec<(String, VerifierKey)>,
    quorum: Option<usize>,
}

impl PolicyBuilder {
    /// Lists a witness under `name` with its cosignature key.
    pub fn witness(mut self, name: impl Into<String>, key: VerifierKey) -> PolicyBuilder {
        self.witnesses.push((name.into(), key));
        self
    }

    /// Sets how many distinct listed witnesses must cosign.
    pub fn quorum(mut self, quorum: usize) -> PolicyBuilder {
        self.quorum = Some(quorum);
        self
    }

    /// The policy, if it is valid.
    pub fn build(self) -> Result<Policy, PolicyError> {
        let mut draft = Draft::default();
        draft.set_log(self.log, None)?;
        for (name, key) in self.witnesses {
            draft.add_witness(name, key, None)?;
        }
        if let Some(quorum) = self.quorum {
            draft.set_quorum(quorum, None)?;
        }
        draft.finish()
    }
}

/// Attaches a problem to its line, when there is one.
fn at(line: Option<usize>, problem: PolicyProblem) -> PolicyError {
    match line {
        Some(line) => PolicyError::Line { line, problem },
        None => PolicyError::Invalid(problem),
    }
}

/// A policy being assembled, line by line or from a builder.
#[derive(Default)]
struct Draft {
    log: Option<VerifierKey>,
    witnesses: Vec<Witness>,
    quorum: Option<(usize, Option<usize>)>,
}

impl Draft {
    fn set_log(&mut self, key: VerifierKey, line: Option<usize>) -> Result<(), PolicyError> {
        if self.log.is_some() {
            return Err(at(line, PolicyProblem::SecondLog));
        }
        if key.key_type() != KeyType::Ed25519 {
            return Err(at(line, PolicyProblem::LogKeyType(key.key_type())));
        }
        self.log = Some(key);
        Ok(())
    }

    fn add_witness(
        &mut self,
        name: String,
        key: VerifierKey,
        line: Option<usize>,
    ) -> Result<(), PolicyError> {
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(at(line, PolicyProblem::InvalidWitnessName(name)));
        }
        if key.key_type() != KeyType::Cosignature {
            return Err(at(
                line,
                PolicyProblem::WitnessKeyType {
                    name,
                    key_type: key.key_type(),
                },
            ));
        }
        if self.witnesses.iter().any(|w| w.name == name) {
            return Err(at(line, PolicyProblem::DuplicateWitnessName(name)));
        }
        if let Some(first) = self
            .witnesses
            .iter()
            .find(|w| w.key.public_key() == key.public_key())
        {
            return Err(at(
                line,
                PolicyProblem::DuplicateWitnessKey {
                    first: first.name.clone(),
                    second: name,
                },
            ));
        }
        self.witnesses.push(Witness { name, key });
        Ok(())
    }

    fn set_quorum(&mut self, quorum: usize, line: Option<usize>) -> Result<(), PolicyError> {
        if self.quorum.is_some() {
            return Err(at(line, PolicyProblem::SecondQuorum));
        }
        self.quorum = Some((quorum, line));
        Ok(())
    }

    fn finish(self) -> Result<Policy, PolicyError> {
        let log = self
            .log
            .ok_or(PolicyError::Invalid(PolicyProblem::MissingLog))?;
        let (quorum, line) = self
            .quorum
            .ok_or(PolicyError::Invalid(PolicyProblem::MissingQuorum))?;
        if quorum > self.witnesses.len() {
            return Err(at(
                line,
                PolicyProblem::QuorumTooLarge {
                    quorum,
                    witnesses: self.witnesses.len(),
                },
            ));
        }
        Ok(Policy {
            log,
            witnesses: self.witnesses,
            quorum,
        })
    }
}

/// Parses a quorum: decimal digits, no sign, no leading zero.
fn parse_quorum(word: &str) -> Result<usize, PolicyProblem> {
    let canonical = !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_digit())
        && (word.len() == 1 || !word.starts_with('0'));
    canonical
        .then(|| word.parse().ok())
        .flatten()
        .ok_or_else(|| PolicyProblem::BadQuorum(word.to_string()))
}

fn parse_key(word: &str) -> Result<VerifierKey, PolicyProblem> {
    VerifierKey::parse(word).map_err(PolicyProblem::Key)
}

/// A checkpoint the policy trusts, with the evidence that made it trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedCheckpoint {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The whole signed note, as received.
    pub note: String,
    /// One entry per listed witness whose cosignature verified, in policy order.
    pub cosignatures: Vec<WitnessCosignature>,
    /// The `quorum`-th smallest witness timestamp; `None` when the quorum is 0.
    pub quorum_time: Option<u64>,
}

/// A listed witness's verified cosignature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessCosignature {
    /// The witness's name in the policy.
    pub witness: String,
    /// Its timestamp (seconds since the epoch). If the witness cosigned more
    /// than once, the earliest: each cosignature attests the checkpoint
    /// existed by its time, so the earliest is the strongest true statement.
    pub timestamp: u64,
}

impl Policy {
    /// Parses a policy file (see the module documentation). Errors name the line.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let mut draft = Draft::default();
        for (i, raw) in text.lines().enumerate() {
            let line = Some(i + 1);
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = content.split_whitespace().collect();
            match words.as_slice() {
                ["log", key] => draft.set_log(parse_key(key).map_err(|p| at(line, p))?, line)?,
                ["log", ..] => return Err(at(line, PolicyProblem::Arguments("log <vkey>"))),
                ["witness", name, key] => {
                    let key = parse_key(key).map_err(|p| at(line, p))?;
                    draft.add_witness((*name).to_string(), key, line)?;
                }
                ["witness", ..] => {
                    return Err(at(line, PolicyProblem::Arguments("witness <name> <vkey>")));
                }
                ["quorum", k] => {
                    draft.set_quorum(parse_quorum(k).map_err(|p| at(line, p))?, line)?
                }
                ["quorum", ..] => return Err(at(line, PolicyProblem::Arguments("quorum <k>"))),
                [keyword, ..] => {
                    return Err(at(
                        line,
                        PolicyProblem::UnknownKeyword((*keyword).to_string()),
                    ));
                }
                [] => {}
            }
        }
        draft.finish()
    }

    /// Starts building a policy for the log with this Ed25519 key.
    pub fn builder(log: VerifierKey) -> PolicyBuilder {
        PolicyBuilder {
            log,
            witnesses: Vec::new(),
            quorum: None,
        }
    }

    /// The policy as text; [`Policy::parse`] gives the same policy back.
    pub fn to_text(&self) -> String {
        let mut text = format!("log {}\n", self.log);
        for witness in &self.witnesses {
            let _ = writeln!(text, "witness {} {}", witness.name, witness.key);
        }
        let _ = writeln!(text, "quorum {}", self.quorum);
        text
    }

    /// The log's origin: its key's name.
    pub fn origin(&self) -> &str {
        self.log.name()
    }

    /// The log's Ed25519 verifier key.
    pub fn log_key(&self) -> &VerifierKey {
        &self.log
    }

    /// The listed witnesses, in policy order.
    pub fn witnesses(&self) -> &[Witness] {
        &self.witnesses
    }

    /// How many distinct listed witnesses must cosign.
    pub fn quorum(&self) -> usize {
        self.quorum
    }

    /// The policy's name of the witness with this key name and key ID.
    fn witness_index(&self, name: &str, key_id: u32) -> Option<usize> {
        self.witnesses
            .iter()
            .position(|w| w.key.name() == name && w.key.key_id() == key_id)
    }

    /// Explains a signature failure in the policy's terms.
    fn explain(&self, error: NoteError) -> PolicyError {
        match error {
            NoteError::InvalidSignature { ref name, key_id }
                if name == self.log.name() && key_id == self.log.key_id() =>
            {
                PolicyError::LogSignatureInvalid(self.log.name().to_string())
            }
            NoteError::InvalidCosignature {
                ref name,
                key_id,
                ref reason,
            } => match self.witness_index(name, key_id) {
                Some(i) => PolicyError::CosignatureInvalid {
                    witness: self.witnesses[i].name.clone(),
                    reason: reason.clone(),
                },
                None => PolicyError::Note(error),
            },
            // No known signature at all: in particular, none from the log.
            NoteError::NoVerifiedSignature { .. } => {
                PolicyError::LogSignatureMissing(self.log.name().to_string())
            }
            other => PolicyError::Note(other),
        }
    }

    /// Decides whether a signed checkpoint note is trusted.
    ///
    /// The note is verified with the log key and every witness key: a bad
    /// signature from any of them rejects it. The log signature must verify,
    /// the origin must be the log key's name, and at least `quorum` distinct
    /// listed witnesses must have valid cosignatures. Unlisted signers are
    /// ignored.
    pub fn evaluate(&self, note: &[u8]) -> Result<TrustedCheckpoint, PolicyError> {
        let parsed = Note::parse(note).map_err(PolicyError::Note)?;
        let checkpoint = Checkpoint::parse(parsed.text()).map_err(PolicyError::Checkpoint)?;

        let mut keys = Vec::with_capacity(1 + self.witnesses.len());
        keys.push(self.log.clone());
        keys.extend(self.witnesses.iter().map(|w| w.key.clone()));
        let verified = note::verify_note(note, &keys).map_err(|e| self.explain(e))?;

        let log_signed = verified.verified.iter().any(|s| {
            s.key_type == KeyType::Ed25519
                && s.name == self.log.name()
                && s.key_id == self.log.key_id()
        });
        if !log_signed {
            return Err(PolicyError::LogSignatureMissing(
                self.log.name().to_string(),
            ));
        }
        if checkpoint.origin != self.log.name() {
            return Err(PolicyError::OriginMismatch {
                origin: checkpoint.origin,
                log: self.log.name().to_string(),
            });
        }

        // Earliest timestamp per listed witness: repeats count once.
        let mut earliest: BTreeMap<usize, u64> = BTreeMap::new();
        for signature in &verified.verified {
            if let (Some(i), Some(t)) = (
                self.witness_index(&signature.name, signature.key_id),
                signature.timestamp,
            ) {
                earliest
                    .entry(i)
                    .and_modify(|e| *e = (*e).min(t))
                    .or_insert(t);
            }
        }
        if earliest.len() < self.quorum {
            let (mut cosigned, mut missing) = (Vec::new(), Vec::new());
            for (i, witness) in self.witnesses.iter().enumerate() {
                let list = if earliest.contains_key(&i) {
                    &mut cosigned
                } else {
                    &mut missing
                };
                list.push(witness.name.clone());
            }
            return Err(PolicyError::QuorumNotMet {
                required: self.quorum,
                cosigned,
                missing,
            });
        }

        let mut times: Vec<u64> = earliest.values().copied().collect();
        times.sort_unstable();
        let quorum_time = self
            .quorum
            .checked_sub(1)
            .and_then(|k| times.get(k).copied());
        let cosignatures = earliest
            .iter()
            .map(|(&i, &timestamp)| WitnessCosignature {
                witness: self.witnesses[i].name.clone(),
                timestamp,
            })
            .collect();
        let note = std::str::from_utf8(note)
            .map_err(|e| PolicyError::Note(NoteError::NotUtf8(e.valid_up_to())))?
            .to_string();
        Ok(TrustedCheckpoint {
            checkpoint,
            note,
            cosignatures,
            quorum_time,
        })
    }
}
