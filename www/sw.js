// Trial Ledger's service worker: caches the app shell so that the
// reviewer's page (/verify) loads and verifies with no network after one
// visit (DESIGN §6).
//
// - The cache's name carries a hash of the shell's content: `cargo xtask
//   dist` writes it, and the asset list, into this file after the bundles
//   are built (the two placeholder lines below). A new build is a new
//   service worker with a new cache.
// - Install: precache the shell (fresh from the network, bypassing the
//   HTTP cache), in the background. The new worker then waits until the
//   page asks it to take over (`SKIP_WAITING`, sent by boot.js when the
//   reviewer accepts the reload offer); a first install takes over at once.
// - Activate: delete every older shell cache, claim open pages.
// - Fetch: navigations go to the network first and fall back to the cached
//   `index.html` (the portal is a single-page app); shell assets come from
//   the cache, other same-origin static files are cached as they are
//   fetched. The registry's data (`/api/`, `/checkpoint…`, `/tile/…`) is
//   never cached here: the light client must see the log as it is now.

const CACHE_PREFIX = 'trial-ledger-shell-';
const CACHE = CACHE_PREFIX + 'dev'; // replaced by `cargo xtask dist`
const ASSETS = ['/', '/index.html', '/boot.js', '/style.css', '/frontend.js', '/frontend_bg.wasm']; // replaced by `cargo xtask dist`

const NEVER_CACHED = ['/api/', '/api', '/checkpoint', '/tile/', '/sw.js'];

function neverCached(path) {
  return NEVER_CACHED.some((prefix) => path === prefix || path.startsWith(prefix));
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(ASSETS.map((url) => new Request(url, { cache: 'reload' }))),
    ),
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') {
    self.skipWaiting();
  }
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

async function navigation(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cache = await caches.open(CACHE);
    const shell = (await cache.match('/index.html')) || (await cache.match('/'));
    if (shell) return shell;
    throw error;
  }
}

async function asset(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') {
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || neverCached(url.pathname)) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request));
    return;
  }
  // Only files (a dot in the last path segment) are app-shell material.
  const last = url.pathname.split('/').pop() || '';
  if (!last.includes('.') || url.search) return;
  event.respondWith(asset(request));
});
