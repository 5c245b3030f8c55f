//! `cargo xtask` — Trial Ledger's build, run and test automation.
//!
//! - `dist [--out DIR]`: build the portal (wasm32 → wasm-bindgen → wasm-opt)
//!   and copy `www/` next to it.
//! - `serve [--listen ADDR] [--data DIR]`: `dist`, then run the registry
//!   serving it.
//! - `test`: formatting, clippy (native and wasm32), native tests, wasm tests
//!   in headless Chromium, end-to-end tests; ends in `summary: N passed, M
//!   failed`.
//!
//! Every command installs what it lacks (the wasm32 target, `wasm-bindgen-cli`
//! at the locked version into `.tools/`, the npm tools, Debian Chromium), so a
//! fresh clone needs only Rust, Node.js and, for `test`, root or Chromium.

mod dist;
mod exec;
mod serve;
mod test;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build, run and test Trial Ledger")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the portal into DIR (wasm + glue + www/).
    Dist {
        /// Output directory.
        #[arg(long, default_value = "dist")]
        out: PathBuf,
    },
    /// Build the portal, then run the registry serving it.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Data directory for the registry (reserved for the log server).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Run the whole test suite (what CI runs).
    Test,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = repo_root();
    let result = match cli.command {
        Command::Dist { out } => {
            let out = if out.is_absolute() {
                out
            } else {
                root.join(out)
            };
            dist::dist(&root, &out).map(|_| ExitCode::SUCCESS)
        }
        Command::Serve { listen, data } => serve::serve(&root, &listen, data.as_deref()),
        Command::Test => test::test(&root),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (this package's parent directory).
fn repo_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}
