// What the page scripts (page-origin.mjs, page-a11y.mjs) share: headless
// Chromium as they launch it, how long one wait may take on a busy machine,
// and named checks that print one line each and a summary in the form the
// test harness prints (`test result: ok. N passed; M failed`), which
// scripts/test.sh counts.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require(join(process.cwd(), '.tools/node_modules/playwright-core'));

/// Any single wait, on a busy machine.
export const WAIT_MS = 60_000;

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/// Headless Chromium (the binary `CHROMIUM` names), with nothing of its own
/// reaching the network.
export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM, args: FLAGS });
}

let passed = 0;
let failed = 0;

/// Runs one named check: its line says `ok`, or `FAILED` and why.
export async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`check ${name} ... ok`);
  } catch (e) {
    failed += 1;
    console.log(`check ${name} ... FAILED`);
    for (const l of String(e && e.message ? e.message : e).split('\n')) console.log(`    ${l}`);
  }
}

/// Closes the browser, prints the summary and exits: 1 if any check failed.
export async function finish(browser) {
  await browser.close();
  const verdict = failed === 0 ? 'ok' : 'FAILED';
  console.log(`\ntest result: ${verdict}. ${passed} passed; ${failed} failed; 0 ignored`);
  process.exit(failed === 0 ? 0 : 1);
}
