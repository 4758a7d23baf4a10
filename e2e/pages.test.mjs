// pages.test.mjs: the web pages in a real browser (Debian Chromium through
// playwright-core) against the real smartwait binary. A patient checks in through
// the form and watches their place change live while staff, in a second browser
// context, call and complete patients; the display shows ticket numbers and never
// names; the staff pages refuse visitors without a session and forged cross-origin
// posts; the status page reconnects after the server restarts. Screenshots of the
// four pages (and the status page in Spanish) go to docs/screenshots/ when SMARTWAIT_SCREENSHOTS=1 (to a temporary
// directory otherwise, so a test run does not dirty the repository).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PagesServer, ADMIN_PASSWORD, until, untilText } from './lib/pages-server.mjs';
import { launch, PHONE, DESKTOP, TV, signIn } from './lib/browser.mjs';

const shots = process.env.SMARTWAIT_SCREENSHOTS === '1'
  ? join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots')
  : mkdtempSync(join(tmpdir(), 'smartwait-shots-'));
mkdirSync(shots, { recursive: true });

// Live updates must arrive over SSE, well before the 10 s polling fallback would
// bring them: this bound is what makes "live" a tested claim, not a speed target.
const LIVE = 6000;

let server, browser;
let phoneSeq = 2600;
const nextPhone = () => `+1415555${phoneSeq++}`;

before(async () => {
  server = new PagesServer();
  await server.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

// text waits until the element's text contains want.
const text = (page, selector, want, timeout = LIVE) => untilText(page, selector, want, timeout);

async function connState(page, state, timeout = LIVE) {
  await until(async () => (await page.locator('#conn').getAttribute('data-state')) === state,
    { timeout, what: `connection indicator "${state}"` });
}

async function staffContext(srv = server) {
  const ctx = await browser.newContext({ ...DESKTOP, baseURL: srv.url });
  const page = await signIn(ctx, 'admin', ADMIN_PASSWORD);
  return { ctx, page };
}

async function checkInByAPI(name, srv = server) {
  const { status, json } = await srv.api('POST', '/api/checkin', { name, phone: nextPhone(), appointmentTime: '10:30' });
  assert.equal(status, 201, JSON.stringify(json));
  return json.data;
}

async function clearQueue(token) {
  for (;;) {
    const { json } = await server.api('GET', '/api/staff/queue', undefined, token);
    if (!json.data.length) return;
    for (const q of json.data) await server.api('POST', '/api/staff/complete', { patientId: q.patientId }, token);
  }
}

test('a patient checks in through the form and watches their place change live', async () => {
  const token = await server.staffToken();
  await clearQueue(token);
  const staff = await staffContext();
  await staff.page.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
  const first = await checkInByAPI('Ada Early');
  const second = await checkInByAPI('Ben Second');

  const patientCtx = await browser.newContext({ ...PHONE, baseURL: server.url });
  const patient = await patientCtx.newPage();
  await patient.goto('/checkin');
  await patient.getByLabel('Your name').fill('José García');
  await patient.getByLabel('Mobile phone').fill('(415) 555-2671');
  await patient.getByLabel('Appointment time').fill('11:15');
  await Promise.all([patient.waitForURL(/\/status\/[0-9a-f-]{36}$/), patient.getByRole('button', { name: 'Check in' }).click()]);
  const ticket = (await patient.locator('#ticket').textContent()).trim();
  assert.match(ticket, /^A-\d{3}$/);
  assert.equal((await patient.locator('#position').textContent()).trim(), '3');
  await connState(patient, 'live');

  // The staff page alerts about the new patient and lists them, live.
  await text(staff.page, '#toast', 'New patient');
  await text(staff.page, '#toast', 'José García');
  await text(staff.page, '#queue-body', ticket);

  await staff.page.getByLabel('Room').fill('Room 2');
  await staff.page.getByRole('button', { name: 'Call next' }).click();
  await text(staff.page, '#call-result', `Called ${first.ticketNumber}`);
  await text(patient, '#position', '2');
  await text(patient, '#stage-title', 'Get ready');

  const row = (t) => staff.page.locator(`#queue-body tr[data-ticket="${t}"]`);
  await row(first.ticketNumber).getByRole('button', { name: 'Complete' }).click();
  await until(async () => (await row(first.ticketNumber).count()) === 0, { timeout: LIVE, what: 'completed row to leave' });
  await staff.page.getByRole('button', { name: 'Call next' }).click();
  await text(patient, '#position', '1');

  await row(second.ticketNumber).getByRole('button', { name: 'No-show' }).click();
  await staff.page.getByRole('button', { name: 'Call next' }).click();
  await text(patient, '#stage-title', "It's your turn");
  await text(patient, '#stage-detail', 'Room 2');
  assert.equal(await patient.locator('#facts').isHidden(), true);

  await row(ticket).getByRole('button', { name: 'Complete' }).click();
  await text(patient, '#stage-title', 'Done');

  // The check-in is remembered on this device.
  await patient.goto('/');
  await text(patient, '#my-checkins', `Ticket ${ticket}`);
  await text(patient, '#my-checkins', 'done');
  await patientCtx.close();
  await staff.ctx.close();
});

test('invalid input shows the field error next to the field', async () => {
  const ctx = await browser.newContext({ ...PHONE, baseURL: server.url });
  const page = await ctx.newPage();
  await page.goto('/checkin');
  await page.getByLabel('Your name').fill('Chloé Invalid');
  await page.getByLabel('Mobile phone').fill('12345');
  await page.getByLabel('Appointment time').fill('09:00');
  const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/checkin') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Check in' }).click()]);
  assert.equal(res.status(), 400);
  await text(page, '#phone-error', 'not a valid phone number');
  assert.equal(await page.getByLabel('Mobile phone').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Your name').inputValue(), 'Chloé Invalid', 'typed values are kept');
  assert.equal(await page.locator('#name-error').count(), 0);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'phone', 'focus moves to the bad field');

  await page.getByLabel('Your name').fill('');
  await page.getByLabel('Mobile phone').fill('415-555-2699');
  await page.getByRole('button', { name: 'Check in' }).click();
  await text(page, '#name-error', 'Name is required');
  await ctx.close();
});

test('the display shows the called ticket and never a name or phone', async () => {
  const token = await server.staffToken();
  await clearQueue(token);
  const secret = await checkInByAPI('Zelda Quixote');
  const { json: pos } = await server.api('GET', `/api/position/${secret.patientId}`);
  const ctx = await browser.newContext({ ...TV, baseURL: server.url });
  const page = await ctx.newPage();
  const bodies = [];
  page.on('response', async (r) => {
    if (r.url().includes('/api/')) bodies.push(await r.text().catch(() => ''));
  });
  await page.goto('/display');
  await connState(page, 'live');
  const { json: called } = await server.api('POST', '/api/staff/call-next', { room: 'Room 7' }, token);
  assert.equal(called.data.ticketNumber, secret.ticketNumber);
  await text(page, '#now-ticket', secret.ticketNumber);
  await text(page, '#now-room', 'Room 7');
  await until(() => page.locator('#now.flash').count(), { timeout: LIVE, what: 'the call highlight' });
  await text(page, '#recent', secret.ticketNumber);

  const html = await page.content();
  for (const leak of ['Zelda', 'Quixote', secret.patientId, pos.data.patientId, '+1415555']) {
    assert.ok(!html.includes(leak), `display page shows ${leak}`);
    for (const b of bodies) assert.ok(!b.includes(leak), `display fetched ${leak}`);
  }
  await ctx.close();
});

test('the staff pages refuse visitors without a session and cross-origin posts', async () => {
  const anon = await browser.newContext({ ...DESKTOP, baseURL: server.url });
  const a = await anon.newPage();
  const res = await a.goto('/staff');
  assert.match(a.url(), /\/staff\/login$/);
  assert.equal(res.status(), 200);
  assert.equal((await a.request.get(server.url + '/api/staff/queue')).status(), 401);
  await anon.close();

  // An attacker's page on another origin (same host, other port: the same
  // *site*, so SameSite=Strict still sends the cookie) posts forms at us.
  const evil = createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><form id="call" method="post" action="${server.url}/api/staff/call-next">
      <input name="room" value="Evil"><button>call</button></form>
      <form id="logout" method="post" action="${server.url}/staff/logout"><button>logout</button></form>
      <form id="adduser" method="post" action="${server.url}/staff/admin/users">
      <input name="username" value="mallory"><input name="password" value="mallory-password-1">
      <input name="role" value="admin"><button>add</button></form>`);
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  const evilURL = `http://127.0.0.1:${evil.address().port}/`;
  try {
    const token = await server.staffToken();
    await clearQueue(token);
    await checkInByAPI('Victim Patient');
    const staff = await staffContext();
    for (const form of ['call', 'logout', 'adduser']) {
      await staff.page.goto(evilURL);
      const [resp] = await Promise.all([
        staff.page.waitForResponse((r) => r.url().startsWith(server.url)),
        staff.page.locator(`#${form} button`).click(),
      ]);
      assert.equal(resp.status(), 403, `cross-origin ${form} was not refused`);
    }
    const { json } = await server.api('GET', '/api/staff/queue', undefined, token);
    assert.equal(json.data.filter((q) => q.status === 'called').length, 0, 'nobody was called');
    const users = await server.api('GET', '/api/staff/users', undefined, token);
    assert.ok(!users.json.data.some((u) => u.username === 'mallory'), 'no account was added');
    // The session survived the forged logout.
    await staff.page.goto(server.url + '/staff');
    assert.match(staff.page.url(), /\/staff$/);
    await staff.ctx.close();
  } finally {
    evil.close();
  }
});

test('a patient leaves the queue after confirming, and the page works offline', async () => {
  const me = await checkInByAPI('Lena Leaving');
  const ctx = await browser.newContext({ ...PHONE, baseURL: server.url });
  const page = await ctx.newPage();
  await page.goto(`/status/${me.patientId}`);
  await connState(page, 'live');
  // The service worker has taken control once it is active; reload so it has a copy.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await until(() => page.evaluate(() => !!navigator.serviceWorker.controller), { what: 'the service worker to control the page' });
  await connState(page, 'live');

  // Offline: the page still opens, from the service worker, with the last state.
  await ctx.setOffline(true);
  await page.reload();
  await text(page, '#ticket', me.ticketNumber);
  await text(page, '#stage-title', 'You are in the queue');
  await connState(page, 'offline', 15000);
  await ctx.setOffline(false);
  await connState(page, 'live', 15000);

  let asked = '';
  page.once('dialog', (d) => { asked = d.message(); d.dismiss(); });
  await page.getByRole('button', { name: 'Leave the queue' }).click();
  assert.match(asked, /Leave the queue\?/);
  assert.equal((await server.api('GET', `/api/position/${me.patientId}`)).json.data.status, 'waiting', 'dismissing keeps the place');

  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Leave the queue' }).click();
  await text(page, '#stage-title', 'You left the queue');
  assert.equal((await server.api('GET', `/api/position/${me.patientId}`)).json.data.status, 'cancelled');
  assert.equal(await page.getByRole('button', { name: 'Leave the queue' }).isHidden(), true);
  await ctx.close();
});

test('the status page reconnects by itself after the server restarts', async () => {
  const srv = new PagesServer();
  await srv.start();
  try {
    const me = await checkInByAPI('Rita Restart', srv);
    await checkInByAPI('Sam Second', srv);
    const ctx = await browser.newContext({ ...PHONE, baseURL: srv.url });
    const page = await ctx.newPage();
    await page.goto(`/status/${me.patientId}`);
    await connState(page, 'live');
    const tvCtx = await browser.newContext({ ...TV, baseURL: srv.url });
    const tv = await tvCtx.newPage();
    await tv.goto('/display');
    await connState(tv, 'live');

    await srv.stop();
    await until(async () => (await page.locator('#conn').getAttribute('data-state')) !== 'live',
      { timeout: 30000, what: 'the indicator to notice the server went away' });
    assert.equal((await page.locator('#ticket').textContent()).trim(), me.ticketNumber, 'the last state stays on screen');
    await text(tv, '#conn', 'Updating…', 30000);
    assert.equal((await tv.locator('#waiting').textContent()).trim(), '2', 'the display keeps its last state');

    await srv.start();
    await connState(page, 'live', 30000);
    await connState(tv, 'live', 30000);
    const token = await srv.staffToken();
    await srv.api('POST', '/api/staff/call-next', { room: 'Room 1' }, token);
    await text(page, '#stage-title', "It's your turn");
    await text(tv, '#now-ticket', me.ticketNumber);
    await tvCtx.close();
    await ctx.close();
  } finally {
    await srv.close();
  }
});

test('pages send their security headers and run under the CSP without violations', async () => {
  const ctx = await browser.newContext({ ...PHONE, baseURL: server.url });
  const page = await ctx.newPage();
  const violations = [];
  page.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
  page.on('pageerror', (e) => violations.push(String(e)));
  const me = await checkInByAPI('Header Check');
  for (const path of ['/checkin', `/status/${me.patientId}`, '/display', '/display?lines=default', '/kiosk', '/qr', '/staff/login']) {
    const res = await page.goto(path);
    const h = res.headers();
    assert.match(h['content-security-policy'], /script-src 'self'/, path);
    assert.match(h['content-security-policy'], /frame-ancestors 'none'/, path);
    assert.doesNotMatch(h['content-security-policy'], /unsafe-inline/, path);
    assert.equal(h['x-content-type-options'], 'nosniff', path);
    assert.ok(h['referrer-policy'], path);
    await page.waitForLoadState('networkidle').catch(() => {});
  }
  assert.deepEqual(violations, []);
  await ctx.close();
});

test('screenshots of the four pages, and the status page in Spanish', async () => {
  const token = await server.staffToken();
  await clearQueue(token);
  const names = ['Amelia Hart', 'Bruno Silva', 'Chen Wei', 'Dana O\'Connor', 'Elif Yılmaz', 'Farah Haddad'];
  const ps = [];
  for (const n of names) ps.push(await checkInByAPI(n));
  await server.api('POST', '/api/staff/call-next', { room: 'Room 1' }, token);
  await server.api('POST', '/api/staff/complete', { patientId: ps[0].patientId }, token);
  await server.api('POST', '/api/staff/call-next', { room: 'Room 2' }, token);

  const phone = await browser.newContext({ ...PHONE, baseURL: server.url });
  const p = await phone.newPage();
  await p.goto('/checkin');
  await p.screenshot({ path: join(shots, 'checkin.png'), fullPage: true });
  await p.goto(`/status/${ps[3].patientId}`);
  await connState(p, 'live');
  await p.screenshot({ path: join(shots, 'status.png'), fullPage: true });
  // One page in Spanish, as a Spanish-speaking patient sees it (docs/languages.md).
  await p.goto(`/status/${ps[4].patientId}?lang=es`);
  await connState(p, 'live');
  assert.equal(await p.getAttribute('html', 'lang'), 'es');
  await p.screenshot({ path: join(shots, 'status-es.png'), fullPage: true });
  await phone.close();

  const staff = await staffContext();
  await staff.page.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
  await text(staff.page, '#queue-body', ps[5].ticketNumber);
  await staff.page.locator('#chart svg').waitFor({ timeout: LIVE });
  await staff.page.screenshot({ path: join(shots, 'staff.png'), fullPage: true });
  await staff.ctx.close();

  const tv = await browser.newContext({ ...TV, baseURL: server.url });
  const d = await tv.newPage();
  await d.goto('/display');
  await connState(d, 'live');
  await d.screenshot({ path: join(shots, 'display.png') });
  await tv.close();
});
