//! `trialverify bundle`: exit codes 0 verified, 3 findings, 1 failed,
//! 2 unusable input; the human report; the `--json` shape.
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]

mod bundle_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bundle_common::{Plan, scenario};
use verifier::fixtures;

fn trialverify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trialverify"))
        .args(args)
        .output()
        .expect("run trialverify")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path: PathBuf = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path.to_str().expect("utf-8 path").to_owned()
    }

    /// Writes the bundle of `plan`'s scenario and its policy; returns their paths.
    fn scenario(&self, plan: &Plan) -> (String, String) {
        let s = scenario(plan);
        let policy = s.log.policy(2);
        let bundle = s.bundle(&policy);
        (
            self.write("bundle.json", bundle.to_json_pretty().as_bytes()),
            self.write("policy.txt", policy.to_text().as_bytes()),
        )
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

#[test]
fn a_clean_bundle_exits_0_with_a_readable_report() {
    let files = Files::new();
    let (bundle, policy) = files.scenario(&Plan::default());
    let protocol = files.write(
        fixtures::PROTOCOL_V1,
        &fixtures::document(fixtures::PROTOCOL_V1),
    );
    let out = trialverify(&["bundle", &bundle, "--policy", &policy, "--file", &protocol]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    for expected in [
        "✓ head.trusted",
        "✓ entry.inclusion [entry 1]",
        "✓ document",
        "witnessed 2024-01-15T12:31:00Z",
        "Registration: prospective",
        "P1",
        "reported",
        "Verdict: VERIFIED",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains('✗'), "{text}");
}

#[test]
fn findings_exit_3() {
    let files = Files::new();
    let mut outcomes = bundle_common::complete_outcomes();
    outcomes.remove(2); // S2 missing
    let (bundle, policy) = files.scenario(&Plan {
        outcomes,
        ..Plan::default()
    });
    let out = trialverify(&["bundle", &bundle, "--policy", &policy]);
    assert_eq!(code(&out), 3, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("MISSING"), "{}", stdout(&out));
    assert!(stdout(&out).contains("Verdict: FINDINGS"));
    assert!(stderr(&out).contains("S2"), "{}", stderr(&out));
}

#[test]
fn a_tampered_bundle_or_a_wrong_document_exits_1() {
    let files = Files::new();
    let (bundle, policy) = files.scenario(&Plan::default());
    let text = std::fs::read_to_string(&bundle).expect("read");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    json["entries"][1]["index"] = 3.into();
    let tampered = files.write("tampered.json", json.to_string().as_bytes());
    let out = trialverify(&["bundle", &tampered, "--policy", &policy]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("✗ entry.inclusion [entry 3]"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("entry.inclusion (entry 3)"),
        "{}",
        stderr(&out)
    );

    let wrong = files.write("protocol-v1.pdf", b"not the protocol");
    let out = trialverify(&["bundle", &bundle, "--policy", &policy, "--file", &wrong]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("✗ document"), "{}", stdout(&out));
    assert!(stdout(&out).contains(&wrong), "{}", stdout(&out));
}

#[test]
fn unusable_input_exits_2() {
    let files = Files::new();
    let (bundle, policy) = files.scenario(&Plan::default());
    let not_json = files.write("not.json", b"this is not a bundle");
    let out = trialverify(&["bundle", &not_json, "--policy", &policy]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("unusable input"), "{}", stderr(&out));

    let bad_policy = files.write("bad-policy.txt", b"log nonsense\nquorum 1\n");
    let out = trialverify(&["bundle", &bundle, "--policy", &bad_policy]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("policy"), "{}", stderr(&out));

    let missing = files.path().join("missing.pdf");
    let out = trialverify(&[
        "bundle",
        &bundle,
        "--policy",
        &policy,
        "--file",
        missing.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));

    let out = trialverify(&["bundle", "/nonexistent/bundle.json", "--policy", &policy]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn json_output_has_the_report_shape() {
    let files = Files::new();
    let (bundle, policy) = files.scenario(&Plan::default());
    let out = trialverify(&["bundle", &bundle, "--policy", &policy, "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    assert_eq!(json["verdict"], "verified");
    let checks = json["checks"].as_array().expect("checks");
    assert!(checks.len() > 10);
    for check in checks {
        assert!(
            check["name"].is_string() && check["ok"].is_boolean() && check["detail"].is_string()
        );
    }
    let outcomes = json["outcomes"].as_array().expect("outcomes");
    assert_eq!(outcomes.len(), 5);
    for outcome in outcomes {
        for key in ["registered_id", "measure", "type", "status", "declared"] {
            assert!(outcome.get(key).is_some(), "{key} in {outcome}");
        }
    }
    assert_eq!(json["timeline"].as_array().expect("timeline").len(), 5);
    assert_eq!(
        json["timeline"][0]["witnessed_time"],
        "2024-01-15T12:31:00Z"
    );

    // --json with findings still exits 3.
    let (bundle, policy) = files.scenario(&Plan {
        first_enrolment: Some("2024-01-01".parse().expect("date")),
        ..Plan::default()
    });
    let out = trialverify(&["bundle", &bundle, "--policy", &policy, "--json"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    assert_eq!(json["verdict"], "findings");
    assert_eq!(json["prospective"]["status"], "retrospective");
}
