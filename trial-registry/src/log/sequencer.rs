//! The sequencer: one OS thread that owns the order of the log.
//!
//! It takes parsed entries from a bounded channel, gathers a batch (up to
//! `batch_size` entries, waiting at most `batch_wait` after the first), and
//! for each entry in arrival order:
//!
//! 1. an entry already in the log (same `entry_hash`) gets its existing
//!    index — idempotent, nothing stored (also within one batch);
//! 2. otherwise the trial state machine checks and applies it
//!    ([`Ledger::apply_entry`]); a refusal is answered at once, and the next
//!    entry sees the state as if this one never came. Two racing amendments
//!    of one trial are thus serialised: the first applied moves the trial's
//!    head, and the second's `prev` is stale (409);
//! 3. accepted entries get consecutive indexes.
//!
//! The accepted entries are then committed in **one durable transaction**,
//! and only then are their submitters answered. If the commit fails, every
//! accepted entry of the batch is answered 503 and the ledger is rebuilt from
//! the database, so nothing that is not durable is ever acknowledged.
//!
//! It is a plain thread (not a task) because its work is CPU and fsync
//! bound, and a blocking `recv_timeout` is what batching by time needs.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use tokio::sync::oneshot;
use verifier::merkle::hex;
use verifier::trial::Ledger;

use super::recovery::fold_ledger;
use super::{Receipt, SequencerMsg, Shared, Submission, SubmitError, Submitted};
use crate::store::NewEntry;

type Reply = oneshot::Sender<Result<Submitted, SubmitError>>;

/// Runs the sequencer until the channel closes or a stop message arrives.
pub(crate) fn run(shared: Arc<Shared>, rx: Receiver<SequencerMsg>) {
    let mut broken: Option<String> = None;
    loop {
        let (batch, stop) = next_batch(&shared, &rx);
        if !batch.is_empty() {
            match &broken {
                Some(reason) => {
                    for submission in batch {
                        let _ = submission
                            .reply
                            .send(Err(SubmitError::Unavailable(reason.clone())));
                    }
                }
                None => {
                    if let Err(reason) = sequence(&shared, batch) {
                        tracing::error!(
                            "the sequencer cannot continue: {reason}; submissions get 503 until restart"
                        );
                        broken = Some(reason);
                    }
                }
            }
        }
        if stop {
            break;
        }
    }
    tracing::debug!("sequencer stopped");
}

/// Waits for the first submission, then gathers more until the batch is full
/// or `batch_wait` has passed (then takes only what is already queued).
/// Returns the batch and whether to stop after it.
fn next_batch(shared: &Shared, rx: &Receiver<SequencerMsg>) -> (Vec<Submission>, bool) {
    let max = shared.config.batch_size;
    let mut batch = Vec::new();
    match rx.recv() {
        Ok(SequencerMsg::Submit(s)) => batch.push(*s),
        Ok(SequencerMsg::Stop) | Err(_) => return (batch, true),
    }
    let deadline = Instant::now() + shared.config.batch_wait;
    while batch.len() < max {
        let now = Instant::now();
        let msg = if now < deadline {
            match rx.recv_timeout(deadline - now) {
                Ok(msg) => msg,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return (batch, true),
            }
        } else {
            match rx.try_recv() {
                Ok(msg) => msg,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return (batch, true),
            }
        };
        match msg {
            SequencerMsg::Submit(s) => batch.push(*s),
            SequencerMsg::Stop => return (batch, true),
        }
    }
    (batch, false)
}

/// An entry accepted into the batch, waiting for the commit.
struct Accepted {
    receipt: Receipt,
    entry_hash: [u8; 32],
    bytes: Vec<u8>,
    reply: Reply,
}

/// Sequences one batch. Errors only when the log cannot go on (the ledger
/// could not be rebuilt after a failed commit).
fn sequence(shared: &Shared, batch: Vec<Submission>) -> Result<(), String> {
    let hashes: Vec<[u8; 32]> = batch.iter().map(|s| *s.entry.entry_hash_bytes()).collect();
    let (existing, first) = match shared
        .state
        .indexes_of(&hashes)
        .and_then(|existing| Ok((existing, shared.state.sequenced_size()?)))
    {
        Ok(found) => found,
        Err(e) => {
            tracing::error!("cannot read the sequencing state: {e}");
            for submission in batch {
                let _ = submission
                    .reply
                    .send(Err(SubmitError::Unavailable(e.to_string())));
            }
            return Ok(());
        }
    };

    let mut accepted: Vec<Accepted> = Vec::new();
    let mut in_batch: HashMap<[u8; 32], usize> = HashMap::new();
    // Duplicates of an entry accepted in this batch: answered after the commit.
    let mut duplicates: Vec<(usize, Reply)> = Vec::new();
    {
        let mut ledger = shared
            .ledger
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        for ((submission, existing), hash) in batch.into_iter().zip(existing).zip(hashes) {
            let Submission { entry, reply } = submission;
            if let Some(index) = existing {
                let receipt = Receipt {
                    index,
                    entry_hash: hex(&hash),
                    trial_id: entry.trial_id().clone(),
                };
                let _ = reply.send(Ok(Submitted::Existing(receipt)));
                continue;
            }
            if let Some(&position) = in_batch.get(&hash) {
                duplicates.push((position, reply));
                continue;
            }
            let index = first + accepted.len() as u64;
            let bytes = entry.bytes().to_vec();
            match ledger.apply_entry(index, entry) {
                Ok(applied) => {
                    in_batch.insert(hash, accepted.len());
                    accepted.push(Accepted {
                        receipt: Receipt {
                            index,
                            entry_hash: applied.entry_hash,
                            trial_id: applied.trial_id,
                        },
                        entry_hash: hash,
                        bytes,
                        reply,
                    });
                }
                Err(refusal) => {
                    let _ = reply.send(Err(SubmitError::Refused(refusal)));
                }
            }
        }
    }
    if accepted.is_empty() {
        return Ok(());
    }

    let new_entries: Vec<NewEntry<'_>> = accepted
        .iter()
        .map(|a| NewEntry {
            entry_hash: a.entry_hash,
            bytes: &a.bytes,
        })
        .collect();
    let committed = shared.state.append(first, &new_entries);
    drop(new_entries);
    match committed {
        Ok(()) => {
            for (position, reply) in duplicates {
                let _ = reply.send(Ok(Submitted::Existing(accepted[position].receipt.clone())));
            }
            for a in accepted {
                let _ = a.reply.send(Ok(Submitted::New(a.receipt)));
            }
            shared.sequenced_notify.notify_one();
            Ok(())
        }
        Err(e) => {
            tracing::error!(
                "committing {} entries at index {first} failed: {e}; answering 503 and rebuilding the trial state",
                accepted.len()
            );
            let reason = e.to_string();
            for (_, reply) in duplicates {
                let _ = reply.send(Err(SubmitError::Unavailable(reason.clone())));
            }
            for a in accepted {
                let _ = a.reply.send(Err(SubmitError::Unavailable(reason.clone())));
            }
            rebuild_ledger(shared)
        }
    }
}

/// Replaces the in-memory ledger by one folded from the durable entries.
fn rebuild_ledger(shared: &Shared) -> Result<(), String> {
    let size = shared.state.sequenced_size().map_err(|e| e.to_string())?;
    let ledger: Ledger = fold_ledger(shared.state.as_ref(), size).map_err(|e| e.to_string())?;
    *shared
        .ledger
        .write()
        .unwrap_or_else(PoisonError::into_inner) = ledger;
    Ok(())
}
