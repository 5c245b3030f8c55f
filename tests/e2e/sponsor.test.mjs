// End-to-end: the sponsor workspace (/sponsor) against a real registry
// started with `serve --demo` (PORTAL_URL), with the portal built for that
// registry's policy.
//
// A sponsor makes a key in the browser, backs it up as an encrypted file and
// imports it back (a wrong passphrase is refused), imports a real
// ClinicalTrials.gov record, completes what the record lacks (the ethics
// review), attaches a protocol (hashed in the browser), reviews exactly what
// will be signed, registers, and gets a receipt whose inclusion is verified
// in the browser; then amends with a reason, reports an actual first
// enrolment, commits results, and the public trial page verifies.
//
// Needs the registry's log (E2E_REGISTRY_LOG=1). SPONSOR_SCREENSHOTS=<dir>
// saves screenshots of the workspace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const PORTAL_URL = process.env.PORTAL_URL;
const FULL = process.env.E2E_REGISTRY_LOG === '1';
const SHOTS = process.env.SPONSOR_SCREENSHOTS;
const TIMEOUT = 60_000;
const skip = FULL ? false : 'the registry has no log or --demo yet (E2E_REGISTRY_LOG != 1)';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CTGOV = join(ROOT, 'verifier', 'tests', 'data', 'ctgov', 'NCT00763412.json');
const PASSPHRASE = 'correct horse battery staple';

let browser;

before(async () => {
  assert.ok(PORTAL_URL, 'PORTAL_URL must name the running portal');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
});

async function axe(page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the light client has checked the log (policies loaded). */
async function logChecked(page) {
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="log-status"]');
      return el && el.dataset.state !== 'checking' && el.dataset.state !== 'starting';
    },
    null,
    { timeout: TIMEOUT },
  );
}

/** Review, sign and submit the current entry; returns the verified receipt's trial id. */
async function signAndSubmit(page, kind) {
  await page.getByTestId('review-button').click();
  const review = page.getByTestId('review');
  await review.waitFor({ timeout: TIMEOUT });
  const statement = await page.getByTestId('review-statement').textContent();
  assert.match(statement, new RegExp(`urn:trial-ledger:${kind}:v1`));
  await page.getByTestId('submit').click();
  const receipt = page.getByTestId('receipt');
  await receipt.waitFor({ timeout: TIMEOUT });
  await page.waitForFunction(
    () => document.querySelector('[data-testid="receipt"]')?.dataset.state !== 'pending',
    null,
    { timeout: TIMEOUT },
  );
  assert.equal(await receipt.getAttribute('data-state'), 'verified', await receipt.textContent());
  const witnessed = (await page.getByTestId('receipt-witnessed').textContent()).trim();
  assert.match(witnessed, /^\d{4}-\d{2}-\d{2}T/);
  assert.match(await page.getByTestId('receipt-entry-hash').textContent(), /^[0-9a-f]{64}$/);
  return { statement, trialId: (await page.getByTestId('receipt-trial-id').textContent()).trim() };
}

test('a sponsor registers, amends, reports status and results; the trial verifies', { skip, timeout: 300_000 }, async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const errors = [];
  context.on('page', (p) => p.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`)));
  const dir = mkdtempSync(join(tmpdir(), 'sponsor-e2e-'));
  try {
    const page = await context.newPage();
    await page.goto(new URL('/sponsor', PORTAL_URL).href);
    await page.locator('main h1', { hasText: 'For sponsors' }).waitFor({ timeout: TIMEOUT });
    await logChecked(page);

    // 1. Keys: create, export (encrypted), import back; a wrong passphrase is refused.
    await page.getByTestId('key-create').click();
    await page.locator('[data-testid="key-list"] li.key').first().waitFor({ timeout: TIMEOUT });
    const keyid = await page.locator('[data-testid="key-list"] li.key').first().getAttribute('data-keyid');
    assert.match(keyid, /^[0-9a-f]{16}$/);
    await page.getByTestId('key-passphrase').fill(PASSPHRASE);
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: TIMEOUT }),
      page.getByTestId('key-export').first().click(),
    ]);
    const keyFile = join(dir, download.suggestedFilename());
    await download.saveAs(keyFile);
    const exported = JSON.parse(readFileSync(keyFile, 'utf8'));
    assert.equal(exported.format, 'trial-ledger-key/v1');
    assert.equal(exported.keyid, keyid);
    assert.equal(exported.kdf, 'argon2id');
    await page.getByTestId('key-passphrase').fill('not the passphrase');
    await page.getByTestId('key-import-file').setInputFiles(keyFile);
    const keyError = page.getByTestId('key-error');
    await keyError.waitFor({ timeout: TIMEOUT });
    assert.match(await keyError.textContent(), /wrong passphrase/i);
    await page.getByTestId('key-passphrase').fill(PASSPHRASE);
    await page.getByTestId('key-import-file').setInputFiles(keyFile);
    await page.getByTestId('key-message').filter({ hasText: 'Imported' }).waitFor({ timeout: TIMEOUT });
    assert.equal(await page.locator('[data-testid="key-list"] li.key').count(), 1);

    // 2. Import the ClinicalTrials.gov record; its placeholders are listed.
    await page.getByTestId('ctgov-file').setInputFiles(CTGOV);
    const notes = page.getByTestId('import-notes');
    await notes.waitFor({ timeout: TIMEOUT });
    assert.match(await notes.textContent(), /NCT00763412/);
    assert.match(await page.getByTestId('import-placeholders').textContent(), /Ethics review/i);
    const record = JSON.parse(readFileSync(CTGOV, 'utf8'));
    const title = record.protocolSection.identificationModule.briefTitle;
    assert.equal(await page.locator('#f-trial-public_title').inputValue(), title);
    // The missing ethics committee is flagged next to its field.
    const committee = page.locator('#f-trial-ethics_review-committee-name');
    assert.equal(await committee.getAttribute('aria-invalid'), 'true');
    await page.locator('#f-trial-ethics_review-status').selectOption('approved');
    await page.locator('#f-trial-ethics_review-date').fill('2008-09-01');
    await committee.fill('Hospital Research Ethics Board');

    // The draft is autosaved: it survives a reload.
    await page.waitForTimeout(500);
    await page.reload();
    await page.locator('#f-trial-public_title').waitFor({ timeout: TIMEOUT });
    await page.waitForFunction((t) => document.querySelector('#f-trial-public_title')?.value === t, title, { timeout: TIMEOUT });
    assert.equal(await committee.inputValue(), 'Hospital Research Ethics Board');
    await logChecked(page);

    // 3. A protocol, hashed in the browser.
    const protocol = join(dir, 'protocol-v1.txt');
    const protocolBytes = Buffer.from(`Protocol for ${title}\n`.repeat(2000));
    writeFileSync(protocol, protocolBytes);
    const sha256 = createHash('sha256').update(protocolBytes).digest('hex');
    await page.getByTestId('document-role').selectOption('protocol');
    await page.getByTestId('document-file').setInputFiles(protocol);
    await page.getByTestId('document-sha256').filter({ hasText: sha256 }).waitFor({ timeout: TIMEOUT });
    const progress = page.getByTestId('hash-progress').first();
    assert.equal(await progress.getAttribute('value'), await progress.getAttribute('max'));
    await shot(page, '1-registration-form');

    // 4. Review (exactly what is signed), sign and submit, receipt.
    await page.getByTestId('review-button').click();
    await page.getByTestId('review').waitFor({ timeout: TIMEOUT });
    assert.match(await page.getByTestId('review-statement').textContent(), new RegExp(sha256));
    assert.deepEqual(await axe(page), [], 'sponsor page with review');
    await shot(page, '2-review');
    await page.getByTestId('submit').click();
    await page.getByTestId('receipt').waitFor({ timeout: TIMEOUT });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="receipt"]')?.dataset.state !== 'pending',
      null,
      { timeout: TIMEOUT },
    );
    assert.equal(await page.getByTestId('receipt').getAttribute('data-state'), 'verified');
    const trialId = (await page.getByTestId('receipt-trial-id').textContent()).trim();
    assert.match(trialId, /^TL-[0-9A-Z]{16}$/);
    assert.equal(await page.getByTestId('receipt-trial-link').getAttribute('href'), `/trials/${trialId}`);
    await shot(page, '3-receipt');

    // 5. Amend: field-by-field diff, reason required.
    await page.getByTestId('task-update').click();
    await page.getByTestId('trial-loaded').waitFor({ timeout: TIMEOUT });
    await page.locator('#f-trial-target_sample_size').fill('480');
    const diff = page.getByTestId('amend-diff');
    await diff.locator('tbody tr').first().waitFor({ timeout: TIMEOUT });
    assert.match(await diff.textContent(), /480/);
    await page.getByTestId('review-button').click();
    await page.locator('#f-reason-error').waitFor({ timeout: TIMEOUT });
    await page.getByTestId('amend-reason').fill('Sample size re-estimated after the pilot phase.');
    await shot(page, '4-amend');
    await signAndSubmit(page, 'amendment');

    // 6. Status update with the actual first enrolment.
    await page.getByTestId('task-status').click();
    await page.locator('#f-recruitment_status').selectOption('recruiting');
    const today = new Date().toISOString().slice(0, 10);
    await page.locator('#f-actual_first_enrolment').fill(today);
    const status = await signAndSubmit(page, 'status');
    assert.match(status.statement, new RegExp(`"actual_first_enrolment": "${today}"`));

    // 7. Results: every pre-specified outcome offered; a result for each.
    await page.getByTestId('task-results').click();
    const rows = page.getByTestId('result-row');
    await rows.first().waitFor({ timeout: TIMEOUT });
    const count = await rows.count();
    assert.ok(count > 0);
    for (let i = 0; i < count; i += 1) {
      await page.locator(`#f-rows-${i}-result`).fill(`Result ${i + 1}: see the clinical study report, table ${i + 1}.`);
    }
    await page.locator('#f-summary').fill('The intervention met its primary outcome; no unexpected safety findings.');
    const csr = join(dir, 'csr-v1.txt');
    writeFileSync(csr, 'Clinical study report\n'.repeat(500));
    await page.getByTestId('document-role').selectOption('clinical-study-report');
    await page.getByTestId('document-file').setInputFiles(csr);
    await page.getByTestId('document-sha256').first().waitFor({ timeout: TIMEOUT });
    await shot(page, '5-results');
    const results = await signAndSubmit(page, 'results');
    assert.match(results.statement, /clinical-study-report/);

    // 8. The public record verifies, with the outcome table.
    await page.getByTestId('receipt-trial-link').click();
    await page.waitForURL(`**/trials/${trialId}`);
    await page.waitForFunction(
      () => document.querySelector('main [data-testid="verification"]')?.tagName === 'SECTION',
      null,
      { timeout: TIMEOUT },
    );
    assert.equal(await page.locator('main [data-testid="verification"]').getAttribute('data-state'), 'verified');
    await page.getByTestId('outcomes').waitFor({ timeout: TIMEOUT });
    assert.ok((await page.locator('[data-testid="outcomes"] tbody tr').count()) >= count);
    assert.equal((await page.getByTestId('trial-title').textContent()).trim(), title);
    await shot(page, '6-trial-page');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a refused or invalid registration is explained next to its field', { skip, timeout: 120_000 }, async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(new URL('/sponsor', PORTAL_URL).href);
    await page.locator('main h1', { hasText: 'For sponsors' }).waitFor({ timeout: TIMEOUT });
    await logChecked(page);
    await page.getByTestId('key-create').click();
    await page.locator('[data-testid="key-list"] li.key').first().waitFor({ timeout: TIMEOUT });
    // An empty form: every problem is listed and each is shown at its input.
    await page.getByTestId('review-button').click();
    const summary = page.getByTestId('error-summary');
    await summary.waitFor({ timeout: TIMEOUT });
    assert.ok((await summary.locator('li').count()) >= 5);
    await page.locator('#f-trial-public_title-error').waitFor();
    assert.match(await page.locator('#f-trial-public_title-error').textContent(), /must not be empty/);
    assert.equal(await page.locator('#f-trial-public_title').getAttribute('aria-describedby'), 'f-trial-public_title-hint f-trial-public_title-error');
    assert.equal(await page.getByTestId('review').count(), 0, 'nothing to review while the form is invalid');
    assert.deepEqual(await axe(page), [], 'sponsor page with errors');
    await shot(page, '0-errors');
  } finally {
    await context.close();
  }
});
