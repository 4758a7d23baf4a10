// status-events.test.mjs: the status page renders the events it receives and
// reads REST only when it must (issue 17, docs/events.md "Client refresh rule"),
// in Chromium against the real binary. Position reads are counted with the
// server's own request counter (GET /metrics, smartwait_http_requests_total of
// the position routes, 200 and 304 alike).
//
//  - With K = 20 status pages open, N call-nexts move every page without a
//    single REST read in steady state; the bound asserted is the target,
//    K/10 reads per call-next. The figures go to the test's diagnostics
//    (docs/benchmarks.md, "Pages (issue 17)").
//  - A page that misses every event of one version (dropped in the page by a
//    wrapped EventSource) notices the gap at the next version, re-reads and
//    shows the right position and stage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PagesServer, until } from './lib/pages-server.mjs';
import { launch, PHONE, dropVersions } from './lib/browser.mjs';

const LIVE = 6000;
const OPEN_AT_ONCE = 4; // status pages started in Chromium at once
let browser;
let phoneSeq = 5100;
const nextPhone = () => `+1415555${phoneSeq++}`;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// positionReads sums the server's request counter over the position routes.
async function positionReads(srv) {
  const text = await (await fetch(srv.url + '/metrics')).text();
  let n = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('smartwait_http_requests_total{') && /route="GET \/api\/(position|status)\//.test(line)) {
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return n;
}

async function checkIn(srv, name) {
  const { status, json } = await srv.api('POST', '/api/checkin', { name, phone: nextPhone(), appointmentTime: '10:30' });
  assert.equal(status, 201, JSON.stringify(json));
  return json.data;
}

// shows waits until the element's whole text is want.
async function shows(page, selector, want, timeout = LIVE) {
  const loc = page.locator(selector);
  await until(async () => ((await loc.textContent()) || '').trim() === want,
    { timeout, what: `${selector} to show ${JSON.stringify(want)}` }).catch(async (e) => {
    throw new Error(`${e.message}; it shows ${JSON.stringify(await loc.textContent().catch(() => null))}`);
  });
}

async function live(page, timeout = LIVE) {
  await until(async () => (await page.locator('#conn').getAttribute('data-state')) === 'live',
    { timeout, what: 'connection indicator "live"' });
}

test('20 status pages follow call-nexts from their events, without re-reading', async (t) => {
  const K = 20, N = 5;
  const srv = new PagesServer();
  await srv.start();
  const ctxs = [];
  try {
    const token = await srv.staffToken();
    for (let i = 0; i < N; i++) await checkIn(srv, `Ahead ${i}`);
    const mine = [];
    for (let i = 0; i < K; i++) mine.push(await checkIn(srv, `Watcher ${i}`));
    const t0 = Date.now();
    const open = async (p) => {
      const ctx = await browser.newContext({ ...PHONE, baseURL: srv.url });
      ctxs.push(ctx);
      const page = await ctx.newPage();
      await page.goto(`/status/${p.patientId}`);
      return page;
    };
    // A few at a time: Chromium spends 1-2 s of CPU starting each page on a
    // 2-core machine, and 20 started at once left the last page.goto queued
    // behind the others past its 30 s limit on a loaded machine. Every page is
    // still open and live before the first call-next.
    const pages = [];
    for (let i = 0; i < mine.length; i += OPEN_AT_ONCE) {
      pages.push(...await Promise.all(mine.slice(i, i + OPEN_AT_ONCE).map(open)));
    }
    await Promise.all(pages.map((p) => live(p, 30000)));
    // Each page reads once when its stream opens.
    await until(async () => (await positionReads(srv)) >= K, { timeout: 30000, what: `${K} first reads` });
    const start = await positionReads(srv);
    t.diagnostic(`${K} pages open and live in ${Date.now() - t0} ms`);
    const t1 = Date.now();

    for (let c = 1; c <= N; c++) {
      const { status } = await srv.api('POST', '/api/staff/call-next', { room: 'Room 1' }, token);
      assert.equal(status, 200);
      await Promise.all(pages.map((p, i) => shows(p, '#position', String(N + i + 1 - c))));
    }
    // The queue length comes from the patients room's queue_update alone.
    await Promise.all(pages.map((p) => until(async () => (await p.locator('#wait-note').textContent()).startsWith(`${K} waiting in total`),
      { timeout: LIVE, what: 'the queue length' })));
    await shows(pages[0], '#stage-title', 'Get ready — you are nearly next');

    const reads = (await positionReads(srv)) - start;
    t.diagnostic(`${N} call-nexts shown on every page in ${Date.now() - t1} ms`);
    t.diagnostic(`${K} status pages, ${N} call-nexts: ${reads} position reads (${(reads / N).toFixed(1)} per call-next; before issue 17: ${K} per call-next)`);
    assert.ok(reads <= (N * K) / 10, `${reads} position reads for ${N} call-nexts with ${K} pages open; the target is at most ${K / 10} per call-next`);
  } finally {
    for (const c of ctxs) await c.close();
    await srv.close();
  }
});

test('a status page that misses a version re-reads at the gap and shows the right state', async () => {
  const srv = new PagesServer();
  await srv.start();
  try {
    const token = await srv.staffToken();
    await checkIn(srv, 'First One');
    await checkIn(srv, 'Second One');
    const me = await checkIn(srv, 'Gap Watcher');
    const ctx = await browser.newContext({ ...PHONE, baseURL: srv.url });
    await dropVersions(ctx); // drops, in the page, every event of version window.__dropVersion
    const page = await ctx.newPage();
    await page.goto(`/status/${me.patientId}`);
    await live(page);
    await until(async () => (await positionReads(srv)) >= 1, { what: 'the first read' });
    const { json } = await srv.api('GET', `/api/position/${me.patientId}`);
    assert.equal(json.data.position, 3);
    await page.evaluate((v) => { window.__dropVersion = v; }, json.data.version + 1);
    const reads = await positionReads(srv);

    // The call-next moves me to 2 and makes me ready: its position_update,
    // get_ready and queue_update are all dropped, and nothing else tells the page.
    await srv.api('POST', '/api/staff/call-next', { room: 'Room 1' }, token);
    await until(async () => (await page.evaluate(() => window.__dropped.length)) >= 3, { timeout: LIVE, what: 'the dropped events' });
    assert.deepEqual((await page.evaluate(() => window.__dropped)).sort(), ['get_ready', 'position_update', 'queue_update']);
    assert.equal((await page.locator('#position').textContent()).trim(), '3', 'the page missed the call-next');
    assert.equal(await positionReads(srv), reads, 'no read before the gap shows');

    // A check-in behind me does not move me: its only event for my page is the
    // patients room's queue_update, one version past the missed one.
    await checkIn(srv, 'Later One');
    await shows(page, '#position', '2');
    await shows(page, '#stage-title', 'Get ready — you are nearly next');
    assert.ok((await positionReads(srv)) > reads, 'the page re-read its status');
    await ctx.close();
  } finally {
    await srv.close();
  }
});
