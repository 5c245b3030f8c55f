//! `POST /api/v1/entries`: submitting a ledger entry (a DSSE envelope).
//!
//! The body is the entry's exact bytes. It is parsed and its signature and
//! schema checked here, on the request's task (so parsing runs in parallel
//! across cores), then handed to the log's sequencer, which checks the trial
//! rules against the current state, and answers once the entry is durable.
//!
//! | outcome | status | `error.code` |
//! |---|---|---|
//! | newly sequenced, durable | 201 `{"index","entry_hash","trial_id"}` | |
//! | identical entry already in the log (idempotent) | 200, same body, its existing index | |
//! | body over 128 KiB, or entry over 65,535 bytes | 413 | `body_too_large`, `entry_too_large` |
//! | not a DSSE envelope / not canonical / bad base64 | 400 | `malformed_envelope` |
//! | not an in-toto statement of the right type | 400 | `malformed_statement` |
//! | unknown `predicateType` | 422 | `unknown_predicate_type` |
//! | predicate of the wrong shape (missing or unknown field) | 422 | `invalid_predicate` |
//! | a field rule broken | 422 | `invalid_field` |
//! | `signer_key` not an Ed25519 key | 422 | `invalid_signer_key` |
//! | signature missing, extra, of another key, or not verifying | 422 | `invalid_signature` |
//! | the trial is not registered | 422 | `unknown_trial` |
//! | consent for a form the trial did not register | 422 | `unknown_consent_form` |
//! | owner-only entry signed by another key | 403 | `not_owner` |
//! | `prev` is not the trial's current head | 409 | `stale_prev` |
//! | too many consent entries from this address | 429 (`Retry-After`) | `rate_limited` |
//! | sequencer queue full, storage failing, shutting down | 503 (`Retry-After`) | `busy`, `unavailable` |
//!
//! Every refusal leaves the log unchanged. The consent rate limit is a token
//! bucket per client IP address (configured in [`crate::log::LogConfig`]).
//!
//! What this is not: the rules themselves ([`verifier::trial::Ledger`],
//! [`verifier::entry::Entry::parse`]) or the sequencing ([`crate::log`]).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest as _, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use verifier::dsse::DsseError;
use verifier::entry::{Entry, EntryError, MAX_ENTRY_SIZE};
use verifier::predicate::PredicateKind;
use verifier::trial::RuleError;

use crate::error::ApiError;
use crate::log::{Log, RateLimit, SubmitError, Submitted};

/// The largest request body read (an entry is at most 65,535 bytes; the
/// slack lets an oversized entry be named as such).
pub const MAX_BODY_BYTES: usize = 128 * 1024;

struct Entries {
    log: Log,
    consent_limit: Option<RateLimiter>,
}

/// The submission route, `POST /api/v1/entries`.
pub fn entries_router(log: Log) -> Router {
    let consent_limit = log.config().consent_rate_limit.map(RateLimiter::new);
    Router::new()
        .route("/api/v1/entries", post(submit))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(Arc::new(Entries { log, consent_limit }))
}

fn api_error(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        code,
        message: message.into(),
    }
}

/// An error response with a `Retry-After` header.
fn retry_after(error: ApiError, after: Duration) -> Response {
    let mut response = error.into_response();
    let seconds = after.as_secs_f64().ceil().max(1.0) as u64;
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

async fn submit(State(entries): State<Arc<Entries>>, request: Request) -> Response {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        Err(rejection) => return body_rejection(rejection).into_response(),
    };
    let entry = match Entry::parse(&body) {
        Ok(entry) => entry,
        Err(e) => return refusal(&RuleError::Invalid(e)).into_response(),
    };
    if entry.kind() == PredicateKind::Consent
        && let Some(limiter) = &entries.consent_limit
        && let Err(wait) = limiter.take(client)
    {
        return retry_after(
            api_error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "too many consent entries from this address; retry in {} s",
                    wait.as_secs().max(1)
                ),
            ),
            wait,
        );
    }
    match entries.log.submit(entry).await {
        Ok(Submitted::New(receipt)) => (StatusCode::CREATED, axum::Json(receipt)).into_response(),
        Ok(Submitted::Existing(receipt)) => (StatusCode::OK, axum::Json(receipt)).into_response(),
        Err(SubmitError::Refused(rule)) => refusal(&rule).into_response(),
        Err(e @ SubmitError::Busy(_)) => retry_after(
            api_error(StatusCode::SERVICE_UNAVAILABLE, "busy", e.to_string()),
            Duration::from_secs(1),
        ),
        Err(e @ (SubmitError::Unavailable(_) | SubmitError::ShuttingDown)) => retry_after(
            api_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                e.to_string(),
            ),
            Duration::from_secs(5),
        ),
    }
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    match rejection {
        BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "the request body is larger than {MAX_BODY_BYTES} bytes; an entry is at most {MAX_ENTRY_SIZE} bytes"
            ),
        ),
        other => api_error(
            StatusCode::BAD_REQUEST,
            "unreadable_body",
            format!("cannot read the request body: {other}"),
        ),
    }
}

/// The HTTP answer to a refused entry (see the table in the module docs).
pub fn refusal(error: &RuleError) -> ApiError {
    let (status, code) = match error {
        RuleError::Invalid(invalid) => match invalid {
            EntryError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "entry_too_large"),
            EntryError::Envelope(_) => (StatusCode::BAD_REQUEST, "malformed_envelope"),
            EntryError::PayloadType(_)
            | EntryError::Statement(_)
            | EntryError::StatementType(_) => (StatusCode::BAD_REQUEST, "malformed_statement"),
            EntryError::UnknownPredicateType(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "unknown_predicate_type")
            }
            EntryError::Predicate { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_predicate"),
            EntryError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
            EntryError::SignerKey(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_signer_key"),
            EntryError::Signature(DsseError::Json(_) | DsseError::NonCanonical) => {
                (StatusCode::BAD_REQUEST, "malformed_envelope")
            }
            EntryError::Signature(_) | EntryError::SignerKeyMismatch => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_signature")
            }
        },
        RuleError::UnknownTrial(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_trial"),
        // The sequencer answers an identical registration by its index before
        // asking the rules, so this is a registration the log already holds
        // in other bytes — which cannot have the same trial id. Kept for
        // completeness.
        RuleError::DuplicateRegistration(_) => (StatusCode::CONFLICT, "duplicate_registration"),
        RuleError::NotOwner { .. } => (StatusCode::FORBIDDEN, "not_owner"),
        RuleError::StalePrev { .. } => (StatusCode::CONFLICT, "stale_prev"),
        RuleError::UnknownConsentForm { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "unknown_consent_form")
        }
        RuleError::IndexOrder { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    api_error(status, code, error.to_string())
}

/// A token bucket per client address.
struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<Option<IpAddr>, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Buckets kept before idle ones are dropped.
const MAX_BUCKETS: usize = 10_000;

impl RateLimiter {
    fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn per_second(&self) -> f64 {
        f64::from(self.limit.per_minute) / 60.0
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens =
            (bucket.tokens + elapsed * self.per_second()).min(f64::from(self.limit.burst));
        bucket.updated = now;
    }

    /// Takes a token for `client`, or says how long until one is available.
    fn take(&self, client: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let burst = f64::from(self.limit.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS {
            // Full buckets carry no information: drop them.
            buckets.retain(|_, bucket| {
                self.refill(bucket, now);
                bucket.tokens < burst
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        self.refill(bucket, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let rate = self.per_second();
        if rate <= 0.0 {
            return Err(Duration::from_secs(3600));
        }
        Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_allows_a_burst_then_the_rate() {
        let limiter = RateLimiter::new(RateLimit {
            per_minute: 60,
            burst: 3,
        });
        let a = Some(IpAddr::from([127, 0, 0, 1]));
        let b = Some(IpAddr::from([127, 0, 0, 2]));
        for _ in 0..3 {
            limiter.take(a).unwrap();
        }
        let wait = limiter.take(a).unwrap_err();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        // Another address has its own bucket.
        limiter.take(b).unwrap();
    }

    #[test]
    fn refusals_map_to_statuses() {
        let too_large = refusal(&RuleError::Invalid(EntryError::TooLarge(70_000)));
        assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
        let bad_json = refusal(&RuleError::Invalid(EntryError::Envelope(DsseError::Json(
            "x".into(),
        ))));
        assert_eq!(
            (bad_json.status, bad_json.code),
            (StatusCode::BAD_REQUEST, "malformed_envelope")
        );
        let bad_sig = refusal(&RuleError::Invalid(EntryError::Signature(
            DsseError::BadSignature,
        )));
        assert_eq!(bad_sig.code, "invalid_signature");
    }
}
