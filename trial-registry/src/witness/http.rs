//! The witness's HTTP endpoint: `POST /add-checkpoint` (C2SP tlog-witness v1.0.0).
//!
//! Bodies are the spec's, not the registry's JSON errors: 200 carries the
//! cosignature line(s); 409 carries the cosigned size and a newline with
//! `Content-Type: text/x.tlog.size`; other refusals carry a one-line
//! plain-text reason. The core fsyncs, so it runs on tokio's blocking pool.
//!
//! What this is not: the witness logic ([`super::Witness`]) or a server
//! (the caller binds and serves the router, alone or merged into the registry's).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::protocol::{AddCheckpointError, MAX_REQUEST_BYTES, Witness};

/// The content type of a 409 body: the witness's cosigned tree size.
pub const TLOG_SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// Content type of the other bodies (cosignature lines, error reasons).
const TEXT_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// The witness's routes: `POST /add-checkpoint`. Bodies over
/// [`MAX_REQUEST_BYTES`] are refused with 413 before they are read whole.
pub fn witness_router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        // A little slack so that the core, not the framework, reports sizes
        // just over the limit with its own message.
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES + 1))
        .with_state(witness)
}

/// Seconds since the Unix epoch by the system clock (0 if it reads earlier,
/// which the core refuses rather than cosign with).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let now = unix_now();
    let outcome = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body, now)).await;
    match outcome {
        Ok(Ok(lines)) => text(StatusCode::OK, TEXT_CONTENT_TYPE, lines),
        Ok(Err(refusal)) => refusal_response(&refusal),
        Err(join) => {
            tracing::error!("the add-checkpoint task failed: {join}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                TEXT_CONTENT_TYPE,
                "internal error\n".to_string(),
            )
        }
    }
}

fn refusal_response(refusal: &AddCheckpointError) -> Response {
    let status =
        StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!("add-checkpoint: {refusal}");
    } else {
        tracing::debug!("add-checkpoint refused ({status}): {refusal}");
    }
    match refusal.conflict_size() {
        Some(size) => text(status, TLOG_SIZE_CONTENT_TYPE, format!("{size}\n")),
        None => text(status, TEXT_CONTENT_TYPE, format!("{refusal}\n")),
    }
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}
