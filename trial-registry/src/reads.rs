//! The C2SP tlog-tiles read API, plus the checkpoint archive.
//!
//! | path | content type | `Cache-Control` |
//! |---|---|---|
//! | `GET /checkpoint` | `text/plain; charset=utf-8` | `no-cache` (it changes) |
//! | `GET /checkpoints/{size}` | `text/plain; charset=utf-8` | `public, max-age=31536000, immutable` |
//! | `GET /tile/<L>/<N>` (full) | `application/octet-stream` | `public, max-age=31536000, immutable` |
//! | `GET /tile/<L>/<N>.p/<W>` (partial) | `application/octet-stream` | `public, max-age=60` |
//! | `GET /tile/entries/<N>[.p/<W>]` | as hash tiles | as hash tiles |
//!
//! Only tiles of the published tree are served (a partial tile of width W
//! is served when the published tree's tile there is at least that wide:
//! it is a tile of an earlier, smaller tree); anything else is a 404 JSON
//! error, as is a path not in the canonical form. Reads of recently written
//! tiles come from memory; others from the object store on tokio's blocking
//! pool. Responses allow any origin (`Access-Control-Allow-Origin: *`): the
//! log is public, and monitors may run in other sites' pages.
//!
//! What this is not: a verifier. Clients check the checkpoint against their
//! policy and the tiles against its root.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use verifier::tile::{TilePath, parse_tile_path};

use crate::error::ApiError;
use crate::log::{Log, LogRead as _, TileBytes};

/// `Cache-Control` of full tiles, full entry bundles and archived checkpoints.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of partial tiles and bundles.
pub const PARTIAL: &str = "public, max-age=60";
/// `Cache-Control` of the latest checkpoint.
pub const LATEST: &str = "no-cache";

const TEXT: &str = "text/plain; charset=utf-8";
const OCTETS: &str = "application/octet-stream";

/// Routes of the read API.
pub fn reads_router(log: Log) -> Router {
    Router::new()
        .route("/checkpoint", get(checkpoint))
        .route("/checkpoints/{size}", get(archived_checkpoint))
        .route("/tile/{*path}", get(tile))
        .with_state(log)
}

fn respond(content_type: &'static str, cache: &'static str, body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

fn internal(message: String) -> Response {
    tracing::error!("read API: {message}");
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "internal",
        message,
    }
    .into_response()
}

async fn checkpoint(State(log): State<Log>) -> Response {
    match log.published() {
        Some((_, note)) => respond(TEXT, LATEST, note),
        None => ApiError::not_found(
            "no checkpoint is published yet: the log is waiting for its witnesses' cosignatures",
        )
        .into_response(),
    }
}

/// A tree size in canonical decimal (no sign, no leading zero).
fn parse_size(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text.len() == 1 || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

async fn archived_checkpoint(State(log): State<Log>, Path(size): Path<String>) -> Response {
    let Some(size) = parse_size(&size) else {
        return ApiError::not_found(format!(
            "/checkpoints/{size}: the size must be a decimal number without leading zeros"
        ))
        .into_response();
    };
    match tokio::task::spawn_blocking(move || log.archived_checkpoint(size)).await {
        Ok(Ok(Some(note))) => respond(TEXT, IMMUTABLE, note),
        Ok(Ok(None)) => ApiError::not_found(format!(
            "no checkpoint of size {size} is archived (GET /checkpoint for the latest)"
        ))
        .into_response(),
        Ok(Err(e)) => internal(format!("reading archived checkpoint {size}: {e}")),
        Err(e) => internal(format!("reading archived checkpoint {size}: {e}")),
    }
}

fn tile_response(path: &TilePath, bytes: TileBytes) -> Response {
    let partial = match *path {
        TilePath::Hashes(id) => id.is_partial(),
        TilePath::EntryBundle { width, .. } => u64::from(width) < verifier::tile::TILE_WIDTH,
    };
    respond(OCTETS, if partial { PARTIAL } else { IMMUTABLE }, bytes)
}

async fn tile(State(log): State<Log>, Path(rest): Path<String>) -> Response {
    let full = format!("tile/{rest}");
    let path = match parse_tile_path(&full) {
        Ok(path) => path,
        Err(e) => return ApiError::not_found(e.to_string()).into_response(),
    };
    if let Some(bytes) = log.cached_tile(&path) {
        return tile_response(&path, bytes);
    }
    let reader = log.clone();
    match tokio::task::spawn_blocking(move || reader.tile(&path)).await {
        Ok(Ok(Some(bytes))) => tile_response(&path, bytes),
        Ok(Ok(None)) => ApiError::not_found(format!(
            "/{full} is not part of the published tree (size {})",
            log.published().map_or(0, |(size, _)| size)
        ))
        .into_response(),
        Ok(Err(e)) => internal(format!("reading /{full}: {e}")),
        Err(e) => internal(format!("reading /{full}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_are_canonical() {
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("1234"), Some(1234));
        for bad in ["", "01", "+1", "-1", "1.0", "x", "99999999999999999999"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }
}
