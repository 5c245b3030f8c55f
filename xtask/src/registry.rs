//! The registry as the other commands need it: built, its data directory
//! initialised (log key, witness keys, `policy.txt`), and started as a child
//! process that is stopped when dropped.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::exec::{self, cargo, target_dir};

/// Builds `trial-registry` (`release` or the dev profile) and returns its path.
pub fn build(root: &Path, release: bool) -> Result<PathBuf> {
    let mut command = cargo(root);
    command.args(["build", "-p", "trial-registry"]);
    if release {
        command.arg("--release");
    }
    exec::run(&mut command)?;
    Ok(target_dir(root)
        .join(if release { "release" } else { "debug" })
        .join("trial-registry"))
}

/// What the built registry binary supports (older ones lack the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// `trial-registry init --data DIR`.
    pub init: bool,
    /// `serve --demo` (seeded example trials).
    pub demo: bool,
    /// `serve --data` runs the log (writes `policy.txt` on first start).
    pub log: bool,
}

/// Asks the binary's `--help` what it supports.
pub fn features(binary: &Path) -> Features {
    let help = |args: &[&str]| {
        Command::new(binary)
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    let top = help(&["--help"]);
    let serve = help(&["serve", "--help"]);
    Features {
        init: top.lines().any(|l| l.trim_start().starts_with("init")),
        demo: serve.contains("--demo"),
        log: serve.contains("--witness") || serve.contains("--origin"),
    }
}

/// Makes sure `data/policy.txt` exists: `trial-registry init --data DIR`
/// when the binary has it; otherwise starts `serve` once (the log writes
/// its keys and policy on first start) and stops it. Returns the policy path.
pub fn ensure_initialised(binary: &Path, data: &Path, features: Features) -> Result<PathBuf> {
    let policy = data.join("policy.txt");
    if policy.is_file() {
        return Ok(policy);
    }
    std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    if features.init {
        exec::run(Command::new(binary).arg("init").arg("--data").arg(data))?;
    } else if features.log {
        println!("xtask: this registry has no `init`; starting it once to create its keys");
        let stub = data.join(".xtask-stub-dist");
        std::fs::create_dir_all(&stub)?;
        std::fs::write(
            stub.join("index.html"),
            "<!doctype html><title>stub</title>",
        )?;
        let listen = free_listen_address()?;
        let mut registry = start(binary, &stub, data, &listen, false, &data.join("init.log"))?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while !policy.is_file() && Instant::now() < deadline {
            if let Some(status) = registry.child.try_wait()? {
                bail!(
                    "the registry exited ({status}) before writing {}",
                    policy.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        registry.stop();
    }
    if !policy.is_file() {
        bail!(
            "the registry did not create {} (this trial-registry cannot initialise a log yet); \
             pass a policy file with --policy",
            policy.display()
        );
    }
    Ok(policy)
}

/// `127.0.0.1:<a free port>`.
pub fn free_listen_address() -> Result<String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    Ok(format!("127.0.0.1:{port}"))
}

/// A running registry; stopped (SIGTERM, then kill) when dropped.
pub struct Registry {
    child: Child,
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
}

/// Starts `binary serve` with its output in `log`, and waits until
/// `/healthz` answers.
pub fn start(
    binary: &Path,
    dist: &Path,
    data: &Path,
    listen: &str,
    demo: bool,
    log: &Path,
) -> Result<Registry> {
    let file =
        std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let mut command = Command::new(binary);
    command
        .args(["serve", "--dist"])
        .arg(dist)
        .arg("--data")
        .arg(data)
        .args(["--listen", listen])
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file);
    if demo {
        command.arg("--demo");
    }
    println!("$ {}", exec::display(&command));
    let child = command
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let mut registry = Registry {
        child,
        url: format!("http://{listen}/"),
    };
    if let Err(e) = wait_healthy(&mut registry.child, listen) {
        if let Ok(text) = std::fs::read_to_string(log) {
            println!("xtask: registry log:\n{text}");
        }
        return Err(e);
    }
    Ok(registry)
}

impl Registry {
    /// Stops the registry (idempotent).
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // SIGTERM exercises the graceful shutdown; kill if it hangs.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                println!("xtask: registry stopped ({status})");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("xtask: registry did not stop on SIGTERM; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `GET /healthz` until 200 (60 s at most: `--demo` seeds first).
fn wait_healthy(child: &mut Child, listen: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait()? {
            bail!("the registry exited before serving ({status})");
        }
        if healthz(listen).unwrap_or(false) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the registry did not answer /healthz on {listen} within 60 s");
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
