//! `cargo xtask dist`: the portal as static files.
//!
//! `cargo build --profile wasm-release --target wasm32-unknown-unknown -p
//! frontend` → `wasm-bindgen --target web` → `wasm-opt -Oz` (npm binaryen) →
//! copy `www/`.
//!
//! The registry's trust policy is compiled in: its text is validated here
//! with the verifier (a bad policy fails the build) and passed to the
//! frontend build in `TRIAL_LEDGER_POLICY` (read with `option_env!`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result};

use crate::exec::{self, cargo, header, target_dir};
use crate::tools;

const PROFILE: &str = "wasm-release";
const TARGET: &str = "wasm32-unknown-unknown";
/// The wasm features rustc's wasm32-unknown-unknown emits by default and
/// wasm-bindgen's output uses; wasm-opt must accept them (and may use them).
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
];

/// The environment variable the frontend reads its compiled policy from.
pub const POLICY_ENV: &str = "TRIAL_LEDGER_POLICY";

/// Which trust policy to compile into the portal.
#[derive(Debug, Clone)]
pub enum PolicyChoice {
    /// This policy file.
    File(PathBuf),
    /// The default registry data directory's `policy.txt` (an error if missing).
    Default,
    /// None: the portal trusts nothing until the user adds a policy (only
    /// for a registry that has no log yet).
    None,
}

/// The default registry data directory (`trial-registry serve`'s default).
pub fn default_data_dir(root: &Path) -> PathBuf {
    root.join("registry-data")
}

/// Reads and validates the chosen policy; `None` for [`PolicyChoice::None`].
pub fn read_policy(root: &Path, choice: &PolicyChoice) -> Result<Option<String>> {
    let path = match choice {
        PolicyChoice::None => return Ok(None),
        PolicyChoice::File(path) => path.clone(),
        PolicyChoice::Default => default_data_dir(root).join("policy.txt"),
    };
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read the trust policy {} to compile into the portal: run `cargo xtask serve` \
             (it initialises the registry's data directory) or pass `--policy PATH`",
            path.display()
        )
    })?;
    let policy = verifier::policy::Policy::parse(&text)
        .with_context(|| format!("the trust policy {} is invalid", path.display()))?;
    println!(
        "xtask: compiling in the trust policy {} (log {}, {} witnesses, quorum {})",
        path.display(),
        policy.origin(),
        policy.witnesses().len(),
        policy.quorum()
    );
    Ok(Some(text))
}

/// Builds the portal into `out` with the chosen trust policy; returns the
/// optimised wasm's path.
pub fn dist(root: &Path, out: &Path, policy: &PolicyChoice) -> Result<PathBuf> {
    header(&format!("dist → {}", out.display()));
    let policy_text = read_policy(root, policy)?;
    tools::ensure_wasm_target()?;
    let wasm_bindgen = tools::ensure_wasm_bindgen(root)?;
    tools::ensure_npm(root)?;

    let mut build = cargo(root);
    match &policy_text {
        Some(text) => build.env(POLICY_ENV, text),
        None => build.env_remove(POLICY_ENV),
    };
    exec::run(build.args([
        "build",
        "--profile",
        PROFILE,
        "--target",
        TARGET,
        "-p",
        "frontend",
    ]))?;
    let wasm = target_dir(root)
        .join(TARGET)
        .join(PROFILE)
        .join("frontend.wasm");

    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    exec::run(
        Command::new(&wasm_bindgen)
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(out)
            .arg(&wasm),
    )?;

    let bg = out.join("frontend_bg.wasm");
    let before = std::fs::metadata(&bg)?.len();
    exec::run(
        Command::new(tools::wasm_opt(root))
            .arg("-Oz")
            .args(WASM_FEATURES)
            .args(["--strip-debug", "--strip-producers"])
            .arg(&bg)
            .arg("-o")
            .arg(&bg),
    )?;

    copy_dir(&root.join("www"), out)?;

    let bytes = std::fs::read(&bg)?;
    let gzipped = gzip_len(&bytes)?;
    println!(
        "xtask: {}: {} raw ({} before wasm-opt), {} gzipped",
        bg.strip_prefix(root).unwrap_or(&bg).display(),
        kib(bytes.len() as u64),
        kib(before),
        kib(gzipped as u64),
    );
    Ok(bg)
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn gzip_len(bytes: &[u8]) -> Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}
