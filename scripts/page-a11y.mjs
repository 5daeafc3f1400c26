// Driven by scripts/page-a11y.sh: the page as Trunk built it (dist/), served
// over HTTP, in headless Chromium. Checks its accessibility:
//   - axe-core finds no violation of the WCAG 2.0/2.1 A and AA rules on any
//     scenario, in the light and the dark colour scheme, after the scenario
//     has played a few seconds (so the charts, the topology's states and the
//     event log have something in them), nor on the guided tour's card with
//     an answer revealed, presenter mode and the list of keys, nor on the
//     landing page, nor with A/B compare on;
//   - a slider moves one unit per arrow key (← / →) and ten per Page Up /
//     Page Down, within its range;
//   - with `prefers-reduced-motion: reduce`, nothing on the page transitions,
//     animates or scrolls smoothly.
// Prints one line per check and a summary in the form the test harness prints
// (`test result: ok. N passed; M failed`), which scripts/test.sh counts.
// Exits 1 if any check failed or could not run.
import { WAIT_MS, axe, check, finish, launch, noViolations } from './checks.mjs';


const BASE = process.env.BASE_URL;
const PLAY_MS = Number(process.env.PLAY_MS || 3000);
const LOG_MS = Number(process.env.LOG_MS || 6000);

const browser = await launch();

async function fresh(options = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await ctx.newPage();
  return { ctx, page };
}

/// Opens a scenario's link and waits for its first chart.
async function open(page, id) {
  await page.goto(`${BASE}#v=1&s=${id}&seed=1`);
  await page.waitForFunction(() => window.__labPerf && window.__labPerf.first_chart_ms != null,
    null, { timeout: WAIT_MS });
}

const tally = new Map(); // rule -> violating nodes, over every scenario and scheme

// The scenario list comes from the page itself, so a new scenario is checked too.
let ids = [];
await check('the page opens and lists its scenarios', async () => {
  const { ctx, page } = await fresh();
  await page.goto(BASE);
  await page.waitForSelector('#lab-scenario option', { state: 'attached', timeout: WAIT_MS });
  ids = await page.$$eval('#lab-scenario option', (os) => os.map((o) => o.value));
  // SCENARIOS=a,b checks only those (while fixing one).
  if (process.env.SCENARIOS) ids = ids.filter((id) => process.env.SCENARIOS.split(',').includes(id));
  if (ids.length === 0) throw new Error('no scenario in the picker');
  await ctx.close();
});

for (const id of ids) {
  for (const scheme of ['light', 'dark']) {
    await check(`${id} (${scheme}): no axe violation`, async () => {
      const { ctx, page } = await fresh({ colorScheme: scheme });
      await open(page, id);
      await page.click('#lab-play');
      // A few seconds, and on to the first warning or error in the event log
      // (about 3.5 s after Play for the scenarios with a planned fault), so
      // its levels are checked too.
      await page.waitForTimeout(PLAY_MS);
      await page.waitForSelector('.log-list .level-warn, .log-list .level-error',
        { state: 'attached', timeout: LOG_MS }).catch(() => {});
      await page.waitForTimeout(500);
      await page.click('#lab-play');
      const found = await axe(page);
      await ctx.close();
      noViolations(found, tally);
    });
  }
}
// The views the scenarios' defaults do not show: the guided tour with an
// answer revealed, presenter mode, the list of keys.
const VIEWS = [['the guided tour', 'payment-outage&step=1'],
  ['presenter mode with the tour', 'payment-outage&step=2&present=1']];
for (const [what, link] of VIEWS) {
  for (const scheme of ['light', 'dark']) {
    await check(`${what}, keys listed (${scheme}): no axe violation`, async () => {
      const { ctx, page } = await fresh({ colorScheme: scheme });
      await page.goto(`${BASE}#v=1&s=${link}`);
      await page.waitForSelector('.choices button', { timeout: WAIT_MS });
      await page.click('.choices button');
      await page.keyboard.press('?');
      await page.waitForTimeout(500);
      const found = await axe(page);
      await ctx.close();
      noViolations(found, tally);
    });
  }
}
// Every chart shown as its table (a scenario with a band of states too).
for (const id of ['payment-outage', 'retry-storm']) {
  for (const scheme of ['light', 'dark']) {
    await check(`${id}'s charts as tables (${scheme}): no axe violation`, async () => {
      const { ctx, page } = await fresh({ colorScheme: scheme });
      await page.goto(`${BASE}#v=1&s=${id}&seed=1&t=120`);
      await page.waitForSelector('#lab-clock[data-state="paused"]', { timeout: WAIT_MS });
      for (const b of await page.$$('.chart-table-button')) await b.click();
      await page.waitForSelector('.chart-table tbody tr', { timeout: WAIT_MS });
      const found = await axe(page);
      await ctx.close();
      noViolations(found, tally);
    });
  }
}
// A/B compare: B's column in every figure, the A/B key, the compare panel.
for (const scheme of ['light', 'dark']) {
  await check(`retry-storm compared A/B (${scheme}): no axe violation`, async () => {
    const { ctx, page } = await fresh({ colorScheme: scheme });
    await page.goto(`${BASE}#v=1&s=retry-storm&seed=1&b.retry=backoff_jitter&b.circuit_breaker=on&t=120`);
    await page.waitForSelector('#lab-clock[data-state="paused"]', { timeout: WAIT_MS });
    await page.waitForSelector('.headline .figure[data-b]', { timeout: WAIT_MS });
    const found = await axe(page);
    await ctx.close();
    noViolations(found, tally);
  });
}
// The bare address: the catalogue as cards.
for (const scheme of ['light', 'dark']) {
  await check(`the landing page (${scheme}): no axe violation`, async () => {
    const { ctx, page } = await fresh({ colorScheme: scheme });
    await page.goto(BASE);
    await page.waitForSelector('.cards .card-preview .service', { state: 'attached', timeout: WAIT_MS });
    const found = await axe(page);
    await ctx.close();
    noViolations(found, tally);
  });
}
if (tally.size) {
  console.log(`axe violations, nodes over every scenario and scheme: ${
    [...tally].map(([r, n]) => `${r} ${n}`).join(', ')}`);
}

await check('a slider moves one unit per arrow key, ten per page key', async () => {
  const { ctx, page } = await fresh();
  await open(page, 'payment-outage');
  const slider = page.locator('#param-replicas-range');
  const exact = page.locator('#param-replicas');
  const min = Number(await exact.getAttribute('min'));
  const max = Number(await exact.getAttribute('max'));
  const value = async () => Number(await exact.inputValue());
  const start = await value();
  await slider.focus();
  const steps = [['ArrowRight', 1, 5], ['ArrowLeft', -1, 3], ['PageUp', 10, 1], ['PageDown', -10, 1],
    ['ArrowUp', 1, 2], ['ArrowDown', -1, 2], ['ArrowRight', 1, 200], ['ArrowLeft', -1, 200]];
  let want = start;
  for (const [key, by, times] of steps) {
    for (let i = 0; i < times; i += 1) await slider.press(key);
    want = Math.min(max, Math.max(min, want + by * times));
    const got = await value();
    if (got !== want) {
      throw new Error(`Payment pods: ${times}× ${key} from the previous value gave ${got}, not ${want}`);
    }
  }
  await ctx.close();
});

await check("a chart's table opens from the keyboard and scrolls from it", async () => {
  const { ctx, page } = await fresh();
  await page.goto(`${BASE}#v=1&s=queueing-basics&seed=1&t=120`);
  await page.waitForSelector('#lab-clock[data-state="paused"]', { timeout: WAIT_MS });
  await page.focus('.chart-table-button');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.chart-table:not([hidden]) tbody tr', { timeout: WAIT_MS });
  if (await page.getAttribute('.chart-table-button', 'aria-pressed') !== 'true') throw new Error('Enter did not press "Table"');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.className);
  if (focused !== 'chart-png') throw new Error(`Tab went to ${focused}, not the chart's PNG button`);
  await page.focus('.chart-table');
  const top = await page.$eval('.chart-table', (t) => t.scrollTop);
  await page.keyboard.press('Home');
  await page.waitForTimeout(300);
  const after = await page.$eval('.chart-table', (t) => t.scrollTop);
  if (!(top > 0 && after === 0)) throw new Error(`the table scrolled from ${top} to ${after} on Home`);
  await ctx.close();
});

await check('with prefers-reduced-motion: reduce, nothing moves by itself', async () => {
  const { ctx, page } = await fresh({ reducedMotion: 'reduce' });
  await open(page, 'payment-outage');
  await page.click('#lab-play');
  await page.waitForTimeout(1000);
  const moving = await page.evaluate(() => {
    const seconds = (s) => Math.max(...s.split(',').map((t) => parseFloat(t) * (t.trim().endsWith('ms') ? 0.001 : 1)));
    const out = [];
    for (const el of document.querySelectorAll('*')) {
      for (const pseudo of [null, '::before', '::after']) {
        const cs = getComputedStyle(el, pseudo);
        const what = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.length ? `.${[...el.classList].join('.')}` : ''}${pseudo || ''}`;
        if (seconds(cs.transitionDuration) > 0.001 && cs.transitionProperty !== 'none') out.push(`${what}: transition ${cs.transitionProperty} ${cs.transitionDuration}`);
        if (cs.animationName !== 'none' && seconds(cs.animationDuration) > 0.001) out.push(`${what}: animation ${cs.animationName} ${cs.animationDuration}`);
        if (pseudo === null && cs.scrollBehavior === 'smooth') out.push(`${what}: scroll-behavior smooth`);
      }
    }
    return out;
  });
  await ctx.close();
  if (moving.length) throw new Error(moving.slice(0, 10).join('\n'));
});

await finish(browser);
