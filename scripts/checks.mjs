// What the page scripts (page-origin.mjs, page-a11y.mjs) share: headless
// Chromium as they launch it, how long one wait may take on a busy machine,
// and named checks that print one line each and a summary in the form the
// test harness prints (`test result: ok. N passed; M failed`), which
// scripts/test.sh counts.
import { readFileSync } from 'node:fs';
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

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/// axe-core's violations on the page, one line each: rule, impact, where, and
/// for contrast the figures. The engine is evaluated through the driver
/// (Runtime.evaluate), which the page's Content-Security-Policy does not
/// govern: the policy stays as the page ships it.
export async function axe(page) {
  const source = readFileSync(join(process.cwd(), '.tools/node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n) => {
        const d = (n.any.concat(n.all, n.none).find((c) => c.data && c.data.contrastRatio) || {}).data;
        const figures = d ? ` (${d.contrastRatio}:1, ${d.fgColor} on ${d.bgColor}, ${d.fontSize} ${d.fontWeight}; needs ${d.expectedContrastRatio})` : '';
        return `${n.target.join(' ')}${figures}`;
      }),
    }));
  }, TAGS);
  return violations;
}

/// Fails naming each violation axe found (rule, impact, where), having
/// counted their nodes per rule in `tally`.
export function noViolations(found, tally = new Map()) {
  for (const v of found) tally.set(v.id, (tally.get(v.id) || 0) + v.nodes.length);
  if (found.length) {
    throw new Error(found.map((v) => `${v.id} (${v.impact}), ${v.nodes.length}:\n`
      + v.nodes.slice(0, 8).map((n) => `  ${n}`).join('\n')).join('\n'));
  }
}
