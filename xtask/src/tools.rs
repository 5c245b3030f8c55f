//! Installing what the commands need, idempotently: each `ensure_*` checks
//! first and only installs what is missing or at the wrong version.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context as _, Result, bail};

use crate::exec::{self, cargo};

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Where project-local tools are installed (`cargo install --root`).
pub fn tools_dir(root: &Path) -> PathBuf {
    root.join(".tools")
}

/// `PATH` with `.tools/bin` first (for `wasm-bindgen-test-runner`).
pub fn path_with_tools(root: &Path) -> std::ffi::OsString {
    let mut paths = vec![tools_dir(root).join("bin")];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// `rustup target add wasm32-unknown-unknown` unless installed.
pub fn ensure_wasm_target() -> Result<()> {
    let installed = exec::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("cannot list rustup targets (is rustup installed?)")?;
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    println!("xtask: installing the {WASM_TARGET} target");
    exec::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The `wasm-bindgen` crate version in `Cargo.lock`.
pub fn locked_version(lock: &str, package: &str) -> Option<String> {
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line == wanted {
            let version = lines.next()?;
            return version
                .strip_prefix("version = \"")?
                .strip_suffix('"')
                .map(str::to_owned);
        }
    }
    None
}

/// `.tools/bin/wasm-bindgen` at exactly the locked `wasm-bindgen` version,
/// installed with `cargo install wasm-bindgen-cli` if missing or different.
pub fn ensure_wasm_bindgen(root: &Path) -> Result<PathBuf> {
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).context("cannot read Cargo.lock")?;
    let version =
        locked_version(&lock, "wasm-bindgen").context("no wasm-bindgen package in Cargo.lock")?;
    let bin = tools_dir(root).join("bin").join("wasm-bindgen");
    let runner = tools_dir(root).join("bin").join("wasm-bindgen-test-runner");
    let current = Command::new(&bin)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if current.as_deref() == Some(&format!("wasm-bindgen {version}")) && runner.is_file() {
        return Ok(bin);
    }
    println!(
        "xtask: installing wasm-bindgen-cli {version} into .tools/ (found: {}; takes a few minutes)",
        current.as_deref().unwrap_or("none")
    );
    // Not `--locked`: its lock pins a crate the registry mirror lacks.
    exec::run(
        cargo(root)
            .args(["install", "wasm-bindgen-cli", "--force", "--version"])
            .arg(&version)
            .arg("--root")
            .arg(tools_dir(root)),
    )?;
    Ok(bin)
}

/// `npm ci` when `node_modules` is missing or older than `package-lock.json`.
pub fn ensure_npm(root: &Path) -> Result<()> {
    let lock = root.join("package-lock.json");
    // npm ci writes node_modules/.package-lock.json last.
    let installed = root.join("node_modules").join(".package-lock.json");
    let lock_time = mtime(&lock).context("cannot read package-lock.json")?;
    if mtime(&installed).is_some_and(|t| t >= lock_time) {
        return Ok(());
    }
    println!("xtask: installing npm tools (npm ci)");
    exec::run(Command::new("npm").arg("ci").current_dir(root))
        .context("npm ci failed (Node.js and npm must be installed)")
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `node_modules/.bin/wasm-opt` (npm binaryen).
pub fn wasm_opt(root: &Path) -> PathBuf {
    root.join("node_modules").join(".bin").join("wasm-opt")
}

/// Debian Chromium and its WebDriver at `/usr/bin`, installed with apt-get
/// when missing and we are root.
pub fn ensure_chromium() -> Result<()> {
    const NEEDED: [&str; 2] = ["/usr/bin/chromium", "/usr/bin/chromedriver"];
    const INSTALL: &str = "apt-get update && apt-get install -y chromium chromium-driver";
    if NEEDED.iter().all(|p| Path::new(p).exists()) {
        return Ok(());
    }
    let uid = exec::output(Command::new("id").arg("-u")).unwrap_or_default();
    if uid.trim() != "0" {
        bail!(
            "Chromium and chromedriver are needed at /usr/bin for the browser tests; \
             install them as root: `{INSTALL}`"
        );
    }
    println!("xtask: installing Debian chromium and chromium-driver");
    exec::run(
        Command::new("apt-get")
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    exec::run(
        Command::new("apt-get")
            .args(["install", "-y", "chromium", "chromium-driver"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    #[test]
    fn reads_locked_versions() {
        let lock = "[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\nsource = \"x\"\n\n\
                    [[package]]\nname = \"wasm-bindgen-futures\"\nversion = \"0.4.1\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            locked_version(lock, "wasm-bindgen-futures").as_deref(),
            Some("0.4.1")
        );
        assert_eq!(locked_version(lock, "yew"), None);
    }
}
