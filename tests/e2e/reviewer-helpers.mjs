// Shared by verify.test.mjs and parity.test.mjs (not a test file itself):
// the demo registry's bundles and documents, field-by-field tampered copies
// of a bundle, and driving the reviewer page (/verify).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PORTAL_URL = process.env.PORTAL_URL;
export const FULL = process.env.E2E_REGISTRY_LOG === '1';
export const DATA = process.env.E2E_REGISTRY_DATA;
export const TIMEOUT = 60_000;
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TRIALVERIFY = process.env.TRIALVERIFY ?? path.join(ROOT, 'target', 'debug', 'trialverify');
export const LAUNCH = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};

/** A fresh scratch directory. */
export function scratch(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `trial-ledger-${name}-`));
}

export async function fetchText(p) {
  const response = await fetch(new URL(p, PORTAL_URL));
  assert.equal(response.status, 200, `GET ${p}`);
  return response.text();
}

/**
 * The demo trials by acronym (SALT-BP, SLEEP-WELL, HANDS-ON) and the CT.gov
 * import (`CTGOV`). Each is searched for by name, and the earliest
 * registration wins: other tests add trials (300 load-test registrations, a
 * sponsor's own import of the same CT.gov record) that push the demo trials
 * out of the recent list.
 */
export async function demoTrials() {
  const byName = {};
  for (const [name, q, acronym] of [
    ['SALT-BP', 'SALT-BP', 'SALT-BP'],
    ['SLEEP-WELL', 'SLEEP-WELL', 'SLEEP-WELL'],
    ['HANDS-ON', 'HANDS-ON', 'HANDS-ON'],
    ['CTGOV', 'NCT00763412', null],
  ]) {
    const body = JSON.parse(await fetchText(`/api/v1/trials?q=${encodeURIComponent(q)}&limit=100`));
    const matches = body.trials
      .filter((t) => (acronym === null ? true : t.acronym === acronym))
      .sort((a, b) => a.registered_index - b.registered_index);
    assert.ok(matches.length > 0, `demo trial ${name}`);
    byName[name] = matches[0].trial_id;
  }
  return byName;
}

/** The registry's evidence bundle of `trialId`, as parsed JSON. */
export async function bundleOf(trialId) {
  return JSON.parse(await fetchText(`/api/v1/trials/${trialId}/bundle`));
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** Every subject digest (lowercase hex) named by the bundle's entries. */
export function subjectDigests(bundle) {
  const digests = new Set();
  for (const e of bundle.entries) {
    const envelope = JSON.parse(Buffer.from(e.entry, 'base64').toString('utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    for (const s of statement.subject ?? []) if (s.digest?.sha256) digests.add(s.digest.sha256);
  }
  return digests;
}

/**
 * The demo documents, rebuilt from the texts the seeds hash
 * (`trial_registry::demo::demo_document` for the demo's own trials,
 * `verifier::fixtures::document` for SALT-BP). The caller asserts that
 * each one's SHA-256 is a subject of the bundle, so a change of those
 * texts fails loudly here instead of silently testing nothing.
 */
export function demoDocument(trial, name) {
  if (trial === 'SALT-BP') {
    return Buffer.from(`SALT-BP trial document ${name}\n\nThis stands in for the real file; only its SHA-256 enters the ledger.\n`);
  }
  return Buffer.from(`Trial Ledger demo document ${name} of ${trial}.\nThis stands in for the real file; only its SHA-256 is on the ledger.\n`);
}

/** Writes `name` with `bytes` into `dir`, asserting (when `bundle` is given) it is a subject. */
export function writeDocument(dir, name, bytes, bundle) {
  if (bundle) assert.ok(subjectDigests(bundle).has(sha256(bytes)), `${name} is a subject of the bundle`);
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

function flip(text, at) {
  const c = text[at];
  return text.slice(0, at) + (c === 'A' ? 'B' : 'A') + text.slice(at + 1);
}

/** Flips a character of the signature in the note's line starting `— name`. */
function flipSignatureLine(note, whose) {
  const lines = note.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`— ${whose}`));
  assert.ok(i >= 0, `a signature line of ${whose}`);
  lines[i] = flip(lines[i], lines[i].length - 12);
  return lines.join('\n');
}

const clone = (b) => JSON.parse(JSON.stringify(b));

/**
 * Modified copies of `bundle`, one per field of the wire format (DESIGN §5),
 * each with the check that must name the failure.
 */
export function tamperedCopies(bundle) {
  const origin = bundle.origin;
  const witness = bundle.head.split('\n').find((l) => l.startsWith('— ') && !l.startsWith(`— ${origin} `)).split(' ')[1];
  const cases = [];
  const add = (name, check, change) => {
    const b = clone(bundle);
    change(b);
    cases.push({ name, check, bundle: b });
  };
  add('entry bytes', 'entry.inclusion', (b) => { b.entries[1].entry = flip(b.entries[1].entry, 40); });
  add('anchor checkpoint (tree size)', 'entry.anchor', (b) => {
    const lines = b.entries[0].anchor.split('\n');
    lines[1] = String(Number(lines[1]) - 1);
    b.entries[0].anchor = lines.join('\n');
  });
  add('anchor checkpoint (root)', 'entry.anchor', (b) => {
    const lines = b.entries[0].anchor.split('\n');
    lines[2] = flip(lines[2], 5);
    b.entries[0].anchor = lines.join('\n');
  });
  add('anchor cosignature line', 'entry.anchor', (b) => { b.entries[0].anchor = flipSignatureLine(b.entries[0].anchor, witness); });
  add('head (root)', 'head.trusted', (b) => {
    const lines = b.head.split('\n');
    lines[2] = flip(lines[2], 5);
    b.head = lines.join('\n');
  });
  add('head log signature line', 'head.trusted', (b) => { b.head = flipSignatureLine(b.head, origin); });
  add('head cosignature line', 'head.trusted', (b) => { b.head = flipSignatureLine(b.head, witness); });
  add('head cosignature line removed', 'head.trusted', (b) => {
    b.head = b.head.split('\n').filter((l) => !l.startsWith(`— ${witness} `)).join('\n');
  });
  // An entry whose anchor is larger than one leaf has a non-empty proof.
  const proved = bundle.entries.findIndex((e) => e.inclusion.length > 0);
  assert.ok(proved >= 0, 'some entry has a non-empty inclusion proof');
  add('inclusion proof', 'entry.inclusion', (b) => { b.entries[proved].inclusion[0] = flip(b.entries[proved].inclusion[0], 3); });
  add('inclusion proof shortened', 'entry.inclusion', (b) => { b.entries[proved].inclusion.pop(); });
  add('consistency proof', 'entry.consistency', (b) => {
    const e = b.entries[proved];
    if (e.consistency.length > 0) e.consistency[0] = flip(e.consistency[0], 3);
    else e.consistency.push(e.inclusion[0]); // equal sizes need an empty proof
  });
  add('index', 'entry.inclusion', (b) => { b.entries[0].index += 1; });
  add('trial id', 'trial.id', (b) => { b.trial_id = flip(b.trial_id, b.trial_id.length - 1); });
  add('origin', 'bundle.origin', (b) => { b.origin = `${b.origin}-other`; });
  add('format', 'bundle.format', (b) => { b.format = 'trial-ledger-bundle/v0'; });
  add('entry left out (prev chain)', 'entry.rules', (b) => { b.entries.splice(1, 1); });
  return cases;
}

/** `trialverify bundle FILE --policy DATA/policy.txt --file … --json`, run in `cwd`. */
export function trialverify(bundleFile, files, cwd) {
  const args = ['bundle', bundleFile, '--policy', path.join(DATA, 'policy.txt'), ...files.flatMap((f) => ['--file', f]), '--json'];
  return new Promise((resolve) => {
    execFile(TRIALVERIFY, args, { cwd, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? error.code : 0;
      resolve({ code, json: stdout.trim() ? JSON.parse(stdout) : null, stderr });
    });
  });
}

/** Waits for the report on /verify; returns its verdict. */
export async function reportVerdict(page) {
  const report = page.locator('[data-testid="report"]');
  await report.waitFor({ timeout: TIMEOUT });
  return report.getAttribute('data-verdict');
}

/** Loads a bundle file and documents into /verify (already open) and returns the verdict. */
export async function loadIntoPage(page, bundleFile, documents = []) {
  if (documents.length > 0) await page.setInputFiles('[data-testid="document-files"]', documents);
  await page.setInputFiles('[data-testid="bundle-file"]', bundleFile);
  return reportVerdict(page);
}

/** Clicks "Export report (JSON)" and returns the downloaded report. */
export async function exportJson(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-json"]')]);
  assert.match(download.suggestedFilename(), /\.report\.json$/);
  return JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
}

/** The names of the failed checks (with entry index) of a report. */
export function failedChecks(report) {
  return report.checks.filter((c) => !c.ok).map((c) => (c.index === undefined ? c.name : `${c.name}@${c.index}`));
}

/** axe-core's serious and critical violations. */
export async function axeViolations(AxeBuilder, page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Saves a screenshot when E2E_SCREENSHOTS names a directory. */
export async function screenshot(page, name) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
