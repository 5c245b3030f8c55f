//! `cargo xtask bench-web`: the portal's `/bench` page in headless
//! Chromium against a registry started with `--demo`, printing the page's
//! JSON results (SHA-256 streaming vs WebCrypto, checkpoint and bundle
//! verification, wasm size).

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::Result;

use crate::dist::{PolicyChoice, dist};
use crate::exec::{self, header, target_dir};
use crate::{registry, tools};

/// Runs the benchmark page on a `mib`-MiB Blob.
pub fn bench_web(root: &Path, mib: u64) -> Result<ExitCode> {
    tools::ensure_npm(root)?;
    tools::ensure_chromium()?;
    header("registry");
    let binary = registry::build(root, true)?;
    let features = registry::features(&binary);
    let data = target_dir(root).join("bench-web-registry");
    let _ = std::fs::remove_dir_all(&data);
    let policy = match registry::ensure_initialised(&binary, &data, features) {
        Ok(policy) => PolicyChoice::File(policy),
        Err(e) => {
            println!("xtask: warning: {e:#}; bundle verification will be skipped");
            PolicyChoice::None
        }
    };
    let out = target_dir(root).join("bench-web-dist");
    dist(root, &out, &policy)?;
    let listen = registry::free_listen_address()?;
    let log = target_dir(root).join("bench-web-registry.log");
    let registry = registry::start(&binary, &out, &data, &listen, features.demo, &log)?;
    header("bench-web");
    let status = exec::run_tee(
        Command::new("node")
            .arg(root.join("tests").join("e2e").join("bench-web.mjs"))
            .current_dir(root)
            .env("PORTAL_URL", &registry.url)
            .env("BENCH_MIB", mib.to_string()),
    )?
    .0;
    drop(registry);
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
