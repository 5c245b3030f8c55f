// Loads the portal: the wasm-bindgen glue, the wasm module, then the app.
// A separate file (not an inline script) so the page's CSP needs no
// 'unsafe-inline'.
import init, { run } from '/frontend.js';

try {
  await init({ module_or_path: '/frontend_bg.wasm' });
  run();
} catch (error) {
  const main = document.getElementById('main');
  if (main) {
    main.textContent = 'The portal could not start in this browser: ' + error;
    main.setAttribute('role', 'alert');
  }
  throw error;
}
