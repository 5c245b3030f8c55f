// `cargo xtask bench-web`: opens the portal's /bench page in headless Debian
// Chromium, starts the run, waits for the JSON in data-testid="bench-results"
// and prints it. Not a test (the file name has no `.test.`): benchmarks
// report numbers, they do not pass or fail.
//
// Env: PORTAL_URL (the registry serving the portal), BENCH_MIB (size of the
// hashed Blob, default 256), BENCH_TIMEOUT_S (default 600).
import { chromium } from 'playwright-core';

const url = process.env.PORTAL_URL;
if (!url) {
  console.error('bench-web: PORTAL_URL must name the running portal');
  process.exit(2);
}
const mib = Number(process.env.BENCH_MIB ?? '256');
const timeout = Number(process.env.BENCH_TIMEOUT_S ?? '600') * 1000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let code = 0;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`bench-web: page error: ${e.message}`));
  await page.goto(new URL(`/bench?mib=${mib}&auto=1`, url).href);
  const results = page.getByTestId('bench-results');
  await results.waitFor({ timeout });
  const text = await results.textContent();
  const parsed = JSON.parse(text);
  console.log(JSON.stringify(parsed, null, 2));
} catch (e) {
  console.error(`bench-web: ${e.message}`);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
