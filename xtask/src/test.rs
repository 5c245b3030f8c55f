//! `cargo xtask test`: the whole suite, in order, continuing after failures,
//! with a per-step table and a final `summary: N passed, M failed` line.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::dist::PolicyChoice;
use crate::exec::{cargo, header, run_tee, target_dir};
use crate::{dist, registry, tools};

/// Test counts parsed from a runner's output.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
}

/// Sums cargo test's `test result: … N passed; M failed` lines and node's
/// test runner's `# pass N` / `# fail M` (TAP) or `ℹ pass N` (spec) lines.
pub fn parse_counts(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines().map(str::trim) {
        if let Some(rest) = line.split_once("test result: ").map(|(_, r)| r) {
            counts.passed += number_before(rest, " passed");
            counts.failed += number_before(rest, " failed");
        } else if let Some(n) = line
            .strip_prefix("# pass ")
            .or_else(|| line.strip_prefix("ℹ pass "))
        {
            counts.passed += n.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(n) = line
            .strip_prefix("# fail ")
            .or_else(|| line.strip_prefix("ℹ fail "))
        {
            counts.failed += n.trim().parse::<u64>().unwrap_or(0);
        }
    }
    counts
}

/// The number right before `label` in `text` (`"ok. 12 passed; …"`), or 0.
fn number_before(text: &str, label: &str) -> u64 {
    text.find(label)
        .and_then(|end| {
            let digits = text[..end].rsplit(|c: char| !c.is_ascii_digit()).next()?;
            digits.parse().ok()
        })
        .unwrap_or(0)
}

/// One step's outcome.
#[derive(Debug)]
struct StepResult {
    name: &'static str,
    ok: bool,
    counts: Counts,
    elapsed: Duration,
    note: String,
}

impl StepResult {
    /// Failures this step adds to the summary: its failed tests, or 1 when
    /// it failed without a failed test (fmt, clippy, a build error).
    fn failures(&self) -> u64 {
        if self.ok {
            self.counts.failed
        } else {
            self.counts.failed.max(1)
        }
    }
}

/// What a step ran: its exit status and the output it printed.
type Ran = Result<(ExitStatus, String)>;

/// Runs the suite; fails if anything failed.
pub fn test(root: &Path) -> Result<ExitCode> {
    let mut results = Vec::new();
    let mut step = |name: &'static str, body: &mut dyn FnMut() -> Ran| {
        header(name);
        let start = Instant::now();
        let (ok, counts, note) = match body() {
            Ok((status, output)) => (status.success(), parse_counts(&output), String::new()),
            Err(e) => {
                eprintln!("xtask: {name}: {e:#}");
                (false, Counts::default(), format!("{e:#}"))
            }
        };
        let result = StepResult {
            name,
            ok,
            counts,
            elapsed: start.elapsed(),
            note,
        };
        println!(
            "xtask: {name}: {} in {:.0?}",
            if ok { "ok" } else { "FAILED" },
            result.elapsed
        );
        results.push(result);
    };

    step("install tools", &mut || {
        tools::ensure_wasm_target()?;
        tools::ensure_wasm_bindgen(root)?;
        tools::ensure_npm(root)?;
        tools::ensure_chromium()?;
        Ok((success(), String::new()))
    });
    step("cargo fmt", &mut || {
        run_tee(cargo(root).args(["fmt", "--all", "--check"]))
    });
    step("clippy (native)", &mut || {
        run_tee(cargo(root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    });
    for (name, package) in [
        ("clippy (wasm32, verifier)", "verifier"),
        ("clippy (wasm32, frontend)", "frontend"),
    ] {
        step(name, &mut || {
            run_tee(cargo(root).args(wasm_args("clippy", package)).args([
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
        });
    }
    step("tests (native)", &mut || run_tee(cargo(root).arg("test")));
    // The portal's DOM-free logic (light client, views) runs natively too;
    // it is not a default member (the portal is wasm-only to build).
    step("tests (native, frontend logic)", &mut || {
        run_tee(cargo(root).args(["test", "-p", "frontend", "--lib"]))
    });
    for (name, package) in [
        ("tests (wasm32 in Chromium, verifier)", "verifier"),
        ("tests (wasm32 in Chromium, frontend)", "frontend"),
    ] {
        step(name, &mut || {
            run_tee(
                cargo(root)
                    .args(wasm_args("test", package))
                    .env("PATH", tools::path_with_tools(root))
                    .env("CHROMEDRIVER", "/usr/bin/chromedriver")
                    .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
            )
        });
    }
    step("end-to-end (Playwright)", &mut || e2e(root));

    header("summary");
    let mut total = Counts::default();
    for r in &results {
        total.passed += r.counts.passed;
        total.failed += r.failures();
        println!(
            "{:<8} {:<38} {:>7.1}s  {:>4} passed, {:>3} failed{}",
            if r.ok { "ok" } else { "FAILED" },
            r.name,
            r.elapsed.as_secs_f64(),
            r.counts.passed,
            r.failures(),
            if r.note.is_empty() {
                String::new()
            } else {
                format!("  ({})", r.note.lines().next().unwrap_or_default())
            }
        );
    }
    println!("summary: {} passed, {} failed", total.passed, total.failed);
    Ok(if total.failed == 0 && results.iter().all(|r| r.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn wasm_args(subcommand: &'static str, package: &'static str) -> Vec<&'static str> {
    let mut args = vec![
        subcommand,
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        package,
    ];
    if package == "verifier" {
        // The CLI feature (files, HTTP, terminal) is native-only.
        args.push("--no-default-features");
    }
    args
}

#[cfg(unix)]
fn success() -> ExitStatus {
    use std::os::unix::process::ExitStatusExt as _;
    ExitStatus::from_raw(0)
}

#[cfg(not(unix))]
fn success() -> ExitStatus {
    use std::os::windows::process::ExitStatusExt as _;
    ExitStatus::from_raw(0)
}

/// Builds the registry, initialises a fresh data directory, builds `dist/`
/// with its trust policy, starts `serve --demo` on a free port, runs `node
/// --test` over `tests/e2e/` with `PORTAL_URL`, stops the registry.
///
/// With a registry that has no log yet (no `policy.txt`, no `--demo`), the
/// portal is built without a policy and `E2E_REGISTRY_LOG=0` tells the
/// tests that need trials to skip.
fn e2e(root: &Path) -> Ran {
    let binary = registry::build(root, false)?;
    let features = registry::features(&binary);
    let data = target_dir(root).join("e2e-registry-data");
    let _ = std::fs::remove_dir_all(&data);
    let policy = match registry::ensure_initialised(&binary, &data, features) {
        Ok(policy) => Some(policy),
        Err(e) if !features.log => {
            println!("xtask: warning: {e:#}; running the e2e tests that need no log");
            None
        }
        Err(e) => return Err(e),
    };
    let full = policy.is_some() && features.demo;
    let out = root.join("dist");
    let choice = policy.map_or(PolicyChoice::None, PolicyChoice::File);
    dist::dist(root, &out, &choice)?;

    let listen = registry::free_listen_address()?;
    let log_path = target_dir(root).join("e2e-registry.log");
    println!(
        "xtask: starting the registry on http://{listen}/ (log: {})",
        log_path.display()
    );
    let mut registry = registry::start(&binary, &out, &data, &listen, features.demo, &log_path)?;

    let files = e2e_files(&root.join("tests").join("e2e"))?;
    let result = run_tee(
        Command::new("node")
            .arg("--test")
            .arg("--test-reporter=tap")
            .arg("--test-concurrency=1")
            .args(&files)
            .current_dir(root)
            .env("PORTAL_URL", &registry.url)
            .env("E2E_REGISTRY_LOG", if full { "1" } else { "0" })
            .env("E2E_REGISTRY_DATA", &data)
            .env("TRIAL_LOADGEN", binary.with_file_name("trial-loadgen")),
    );
    registry.stop();
    if !matches!(&result, Ok((status, _)) if status.success())
        && let Ok(log) = std::fs::read_to_string(&log_path)
    {
        println!("xtask: registry log:\n{log}");
    }
    result
}

/// `*.test.mjs` files under `dir`, sorted (explicit paths: node's handling of
/// a directory argument differs between versions).
fn e2e_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".test.mjs"))
        {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        bail!("no *.test.mjs files in {}", dir.display());
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::{Counts, parse_counts};

    #[test]
    fn sums_cargo_test_results() {
        let output = "\
running 3 tests
test a ... ok
test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
   Doc-tests x
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
test result: FAILED. 10 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out
";
        assert_eq!(
            parse_counts(output),
            Counts {
                passed: 13,
                failed: 2
            }
        );
    }

    #[test]
    fn reads_wasm_bindgen_test_runner_results() {
        let output =
            "test result: ok. 7 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.50s";
        assert_eq!(
            parse_counts(output),
            Counts {
                passed: 7,
                failed: 0
            }
        );
    }

    #[test]
    fn reads_node_test_tap_and_spec_summaries() {
        let tap = "TAP version 13\n# tests 5\n# suites 0\n# pass 4\n# fail 1\n# cancelled 0\n";
        assert_eq!(
            parse_counts(tap),
            Counts {
                passed: 4,
                failed: 1
            }
        );
        let spec = "ℹ tests 5\nℹ pass 5\nℹ fail 0\n";
        assert_eq!(
            parse_counts(spec),
            Counts {
                passed: 5,
                failed: 0
            }
        );
    }

    #[test]
    fn ignores_unrelated_lines() {
        assert_eq!(
            parse_counts("warning: 3 passed\n# passenger 3\ncompiling\n"),
            Counts::default()
        );
    }
}
