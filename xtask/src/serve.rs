//! `cargo xtask serve`: build the registry, initialise its data directory
//! (log key, witnesses, `policy.txt`) once, build the portal with that
//! policy compiled in, then run the registry serving it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::dist::{PolicyChoice, default_data_dir, dist};
use crate::exec::{self, header};
use crate::registry;

/// Builds and runs everything on `listen` until stopped.
pub fn serve(root: &Path, listen: &str, data: Option<&Path>, demo: bool) -> Result<ExitCode> {
    let data = data.map_or_else(|| default_data_dir(root), Path::to_path_buf);
    header("registry");
    let binary = registry::build(root, true)?;
    let features = registry::features(&binary);
    let policy = match registry::ensure_initialised(&binary, &data, features) {
        Ok(policy) => PolicyChoice::File(policy),
        Err(e) if !features.log => {
            println!("xtask: warning: {e:#}; the portal is built without a trust policy");
            PolicyChoice::None
        }
        Err(e) => return Err(e),
    };
    let out = root.join("dist");
    dist(root, &out, &policy)?;
    header(&format!("serve → http://{listen}/"));
    let mut command = std::process::Command::new(&binary);
    command
        .args(["serve", "--dist"])
        .arg(&out)
        .args(["--listen", listen])
        .arg("--data")
        .arg(&data);
    if demo && features.demo {
        command.arg("--demo");
    }
    println!("xtask: the portal will be at http://{listen}/ (Ctrl-C stops it)");
    println!("$ {}", exec::display(&command));
    let status = command.status().context("cannot start the registry")?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
