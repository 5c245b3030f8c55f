//! The `witness` and `keygen` subcommands.
//!
//! - `trial-registry witness --data DIR --listen ADDR --log VKEY … [--name NAME]`
//!   creates `DIR/witness.key` on first start (mode 0600), prints its
//!   cosignature verifier key on stdout (the `VKEY` a log operator passes in
//!   `--witness URL VKEY` and lists in `policy.txt`), and serves
//!   `POST /add-checkpoint` until SIGINT/SIGTERM.
//! - `trial-registry keygen --name NAME [--kind log|witness]` prints a new
//!   signer key and its verifier key on stdout, one per line; the labels go
//!   to stderr so that stdout is just the keys.
//!
//! What this is not: argument parsing (`crate::cli`) or the witness logic.

use std::future::Future;
use std::io::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use verifier::note::KeyType;

use super::http::witness_router;
use super::keyfile::{KeyFileError, generate_signer_key, load_or_create_signer_key};
use super::protocol::{Witness, WitnessError};
use crate::cli::{KeyKind, KeygenArgs, WitnessArgs};

/// The witness's key file inside its data directory.
pub const WITNESS_KEY_FILE: &str = "witness.key";

/// The witness name used when none is given and no key exists yet.
pub const DEFAULT_WITNESS_NAME: &str = "localhost/trial-ledger-witness";

/// Why the `witness` or `keygen` subcommand failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The data directory could not be created.
    #[error("cannot create the witness data directory {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The witness key could not be made or loaded.
    #[error(transparent)]
    Key(#[from] KeyFileError),
    /// The witness could not be opened.
    #[error(transparent)]
    Witness(#[from] WitnessError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Serving failed after start.
    #[error("witness server error: {0}")]
    Serve(#[source] std::io::Error),
    /// A key could not be written to stdout.
    #[error("cannot write to stdout: {0}")]
    Stdout(#[source] std::io::Error),
}

/// Runs a standalone witness until `shutdown` resolves.
pub async fn run_witness(
    args: WitnessArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), CommandError> {
    std::fs::create_dir_all(&args.data).map_err(|source| CommandError::DataDir {
        path: args.data.clone(),
        source,
    })?;
    let key_path = args.data.join(WITNESS_KEY_FILE);
    // An existing key keeps its name; `--name` must then agree with it.
    let name = match (&args.name, key_path.exists()) {
        (Some(name), _) => Some(name.as_str()),
        (None, true) => None,
        (None, false) => Some(DEFAULT_WITNESS_NAME),
    };
    let (signer, created) = load_or_create_signer_key(&key_path, name, KeyType::Cosignature)?;
    if created {
        tracing::info!(path = %key_path.display(), "created a new witness key (mode 0600)");
    }
    let witness = Arc::new(Witness::open(&args.data, signer, args.logs.clone())?);
    let listener = TcpListener::bind(&args.listen)
        .await
        .map_err(|source| CommandError::Bind {
            addr: args.listen.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(CommandError::Serve)?;
    let vkey = witness.verifier_key();
    // stdout: the one line a log operator copies; the rest goes to the log.
    writeln!(std::io::stdout(), "{vkey}").map_err(CommandError::Stdout)?;
    let mut origins = witness.origins();
    origins.sort_unstable();
    tracing::info!(
        witness = witness.name(),
        logs = ?origins,
        "witness {vkey} serving POST http://{addr}/add-checkpoint"
    );
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .merge(witness_router(witness));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(CommandError::Serve)?;
    tracing::info!("witness stopped");
    Ok(())
}

/// Prints a new signer key and its verifier key (stdout), labelled on stderr.
pub fn keygen(args: &KeygenArgs) -> Result<(), CommandError> {
    let key_type = match args.kind {
        KeyKind::Log => KeyType::Ed25519,
        KeyKind::Witness => KeyType::Cosignature,
    };
    let key = generate_signer_key(&args.name, key_type)?;
    let mut stdout = std::io::stdout().lock();
    eprintln!("signer key ({key_type}; secret: store it with mode 0600, never share it):");
    writeln!(stdout, "{}", key.to_private_string()).map_err(CommandError::Stdout)?;
    stdout.flush().map_err(CommandError::Stdout)?;
    eprintln!("verifier key (public: give it to log operators and clients):");
    writeln!(stdout, "{}", key.verifier_key()).map_err(CommandError::Stdout)?;
    stdout.flush().map_err(CommandError::Stdout)?;
    Ok(())
}
