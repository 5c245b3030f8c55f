//! SHA-256 of a `File` or `Blob`, in the browser, in bounded memory.
//!
//! The blob is read in chunks with `Blob.slice(start, end).arrayBuffer()`,
//! each chunk copied into one reused buffer and fed to a streaming
//! [`sha2::Sha256`] while the next chunk is read: memory stays at about two
//! chunks however large the file
//! (WebCrypto's `digest` needs the whole file in one buffer). A progress
//! callback runs after every chunk, and each chunk read yields to the event
//! loop, so a progress bar can repaint. Files are never uploaded.
//!
//! The sponsor's and reviewer's pages hash documents with [`sha256_blob`];
//! the benchmark page compares it with WebCrypto.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ops::Range;
use std::rc::Rc;

use sha2::{Digest as _, Sha256};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;

/// The default chunk: 16 MiB (large enough to amortise each read's cost —
/// reads of 4 MiB ran at ~500 MB/s, of 16 MiB at ~870 MB/s on `/bench` —
/// small enough to keep memory flat).
pub const DEFAULT_CHUNK: u64 = 16 << 20;

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
///
/// The chunks are read by a worker ([`ChunkReader`], `/chunk-reader.js`)
/// one chunk ahead, so the browser reads the next chunk while this thread
/// hashes (at most two chunks are held). Where the worker cannot run (its
/// script is not served, as under the wasm unit-test server), the page reads
/// the chunks itself. The hasher is fed [`HASH_PIECE`] bytes per call: V8
/// moves a hot wasm function to its optimising tier only for later calls,
/// and one call per chunk kept the first chunks in the baseline tier.
/// Measured on `/bench` (256 MiB): 150 MB/s reading 4 MiB chunks on the page
/// and hashing them in one call each; the README has today's numbers.
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
    let mut reader = ChunkReader::shared();
    let mut ranges = chunks(total, chunk);
    let mut next = ranges
        .next()
        .map(|r| read(reader.as_ref(), blob, r))
        .transpose()?;
    while let Some((range, pending, by_worker)) = next.take() {
        let (start, end) = (range.start, range.end);
        let array_buffer = match pending.await {
            Ok(buffer) => buffer,
            // The worker failed (no script, or it could not read): read
            // this chunk and the rest on the page.
            Err(_) if by_worker => {
                reader = None;
                read_on_page(blob, &range)?
                    .await
                    .map_err(|e| HashError::Read {
                        start,
                        end,
                        reason: js_reason(e),
                    })?
            }
            Err(e) => {
                return Err(HashError::Read {
                    start,
                    end,
                    reason: js_reason(e),
                });
            }
        };
        next = ranges
            .next()
            .map(|r| read(reader.as_ref(), blob, r))
            .transpose()?;
        let bytes = js_sys::Uint8Array::new(&array_buffer);
        let got = u64::from(bytes.length());
        let expected = end - start;
        let len = usize::try_from(expected).unwrap_or(usize::MAX);
        if got != expected || len > buffer.len() {
            return Err(HashError::ShortRead { start, end, got });
        }
        bytes.copy_to(&mut buffer[..len]);
        for piece in buffer[..len].chunks(HASH_PIECE) {
            hasher.update(piece);
        }
        progress(end, total);
    }
    Ok(hasher.finalize().into())
}

/// Bytes given to the hasher per call (see [`sha256_blob`]).
pub const HASH_PIECE: usize = 64 << 10;

/// Starts reading `range` of `blob`, by the worker when there is one; the
/// read proceeds while the caller hashes the previous chunk. Also says
/// whether the worker does it.
fn read(
    reader: Option<&Rc<ChunkReader>>,
    blob: &web_sys::Blob,
    range: Range<u64>,
) -> Result<(Range<u64>, JsFuture, bool), HashError> {
    match reader {
        Some(reader) => {
            let pending = reader.read(blob, &range);
            Ok((range, pending, true))
        }
        None => {
            let pending = read_on_page(blob, &range)?;
            Ok((range, pending, false))
        }
    }
}

/// Starts reading `range` of `blob` on this thread (no worker); the future
/// yields its `ArrayBuffer`. `/bench` times these reads alone.
pub fn read_on_page(blob: &web_sys::Blob, range: &Range<u64>) -> Result<JsFuture, HashError> {
    let slice = blob
        .slice_with_f64_and_f64(range.start as f64, range.end as f64)
        .map_err(|e| HashError::Read {
            start: range.start,
            end: range.end,
            reason: js_reason(e),
        })?;
    Ok(JsFuture::from(slice.array_buffer()))
}

/// The promise callbacks of one chunk request.
struct Waiting {
    resolve: js_sys::Function,
    reject: js_sys::Function,
}

/// A dedicated worker (`www/chunk-reader.js`) reading slices of blobs, one
/// per page, started by [`ChunkReader::prepare`] when a page that hashes
/// files mounts (starting a worker takes ~200 ms, which a first chunk would
/// otherwise wait for). Answers come in request order; each request's
/// promise is settled by the worker's answer, or rejected when the worker
/// fails, after which the page reads for itself.
pub struct ChunkReader {
    worker: web_sys::Worker,
    waiting: Rc<RefCell<VecDeque<Waiting>>>,
    /// Set once the worker failed: later requests fail at once.
    failed: Rc<std::cell::Cell<bool>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

/// Why a request to a failed worker is rejected.
const WORKER_FAILED: &str = "the file reader worker failed";

/// The worker script, served next to `index.html`.
pub const CHUNK_READER_URL: &str = "/chunk-reader.js";

thread_local! {
    static SHARED_READER: RefCell<Option<Rc<ChunkReader>>> = const { RefCell::new(None) };
}

impl ChunkReader {
    /// Starts the page's reader worker if it is not running, so that it is
    /// ready when a file is chosen.
    pub fn prepare() {
        let _ = ChunkReader::shared();
    }

    /// The page's reader: started on first use, replaced after it failed;
    /// `None` if this browser cannot start workers.
    fn shared() -> Option<Rc<ChunkReader>> {
        SHARED_READER.with(|cell| {
            let mut shared = cell.borrow_mut();
            if shared.as_ref().is_some_and(|reader| reader.failed.get()) {
                *shared = None;
            }
            if shared.is_none() {
                *shared = ChunkReader::start().map(Rc::new);
            }
            shared.clone()
        })
    }

    fn start() -> Option<ChunkReader> {
        let worker = web_sys::Worker::new(CHUNK_READER_URL).ok()?;
        let waiting: Rc<RefCell<VecDeque<Waiting>>> = Rc::default();
        let on_message = {
            let waiting = Rc::clone(&waiting);
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let Some(next) = waiting.borrow_mut().pop_front() else {
                    return;
                };
                let data = event.data();
                let field = |name: &str| js_sys::Reflect::get(&data, &JsValue::from_str(name));
                match (field("buffer"), field("error")) {
                    (Ok(buffer), _) if buffer.is_instance_of::<js_sys::ArrayBuffer>() => {
                        let _ = next.resolve.call1(&JsValue::NULL, &buffer);
                    }
                    (_, Ok(error)) if !error.is_undefined() => {
                        let _ = next.reject.call1(&JsValue::NULL, &error);
                    }
                    _ => {
                        let _ = next
                            .reject
                            .call1(&JsValue::NULL, &"the reader sent no data".into());
                    }
                }
            })
        };
        let failed: Rc<std::cell::Cell<bool>> = Rc::default();
        let on_error = {
            let waiting = Rc::clone(&waiting);
            let failed = Rc::clone(&failed);
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                // A failed script load or a crash: every open request fails.
                event.prevent_default();
                failed.set(true);
                for next in waiting.borrow_mut().drain(..) {
                    let _ = next.reject.call1(&JsValue::NULL, &WORKER_FAILED.into());
                }
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(ChunkReader {
            worker,
            waiting,
            failed,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Asks for `range` of `blob`; the future yields its `ArrayBuffer`.
    fn read(&self, blob: &web_sys::Blob, range: &Range<u64>) -> JsFuture {
        let waiting = Rc::clone(&self.waiting);
        let worker = self.worker.clone();
        let (start, end) = (range.start as f64, range.end as f64);
        let failed = self.failed.get();
        let promise = js_sys::Promise::new(&mut |resolve, reject| {
            if failed {
                let _ = reject.call1(&JsValue::NULL, &WORKER_FAILED.into());
                return;
            }
            let message = js_sys::Object::new();
            // A Blob is posted by reference, not copied.
            let posted = js_sys::Reflect::set(&message, &"blob".into(), blob)
                .and_then(|_| js_sys::Reflect::set(&message, &"start".into(), &start.into()))
                .and_then(|_| js_sys::Reflect::set(&message, &"end".into(), &end.into()))
                .and_then(|_| worker.post_message(&message));
            match posted {
                Ok(()) => waiting.borrow_mut().push_back(Waiting { resolve, reject }),
                Err(e) => {
                    let _ = reject.call1(&JsValue::NULL, &e);
                }
            }
        });
        JsFuture::from(promise)
    }
}

impl Drop for ChunkReader {
    fn drop(&mut self) {
        self.worker.terminate();
    }
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
        // Whole chunks, then the 17 bytes left over.
        assert_eq!(ranges.len() as u64, (1 << 30) / super::DEFAULT_CHUNK + 1);
        assert_eq!(ranges.last().unwrap().start, 1 << 30);
        assert_eq!(ranges.last().unwrap().end, len);
        assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
    }
}
