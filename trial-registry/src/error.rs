//! Errors: [`Error`] for starting and running the server, [`ApiError`] for
//! HTTP responses (`{"error":{"code","message"}}`, DESIGN §4).

use std::path::PathBuf;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The portal has not been built into the directory we were told to serve.
    #[error("no built portal at {}: run `cargo xtask dist` first (or pass --dist DIR)", .0.display())]
    MissingDist(PathBuf),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The data directory could not be created.
    #[error("cannot create data directory {}: {source}", path.display())]
    DataDir {
        /// The directory asked for.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The log could not start (keys, storage, recovery, configuration).
    #[error("{0}")]
    Log(#[from] crate::log::LogError),
    /// Serving failed after start.
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
    /// The `witness` or `keygen` subcommand failed.
    #[error(transparent)]
    Witness(#[from] crate::witness::CommandError),
}

/// An HTTP error answered as `{"error":{"code":…,"message":…}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `not_found`.
    pub code: &'static str,
    /// Human-readable explanation naming what is wrong.
    pub message: String,
}

impl ApiError {
    /// 404 `not_found` with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: message.into(),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
