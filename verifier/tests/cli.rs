//! End-to-end tests of the `trialverify` binary: exit codes (0 verified,
//! 1 failed, 2 unusable input) and messages, on external vectors and on
//! tampered copies of them.
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const TESSERA_VKEY: &str =
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

fn trialverify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trialverify"))
        .args(args)
        .output()
        .expect("run trialverify")
}

fn trialverify_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trialverify"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trialverify");
    // trialverify may reject its arguments and exit before reading stdin.
    match child.stdin.take().expect("stdin").write_all(input) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("write stdin: {e}"),
        _ => {}
    }
    child.wait_with_output().expect("wait")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The C2SP signed-note spec example from notes.txt.
const SPEC_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
const SPEC_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";

#[test]
fn note_verifies_the_spec_example_and_names_the_signer() {
    let out = trialverify_stdin(&["note", "--vkey", SPEC_VKEY], SPEC_NOTE.as_bytes());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "example.com/foo\n");
}

#[test]
fn note_with_a_changed_byte_fails_with_exit_1() {
    let tampered = SPEC_NOTE.replace("example message", "example massage");
    let out = trialverify_stdin(&["note", "--vkey", SPEC_VKEY], tampered.as_bytes());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("verification failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn note_with_a_malformed_key_is_unusable_input() {
    let out = trialverify_stdin(
        &["note", "--vkey", "example.com/foo+nothex+AAAA"],
        SPEC_NOTE.as_bytes(),
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("verifier key"), "{}", stderr(&out));
}

fn json_cases(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read vector dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            json_cases(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Every transparency-dev/merkle vector: the CLI exits 0 exactly when the
/// vector says the proof is good.
fn check_proof_vectors(kind: &str) -> usize {
    let mut cases = Vec::new();
    json_cases(&data(&format!("merkle/{kind}")), &mut cases);
    for case in &cases {
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(case).expect("read case")).expect("vector JSON");
        let want_err = json["wantErr"].as_bool().expect("wantErr");
        let out = trialverify(&["proof", kind, case.to_str().expect("utf-8 path")]);
        if want_err {
            assert_ne!(code(&out), 0, "{} should fail", case.display());
            assert_ne!(
                code(&out),
                101,
                "{} panicked: {}",
                case.display(),
                stderr(&out)
            );
        } else {
            assert_eq!(code(&out), 0, "{}: {}", case.display(), stderr(&out));
        }
    }
    cases.len()
}

#[test]
fn proof_inclusion_honours_every_vector() {
    assert!(check_proof_vectors("inclusion") > 50);
}

#[test]
fn proof_consistency_honours_every_vector() {
    assert!(check_proof_vectors("consistency") > 50);
}

#[test]
fn proof_with_broken_json_is_unusable_input() {
    let out = trialverify_stdin(&["proof", "inclusion"], b"{\"leafIdx\": 1");
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("proof JSON"), "{}", stderr(&out));
}

#[test]
fn audit_log_verifies_the_tessera_log_and_every_older_checkpoint() {
    let dir = data("tessera-log");
    let out = trialverify(&[
        "audit-log",
        dir.to_str().expect("utf-8"),
        "--vkey",
        TESSERA_VKEY,
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("all 15 entries"), "{}", stdout(&out));
    for n in 0..=15 {
        let since = dir.join(format!("checkpoint.{n}"));
        let out = trialverify(&[
            "audit-log",
            dir.to_str().expect("utf-8"),
            "--vkey",
            TESSERA_VKEY,
            "--since",
            since.to_str().expect("utf-8"),
        ]);
        assert_eq!(code(&out), 0, "since checkpoint.{n}: {}", stderr(&out));
        assert!(
            stdout(&out).contains(&format!("size {n} ")),
            "{}",
            stdout(&out)
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn flip_byte(path: &Path, offset: usize) {
    let mut bytes = std::fs::read(path).expect("read");
    bytes[offset] ^= 0x01;
    std::fs::write(path, bytes).expect("write");
}

fn audit_tampered_tessera(tamper: impl FnOnce(&Path)) -> Output {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&data("tessera-log"), tmp.path());
    tamper(tmp.path());
    trialverify(&[
        "audit-log",
        tmp.path().to_str().expect("utf-8"),
        "--vkey",
        TESSERA_VKEY,
    ])
}

#[test]
fn audit_log_names_a_changed_entry() {
    // Entry 2 ("three") starts at byte 2+3 + 2+3 + 2 = 12 of the bundle.
    let out = audit_tampered_tessera(|d| flip_byte(&d.join("tile/entries/000.p/15"), 12));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("entry 2 "), "{}", stderr(&out));
}

#[test]
fn audit_log_names_a_changed_tile() {
    let out = audit_tampered_tessera(|d| flip_byte(&d.join("tile/0/000.p/15"), 32 * 9 + 5));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("tile/0/000.p/15: hash 9"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn audit_log_rejects_a_missing_tile_and_a_truncated_bundle() {
    let out =
        audit_tampered_tessera(|d| std::fs::remove_file(d.join("tile/0/000.p/15")).expect("rm"));
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("does not serve tile/0/000.p/15"),
        "{}",
        stderr(&out)
    );

    let out = audit_tampered_tessera(|d| {
        let path = d.join("tile/entries/000.p/15");
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() - 1]).expect("write");
    });
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("tile/entries/000.p/15"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn audit_log_rejects_a_changed_checkpoint_and_a_wrong_key() {
    let out = audit_tampered_tessera(|d| flip_byte(&d.join("checkpoint"), 30));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("checkpoint"), "{}", stderr(&out));

    let other_key = common::log_signer("example.com/log/testdata")
        .verifier_key()
        .to_string();
    let dir = data("tessera-log");
    let out = trialverify(&[
        "audit-log",
        dir.to_str().expect("utf-8"),
        "--vkey",
        &other_key,
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

#[test]
fn audit_log_rejects_a_rollback_since_checkpoint() {
    // A checkpoint of size 20 from "the same log" (same key) cannot precede size 15.
    let tmp = tempfile::tempdir().expect("tempdir");
    common::write_log(tmp.path(), "example.org/rollback", 20);
    let newer = tmp.path().join("checkpoint");
    let older_dir = tempfile::tempdir().expect("tempdir");
    common::write_log(older_dir.path(), "example.org/rollback", 15);
    let vkey = common::log_signer("example.org/rollback")
        .verifier_key()
        .to_string();
    let out = trialverify(&[
        "audit-log",
        older_dir.path().to_str().expect("utf-8"),
        "--vkey",
        &vkey,
        "--since",
        newer.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("rolled back"), "{}", stderr(&out));
}

#[test]
fn audit_log_rejects_unusable_locations() {
    let out = trialverify(&["audit-log", "/nonexistent/log", "--vkey", TESSERA_VKEY]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let dir = data("tessera-log");
    let out = trialverify(&[
        "audit-log",
        dir.to_str().expect("utf-8"),
        "--vkey",
        "garbage",
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn audit_log_checks_a_multi_level_generated_log_and_finds_an_upper_tile_change() {
    // 70,000 entries: full level-0 tiles, a full level-1 tile, partial tiles at
    // levels 0 and 1 and a ragged right edge.
    let tmp = tempfile::tempdir().expect("tempdir");
    let origin = "example.org/generated";
    common::write_log(tmp.path(), origin, 70_000);
    let vkey = common::log_signer(origin).verifier_key().to_string();
    let dir = tmp.path().to_str().expect("utf-8");
    let out = trialverify(&["audit-log", dir, "--vkey", &vkey]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("all 70000 entries"),
        "{}",
        stdout(&out)
    );

    flip_byte(&tmp.path().join("tile/1/000"), 32 * 200);
    let out = trialverify(&["audit-log", dir, "--vkey", &vkey]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("tile/1/000: hash 200"),
        "{}",
        stderr(&out)
    );
}

/// Serves a directory over HTTP/1.1 on loopback for a bounded number of
/// requests (one connection each), answering 404 for missing files.
fn serve_dir(dir: PathBuf, requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader
                    .read_line(&mut header)
                    .map(|n| n == 0)
                    .unwrap_or(true)
                    || header == "\r\n"
                {
                    break;
                }
            }
            let path = line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/');
            let reply = match std::fs::read(dir.join(path)) {
                Ok(body) => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&body);
                    r
                }
                Err(_) => {
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_vec()
                }
            };
            let _ = stream.write_all(&reply);
        }
    });
    format!("http://{addr}")
}

#[test]
fn audit_log_reads_a_log_over_http() {
    let url = serve_dir(data("tessera-log"), 16);
    let out = trialverify(&["audit-log", &url, "--vkey", TESSERA_VKEY]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("all 15 entries"), "{}", stdout(&out));
}

#[test]
fn hash_prints_sha256sum_format_and_fails_on_missing_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let abc = tmp.path().join("abc.txt");
    let empty = tmp.path().join("empty");
    std::fs::write(&abc, b"abc").expect("write");
    std::fs::write(&empty, b"").expect("write");
    let out = trialverify(&[
        "hash",
        abc.to_str().expect("utf-8"),
        empty.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // FIPS 180-2 test vectors.
    assert_eq!(
        stdout(&out),
        format!(
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  {}\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  {}\n",
            abc.display(),
            empty.display()
        )
    );
    let out = trialverify(&["hash", "/nonexistent/file"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("cannot read /nonexistent/file"),
        "{}",
        stderr(&out)
    );
}
