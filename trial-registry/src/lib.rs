//! # trial-registry — Trial Ledger's registry server
//!
//! The registry is the only server of Trial Ledger, and it is untrusted by
//! design: everything it publishes is checked by the portal and by
//! `trialverify` against signatures, proofs and a pinned trust policy.
//!
//! What it is:
//! - the transparency log ([`log`]): a sequencer that validates submissions
//!   with the trial state machine and commits them durably in batches, an
//!   integrator that writes C2SP tiles and entry bundles, signs checkpoints,
//!   gathers witness cosignatures and archives every published checkpoint,
//!   and startup recovery;
//! - its storage behind two small interfaces ([`store`]): objects as files
//!   laid out like the tlog-tiles URL space, sequencing state in redb;
//! - the C2SP read API ([`reads`]), the JSON API ([`api`]) with the trial
//!   search index ([`index`]) and evidence bundles built from tiles
//!   ([`evidence`]), and the built portal ([`portal`]);
//! - the witness role, both sides of C2SP tlog-witness ([`witness`]);
//! - the `--demo` example trials ([`demo`]).
//!
//! What it is not: a verifier of its own honesty (clients do that with the
//! `verifier` crate), nor a store of documents or participant data — only
//! hashes and signed entries enter the log.
//!
//! The router is built by library functions ([`app`], [`app_with_log`]) so
//! that tests run it in-process; `main.rs` parses the command line, sets up
//! logging and calls [`serve`].

pub mod api;
pub mod cli;
pub mod demo;
pub mod error;
pub mod evidence;
pub mod index;
pub mod log;
pub mod portal;
pub mod reads;
pub mod store;
pub mod witness;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use error::{ApiError, Error};
pub use portal::portal_router;

/// The whole HTTP application: health check, API namespace and the portal.
///
/// Fails with [`Error::MissingDist`] when `dist` holds no `index.html`.
pub fn app(dist: &Path) -> Result<Router, Error> {
    Ok(Router::new()
        .route("/healthz", get(healthz))
        .merge(portal_router(dist)?)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        ))
}

/// The registry with its log: health check, the C2SP read API
/// ([`reads::reads_router`]), the JSON API ([`api`]) and, when `dist` is
/// given, the portal (failing with [`Error::MissingDist`] if it is not
/// built there). Without `dist` only the API is served; unknown `/api/…`
/// paths still get JSON 404s.
///
/// Requests are traced at DEBUG (not INFO as in [`app`]): the read API
/// serves tens of thousands of requests a second.
pub fn app_with_log(dist: Option<&Path>, log: log::Log) -> Result<Router, Error> {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .merge(reads::reads_router(log.clone()))
        .merge(api::trials::trials_router(log.clone()))
        .merge(api::entries::entries_router(log));
    let router = match dist {
        Some(dist) => router.merge(portal_router(dist)?),
        None => router
            .route("/api", axum::routing::any(api_not_found))
            .route("/api/{*rest}", axum::routing::any(api_not_found))
            .fallback(|| async { (axum::http::StatusCode::NOT_FOUND, "not found\n") }),
    };
    Ok(router.layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(Level::DEBUG))
            .on_response(DefaultOnResponse::new().level(Level::DEBUG)),
    ))
}

async fn api_not_found(request: axum::extract::Request) -> ApiError {
    ApiError::not_found(format!(
        "no API endpoint {} {}",
        request.method(),
        request.uri().path()
    ))
}

/// `GET /healthz`: the process is up and serving.
async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    // Client addresses feed the consent rate limit.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(Error::Serve)
}
