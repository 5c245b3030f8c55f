//! The registry's router in-process (`tower::ServiceExt::oneshot`) over a
//! temporary `dist/`, and the binary's exit code without one.
// clippy.toml allows unwrap in `#[test]`s, not in the helpers they share.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

const INDEX: &str = "<!doctype html><html lang=\"en\"><title>t</title></html>\n";

fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), INDEX).unwrap();
    std::fs::write(dir.path().join("frontend.js"), "export default 1;\n").unwrap();
    std::fs::write(dir.path().join("frontend_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.path().join("style.css"), "body{}\n").unwrap();
    dir
}

fn app(dist: &Path) -> Router {
    trial_registry::app(dist).unwrap()
}

async fn call(
    app: &Router,
    method: Method,
    path: &str,
) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

fn header(headers: &header::HeaderMap, name: header::HeaderName) -> &str {
    headers.get(name).unwrap().to_str().unwrap()
}

#[tokio::test]
async fn healthz() {
    let dist = dist();
    let (status, headers, body) = call(&app(dist.path()), Method::GET, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_TYPE), "application/json");
    assert_eq!(body, br#"{"status":"ok"}"#);
}

#[tokio::test]
async fn index_and_assets_with_types_and_cache_headers() {
    let dist = dist();
    let app = app(dist.path());

    let (status, headers, body) = call(&app, Method::GET, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(header(&headers, header::CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache");
    assert_eq!(body, INDEX.as_bytes());

    let (status, headers, _) = call(&app, Method::GET, "/index.html").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache");

    for (path, mime) in [
        ("/frontend.js", "text/javascript"),
        ("/frontend_bg.wasm", "application/wasm"),
        ("/style.css", "text/css"),
    ] {
        let (status, headers, _) = call(&app, Method::GET, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            header(&headers, header::CONTENT_TYPE).starts_with(mime),
            "{path}: {headers:?}"
        );
        assert_eq!(
            header(&headers, header::CACHE_CONTROL),
            "public, max-age=300"
        );
    }
}

#[tokio::test]
async fn precompressed_wasm_goes_to_clients_that_accept_gzip() {
    let dist = dist();
    let wasm = std::fs::read(dist.path().join("frontend_bg.wasm")).unwrap();
    let gz = b"\x1f\x8b stands in for the zopfli output".to_vec();
    std::fs::write(dist.path().join("frontend_bg.wasm.gz"), &gz).unwrap();
    let app = app(dist.path());
    let request = Request::builder()
        .uri("/frontend_bg.wasm")
        .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(response.headers(), header::CONTENT_ENCODING), "gzip");
    assert_eq!(
        header(response.headers(), header::CONTENT_TYPE),
        "application/wasm"
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.as_ref(), gz.as_slice());
    // Without Accept-Encoding: the file itself.
    let (status, headers, body) = call(&app, Method::GET, "/frontend_bg.wasm").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body, wasm);
}

#[tokio::test]
async fn app_routes_fall_back_to_index() {
    let dist = dist();
    let app = app(dist.path());
    for path in ["/verify", "/trials/TL-ABC", "/sponsor/", "/no/such/page"] {
        let (status, headers, body) = call(&app, Method::GET, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache");
        assert_eq!(body, INDEX.as_bytes(), "{path}");
    }
    let (status, _, body) = call(&app, Method::HEAD, "/trials/TL-ABC").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_empty());
}

#[tokio::test]
async fn misses_outside_the_app_are_404() {
    let dist = dist();
    let app = app(dist.path());
    for path in [
        "/missing.js",
        "/tile/0/000",
        "/checkpoint",
        "/checkpoints/3",
    ] {
        let (status, _, _) = call(&app, Method::GET, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = call(&app, Method::POST, "/verify").await;
    assert!(status.is_client_error(), "{status}");
}

#[tokio::test]
async fn unknown_api_is_json_404() {
    let dist = dist();
    let app = app(dist.path());
    for (method, path) in [
        (Method::GET, "/api/v1/nope"),
        (Method::POST, "/api/v1/entries"),
        (Method::GET, "/api"),
    ] {
        let (status, headers, body) = call(&app, method, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(header(&headers, header::CONTENT_TYPE), "application/json");
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"]["code"], "not_found");
        assert!(
            json["error"]["message"].as_str().unwrap().contains(path),
            "{json}"
        );
    }
}

#[test]
fn missing_dist_is_an_error() {
    let empty = tempfile::tempdir().unwrap();
    let err = trial_registry::app(empty.path()).unwrap_err();
    assert!(err.to_string().contains("cargo xtask dist"), "{err}");
}

#[test]
fn binary_exits_2_without_dist() {
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_trial-registry"))
        .args(["serve", "--listen", "127.0.0.1:0", "--dist"])
        .arg(empty.path().join("dist"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cargo xtask dist"), "{stderr}");
}
