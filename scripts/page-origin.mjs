// Driven by scripts/page-origin.sh: the page as Trunk built it (dist/), served
// over HTTP, in headless Chromium. Checks that nothing leaves the page:
//   - every scenario opens, runs and copies its link with no request to another
//     origin, no console error, no uncaught error and no CSP violation;
//   - "Download CSV" and a chart's "PNG" save blob: and data: URLs, under the policy;
//   - the served page carries its Content-Security-Policy, and the policy is in
//     force: a fetch to another origin and an inline script are both refused.
// Prints one line per check and a summary in the form the test harness prints
// (`test result: ok. N passed; M failed`), which scripts/test.sh counts.
// Exits 1 if any check failed or could not run.
import { WAIT_MS, check, finish, launch } from './checks.mjs';

const BASE = process.env.BASE_URL;
const ORIGIN = new URL(BASE).origin;
const PLAY_MS = Number(process.env.PLAY_MS || 1500);
const ELSEWHERE = 'https://example.com/';

/// Whether a request stays on the page: its origin, or in-memory data.
const local = (url) => url.startsWith('data:') || url.startsWith('blob:') || new URL(url).origin === ORIGIN;

const browser = await launch();

/// A fresh page that records what leaves it and what goes wrong in it.
async function watched() {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ORIGIN });
  const page = await ctx.newPage();
  const seen = { offOrigin: [], errors: [] };
  page.on('request', (r) => { if (!local(r.url())) seen.offOrigin.push(r.url()); });
  page.on('pageerror', (e) => seen.errors.push(`uncaught: ${e}`));
  page.on('console', (m) => { if (m.type() === 'error') seen.errors.push(`console: ${m.text()}`); });
  // Violations reported by the page itself (they also reach the console).
  await page.exposeBinding('__labViolation', (_, v) => seen.errors.push(`CSP violation: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__labViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  return { ctx, page, seen };
}

function clean(seen, what) {
  const lines = [
    ...seen.offOrigin.map((u) => `request to another origin: ${u}`),
    ...seen.errors,
  ];
  if (lines.length) throw new Error(`${what}:\n${lines.slice(0, 10).join('\n')}`);
}

// The scenario list comes from the page itself, so a new scenario is checked too.
let ids = [];
await check('the page opens and lists its scenarios', async () => {
  const { ctx, page, seen } = await watched();
  await page.goto(BASE);
  await page.waitForSelector('#lab-scenario option', { state: 'attached', timeout: WAIT_MS });
  ids = await page.$$eval('#lab-scenario option', (os) => os.map((o) => o.value));
  if (ids.length === 0) throw new Error('no scenario in the picker');
  clean(seen, 'the bare page');
  await ctx.close();
});

for (const id of ids) {
  await check(`${id} runs with nothing leaving the page`, async () => {
    const { ctx, page, seen } = await watched();
    await page.goto(`${BASE}#v=1&s=${id}&seed=1`);
    await page.waitForFunction(() => window.__labPerf && window.__labPerf.first_chart_ms != null,
      null, { timeout: WAIT_MS });
    await page.click('#lab-play');
    await page.waitForTimeout(PLAY_MS);
    await page.click('#lab-play');
    await page.click('#lab-copy');
    await page.waitForFunction(() => document.querySelector('#lab-link').value.includes('#v=1'),
      null, { timeout: WAIT_MS });
    const drawn = await page.$$eval('.chart canvas', (cs) => cs.length);
    if (drawn === 0) throw new Error('no chart drawn');
    clean(seen, id);
    await ctx.close();
  });
}

await check('the downloads come from the page itself, under its policy', async () => {
  const { ctx, page, seen } = await watched();
  await page.goto(`${BASE}#v=1&s=queueing-basics&seed=1&t=30`);
  await page.waitForFunction(() => window.__labPerf && window.__labPerf.first_chart_ms != null,
    null, { timeout: WAIT_MS });
  for (const [button, scheme, ending] of [['#lab-csv', 'blob:', '.csv'], ['.chart-png', 'data:image/png', '.png']]) {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT_MS }),
      page.click(button),
    ]);
    const url = download.url();
    if (!url.startsWith(scheme)) throw new Error(`${button} saved ${url.slice(0, 60)}, not a ${scheme} URL`);
    if (!download.suggestedFilename().endsWith(ending)) throw new Error(`${button} named its file ${download.suggestedFilename()}`);
    if (await download.failure()) throw new Error(`${button}: ${await download.failure()}`);
  }
  clean(seen, 'the downloads');
  await ctx.close();
});

await check('the served page carries its Content-Security-Policy', async () => {
  const { ctx, page } = await watched();
  await page.goto(BASE);
  const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
  const want = ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'",
    "object-src 'none'", "base-uri 'none'", "form-action 'none'"];
  const missing = want.filter((d) => !csp.split(';').map((s) => s.trim()).includes(d));
  if (missing.length) throw new Error(`missing ${missing.join(', ')} in: ${csp}`);
  if (/unsafe-inline|\*/.test(csp)) throw new Error(`too wide: ${csp}`);
  await ctx.close();
});

await check('the policy refuses a fetch to another origin', async () => {
  const { ctx, page } = await watched();
  // Chromium may report a refused request as a request that failed: what
  // must never happen is an answer from there.
  const answered = [];
  page.on('response', (r) => { if (!local(r.url())) answered.push(r.url()); });
  await page.goto(BASE);
  await page.waitForSelector('#lab-scenario option', { state: 'attached', timeout: WAIT_MS });
  const outcome = await page.evaluate(async (url) => {
    const violated = new Promise((resolve) => document.addEventListener('securitypolicyviolation',
      (e) => resolve(e.violatedDirective), { once: true }));
    let fetched = false;
    try { await fetch(url, { mode: 'no-cors' }); fetched = true; } catch (_) { /* refused */ }
    const directive = await Promise.race([violated, new Promise((r) => setTimeout(() => r(null), 5000))]);
    return { fetched, directive };
  }, ELSEWHERE);
  if (outcome.fetched) throw new Error(`${ELSEWHERE} was fetched`);
  if (outcome.directive !== 'connect-src') {
    throw new Error(`no connect-src violation (got ${outcome.directive}): the fetch failed for another reason`);
  }
  if (answered.length) throw new Error(`answered from another origin: ${answered.join(', ')}`);
  await ctx.close();
});

await check('the policy refuses inline script', async () => {
  const { ctx, page } = await watched();
  await page.goto(BASE);
  await page.waitForSelector('#lab-scenario option', { state: 'attached', timeout: WAIT_MS });
  const ran = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__labInlineRan = true;';
    document.head.append(s);
    await new Promise((r) => setTimeout(r, 100));
    return window.__labInlineRan === true;
  });
  if (ran) throw new Error('an inline script ran');
  await ctx.close();
});

await finish(browser);
