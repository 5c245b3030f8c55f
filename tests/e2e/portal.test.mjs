// End-to-end: the built portal, served by the registry, in Debian Chromium.
// Run by `cargo xtask test` (which starts the registry and sets PORTAL_URL);
// by hand: PORTAL_URL=http://127.0.0.1:8080/ node --test tests/e2e/
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const PORTAL_URL = process.env.PORTAL_URL;
const WASM_TIMEOUT = 30_000;

let browser;

before(async () => {
  assert.ok(PORTAL_URL, 'PORTAL_URL must name the running portal, e.g. http://127.0.0.1:8080/');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
});

/** A fresh page at `path` that records console errors and uncaught exceptions. */
async function open(path) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  // A page reloading into another bundle aborts what the old document was
  // still loading (e.g. the favicon): net::ERR_ABORTED is not a failure.
  page.on('requestfailed', (request) => {
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`request failed: ${request.url()}`);
  });
  const response = await page.goto(new URL(path, PORTAL_URL).href);
  assert.equal(response.status(), 200, `GET ${path}`);
  return { context, page, errors };
}

/** Waits until the wasm app has rendered `main h1` with `text`. */
async function heading(page, text) {
  const h1 = page.locator('main h1');
  await h1.filter({ hasText: text }).waitFor({ timeout: WASM_TIMEOUT });
  assert.equal((await h1.textContent()).trim(), text);
}

test('the home page renders from wasm without console errors', async () => {
  const { context, page, errors } = await open('/');
  try {
    await heading(page, 'Trial Ledger');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.title(), 'Trial Ledger — verifiable clinical-trial registry');
    assert.equal(await page.locator('header nav[aria-label="Main"] a').count(), 5);
    assert.match(await page.locator('#self-test-result').textContent(), /^Self-test passed/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a nav link within one bundle navigates inside the app: /verify to /settings', async () => {
  // /verify and /settings are both in the reviewer bundle.
  const { context, page, errors } = await open('/verify');
  try {
    await heading(page, 'Verify a trial');
    // Survives only an in-app navigation, not a page load.
    await page.evaluate(() => {
      window.__sameDocument = true;
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trust settings' }).click();
    await heading(page, 'Trust settings');
    assert.equal(new URL(page.url()).pathname, '/settings');
    assert.equal(await page.evaluate(() => window.__sameDocument), true);
    assert.equal(
      await page.locator('nav a[href="/settings"]').getAttribute('aria-current'),
      'page',
    );
    assert.equal(await page.title(), 'Trust settings — Trial Ledger');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the nav link from the public portal reloads into the reviewer bundle for /verify', async () => {
  const { context, page, errors } = await open('/');
  try {
    await heading(page, 'Trial Ledger');
    const loaded = () => page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
    assert.ok(!(await loaded()).includes('/reviewer_bg.wasm'), 'the public portal does not load the reviewer bundle');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Verify a trial' }).click();
    await heading(page, 'Verify a trial');
    assert.equal(new URL(page.url()).pathname, '/verify');
    assert.ok((await loaded()).includes('/reviewer_bg.wasm'));
    assert.ok(!(await loaded()).includes('/frontend_bg.wasm'), 'a fresh document: only the reviewer bundle');
    assert.equal(await page.title(), 'Verify a trial — Trial Ledger');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the sponsor workspace is its own bundle: the nav link reloads into it and back', async () => {
  const { context, page, errors } = await open('/');
  try {
    await heading(page, 'Trial Ledger');
    const loaded = () => page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
    assert.ok((await loaded()).includes('/frontend_bg.wasm'));
    assert.ok(!(await loaded()).includes('/sponsor_bg.wasm'), 'the public portal does not load the sponsor bundle');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'For sponsors' }).click();
    await heading(page, 'For sponsors');
    assert.equal(new URL(page.url()).pathname, '/sponsor');
    assert.ok((await loaded()).includes('/sponsor_bg.wasm'));
    assert.ok(!(await loaded()).includes('/frontend_bg.wasm'), 'a fresh document: only the sponsor bundle');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Verify a trial' }).click();
    await heading(page, 'Verify a trial');
    assert.equal(new URL(page.url()).pathname, '/verify');
    assert.ok((await loaded()).includes('/reviewer_bg.wasm'), 'the reviewer page is its own bundle too');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a deep link to /trials/TL-X renders the app, also after a reload', async () => {
  const { context, page, errors } = await open('/trials/TL-X');
  try {
    await heading(page, 'Trial TL-X');
    await page.reload();
    await heading(page, 'Trial TL-X');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('an unknown path shows the 404 page', async () => {
  const { context, page, errors } = await open('/no/such/page');
  try {
    await heading(page, 'Page not found');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('axe finds no accessibility violations on the home page', async () => {
  const { context, page } = await open('/');
  try {
    await heading(page, 'Trial Ledger');
    const results = await new AxeBuilder({ page }).analyze();
    const violations = results.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
    assert.deepEqual(violations, []);
  } finally {
    await context.close();
  }
});
