//! `trial-registry` binary: parses the command line and runs the server.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use trial_registry::Error;
use trial_registry::cli::{Cli, Command, ServeArgs};

// Under load the server allocates per request (bodies, parsed entries,
// responses) on many threads; glibc's arenas spent ~10% of its CPU growing
// heaps (page faults, mprotect). mimalloc's thread-local pages do not
// (built without transparent huge pages: zeroing a fresh 2 MiB page each
// time a purged one is touched again cost more than it saved).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::Witness(args) => runtime
            .block_on(trial_registry::witness::run_witness(
                args,
                shutdown_signal(),
            ))
            .map_err(Error::from),
        Command::Keygen(args) => trial_registry::witness::keygen(&args).map_err(Error::from),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ Error::MissingDist(_)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> Result<(), Error> {
    let dist = match &args.dist {
        Some(dist) => Some(dist.clone()),
        None if std::path::Path::new("dist/index.html").is_file() => Some("dist".into()),
        None => {
            tracing::warn!(
                "no built portal in ./dist (run `cargo xtask dist`, or pass --dist DIR): \
                 serving the log and its API only"
            );
            None
        }
    };
    if let Some(dist) = &dist
        && !dist.join("index.html").is_file()
    {
        return Err(Error::MissingDist(dist.clone()));
    }
    let config = args
        .log_config()
        .map_err(|e| Error::Log(trial_registry::log::LogError::Config(e)))?;
    let log = trial_registry::log::Log::open(config).await?;
    if args.demo {
        // The demo keys are public, so anyone could have extended a demo
        // trial on this log (making our next entry's `prev` stale): a
        // failed seed is reported, not fatal.
        if let Err(e) = trial_registry::demo::seed(&log).await {
            tracing::error!("--demo: could not seed every example trial: {e}");
        }
    }
    let app = trial_registry::app_with_log(dist.as_deref(), log.clone())?;
    let listener = TcpListener::bind(&args.listen)
        .await
        .map_err(|source| Error::Bind {
            addr: args.listen.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(Error::Serve)?;
    tracing::info!(
        data = %args.data.display(),
        portal = %dist.as_ref().map_or("none".to_string(), |d| d.display().to_string()),
        "serving the registry for {} on http://{addr}/ (trust policy: {})",
        log.origin(),
        args.data.join("policy.txt").display()
    );
    let served = trial_registry::serve(listener, app, shutdown_signal()).await;
    log.shutdown().await;
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
