//! The witness: C2SP tlog-witness conformance over real HTTP, forks, persistence,
//! concurrency, the client (against a real and a lying witness) and the
//! `keygen`/`witness` subcommands.
// clippy.toml allows unwrap in `#[test]`s, not in the helpers they share.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};

use axum::Router;
use axum::routing::post;
use tokio::net::TcpListener;
use trial_registry::witness::{
    AddCheckpointError, MAX_REQUEST_BYTES, TLOG_SIZE_CONTENT_TYPE, Witness, WitnessCallError,
    WitnessClient, add_checkpoint_request, witness_router,
};
use verifier::checkpoint::{Checkpoint, sign_checkpoint};
use verifier::cosignature::{self, cosign};
use verifier::merkle::{self, Hash};
use verifier::note::{self, KeyType, Note, SignerKey, VerifierKey};

const ORIGIN: &str = "registry.example/trial-ledger";
const NOW: u64 = 1_790_000_000;

/// A toy log: leaf hashes and a signing key named like the origin.
struct TestLog {
    key: SignerKey,
    leaves: Vec<Hash>,
}

impl TestLog {
    fn new(origin: &str, seed: u8, size: usize) -> TestLog {
        let mut log = TestLog {
            key: SignerKey::from_seed(origin, KeyType::Ed25519, [seed; 32]).unwrap(),
            leaves: Vec::new(),
        };
        log.grow(size, "entry");
        log
    }

    fn grow(&mut self, n: usize, prefix: &str) {
        for _ in 0..n {
            let i = self.leaves.len();
            self.leaves
                .push(merkle::leaf_hash(format!("{prefix} {i}").as_bytes()));
        }
    }

    fn vkey(&self) -> VerifierKey {
        self.key.verifier_key()
    }

    fn root(&self, size: u64) -> Hash {
        merkle::tree_root(&self.leaves[..size as usize])
    }

    fn checkpoint(&self, size: u64) -> String {
        let checkpoint = Checkpoint {
            origin: self.key.name().to_string(),
            size,
            root: self.root(size),
            extensions: vec![],
        };
        sign_checkpoint(&checkpoint, &self.key).unwrap()
    }

    fn proof(&self, old: u64, new: u64) -> Vec<Hash> {
        if old == 0 {
            return vec![];
        }
        merkle::consistency_proof(&self.leaves[..new as usize], old).unwrap()
    }

    fn request(&self, old: u64, new: u64) -> String {
        add_checkpoint_request(old, &self.proof(old, new), &self.checkpoint(new))
    }
}

fn witness_key(name: &str) -> SignerKey {
    SignerKey::from_seed(name, KeyType::Cosignature, [9; 32]).unwrap()
}

fn open_witness(dir: &Path, logs: &[&TestLog]) -> Witness {
    Witness::open(
        dir,
        witness_key("witness.example/w1"),
        logs.iter().map(|l| l.vkey()).collect(),
    )
    .unwrap()
}

/// Checks that `lines` is exactly one cosignature by `key` over the checkpoint
/// in `signed_checkpoint`, with the verifier's own cosignature check.
fn assert_cosigned(key: &VerifierKey, signed_checkpoint: &str, lines: &str) -> u64 {
    let text = Note::parse(signed_checkpoint.as_bytes())
        .unwrap()
        .text()
        .to_string();
    let note = Note::parse(format!("{text}\n{lines}").as_bytes()).unwrap();
    assert_eq!(note.signatures().len(), 1, "{lines}");
    let signature = &note.signatures()[0];
    assert!(key.matches(signature));
    let timestamp = cosignature::verify_cosignature(key, &text, &signature.signature).unwrap();
    // And the whole note, as a client with the log and witness keys reads it.
    let cosigned = format!("{signed_checkpoint}{lines}");
    let verified = note::verify_note(cosigned.as_bytes(), std::slice::from_ref(key)).unwrap();
    assert_eq!(verified.verified[0].timestamp, Some(timestamp));
    timestamp
}

async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

struct Reply {
    status: u16,
    content_type: String,
    body: String,
}

async fn post_body(addr: SocketAddr, body: impl Into<reqwest::Body>) -> Reply {
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/add-checkpoint"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.text().await.unwrap();
    Reply {
        status,
        content_type,
        body,
    }
}

#[tokio::test]
async fn every_status_code_of_the_spec_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = TestLog::new(ORIGIN, 1, 7);
    let witness = Arc::new(open_witness(dir.path(), &[&log]));
    let key = witness.verifier_key();
    let addr = serve(witness_router(Arc::clone(&witness))).await;

    // 200: the first checkpoint, from old size 0 with an empty proof.
    let reply = post_body(addr, log.request(0, 3)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.content_type.starts_with("text/plain"));
    assert_cosigned(&key, &log.checkpoint(3), &reply.body);
    // 200: 3 -> 7 with a consistency proof.
    let reply = post_body(addr, log.request(3, 7)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_cosigned(&key, &log.checkpoint(7), &reply.body);
    // 200: the same checkpoint again (old == size == cosigned size).
    let reply = post_body(addr, log.request(7, 7)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(witness.cosigned(ORIGIN).unwrap().size, 7);

    // 400: malformed bodies.
    for body in [
        "".to_string(),
        "garbage".to_string(),
        format!("old 07\n\n{}", log.checkpoint(7)),
        format!("old 7\nnot-base64\n\n{}", log.checkpoint(7)),
        "old 7\n\nnot a note\n".to_string(),
        format!(
            "old 7\n\n{}",
            log.checkpoint(7).replace("\n7\n", "\nseven\n")
        ),
    ] {
        let reply = post_body(addr, body.clone()).await;
        assert_eq!(reply.status, 400, "{body:?}: {}", reply.body);
    }
    // 400: old size larger than the checkpoint's (checked before the 409).
    let reply = post_body(addr, add_checkpoint_request(8, &[], &log.checkpoint(7))).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body.contains("larger"), "{}", reply.body);

    // 403: signed by another key under the log's name; or a tampered signature.
    let impostor = TestLog::new(ORIGIN, 2, 7);
    let reply = post_body(addr, impostor.request(7, 7)).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let checkpoint = log.checkpoint(7);
    let tampered = {
        let (text, line) = checkpoint.rsplit_once("\n\n").unwrap();
        let (prefix, sig) = line.rsplit_once(' ').unwrap();
        let flipped = if &sig[8..9] == "A" { "B" } else { "A" };
        // Keep the key ID (first 4 bytes = 5+ base64 chars), corrupt the signature.
        format!("{text}\n\n{prefix} {}{flipped}{}", &sig[..8], &sig[9..])
    };
    let reply = post_body(addr, add_checkpoint_request(7, &[], &tampered)).await;
    assert_eq!(reply.status, 403, "{}", reply.body);

    // 404: a log this witness does not know.
    let stranger = TestLog::new("other.example/log", 3, 2);
    let reply = post_body(addr, stranger.request(0, 2)).await;
    assert_eq!(reply.status, 404, "{}", reply.body);

    // 409: the old size is not the cosigned size; the body says which is.
    log.grow(5, "entry");
    let reply = post_body(addr, log.request(3, 12)).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(reply.content_type, TLOG_SIZE_CONTENT_TYPE);
    assert_eq!(reply.body, "7\n");

    // 422: a consistency proof that does not verify.
    let mut proof = log.proof(7, 12);
    proof[0][0] ^= 1;
    let reply = post_body(addr, add_checkpoint_request(7, &proof, &log.checkpoint(12))).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    // 422: a proof of the wrong length.
    let reply = post_body(
        addr,
        add_checkpoint_request(7, &log.proof(7, 12)[1..], &log.checkpoint(12)),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);

    // 413: a body over the limit.
    let reply = post_body(addr, vec![b'a'; MAX_REQUEST_BYTES + 1]).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    let reply = post_body(addr, vec![b'a'; 4 * MAX_REQUEST_BYTES]).await;
    assert_eq!(reply.status, 413);

    // 405: only POST.
    let response = reqwest::get(format!("http://{addr}/add-checkpoint"))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);

    // None of the refusals moved the witness.
    assert_eq!(witness.cosigned(ORIGIN).unwrap().size, 7);
    assert_eq!(witness.cosigned(ORIGIN).unwrap().root, log.root(7));
    // And the honest continuation is still cosigned.
    let reply = post_body(addr, log.request(7, 12)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_cosigned(&key, &log.checkpoint(12), &reply.body);
}

#[tokio::test]
async fn a_forked_log_is_refused_and_the_state_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let honest = TestLog::new(ORIGIN, 1, 8);
    let witness = Arc::new(open_witness(dir.path(), &[&honest]));
    let addr = serve(witness_router(Arc::clone(&witness))).await;
    assert_eq!(post_body(addr, honest.request(0, 8)).await.status, 200);
    let cosigned = witness.cosigned(ORIGIN).unwrap();

    // The same log key signs a different history: shares the first 5 leaves.
    let mut fork = TestLog::new(ORIGIN, 1, 5);
    fork.grow(3, "rewritten");
    assert_ne!(fork.root(8), honest.root(8));
    // Same size, different root: 409 (the spec's rule), body = cosigned size.
    let reply = post_body(addr, fork.request(8, 8)).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(reply.content_type, TLOG_SIZE_CONTENT_TYPE);
    assert_eq!(reply.body, "8\n");
    // A larger fork with the fork's own (internally valid) proof: 422.
    fork.grow(4, "rewritten");
    let reply = post_body(addr, fork.request(8, 12)).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    // A rollback to a smaller tree of the same log: 409.
    let reply = post_body(addr, honest.request(5, 5)).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(reply.body, "8\n");

    assert_eq!(witness.cosigned(ORIGIN), Some(cosigned));
    // The state on disk did not move either: it is the honest checkpoint.
    assert_eq!(state_files(dir.path()), vec![honest.checkpoint(8)]);
}

/// The contents of the witness's state files.
fn state_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("logs"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

#[test]
fn state_is_persisted_before_the_cosignature_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = TestLog::new(ORIGIN, 1, 20);
    let witness = open_witness(dir.path(), &[&log]);
    witness
        .add_checkpoint(log.request(0, 20).as_bytes(), NOW)
        .unwrap();
    // On disk already (the call returned): the log's signed note itself.
    assert_eq!(state_files(dir.path()), vec![log.checkpoint(20)]);
    // A second witness on the same directory is refused while this one runs.
    let err = Witness::open(
        dir.path(),
        witness_key("witness.example/w1"),
        vec![log.vkey()],
    )
    .unwrap_err();
    assert!(err.to_string().contains("in use"), "{err}");
    drop(witness);

    let witness = open_witness(dir.path(), &[&log]);
    assert_eq!(witness.cosigned(ORIGIN).unwrap().size, 20);
    assert_eq!(witness.cosigned(ORIGIN).unwrap().root, log.root(20));
    // A log starting over from 0 is told the persisted size.
    let err = witness
        .add_checkpoint(log.request(0, 20).as_bytes(), NOW)
        .unwrap_err();
    assert!(
        matches!(err, AddCheckpointError::Conflict { size: 20 }),
        "{err}"
    );
    log.grow(1, "entry");
    witness
        .add_checkpoint(log.request(20, 21).as_bytes(), NOW)
        .unwrap();
    drop(witness);
    // A log removed from the configuration keeps its state for later.
    let other = TestLog::new("other.example/log", 4, 1);
    drop(open_witness(dir.path(), &[&other]));
    let witness = open_witness(dir.path(), &[&log, &other]);
    assert_eq!(witness.cosigned(ORIGIN).unwrap().size, 21);
    assert_eq!(witness.cosigned("other.example/log").unwrap().size, 0);
}

#[test]
fn a_failed_write_cosigns_nothing_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = TestLog::new(ORIGIN, 1, 4);
    let witness = open_witness(dir.path(), &[&log]);
    witness
        .add_checkpoint(log.request(0, 2).as_bytes(), NOW)
        .unwrap();
    // Block the temporary file's name with a directory (works even as root).
    let state_file = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let tmp = state_file.with_extension("note.tmp");
    std::fs::create_dir(&tmp).unwrap();
    let err = witness
        .add_checkpoint(log.request(2, 4).as_bytes(), NOW)
        .unwrap_err();
    assert_eq!(err.status(), 500, "{err}");
    assert_eq!(witness.cosigned(ORIGIN).unwrap().size, 2);
    std::fs::remove_dir(&tmp).unwrap();
    witness
        .add_checkpoint(log.request(2, 4).as_bytes(), NOW)
        .unwrap();
    assert_eq!(witness.cosigned(ORIGIN).unwrap().size, 4);
}

#[test]
fn concurrent_requests_from_one_size_advance_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = TestLog::new(ORIGIN, 1, 200);
    let witness = Arc::new(open_witness(dir.path(), &[&log]));
    let mut size = 0u64;
    for round in 0..40u64 {
        // Two requests from the current size to different new sizes (the
        // spec's rollback race): one must win, the other must see its size.
        let targets = [size + 1 + round % 3, size + 2 + round % 3];
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = targets
            .iter()
            .map(|&target| {
                let (witness, barrier) = (Arc::clone(&witness), Arc::clone(&barrier));
                let body = log.request(size, target);
                std::thread::spawn(move || {
                    barrier.wait();
                    (target, witness.add_checkpoint(body.as_bytes(), NOW))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let winners: Vec<u64> = results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(t, _)| *t)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        let winner = winners[0];
        for (_, result) in &results {
            if let Err(err) = result {
                assert!(
                    matches!(err, AddCheckpointError::Conflict { size } if *size == winner),
                    "round {round}: {err}"
                );
            }
        }
        assert_eq!(witness.cosigned(ORIGIN).unwrap().size, winner);
        size = winner;
    }
}

#[tokio::test]
async fn the_http_client_verifies_and_maps_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = TestLog::new(ORIGIN, 1, 6);
    let witness = Arc::new(open_witness(dir.path(), &[&log]));
    let addr = serve(witness_router(Arc::clone(&witness))).await;
    let client = WitnessClient::http(&format!("http://{addr}/"), witness.verifier_key()).unwrap();
    assert_eq!(client.key(), &witness.verifier_key());

    // Success: lines that verify, ready to append.
    let lines = client
        .add_checkpoint(0, &[], &log.checkpoint(4))
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_cosigned(&witness.verifier_key(), &log.checkpoint(4), &lines[0]);
    // 409 -> Conflict { size }, then the resend from that size succeeds.
    let err = client
        .add_checkpoint(0, &[], &log.checkpoint(6))
        .await
        .unwrap_err();
    assert_eq!(err, WitnessCallError::Conflict { size: 4 });
    let lines = client
        .add_checkpoint(4, &log.proof(4, 6), &log.checkpoint(6))
        .await
        .unwrap();
    assert_cosigned(&witness.verifier_key(), &log.checkpoint(6), &lines.concat());
    // A fork (409 at the very size sent) is a refusal, not a conflict to retry.
    let mut fork = TestLog::new(ORIGIN, 1, 3);
    fork.grow(3, "rewritten");
    let err = client
        .add_checkpoint(6, &[], &fork.checkpoint(6))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, WitnessCallError::Refused { status: 409, message } if message.contains("fork")),
        "{err}"
    );
    // 422 -> Refused with the witness's reason.
    log.grow(2, "entry");
    let err = client
        .add_checkpoint(6, &[[0; 32]; 3], &log.checkpoint(8))
        .await
        .unwrap_err();
    assert!(
        matches!(err, WitnessCallError::Refused { status: 422, .. }),
        "{err}"
    );
    // A witness that is not there.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_addr = closed.local_addr().unwrap();
    drop(closed);
    let gone =
        WitnessClient::http(&format!("http://{closed_addr}"), witness.verifier_key()).unwrap();
    let err = gone
        .add_checkpoint(6, &log.proof(6, 8), &log.checkpoint(8))
        .await
        .unwrap_err();
    assert!(matches!(err, WitnessCallError::Unreachable(_)), "{err}");
}

/// How a fake witness answers a checkpoint text: status, content type, body.
type Answer = fn(&SignerKey, &str) -> (u16, &'static str, String);

/// A witness that answers whatever `answer` gives for the checkpoint text.
async fn lying_witness(answer: Answer) -> SocketAddr {
    let router = Router::new().route(
        "/add-checkpoint",
        post(move |body: String| async move {
            let note = body.split_once("\n\n").unwrap().1;
            let text = Note::parse(note.as_bytes()).unwrap().text().to_string();
            let (status, content_type, body) = answer(&witness_key("witness.example/w1"), &text);
            (
                axum::http::StatusCode::from_u16(status).unwrap(),
                [("content-type", content_type)],
                body,
            )
        }),
    );
    serve(router).await
}

#[tokio::test]
async fn the_http_client_refuses_bad_answers() {
    let log = TestLog::new(ORIGIN, 1, 3);
    let key = witness_key("witness.example/w1").verifier_key();
    let cases: [(&str, Answer); 6] = [
        ("cosignature over another checkpoint", |k, text| {
            let other = text.replace("\n3\n", "\n2\n");
            (200, "text/plain", cosign(k, &other, NOW).unwrap().to_line())
        }),
        ("cosignature at another time than it claims", |k, text| {
            let mut sig = cosign(k, text, NOW).unwrap();
            sig.signature[7] ^= 1;
            (200, "text/plain", sig.to_line())
        }),
        ("only a cosignature by an unknown key", |_, text| {
            let stranger =
                SignerKey::from_seed("witness.example/w1", KeyType::Cosignature, [5; 32]).unwrap();
            (
                200,
                "text/plain",
                cosign(&stranger, text, NOW).unwrap().to_line(),
            )
        }),
        ("not signature lines", |_, _| {
            (200, "text/plain", "hello\n".into())
        }),
        ("409 without the size content type", |_, _| {
            (409, "text/plain", "2\n".into())
        }),
        ("409 with a malformed size", |_, _| {
            (409, TLOG_SIZE_CONTENT_TYPE, "two\n".into())
        }),
    ];
    for (what, answer) in cases {
        let addr = lying_witness(answer).await;
        let client = WitnessClient::http(&format!("http://{addr}"), key.clone()).unwrap();
        let err = client
            .add_checkpoint(0, &[], &log.checkpoint(3))
            .await
            .unwrap_err();
        assert!(
            matches!(err, WitnessCallError::BadResponse(_)),
            "{what}: {err}"
        );
    }
    // Lines by unknown keys are ignored next to a valid one.
    let addr = lying_witness(|k, text| {
        let stranger = SignerKey::from_seed("someone.else", KeyType::Cosignature, [5; 32]).unwrap();
        let lines = cosign(&stranger, text, NOW).unwrap().to_line()
            + &cosign(k, text, NOW).unwrap().to_line();
        (200, "text/plain", lines)
    })
    .await;
    let client = WitnessClient::http(&format!("http://{addr}"), key.clone()).unwrap();
    let lines = client
        .add_checkpoint(0, &[], &log.checkpoint(3))
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_cosigned(&key, &log.checkpoint(3), &lines[0]);
}

#[tokio::test]
async fn the_in_process_client_maps_like_http() {
    let dir = tempfile::tempdir().unwrap();
    let log = TestLog::new(ORIGIN, 1, 5);
    let witness = Arc::new(open_witness(dir.path(), &[&log]));
    let client = WitnessClient::InProcess(Arc::clone(&witness));
    assert_eq!(client.key(), &witness.verifier_key());
    let lines = client
        .add_checkpoint(0, &[], &log.checkpoint(3))
        .await
        .unwrap();
    assert_cosigned(&witness.verifier_key(), &log.checkpoint(3), &lines[0]);
    let err = client
        .add_checkpoint(0, &[], &log.checkpoint(5))
        .await
        .unwrap_err();
    assert_eq!(err, WitnessCallError::Conflict { size: 3 });
    let stranger = TestLog::new("other.example/log", 3, 2);
    let err = client
        .add_checkpoint(0, &[], &stranger.checkpoint(2))
        .await
        .unwrap_err();
    assert!(
        matches!(err, WitnessCallError::Refused { status: 404, .. }),
        "{err}"
    );
    let err = client
        .add_checkpoint(0, &[], "not a note")
        .await
        .unwrap_err();
    assert!(matches!(err, WitnessCallError::InvalidRequest(_)), "{err}");
}

#[test]
fn witness_open_refuses_wrong_key_types() {
    let dir = tempfile::tempdir().unwrap();
    let log = TestLog::new(ORIGIN, 1, 1);
    let log_key_as_witness = SignerKey::from_seed("w", KeyType::Ed25519, [1; 32]).unwrap();
    let err = Witness::open(dir.path(), log_key_as_witness, vec![log.vkey()]).unwrap_err();
    assert!(err.to_string().contains("0x04"), "{err}");
    let witness_vkey_as_log = witness_key("w").verifier_key();
    let err = Witness::open(dir.path(), witness_key("w"), vec![witness_vkey_as_log]).unwrap_err();
    assert!(err.to_string().contains("0x01"), "{err}");
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trial-registry"))
}

#[test]
fn keygen_prints_two_keys_and_refuses_bad_names() {
    for (kind, key_type) in [("log", KeyType::Ed25519), ("witness", KeyType::Cosignature)] {
        let output = binary()
            .args(["keygen", "--name", "example.org/log", "--kind", kind])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{stdout}");
        let signer = SignerKey::parse(lines[0]).unwrap();
        let verifier = VerifierKey::parse(lines[1]).unwrap();
        assert_eq!(signer.verifier_key(), verifier);
        assert_eq!(verifier.key_type(), key_type);
        assert_eq!(verifier.name(), "example.org/log");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("signer key") && stderr.contains("verifier key"),
            "{stderr}"
        );
    }
    for name in ["has space", "a+b", ""] {
        let output = binary().args(["keygen", "--name", name]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{name:?}: {output:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("key name"));
    }
}

/// Kills the child process when dropped (a failed assertion included).
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_witness_subcommand_serves_and_keeps_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let log = TestLog::new(ORIGIN, 1, 3);
    // Pick a free port (a small race with other processes; fine on loopback).
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start = || {
        let mut child = binary()
            .args(["witness", "--data"])
            .arg(dir.path())
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args([
                "--log",
                &log.vkey().to_string(),
                "--name",
                "witness.example/cli",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        (Child(child), VerifierKey::parse(line.trim_end()).unwrap())
    };
    let (child, vkey) = start();
    assert_eq!(vkey.key_type(), KeyType::Cosignature);
    assert_eq!(vkey.name(), "witness.example/cli");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("witness.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The vkey is printed once the listener is bound, so the port is open.
    let client = WitnessClient::http(&format!("http://127.0.0.1:{port}"), vkey.clone()).unwrap();
    client
        .add_checkpoint(0, &[], &log.checkpoint(3))
        .await
        .unwrap();
    drop(child);
    // Restarted: same key, same state (a new client: the old connection died).
    let (_child, again) = start();
    assert_eq!(again, vkey);
    let client = WitnessClient::http(&format!("http://127.0.0.1:{port}"), vkey.clone()).unwrap();
    let err = client
        .add_checkpoint(0, &[], &log.checkpoint(3))
        .await
        .unwrap_err();
    assert_eq!(err, WitnessCallError::Conflict { size: 3 });
}
