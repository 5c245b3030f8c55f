//! The registry's JSON API end to end over HTTP: a whole registry (log,
//! local witnesses, read API, JSON API) runs in-process on a loopback port
//! with a temporary data directory, and the tests talk to it like a sponsor,
//! the portal and a reviewer would.
//!
//! - a trial's life cycle (register → amend → status → results → consent),
//!   then search by title, condition, sponsor, NCT id, acronym and trial id,
//!   the trial view with witnessed times, and the evidence bundle verified
//!   with the verifier library **and**, when the binary has been built (e.g.
//!   by `cargo test --workspace`, which builds `verifier`'s `trialverify`),
//!   with `trialverify bundle`;
//! - the whole log audited over HTTP like `trialverify audit-log` does
//!   (recompute every tile and the root from the entry bundles), with the
//!   library, and with the binary when it is there;
//! - the `--demo` seed: every demo trial searchable, its bundle verifying,
//!   and a second seed adding nothing.
// clippy.toml allows unwrap in `#[test]`s, not in the helpers they share.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use trial_registry::log::{Log, LogConfig};
use verifier::entry::{TrialId, entry_hash};
use verifier::fixtures;
use verifier::policy::Policy;
use verifier::predicate::ConsentEvent;
use verifier::report::{Category, Verdict, verify_bundle};
use verifier::tile::{TileHasher, TileId, decode_entry_bundle};

/// A registry running on its own runtime.
struct Registry {
    base: String,
    data: tempfile::TempDir,
    policy: Policy,
    log: Log,
    runtime: Option<tokio::runtime::Runtime>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    agent: ureq::Agent,
}

impl Registry {
    fn start() -> Registry {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let data = tempfile::tempdir().unwrap();
        let config = LogConfig::builder(data.path())
            .batch_wait(Duration::from_millis(2))
            .checkpoint_interval(Duration::ZERO)
            .consent_rate_limit(None)
            .build();
        let (log, addr, stop, server) = runtime.block_on(async {
            let log = Log::open(config).await.expect("the log opens");
            let app = trial_registry::app_with_log(None, log.clone()).unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr: SocketAddr = listener.local_addr().unwrap();
            let (stop, stopped) = oneshot::channel::<()>();
            let server = tokio::spawn(async move {
                trial_registry::serve(listener, app, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            });
            (log, addr, stop, server)
        });
        let policy =
            Policy::parse(&std::fs::read_to_string(data.path().join("policy.txt")).unwrap())
                .unwrap();
        Registry {
            base: format!("http://{addr}"),
            data,
            policy,
            log,
            runtime: Some(runtime),
            stop: Some(stop),
            server: Some(server),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into(),
        }
    }

    /// POSTs an entry: status and JSON body.
    fn post(&self, bytes: &[u8]) -> (u16, serde_json::Value) {
        let mut response = self
            .agent
            .post(&format!("{}/api/v1/entries", self.base))
            .header("content-type", "application/json")
            .send(bytes)
            .unwrap();
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_vec().unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    /// POSTs an entry that must be newly sequenced; returns its index.
    fn submit(&self, bytes: &[u8]) -> u64 {
        let (status, body) = self.post(bytes);
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["entry_hash"], entry_hash(bytes));
        body["index"].as_u64().unwrap()
    }

    /// GET: status, headers we look at, body.
    fn get(&self, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut response = self
            .agent
            .get(&format!("{}{path}", self.base))
            .call()
            .unwrap();
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .unwrap();
        (status, headers, body)
    }

    fn get_json(&self, path: &str) -> serde_json::Value {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).unwrap()
    }

    /// Waits until the published checkpoint covers `size` entries.
    fn wait_published(&self, size: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, _, body) = self.get("/checkpoint");
            if status == 200 {
                let note = String::from_utf8(body).unwrap();
                let published: u64 = note.lines().nth(1).unwrap().parse().unwrap();
                if published >= size {
                    return note;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no checkpoint of size {size} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Searches; returns the trial ids found, best first.
    fn search(&self, q: &str) -> Vec<String> {
        let q: String = q
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'-' {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        self.get_json(&format!("/api/v1/trials?q={q}"))["trials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["trial_id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Downloads and verifies a trial's bundle with the library (and the
    /// CLI when built); returns the verdict.
    fn verify_bundle(&self, trial_id: &str) -> Verdict {
        let (status, headers, body) = self.get(&format!("/api/v1/trials/{trial_id}/bundle"));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(header("content-type"), "application/json");
        assert_eq!(
            header("content-disposition"),
            format!("attachment; filename=\"{trial_id}.bundle.json\"")
        );
        let report = verify_bundle(&body, &self.policy, &[]).unwrap();
        let integrity: Vec<_> = report
            .failures()
            .filter(|c| c.name.category() == Category::Integrity)
            .collect();
        assert!(integrity.is_empty(), "{}", report.to_json_pretty());
        if let Some(trialverify) = trialverify() {
            let file = self.data.path().join(format!("{trial_id}.bundle.json"));
            std::fs::write(&file, &body).unwrap();
            let output = std::process::Command::new(&trialverify)
                .arg("bundle")
                .arg(&file)
                .arg("--policy")
                .arg(self.data.path().join("policy.txt"))
                .output()
                .unwrap();
            let expected = match report.verdict {
                Verdict::Verified => 0,
                Verdict::Findings => 3,
                Verdict::Failed => 1,
            };
            assert_eq!(
                output.status.code(),
                Some(expected),
                "trialverify bundle {trial_id}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        report.verdict
    }

    /// `trialverify audit-log`'s checks over HTTP with the library: the
    /// published checkpoint is trusted, and every tile and the root
    /// recomputed from the entry bundles match what is served.
    fn audit(&self) -> u64 {
        let (_, _, note) = self.get("/checkpoint");
        let trusted = self
            .policy
            .evaluate(&note)
            .expect("the checkpoint is trusted");
        let size = trusted.checkpoint.size;
        let mut hasher = TileHasher::new();
        let mut compared = 0u64;
        let mut compare = |id: TileId, hashes: Vec<[u8; 32]>| {
            let (status, _, served) = self.get(&format!("/{}", id.path()));
            assert_eq!(status, 200, "{}", id.path());
            assert_eq!(served, hashes.concat(), "{} differs", id.path());
            compared += 1;
        };
        for bundle in 0..size.div_ceil(256) {
            let width = (size - bundle * 256).min(256) as u16;
            let id = TileId {
                level: 0,
                index: bundle,
                width,
            };
            let (status, _, bytes) = self.get(&format!("/{}", id.entry_bundle_path()));
            assert_eq!(status, 200, "{}", id.entry_bundle_path());
            let entries = decode_entry_bundle(&bytes).unwrap();
            assert_eq!(entries.len(), usize::from(width));
            for entry in entries {
                for (id, hashes) in hasher.push(verifier::merkle::leaf_hash(entry)) {
                    compare(id, hashes);
                }
            }
        }
        let (partials, root) = hasher.finish();
        for (id, hashes) in partials {
            compare(id, hashes);
        }
        assert_eq!(root, trusted.checkpoint.root, "the tiles' root");
        if let Some(trialverify) = trialverify() {
            let output = std::process::Command::new(&trialverify)
                .arg("audit-log")
                .arg(&self.base)
                .arg("--vkey")
                .arg(self.policy.log_key().to_string())
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "trialverify audit-log {}: {}",
                self.base,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        compared
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            if let Some(server) = self.server.take() {
                let _ = runtime.block_on(server);
            }
            runtime.block_on(self.log.shutdown());
        }
    }
}

/// The `trialverify` binary next to this test's directory, if it was built
/// (`cargo test --workspace` builds it for the verifier's own CLI tests).
fn trialverify() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?;
    let path = dir.join(format!("trialverify{}", std::env::consts::EXE_SUFFIX));
    path.is_file().then_some(path)
}

#[test]
fn a_trial_life_cycle_searched_viewed_and_verified() {
    let registry = Registry::start();
    let chain = fixtures::chain().unwrap();
    let trial_id = chain.trial_id.clone();

    // Another trial first, so the example trial is not alone in the log.
    let mut other = fixtures::registration().unwrap();
    other.trial.public_title = "Exercise after stroke".to_owned();
    other.trial.scientific_title = "Early mobilisation after ischaemic stroke".to_owned();
    other.trial.acronym = Some("EXAS".to_owned());
    other.trial.conditions = vec!["Stroke".to_owned()];
    other.trial.secondary_ids.clear();
    other.consent_forms.clear();
    let other = verifier::entry::EntryBuilder::registration(other)
        .sign(&fixtures::other_key())
        .unwrap();
    let other_id = TrialId::for_registration(&other);
    registry.submit(&other);

    // Register → amend → status → results → consent.
    let mut indexes = Vec::new();
    for entry in &chain.entries {
        indexes.push(registry.submit(entry));
    }
    let consent = fixtures::consent_entry(
        &trial_id,
        &fixtures::form_hash(fixtures::CONSENT_V2),
        ConsentEvent::Given,
        1,
    )
    .unwrap();
    indexes.push(registry.submit(&consent));
    assert_eq!(indexes, vec![1, 2, 3, 4, 5]);
    // Resubmitting is idempotent: 200 and the same index.
    let (status, body) = registry.post(&chain.entries[1]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["index"], 2);

    // Search: title, condition, sponsor, NCT id, acronym, id; accents and case.
    let id = trial_id.to_string();
    for q in [
        "salt substitute",
        "HYPERTENSION",
        "northbridge",
        "NCT09876543",
        "salt-bp",
        &id,
        &id.to_lowercase(),
        "potássium",
    ] {
        let found = registry.search(q);
        assert_eq!(found.first(), Some(&id), "search {q:?}: {found:?}");
    }
    assert_eq!(registry.search("stroke"), vec![other_id.to_string()]);
    assert!(registry.search("malaria").is_empty());
    // An empty query lists the most recent registrations first.
    assert_eq!(registry.search(""), vec![id.clone(), other_id.to_string()]);
    let listed = registry.get_json("/api/v1/trials?q=salt");
    assert_eq!(listed["trials"][0]["entries"], 5);
    assert_eq!(listed["trials"][0]["status"], "recruiting");
    assert_eq!(listed["trials"][0]["registered_index"], 1);

    // The trial view: entries in order, witnessed once cosigned.
    registry.wait_published(6);
    let view = registry.get_json(&format!("/api/v1/trials/{id}"));
    assert_eq!(view["trial_id"], id.as_str());
    assert_eq!(view["head"], entry_hash(&chain.entries[3]));
    let entries = view["entries"].as_array().unwrap();
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["registration", "amendment", "status", "results", "consent"]
    );
    for (entry, index) in entries.iter().zip(&indexes) {
        assert_eq!(entry["index"], *index);
        let time = entry["witnessed_time"].as_str().expect("witnessed");
        assert!(time.ends_with('Z') && time.len() == 20, "{time}");
        assert!(entry["anchor"].as_u64().unwrap() > *index);
    }
    let (status, _, body) = registry.get("/api/v1/trials/TL-ZZZZZZZZZZZZZZZZ");
    assert_eq!(status, 404);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"]["code"], "not_found");

    // The bundle verifies: its evidence holds; the example trial's results
    // leave out a secondary outcome and it was registered (witnessed today)
    // after its 2024 first enrolment, so the verdict is "findings".
    assert_eq!(registry.verify_bundle(&id), Verdict::Findings);
    assert_ne!(registry.verify_bundle(other_id.as_str()), Verdict::Failed);

    // audit-log over HTTP.
    assert!(registry.audit() >= 1);
}

#[test]
fn the_demo_seed_is_searchable_verifiable_and_idempotent() {
    let registry = Registry::start();
    let runtime = registry.runtime.as_ref().unwrap();
    let first = runtime
        .block_on(trial_registry::demo::seed(&registry.log))
        .unwrap();
    let trials = trial_registry::demo::demo_trials().unwrap();
    let total: usize = trials.iter().map(|t| t.entries.len()).sum();
    assert_eq!((first.added, first.present), (total, 0));

    // The imported CT.gov trial is found by its NCT id, the others by name.
    for (q, name) in [
        ("NCT00763412", "NCT00763412"),
        ("cystic fibrosis", "NCT00763412"),
        ("SLEEP-WELL", "SLEEP-WELL"),
        ("insomnia nurses", "SLEEP-WELL"),
        ("care homes", "HANDS-ON"),
        ("salt substitute", "SALT-BP"),
    ] {
        let trial = trials.iter().find(|t| t.name == name).unwrap();
        assert_eq!(
            registry.search(q).first(),
            Some(&trial.trial_id.to_string()),
            "{q}"
        );
    }

    registry.wait_published(total as u64);
    for trial in &trials {
        let verdict = registry.verify_bundle(trial.trial_id.as_str());
        // SLEEP-WELL's undeclared outcome changes are findings.
        if trial.name == "SLEEP-WELL" {
            assert_eq!(verdict, Verdict::Findings);
        }
    }

    // Seeding again (a restart with --demo) adds nothing.
    let again = runtime
        .block_on(trial_registry::demo::seed(&registry.log))
        .unwrap();
    assert_eq!((again.added, again.present), (0, total));
    assert!(registry.audit() >= 1);
}
