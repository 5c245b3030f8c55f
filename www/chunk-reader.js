// A dedicated worker that reads slices of Blobs for the portal's streaming
// SHA-256 (frontend/src/hashing.rs).
//
// Why a worker: reading a Blob slice into an ArrayBuffer costs main-thread
// time in Chromium, so on the page the reads and the wasm hashing took turns
// (~150-220 MB/s on /bench). Read here, the next chunk arrives while the
// page hashes the current one. Each buffer is transferred, not copied; the
// page asks for one chunk ahead, so at most two chunks are held. Nothing
// leaves the browser: the file is read locally, as on the page.
//
// Messages in: {blob, start, end} per chunk (a Blob is posted by reference),
// answered in order with {start, buffer} or {start, error}.

let queue = Promise.resolve();

async function read(blob, start, end) {
  try {
    if (!(blob instanceof Blob)) throw new Error('no file was given to the reader');
    const buffer = await blob.slice(start, end).arrayBuffer();
    self.postMessage({ start, buffer }, [buffer]);
  } catch (e) {
    self.postMessage({ start, error: String((e && e.message) || e) });
  }
}

self.onmessage = (event) => {
  const { blob, start, end } = event.data || {};
  // One read at a time, so answers come in the order of the requests.
  queue = queue.then(() => read(blob, start, end));
};
