//! The built portal (`dist/`): static files with a single-page-app fallback.
//!
//! - A file under `dist` is served as is (`GET`/`HEAD`), `index.html` for `/`;
//!   where `dist` also holds `FILE.gz` (the wasm bundles and their glue), a
//!   client that accepts gzip gets that instead, with `Content-Encoding`.
//! - Any other `GET`/`HEAD` whose last path segment has no extension and that
//!   is not under the log's or API's namespaces (`/api/`, `/tile/`,
//!   `/checkpoint…`) is an app route (e.g. `/trials/TL-…`): it gets
//!   `index.html` with status 200 and the portal's router takes over.
//! - Unknown `/api/…` paths get a 404 JSON error; other misses a plain 404.
//!
//! Cache headers: HTML (the entry point) `no-cache`, so a new build is picked
//! up at once; other assets a short public lifetime, because their names are
//! not content-hashed yet.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};

use crate::error::{ApiError, Error};

/// `Cache-Control` of HTML responses.
pub const HTML_CACHE_CONTROL: &str = "no-cache";
/// `Cache-Control` of other static assets.
pub const ASSET_CACHE_CONTROL: &str = "public, max-age=300";

/// Path prefixes that never fall back to the app (the API and the C2SP read
/// API of the log).
const RESERVED_PREFIXES: [&str; 3] = ["/api/", "/tile/", "/checkpoint"];

#[derive(Debug)]
struct Portal {
    dist: PathBuf,
    index: PathBuf,
}

/// The portal's routes: unknown `/api/…` as JSON 404s, everything else from
/// `dist` with the SPA fallback. Fails when `dist/index.html` is missing.
pub fn portal_router(dist: &Path) -> Result<Router, Error> {
    let index = dist.join("index.html");
    if !index.is_file() {
        return Err(Error::MissingDist(dist.to_path_buf()));
    }
    let portal = Arc::new(Portal {
        dist: dist.to_path_buf(),
        index,
    });
    Ok(Router::new()
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .fallback(static_or_app)
        .with_state(portal))
}

async fn api_not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no API endpoint {} {}",
        request.method(),
        request.uri().path()
    ))
}

/// True when `path` names a page of the portal rather than a file or a
/// reserved namespace.
pub fn is_app_route(path: &str) -> bool {
    if path == "/api" || RESERVED_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return false;
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    !last.contains('.')
}

async fn static_or_app(State(portal): State<Arc<Portal>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let headers = request.headers().clone();

    // `xtask dist` writes `NAME.gz` next to the wasm and its glue; a browser
    // that accepts gzip gets those bytes with `Content-Encoding: gzip`.
    let Ok(response) = ServeDir::new(&portal.dist)
        .precompressed_gzip()
        .oneshot(request)
        .await;
    let mut response = response.map(Body::new);

    if response.status() == StatusCode::NOT_FOUND
        && (method == Method::GET || method == Method::HEAD)
        && is_app_route(&path)
    {
        let mut index_request = Request::new(Body::empty());
        *index_request.method_mut() = method;
        *index_request.headers_mut() = headers;
        let Ok(index) = ServeFile::new(&portal.index).oneshot(index_request).await;
        response = index.map(Body::new);
    }
    if response.status() == StatusCode::NOT_FOUND {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    set_cache_control(&mut response);
    if path == "/sw.js" && response.status().is_success() {
        // The service worker: a new build must be seen at the next visit.
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(HTML_CACHE_CONTROL),
        );
    }
    response
}

fn set_cache_control(response: &mut Response) {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // 304s carry no content type: they revalidate whatever was cached, which
    // keeps its own Cache-Control, so only answers with a body get one.
    if response.status().is_success() {
        let value = if is_html {
            HTML_CACHE_CONTROL
        } else {
            ASSET_CACHE_CONTROL
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::is_app_route;

    #[test]
    fn app_routes() {
        for path in ["/", "/verify", "/trials/TL-ABC", "/sponsor/", "/a/b/c"] {
            assert!(is_app_route(path), "{path}");
        }
        for path in [
            "/api",
            "/api/v1/trials",
            "/tile/0/000",
            "/tile/entries/x001/002",
            "/checkpoint",
            "/checkpoints/12",
            "/frontend.js",
            "/missing.wasm",
            "/trials/TL-ABC/report.pdf",
        ] {
            assert!(!is_app_route(path), "{path}");
        }
    }
}
