// pages-lines.test.mjs: the pages of several lines (issue 12, "Pages") in
// Chromium against the real binary. The check-in page's line picker; the
// staff dashboard's room picker, call next, open/close, Add patient,
// Transfer, Urgent and moves, with the table applying the events (issue 17)
// and ending equal to the API, line by line; the display grouped by line
// and following chosen lines; the admin's lines and rooms; and the lobby
// kiosk, whose reset leaves no previous patient's name, phone or ticket in
// the page, its storage or its history. Every page runs without a script
// error (and without a console error beyond the refusals a step provokes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, serverFor, until, untilText, untilEqual, queueReads, settledQueueReads } from './lib/pages-server.mjs';
import { launch, PHONE, DESKTOP, TV, dropVersions, signIn } from './lib/browser.mjs';

const LIVE = 6000;
let browser;
let phoneSeq = 7000;
const nextPhone = () => `+1415555${phoneSeq++}`;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// watch collects a page's script errors and console errors; allowed lists
// the console errors a test provokes on purpose (an API refusal it asked for).
function watch(page, allowed = []) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (allowed.some((re) => re.test(m.text()))) return;
    errors.push(m.text());
  });
  return errors;
}

const text = (page, selector, want, timeout = LIVE) => untilText(page, selector, want, timeout);

// clinic starts a server with three lines — the default line ("Main queue"),
// the lab and a staff-only doctor's line — and a room for each.
async function clinic(t) {
  const { srv, token, ok } = await serverFor(t);
  await ok('POST', '/api/staff/lines', { slug: 'lab', name: 'Lab', prefix: 'L' });
  await ok('POST', '/api/staff/lines', { slug: 'doctor', name: 'Doctor', prefix: 'D', public: false });
  await ok('POST', '/api/staff/rooms', { name: 'Room 1', lines: ['default'] });
  await ok('POST', '/api/staff/rooms', { name: 'Lab bench', lines: ['lab'] });
  await ok('POST', '/api/staff/rooms', { name: 'Doctor room', lines: ['doctor'] });
  const checkIn = async (name, line) => {
    const { status, json } = await srv.api('POST', '/api/checkin', { name, phone: nextPhone(), appointmentTime: 'walk-in', line });
    assert.equal(status, 201, JSON.stringify(json));
    return json.data;
  };
  return { srv, token, ok, checkIn };
}

async function staffPage(srv, ctx) {
  const page = await signIn(ctx, 'admin', ADMIN_PASSWORD);
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
  return page;
}

// table is what the dashboard shows: "line ticket status" per patient row.
function table(page) {
  return page.locator('#queue-body').evaluate((b) => Array.from(b.querySelectorAll('tr[data-id]'))
    .map((tr) => tr.getAttribute('data-line') + ' ' + tr.getAttribute('data-ticket') + ' ' + tr.querySelector('.status-cell').textContent));
}

// expected is the same from the API, line after line by position.
async function expected(srv, token, only) {
  const lines = (await srv.api('GET', '/api/staff/lines', undefined, token)).json.data;
  const out = [];
  for (const l of lines) {
    if (only && l.slug !== only) continue;
    const { json } = await srv.api('GET', `/api/queue?line=${l.slug}`, undefined, token);
    for (const q of json.data) {
      out.push(`${l.slug} ${q.ticketNumber} ` + (q.status === 'called' ? 'Called' + (q.room ? ' · ' + q.room : '') : 'Waiting · #' + q.position));
    }
  }
  return out;
}

const matches = (page, srv, token, only) =>
  untilEqual(() => table(page), () => expected(srv, token, only), 'the table to equal the API', LIVE);

test('the check-in page offers the open public lines and the status page follows its own', async (t) => {
  const { srv, token, ok, checkIn } = await clinic(t);
  // A line open only tomorrow: listed, not selectable, with its opening time.
  const tomorrow = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(new Date().getDay() + 1) % 7];
  await ok('POST', '/api/staff/lines', { slug: 'xray', name: 'X-ray', prefix: 'X', hours: { [tomorrow]: '08:00-09:00' } });

  const ctx = await browser.newContext({ ...PHONE, baseURL: srv.url });
  const page = await ctx.newPage();
  const errors = watch(page, [/status of 400/]); // the form refused without a line, on purpose
  await page.goto('/checkin');
  const picker = page.getByRole('group', { name: 'Choose your line' });
  assert.deepEqual(await picker.getByRole('radio').evaluateAll((rs) => rs.map((r) => `${r.value}${r.disabled ? ' disabled' : ''}`)),
    ['default', 'lab', 'xray disabled'], 'the public lines, the closed one not selectable; no staff-only line');
  await text(page, '#line-picker', 'X-ray');
  await text(page, '#line-picker', 'opens tomorrow at 8:00 AM');

  // Without a choice the form asks for one and keeps what was typed.
  await page.getByLabel('Your name').fill('Lena Lab');
  await page.getByLabel('Mobile phone').fill(nextPhone());
  await page.getByLabel('Appointment time').fill('walk-in');
  await page.getByRole('button', { name: 'Check in' }).click();
  await text(page, '#line-error', 'Choose the line you are here for');
  assert.equal(await page.getByLabel('Your name').inputValue(), 'Lena Lab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'line', 'focus goes to the picker');

  await picker.getByRole('radio', { name: /Lab/ }).check();
  await Promise.all([page.waitForURL(/\/status\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Check in' }).click()]);
  assert.equal((await page.locator('#ticket').textContent()).trim(), 'L-001');
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
  await text(page, '#wait-note', '1 waiting in total');

  // Another line's news does not reach this page's figures, nor look like a gap.
  await checkIn('Main One', 'default');
  await checkIn('Main Two', 'default');
  await checkIn('Lab Two', 'lab');
  await text(page, '#wait-note', '2 waiting in total');
  await ok('POST', '/api/staff/call-next', { room: 'Lab bench' });
  await text(page, '#stage-title', "It's your turn");
  await text(page, '#stage-detail', 'Lab bench');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the staff dashboard picks rooms, calls, adds, transfers and reorders by events', async (t) => {
  const { srv, token, checkIn } = await clinic(t);
  const a = [await checkIn('Ann Main', 'default'), await checkIn('Ben Main', 'default'), await checkIn('Cat Main', 'default')];
  await checkIn('Lia Lab', 'lab');
  await checkIn('Leo Lab', 'lab');
  const ctx = await browser.newContext({ ...DESKTOP, baseURL: srv.url });
  const page = await staffPage(srv, ctx);
  const errors = watch(page, [/status of 409/]); // the closed room's call-next, on purpose
  await matches(page, srv, token);
  const reads = await settledQueueReads(srv);
  const row = (ticket) => page.locator(`#queue-body tr[data-ticket="${ticket}"]`);

  // The room picker says which lines each room serves; call next uses it.
  const room = page.getByLabel('Room');
  assert.deepEqual(await room.locator('option').allTextContents(),
    ['Room 1 · Main queue', 'Lab bench · Lab', 'Doctor room · Doctor']);
  await room.selectOption('Lab bench');
  await text(page, '#room-state', 'Serves Lab · Open');
  await page.getByRole('button', { name: 'Call next' }).click();
  await text(page, '#call-result', 'Called L-001 (Lia Lab) to Lab bench from Lab.');
  await matches(page, srv, token);

  // Close the room: it calls nobody until it is open again.
  await page.getByRole('button', { name: 'Close room' }).click();
  await text(page, '#room-state', 'Closed');
  assert.match(await room.locator('option:checked').textContent(), /\(closed\)$/);
  await page.getByRole('button', { name: 'Call next' }).click();
  await text(page, '#call-result', 'closed');
  await page.getByRole('button', { name: 'Open room' }).click();
  await text(page, '#room-state', 'Serves Lab · Open');
  assert.equal((await srv.api('GET', '/api/staff/rooms', undefined, token)).json.data[1].open, true);

  // Add patient: a front-desk check-in without a phone, into the staff-only line.
  await page.getByRole('button', { name: 'Add patient' }).click();
  const add = page.locator('#add-dialog');
  await add.getByLabel('Name').fill('Desk Walker');
  await add.getByLabel('Line').selectOption('doctor');
  await add.getByRole('button', { name: 'Check in' }).click();
  await text(page, '#desk-result', 'Checked in Desk Walker: ticket D-001 in Doctor, position 1.');
  assert.equal(await add.isVisible(), false);
  await text(page, '#queue-body tr[data-ticket="D-001"] .phone-cell', 'no phone');
  await matches(page, srv, token);

  // Transfer the lab's called patient to the doctor, keeping their place.
  await row('L-001').getByRole('button', { name: 'Transfer' }).click();
  const tr = page.locator('#transfer-dialog');
  await tr.getByLabel('To line').selectOption('doctor');
  await tr.getByLabel('Keep their original place').check();
  await tr.getByRole('button', { name: 'Transfer' }).click();
  await until(async () => (await row('L-001').getAttribute('data-line')) === 'doctor', { timeout: LIVE, what: 'the row to move to the doctor' });
  await matches(page, srv, token);
  assert.deepEqual(await page.locator('#queue-body tr[data-line-head]').evaluateAll((hs) => hs.map((h) => h.getAttribute('data-line-head'))),
    ['default', 'lab', 'doctor'], 'a heading per line');

  // Urgent goes first; up and down move by one (priority {before}).
  await row(a[2].ticketNumber).getByRole('button', { name: 'Urgent' }).click();
  await until(async () => (await row(a[2].ticketNumber).locator('.badge.urgent').count()) === 1, { timeout: LIVE, what: 'the urgent badge' });
  assert.equal(await row(a[2].ticketNumber).getByRole('button', { name: 'Urgent' }).getAttribute('aria-pressed'), 'true');
  await matches(page, srv, token);
  assert.match(await row(a[2].ticketNumber).locator('.status-cell').textContent(), /#1$/);
  await row(a[1].ticketNumber).getByRole('button', { name: `Move ${a[1].ticketNumber} up` }).click();
  await until(async () => /#2$/.test(await row(a[1].ticketNumber).locator('.status-cell').textContent()), { timeout: LIVE, what: 'the move up' });
  await matches(page, srv, token);
  await row(a[1].ticketNumber).getByRole('button', { name: `Move ${a[1].ticketNumber} down` }).click();
  await until(async () => /#3$/.test(await row(a[1].ticketNumber).locator('.status-cell').textContent()), { timeout: LIVE, what: 'the move down' });
  await matches(page, srv, token);
  assert.equal(await row(a[0].ticketNumber).locator('.badge').count(), 0);

  // Filter by line.
  await page.getByLabel('Show').selectOption('lab');
  await matches(page, srv, token, 'lab');
  assert.equal((await page.locator('#queue-count').textContent()).trim(), '(1)');
  await page.getByLabel('Show').selectOption('');
  await matches(page, srv, token);

  const n = (await queueReads(srv)) - reads;
  t.diagnostic(`room toggles, a call, a front-desk check-in, a transfer, urgent and two moves: ${n} queue reads by the dashboard`);
  assert.ok(n <= 3, `${n} queue reads: the changes should have come as events (a room's line_updated may cost one re-read of its lines at most)`);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a dashboard that misses one line\'s version re-reads at that line\'s gap only', async (t) => {
  const { srv, token, ok, checkIn } = await clinic(t);
  await checkIn('Lia Lab', 'lab');
  await checkIn('Leo Lab', 'lab');
  const version = async (line) => {
    const res = await fetch(`${srv.url}/api/queue?line=${line}`, { headers: { Authorization: `Bearer ${token}` } });
    return Number(/^"v(\d+)-/.exec(res.headers.get('etag'))[1]);
  };
  const lab = await version('lab');
  // The main queue's next version must not be the one dropped.
  while ((await version('default')) + 1 === lab + 1) await checkIn('Filler', 'default');
  const ctx = await browser.newContext({ ...DESKTOP, baseURL: srv.url });
  await dropVersions(ctx);
  const page = await staffPage(srv, ctx);
  const errors = watch(page);
  await matches(page, srv, token);
  await page.evaluate((v) => { window.__dropVersion = v; }, lab + 1);
  const start = await settledQueueReads(srv);

  await ok('POST', '/api/staff/call-next', { room: 'Lab bench' });
  await until(async () => (await page.evaluate(() => window.__dropped.length)) >= 1, { timeout: LIVE, what: 'the dropped event' });
  // Another line's change is no gap: nothing is re-read, the lab stays as it was.
  await checkIn('Main Next', 'default');
  await until(async () => (await table(page)).some((r) => r.startsWith('default ')), { timeout: LIVE, what: 'the main queue row' });
  assert.equal(await queueReads(srv), start, 'another line\'s version looked like a gap');
  assert.ok((await table(page)).includes('lab L-001 Waiting · #1'), 'the page missed the lab\'s call');

  // The lab's next change shows the gap: the page re-reads and is right again.
  await checkIn('Lab Three', 'lab');
  await matches(page, srv, token);
  assert.ok((await queueReads(srv)) > start, 'the page re-read the queue');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the display groups calls by line and follows the lines it is given', async (t) => {
  const { srv, ok, checkIn } = await clinic(t);
  const ann = await checkIn('Ann Main', 'default');
  const lia = await checkIn('Lia Lab', 'lab');
  await checkIn('Leo Lab', 'lab');
  const ctx = await browser.newContext({ ...TV, baseURL: srv.url });
  const all = await ctx.newPage();
  const errors = watch(all);
  await all.goto('/display');
  await all.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
  assert.deepEqual(await all.locator('#tv-lines .tv-line h2').allTextContents(), ['Main queue', 'Lab', 'Doctor']);
  assert.equal(await all.locator('#tv-single').isHidden(), true);

  await ok('POST', '/api/staff/call-next', { room: 'Lab bench' });
  await text(all, '#tv-lines [data-line="lab"] .serving', `${lia.ticketNumber}Lab bench`);
  await text(all, '#now-ticket', lia.ticketNumber);
  await text(all, '#tv-lines [data-line="lab"] .n-waiting', '1');
  await ok('POST', '/api/staff/call-next', { room: 'Room 1' });
  await text(all, '#tv-lines [data-line="default"] .serving', `${ann.ticketNumber}Room 1`);
  await text(all, '#now-room-name', 'Room 1');
  await until(() => all.locator('#now.flash').count(), { timeout: LIVE, what: 'the call highlight' });

  // A display of the lab alone: the one-line layout, the lab's calls only.
  const lab = await ctx.newPage();
  errors.push(...watch(lab));
  await lab.goto('/display?lines=lab');
  await lab.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
  assert.equal(await lab.locator('#tv-lines').isHidden(), true);
  assert.equal((await lab.locator('#now-ticket').textContent()).trim(), lia.ticketNumber);
  assert.equal((await lab.locator('#waiting').textContent()).trim(), '1');
  await checkIn('Main Two', 'default');
  await checkIn('Lab Three', 'lab');
  await text(lab, '#waiting', '2');
  assert.ok(!(await lab.locator('#recent').textContent()).includes(ann.ticketNumber), 'the lab display shows a main-queue call');
  const html = await all.content() + await lab.content();
  for (const leak of ['Ann', 'Lia', 'Leo', '+1415']) assert.ok(!html.includes(leak), `display shows ${leak}`);
  assert.deepEqual(errors, []);
  await ctx.close();
});

// tvState is what a display shows: the latest call, the waiting count and
// typical wait, the recent calls, and each line's serving, waiting and wait.
function tvState(page) {
  return page.evaluate(() => {
    const t = (sel, root = document) => (root.querySelector(sel)?.textContent || '').trim();
    return {
      now: t('#now-ticket') + ' ' + t('#now-room-name'),
      waiting: t('#waiting'),
      typical: t('#typical'),
      recent: Array.from(document.querySelectorAll('#recent li')).map((li) => li.textContent.trim()),
      lines: Array.from(document.querySelectorAll('#tv-lines .tv-line')).map((sec) =>
        `${sec.getAttribute('data-line')}: ${t('.serving', sec)} | ${t('.n-waiting', sec)} waiting, ${t('.n-wait', sec)} min`),
    };
  });
}

// tvWant is tvState computed from GET /api/display.
async function tvWant(srv) {
  const { json } = await srv.api('GET', '/api/display');
  const v = json.data;
  const serving = (l) => l.serving.length ? l.serving.map((c) => c.ticketNumber + c.room).join('') : 'No one called';
  return {
    now: v.nowServing ? `${v.nowServing.ticketNumber} ${v.nowServing.room}` : '— ',
    waiting: String(v.waiting),
    typical: String(v.typicalWait),
    recent: v.recentCalls.length ? v.recentCalls.map((c) => c.ticketNumber + c.room) : ['No calls yet today'],
    lines: v.lines.map((l) => `${l.slug}: ${serving(l)} | ${l.waiting} waiting, ${l.typicalWait} min`),
  };
}

const tvMatches = (page, srv) =>
  untilEqual(() => tvState(page), () => tvWant(srv), 'the display to equal GET /api/display', LIVE);

test('the display applies its events and re-reads only at a gap', async (t) => {
  const { srv, token, ok, checkIn } = await clinic(t);
  const ann = await checkIn('Ann Main', 'default');
  await checkIn('Ben Main', 'default');
  const lia = await checkIn('Lia Lab', 'lab');
  const ctx = await browser.newContext({ ...TV, baseURL: srv.url });
  await dropVersions(ctx);
  const tv = await ctx.newPage();
  const errors = watch(tv);
  // The page's own reads of the display API (the test's reads, for the
  // comparison, also reach the server's metrics).
  let reads = 0;
  tv.on('request', (r) => { if (new URL(r.url()).pathname === '/api/display') reads++; });
  await tv.goto('/display');
  await tv.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
  await tvMatches(tv, srv);
  await until(async () => { const r = reads; await new Promise((res) => setTimeout(res, 500)); return r > 0 && r === reads; },
    { timeout: LIVE, what: 'the opening reads to settle' });
  const start = reads;

  // Calls, a check-in, a completion, a no-show: each applied from its event.
  await ok('POST', '/api/staff/call-next', { room: 'Room 1' });
  await tvMatches(tv, srv);
  await ok('POST', '/api/staff/call-next', { room: 'Lab bench' });
  await tvMatches(tv, srv);
  await checkIn('Cy Main', 'default');
  await tvMatches(tv, srv);
  await ok('POST', '/api/staff/complete', { patientId: ann.patientId });
  await tvMatches(tv, srv);
  await ok('POST', '/api/staff/no-show', { patientId: lia.patientId });
  await tvMatches(tv, srv);
  const n = reads - start;
  t.diagnostic(`two calls, a check-in, a completion and a no-show: ${n} display reads (before issue 17: one per change)`);
  assert.equal(n, 0, 'the display re-read although every event could be applied');

  // A missed event of the main queue: its next event shows the gap, and the
  // display re-reads and is right again.
  const { json } = await srv.api('GET', '/api/queue?line=default', undefined, token);
  assert.ok(json.data.length > 0);
  const etag = (await fetch(srv.url + '/api/queue?line=default', { headers: { Authorization: `Bearer ${token}` } })).headers.get('etag');
  const version = Number(/^"v(\d+)-/.exec(etag)[1]);
  await tv.evaluate((v) => { window.__dropVersion = v; }, version + 1);
  await ok('POST', '/api/staff/call-next', { room: 'Room 1' });
  await until(async () => (await tv.evaluate(() => window.__dropped.length)) >= 1, { timeout: LIVE, what: 'the dropped event' });
  await checkIn('Dee Main', 'default');
  await tvMatches(tv, srv);
  assert.ok(reads > start, 'the display re-read at the gap');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the admin sets up a line with hours and a room with lines in order', async (t) => {
  const { srv, token } = await clinic(t);
  const ctx = await browser.newContext({ ...DESKTOP, baseURL: srv.url });
  const page = await signIn(ctx, 'admin', ADMIN_PASSWORD);
  const errors = watch(page, [/status of 409/]); // deleting a line with patients, on purpose
  await page.goto('/staff/admin');

  await page.getByRole('button', { name: 'Add a line' }).click();
  const d = page.locator('#line-dialog');
  await d.getByLabel('Name').fill('Vaccinations');
  await d.getByLabel('Slug').fill('vax');
  await d.getByLabel('Ticket prefix').fill('v');
  await d.getByLabel('Keep opening hours').check();
  for (const day of ['Saturday', 'Sunday']) await d.getByLabel(day, { exact: true }).uncheck();
  await d.getByLabel('Monday opens at').fill('09:00');
  await d.getByLabel('Monday closes at').fill('12:30');
  await d.getByRole('button', { name: 'Save' }).click();
  await text(page, '#setup-result', 'Vaccinations added.');
  let vax = (await srv.api('GET', '/api/staff/lines', undefined, token)).json.data.find((l) => l.slug === 'vax');
  assert.equal(vax.prefix, 'V');
  assert.deepEqual(vax.hours, { mon: '09:00-12:30', tue: '08:00-17:00', wed: '08:00-17:00', thu: '08:00-17:00', fri: '08:00-17:00' });
  await text(page, '#lines-body tr[data-line="vax"]', 'Mon 09:00-12:30; Tue–Fri 08:00-17:00');

  // Edit: a staff-only line; then close it from the table.
  await page.getByRole('button', { name: 'Edit Vaccinations' }).click();
  await d.getByLabel('Patients may pick it').uncheck();
  await d.getByRole('button', { name: 'Save' }).click();
  await text(page, '#lines-body tr[data-line="vax"]', 'staff only');
  await page.getByRole('button', { name: 'Close Vaccinations' }).click();
  await text(page, '#lines-body tr[data-line="vax"]', 'Closed');

  // A room serving the lab first, then vaccinations.
  await page.getByRole('button', { name: 'Add a room' }).click();
  const r = page.locator('#room-dialog');
  await r.getByLabel('Name', { exact: true }).fill('Nurse');
  await r.getByLabel('Lab', { exact: true }).check();
  await r.getByLabel('Vaccinations', { exact: true }).check();
  for (let i = 0; i < 3; i++) await r.getByRole('button', { name: 'Prefer Vaccinations sooner' }).click();
  await r.getByRole('button', { name: 'Save' }).click();
  await text(page, '#setup-result', 'Nurse added.');
  const nurse = (await srv.api('GET', '/api/staff/rooms', undefined, token)).json.data.find((x) => x.name === 'Nurse');
  assert.deepEqual(nurse.lines, ['vax', 'lab']);
  await text(page, '#rooms-body tr[data-room="Nurse"]', 'Vaccinations, Lab');

  // A line with patients cannot go; an empty one can.
  await srv.api('POST', '/api/checkin', { name: 'Lab Patient', phone: nextPhone(), appointmentTime: 'walk-in', line: 'lab' });
  page.once('dialog', (dl) => dl.accept());
  await page.getByRole('button', { name: 'Delete Lab', exact: true }).click();
  await text(page, '#setup-result', 'patients');
  page.once('dialog', (dl) => dl.accept());
  await page.getByRole('button', { name: 'Delete Nurse' }).click();
  await text(page, '#setup-result', 'Nurse deleted.');
  page.once('dialog', (dl) => dl.accept());
  await page.getByRole('button', { name: 'Delete Vaccinations' }).click();
  await text(page, '#setup-result', 'Vaccinations deleted.');
  await until(async () => (await page.locator('#lines-body tr[data-line="vax"]').count()) === 0, { what: 'the deleted line to leave the table' });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the kiosk shows the ticket with a QR code and then forgets the patient', async (t) => {
  const { srv, token } = await clinic(t);
  const ctx = await browser.newContext({ ...DESKTOP, viewport: { width: 800, height: 1280 }, hasTouch: true, baseURL: srv.url });
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.clock.install();
  await page.goto('/kiosk');
  const cookies = await ctx.cookies();
  assert.ok(cookies.some((c) => c.name === 'sw_kiosk' && c.httpOnly), 'the kiosk has its device cookie');
  const historyBefore = await page.evaluate(() => history.length);

  // Large touch targets: every control at least 44 px tall.
  for (const el of await page.locator('#kiosk-form input:not([type=radio]):not([type=hidden]), #kiosk-form button, #kiosk-lines .line-choice').all()) {
    const box = await el.boundingBox();
    assert.ok(box.height >= 44, `a control ${box.height}px tall`);
  }

  const name = 'Zofia Kowalska', phone = '(415) 555-7123';
  const picker = page.getByRole('group', { name: 'Choose your line' });
  assert.deepEqual(await picker.getByRole('radio').evaluateAll((rs) => rs.map((r) => r.value)), ['default', 'lab']);
  await picker.getByRole('radio', { name: /Lab/ }).check();
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Mobile phone').fill(phone);
  await page.getByRole('button', { name: 'Check in' }).click();
  await text(page, '#kiosk-ticket', 'L-001');
  await text(page, '#kiosk-place', 'Lab');
  const img = page.locator('#kiosk-qr img');
  await until(() => img.evaluate((i) => i.complete && i.naturalWidth === 512), { what: 'the QR code to load' });
  const src = await img.getAttribute('src');
  const { json } = await srv.api('GET', '/api/staff/queue?line=lab', undefined, token);
  const me = json.data.find((q) => q.patient.name === name);
  assert.equal(src, `/qr.png?status=${me.patientId}`);
  assert.equal(await page.getByLabel('Your name').inputValue(), '', 'the form forgot the name at once');

  // What a previous patient could leave behind.
  const traces = () => page.evaluate(() => ({
    html: document.documentElement.outerHTML,
    values: Array.from(document.querySelectorAll('input')).map((i) => i.value + (i.checked ? ' checked' : '')).join('|'),
    local: JSON.stringify(Object.assign({}, localStorage)),
    session: JSON.stringify(Object.assign({}, sessionStorage)),
    historyLength: history.length,
    historyState: JSON.stringify(history.state),
    url: location.href,
    resources: performance.getEntriesByType('resource').map((e) => e.name).join(' '),
  }));
  const leaks = [name, 'Zofia', 'Kowalska', '7123', 'L-001', me.patientId];
  const check = async (when) => {
    const tr = await traces();
    for (const leak of leaks) {
      for (const [where, v] of Object.entries(tr)) {
        assert.ok(!String(v).includes(leak), `${when}: ${leak} is still in ${where}`);
      }
    }
    assert.equal(tr.historyLength, historyBefore, `${when}: the kiosk added to the history`);
    assert.equal(tr.historyState, 'null');
    assert.equal(await page.locator('#kiosk-form-view').isVisible(), true);
    assert.equal(await page.locator('#kiosk-ticket-view').isVisible(), false);
  };

  // 19 s: still shown. 20 s: a blank form, and nothing of the patient left.
  await page.clock.runFor(19000);
  assert.equal((await page.locator('#kiosk-ticket').textContent()).trim(), 'L-001');
  await text(page, '#kiosk-countdown', 'clears in 1 s');
  await page.clock.runFor(1000);
  await check('after 20 s');

  // The next patient: Done clears at once.
  await picker.getByRole('radio', { name: /Main queue/ }).check();
  await page.getByLabel('Your name').fill('Yann Next');
  await page.getByLabel('Mobile phone').fill('+14155557124');
  await page.getByLabel('Appointment time').fill('10:30');
  await page.getByRole('button', { name: 'Check in' }).click();
  await text(page, '#kiosk-ticket', 'A-001');
  leaks.push('Yann', '7124', 'A-001');
  await page.getByRole('button', { name: 'Done' }).click();
  await check('after Done');

  // A form left half filled is cleared after a minute without a touch.
  await page.getByLabel('Your name').fill('Walked Away');
  leaks.push('Walked Away');
  await page.clock.runFor(61000);
  await check('after a minute idle');

  // The kiosk's check-ins are the remote ones: a closed line is refused with its message.
  await srv.api('PATCH', '/api/staff/lines/lab', { open: false }, token);
  await page.clock.runFor(61000); // the kiosk re-reads the lines while idle
  await until(async () => (await picker.count()) === 0 || !(await picker.isVisible()), { what: 'the picker to go with one open line' });
  await text(page, '#kiosk-line-note', 'Checking in for Main queue');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a kiosk signed in with a kiosk account checks in a patient without a phone', async (t) => {
  const { srv, token, ok } = await clinic(t);
  await ok('POST', '/api/staff/users', { username: 'lobby', password: 'kiosk password 1', role: 'kiosk' });
  const ctx = await browser.newContext({ ...DESKTOP, viewport: { width: 800, height: 1280 }, hasTouch: true, baseURL: srv.url });
  const page = await signIn(ctx, 'lobby', 'kiosk password 1', '/kiosk');
  const errors = watch(page);
  await page.reload(); // under watch from its first script

  const phoneField = page.getByLabel('Mobile phone (optional)');
  assert.equal(await phoneField.getAttribute('required'), null, 'the phone is optional');
  await page.getByRole('group', { name: 'Choose your line' }).getByRole('radio', { name: /Main queue/ }).check();
  await page.getByLabel('Your name').fill('Otto Nophone');
  await page.getByRole('button', { name: 'Check in' }).click();
  await text(page, '#kiosk-ticket', 'A-001');
  const { json } = await srv.api('GET', '/api/staff/queue', undefined, token);
  const otto = json.data.find((q) => q.patient.name === 'Otto Nophone');
  assert.ok(otto, 'Otto is in the queue');
  assert.equal(otto.patient.phone, '');
  assert.equal(otto.line, 'default');
  await page.getByRole('button', { name: 'Done' }).click();
  assert.equal(await page.getByLabel('Your name').inputValue(), '');

  // The kiosk's session opens no staff page.
  await page.goto('/staff');
  assert.ok(page.url().endsWith('/staff/login'), `a kiosk reached ${page.url()}`);
  assert.deepEqual(errors, []);
  await ctx.close();
});
