//! Shared by the log's integration tests: a registry running in-process on
//! 127.0.0.1:0 over a temporary data directory, an HTTP client, and signed
//! example entries.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use trial_registry::log::{Log, LogConfig, LogConfigBuilder};
use verifier::entry::EntryBuilder;
use verifier::fixtures;
use verifier::statement::{ROLE_CONSENT_FORM, ROLE_PROTOCOL};

/// A running registry.
pub struct Registry {
    pub log: Log,
    pub base: String,
    pub http: reqwest::Client,
    pub data: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// A configuration for tests: short batches, no checkpoint interval, no
/// consent rate limit.
pub fn test_config(data: &Path) -> LogConfigBuilder {
    LogConfig::builder(data)
        .batch_wait(Duration::from_millis(2))
        .checkpoint_interval(Duration::ZERO)
        .cosign_timeout(Duration::from_secs(5))
        .consent_rate_limit(None)
}

impl Registry {
    /// Starts a registry over `data` with the test configuration.
    pub async fn start(data: &Path) -> Registry {
        Registry::start_with(data, test_config(data).build()).await
    }

    /// Starts a registry with `config`.
    pub async fn start_with(data: &Path, config: LogConfig) -> Registry {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn".into()),
            )
            .try_init();
        let log = Log::open(config).await.expect("the log opens");
        let app = trial_registry::app_with_log(None, log.clone()).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            trial_registry::serve(listener, app, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Registry {
            log,
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            data: data.to_path_buf(),
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// POSTs an entry; returns the status and the JSON body.
    pub async fn post(&self, bytes: &[u8]) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}/api/v1/entries", self.base))
            .header("content-type", "application/json")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap();
        let json = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("status {status}: body is not JSON ({e}): {body:?}"));
        (status, json)
    }

    /// GETs `path`; returns the status, headers and body.
    pub async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    /// GETs `path`, expecting 200.
    pub async fn get_ok(&self, path: &str) -> Vec<u8> {
        let (status, _, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        body
    }

    /// The trust policy the registry wrote.
    pub fn policy(&self) -> verifier::policy::Policy {
        let text = std::fs::read_to_string(self.data.join("policy.txt")).unwrap();
        verifier::policy::Policy::parse(&text).unwrap()
    }

    /// Waits (up to 20 s) until a checkpoint of at least `size` is published.
    pub async fn published(&self, size: u64) -> u64 {
        tokio::time::timeout(Duration::from_secs(20), self.log.wait_published(size))
            .await
            .expect("a checkpoint is published in time")
    }

    /// Stops the server and the log, releasing the data directory.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
        self.log.shutdown().await;
    }
}

/// A registration distinct for each `n` (another title), signed by the
/// fixture sponsor.
pub fn registration(n: u64) -> Vec<u8> {
    let mut registration = fixtures::registration().unwrap();
    registration.trial.public_title = format!("{} (copy {n})", registration.trial.public_title);
    EntryBuilder::registration(registration)
        .subject(
            fixtures::PROTOCOL_V1,
            &fixtures::form_hash(fixtures::PROTOCOL_V1),
            ROLE_PROTOCOL,
            Some("1"),
        )
        .subject(
            fixtures::CONSENT_V1,
            &fixtures::form_hash(fixtures::CONSENT_V1),
            ROLE_CONSENT_FORM,
            Some("1"),
        )
        .sign(&fixtures::sponsor_key())
        .unwrap()
}
