//! A real registry (its library router, on a random loopback port) serving a
//! temporary portal build, queried over HTTP like a browser would.
// clippy.toml allows unwrap in `#[test]`s, not in the helpers they share.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

struct Registry {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    _dist: tempfile::TempDir,
}

impl Registry {
    fn start() -> Registry {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(
            dist.path().join("index.html"),
            "<!doctype html><html lang=\"en\"><title>Trial Ledger</title><div id=\"app\"></div></html>\n",
        )
        .unwrap();
        std::fs::write(
            dist.path().join("frontend.js"),
            "export default function init() {}\n",
        )
        .unwrap();
        let app = trial_registry::app(dist.path()).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready, bound) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready.send(listener.local_addr().unwrap()).unwrap();
                trial_registry::serve(listener, app, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            });
        });
        let addr = bound.recv().unwrap();
        Registry {
            addr,
            stop: Some(stop),
            thread: Some(thread),
            _dist: dist,
        }
    }

    fn get(&self, path: &str) -> (u16, String, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .get(&format!("http://{}{path}", self.addr))
            .call()
            .unwrap();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.body_mut().read_to_string().unwrap();
        (response.status().as_u16(), content_type, body)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn serves_the_portal_with_spa_fallback_and_json_errors() {
    let registry = Registry::start();

    let (status, content_type, body) = registry.get("/healthz");
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"status": "ok"})
    );

    let (status, content_type, index) = registry.get("/");
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(index.contains("<div id=\"app\">"));

    let (status, content_type, _) = registry.get("/frontend.js");
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("text/javascript"),
        "{content_type}"
    );

    // A deep link into the app is answered with the app's entry point.
    let (status, content_type, body) = registry.get("/trials/TL-ABC");
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert_eq!(body, index);

    // A missing file is not the app.
    let (status, _, _) = registry.get("/missing.js");
    assert_eq!(status, 404);

    let (status, content_type, body) = registry.get("/api/v1/nope");
    assert_eq!((status, content_type.as_str()), (404, "application/json"));
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["code"], "not_found");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/api/v1/nope")
    );
}

#[test]
fn stops_gracefully() {
    let registry = Registry::start();
    let addr = registry.addr;
    assert_eq!(registry.get("/healthz").0, 200);
    drop(registry);
    assert!(std::net::TcpStream::connect(addr).is_err());
}
