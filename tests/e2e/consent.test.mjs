// End-to-end: the participant's consent journey, entirely in the browser,
// against a registry started with `serve --demo` (PORTAL_URL).
//
// The consent form file is SALT-BP's registered form v2: the demo seeds
// `verifier::fixtures`, whose documents are deterministic texts
// (`fixtures::document`), so the test writes the same bytes and first
// checks that their SHA-256 is the consent-form subject of the verified
// amendment (a clear failure if the fixture text ever changes).
//
// Privacy: every request of the browser context is recorded (URL and
// body); none may carry the participant's name, choices or record. Giving
// and withdrawing consent are done with the browser offline after the
// trial page loaded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const PORTAL_URL = process.env.PORTAL_URL;
const FULL = process.env.E2E_REGISTRY_LOG === '1';
const SHOTS = process.env.E2E_SCREENSHOTS;
const TIMEOUT = 60_000;
const skip = FULL ? false : 'the registry has no log or --demo yet (E2E_REGISTRY_LOG != 1)';

const FORM_NAME = 'consent-v2-en.pdf';
const FORM_TEXT = `SALT-BP trial document ${FORM_NAME}\n\nThis stands in for the real file; only its SHA-256 enters the ledger.\n`;
const NAME = 'Ada Lovelace-Byron';

let browser;
let dir;

before(async () => {
  assert.ok(PORTAL_URL, 'PORTAL_URL must name the running portal');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  dir = await mkdtemp(join(tmpdir(), 'consent-e2e-'));
  if (SHOTS) await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
});

/** A fresh profile that records page errors and every request. */
async function newContext() {
  const context = await browser.newContext({ acceptDownloads: true });
  const errors = [];
  const requests = [];
  context.on('page', (page) => {
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  });
  context.on('request', (request) => {
    requests.push({ method: request.method(), url: request.url(), body: request.postData() ?? '' });
  });
  return { context, errors, requests };
}

async function fetchJson(path) {
  const response = await fetch(new URL(path, PORTAL_URL));
  assert.equal(response.status, 200, `GET ${path}`);
  return response.json();
}

/** SALT-BP's id, after checking that FORM_TEXT is its registered form v2. */
async function saltBp() {
  const { trials } = await fetchJson('/api/v1/trials?q=SALT-BP');
  const trial = trials.find((t) => /salt/i.test(t.title)) ?? trials[0];
  assert.ok(trial, 'the demo registry has SALT-BP');
  const bundle = await fetchJson(`/api/v1/trials/${trial.trial_id}/bundle`);
  const digests = bundle.entries.flatMap((e) => {
    const envelope = JSON.parse(Buffer.from(e.entry, 'base64').toString('utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    return statement.subject.filter((s) => s.name === FORM_NAME).map((s) => s.digest.sha256);
  });
  const ours = createHash('sha256').update(FORM_TEXT).digest('hex');
  assert.ok(digests.includes(ours), `the test's form text must be ${FORM_NAME} as registered (${digests} vs ${ours})`);
  return trial.trial_id;
}

async function axe(page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function openConsentPage(page, id) {
  await page.goto(new URL(`/trials/${id}/consent`, PORTAL_URL).href);
  await page.getByTestId('trial-verified').waitFor({ timeout: TIMEOUT });
}

async function downloadOf(page, testid) {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: TIMEOUT }),
    page.getByTestId(testid).click(),
  ]);
  const path = join(dir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return path;
}

async function giveConsent(page, { anchor = false } = {}) {
  await page.getByTestId('consent-form-file').setInputFiles({
    name: 'consent-v2-en.txt', mimeType: 'text/plain', buffer: Buffer.from(FORM_TEXT),
  });
  await page.getByTestId('form-matched').waitFor({ timeout: TIMEOUT });
  assert.match(await page.getByTestId('form-text').textContent(), /SALT-BP trial document/);
  // Required options cannot be skipped.
  await page.getByTestId('sign-consent').click();
  const problems = await page.getByTestId('sign-problems').textContent();
  assert.match(problems, /required to take part/);
  await page.getByTestId('option-participate').check();
  await page.getByTestId('option-gp-letter').check();
  await page.getByTestId('option-future-research').check();
  await page.getByTestId('participant-name').fill(NAME);
  assert.match(await page.getByTestId('signature-meaning').textContent(), /consent/);
  if (anchor) await page.getByTestId('anchor-consent').check();
  await shot(page, 'consent-form');
  await page.getByTestId('sign-consent').click();
  await page.getByTestId('consent-signed').waitFor({ timeout: TIMEOUT });
}

/** No request carried the name, choices, record id or record digest. */
function assertPrivate(requests, secrets) {
  for (const r of requests) {
    const text = `${decodeURIComponent(r.url)}\n${r.body}`;
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `${r.method} ${r.url} carries ${JSON.stringify(secret)}`);
    }
  }
}

test('a form that is not registered is refused, saying which versions are', { skip }, async () => {
  const id = await saltBp();
  const { context, errors } = await newContext();
  try {
    const page = await context.newPage();
    await openConsentPage(page, id);
    await page.getByTestId('consent-form-file').setInputFiles({
      name: 'consent.txt', mimeType: 'text/plain', buffer: Buffer.from('Some other consent form.\n'),
    });
    const refusal = page.getByTestId('form-mismatch');
    await refusal.waitFor({ timeout: TIMEOUT });
    const text = await refusal.textContent();
    assert.match(text, /not a consent form registered/);
    assert.match(text, /version 1 \(en/);
    assert.match(text, /version 2 \(en/);
    assert.equal(await page.getByTestId('sign-consent').count(), 0);
    await shot(page, 'consent-mismatch');
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('consent given and withdrawn offline, exported as FHIR, verified by a site; nothing personal leaves the browser', { skip }, async () => {
  const id = await saltBp();
  const { context, errors, requests } = await newContext();
  try {
    const page = await context.newPage();
    await openConsentPage(page, id);
    assert.deepEqual(await axe(page), []);
    // The registry is gone from here on.
    await context.setOffline(true);
    await giveConsent(page);
    await shot(page, 'consent-signed');
    await page.getByRole('link', { name: /See my consents/ }).click();
    await page.waitForURL('**/consents');
    const record = page.getByTestId('consent-record');
    await record.waitFor({ timeout: TIMEOUT });
    assert.equal(await record.count(), 1);
    assert.equal(await page.getByTestId('history-event').count(), 1);
    const recordId = await record.getAttribute('data-record-id');
    assert.match(recordId, /^[0-9a-f]{32}$/);

    const fhir = JSON.parse(await readFile(await downloadOf(page, 'export-fhir'), 'utf8'));
    assert.equal(fhir.resourceType, 'Consent');
    assert.equal(fhir.status, 'active');
    assert.equal(fhir.scope.coding[0].code, 'research');
    assert.equal(fhir.provision.provision.length, 3);

    await page.getByTestId('withdraw-future-research').click();
    await page.locator('[data-testid="history-event"]').nth(1).waitFor({ timeout: TIMEOUT });
    const kinds = await page.locator('[data-testid="history-event"]').evaluateAll((els) => els.map((e) => e.dataset.kind));
    assert.deepEqual(kinds, ['given', 'withdrawn']);
    assert.equal(await page.getByTestId('choice-future-research').getAttribute('data-permit'), 'false');
    assert.equal(await page.getByTestId('choice-participate').getAttribute('data-permit'), 'true');
    await shot(page, 'consents');
    const receiptPath = await downloadOf(page, 'export-receipt');
    const receipt = JSON.parse(await readFile(receiptPath, 'utf8'));
    assert.equal(receipt.record.events.length, 2);

    await page.getByTestId('print-receipt').click();
    await page.getByTestId('receipt-qr').waitFor({ timeout: TIMEOUT });
    const digest = (await page.getByTestId('receipt-digest').textContent()).trim();
    await shot(page, 'printable-receipt');
    assert.deepEqual(await axe(page), []);
    await page.getByRole('button', { name: 'Back to my consents' }).click();
    assert.deepEqual(await axe(page), []);

    // A study site, online, checks the receipt.
    await context.setOffline(false);
    await page.getByRole('link', { name: 'the receipt verification page' }).click();
    await page.waitForURL('**/consents/verify');
    await page.getByTestId('receipt-file').setInputFiles(receiptPath);
    const verdict = page.getByTestId('receipt-verdict');
    await verdict.waitFor({ timeout: TIMEOUT });
    const checks = await page.locator('[data-testid="receipt-check"]').evaluateAll((els) => els.map((e) => `${e.dataset.name}:${e.dataset.ok}`));
    assert.equal(await verdict.getAttribute('data-state'), 'verified', checks.join(', '));
    assert.ok(checks.includes('record.signatures:true'), checks.join(', '));
    assert.ok(checks.includes('form.registered:true'), checks.join(', '));
    await shot(page, 'consent-verify');
    assert.deepEqual(await axe(page), []);

    // A tampered receipt fails.
    receipt.record.events[1].body.choices[2].permit = true;
    await page.getByTestId('receipt-json').fill(JSON.stringify(receipt));
    await page.getByTestId('verify-receipt').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="receipt-verdict"]')?.dataset.state === 'failed', null, { timeout: TIMEOUT });

    assert.ok(requests.length > 0, 'requests were recorded');
    assertPrivate(requests, [NAME, 'Lovelace', recordId, digest, 'future-research', 'gp-letter', 'participate']);
    assert.equal(requests.filter((r) => r.method === 'POST').length, 0, 'nothing was submitted');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('an anchored consent sends only the blinded commitment and is proved in the log', { skip }, async () => {
  const id = await saltBp();
  const { context, errors, requests } = await newContext();
  try {
    const page = await context.newPage();
    await openConsentPage(page, id);
    await giveConsent(page, { anchor: true });
    await page.waitForFunction(
      () => /Anchored: log entry|not yet verified|could not be anchored/.test(document.querySelector('[data-testid="anchor-status"]')?.textContent ?? ''),
      null,
      { timeout: TIMEOUT },
    );
    assert.match(await page.getByTestId('anchor-status').textContent(), /Anchored: log entry \d+, witnessed/);
    await page.getByRole('link', { name: /See my consents/ }).click();
    const record = page.getByTestId('consent-record');
    await record.waitFor({ timeout: TIMEOUT });
    const recordId = await record.getAttribute('data-record-id');
    assert.match(await page.getByTestId('history-event').first().textContent(), /anchored in log entry \d+, witnessed/);
    const receiptPath = await downloadOf(page, 'export-receipt');

    await page.goto(new URL('/consents/verify', PORTAL_URL).href);
    await page.getByTestId('receipt-file').setInputFiles(receiptPath);
    const verdict = page.getByTestId('receipt-verdict');
    await verdict.waitFor({ timeout: TIMEOUT });
    const checks = await page.locator('[data-testid="receipt-check"]').evaluateAll((els) => els.map((e) => `${e.dataset.name}:${e.dataset.ok}`));
    assert.equal(await verdict.getAttribute('data-state'), 'verified', checks.join(', '));
    assert.ok(checks.includes('anchor.commitment:true'), checks.join(', '));
    assert.ok(checks.includes('anchor.in_log:true'), checks.join(', '));

    // The only submission is a consent entry whose one subject is the commitment.
    const posts = requests.filter((r) => r.method === 'POST');
    assert.equal(posts.length, 1, posts.map((p) => p.url).join(', '));
    assert.match(posts[0].url, /\/api\/v1\/entries$/);
    const envelope = JSON.parse(posts[0].body);
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    assert.equal(statement.predicateType, 'urn:trial-ledger:consent:v1');
    assert.deepEqual(Object.keys(statement.predicate).sort(), ['created_at', 'event', 'form', 'signer_key', 'trial_id']);
    assert.equal(statement.subject.length, 1);
    assert.equal(statement.subject[0].name, 'consent-record');
    assertPrivate(requests, [NAME, 'Lovelace', recordId, 'future-research', 'gp-letter']);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the vault is exported, everything deleted, and restored with the passphrase', { skip }, async () => {
  const id = await saltBp();
  const { context, errors } = await newContext();
  try {
    const page = await context.newPage();
    await openConsentPage(page, id);
    await giveConsent(page);
    await page.getByRole('link', { name: /See my consents/ }).click();
    await page.getByTestId('consent-record').waitFor({ timeout: TIMEOUT });
    await page.getByTestId('vault-passphrase').fill('correct horse battery');
    const vaultPath = await downloadOf(page, 'vault-export');
    const vault = await readFile(vaultPath, 'utf8');
    assert.ok(!vault.includes('Lovelace'), 'the vault is encrypted');

    await page.getByTestId('delete-all').click();
    await page.getByTestId('confirm-delete-all').click();
    await page.getByTestId('no-consents').waitFor({ timeout: TIMEOUT });

    await page.getByTestId('vault-file').setInputFiles(vaultPath);
    await page.getByTestId('vault-import-passphrase').fill('wrong horse battery');
    await page.getByTestId('vault-import').click();
    await page.waitForFunction(() => /wrong passphrase/.test(document.querySelector('[data-testid="consents-message"]')?.textContent ?? ''), null, { timeout: TIMEOUT });
    await page.getByTestId('vault-import-passphrase').fill('correct horse battery');
    await page.getByTestId('vault-import').click();
    await page.getByTestId('consent-record').waitFor({ timeout: TIMEOUT });
    // The key came back too: the consent can be withdrawn here.
    // Withdrawing from the whole trial asks once more; cancel keeps the consent.
    await page.getByTestId('withdraw-all').click();
    await page.getByTestId('withdraw-all-cancel').click();
    assert.equal(await page.getAttribute('[data-testid="consent-record"]', 'data-state'), 'given');
    await page.getByTestId('withdraw-all').click();
    await page.getByTestId('withdraw-all-confirm').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="consent-record"]')?.dataset.state === 'withdrawn', null, { timeout: TIMEOUT });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
