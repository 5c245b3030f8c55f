//! `cargo xtask` — Trial Ledger's build, run and test automation.
//!
//! - `dist [--out DIR] [--policy PATH]`: build the portal (wasm32 →
//!   wasm-bindgen → wasm-opt) with the registry's trust policy compiled in
//!   (default `registry-data/policy.txt`), and copy `www/` next to it.
//! - `serve [--listen ADDR] [--data DIR] [--demo]`: build the registry,
//!   initialise its data directory once, `dist` with its policy, then run
//!   the registry serving the portal.
//! - `bench-web [--mib N]`: the portal's `/bench` page in headless Chromium
//!   against a demo registry; prints its JSON.
//! - `test`: formatting, clippy (native and wasm32), native tests, wasm tests
//!   in headless Chromium, end-to-end tests; ends in `summary: N passed, M
//!   failed`.
//!
//! Every command installs what it lacks (the wasm32 target, `wasm-bindgen-cli`
//! at the locked version into `.tools/`, the npm tools, Debian Chromium), so a
//! fresh clone needs only Rust, Node.js and, for `test`, root or Chromium.

mod bench;
mod dist;
mod exec;
mod registry;
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
        /// Trust policy to compile in (default: registry-data/policy.txt).
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Build the portal, then run the registry serving it.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Data directory for the registry (default: registry-data).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Seed the registry with example trials (if it supports it).
        #[arg(long)]
        demo: bool,
    },
    /// Run the portal's /bench page in headless Chromium and print its JSON.
    BenchWeb {
        /// Size of the hashed Blob in MiB (1024 for 1 GiB).
        #[arg(long, default_value_t = 256)]
        mib: u64,
    },
    /// Run the whole test suite (what CI runs).
    Test,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = repo_root();
    let result = match cli.command {
        Command::Dist { out, policy } => {
            let out = if out.is_absolute() {
                out
            } else {
                root.join(out)
            };
            let policy = policy.map_or(dist::PolicyChoice::Default, dist::PolicyChoice::File);
            dist::dist(&root, &out, &policy).map(|_| ExitCode::SUCCESS)
        }
        Command::Serve { listen, data, demo } => {
            serve::serve(&root, &listen, data.as_deref(), demo)
        }
        Command::BenchWeb { mib } => bench::bench_web(&root, mib),
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
