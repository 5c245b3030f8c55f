//! # trial-registry — Trial Ledger's registry server
//!
//! Today the registry serves the built portal (`dist/`, made by `cargo xtask
//! dist`) with a single-page-app fallback, a health check and JSON errors for
//! unknown API paths. Later issues add the transparency log itself (sequencing,
//! tiles, checkpoints, witnesses) and the JSON API on the same router.
//!
//! The router is built by a library function ([`app`]) so that tests can run
//! it in-process; `main.rs` only parses the command line, sets up logging and
//! calls [`serve`].

pub mod cli;
pub mod error;
pub mod portal;

use std::future::Future;
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
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(Error::Serve)
}
