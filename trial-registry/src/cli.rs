//! Command line: `trial-registry serve [--data DIR] [--listen ADDR] [--origin ORIGIN]
//! [--witness URL VKEY …] [--quorum K] [--batch-size N] [--batch-wait MS] [--dist DIR] [--demo]`,
//! `trial-registry witness --data DIR [--listen ADDR] --log VKEY… [--name NAME]`,
//! `trial-registry keygen --name NAME [--kind log|witness]`.

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
    /// Run the registry: the log, its API and the built portal.
    Serve(ServeArgs),
    /// Run a standalone C2SP tlog-witness (`POST /add-checkpoint`).
    Witness(WitnessArgs),
    /// Print a new signer key and its verifier key (stdout: the two keys).
    Keygen(KeygenArgs),
}

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Directory holding the built portal (`cargo xtask dist`). Default
    /// `dist`; when that is missing, only the API is served (with a
    /// warning). A directory given here must hold a built portal.
    #[arg(long)]
    pub dist: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Directory for the log's durable state: keys, policy.txt, the state
    /// database, tiles and checkpoints (created on first start).
    #[arg(long, default_value = "registry-data")]
    pub data: PathBuf,
    /// The log's origin (first line of its checkpoints, name of its key).
    #[arg(long, default_value = crate::log::DEFAULT_ORIGIN, value_parser = parse_key_name)]
    pub origin: String,
    /// A witness: its URL and cosignature verifier key; repeat for several.
    /// Without any, two local demo witnesses run in this process.
    #[arg(long = "witness", num_args = 2, value_names = ["URL", "VKEY"])]
    pub witnesses: Vec<String>,
    /// Witness cosignatures a checkpoint needs (default: all witnesses).
    #[arg(long)]
    pub quorum: Option<usize>,
    /// Most entries sequenced in one durable transaction.
    #[arg(long, default_value_t = crate::log::DEFAULT_BATCH_SIZE)]
    pub batch_size: usize,
    /// Longest a submission waits for its batch to fill, in milliseconds.
    #[arg(long = "batch-wait", value_name = "MS", default_value_t = 5)]
    pub batch_wait_ms: u64,
    /// Consent entries accepted per client address and minute (0: no limit).
    #[arg(long, default_value_t = 10)]
    pub consent_per_minute: u32,
    /// Consent entries a client address may send in a burst.
    #[arg(long, default_value_t = 20)]
    pub consent_burst: u32,
    /// Seed a few realistic example trials on first start.
    #[arg(long)]
    pub demo: bool,
}

impl ServeArgs {
    /// The log configuration these arguments describe.
    pub fn log_config(&self) -> Result<crate::log::LogConfig, String> {
        let mut builder = crate::log::LogConfig::builder(&self.data)
            .origin(self.origin.clone())
            .batch_size(self.batch_size)
            .batch_wait(std::time::Duration::from_millis(self.batch_wait_ms))
            .consent_rate_limit(
                (self.consent_per_minute > 0).then_some(crate::log::RateLimit {
                    per_minute: self.consent_per_minute,
                    burst: self.consent_burst.max(1),
                }),
            );
        for pair in self.witnesses.chunks(2) {
            let [url, vkey] = pair else {
                return Err("--witness takes a URL and a verifier key".to_string());
            };
            let key = verifier::note::VerifierKey::parse(vkey)
                .map_err(|e| format!("--witness {url}: the verifier key is invalid: {e}"))?;
            builder = builder.witness(url.clone(), key);
        }
        if let Some(quorum) = self.quorum {
            builder = builder.quorum(quorum);
        }
        Ok(builder.build())
    }
}

/// Arguments of `witness`.
#[derive(Debug, clap::Args)]
pub struct WitnessArgs {
    /// Directory for the witness's key (`witness.key`, created on first
    /// start) and its per-log state.
    #[arg(long)]
    pub data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7380")]
    pub listen: String,
    /// Verifier key of a log to witness (`origin+keyid+base64`, type 0x01);
    /// repeat for several logs.
    #[arg(long = "log", value_name = "VKEY", required = true)]
    pub logs: Vec<verifier::note::VerifierKey>,
    /// The witness's key name, used when its key is created (default
    /// `localhost/trial-ledger-witness`); must match an existing key.
    #[arg(long, value_parser = parse_key_name)]
    pub name: Option<String>,
}

/// Arguments of `keygen`.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// The key's name: a log key is named like the log's origin.
    #[arg(long, value_parser = parse_key_name)]
    pub name: String,
    /// What the key signs.
    #[arg(long, value_enum, default_value_t = KeyKind::Log)]
    pub kind: KeyKind,
}

/// The kinds of signer keys `keygen` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyKind {
    /// A log's checkpoint key: signed-note Ed25519 (type 0x01).
    Log,
    /// A witness's key: cosignature/v1 (type 0x04).
    Witness,
}

/// A signed-note key name: non-empty, no whitespace, '+' or control characters.
fn parse_key_name(name: &str) -> Result<String, String> {
    if verifier::note::is_valid_key_name(name) {
        Ok(name.to_string())
    } else {
        Err(
            "a key name must be non-empty and contain no whitespace, '+' or control characters"
                .to_string(),
        )
    }
}
