// staff-events.test.mjs: the staff dashboard applies the staff events to its
// table as deltas and re-reads the queue only when it must (issue 17), in
// Chromium against the real binary. Queue reads are counted with the server's
// own request counter (GET /metrics, the queue routes, 200 and 304 alike).
//
//  - Check-ins, call-nexts, complete, no-show and cancel reach the table with
//    no queue read, and the table then equals GET /api/staff/queue.
//  - A dashboard that misses every event of one version re-reads at the next.
//  - With more than 200 active tickets only 200 rows are rendered until
//    "Show more" is pressed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PagesServer, ADMIN_PASSWORD, until, untilEqual, queueReads, settledQueueReads } from './lib/pages-server.mjs';
import { launch, DESKTOP, dropVersions, signIn } from './lib/browser.mjs';

const LIVE = 6000;
let browser;
let phoneSeq = 6000;
const nextPhone = () => `+1415555${phoneSeq++}`;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function checkIn(srv, name) {
  const { status, json } = await srv.api('POST', '/api/checkin', { name, phone: nextPhone(), appointmentTime: '10:30' });
  assert.equal(status, 201, JSON.stringify(json));
  return json.data;
}

async function staffPage(srv, ctx) {
  const page = await signIn(ctx, 'admin', ADMIN_PASSWORD);
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
  return page;
}

// table is what the dashboard shows: "ticket status" per rendered row.
function table(page) {
  return page.locator('#queue-body').evaluate((b) => Array.from(b.querySelectorAll('tr[data-id]'))
    .map((tr) => tr.getAttribute('data-ticket') + ' ' + tr.querySelector('.status-cell').textContent));
}

// expected is the same, from GET /api/queue (the alias, not counted as the page's).
async function expected(srv, token, limit = Infinity) {
  const { json } = await srv.api('GET', '/api/queue', undefined, token);
  return json.data.slice(0, limit).map((q) => q.ticketNumber + ' ' +
    (q.status === 'called' ? 'Called' + (q.room ? ' · ' + q.room : '') : 'Waiting · #' + q.position));
}

const matches = (page, srv, token, limit) =>
  untilEqual(() => table(page), () => expected(srv, token, limit), 'the table to equal GET /api/queue', LIVE);

test('the dashboard applies queue events to its rows without re-reading the queue', async (t) => {
  const srv = new PagesServer();
  await srv.start();
  try {
    const token = await srv.staffToken();
    const ps = [];
    for (let i = 0; i < 6; i++) ps.push(await checkIn(srv, `Patient ${i}`));
    const ctx = await browser.newContext({ ...DESKTOP, baseURL: srv.url });
    const page = await staffPage(srv, ctx);
    await matches(page, srv, token);
    const start = await settledQueueReads(srv);

    // Each step reaches the table before the next, so a page that re-read on
    // every event would show one read per step.
    const steps = [
      () => srv.api('POST', '/api/staff/call-next', { room: 'Room 1' }, token),
      () => srv.api('POST', '/api/staff/call-next', { room: 'Room 2' }, token),
      () => checkIn(srv, 'Late Comer'),
      () => srv.api('POST', '/api/staff/complete', { patientId: ps[0].patientId }, token),
      () => srv.api('POST', '/api/staff/no-show', { patientId: ps[3].patientId }, token),
      () => srv.api('DELETE', `/api/checkin/${ps[4].patientId}`),
      () => srv.api('POST', '/api/staff/call-next', { room: 'Room 3' }, token),
      () => checkIn(srv, 'Later Still'),
    ];
    for (const step of steps) {
      await step();
      // The API's answer is read after the change, so waiting for equality
      // waits for the page to show this step.
      await matches(page, srv, token);
    }
    const n = (await queueReads(srv)) - start;
    t.diagnostic(`${steps.length} queue changes: ${n} queue reads by the dashboard`);
    assert.ok(n <= 1, `${n} queue reads for ${steps.length} changes; events should have carried them`);
    await ctx.close();
  } finally {
    await srv.close();
  }
});

test('a dashboard that misses a version re-reads the queue at the gap', async () => {
  const srv = new PagesServer();
  await srv.start();
  try {
    const token = await srv.staffToken();
    for (let i = 0; i < 3; i++) await checkIn(srv, `Gap ${i}`);
    const ctx = await browser.newContext({ ...DESKTOP, baseURL: srv.url });
    await dropVersions(ctx);
    const page = await staffPage(srv, ctx);
    await matches(page, srv, token);
    const start = await settledQueueReads(srv);
    const { json } = await srv.api('GET', '/api/queue', undefined, token);
    const etag = (await fetch(srv.url + '/api/queue', { headers: { Authorization: `Bearer ${token}` } })).headers.get('etag');
    const version = Number(/^"v(\d+)-/.exec(etag)[1]);
    await page.evaluate((v) => { window.__dropVersion = v; }, version + 1);

    await srv.api('POST', '/api/staff/call-next', { room: 'Room 9' }, token);
    await until(async () => (await page.evaluate(() => window.__dropped.length)) >= 1, { timeout: LIVE, what: 'the dropped event' });
    assert.equal((await table(page))[0], `${json.data[0].ticketNumber} Waiting · #1`, 'the page missed the call');

    await checkIn(srv, 'Gap Closer');
    await matches(page, srv, token);
    assert.ok((await queueReads(srv)) > start, 'the page re-read the queue');
    await ctx.close();
  } finally {
    await srv.close();
  }
});

test('the dashboard renders 200 rows of a long queue until asked for more', async () => {
  const srv = new PagesServer();
  await srv.start();
  try {
    const token = await srv.staffToken();
    const N = 230;
    for (let i = 0; i < N; i++) await checkIn(srv, `Long ${i}`);
    const ctx = await browser.newContext({ ...DESKTOP, baseURL: srv.url });
    const page = await staffPage(srv, ctx);
    await matches(page, srv, token, 200);
    const more = page.locator('#queue-more');
    assert.equal((await more.textContent()).trim(), 'Show 30 more (30 not shown)');
    assert.equal((await page.locator('#queue-count').textContent()).trim(), `(${N})`);

    await srv.api('POST', '/api/staff/call-next', { room: 'Room 1' }, token);
    await matches(page, srv, token, 200);
    await more.click();
    await matches(page, srv, token);
    assert.ok(await more.isHidden());
    await ctx.close();
  } finally {
    await srv.close();
  }
});
