//! `cargo xtask serve`: build the portal, then run the registry serving it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::dist::dist;
use crate::exec::{self, cargo, header};

/// Builds `dist/` and runs `trial-registry serve` on `listen` until stopped.
pub fn serve(root: &Path, listen: &str, data: Option<&Path>) -> Result<ExitCode> {
    let out = root.join("dist");
    dist(root, &out)?;
    header(&format!("serve → http://{listen}/"));
    let mut command = cargo(root);
    command
        .args([
            "run",
            "--release",
            "-p",
            "trial-registry",
            "--",
            "serve",
            "--dist",
        ])
        .arg(&out)
        .args(["--listen", listen]);
    if let Some(data) = data {
        command.arg("--data").arg(data);
    }
    println!("xtask: the portal will be at http://{listen}/ (Ctrl-C stops it)");
    println!("$ {}", exec::display(&command));
    let status = command.status().context("cannot start cargo run")?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
