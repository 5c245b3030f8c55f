//! `trial-loadgen`: the registry's load generator (issue 4 §5). Not a CI test.
//!
//! 1. **Submissions.** Pre-signs `--entries` registrations (from 1,024
//!    keys, ~1.5 KB each, unique per run), then POSTs them to
//!    `/api/v1/entries` over HTTP with `--concurrency` requests in flight,
//!    and reports the sustained rate (entries/s), the latency to the 201
//!    (p50/p99/max), and the latency from the 201 to the first published
//!    checkpoint that contains the entry (`/checkpoint` polled every
//!    `--poll-ms`; checked against the trust policy when one is known).
//! 2. **Tile reads** (`--tiles SECONDS`): GETs existing hash tiles
//!    (`/tile/0/…`, and higher levels when the tree has them) at random
//!    with the same concurrency, and reports requests/s and latency.
//!
//! `--spawn` starts `trial-registry serve` (the binary next to this one)
//! on a free loopback port with a fresh temporary data directory, and
//! stops it at the end; otherwise `--url` names a running registry.
//!
//! ```text
//! cargo build --release -p trial-registry
//! target/release/trial-loadgen --spawn --entries 50000 --concurrency 256 --tiles 10
//! ```
//!
//! Both processes share the machine: on a 2-core box the client's own CPU
//! use is part of what limits the numbers, which is why the client is a bare
//! hyper connection per worker (opened before the clock starts) rather than
//! a pooled reqwest client: switching raised tile reads from ~55k to ~90k/s.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow, bail};
use axum::body::Bytes;
use clap::Parser;
use ed25519_dalek::SigningKey;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;
use sha2::{Digest as _, Sha256};
use tokio::sync::Mutex;
use verifier::entry::EntryBuilder;
use verifier::policy::Policy;
use verifier::predicate::{
    Contact, Date, Eligibility, EthicsCommittee, EthicsReview, EthicsStatus, Intervention, IpdPlan,
    IpdSharing, Outcome, RecruitmentStatus, Registration, SecondaryId, Sex, StudyDesign, StudyType,
    Timestamp, TrialRecord,
};

/// Load generator for the Trial Ledger registry.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Base URL of a running registry (ignored with --spawn).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Start `trial-registry serve` with a temporary data directory.
    #[arg(long)]
    spawn: bool,
    /// Extra arguments for the spawned server (e.g. `--server-arg=--batch-size=2048`).
    #[arg(long = "server-arg", allow_hyphen_values = true)]
    server_args: Vec<String>,
    /// Entries to submit (0: skip the submission phase).
    #[arg(long, default_value_t = 50_000)]
    entries: usize,
    /// Requests in flight.
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// Seconds of tile reads after the submissions (0: none).
    #[arg(long, default_value_t = 0)]
    tiles: u64,
    /// How often to poll /checkpoint, in milliseconds.
    #[arg(long, default_value_t = 20)]
    poll_ms: u64,
    /// How long to wait for the last entry's checkpoint, in seconds.
    #[arg(long, default_value_t = 120)]
    checkpoint_timeout: u64,
    /// Trust policy to check published checkpoints with (default with
    /// --spawn: the server's policy.txt).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Seed making this run's entries unique (default: the clock).
    #[arg(long)]
    seed: Option<u64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A spawned server, killed (and its data directory removed) on drop.
struct Server {
    child: Child,
    data: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (url, server, policy_path) = if args.spawn {
        let (url, server) = spawn(&args.server_args)?;
        let policy = server.data.join("policy.txt");
        (url, Some(server), Some(policy))
    } else {
        (
            args.url.trim_end_matches('/').to_owned(),
            None,
            args.policy.clone(),
        )
    };
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency.max(1))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")?;
    wait_ready(&http, &url).await?;
    let policy = match policy_path.or(args.policy.clone()) {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading the policy {}", path.display()))?;
            Some(Policy::parse(&text).with_context(|| format!("parsing {}", path.display()))?)
        }
        None => None,
    };
    println!("registry: {url}");
    if args.entries > 0 {
        submissions(&args, &http, &url, policy.as_ref()).await?;
    }
    if args.tiles > 0 {
        tile_reads(&args, &http, &url).await?;
    }
    drop(server);
    Ok(())
}

/// Starts `trial-registry serve` next to this binary on a free port.
fn spawn(extra: &[String]) -> anyhow::Result<(String, Server)> {
    let exe = std::env::current_exe().context("locating this binary")?;
    let server_bin = exe.with_file_name(format!("trial-registry{}", std::env::consts::EXE_SUFFIX));
    if !server_bin.is_file() {
        bail!(
            "{} not found: build it first (`cargo build --release -p trial-registry`)",
            server_bin.display()
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .context("finding a free port")?
        .port();
    let data = std::env::temp_dir().join(format!(
        "trial-loadgen-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    ));
    std::fs::create_dir_all(&data)
        .with_context(|| format!("creating the data directory {}", data.display()))?;
    let child = Command::new(&server_bin)
        .arg("serve")
        .arg("--data")
        .arg(&data)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", server_bin.display()))?;
    println!(
        "spawned {} (pid {}) with data in {}",
        server_bin.display(),
        child.id(),
        data.display()
    );
    Ok((format!("http://127.0.0.1:{port}"), Server { child, data }))
}

async fn wait_ready(http: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = http.get(format!("{url}/healthz")).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the registry at {url} did not answer /healthz within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------

/// A compact but realistic registration (~1.5 KB as a signed entry).
fn record(run: u64, n: usize, first_enrolment: Date) -> TrialRecord {
    let contact = |name: &str| Contact {
        name: name.to_owned(),
        affiliation: "Load Test Clinical Trials Unit".to_owned(),
        email: None,
        phone: None,
        address: None,
    };
    TrialRecord {
        secondary_ids: vec![SecondaryId {
            issuer: "LTS".to_owned(),
            id: format!("LT-{run}-{n}"),
        }],
        funding_sources: Vec::new(),
        primary_sponsor: format!("Load Test Sponsor {}", n % 97),
        secondary_sponsors: Vec::new(),
        public_contact: contact("Trial office"),
        scientific_contact: contact("Dr A. Investigator"),
        public_title: format!("Load test trial {n}: does drug A lower blood pressure?"),
        scientific_title: format!("Drug A versus placebo in hypertension, trial {n} of run {run}"),
        acronym: None,
        countries: vec!["United Kingdom".to_owned()],
        conditions: vec!["Hypertension".to_owned()],
        interventions: vec![Intervention {
            kind: "drug".to_owned(),
            name: "Drug A 10 mg".to_owned(),
            description: "One tablet daily for 12 weeks.".to_owned(),
            comparator: false,
        }],
        eligibility: Eligibility {
            inclusion_criteria: "Adults with systolic blood pressure 130-139 mmHg.".to_owned(),
            exclusion_criteria: String::new(),
            sex: Sex::All,
            minimum_age: Some("18 Years".to_owned()),
            maximum_age: None,
        },
        study_type: StudyType::Interventional,
        design: StudyDesign {
            allocation: Some("randomized".to_owned()),
            ..StudyDesign::default()
        },
        date_of_first_enrolment: first_enrolment,
        target_sample_size: 300,
        recruitment_status: RecruitmentStatus::Pending,
        primary_outcomes: vec![Outcome {
            id: "P1".to_owned(),
            measure: "Change in systolic blood pressure".to_owned(),
            description: None,
            time_frame: "12 weeks".to_owned(),
        }],
        secondary_outcomes: Vec::new(),
        ethics_review: EthicsReview {
            status: EthicsStatus::Approved,
            date: None,
            committee: EthicsCommittee {
                name: "Load Test Research Ethics Committee".to_owned(),
                contact: None,
            },
        },
        completion_date: None,
        ipd_sharing: IpdSharing {
            plan: IpdPlan::No,
            description: String::new(),
        },
    }
}

/// Signs `count` unique registrations on all cores.
fn presign(run: u64, count: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    const KEYS: usize = 1024;
    let keys: Vec<SigningKey> = (0..KEYS)
        .map(|k| {
            let seed: [u8; 32] = Sha256::digest(format!("trial-loadgen key {k}")).into();
            SigningKey::from_bytes(&seed)
        })
        .collect();
    let created_at: Timestamp = "2026-01-01T00:00:00Z"
        .parse()
        .map_err(|e| anyhow!("timestamp: {e}"))?;
    let first_enrolment = Date::month(2027, 1).ok_or_else(|| anyhow!("date 2027-01"))?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = count.div_ceil(threads).max(1);
    let keys = &keys;
    let created_at = &created_at;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..count)
            .step_by(chunk)
            .map(|start| {
                scope.spawn(move || -> anyhow::Result<Vec<Vec<u8>>> {
                    (start..(start + chunk).min(count))
                        .map(|n| {
                            EntryBuilder::registration(Registration {
                                signer_key: String::new(),
                                created_at: created_at.clone(),
                                trial: record(run, n, first_enrolment),
                                consent_forms: Vec::new(),
                            })
                            .sign(&keys[n % KEYS])
                            .map_err(|e| anyhow!("signing entry {n}: {e}"))
                        })
                        .collect()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(count);
        for worker in workers {
            let part = worker
                .join()
                .map_err(|_| anyhow!("a signing thread panicked"))??;
            all.extend(part);
        }
        Ok(all)
    })
}

// ---------------------------------------------------------------------------
// Submission phase
// ---------------------------------------------------------------------------

/// One acknowledged entry.
struct Ack {
    index: u64,
    sent: Instant,
    acknowledged: Instant,
}

#[derive(Default)]
struct Outcomes {
    acks: Vec<Ack>,
    existing: usize,
    failures: Vec<String>,
    failed: usize,
}

async fn submissions(
    args: &Args,
    http: &reqwest::Client,
    url: &str,
    policy: Option<&Policy>,
) -> anyhow::Result<()> {
    let run = args.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let started = Instant::now();
    let entries = presign(run, args.entries)?;
    let bytes: usize = entries.iter().map(Vec::len).sum();
    println!(
        "pre-signed {} registrations in {:.1} s (average {} bytes, {} keys)",
        entries.len(),
        started.elapsed().as_secs_f64(),
        bytes / entries.len().max(1),
        1024.min(entries.len())
    );
    // `Bytes` clones are reference counts, not copies.
    let entries: Arc<Vec<Bytes>> = Arc::new(entries.into_iter().map(Bytes::from).collect());

    // The checkpoint poller: (when seen, size), growing.
    let observed: Arc<Mutex<Vec<(Instant, u64)>>> = Arc::new(Mutex::new(Vec::new()));
    let stop_polling = Arc::new(tokio::sync::Notify::new());
    let poller = {
        let http = http.clone();
        let url = url.to_owned();
        let observed = Arc::clone(&observed);
        let stop = Arc::clone(&stop_polling);
        let policy = policy.cloned();
        let every = Duration::from_millis(args.poll_ms.max(1));
        tokio::spawn(async move {
            let mut untrusted = 0usize;
            loop {
                if let Ok(Some((size, note))) = checkpoint(&http, &url).await {
                    let seen_at = Instant::now();
                    let mut seen = observed.lock().await;
                    if seen.last().is_none_or(|(_, last)| size > *last) {
                        let trusted = policy
                            .as_ref()
                            .is_none_or(|p| p.evaluate(note.as_bytes()).is_ok());
                        if trusted {
                            seen.push((seen_at, size));
                        } else {
                            untrusted += 1;
                        }
                    }
                }
                tokio::select! {
                    () = stop.notified() => return untrusted,
                    () = tokio::time::sleep(every) => {}
                }
            }
        })
    };

    let next = Arc::new(AtomicUsize::new(0));
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    let target = Target::parse(url)?;
    let connections = Connection::open_many(&target, args.concurrency.max(1)).await?;
    let begin = Instant::now();
    let mut workers = Vec::new();
    for mut connection in connections {
        let endpoint = target.path("/api/v1/entries");
        let entries = Arc::clone(&entries);
        let next = Arc::clone(&next);
        let outcomes = Arc::clone(&outcomes);
        workers.push(tokio::spawn(async move {
            let mut local = Outcomes::default();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(entry) = entries.get(n) else { break };
                let sent = Instant::now();
                match connection.post_json(&endpoint, entry.clone()).await {
                    Ok((status, body)) => {
                        let acknowledged = Instant::now();
                        match (status, index_of(&body)) {
                            (201, Some(index)) => local.acks.push(Ack {
                                index,
                                sent,
                                acknowledged,
                            }),
                            (200, Some(_)) => local.existing += 1,
                            _ => {
                                local.failed += 1;
                                if local.failures.len() < 3 {
                                    local.failures.push(format!(
                                        "HTTP {status}: {}",
                                        String::from_utf8_lossy(&body).trim()
                                    ));
                                }
                            }
                        }
                    }
                    Err(e) => {
                        local.failed += 1;
                        if local.failures.len() < 3 {
                            local.failures.push(format!("request failed: {e:#}"));
                        }
                    }
                }
            }
            let mut all = outcomes.lock().await;
            all.acks.append(&mut local.acks);
            all.existing += local.existing;
            all.failed += local.failed;
            all.failures.extend(local.failures);
        }));
    }
    for worker in workers {
        worker.await.context("a submission worker failed")?;
    }
    let elapsed = begin.elapsed();
    let mut outcomes = std::mem::take(&mut *outcomes.lock().await);

    // Wait for the checkpoint that covers the last acknowledged index.
    let needed = outcomes.acks.iter().map(|a| a.index + 1).max().unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(args.checkpoint_timeout);
    loop {
        let covered = observed.lock().await.last().map_or(0, |(_, s)| *s);
        if covered >= needed || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(args.poll_ms.max(1))).await;
    }
    stop_polling.notify_one();
    let untrusted = poller.await.unwrap_or(0);
    let observed = observed.lock().await.clone();

    // Report.
    outcomes.acks.sort_by_key(|a| a.acknowledged);
    let acked = outcomes.acks.len();
    println!();
    println!("== submissions ({} in flight) ==", args.concurrency);
    println!(
        "201 Created: {acked}   200 already present: {}   failed: {}",
        outcomes.existing, outcomes.failed
    );
    for failure in &outcomes.failures {
        println!("  e.g. {failure}");
    }
    if acked == 0 {
        bail!("no entry was acknowledged");
    }
    println!(
        "overall: {acked} entries in {:.2} s = {:.0} entries/s",
        elapsed.as_secs_f64(),
        acked as f64 / elapsed.as_secs_f64()
    );
    // Steady state: the middle 80% of acknowledgements.
    let (lo, hi) = (acked / 10, acked * 9 / 10);
    if hi > lo + 1 {
        let span = outcomes.acks[hi - 1]
            .acknowledged
            .duration_since(outcomes.acks[lo].acknowledged);
        println!(
            "sustained (middle 80% of acknowledgements): {:.0} entries/s",
            (hi - 1 - lo) as f64 / span.as_secs_f64().max(1e-9)
        );
    }
    let mut to_201: Vec<Duration> = outcomes
        .acks
        .iter()
        .map(|a| a.acknowledged.duration_since(a.sent))
        .collect();
    print_latency("latency to 201", &mut to_201);

    let mut to_checkpoint = Vec::with_capacity(acked);
    let mut not_covered = 0usize;
    for ack in &outcomes.acks {
        match observed.iter().find(|(_, size)| *size > ack.index) {
            Some((seen, _)) => to_checkpoint.push(seen.saturating_duration_since(ack.acknowledged)),
            None => not_covered += 1,
        }
    }
    print_latency(
        &format!(
            "201 -> published {}checkpoint (poll every {} ms)",
            if policy.is_some() {
                "cosigned (policy-checked) "
            } else {
                ""
            },
            args.poll_ms
        ),
        &mut to_checkpoint,
    );
    println!(
        "checkpoints observed: {} (largest {})",
        observed.len(),
        observed.last().map_or(0, |(_, s)| *s)
    );
    if untrusted > 0 {
        println!("checkpoints NOT trusted by the policy: {untrusted}");
    }
    if not_covered > 0 {
        println!(
            "entries not in a published checkpoint after {} s: {not_covered}",
            args.checkpoint_timeout
        );
    }
    Ok(())
}

fn index_of(body: &[u8]) -> Option<u64> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()?
        .get("index")?
        .as_u64()
}

/// The published checkpoint's size and note, if any.
async fn checkpoint(http: &reqwest::Client, url: &str) -> anyhow::Result<Option<(u64, String)>> {
    let response = http.get(format!("{url}/checkpoint")).send().await?;
    if !response.status().is_success() {
        return Ok(None);
    }
    let note = response.text().await?;
    let size = note
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| anyhow!("/checkpoint is not a checkpoint"))?;
    Ok(Some((size, note)))
}

fn print_latency(what: &str, samples: &mut [Duration]) {
    if samples.is_empty() {
        println!("{what}: no samples");
        return;
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "{what}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3
    );
}

// ---------------------------------------------------------------------------
// Tile reads
// ---------------------------------------------------------------------------

async fn tile_reads(args: &Args, http: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let (size, _) = checkpoint(http, url)
        .await?
        .ok_or_else(|| anyhow!("the registry has no published checkpoint to read tiles of"))?;
    let target = Target::parse(url)?;
    let mut paths: Vec<String> = verifier::tile::tiles_for_tree(size)
        .filter(|id| !id.is_partial() || size < 256)
        .map(|id| target.path(&format!("/{}", id.path())))
        .collect();
    if paths.is_empty() {
        bail!("the published tree (size {size}) has no tiles");
    }
    paths.sort();
    let full = paths.len();
    println!();
    println!(
        "== tile reads: {full} tiles of the tree of size {size}, {} in flight, {} s ==",
        args.concurrency, args.tiles
    );
    let paths = Arc::new(paths);
    let connections = Connection::open_many(&target, args.concurrency.max(1)).await?;
    let deadline = Instant::now() + Duration::from_secs(args.tiles);
    let begin = Instant::now();
    let mut workers = Vec::new();
    for (worker, mut connection) in connections.into_iter().enumerate() {
        let paths = Arc::clone(&paths);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0usize;
            // A cheap per-worker sequence instead of a random generator.
            let mut n = worker.wrapping_mul(7919);
            while Instant::now() < deadline {
                n = n
                    .wrapping_mul(6364136223846793005usize)
                    .wrapping_add(1442695040888963407);
                let path = &paths[(n >> 17) % paths.len()];
                let sent = Instant::now();
                match connection.get(path).await {
                    Ok((200, _)) => latencies.push(sent.elapsed()),
                    _ => failed += 1,
                }
            }
            (latencies, failed)
        }));
    }
    let mut latencies = Vec::new();
    let mut failed = 0;
    for worker in workers {
        let (mut l, f) = worker.await.context("a tile worker failed")?;
        latencies.append(&mut l);
        failed += f;
    }
    let elapsed = begin.elapsed();
    println!(
        "{} tile reads in {:.2} s = {:.0} requests/s ({failed} failed)",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    print_latency("tile read latency", &mut latencies);
    Ok(())
}

// ---------------------------------------------------------------------------
// The lean HTTP client
// ---------------------------------------------------------------------------

/// Where requests go: `host:port` and the base URL's path.
#[derive(Debug, Clone)]
struct Target {
    authority: String,
    base_path: String,
}

impl Target {
    /// Reads `http://host:port[/base]`; https is not supported (loopback).
    fn parse(url: &str) -> anyhow::Result<Target> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| anyhow!("the load generator speaks plain http:// only, not {url}"))?;
        let (authority, base_path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], rest[slash..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if authority.is_empty() {
            bail!("no host in {url}");
        }
        Ok(Target {
            authority: authority.to_owned(),
            base_path: base_path.to_owned(),
        })
    }

    /// The request path for `path` (which starts with `/`).
    fn path(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }
}

/// One keep-alive HTTP/1.1 connection, reopened after an error.
///
/// A bare hyper connection per worker instead of reqwest's pooled client:
/// the client shares the machine's two cores with the registry, so every
/// microsecond it spends per request is taken from the server.
struct Connection {
    target: Target,
    sender: Option<SendRequest<Full<Bytes>>>,
}

const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

impl Connection {
    /// Opens `count` connections before the clock starts, so that latencies
    /// measure requests, not TCP handshakes.
    async fn open_many(target: &Target, count: usize) -> anyhow::Result<Vec<Connection>> {
        let mut connections = Vec::with_capacity(count);
        for _ in 0..count {
            connections.push(Connection {
                target: target.clone(),
                sender: Some(Self::open(&target.authority).await?),
            });
        }
        Ok(connections)
    }

    async fn open(authority: &str) -> anyhow::Result<SendRequest<Full<Bytes>>> {
        let stream = tokio::net::TcpStream::connect(authority)
            .await
            .with_context(|| format!("connecting to {authority}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake")?;
        tokio::spawn(async move {
            // Ends when the sender is dropped or the server closes.
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// `POST path` with a JSON body; the status and the whole response body.
    async fn post_json(&mut self, path: &str, body: Bytes) -> anyhow::Result<(u16, Bytes)> {
        let request = hyper::Request::post(path)
            .header(HOST, &self.target.authority)
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(body))?;
        self.send(request).await
    }

    /// `GET path`; the status and the whole response body.
    async fn get(&mut self, path: &str) -> anyhow::Result<(u16, Bytes)> {
        let request = hyper::Request::get(path)
            .header(HOST, &self.target.authority)
            .body(Full::new(Bytes::new()))?;
        self.send(request).await
    }

    async fn send(&mut self, request: hyper::Request<Full<Bytes>>) -> anyhow::Result<(u16, Bytes)> {
        let sender = match &mut self.sender {
            Some(sender) => sender,
            None => self
                .sender
                .insert(Self::open(&self.target.authority).await?),
        };
        let exchange = async {
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let status = response.status().as_u16();
            let body = response.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, body))
        };
        let result = match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(result) => result,
            Err(_) => Err(anyhow!("no answer in {} s", REQUEST_TIMEOUT.as_secs())),
        };
        if result.is_err() {
            // A failed exchange may leave the connection unusable: reopen.
            self.sender = None;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn target_reads_authority_and_base_path() {
        let plain = Target::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(plain.authority, "127.0.0.1:8080");
        assert_eq!(plain.path("/checkpoint"), "/checkpoint");
        let based = Target::parse("http://localhost:9/registry/").unwrap();
        assert_eq!(based.authority, "localhost:9");
        assert_eq!(based.path("/checkpoint"), "/registry/checkpoint");
    }

    #[test]
    fn target_refuses_what_it_cannot_speak() {
        assert!(Target::parse("https://example.org").is_err());
        assert!(Target::parse("http:///path").is_err());
        assert!(Target::parse("127.0.0.1:8080").is_err());
    }
}
