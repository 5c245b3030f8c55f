//! `cargo xtask test`: the whole suite, in order, continuing after failures,
//! with a per-step table and a final `summary: N passed, M failed` line.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::exec::{self, cargo, header, run_tee, target_dir};
use crate::{dist, tools};

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

/// Builds `dist/`, starts the registry on a free port, runs `node --test`
/// over `tests/e2e/` with `PORTAL_URL`, stops the registry.
fn e2e(root: &Path) -> Ran {
    let out = root.join("dist");
    dist::dist(root, &out)?;
    exec::run(cargo(root).args(["build", "-p", "trial-registry"]))?;
    let binary = target_dir(root).join("debug").join("trial-registry");

    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let listen = format!("127.0.0.1:{port}");
    let log_path = target_dir(root).join("e2e-registry.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot create {}", log_path.display()))?;
    println!(
        "xtask: starting the registry on http://{listen}/ (log: {})",
        log_path.display()
    );
    let child = Command::new(&binary)
        .args(["serve", "--dist"])
        .arg(&out)
        .args(["--listen", &listen])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let mut registry = Registry(child);
    wait_healthy(&mut registry.0, &listen)?;

    let files = e2e_files(&root.join("tests").join("e2e"))?;
    let result = run_tee(
        Command::new("node")
            .arg("--test")
            .arg("--test-reporter=tap")
            .args(&files)
            .current_dir(root)
            .env("PORTAL_URL", format!("http://{listen}/")),
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

/// The registry child process; stopped (SIGTERM, then kill) when dropped.
struct Registry(Child);

impl Registry {
    fn stop(&mut self) {
        if matches!(self.0.try_wait(), Ok(Some(_))) {
            return;
        }
        // SIGTERM exercises the graceful shutdown; kill if it hangs.
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.0.try_wait() {
                println!("xtask: registry stopped ({status})");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("xtask: registry did not stop on SIGTERM; killing it");
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `GET /healthz` until 200 (30 s at most).
fn wait_healthy(child: &mut Child, listen: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait()? {
            bail!("the registry exited before serving ({status})");
        }
        if healthz(listen).unwrap_or(false) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the registry did not answer /healthz on {listen} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn healthz(listen: &str) -> Result<bool> {
    let mut stream = TcpStream::connect(listen)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {listen}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response.starts_with("HTTP/1.1 200"))
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
