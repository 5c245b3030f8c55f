//! The trials JSON API (DESIGN §4): search, one trial's entries with their
//! witnessed times, and its evidence bundle.
//!
//! - `GET /api/v1/trials?q=&limit=` → `{"trials":[{trial_id, title,
//!   acronym, conditions, sponsor, status, registered_index, entries}],
//!   "total":N}`, ranked by [`crate::index`] (an empty `q` lists the most
//!   recently registered trials). `limit` defaults to
//!   [`index::DEFAULT_LIMIT`], at most [`index::MAX_LIMIT`]. 400 for a
//!   query that is too long or has too many words.
//! - `GET /api/v1/trials/{id}` → `{trial_id, head, title, acronym, sponsor,
//!   status, registered_index, checkpoint_size, entries:[{index,
//!   entry_hash, kind, anchor, witnessed_time}]}`. `head` is the trial's
//!   current head `entry_hash` (the `prev` of its next owner entry);
//!   `witnessed_time` is the quorum time (RFC 3339, UTC) of the entry's
//!   anchor — the first archived checkpoint containing it that meets the
//!   policy's quorum — and `anchor` that checkpoint's size; both are `null`
//!   while the entry is pending. `checkpoint_size` is the size of the latest
//!   trusted checkpoint (`null` before the first). The id is read leniently
//!   ([`TrialId::parse_lenient`]: case, `O`/`I`/`L` look-alikes, optional
//!   `TL-`); an ill-formed or unknown id is a 404.
//! - `GET /api/v1/trials/{id}/bundle` → the evidence bundle
//!   ([`crate::evidence`]) as an `application/json` download
//!   (`Content-Disposition: attachment; filename="<id>.bundle.json"`).
//!   Entries not yet in a trusted checkpoint are left out of the bundle and
//!   listed in the `Trial-Ledger-Pending` header (comma-separated indexes).
//!   409 `not_witnessed` while none of the trial's entries (or no
//!   checkpoint at all) is witnessed yet. Bundles are cached per trial and
//!   head size.
//!
//! Everything here is a convenience view: the portal and `trialverify`
//! check it against tiles, checkpoints and the policy they pin.
//!
//! The handlers are generic over [`LogRead`], so they run against the real
//! [`crate::log::Log`] and against in-memory fakes in tests. Work that may
//! touch storage or verify signatures runs on the blocking pool.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use verifier::entry::TrialId;
use verifier::predicate::{PredicateKind, RecruitmentStatus};
use verifier::report::format_time;

use crate::error::ApiError;
use crate::evidence::{self, Anchors, EvidenceError};
use crate::index::{self, IndexError, TrialIndex, TrialSummary};
use crate::log::LogRead;

/// The response header naming entries left out of a bundle because no
/// trusted checkpoint contains them yet.
pub const PENDING_HEADER: &str = "trial-ledger-pending";

/// Bundles kept in the cache before it starts over.
const BUNDLE_CACHE_TRIALS: usize = 256;

/// The shared state of the trials API.
pub struct TrialsApi<L> {
    log: L,
    index: RwLock<TrialIndex>,
    anchors: Anchors,
    bundles: Mutex<HashMap<TrialId, CachedBundle>>,
}

/// A built bundle, valid while the head and the trial's entries are the same.
#[derive(Clone)]
struct CachedBundle {
    head_size: u64,
    entries: usize,
    json: Bytes,
    pending: Vec<u64>,
}

impl<L: LogRead + 'static> TrialsApi<L> {
    /// The API over `log`; the search index is built on first use.
    pub fn new(log: L) -> TrialsApi<L> {
        TrialsApi {
            log,
            index: RwLock::new(TrialIndex::new()),
            anchors: Anchors::new(),
            bundles: Mutex::new(HashMap::new()),
        }
    }

    /// The log read by the API.
    pub fn log(&self) -> &L {
        &self.log
    }

    /// Brings the search index up to date with the ledger, if it changed.
    fn refresh_index(&self) {
        let stale = {
            let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
            self.log.with_ledger(&mut |ledger| index.is_stale(ledger))
        };
        if stale {
            let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
            self.log.with_ledger(&mut |ledger| {
                index.refresh(ledger);
            });
        }
    }
}

/// The routes `/api/v1/trials`, `/api/v1/trials/{id}` and
/// `/api/v1/trials/{id}/bundle` over `log`.
pub fn trials_router<L: LogRead + 'static>(log: L) -> Router {
    router(Arc::new(TrialsApi::new(log)))
}

/// [`trials_router`] with an existing state (tests keep a handle on it).
pub fn router<L: LogRead + 'static>(api: Arc<TrialsApi<L>>) -> Router {
    Router::new()
        .route("/api/v1/trials", get(search::<L>))
        .route("/api/v1/trials/{id}", get(trial::<L>))
        .route("/api/v1/trials/{id}/bundle", get(bundle::<L>))
        .with_state(api)
}

/// Query parameters of the search.
#[derive(Debug, Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
    limit: Option<usize>,
}

#[derive(Serialize)]
struct SearchResponse<'a> {
    trials: Vec<&'a TrialSummary>,
    total: usize,
}

async fn search<L: LogRead + 'static>(
    State(api): State<Arc<TrialsApi<L>>>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| bad_request("bad_query", e.body_text()))?;
    let limit = params.limit.unwrap_or(index::DEFAULT_LIMIT).max(1);
    // Searching is a scan of pre-folded text (about a millisecond for
    // 10,000 trials): cheap enough for the request task.
    api.refresh_index();
    let index = api.index.read().unwrap_or_else(PoisonError::into_inner);
    let (trials, total) = index.search(&params.q, limit).map_err(|e| match e {
        IndexError::QueryTooLong { .. } => bad_request("query_too_long", e.to_string()),
        IndexError::TooManyWords { .. } => bad_request("query_too_long", e.to_string()),
    })?;
    let body = serde_json::to_vec(&SearchResponse { trials, total })
        .map_err(|e| internal(format!("cannot encode the search results: {e}")))?;
    Ok(json_response(body))
}

/// One entry in the trial view.
#[derive(Debug, Serialize)]
struct EntryView {
    index: u64,
    entry_hash: String,
    kind: PredicateKind,
    anchor: Option<u64>,
    witnessed_time: Option<String>,
}

/// The trial view.
#[derive(Debug, Serialize)]
struct TrialView {
    trial_id: String,
    head: String,
    title: String,
    acronym: Option<String>,
    sponsor: String,
    status: RecruitmentStatus,
    registered_index: u64,
    checkpoint_size: Option<u64>,
    entries: Vec<EntryView>,
}

async fn trial<L: LogRead + 'static>(
    State(api): State<Arc<TrialsApi<L>>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let trial_id = parse_id(&id)?;
    let view = blocking(move || trial_view(&api, &trial_id)).await??;
    let body =
        serde_json::to_vec(&view).map_err(|e| internal(format!("cannot encode the trial: {e}")))?;
    Ok(json_response(body))
}

fn trial_view<L: LogRead>(api: &TrialsApi<L>, trial_id: &TrialId) -> Result<TrialView, ApiError> {
    // Copy what is needed out of the ledger: the lock is the sequencer's.
    let view = api.log.with_ledger(&mut |ledger| {
        let trial = ledger.trial(trial_id)?;
        let current = trial.current()?;
        Some(TrialView {
            trial_id: trial.trial_id.to_string(),
            head: trial.head_hex(),
            title: current.trial.public_title.clone(),
            acronym: current.trial.acronym.clone(),
            sponsor: current.trial.primary_sponsor.clone(),
            status: trial.status,
            registered_index: trial.registration().map_or(0, |r| r.index),
            checkpoint_size: None,
            entries: trial
                .entries
                .iter()
                .map(|e| EntryView {
                    index: e.index,
                    entry_hash: e.entry_hash(),
                    kind: e.kind,
                    anchor: None,
                    witnessed_time: None,
                })
                .collect(),
        })
    });
    let mut view = view.ok_or_else(|| unknown_trial(trial_id))?;
    let snapshot = api.anchors.snapshot(&api.log).map_err(evidence_error)?;
    view.checkpoint_size = snapshot.head.as_ref().map(|h| h.size);
    for entry in &mut view.entries {
        if let Some(anchor) = api
            .anchors
            .anchor(&api.log, &snapshot, entry.index)
            .map_err(evidence_error)?
        {
            entry.anchor = Some(anchor.size);
            entry.witnessed_time = anchor.quorum_time.map(format_time);
        }
    }
    Ok(view)
}

async fn bundle<L: LogRead + 'static>(
    State(api): State<Arc<TrialsApi<L>>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let trial_id = parse_id(&id)?;
    let filename = format!("{trial_id}.bundle.json");
    let cached = blocking(move || bundle_json(&api, &trial_id)).await??;
    let mut response = (StatusCode::OK, cached.json).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // The id is `TL-` and Crockford base32: always a valid header value.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if !cached.pending.is_empty() {
        let list: Vec<String> = cached.pending.iter().map(u64::to_string).collect();
        if let Ok(value) = HeaderValue::from_str(&list.join(",")) {
            headers.insert(HeaderName::from_static(PENDING_HEADER), value);
        }
    }
    Ok(response)
}

fn bundle_json<L: LogRead>(
    api: &TrialsApi<L>,
    trial_id: &TrialId,
) -> Result<CachedBundle, ApiError> {
    let indexes = api
        .log
        .with_ledger(&mut |ledger| {
            ledger
                .trial(trial_id)
                .map(|t| t.entries.iter().map(|e| e.index).collect::<Vec<u64>>())
        })
        .ok_or_else(|| unknown_trial(trial_id))?;
    let snapshot = api.anchors.snapshot(&api.log).map_err(evidence_error)?;
    let head_size = snapshot.head.as_ref().map(|h| h.size);
    if let Some(cached) = api
        .bundles
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(trial_id)
        && Some(cached.head_size) == head_size
        && cached.entries == indexes.len()
    {
        return Ok(cached.clone());
    }
    let evidence = evidence::build_bundle(&api.log, &api.anchors, trial_id, &indexes)
        .map_err(evidence_error)?;
    let built = CachedBundle {
        head_size: evidence.head_size,
        entries: indexes.len(),
        json: Bytes::from(evidence.bundle.to_json_pretty()),
        pending: evidence.pending,
    };
    let mut cache = api.bundles.lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= BUNDLE_CACHE_TRIALS {
        // Crude but bounded: the next requests fill it again.
        cache.clear();
    }
    cache.insert(trial_id.clone(), built.clone());
    Ok(built)
}

/// Runs `f` on the blocking pool (it may read storage and verify signatures).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| internal(format!("the request's worker failed: {e}")))
}

fn parse_id(id: &str) -> Result<TrialId, ApiError> {
    TrialId::parse_lenient(id).map_err(|e| ApiError::not_found(format!("no such trial: {e}")))
}

fn unknown_trial(trial_id: &TrialId) -> ApiError {
    ApiError::not_found(format!("trial {trial_id} is not registered on this ledger"))
}

fn json_response(body: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status: StatusCode::BAD_REQUEST,
        code,
        message: message.into(),
    }
}

fn internal(message: String) -> ApiError {
    tracing::error!("{message}");
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "internal",
        message,
    }
}

fn evidence_error(error: EvidenceError) -> ApiError {
    match error {
        EvidenceError::NoTrustedCheckpoint | EvidenceError::NotWitnessed { .. } => ApiError {
            status: StatusCode::CONFLICT,
            code: "not_witnessed",
            message: error.to_string(),
        },
        EvidenceError::TooManyEntries { .. } => ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "too_many_entries",
            message: error.to_string(),
        },
        other => internal(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::fake::{FakeLog, Partials};
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
    use verifier::entry::entry_hash;
    use verifier::fixtures;
    use verifier::policy::Policy;
    use verifier::report::{Verdict, verify_bundle};

    /// 2024-01-15T12:00:00Z.
    const T0: u64 = 1_705_320_000;

    async fn get(app: &Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let response = app
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body.to_vec())
    }

    fn json(body: &[u8]) -> serde_json::Value {
        serde_json::from_slice(body).unwrap()
    }

    /// The example trial's registration and amendment cosigned, its status
    /// update sequenced but not yet in a checkpoint.
    fn log() -> (FakeLog, TrialId) {
        let mut log = FakeLog::new(Partials::Latest);
        log.fill(5);
        let chain = fixtures::chain().unwrap();
        log.append(chain.entries[0].clone());
        log.fill(3);
        log.publish(T0);
        log.append(chain.entries[1].clone());
        log.publish(T0 + 3600);
        log.append(chain.entries[2].clone());
        (log, chain.trial_id)
    }

    fn app(log: FakeLog) -> (Router, Policy) {
        let policy = log.policy.clone();
        (trials_router(log), policy)
    }

    #[tokio::test]
    async fn search_lists_and_finds() {
        let (log, trial_id) = log();
        let (app, _) = app(log);
        let (status, headers, body) = get(&app, "/api/v1/trials").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        let body = json(&body);
        assert_eq!(body["total"], 1);
        let trial = &body["trials"][0];
        assert_eq!(trial["trial_id"], trial_id.as_str());
        assert_eq!(trial["acronym"], "SALT-BP");
        assert_eq!(trial["sponsor"], "Northbridge University Hospital");
        assert_eq!(trial["status"], "recruiting");
        assert_eq!(trial["registered_index"], 5);
        assert_eq!(trial["entries"], 3);
        assert_eq!(trial["conditions"][0], "Hypertension");

        for q in [
            "salt%20substitute",
            "HYPERTENSION",
            "northbridge",
            "NCT09876543",
        ] {
            let (status, _, body) = get(&app, &format!("/api/v1/trials?q={q}")).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                json(&body)["trials"][0]["trial_id"],
                trial_id.as_str(),
                "{q}"
            );
        }
        let (_, _, body) = get(&app, "/api/v1/trials?q=malaria").await;
        assert_eq!(json(&body), serde_json::json!({"trials": [], "total": 0}));

        let long = "a".repeat(index::MAX_QUERY_BYTES + 1);
        let (status, _, body) = get(&app, &format!("/api/v1/trials?q={long}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(json(&body)["error"]["code"], "query_too_long");
        let (status, _, body) = get(&app, "/api/v1/trials?limit=many").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(json(&body)["error"]["code"], "bad_query");
    }

    #[tokio::test]
    async fn trial_view_has_witnessed_times() {
        let (log, trial_id) = log();
        let chain = fixtures::chain().unwrap();
        let (app, _) = app(log);
        let uri = format!("/api/v1/trials/{}", trial_id.as_str().to_lowercase());
        let (status, _, body) = get(&app, &uri).await;
        assert_eq!(status, StatusCode::OK);
        let body = json(&body);
        assert_eq!(body["trial_id"], trial_id.as_str());
        assert_eq!(body["head"], entry_hash(&chain.entries[2]));
        assert_eq!(body["checkpoint_size"], 10);
        let entries = body["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0]["index"], 5);
        assert_eq!(entries[0]["kind"], "registration");
        assert_eq!(entries[0]["entry_hash"], entry_hash(&chain.entries[0]));
        // Quorum 2: the second witness, a minute after the first.
        assert_eq!(entries[0]["anchor"], 9);
        assert_eq!(entries[0]["witnessed_time"], "2024-01-15T12:01:00Z");
        assert_eq!(entries[1]["kind"], "amendment");
        assert_eq!(entries[1]["witnessed_time"], "2024-01-15T13:01:00Z");
        assert_eq!(entries[2]["kind"], "status");
        assert!(entries[2]["witnessed_time"].is_null());
        assert!(entries[2]["anchor"].is_null());

        for bad in ["TL-ZZZZZZZZZZZZZZZZ", "not-an-id", "TL-"] {
            let (status, _, body) = get(&app, &format!("/api/v1/trials/{bad}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
            assert_eq!(json(&body)["error"]["code"], "not_found");
            let (status, _, _) = get(&app, &format!("/api/v1/trials/{bad}/bundle")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        }
    }

    #[tokio::test]
    async fn bundle_downloads_and_verifies() {
        let (log, trial_id) = log();
        let (app, policy) = app(log);
        let uri = format!("/api/v1/trials/{trial_id}/bundle");
        let (status, headers, body) = get(&app, &uri).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(
            headers[header::CONTENT_DISPOSITION],
            format!("attachment; filename=\"{trial_id}.bundle.json\"").as_str()
        );
        // The status update is not in a checkpoint yet.
        assert_eq!(headers[PENDING_HEADER], "10");
        let report = verify_bundle(&body, &policy, &[]).unwrap();
        assert_ne!(
            report.verdict,
            Verdict::Failed,
            "{}",
            report.to_json_pretty()
        );
        assert_eq!(report.timeline.len(), 2);
        // Cached: the same bytes.
        let (_, _, again) = get(&app, &uri).await;
        assert_eq!(again, body);
    }

    #[tokio::test]
    async fn bundle_before_any_witnessed_checkpoint_is_a_conflict() {
        let mut log = FakeLog::new(Partials::All);
        let registration = fixtures::registration_entry().unwrap();
        let trial_id = TrialId::for_registration(&registration);
        log.append(registration);
        let (app, _) = app(log);
        let (status, _, body) = get(&app, &format!("/api/v1/trials/{trial_id}/bundle")).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(json(&body)["error"]["code"], "not_witnessed");
        let (status, _, body) = get(&app, &format!("/api/v1/trials/{trial_id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(json(&body)["checkpoint_size"].is_null());
    }
}
