// Loads the portal: the wasm-bindgen glue, the wasm module, then the app.
// A separate file (not an inline script) so the page's CSP needs no
// 'unsafe-inline'.
//
// One bundle per journey: the sponsor workspace (/sponsor…) is `sponsor`,
// the reviewer's page and the trust settings (/verify, /settings)
// `reviewer`, the participant's consent pages (/consents…, /trials/{id}/consent)
// `participant`, the benchmark page (/bench) `bench`, everything else
// `frontend`, so a reader of the public registry never downloads the
// sponsor's or the participant's tools (the same choice as
// `frontend::app::bundle_for_path`).
const path = location.pathname;
const under = (prefix) => path === prefix || path.startsWith(prefix + '/');
const consentPage = /^\/trials\/[^/]+\/consent$/.test(path);
const bundle = under('/sponsor')
  ? 'sponsor'
  : under('/verify') || under('/settings')
    ? 'reviewer'
    : under('/consents') || consentPage
      ? 'participant'
      : under('/bench')
        ? 'bench'
        : 'frontend';

try {
  const { default: init, run } = await import(`/${bundle}.js`);
  await init({ module_or_path: `/${bundle}_bg.wasm` });
  run();
} catch (error) {
  const main = document.getElementById('main');
  if (main) {
    main.textContent = 'The portal could not start in this browser: ' + error;
    main.setAttribute('role', 'alert');
  }
  throw error;
}

// The service worker (www/sw.js) caches the app shell so that the reviewer's
// page works offline after one visit. Service workers need a secure context
// (https, or http on 127.0.0.1/localhost). `updateViaCache: 'none'`: update
// checks always fetch sw.js from the network. When a new version has
// installed in the background while this page runs an older one, a banner
// offers to reload; accepting tells the new worker to take over, and the
// page reloads once it controls the page.
if ('serviceWorker' in navigator && window.isSecureContext) {
  let reloading = false;
  let accepted = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (accepted && !reloading) {
      reloading = true;
      location.reload();
    }
  });
  const offerReload = (worker) => {
    if (document.getElementById('sw-update')) return;
    const banner = document.createElement('div');
    banner.id = 'sw-update';
    banner.className = 'sw-update';
    banner.setAttribute('role', 'status');
    banner.setAttribute('data-testid', 'sw-update');
    const text = document.createElement('span');
    text.textContent = 'A new version of Trial Ledger is ready.';
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Reload to update';
    button.addEventListener('click', () => {
      accepted = true;
      button.disabled = true;
      worker.postMessage({ type: 'SKIP_WAITING' });
    });
    banner.append(text, ' ', button);
    document.body.append(banner);
  };
  navigator.serviceWorker
    .register('/sw.js', { scope: '/', updateViaCache: 'none' })
    .then((registration) => {
      const watch = (worker) => {
        worker.addEventListener('statechange', () => {
          if (worker.state === 'installed' && navigator.serviceWorker.controller) offerReload(worker);
        });
      };
      if (registration.waiting && navigator.serviceWorker.controller) offerReload(registration.waiting);
      if (registration.installing) watch(registration.installing);
      registration.addEventListener('updatefound', () => {
        if (registration.installing) watch(registration.installing);
      });
    })
    .catch((error) => console.warn('service worker not registered:', error));
}
