// Driven by scripts/page-views.sh: the page as Trunk built it (dist/), served
// over HTTP, in headless Chromium. Checks the embedded view (`embed=1`) as a
// docs page's iframe shows it:
//   - every scenario at 640×400 and 400×300, playing: the charts the link
//     names (the first two by default) and the controls it names are shown,
//     and nothing else of theirs; every chart is in view without scrolling,
//     big enough to read, and nothing on the page runs past its edges;
//   - "Open in the lab" leads to the same run in the full lab;
//   - "Copy embed code" in the full lab gives an iframe of the run, and the
//     iframe's link opens the embedded view;
//   - axe-core finds no WCAG 2.0/2.1 A or AA violation in it, light and dark;
//   - every scenario in the full lab on a phone (375 and 360 px wide): nothing
//     runs past the screen's sides, and the bar at its foot (Play, Reset, the
//     ways to the charts and the toggles) is in view and brings each there.
// Screenshots go to target/screenshots/embed-*.png and phone-*.png.
// Prints one line per check and a summary in the form the test harness prints
// (`test result: ok. N passed; M failed`), which scripts/test.sh counts.
// Exits 1 if any check failed or could not run.
import { mkdirSync } from 'node:fs';
import { WAIT_MS, axe, check, finish, launch, noViolations } from './checks.mjs';

const BASE = process.env.BASE_URL;
const PLAY_MS = Number(process.env.PLAY_MS || 2000);
const SIZES = [[640, 400], [400, 300]];
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });

const browser = await launch();

async function fresh(width, height, options = {}) {
  const ctx = await browser.newContext({ viewport: { width, height }, ...options });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(BASE).origin });
  return { ctx, page: await ctx.newPage() };
}

/// Opens a link and waits for its first chart.
async function open(page, fragment) {
  await page.goto(`${BASE}${fragment}`);
  await page.waitForFunction(() => window.__labPerf && window.__labPerf.first_chart_ms != null,
    null, { timeout: WAIT_MS });
}

/// What the embedded view shows, measured in the page: the charts and
/// controls on show, and whatever runs past the viewport's edges.
function measure() {
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const charts = [...document.querySelectorAll('.chart')].map((f, i) => ({ i: i + 1, f })).filter((c) => shown(c.f));
  const canvases = charts.map((c) => {
    const r = c.f.querySelector('canvas').getBoundingClientRect();
    return { chart: c.i, top: r.top, bottom: r.bottom, left: r.left, right: r.right, w: r.width, h: r.height };
  });
  const controls = [...document.querySelectorAll('.param')].filter(shown)
    .map((p) => p.querySelector('input, select').id.replace(/^param-/, '').replace(/-(range|off)$/, ''));
  const out = [];
  const sides = [];
  for (const el of document.querySelectorAll('.lab-app *')) {
    if (!shown(el) || el.closest('.visually-hidden')) continue;
    // What an ancestor cuts off on purpose (a title ending in "…") is
    // measured as that ancestor shows it.
    const r = { ...el.getBoundingClientRect().toJSON() };
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX !== 'visible' && style.display !== 'contents') {
        const c = a.getBoundingClientRect();
        r.left = Math.max(r.left, c.left); r.right = Math.min(r.right, c.right);
        r.top = Math.max(r.top, c.top); r.bottom = Math.min(r.bottom, c.bottom);
      }
    }
    // A box that scrolls sideways hides part of what it holds.
    const st = getComputedStyle(el);
    if (['auto', 'scroll'].includes(st.overflowX) && st.display !== 'contents' && el.scrollWidth > el.clientWidth + 1) {
      sides.push(`${el.tagName.toLowerCase()}.${String(el.className)} scrolls sideways (${el.scrollWidth} px in ${el.clientWidth})`);
    }
    if (r.right - r.left <= 0 || r.bottom - r.top <= 0) continue;
    const side = r.right > vw + 0.5 || r.left < -0.5;
    if (side || r.bottom > vh + 0.5 || r.top < -0.5) {
      (side ? sides : out).push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''} at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}`);
    }
  }
  const doc = document.documentElement;
  return {
    charts: charts.map((c) => c.i), canvases, controls: [...new Set(controls)], outside: [...sides, ...out], sides,
    scroll: [doc.scrollWidth, doc.scrollHeight], viewport: [vw, vh],
  };
}

// The scenario list comes from the page itself, so a new scenario is checked too.
let scenarios = [];
await check('the page lists its scenarios and their first controls', async () => {
  const { ctx, page } = await fresh(1280, 900);
  await open(page, '#v=1&s=queueing-basics');
  const ids = await page.$$eval('#lab-scenario option', (os) => os.map((o) => o.value));
  for (const id of ids) {
    await open(page, `#v=1&s=${id}&seed=1`);
    // The first toggle in the panel, to name in the embedded view.
    const first = await page.$eval('.controls .param input, .controls .param select',
      (el) => el.id.replace(/^param-/, '').replace(/-(range|off)$/, ''));
    scenarios.push([id, first]);
  }
  await ctx.close();
  if (scenarios.length === 0) throw new Error('no scenario in the picker');
});

for (const [id, control] of scenarios) {
  for (const [w, h] of SIZES) {
    await check(`${id} embedded at ${w}×${h}: its charts and control in view, nothing past the edges`, async () => {
      const { ctx, page } = await fresh(w, h);
      await open(page, `#v=1&s=${id}&seed=1&embed=1&controls=${control}`);
      await page.click('#lab-play');
      await page.waitForTimeout(PLAY_MS);
      const m = await page.evaluate(measure);
      if (w === 640 || id === 'cascading-failure') {
        await page.screenshot({ path: `${SHOTS}/embed-${id}-${w}x${h}.png` });
      }
      await ctx.close();
      const problems = [];
      if (JSON.stringify(m.charts) !== '[1,2]') problems.push(`charts shown: ${m.charts} (want 1,2)`);
      if (JSON.stringify(m.controls) !== JSON.stringify([control])) problems.push(`controls shown: ${m.controls} (want ${control})`);
      for (const c of m.canvases) {
        if (c.h < 60 || c.w < 150) problems.push(`chart ${c.chart} is ${Math.round(c.w)}×${Math.round(c.h)} px: too small to read`);
      }
      if (m.scroll[0] > m.viewport[0] || m.scroll[1] > m.viewport[1]) {
        problems.push(`the page is ${m.scroll[0]}×${m.scroll[1]} px in a ${m.viewport[0]}×${m.viewport[1]} frame: it scrolls`);
      }
      problems.push(...m.outside.slice(0, 8).map((o) => `past the edge: ${o}`));
      if (problems.length) throw new Error(problems.join('\n'));
    });
  }
}

await check('a link names which charts and controls the embedded view shows', async () => {
  const { ctx, page } = await fresh(640, 400);
  await open(page, '#v=1&s=cascading-failure&seed=1&embed=1&charts=4,2&controls=bulkhead,timeout_ms');
  const m = await page.evaluate(measure);
  await ctx.close();
  if (JSON.stringify(m.charts) !== '[2,4]') throw new Error(`charts shown: ${m.charts} (want 2 and 4)`);
  if (JSON.stringify([...m.controls].sort()) !== '["bulkhead","timeout_ms"]') throw new Error(`controls shown: ${m.controls}`);
});

await check('"Open in the lab" opens the same run, paused where it was, in the full lab', async () => {
  const { ctx, page } = await fresh(640, 400);
  await open(page, '#v=1&s=cascading-failure&seed=7&embed=1&controls=bulkhead');
  await page.click('#param-bulkhead', { force: true });
  await page.click('#lab-play');
  await page.waitForTimeout(PLAY_MS);
  await page.click('#lab-play');
  const [tab] = await Promise.all([ctx.waitForEvent('page'), page.click('#lab-open-full')]);
  await tab.waitForLoadState();
  const href = new URL(tab.url()).hash;
  for (const want of ['s=cascading-failure', 'seed=7', 'bulkhead=on', '&t=']) {
    if (!href.includes(want)) throw new Error(`the full lab's link lacks ${want}: ${href}`);
  }
  if (href.includes('embed=')) throw new Error(`the full lab's link is still embedded: ${href}`);
  await tab.waitForFunction(() => window.__labPerf && window.__labPerf.first_chart_ms != null, null, { timeout: WAIT_MS });
  const shows = await tab.evaluate(() => ({
    embedded: document.documentElement.classList.contains('embedded'),
    topology: !!document.querySelector('.topology') && document.querySelector('.topology').getClientRects().length > 0,
  }));
  await ctx.close();
  if (shows.embedded || !shows.topology) throw new Error(`the new tab is not the full lab: ${JSON.stringify(shows)}`);
});

await check('"Copy embed code" gives an iframe of the run that opens embedded', async () => {
  const { ctx, page } = await fresh(1280, 900);
  await open(page, '#v=1&s=retry-storm&seed=3');
  await page.click('#lab-copy-embed');
  const code = await page.inputValue('#lab-embed-code');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  await ctx.close();
  if (copied !== code) throw new Error(`the clipboard holds something else: ${copied}`);
  const src = (code.match(/^<iframe src="([^"]+)" title="Resilience Lab: [^"]+" width="640" height="400"/) || [])[1];
  if (!src) throw new Error(`not an iframe of 640×400 with a title: ${code}`);
  const url = src.replaceAll('&amp;', '&');
  if (!url.includes('s=retry-storm') || !url.includes('seed=3') || !url.includes('embed=1')) {
    throw new Error(`the iframe's link is not this run embedded: ${url}`);
  }
  // The page the snippet would frame: embedded, showing the charts and a control.
  const { ctx: c2, page: framed } = await fresh(640, 400);
  await framed.goto(url);
  await framed.waitForFunction(() => window.__labPerf && window.__labPerf.first_chart_ms != null, null, { timeout: WAIT_MS });
  const m = await framed.evaluate(measure);
  await c2.close();
  if (m.charts.length !== 2 || m.controls.length !== 1) throw new Error(`the framed page shows ${JSON.stringify(m)}`);
});

for (const scheme of ['light', 'dark']) {
  await check(`the embedded view (${scheme}): no axe violation`, async () => {
    const { ctx, page } = await fresh(640, 400, { colorScheme: scheme });
    await open(page, '#v=1&s=cascading-failure&seed=1&embed=1&controls=bulkhead,timeout_ms');
    await page.click('#lab-play');
    await page.waitForTimeout(PLAY_MS);
    await page.click('#lab-play');
    const found = await axe(page);
    await ctx.close();
    noViolations(found);
  });
}

const PHONES = [[375, 740], [360, 740]];
for (const [id] of scenarios) {
  for (const [w, h] of PHONES) {
    await check(`${id} on a phone ${w} px wide: nothing past the sides, charts and toggles a tap away`, async () => {
      const { ctx, page } = await fresh(w, h, { isMobile: true, hasTouch: true });
      await open(page, `#v=1&s=${id}&seed=1`);
      await page.click('#lab-play');
      await page.waitForTimeout(PLAY_MS / 2);
      const m = await page.evaluate(measure);
      const problems = [];
      if (m.scroll[0] > m.viewport[0]) problems.push(`the page is ${m.scroll[0]} px wide on a ${m.viewport[0]} px screen`);
      problems.push(...m.sides.slice(0, 8).map((o) => `past the side: ${o}`));
      const bar = await page.$eval('.transport .buttons', (b) => {
        const r = b.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, fixed: getComputedStyle(b).position === 'fixed' };
      });
      if (!bar.fixed || bar.bottom > h + 0.5 || bar.top < h - 120) problems.push(`the bar is not at the foot of the screen: ${JSON.stringify(bar)}`);
      for (const [button, heading] of [['Toggles', 'controls-h'], ['Charts', 'charts-h']]) {
        await page.click(`.transport .buttons button[data-to="${heading}"]`);
        await page.waitForTimeout(300);
        const top = await page.$eval(`#${heading}`, (e) => e.getBoundingClientRect().top);
        if (top < 0 || top > h / 2) problems.push(`${button} leaves #${heading} at ${Math.round(top)} px`);
      }
      if (w === 375 && ['cascading-failure', 'dinner-rush'].includes(id)) {
        await page.screenshot({ path: `${SHOTS}/phone-${id}-${w}.png` });
      }
      await ctx.close();
      if (problems.length) throw new Error(problems.join('\n'));
    });
  }
}

await finish(browser);
