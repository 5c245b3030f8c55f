//! Crash test: the real binary, SIGKILLed at random moments while several
//! clients submit, restarted each time. In the end:
//!
//! - every acknowledged entry (201, or 200 for a resubmission) is in the log
//!   at the index it was acknowledged with, and no entry was acknowledged at
//!   two indexes;
//! - the published checkpoint satisfies the policy, and the tiles and entry
//!   bundles recompute to its root (what `trialverify audit-log` checks);
//! - every archived checkpoint is trusted and consistent with the last.
//!
//! Kills land anywhere: during startup recovery, sequencing, tile writes,
//! cosigning and publication. Set `CRASH_SEED` to replay a run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use verifier::entry::{TrialId, entry_hash};
use verifier::fixtures;
use verifier::merkle::{self, Hash};
use verifier::policy::Policy;
use verifier::predicate::ConsentEvent;
use verifier::tile::{ProofBuilder, TileId, decode_entry_bundle, parse_hash_tile};

const KILLS: usize = 22;
const CLIENTS: usize = 4;

/// xorshift64*: enough randomness for kill times, reproducible from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A running registry process and the address it listens on.
struct Process {
    child: Child,
    base: Option<String>,
    log: Arc<Mutex<VecDeque<String>>>,
}

fn spawn(data: &Path) -> (Process, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trial-registry"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--consent-per-minute",
            "0",
        ])
        .arg("--data")
        .arg(data)
        .arg("--batch-wait")
        .arg("2")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let log = Arc::new(Mutex::new(VecDeque::new()));
    let lines = Arc::clone(&log);
    std::thread::spawn(move || {
        // Drains stderr (a full pipe would block the server) and keeps the
        // last lines for diagnostics.
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.split("on http://").nth(1) {
                let addr: String = rest.chars().take_while(|c| *c != '/').collect();
                let _ = tx.send(format!("http://{addr}"));
            }
            let mut lines = lines.lock().unwrap();
            lines.push_back(line);
            if lines.len() > 200 {
                lines.pop_front();
            }
        }
    });
    (
        Process {
            child,
            base: None,
            log,
        },
        rx,
    )
}

impl Process {
    fn kill(&mut self) {
        // Child::kill is SIGKILL on Unix: no shutdown code runs.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn recent_log(&self) -> String {
        self.log
            .lock()
            .unwrap()
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What the clients learnt: entry hash → (acknowledged index, bytes).
#[derive(Default)]
struct Acknowledged {
    by_hash: HashMap<String, (u64, Vec<u8>)>,
    problems: Vec<String>,
}

async fn client(
    http: reqwest::Client,
    base: String,
    queue: Arc<Mutex<VecDeque<Vec<u8>>>>,
    acknowledged: Arc<Mutex<Acknowledged>>,
    stop: Arc<AtomicBool>,
    mut rng: Rng,
) {
    while !stop.load(Ordering::Relaxed) {
        // Mostly new entries; sometimes an acknowledged one again.
        let resubmit = rng.below(10) == 0;
        let bytes = if resubmit {
            let ack = acknowledged.lock().unwrap();
            let n = ack.by_hash.len() as u64;
            (n > 0)
                .then(|| {
                    let pick = rng.below(n) as usize;
                    ack.by_hash.values().nth(pick).map(|(_, b)| b.clone())
                })
                .flatten()
        } else {
            queue.lock().unwrap().pop_front()
        };
        let Some(bytes) = bytes else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let sent = http
            .post(format!("{base}/api/v1/entries"))
            .body(bytes.clone())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(_) => {
                // The server died (or is dying): the entry may or may not
                // be stored; it is resubmitted later either way.
                if !resubmit {
                    queue.lock().unwrap().push_front(bytes);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let status = response.status().as_u16();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(_) => {
                if !resubmit {
                    queue.lock().unwrap().push_front(bytes);
                }
                continue;
            }
        };
        match status {
            200 | 201 => {
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let index = json["index"].as_u64().unwrap();
                let hash = entry_hash(&bytes);
                let mut ack = acknowledged.lock().unwrap();
                if let Some((earlier, _)) = ack.by_hash.get(&hash)
                    && *earlier != index
                {
                    let problem =
                        format!("entry {hash} acknowledged at {earlier}, then at {index}");
                    ack.problems.push(problem);
                }
                ack.by_hash.insert(hash, (index, bytes));
            }
            503 => {
                if !resubmit {
                    queue.lock().unwrap().push_front(bytes);
                }
            }
            other => {
                let problem = format!("status {other}: {}", String::from_utf8_lossy(&body));
                acknowledged.lock().unwrap().problems.push(problem);
            }
        }
    }
}

/// The entries the clients submit: distinct registrations, and consent
/// entries for one registered trial (consent does not move the trial's
/// head, so any order is valid).
fn entries(count: u64) -> (Vec<u8>, VecDeque<Vec<u8>>) {
    let trial = fixtures::registration_entry().unwrap();
    let trial_id = TrialId::for_registration(&trial);
    let form = fixtures::form_hash(fixtures::CONSENT_V1);
    let entries = (0..count)
        .map(|n| {
            if n % 4 == 3 {
                let event = if n % 8 == 3 {
                    ConsentEvent::Given
                } else {
                    ConsentEvent::Withdrawn
                };
                fixtures::consent_entry(&trial_id, &form, event, (n % 251) as u8).unwrap()
            } else {
                support::registration(n)
            }
        })
        .collect();
    (trial, entries)
}

async fn wait_ready(process: &mut Process, addr: &std::sync::mpsc::Receiver<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    let base = loop {
        if let Ok(base) = addr.try_recv() {
            break base;
        }
        if let Ok(Some(status)) = process.child.try_wait() {
            panic!(
                "the registry exited with {status} before serving:\n{}",
                process.recent_log()
            );
        }
        assert!(
            Instant::now() < deadline,
            "the registry did not start:\n{}",
            process.recent_log()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    process.base = Some(base.clone());
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_entries_survive_sigkill() {
    let started = Instant::now();
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash test seed: CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (trial, pool) = entries(3_000);
    let queue = Arc::new(Mutex::new(pool));
    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // The consent entries need their trial: register it first.
    {
        let (mut process, addr) = spawn(&data);
        let base = wait_ready(&mut process, &addr).await;
        let response = http
            .post(format!("{base}/api/v1/entries"))
            .body(trial.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        acknowledged
            .lock()
            .unwrap()
            .by_hash
            .insert(entry_hash(&trial), (0, trial.clone()));
        process.kill();
    }

    for round in 0..KILLS {
        let (mut process, addr) = spawn(&data);
        if round % 5 == 4 {
            // Killed during startup and recovery, before it serves.
            tokio::time::sleep(Duration::from_millis(rng.below(150))).await;
            process.kill();
            continue;
        }
        let base = wait_ready(&mut process, &addr).await;
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                tokio::spawn(client(
                    http.clone(),
                    base.clone(),
                    Arc::clone(&queue),
                    Arc::clone(&acknowledged),
                    Arc::clone(&stop),
                    Rng(rng.next() | 1),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50 + rng.below(600))).await;
        process.kill();
        stop.store(true, Ordering::Relaxed);
        for client in clients {
            client.await.unwrap();
        }
    }

    // Last start: let it integrate and publish everything, then check.
    let (mut process, addr) = spawn(&data);
    let base = wait_ready(&mut process, &addr).await;
    let ack = std::mem::take(&mut *acknowledged.lock().unwrap());
    assert!(ack.problems.is_empty(), "{:#?}", ack.problems);
    let needed = ack.by_hash.values().map(|(i, _)| i + 1).max().unwrap();
    let policy = Policy::parse(&std::fs::read_to_string(data.join("policy.txt")).unwrap()).unwrap();
    let get = |path: String| {
        let http = http.clone();
        let url = format!("{base}{path}");
        async move {
            let response = http.get(&url).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200, "{url}");
            response.bytes().await.unwrap().to_vec()
        }
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let trusted = loop {
        let response = http.get(format!("{base}/checkpoint")).send().await.unwrap();
        if response.status().as_u16() == 200 {
            let note = response.bytes().await.unwrap();
            let trusted = policy.evaluate(&note).expect("the checkpoint is trusted");
            if trusted.checkpoint.size >= needed {
                break trusted;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no checkpoint of size {needed} published:\n{}",
            process.recent_log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let size = trusted.checkpoint.size;

    // Recompute the tree from the entry bundles, compare every level-0 tile
    // and the root, and collect the entries.
    let mut leaves: Vec<Hash> = Vec::new();
    let mut log_entries: Vec<Vec<u8>> = Vec::new();
    let mut start = 0;
    while start < size {
        let id = TileId::for_tree(0, start / 256, size).unwrap();
        let bundle = get(format!("/{}", id.entry_bundle_path())).await;
        let decoded = decode_entry_bundle(&bundle).unwrap();
        assert_eq!(decoded.len(), usize::from(id.width));
        let tile = parse_hash_tile(&id, &get(format!("/{}", id.path())).await).unwrap();
        for (entry, hash) in decoded.iter().zip(&tile) {
            assert_eq!(merkle::leaf_hash(entry), *hash);
            log_entries.push(entry.to_vec());
        }
        leaves.extend(tile);
        start += u64::from(id.width);
    }
    assert_eq!(merkle::tree_root(&leaves), trusted.checkpoint.root);
    let mut builder = ProofBuilder::new(size);
    for id in builder.tiles_for_root() {
        builder
            .add_tile(id, &get(format!("/{}", id.path())).await)
            .unwrap();
    }
    assert_eq!(builder.root().unwrap(), trusted.checkpoint.root);

    // Every acknowledged entry at its acknowledged index; no duplicates.
    for (hash, (index, bytes)) in &ack.by_hash {
        assert_eq!(
            log_entries.get(*index as usize),
            Some(bytes),
            "entry {hash} acknowledged at {index}"
        );
    }
    let mut seen = std::collections::HashSet::new();
    for entry in &log_entries {
        assert!(
            seen.insert(entry_hash(entry)),
            "an entry is in the log twice"
        );
    }

    // Every archived checkpoint is trusted and consistent with the last.
    let mut archived: Vec<u64> = std::fs::read_dir(data.join("log/checkpoints"))
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str()?.parse().ok())
        .collect();
    archived.sort_unstable();
    assert!(archived.len() > KILLS / 2, "{archived:?}");
    for old_size in &archived {
        let note = get(format!("/checkpoints/{old_size}")).await;
        let old = policy.evaluate(&note).unwrap().checkpoint;
        assert!(old.size <= size);
        if old.size == 0 {
            continue;
        }
        let proof = merkle::consistency_proof(&leaves, old.size).unwrap();
        merkle::verify_consistency(old.size, size, &old.root, &trusted.checkpoint.root, &proof)
            .unwrap_or_else(|e| panic!("archived checkpoint {old_size}: {e}"));
    }
    process.kill();
    eprintln!(
        "crash test: {KILLS} kills, {} acknowledged entries, log size {size}, {} archived checkpoints, {:.1} s",
        ack.by_hash.len(),
        archived.len(),
        started.elapsed().as_secs_f64()
    );
}
