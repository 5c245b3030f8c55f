// Parity and tamper resistance (issue 7): the browser's /verify and
// `trialverify bundle --json` give the same report on the same inputs —
// the demo registry's bundles (verified and with findings), a bundle with a
// matching and one with a foreign document, and for every field of the
// bundle wire format (entry bytes, anchor checkpoint, head, cosignature
// lines, inclusion and consistency proofs, index, …) a modified copy, which
// both must reject with the same failing check, named.
//
// The browser's report is its JSON export (the "Export report (JSON)"
// button); the CLI is `target/debug/trialverify` (built here if missing)
// with the registry's policy.txt (E2E_REGISTRY_DATA). Documents are passed
// to the CLI by bare file name from their directory, so both name them the
// same way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

import {
  DATA, FULL, LAUNCH, PORTAL_URL, ROOT, TIMEOUT, TRIALVERIFY, bundleOf, demoDocument, demoTrials,
  exportJson, failedChecks, loadIntoPage, scratch, tamperedCopies, trialverify, writeDocument,
} from './reviewer-helpers.mjs';

const skip = FULL ? false : 'the registry has no log or --demo yet (E2E_REGISTRY_LOG != 1)';
const EXIT = { verified: 0, failed: 1, findings: 3 };

let browser;
let context;
let dir;
let cases;

before(async () => {
  if (!FULL) return;
  assert.ok(PORTAL_URL, 'PORTAL_URL must name the running portal');
  assert.ok(DATA, 'E2E_REGISTRY_DATA must name the registry data directory');
  if (!fs.existsSync(TRIALVERIFY)) {
    execFileSync('cargo', ['build', '-p', 'verifier', '--bin', 'trialverify'], { cwd: ROOT, stdio: 'inherit' });
  }
  browser = await chromium.launch(LAUNCH);
  context = await browser.newContext({ acceptDownloads: true });
  dir = scratch('parity');
  const trials = await demoTrials();
  const bundles = {};
  for (const [name, id] of Object.entries(trials)) bundles[name] = await bundleOf(id);
  const protocol = writeDocument(dir, 'protocol-v1.pdf', demoDocument('HANDS-ON', 'protocol-v1.pdf'), bundles['HANDS-ON']);
  const csr = writeDocument(dir, 'clinical-study-report.pdf', demoDocument('SALT-BP', 'clinical-study-report.pdf'), bundles['SALT-BP']);
  const stranger = writeDocument(dir, 'stranger.pdf', Buffer.from('not a document of the trial\n'));
  cases = [];
  for (const [name, bundle] of Object.entries(bundles)) cases.push({ name: `demo ${name}`, bundle, documents: [] });
  cases.push({ name: 'HANDS-ON with its protocol', bundle: bundles['HANDS-ON'], documents: [protocol], verdict: 'verified' });
  cases.push({ name: 'SALT-BP with its report', bundle: bundles['SALT-BP'], documents: [csr], verdict: 'findings' });
  cases.push({ name: 'HANDS-ON with a foreign document', bundle: bundles['HANDS-ON'], documents: [stranger], verdict: 'failed', check: 'document' });
  for (const t of tamperedCopies(bundles['SALT-BP'])) {
    cases.push({ name: `SALT-BP, modified ${t.name}`, bundle: t.bundle, documents: [], verdict: 'failed', check: t.check });
  }
  cases.forEach((c, i) => {
    c.file = path.join(dir, `case-${String(i).padStart(2, '0')}.bundle.json`);
    fs.writeFileSync(c.file, JSON.stringify(c.bundle));
  });
});

after(async () => {
  await context?.close();
  await browser?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the browser and trialverify give the same report on every bundle, tampered ones rejected by both', { skip, timeout: 600_000 }, async () => {
  assert.ok(cases.length >= 20, `${cases.length} cases`);
  const page = await context.newPage();
  const summary = [];
  for (const c of cases) {
    const cli = await trialverify(c.file, c.documents.map((d) => path.basename(d)), dir);
    assert.ok(cli.json, `${c.name}: trialverify printed a report (exit ${cli.code}: ${cli.stderr})`);
    assert.equal(cli.code, EXIT[cli.json.verdict], `${c.name}: exit code of ${cli.json.verdict}`);

    await page.goto(new URL('/verify', PORTAL_URL).href);
    await page.locator('[data-testid="bundle-file"]').waitFor({ timeout: TIMEOUT });
    const verdict = await loadIntoPage(page, c.file, c.documents);
    const browserReport = await exportJson(page);

    assert.equal(verdict, cli.json.verdict, `${c.name}: the same verdict`);
    assert.deepEqual(browserReport, cli.json, `${c.name}: the same report`);
    if (c.verdict) assert.equal(cli.json.verdict, c.verdict, `${c.name}: verdict`);
    if (c.check) {
      const failed = failedChecks(cli.json);
      assert.ok(failed.some((f) => f === c.check || f.startsWith(`${c.check}@`)), `${c.name}: ${c.check} fails (failed: ${failed})`);
      // The page names it too.
      const row = page.locator(`[data-testid="checks"] tr[data-check="${c.check}"][data-ok="false"]`);
      assert.ok((await row.count()) > 0, `${c.name}: the page marks ${c.check} failed`);
    }
    summary.push(`${c.name}: ${cli.json.verdict} [${failedChecks(cli.json).join(', ')}]`);
  }
  console.log(summary.join('\n'));
  await page.close();
});
