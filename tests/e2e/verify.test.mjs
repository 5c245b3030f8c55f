// End-to-end: the reviewer's offline verification page (/verify, issue 7)
// against a real registry started with `serve --demo` (PORTAL_URL) and a
// portal built with its policy.txt compiled in.
//
// After one visit the service worker has cached the app shell; the browser
// then goes offline (`context.setOffline(true)`) and every verification
// below runs on a reload of /verify with no network: a good bundle with
// its matching document (verified), a bundle with undeclared outcome
// changes (findings, the table shows which), a tampered bundle (failed,
// the failing check named) and a document that matches nothing (failed).
//
// The demo documents are rebuilt from the texts the registry's seed hashes
// (see reviewer-helpers.mjs `demoDocument`); each test asserts that the
// document's SHA-256 is a subject of the bundle before using it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

import {
  DATA, FULL, LAUNCH, PORTAL_URL, TIMEOUT, axeViolations, bundleOf, demoDocument, demoTrials,
  exportJson, loadIntoPage, reportVerdict, scratch, screenshot, tamperedCopies, writeDocument,
} from './reviewer-helpers.mjs';

const skip = FULL ? false : 'the registry has no log or --demo yet (E2E_REGISTRY_LOG != 1)';

let browser;
let dir;
let files;

before(async () => {
  if (!FULL) return;
  assert.ok(PORTAL_URL, 'PORTAL_URL must name the running portal');
  browser = await chromium.launch(LAUNCH);
  dir = scratch('verify');
  const trials = await demoTrials();
  const handsOn = await bundleOf(trials['HANDS-ON']);
  const sleepWell = await bundleOf(trials['SLEEP-WELL']);
  const saltBp = await bundleOf(trials['SALT-BP']);
  const write = (name, bundle) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(bundle));
    return file;
  };
  const inclusion = tamperedCopies(saltBp).find((c) => c.name === 'inclusion proof');
  const docs = path.join(dir, 'docs');
  fs.mkdirSync(docs);
  files = {
    handsOn: write('hands-on.bundle.json', handsOn),
    sleepWell: write('sleep-well.bundle.json', sleepWell),
    saltBp: write('salt-bp.bundle.json', saltBp),
    tampered: write('salt-bp-tampered.bundle.json', inclusion.bundle),
    protocol: writeDocument(docs, 'protocol-v1.pdf', demoDocument('HANDS-ON', 'protocol-v1.pdf'), handsOn),
    saltProtocol: writeDocument(docs, 'salt-protocol-v2.pdf', demoDocument('SALT-BP', 'protocol-v2.pdf'), saltBp),
    stranger: writeDocument(docs, 'not-the-protocol.pdf', Buffer.from('a different file\n')),
  };
});

after(async () => {
  await browser?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function newPage() {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return { context, page, errors };
}

/** Opens /verify and waits until the service worker controls the page. */
async function firstVisit(page) {
  await page.goto(new URL('/verify', PORTAL_URL).href);
  await page.locator('[data-testid="bundle-file"]').waitFor({ timeout: TIMEOUT });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
  });
}

async function reloadOffline(page) {
  await page.reload();
  await page.locator('[data-testid="bundle-file"]').waitFor({ timeout: TIMEOUT });
}

const row = (page, check) => page.locator(`[data-testid="checks"] tr[data-check="${check}"]`);

test('after one visit /verify verifies offline: verified, findings, tampered, unmatched document', { skip, timeout: 300_000 }, async () => {
  const { context, page, errors } = await newPage();
  try {
    await firstVisit(page);
    const cache = await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('trial-ledger-shell-')));
    assert.equal(cache.length, 1, `one shell cache: ${cache}`);
    const cached = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname), cache[0]);
    assert.ok(cached.includes('/frontend_bg.wasm') && cached.includes('/index.html'), `${cached}`);
    assert.ok(cached.includes('/reviewer_bg.wasm') && cached.includes('/reviewer.js'), `the reviewer bundle is precached: ${cached}`);
    assert.ok(cached.includes('/chunk-reader.js'), `the file reader is precached: ${cached}`);
    assert.ok(!cached.some((p) => p.startsWith('/api/') || p.startsWith('/tile/') || p.startsWith('/checkpoint')), `${cached}`);

    await context.setOffline(true);
    // The network is really off: the registry cannot be reached from the page.
    const online = await page.evaluate(() => fetch('/api/v1/trials?q=').then(() => true, () => false));
    assert.equal(online, false, 'offline');

    // 1. A good bundle with its matching document.
    await reloadOffline(page);
    assert.equal(await loadIntoPage(page, files.handsOn, [files.protocol]), 'verified');
    const matched = page.locator('[data-testid="documents"] tr[data-file="protocol-v1.pdf"]');
    assert.equal(await matched.getAttribute('data-status'), 'matched');
    assert.equal(await row(page, 'document').first().getAttribute('data-ok'), 'true');
    await page.locator('[data-testid="timeline"]').waitFor();
    assert.equal(await page.getAttribute('[data-testid="prospective"]', 'data-status'), 'not_determinable');
    await screenshot(page, 'verify-verified-offline');

    // 2. Undeclared outcome changes: findings, and the table says which.
    await reloadOffline(page);
    assert.equal(await loadIntoPage(page, files.sleepWell), 'findings');
    const findingRows = page.locator('[data-testid="outcomes"] tr[data-finding="true"]');
    const statuses = await findingRows.evaluateAll((rows) => rows.map((r) => `${r.dataset.status}:${r.dataset.declared}`));
    assert.ok(statuses.includes('changed:false'), `an undeclared change: ${statuses}`);
    assert.ok(statuses.includes('added:false'), `an undeclared addition: ${statuses}`);
    assert.ok(statuses.includes('missing:false'), `a missing outcome: ${statuses}`);
    assert.match(await page.textContent('[data-testid="outcomes"]'), /12 weeks/);
    assert.equal(await row(page, 'outcomes').getAttribute('data-ok'), 'false');
    assert.equal(await page.getAttribute('[data-testid="prospective"]', 'data-status'), 'retrospective');
    await screenshot(page, 'verify-findings-offline');

    // 3. A tampered bundle (one inclusion-proof hash changed): failed, named.
    await reloadOffline(page);
    assert.equal(await loadIntoPage(page, files.tampered), 'failed');
    assert.match(await page.textContent('[data-testid="first-failure"]'), /entry\.inclusion/);
    assert.ok((await page.locator('[data-testid="checks"] tr[data-check="entry.inclusion"][data-ok="false"]').count()) >= 1);
    await screenshot(page, 'verify-tampered-offline');

    // 4. A document that matches nothing the trial committed to: failed.
    await reloadOffline(page);
    assert.equal(await loadIntoPage(page, files.handsOn, [files.stranger]), 'failed');
    assert.equal(await page.getAttribute('[data-testid="documents"] tr[data-file="not-the-protocol.pdf"]', 'data-status'), 'unmatched');
    assert.match(await page.textContent('[data-testid="first-failure"]'), /document/);

    // The export is the report, offline too.
    const exported = await exportJson(page);
    assert.equal(exported.verdict, 'failed');
    assert.ok(exported.checks.some((c) => c.name === 'document' && !c.ok));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('documents are hashed in the browser with progress and matched to subjects', { skip }, async () => {
  const { context, page } = await newPage();
  try {
    const uploads = [];
    page.on('request', (r) => { if (r.method() !== 'GET') uploads.push(r.url()); });
    // The page reads files through its reader worker (hashing.rs ChunkReader).
    const workers = [];
    page.on('worker', (w) => workers.push(new URL(w.url()).pathname));
    await page.goto(new URL('/verify', PORTAL_URL).href);
    await page.locator('[data-testid="bundle-file"]').waitFor({ timeout: TIMEOUT });
    // SALT-BP: documents match, the outcome S2 is missing and one is added with a reason.
    assert.equal(await loadIntoPage(page, files.saltBp, [files.saltProtocol]), 'findings');
    assert.equal(await page.getAttribute('[data-testid="documents"] tr[data-file="salt-protocol-v2.pdf"]', 'data-status'), 'matched');
    assert.equal(await page.getAttribute('[data-testid="document-list"] li', 'data-state'), 'hashed');
    const added = await page.locator('[data-testid="outcomes"] tr[data-status="added"]')
      .evaluateAll((rows) => rows.map((r) => `${r.dataset.id}:${r.dataset.declared}`));
    assert.ok(added.includes('S3:false'), `S3 added without a reason: ${added}`);
    assert.ok(added.some((a) => a.endsWith(':true')), `an outcome added with a declared reason: ${added}`);
    assert.equal(await page.getAttribute('[data-testid="outcomes"] tr[data-id="S2"]', 'data-status'), 'missing');
    assert.deepEqual(uploads, [], 'nothing is sent anywhere');
    assert.ok(workers.includes('/chunk-reader.js'), `the file was read by the reader worker: ${workers}`);
  } finally {
    await context.close();
  }
});

test('fetching a bundle by trial id when online', { skip }, async () => {
  const { context, page } = await newPage();
  try {
    const trials = await demoTrials();
    await page.goto(new URL('/verify', PORTAL_URL).href);
    await page.fill('[data-testid="trial-id"]', trials['HANDS-ON']);
    await page.click('[data-testid="fetch-bundle"]');
    assert.equal(await reportVerdict(page), 'verified');
    assert.equal(await page.textContent('[data-testid="report-trial"]'), trials['HANDS-ON']);
  } finally {
    await context.close();
  }
});

test('a policy file is kept in IndexedDB for the next visit', { skip }, async () => {
  const { context, page } = await newPage();
  try {
    await page.goto(new URL('/verify', PORTAL_URL).href);
    await page.setInputFiles('[data-testid="policy-file"]', path.join(DATA, 'policy.txt'));
    await page.locator('[data-testid="policy-file-name"]').waitFor({ timeout: TIMEOUT });
    await page.reload();
    await page.locator('[data-testid="policy-file-name"]').waitFor({ timeout: TIMEOUT });
    assert.equal(await page.textContent('[data-testid="policy-file-name"]'), 'policy.txt');
    assert.equal(await page.isChecked('[data-testid="policy-choice-file"]'), true);
    assert.equal(await loadIntoPage(page, files.handsOn), 'verified');
    // A policy file for another log: the same bundle fails, naming the origin check.
    const other = path.join(dir, 'other-policy.txt');
    fs.writeFileSync(other, fs.readFileSync(path.join(DATA, 'policy.txt'), 'utf8').replace(/^log (\S+)/m, (_, key) => `log other.example/log${key.slice(key.indexOf('+'))}`));
    await page.setInputFiles('[data-testid="policy-file"]', other);
    await page.waitForFunction(() => document.querySelector('[data-testid="policy-file-name"]')?.textContent === 'other-policy.txt');
    const verdict = (await page.locator('[data-testid="report"]').count()) > 0
      ? await page.getAttribute('[data-testid="report"]', 'data-verdict')
      : null;
    const error = await page.locator('[data-testid="policy-error"]').count();
    assert.ok(verdict === 'failed' || error === 1, `a foreign policy does not verify (verdict ${verdict})`);
    await page.check('[data-testid="policy-pinned"]');
    assert.equal(await reportVerdict(page), 'verified');
  } finally {
    await context.close();
  }
});

test('axe finds no serious or critical violations on /verify, empty and with a report', { skip }, async () => {
  const { context, page } = await newPage();
  try {
    await page.goto(new URL('/verify', PORTAL_URL).href);
    await page.locator('[data-testid="bundle-file"]').waitFor({ timeout: TIMEOUT });
    assert.deepEqual(await axeViolations(AxeBuilder, page), [], 'empty page');
    await screenshot(page, 'verify-empty');
    assert.equal(await loadIntoPage(page, files.sleepWell, [files.stranger]), 'failed');
    assert.deepEqual(await axeViolations(AxeBuilder, page), [], 'with a report');
    // Keyboard: the inputs and the export are reachable with Tab.
    const reached = new Set();
    for (let i = 0; i < 40; i += 1) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.dataset?.testid ?? document.activeElement?.id ?? '');
      reached.add(id);
    }
    for (const id of ['bundle-file', 'trial-id', 'policy-file', 'document-files', 'export-json']) {
      assert.ok(reached.has(id), `Tab reaches ${id}: ${[...reached]}`);
    }
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('[data-testid="export-json"]').isVisible(), false, 'print hides the buttons');
    await screenshot(page, 'verify-print');
  } finally {
    await context.close();
  }
});
