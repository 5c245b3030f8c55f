//! `/bench`: in-browser measurements, in one run on the same data, reported
//! as JSON in `data-testid="bench-results"` (`cargo xtask bench-web` drives
//! it in headless Chromium and prints that JSON).
//!
//! - SHA-256 of a generated Blob (256 MiB by default; `?mib=1024` for 1 GiB):
//!   our streaming wasm hasher ([`crate::hashing`], chunked `Blob.slice`
//!   reads, memory bounded by one chunk) against WebCrypto's one-shot
//!   `digest` (which needs the whole file in memory);
//! - verifying a checkpoint with the log signature and 3 witness
//!   cosignatures under a quorum-3 policy (µs);
//! - verifying a real evidence bundle from the registry (ms);
//! - the portal's wasm size, raw and gzipped (`CompressionStream`).
//!
//! `?auto=1` starts the run on load.

use std::fmt::Write as _;

use serde_json::json;
use verifier::checkpoint::{Checkpoint, sign_checkpoint};
use verifier::cosignature::{add_signatures, cosign};
use verifier::merkle;
use verifier::note::{KeyType, SignerKey};
use verifier::policy::Policy;
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::api::SearchResults;
use crate::hashing::{DEFAULT_CHUNK, sha256_blob, sha256_webcrypto};
use crate::hooks::use_app;
use crate::light_client::TrustPolicies;
use crate::light_client::fetch::{get_bytes, get_json};

const MIB: u64 = 1 << 20;

/// Run settings from the query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchConfig {
    /// Size of the generated Blob in MiB.
    pub mib: u64,
    /// Whether to start on load.
    pub auto: bool,
}

/// Parses `?mib=N&auto=1` (defaults: 256 MiB, manual start).
pub fn parse_query(query: &str) -> BenchConfig {
    let mut config = BenchConfig {
        mib: 256,
        auto: false,
    };
    for pair in query.trim_start_matches('?').split('&') {
        match pair.split_once('=') {
            Some(("mib", v)) => {
                if let Ok(n) = v.parse::<u64>() {
                    config.mib = n.clamp(1, 4096);
                }
            }
            Some(("auto", v)) => config.auto = v == "1" || v == "true",
            _ => {}
        }
    }
    config
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn js_err(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// A Blob of `mib` MiB: one pseudo-random MiB repeated.
fn make_blob(mib: u64) -> Result<web_sys::Blob, String> {
    let mut pattern = vec![0u8; MIB as usize];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for byte in pattern.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *byte = (x >> 24) as u8;
    }
    let chunk = js_sys::Uint8Array::from(pattern.as_slice());
    let parts = js_sys::Array::new();
    for _ in 0..mib {
        parts.push(&chunk);
    }
    web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(js_err)
}

fn mb_per_s(bytes: u64, ms: f64) -> f64 {
    if ms <= 0.0 {
        return 0.0;
    }
    (bytes as f64 / 1e6) / (ms / 1000.0)
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// A checkpoint cosigned by 3 witnesses and its quorum-3 policy (fixed keys).
fn cosigned_checkpoint() -> Result<(Policy, String), String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let origin = "bench.example/log";
    let log = SignerKey::from_seed(origin, KeyType::Ed25519, [1; 32]).map_err(|x| e(&x))?;
    let witnesses: Vec<SignerKey> = (0..3u8)
        .map(|i| {
            SignerKey::from_seed(
                &format!("w{i}.bench.example"),
                KeyType::Cosignature,
                [10 + i; 32],
            )
        })
        .collect::<Result<_, _>>()
        .map_err(|x| e(&x))?;
    let checkpoint = Checkpoint {
        origin: origin.into(),
        size: 1_000_000,
        root: merkle::leaf_hash(b"bench"),
        extensions: vec![],
    };
    let note = sign_checkpoint(&checkpoint, &log).map_err(|x| e(&x))?;
    let signatures = witnesses
        .iter()
        .map(|w| cosign(w, &checkpoint.to_text(), 1_764_583_200))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|x| e(&x))?;
    let note = add_signatures(&note, &signatures).map_err(|x| e(&x))?;
    let mut builder = Policy::builder(log.verifier_key());
    for (i, w) in witnesses.iter().enumerate() {
        builder = builder.witness(format!("w{i}"), w.verifier_key());
    }
    let policy = builder.quorum(3).build().map_err(|x| e(&x))?;
    Ok((policy, note))
}

/// gzip size of `bytes` with the browser's `CompressionStream`.
async fn gzip_len(bytes: &[u8]) -> Result<u64, String> {
    let global = js_sys::global();
    let get = |target: &JsValue, name: &str| js_sys::Reflect::get(target, &JsValue::from_str(name));
    let ctor: js_sys::Function = get(&global, "CompressionStream")
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| "CompressionStream is not available".to_owned())?;
    let stream_ctor = js_sys::Array::of1(&JsValue::from_str("gzip"));
    let compressor = js_sys::Reflect::construct(&ctor, &stream_ctor).map_err(js_err)?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(js_err)?;
    let blob_js: &JsValue = blob.as_ref();
    let stream: js_sys::Function = get(blob_js, "stream").map_err(js_err)?.unchecked_into();
    let stream = stream.call0(blob_js).map_err(js_err)?;
    let pipe: js_sys::Function = get(&stream, "pipeThrough")
        .map_err(js_err)?
        .unchecked_into();
    let piped = pipe.call1(&stream, &compressor).map_err(js_err)?;
    let response_ctor: js_sys::Function =
        get(&global, "Response").map_err(js_err)?.unchecked_into();
    let response =
        js_sys::Reflect::construct(&response_ctor, &js_sys::Array::of1(&piped)).map_err(js_err)?;
    let array_buffer: js_sys::Function = get(&response, "arrayBuffer")
        .map_err(js_err)?
        .unchecked_into();
    let promise: js_sys::Promise = array_buffer
        .call0(&response)
        .map_err(js_err)?
        .unchecked_into();
    let buffer = JsFuture::from(promise).await.map_err(js_err)?;
    Ok(u64::from(js_sys::Uint8Array::new(&buffer).length()))
}

/// The sizes of every bundle's wasm and JS glue (`frontend` is the public
/// portal, loaded for every page but the sponsor workspace and this one).
async fn asset_sizes() -> serde_json::Value {
    let mut assets = serde_json::Map::new();
    for path in [
        "/frontend_bg.wasm",
        "/frontend.js",
        "/reviewer_bg.wasm",
        "/reviewer.js",
        "/sponsor_bg.wasm",
        "/sponsor.js",
        "/bench_bg.wasm",
        "/bench.js",
    ] {
        let value = match get_bytes(path).await {
            Ok(bytes) => {
                let gz = gzip_len(&bytes).await;
                json!({"bytes": bytes.len(), "gzip_bytes": gz.as_ref().ok(), "gzip_error": gz.err()})
            }
            Err(e) => json!({"error": e.to_string()}),
        };
        assets.insert(path.trim_start_matches('/').to_owned(), value);
    }
    serde_json::Value::Object(assets)
}

/// Reads `blob` in [`DEFAULT_CHUNK`] slices into one wasm buffer on the
/// page, as [`sha256_blob`] does without its worker, without hashing.
async fn read_chunks(blob: &web_sys::Blob) -> Result<(), String> {
    let total = blob.size() as u64;
    let mut buffer = vec![0u8; usize::try_from(DEFAULT_CHUNK.min(total)).unwrap_or(0)];
    for range in crate::hashing::chunks(total, DEFAULT_CHUNK) {
        let pending = crate::hashing::read_on_page(blob, &range).map_err(|e| e.to_string())?;
        let array = pending.await.map_err(js_err)?;
        let bytes = js_sys::Uint8Array::new(&array);
        let len = (bytes.length() as usize).min(buffer.len());
        bytes.copy_to(&mut buffer[..len]);
    }
    Ok(())
}

/// SHA-256 over `bytes` of wasm memory (one [`DEFAULT_CHUNK`] buffer hashed
/// repeatedly): the hash's own speed, in MB/s.
fn hash_in_memory(bytes: u64) -> f64 {
    use sha2::{Digest as _, Sha256};
    let buffer = vec![0x5au8; usize::try_from(DEFAULT_CHUNK).unwrap_or(0)];
    let rounds = bytes.div_ceil(DEFAULT_CHUNK).max(1);
    let start = now();
    let mut hasher = Sha256::new();
    for _ in 0..rounds {
        hasher.update(&buffer);
    }
    let digest = hasher.finalize();
    let ms = now() - start;
    // Keep the digest alive so the loop cannot be optimised away.
    if digest[0] == 0 && digest[1] == 0 && digest[2] == 0 {
        web_sys::console::log_1(&"improbable digest".into());
    }
    round(mb_per_s(rounds * DEFAULT_CHUNK, ms), 1)
}

async fn sha256_section(config: BenchConfig, progress: &Callback<String>) -> serde_json::Value {
    let bytes = config.mib * MIB;
    progress.emit(format!("Generating a {} MiB Blob…", config.mib));
    let blob = match make_blob(config.mib) {
        Ok(b) => b,
        Err(e) => return json!({"error": e}),
    };
    // Where the streaming time goes: the same chunked reads without hashing
    // (first, so that every measurement reads a Blob the browser has already
    // stored, as a file on disk is in the OS cache), and below the hash alone
    // over wasm memory.
    progress.emit("Timing the chunked reads alone…".to_owned());
    let start = now();
    let reads = read_chunks(&blob).await;
    let read_chunks_ms = now() - start;

    progress.emit("Hashing with the streaming wasm SHA-256…".to_owned());
    let start = now();
    let mut last_report = 0u64;
    let streamed = sha256_blob(&blob, DEFAULT_CHUNK, |done, total| {
        if done - last_report >= 64 * MIB || done == total {
            last_report = done;
            progress.emit(format!(
                "Streaming wasm SHA-256: {} / {} MiB",
                done / MIB,
                total / MIB
            ));
        }
    })
    .await;
    let streaming_ms = now() - start;
    let streamed = match streamed {
        Ok(d) => d,
        Err(e) => return json!({"error": e.to_string()}),
    };
    // After streaming, so that the streaming run starts with a cold hasher
    // as a user's first file does.
    let in_memory = hash_in_memory(bytes);

    progress.emit("Reading the Blob into one buffer for WebCrypto…".to_owned());
    let start = now();
    let buffer = JsFuture::from(blob.array_buffer()).await;
    let read_ms = now() - start;
    let webcrypto = match buffer {
        Ok(buffer) => {
            let array = js_sys::Uint8Array::new(&buffer);
            progress.emit("Hashing with WebCrypto digest (one shot)…".to_owned());
            let start = now();
            let digest = sha256_webcrypto(&array).await;
            let digest_ms = now() - start;
            match digest {
                Ok(d) => json!({
                    "digest_ms": round(digest_ms, 1),
                    "digest_mb_s": round(mb_per_s(bytes, digest_ms), 1),
                    "read_ms": round(read_ms, 1),
                    "read_and_digest_mb_s": round(mb_per_s(bytes, read_ms + digest_ms), 1),
                    "matches_streaming": d == streamed,
                }),
                Err(e) => json!({"error": e}),
            }
        }
        Err(e) => {
            json!({"error": format!("cannot read the whole Blob into memory: {}", js_err(e))})
        }
    };
    json!({
        "bytes": bytes,
        "chunk_bytes": DEFAULT_CHUNK,
        "sha256": merkle::hex(&streamed),
        "wasm_streaming_ms": round(streaming_ms, 1),
        "wasm_streaming_mb_s": round(mb_per_s(bytes, streaming_ms), 1),
        "chunked_reads_only_mb_s": match reads {
            Ok(()) => json!(round(mb_per_s(bytes, read_chunks_ms), 1)),
            Err(e) => json!({"error": e}),
        },
        "wasm_in_memory_mb_s": in_memory,
        "webcrypto": webcrypto,
    })
}

fn checkpoint_section() -> serde_json::Value {
    let (policy, note) = match cosigned_checkpoint() {
        Ok(x) => x,
        Err(e) => return json!({"error": e}),
    };
    // Warm up, then time.
    let _ = policy.evaluate(note.as_bytes());
    let runs = 200;
    let start = now();
    let mut ok = 0;
    for _ in 0..runs {
        if policy.evaluate(note.as_bytes()).is_ok() {
            ok += 1;
        }
    }
    let ms = now() - start;
    json!({
        "runs": runs,
        "all_trusted": ok == runs,
        "per_checkpoint_us": round(ms * 1000.0 / f64::from(runs), 1),
    })
}

async fn bundle_section(policies: &TrustPolicies) -> serde_json::Value {
    let trials = match get_json::<SearchResults>("/api/v1/trials?q=").await {
        Ok(r) => r.trials,
        Err(e) => return json!({"skipped": format!("no registry search: {e}")}),
    };
    // The trial with the most entries: the heaviest bundle at hand.
    let Some(trial) = trials.iter().max_by_key(|t| t.entries) else {
        return json!({"skipped": "the registry has no trials"});
    };
    let bytes = match get_bytes(&format!("/api/v1/trials/{}/bundle", trial.trial_id)).await {
        Ok(b) => b,
        Err(e) => return json!({"skipped": e.to_string()}),
    };
    let bundle = match verifier::bundle::Bundle::parse(&bytes) {
        Ok(b) => b,
        Err(e) => return json!({"error": e.to_string()}),
    };
    let Some(policy) = policies.for_origin(&bundle.origin).next() else {
        return json!({"skipped": format!("no pinned policy for {}", bundle.origin)});
    };
    let first = bundle.verify(policy, &[]);
    let runs = 10;
    let start = now();
    for _ in 0..runs {
        let _ = verifier::report::verify_bundle(&bytes, policy, &[]);
    }
    let ms = now() - start;
    json!({
        "trial_id": trial.trial_id,
        "entries": bundle.entries.len(),
        "bundle_bytes": bytes.len(),
        "verdict": first.verdict.as_str(),
        "runs": runs,
        "per_bundle_ms": round(ms / f64::from(runs), 2),
    })
}

async fn run(
    config: BenchConfig,
    policies: TrustPolicies,
    progress: Callback<String>,
) -> serde_json::Value {
    let sha256 = sha256_section(config, &progress).await;
    progress.emit("Verifying checkpoints…".to_owned());
    let checkpoint = checkpoint_section();
    progress.emit("Verifying an evidence bundle…".to_owned());
    let bundle = bundle_section(&policies).await;
    progress.emit("Measuring the portal's size…".to_owned());
    let assets = asset_sizes().await;
    let user_agent = web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default();
    json!({
        "sha256": sha256,
        "checkpoint_3_cosignatures": checkpoint,
        "bundle_verification": bundle,
        "assets": assets,
        "user_agent": user_agent,
        "how_to_run_1_gib": "open /bench?mib=1024&auto=1 (or cargo xtask bench-web --mib 1024)",
    })
}

/// The benchmark page.
#[component]
pub fn Bench() -> Html {
    crate::hooks::use_chunk_reader();
    let app = use_app();
    let config = use_memo((), |()| {
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        parse_query(&query)
    });
    let status = use_state(|| "Not started.".to_owned());
    let results = use_state(|| None::<String>);
    let running = use_state(|| false);

    let start = {
        let status = status.clone();
        let results = results.clone();
        let running = running.clone();
        let config = *config;
        let policies = app.policies.clone();
        Callback::from(move |()| {
            if *running {
                return;
            }
            running.set(true);
            let status = status.clone();
            let results = results.clone();
            let running = running.clone();
            let policies = policies.as_deref().cloned().unwrap_or_default();
            let progress = Callback::from(move |s: String| status.set(s));
            wasm_bindgen_futures::spawn_local(async move {
                let value = run(config, policies, progress.clone()).await;
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                progress.emit("Done.".to_owned());
                results.set(Some(text));
                running.set(false);
            });
        })
    };
    {
        let start = start.clone();
        let auto = config.auto;
        let ready = app.policies.is_some();
        use_effect_with(ready, move |ready| {
            if auto && *ready {
                start.emit(());
            }
        });
    }
    let onclick = {
        let start = start.clone();
        Callback::from(move |_| start.emit(()))
    };
    let mut note = String::new();
    let _ = write!(
        note,
        "Runs on a generated {} MiB Blob; add ?mib=1024 to the address for 1 GiB.",
        config.mib
    );
    html! {
        <article class="page bench">
            <h1>{ "Benchmark" }</h1>
            <p>
                { "Measures, in this browser and in one run on the same data: SHA-256 with this \
                   portal's streaming WebAssembly hasher against WebCrypto's one-shot digest, \
                   checkpoint verification with three witness cosignatures, evidence bundle \
                   verification, and the portal's download size." }
            </p>
            <p class="note">{ note }</p>
            <button type="button" {onclick} disabled={*running} data-testid="bench-run">
                { "Run the benchmark" }
            </button>
            <p role="status" aria-live="polite" data-testid="bench-status">{ (*status).clone() }</p>
            if let Some(json) = &*results {
                <h2>{ "Results" }</h2>
                <pre data-testid="bench-results" tabindex="0">{ json.clone() }</pre>
            }
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parsing() {
        assert_eq!(
            parse_query(""),
            BenchConfig {
                mib: 256,
                auto: false
            }
        );
        assert_eq!(
            parse_query("?mib=1024&auto=1"),
            BenchConfig {
                mib: 1024,
                auto: true
            }
        );
        assert_eq!(parse_query("?mib=0&x=y").mib, 1);
    }

    #[test]
    fn the_bench_checkpoint_is_trusted() {
        let (policy, note) = cosigned_checkpoint().unwrap();
        let trusted = policy.evaluate(note.as_bytes()).unwrap();
        assert_eq!(trusted.cosignatures.len(), 3);
    }
}
