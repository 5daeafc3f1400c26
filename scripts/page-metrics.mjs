// Driven by scripts/page-metrics.sh: loads each scenario from a link in headless
// Chromium, presses play, and reads what the page measures about itself
// (window.__labPerf, see src/ui/perf.rs). Prints a table; exits 1 when a budget
// is missed or a request leaves the page's origin.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { chromium } = require(join(process.cwd(), '.tools/node_modules/playwright-core'));

const BASE = process.env.BASE_URL;
const SECONDS = Number(process.env.SECONDS_PER_SCENARIO || 4);
// The wasm's budget in KiB, as printed here (scripts/wasm-size.sh holds it to
// 300,000 bytes of `gzip -9`).
const BUDGET = { wasmGzipKB: 300, firstChartMs: 1000, frameP95Ms: 16, playToFaultMs: 10000 };
// How long to wait for a first warning or error in the log (beyond the budget).
const LOG_WAIT_MS = 15000;
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const wasm = readdirSync('dist').find((f) => f.endsWith('.wasm'));
const raw = readFileSync(join('dist', wasm));
const gz = gzipSync(raw, { level: 9 });
const kb = (n) => (n / 1024).toFixed(1);

const q = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.round((s.length - 1) * p)];
};

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: FLAGS });
const offOrigin = [];
const watch = (page) => page.on('request', (r) => {
  if (!r.url().startsWith(BASE) && !r.url().startsWith('data:')) offOrigin.push(r.url());
});

// The scenario list comes from the page itself, so new scenarios are measured too.
const probe = await browser.newPage();
watch(probe);
await probe.goto(BASE);
await probe.waitForSelector('#lab-scenario option', { state: 'attached' });
const all = await probe.$$eval('#lab-scenario option', (os) => os.map((o) => o.value));
// SCENARIOS=id,id measures only those.
const only = (process.env.SCENARIOS || '').split(',').filter(Boolean);
const ids = only.length ? all.filter((id) => only.includes(id)) : all;
await probe.close();

// A/B compare runs two worlds in the same frames: a few scenarios with B on
// (the heaviest by work per frame among them), measured the same way.
const AB = [['retry-storm', 'b.retry=backoff_jitter&b.circuit_breaker=on'],
  ['dinner-rush', 'b.hpa=on&b.read_replicas=2'],
  ['memory-leak', 'b.cache_eviction=lru']];
const cases = ids.map((id) => [id, id, '']).concat(
  AB.filter(([id]) => ids.includes(id)).map(([id, b]) => [`${id} A/B`, id, `&${b}`]));
const rows = [];
let failed = false;
for (const [label, id, b] of cases) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  watch(page);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${BASE}#v=1&s=${id}&seed=1${b}`);
  await page.waitForFunction(() => window.__labPerf && window.__labPerf.first_chart_ms != null, null, { timeout: 10000 });
  const first = await page.evaluate(() => window.__labPerf.first_chart_ms);
  // Play to the first planned fault or change, in wall time (the page skips
  // a quiet lead-in at full speed): the moment the clock reaches it.
  const faultUs = await page.evaluate(() => Number(document.querySelector('#lab-next').dataset.nextUs || NaN));
  const t0 = Date.now();
  await page.click('#lab-play');
  let toFaultMs = NaN;
  if (Number.isFinite(faultUs)) {
    await page.waitForFunction((us) => Number(document.querySelector('#lab-clock').dataset.us) >= us,
      faultUs, { timeout: 60000, polling: 20 });
    toFaultMs = Date.now() - t0;
  }
  // And to the first warning or error in the event log, planned or not (a
  // scenario whose fault grows out of the load has nothing planned); the log
  // is redrawn a few times a second, so this is late by up to about 0.3 s.
  let toLoggedMs = NaN;
  let loggedAt = '';
  const logged = await page.waitForFunction(() => {
    const li = document.querySelector('.log-list li.level-warn, .log-list li.level-error');
    return li ? li.querySelector('time').textContent : false;
  }, null, { timeout: LOG_WAIT_MS, polling: 20 }).catch(() => null);
  if (logged) {
    toLoggedMs = Date.now() - t0;
    loggedAt = await logged.jsonValue();
  }
  await page.waitForTimeout(Math.max(0, SECONDS * 1000 - (Date.now() - t0)));
  const perf = await page.evaluate(() => window.__labPerf);
  const status = await page.textContent('#lab-status');
  await page.screenshot({ path: `target/screenshots/${b ? `${id}-ab` : id}.png`, fullPage: true });
  await ctx.close();

  if (!b) {
  const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true });
  const pp = await phone.newPage();
  watch(pp);
  await pp.goto(`${BASE}#v=1&s=${id}&seed=1&t=${Math.min(300, 60)}`);
  await pp.waitForFunction(() => document.querySelector('#lab-clock')?.dataset.state === 'paused', null, { timeout: 20000 });
  await pp.waitForTimeout(300);
  await pp.screenshot({ path: `target/screenshots/${id}-phone.png`, fullPage: true });
  await phone.close();
  }

  const row = {
    id: label,
    firstChartMs: first,
    faultS: faultUs / 1e6, toFaultMs, toLoggedMs, loggedAt,
    frameP50: q(perf.frame_ms, 0.5), frameP95: q(perf.frame_ms, 0.95),
    workP50: q(perf.work_ms, 0.5), workP95: q(perf.work_ms, 0.95),
    frames: perf.frame_ms.length,
    asked: perf.asked_speed, achieved: perf.achieved_speed,
    behind: /slower than/.test(status || ''),
    errors,
  };
  rows.push(row);
  if (row.firstChartMs >= BUDGET.firstChartMs || row.workP95 > BUDGET.frameP95Ms || errors.length) failed = true;
  if (row.toFaultMs > BUDGET.playToFaultMs || row.toLoggedMs > BUDGET.playToFaultMs) failed = true;
}
await browser.close();

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
console.log(`wasm ${wasm}: ${kb(raw.length)} KB raw, ${kb(gz.length)} KB gzip (budget ${BUDGET.wasmGzipKB} KB gzip)`);
console.log('');
console.log('scenario                 first chart     play to next event  to first logged fault  frame interval p50/p95  work p50/p95   speed asked/achieved  frames');
for (const r of rows) {
  const fault = Number.isFinite(r.faultS) ? `${f(r.toFaultMs / 1000)} s (${f(r.faultS, 0)} s)` : 'none planned';
  const logged = Number.isFinite(r.toLoggedMs) ? `${f(r.toLoggedMs / 1000)} s (${r.loggedAt})` : `none in ${LOG_WAIT_MS / 1000} s`;
  console.log(
    `${r.id.padEnd(24)} ${(f(r.firstChartMs, 0) + ' ms').padStart(11)}  ${fault.padStart(21)}  ${logged.padStart(21)}  ` +
    `${(f(r.frameP50) + ' / ' + f(r.frameP95) + ' ms').padStart(22)}  ` +
    `${(f(r.workP50) + ' / ' + f(r.workP95) + ' ms').padStart(13)}  ` +
    `${(f(r.asked, 0) + ' / ' + f(r.achieved, 1) + (r.behind ? ' (behind)' : '')).padStart(20)}  ${r.frames}`);
  for (const e of r.errors) console.log(`  console error: ${e}`);
}
console.log('');
console.log('frame interval = time between animation frames (16.7 ms at 60 Hz); work = time the page spent in a frame');
console.log('(stepping the simulation, then updating views and charts). Budgets: first chart < 1000 ms, work p95 <= 16 ms.');
console.log('play to next event = wall time from Play until the clock reaches the first planned fault, timed change');
console.log('or fault the scenario expects from its parameters ("Next event" skips to a few seconds before it)');
console.log('(its simulated time in brackets); first logged fault = the first warning or error in the event log');
console.log('(its simulated clock in brackets). Budget 10 s each.');
console.log(`screenshots: target/screenshots/ID.png (1280x900, full page) and ID-phone.png (375x812 @2x)`);
if (offOrigin.length) {
  console.log(`requests that left the page's origin: ${offOrigin.length}`);
  for (const u of offOrigin.slice(0, 10)) console.log(`  ${u}`);
  failed = true;
} else {
  console.log("requests that left the page's origin: none");
}
if (gz.length / 1024 > BUDGET.wasmGzipKB) failed = true;
process.exit(failed ? 1 : 0);
