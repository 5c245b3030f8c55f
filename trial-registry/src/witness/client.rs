//! The log's side of C2SP tlog-witness: asking a witness to cosign a checkpoint.
//!
//! [`WitnessClient`] talks to a witness in this process or over HTTP, and
//! never trusts what comes back: every returned cosignature line is verified
//! with the witness's key over the checkpoint before it is handed on, lines
//! from other keys are ignored (as the spec requires), and a 409 body must be
//! a well-formed `text/x.tlog.size`.
//!
//! HTTP is plain `http://` only (reqwest without TLS features), which is what
//! loopback and in-cluster witnesses need; an `https://` witness would need
//! reqwest's `rustls` feature.
//!
//! What this is not: the retry policy. The integrator decides what to do with
//! a [`WitnessCallError`] (resend with the witness's size on `Conflict`,
//! back off on `Unreachable`, alert on anything else).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use verifier::cosignature;
use verifier::merkle::Hash;
use verifier::note::{KeyType, Note, VerifierKey};

use super::http::{TLOG_SIZE_CONTENT_TYPE, unix_now};
use super::protocol::{AddCheckpointError, Witness};

/// How long one HTTP call to a witness may take, connection included.
pub const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest response body read from a witness.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// How much of a refusal's body is quoted in the error.
const MAX_QUOTED_BYTES: usize = 512;

/// Formats an `add-checkpoint` request body: `old <size>`, one base64 line per
/// proof hash, an empty line, then the signed checkpoint note.
pub fn add_checkpoint_request(old_size: u64, proof: &[Hash], signed_checkpoint: &str) -> String {
    let mut body = format!("old {old_size}\n");
    for hash in proof {
        body.push_str(&BASE64.encode(hash));
        body.push('\n');
    }
    body.push('\n');
    body.push_str(signed_checkpoint);
    body
}

/// Why a witness did not cosign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessCallError {
    /// 409: the witness last cosigned another size; resend with this old size
    /// (and a consistency proof from it).
    #[error("the witness last cosigned size {size}: resend from that size")]
    Conflict {
        /// The size of the latest checkpoint the witness cosigned.
        size: u64,
    },
    /// The witness refused (any other non-200 status, including a 409 at the
    /// very size sent, which means it holds a different root there: a fork).
    #[error("the witness refused with status {status}: {message}")]
    Refused {
        /// The HTTP status (or the status the in-process witness would give).
        status: u16,
        /// The witness's reason.
        message: String,
    },
    /// The witness could not be reached (connection, timeout).
    #[error("the witness is unreachable: {0}")]
    Unreachable(String),
    /// The witness answered something that is not a valid answer: a bad or
    /// missing cosignature, a malformed 409 body.
    #[error("the witness's response is invalid: {0}")]
    BadResponse(String),
    /// The request could not be formed (bad URL, malformed checkpoint note).
    #[error("cannot ask the witness: {0}")]
    InvalidRequest(String),
}

/// A witness to ask for cosignatures: in this process, or over HTTP.
#[derive(Debug, Clone)]
// A registry holds a handful of these; boxing the key would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum WitnessClient {
    /// A witness running in this process (the registry's local demo witnesses).
    InProcess(Arc<Witness>),
    /// A witness at `url` (its submission prefix; `/add-checkpoint` is appended).
    Http {
        /// The submission prefix, e.g. `http://127.0.0.1:7380`.
        url: String,
        /// The witness's cosignature (type 0x04) verifier key.
        key: VerifierKey,
        /// The HTTP client (shareable; keeps connections alive).
        http: reqwest::Client,
    },
}

impl WitnessClient {
    /// A client for the witness at `url` (`http://host:port[/prefix]`) whose
    /// cosignature key is `key`, with a [`WITNESS_TIMEOUT`] per call.
    pub fn http(url: &str, key: VerifierKey) -> Result<WitnessClient, WitnessCallError> {
        if key.key_type() != KeyType::Cosignature {
            return Err(WitnessCallError::InvalidRequest(format!(
                "witness key {key} has type {}; witnesses cosign with type 0x04 keys",
                key.key_type()
            )));
        }
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            WitnessCallError::InvalidRequest(format!("witness URL {url:?} is invalid: {e}"))
        })?;
        if parsed.scheme() != "http" {
            return Err(WitnessCallError::InvalidRequest(format!(
                "witness URL {url:?}: only http:// is supported (https needs reqwest's rustls feature)"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(WITNESS_TIMEOUT)
            .build()
            .map_err(|e| WitnessCallError::InvalidRequest(format!("HTTP client: {e}")))?;
        Ok(WitnessClient::Http {
            url: url.trim_end_matches('/').to_string(),
            key,
            http,
        })
    }

    /// The witness's cosignature verifier key.
    pub fn key(&self) -> &VerifierKey {
        match self {
            WitnessClient::InProcess(witness) => witness.verifier_key_ref(),
            WitnessClient::Http { key, .. } => key,
        }
    }

    /// Asks the witness to cosign `signed_checkpoint`, given the size it last
    /// cosigned (`old_size`) and a consistency proof from it. Returns the
    /// witness's verified cosignature line(s), each ending in a newline, ready
    /// to append to the note.
    pub async fn add_checkpoint(
        &self,
        old_size: u64,
        proof: &[Hash],
        signed_checkpoint: &str,
    ) -> Result<Vec<String>, WitnessCallError> {
        let text = Note::parse(signed_checkpoint.as_bytes())
            .map_err(|e| {
                WitnessCallError::InvalidRequest(format!("the checkpoint note is malformed: {e}"))
            })?
            .text()
            .to_string();
        let body = add_checkpoint_request(old_size, proof, signed_checkpoint);
        let response = match self {
            WitnessClient::InProcess(witness) => call_in_process(witness, body).await?,
            WitnessClient::Http { url, http, .. } => call_http(http, url, body, old_size).await?,
        };
        verified_cosignatures(self.key(), &text, &response)
    }
}

async fn call_in_process(witness: &Arc<Witness>, body: String) -> Result<String, WitnessCallError> {
    let witness = Arc::clone(witness);
    let now = unix_now();
    let outcome = tokio::task::spawn_blocking(move || witness.add_checkpoint(body.as_bytes(), now))
        .await
        .map_err(|e| WitnessCallError::Unreachable(format!("in-process witness task: {e}")))?;
    outcome.map_err(|refusal| match refusal {
        // A fork is `AddCheckpointError::Fork`, so this is a plain size conflict.
        AddCheckpointError::Conflict { size } => WitnessCallError::Conflict { size },
        other => WitnessCallError::Refused {
            status: other.status(),
            message: other.to_string(),
        },
    })
}

async fn call_http(
    http: &reqwest::Client,
    url: &str,
    body: String,
    old_size: u64,
) -> Result<String, WitnessCallError> {
    let mut response = http
        .post(format!("{url}/add-checkpoint"))
        .body(body)
        .send()
        .await
        .map_err(|e| WitnessCallError::Unreachable(error_chain(&e)))?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| WitnessCallError::Unreachable(error_chain(&e)))?
    {
        if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(WitnessCallError::BadResponse(format!(
                "status {status} with a body over {MAX_RESPONSE_BYTES} bytes"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    match status {
        200 => String::from_utf8(bytes)
            .map_err(|_| WitnessCallError::BadResponse("the 200 body is not UTF-8".into())),
        409 => {
            let size = parse_size_body(content_type.as_deref(), &bytes)?;
            if size == old_size {
                // The old size matched, so the conflict is about the root:
                // the witness cosigned a different tree of this size.
                Err(WitnessCallError::Refused {
                    status,
                    message: format!(
                        "the witness cosigned a different root at size {size}: the log has forked"
                    ),
                })
            } else {
                Err(WitnessCallError::Conflict { size })
            }
        }
        _ => {
            let quoted = &bytes[..bytes.len().min(MAX_QUOTED_BYTES)];
            Err(WitnessCallError::Refused {
                status,
                message: String::from_utf8_lossy(quoted).trim().to_string(),
            })
        }
    }
}

/// Parses a 409 body: `text/x.tlog.size`, a canonical decimal and a newline.
fn parse_size_body(content_type: Option<&str>, body: &[u8]) -> Result<u64, WitnessCallError> {
    let media_type = content_type
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if media_type != Some(TLOG_SIZE_CONTENT_TYPE) {
        return Err(WitnessCallError::BadResponse(format!(
            "409 with content type {content_type:?}, not {TLOG_SIZE_CONTENT_TYPE}"
        )));
    }
    std::str::from_utf8(body)
        .ok()
        .and_then(|text| text.strip_suffix('\n'))
        .filter(|digits| {
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (*digits == "0" || !digits.starts_with('0'))
        })
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| {
            WitnessCallError::BadResponse(format!(
                "409 body {:?} is not a tree size and a newline",
                String::from_utf8_lossy(&body[..body.len().min(40)])
            ))
        })
}

/// Checks a 200 body: signature lines only, and at least one cosignature by
/// `key` over `text` that verifies; returns those lines.
fn verified_cosignatures(
    key: &VerifierKey,
    text: &str,
    response: &str,
) -> Result<Vec<String>, WitnessCallError> {
    if response.is_empty() || !response.ends_with('\n') {
        return Err(WitnessCallError::BadResponse(
            "the body must be one or more signature lines, each ending in a newline".into(),
        ));
    }
    // The spec's suggested parse: the response appended to the checkpoint
    // text is a note whose signature lines are exactly the response's.
    let note = Note::parse(format!("{text}\n{response}").as_bytes())
        .map_err(|e| WitnessCallError::BadResponse(format!("not signature lines: {e}")))?;
    let mut lines = Vec::new();
    for signature in note.signatures().iter().filter(|s| key.matches(s)) {
        let timestamp = cosignature::verify_cosignature(key, text, &signature.signature)
            .map_err(|e| WitnessCallError::BadResponse(e.to_string()))?;
        if timestamp == 0 {
            return Err(WitnessCallError::BadResponse(
                "the cosignature's timestamp is 0, which the spec forbids".into(),
            ));
        }
        let line = signature.to_line();
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    if lines.is_empty() {
        return Err(WitnessCallError::BadResponse(format!(
            "no cosignature by {} (key ID {:08x}) in the response",
            key.name(),
            key.key_id()
        )));
    }
    Ok(lines)
}

/// An error and its sources on one line (reqwest's top level says little).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_requests_as_the_spec_shows() {
        let body = add_checkpoint_request(2, &[[0u8; 32], [255u8; 32]], "o\n3\nR\n\n— o sig\n");
        assert_eq!(
            body,
            "old 2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\
             //////////////////////////////////////////8=\n\no\n3\nR\n\n— o sig\n"
        );
        assert_eq!(add_checkpoint_request(0, &[], "x"), "old 0\n\nx");
    }

    #[test]
    fn size_bodies_must_be_exact() {
        let ct = Some("text/x.tlog.size");
        assert_eq!(parse_size_body(ct, b"12\n"), Ok(12));
        assert_eq!(
            parse_size_body(Some("text/x.tlog.size; q=1"), b"0\n"),
            Ok(0)
        );
        for body in [&b"12"[..], b"012\n", b"-1\n", b"\n", b"1 2\n"] {
            assert!(parse_size_body(ct, body).is_err(), "{body:?}");
        }
        assert!(parse_size_body(Some("text/plain"), b"12\n").is_err());
        assert!(parse_size_body(None, b"12\n").is_err());
    }

    #[test]
    fn http_urls_only() {
        let key = crate::witness::generate_signer_key("w", KeyType::Cosignature)
            .unwrap()
            .verifier_key();
        assert!(WitnessClient::http("http://127.0.0.1:1/", key.clone()).is_ok());
        for url in ["https://w.example", "not a url", "ftp://x"] {
            assert!(matches!(
                WitnessClient::http(url, key.clone()),
                Err(WitnessCallError::InvalidRequest(_))
            ));
        }
        let log_key = crate::witness::generate_signer_key("w", KeyType::Ed25519)
            .unwrap()
            .verifier_key();
        assert!(WitnessClient::http("http://127.0.0.1:1", log_key).is_err());
    }
}
