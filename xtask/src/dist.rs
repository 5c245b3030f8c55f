//! `cargo xtask dist`: the portal as static files.
//!
//! `cargo build --profile wasm-release --target wasm32-unknown-unknown -p
//! frontend` → `wasm-bindgen --target web` → `wasm-opt -Oz` (npm binaryen) →
//! copy `www/`.

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

/// Builds the portal into `out`; returns the optimised wasm's path.
pub fn dist(root: &Path, out: &Path) -> Result<PathBuf> {
    header(&format!("dist → {}", out.display()));
    tools::ensure_wasm_target()?;
    let wasm_bindgen = tools::ensure_wasm_bindgen(root)?;
    tools::ensure_npm(root)?;

    exec::run(cargo(root).args([
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
