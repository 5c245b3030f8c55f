// End-to-end: the light client and the verified trial pages, against a real
// registry started by `cargo xtask test` with `serve --demo` (PORTAL_URL) and
// a portal built with that registry's policy.txt compiled in.
//
// A tiny HTTP proxy in front of the registry plays the attacker: it flips a
// byte of an evidence bundle or of a tile, or serves an older archived
// checkpoint after the browser verified a newer one. Each must end in the
// alarm banner (and a failed trial), never in silence.
//
// Needs the registry's log and `--demo` (xtask sets E2E_REGISTRY_LOG=1);
// `TRIAL_LOADGEN` (the registry's load generator) grows the log for the
// tile test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const PORTAL_URL = process.env.PORTAL_URL;
const FULL = process.env.E2E_REGISTRY_LOG === '1';
const LOADGEN = process.env.TRIAL_LOADGEN;
const TIMEOUT = 60_000;
const skip = FULL ? false : 'the registry has no log or --demo yet (E2E_REGISTRY_LOG != 1)';

let browser;
let proxy;

/**
 * An HTTP proxy to the registry. `proxy.mode` decides what it does:
 * - `pass`: forwards everything;
 * - `flip-bundle`: flips one base64 character inside an entry of every
 *   evidence bundle (valid JSON and base64, wrong bytes);
 * - `flip-tile`: flips one byte of every hash tile;
 * - `{ checkpoint: <note> }`: answers `GET /checkpoint` with this note.
 */
async function startProxy(target) {
  const upstream = new URL(target);
  const state = { mode: 'pass', flipped: 0 };
  const server = http.createServer((req, res) => {
    const mode = state.mode;
    if (typeof mode === 'object' && req.url === '/checkpoint') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(mode.checkpoint);
      return;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } },
      (up) => {
        const chunks = [];
        up.on('data', (c) => chunks.push(c));
        up.on('end', () => {
          let body = Buffer.concat(chunks);
          const headers = { ...up.headers };
          if (mode === 'flip-bundle' && /\/api\/v1\/trials\/[^/]+\/bundle$/.test(req.url) && up.statusCode === 200) {
            const text = body.toString('utf8');
            const at = text.indexOf('"entry":"') + '"entry":"'.length + 40;
            const c = text[at];
            body = Buffer.from(text.slice(0, at) + (c === 'A' ? 'B' : 'A') + text.slice(at + 1), 'utf8');
            state.flipped += 1;
          }
          if (mode === 'flip-tile' && /^\/tile\/\d+\//.test(req.url) && up.statusCode === 200 && body.length > 0) {
            body = Buffer.from(body);
            body[Math.floor(body.length / 2)] ^= 0x01;
            state.flipped += 1;
          }
          headers['content-length'] = String(body.length);
          headers['cache-control'] = 'no-store';
          res.writeHead(up.statusCode, headers);
          res.end(body);
        });
      },
    );
    forward.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

before(async () => {
  assert.ok(PORTAL_URL, 'PORTAL_URL must name the running portal');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  proxy = await startProxy(PORTAL_URL);
});

after(async () => {
  await browser?.close();
  await proxy?.close();
});

/** A fresh browser profile (its own IndexedDB) that records page errors. */
async function newContext() {
  const context = await browser.newContext();
  const errors = [];
  context.on('page', (page) => {
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  });
  return { context, errors };
}

async function fetchText(path) {
  const response = await fetch(new URL(path, PORTAL_URL));
  assert.equal(response.status, 200, `GET ${path}`);
  return response.text();
}

/** The demo trials, as the registry's search lists them. */
async function demoTrials() {
  const body = JSON.parse(await fetchText('/api/v1/trials?q='));
  assert.ok(body.trials.length > 0, 'the demo registry has trials');
  return body.trials;
}

async function verificationState(page) {
  const panel = page.locator('main [data-testid="verification"]');
  await page.waitForFunction(
    () => {
      const el = document.querySelector('main [data-testid="verification"]');
      return el && el.tagName === 'SECTION';
    },
    null,
    { timeout: TIMEOUT },
  );
  return panel.getAttribute('data-state');
}

async function logStatus(page) {
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="log-status"]');
      return el && el.dataset.state !== 'checking';
    },
    null,
    { timeout: TIMEOUT },
  );
  return page.getAttribute('[data-testid="log-status"]', 'data-state');
}

async function axe(page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('search finds a demo trial and its page verifies in the browser', { skip }, async () => {
  const trials = await demoTrials();
  const trial = trials.find((t) => t.entries > 1) ?? trials[0];
  const word = trial.title.split(/\s+/).find((w) => w.length > 5).replace(/[^A-Za-z-]/g, '');
  const { context, errors } = await newContext();
  try {
    const page = await context.newPage();
    await page.goto(proxy.url);
    assert.equal(await logStatus(page), 'verified');
    await page.getByTestId('search').fill(word);
    const result = page.locator('a[data-testid="trial-result"]', { hasText: trial.title });
    await result.first().waitFor({ timeout: TIMEOUT });
    await result.first().click();
    await page.waitForURL(`**/trials/${trial.trial_id}`);
    assert.equal(await verificationState(page), 'verified');
    assert.equal((await page.getByTestId('trial-title').textContent()).trim(), trial.title);
    assert.equal(await page.locator('[data-testid="alarm"]').count(), 0);
    // Every check is listed; none failed.
    const failed = await page.locator('[data-testid="checks"] tr.fail').count();
    assert.equal(failed, 0);
    assert.ok((await page.locator('[data-testid="checks"] tr[data-check]').count()) > 5);
    assert.ok(await page.locator('svg[data-testid="timeline"]').isVisible());
    // A deep link survives a reload.
    await page.reload();
    assert.equal(await verificationState(page), 'verified');
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('search and a trial page work with the keyboard alone', { skip }, async () => {
  const trials = await demoTrials();
  const trial = trials.find((t) => t.entries > 1) ?? trials[0];
  const word = trial.title.split(/\s+/).find((w) => w.length > 5).replace(/[^A-Za-z-]/g, '');
  const { context, errors } = await newContext();
  try {
    const page = await context.newPage();
    await page.goto(proxy.url);
    await logStatus(page);
    const active = () => page.evaluate(() => ({
      testid: document.activeElement?.dataset?.testid ?? null,
      text: document.activeElement?.textContent?.trim() ?? '',
      href: document.activeElement?.getAttribute?.('href') ?? null,
    }));
    // The first Tab reaches the skip link.
    await page.keyboard.press('Tab');
    assert.equal((await active()).text, 'Skip to main content');
    // Tab on to the search field, type, and Tab into the results.
    let steps = 0;
    while ((await active()).testid !== 'search' && steps++ < 30) await page.keyboard.press('Tab');
    assert.equal((await active()).testid, 'search', 'the search field is reachable with Tab');
    await page.keyboard.type(word);
    await page.locator('a[data-testid="trial-result"]', { hasText: trial.title }).first().waitFor({ timeout: TIMEOUT });
    steps = 0;
    while ((await active()).href !== `/trials/${trial.trial_id}` && steps++ < 60) await page.keyboard.press('Tab');
    assert.equal((await active()).href, `/trials/${trial.trial_id}`, 'the result link is reachable with Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/trials/${trial.trial_id}`);
    assert.equal(await verificationState(page), 'verified');
    // The checks panel opens from the keyboard.
    steps = 0;
    while (!(await page.evaluate(() => document.activeElement?.tagName === 'SUMMARY')) && steps++ < 40) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('main [data-testid="checks"]').getAttribute('open'), '');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a trial with results shows the outcome comparison', { skip }, async () => {
  const trials = await demoTrials();
  const { context } = await newContext();
  try {
    const page = await context.newPage();
    let found = false;
    for (const trial of trials.filter((t) => t.entries >= 3)) {
      await page.goto(new URL(`/trials/${trial.trial_id}`, proxy.url).href);
      assert.notEqual(await verificationState(page), 'failed', trial.trial_id);
      if ((await page.locator('[data-testid="outcomes"]').count()) > 0) {
        assert.ok((await page.locator('[data-testid="outcomes"] tbody tr').count()) > 0);
        found = true;
        break;
      }
    }
    assert.ok(found, 'some demo trial has results');
  } finally {
    await context.close();
  }
});

test('a trial with consent forms links to its consent page (the participant bundle)', { skip }, async () => {
  const body = JSON.parse(await fetchText('/api/v1/trials?q=SALT-BP&limit=100'));
  const trial = body.trials.filter((t) => t.acronym === 'SALT-BP').sort((a, b) => a.registered_index - b.registered_index)[0];
  assert.ok(trial, 'the SALT-BP demo trial');
  const { context, errors } = await newContext();
  try {
    const page = await context.newPage();
    await page.goto(new URL(`/trials/${trial.trial_id}`, proxy.url).href);
    assert.equal(await verificationState(page), 'verified');
    await page.getByTestId('give-consent').click();
    await page.waitForURL(`**/trials/${trial.trial_id}/consent`);
    await page.getByTestId('consent-form-file').waitFor({ timeout: TIMEOUT });
    const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
    assert.ok(loaded.includes('/participant_bg.wasm'), `${loaded}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('an unknown trial gets a clear message', { skip }, async () => {
  const { context } = await newContext();
  try {
    const page = await context.newPage();
    await page.goto(new URL('/trials/TL-0000000000000000', proxy.url).href);
    await page.getByTestId('not-found').waitFor({ timeout: TIMEOUT });
  } finally {
    await context.close();
  }
});

test('a flipped byte in the evidence bundle fails the trial and raises the alarm', { skip }, async () => {
  const [trial] = await demoTrials();
  const { context } = await newContext();
  proxy.state.mode = 'flip-bundle';
  try {
    const page = await context.newPage();
    await page.goto(new URL(`/trials/${trial.trial_id}`, proxy.url).href);
    assert.equal(await verificationState(page), 'failed');
    const alarm = page.getByTestId('alarm');
    await alarm.waitFor({ timeout: TIMEOUT });
    assert.equal(await alarm.getAttribute('role'), 'alert');
    assert.match(await alarm.textContent(), /failed verification/);
    assert.ok(proxy.state.flipped > 0);
    // The alarm persists across in-app navigation.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    await page.locator('main h1', { hasText: 'Trial Ledger' }).waitFor();
    assert.equal(await page.getByTestId('alarm').count(), 1);
  } finally {
    proxy.state.mode = 'pass';
    await context.close();
  }
});

test('a rolled-back checkpoint raises the alarm', { skip }, async () => {
  const current = await fetchText('/checkpoint');
  const size = Number(current.split('\n')[1]);
  // An older archived checkpoint (the registry keeps every one it published).
  let older = null;
  for (let s = size - 1; s >= 0 && older === null; s -= 1) {
    const response = await fetch(new URL(`/checkpoints/${s}`, PORTAL_URL));
    if (response.status === 200) older = await response.text();
  }
  assert.ok(older, 'the registry archived an older checkpoint');
  const { context } = await newContext();
  try {
    const page = await context.newPage();
    await page.goto(proxy.url);
    assert.equal(await logStatus(page), 'verified');
    proxy.state.mode = { checkpoint: older };
    await page.reload();
    assert.equal(await logStatus(page), 'failed');
    const alarm = page.getByTestId('alarm');
    await alarm.waitFor({ timeout: TIMEOUT });
    assert.match(await alarm.getAttribute('data-kinds'), /rollback/);
    assert.match(await alarm.textContent(), /rolled back/);
    // A trial page under the rolled-back log cannot be verified either.
    const [trial] = await demoTrials();
    await page.goto(new URL(`/trials/${trial.trial_id}`, proxy.url).href);
    assert.equal(await verificationState(page), 'failed');
  } finally {
    proxy.state.mode = 'pass';
    await context.close();
  }
});

test('a flipped tile byte breaks the consistency proof; the true tiles verify', {
  skip: skip || (LOADGEN ? false : 'TRIAL_LOADGEN is not set'),
}, async () => {
  const { context } = await newContext();
  try {
    const page = await context.newPage();
    await page.goto(proxy.url);
    assert.equal(await logStatus(page), 'verified');
    const before = Number((await fetchText('/checkpoint')).split('\n')[1]);
    // Grow the log past a full tile so the proof needs tiles at two levels.
    await promisify(execFile)(LOADGEN, ['--url', PORTAL_URL, '--entries', '300', '--concurrency', '8', '--seed', String(Date.now())], { timeout: 120_000 });
    const after = Number((await fetchText('/checkpoint')).split('\n')[1]);
    assert.ok(after > before, `the log grew (${before} → ${after})`);
    proxy.state.mode = 'flip-tile';
    proxy.state.flipped = 0;
    await page.reload();
    assert.equal(await logStatus(page), 'failed');
    assert.ok(proxy.state.flipped > 0, 'the light client fetched tiles');
    assert.match(await page.getByTestId('alarm').getAttribute('data-kinds'), /inconsistent|bad-tile/);
    // The honest tiles prove the same update.
    proxy.state.mode = 'pass';
    await page.reload();
    assert.equal(await logStatus(page), 'verified');
    assert.match(await page.getByTestId('log-status').textContent(), new RegExp(`consistent with the ${before} entries`));
  } finally {
    proxy.state.mode = 'pass';
    await context.close();
  }
});

test('axe finds no serious or critical violations on the settings and bench pages', { skip }, async () => {
  const { context } = await newContext();
  try {
    const page = await context.newPage();
    for (const [path, heading] of [['/settings', 'Trust settings'], ['/bench', 'Benchmark']]) {
      await page.goto(new URL(path, proxy.url).href);
      await page.locator('main h1', { hasText: heading }).waitFor({ timeout: TIMEOUT });
      await logStatus(page);
      assert.deepEqual(await axe(page), [], path);
    }
  } finally {
    await context.close();
  }
});
