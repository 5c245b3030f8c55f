//! Command line: `trial-registry serve [--dist DIR] [--listen ADDR] [--data DIR]`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Trial Ledger's registry server.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the built portal (and, in later versions, the log).
    Serve(ServeArgs),
}

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Directory holding the built portal (`cargo xtask dist`).
    #[arg(long, default_value = "dist")]
    pub dist: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Directory for the log's durable state. Reserved for the log server
    /// (a later version): today it is only created if missing.
    #[arg(long)]
    pub data: Option<PathBuf>,
}
