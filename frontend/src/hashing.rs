//! SHA-256 of a `File` or `Blob`, in the browser, in bounded memory.
//!
//! The blob is read in chunks with `Blob.slice(start, end).arrayBuffer()`,
//! each chunk copied into one reused buffer and fed to a streaming
//! [`sha2::Sha256`]: memory stays at about one chunk however large the file
//! (WebCrypto's `digest` needs the whole file in one buffer). A progress
//! callback runs after every chunk, and each chunk read yields to the event
//! loop, so a progress bar can repaint. Files are never uploaded.
//!
//! The sponsor's and reviewer's pages hash documents with [`sha256_blob`];
//! the benchmark page compares it with WebCrypto.

use std::ops::Range;

use sha2::{Digest as _, Sha256};
use wasm_bindgen::JsCast as _;
use wasm_bindgen_futures::JsFuture;

/// The default chunk: 4 MiB (large enough to amortise each read's cost,
/// small enough to keep memory flat).
pub const DEFAULT_CHUNK: u64 = 4 << 20;

/// Why a blob could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// The chunk size is zero or too large for this browser's memory.
    #[error("invalid chunk size {0} (use 64 KiB to 64 MiB)")]
    ChunkSize(u64),
    /// Slicing or reading the file failed (it changed, or was removed).
    #[error("cannot read bytes {start}–{end} of the file: {reason}")]
    Read {
        /// The chunk's first byte.
        start: u64,
        /// The chunk's end (exclusive).
        end: u64,
        /// The browser's reason.
        reason: String,
    },
    /// The browser returned a chunk of an unexpected length.
    #[error(
        "reading bytes {start}–{end} returned {got} bytes; the file changed while being hashed"
    )]
    ShortRead {
        /// The chunk's first byte.
        start: u64,
        /// The chunk's end (exclusive).
        end: u64,
        /// Bytes received.
        got: u64,
    },
}

/// The byte ranges of a `len`-byte blob in `chunk`-byte pieces.
pub fn chunks(len: u64, chunk: u64) -> impl Iterator<Item = Range<u64>> {
    let chunk = chunk.max(1);
    (0..len.div_ceil(chunk)).map(move |i| {
        let start = i * chunk;
        start..(start + chunk).min(len)
    })
}

fn js_reason(value: wasm_bindgen::JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// SHA-256 of `blob`, read `chunk` bytes at a time; `progress(done, total)`
/// is called after every chunk (and once at 0).
pub async fn sha256_blob(
    blob: &web_sys::Blob,
    chunk: u64,
    mut progress: impl FnMut(u64, u64),
) -> Result<[u8; 32], HashError> {
    if !(64 << 10..=64 << 20).contains(&chunk) {
        return Err(HashError::ChunkSize(chunk));
    }
    let total = blob.size() as u64;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; usize::try_from(chunk.min(total)).unwrap_or(0)];
    progress(0, total);
    for range in chunks(total, chunk) {
        let (start, end) = (range.start, range.end);
        let read_error = |reason| HashError::Read { start, end, reason };
        let slice = blob
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|e| read_error(js_reason(e)))?;
        let array_buffer = JsFuture::from(slice.array_buffer())
            .await
            .map_err(|e| read_error(js_reason(e)))?;
        let bytes = js_sys::Uint8Array::new(&array_buffer);
        let got = u64::from(bytes.length());
        let expected = end - start;
        let len = usize::try_from(expected).unwrap_or(usize::MAX);
        if got != expected || len > buffer.len() {
            return Err(HashError::ShortRead { start, end, got });
        }
        bytes.copy_to(&mut buffer[..len]);
        hasher.update(&buffer[..len]);
        progress(end, total);
    }
    Ok(hasher.finalize().into())
}

/// WebCrypto's one-shot `SHA-256` digest of `bytes` (the benchmark's
/// reference; it cannot stream).
pub async fn sha256_webcrypto(bytes: &js_sys::Uint8Array) -> Result<[u8; 32], String> {
    let subtle = web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(js_reason)?
        .subtle();
    let promise = subtle
        .digest_with_str_and_buffer_source("SHA-256", bytes)
        .map_err(js_reason)?;
    let digest = JsFuture::from(promise).await.map_err(js_reason)?;
    let digest = js_sys::Uint8Array::new(&digest).to_vec();
    digest
        .try_into()
        .map_err(|_| "WebCrypto returned a digest that is not 32 bytes".to_owned())
}

#[cfg(test)]
mod tests {
    use super::chunks;

    #[test]
    fn chunks_cover_the_blob_exactly() {
        assert_eq!(chunks(0, 4).count(), 0);
        assert_eq!(chunks(4, 4).collect::<Vec<_>>(), vec![0..4]);
        assert_eq!(chunks(10, 4).collect::<Vec<_>>(), vec![0..4, 4..8, 8..10]);
        let len = (1u64 << 30) + 17;
        let ranges: Vec<_> = chunks(len, super::DEFAULT_CHUNK).collect();
        assert_eq!(ranges.len(), 257);
        assert_eq!(ranges.last().unwrap().end, len);
        assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
    }
}
