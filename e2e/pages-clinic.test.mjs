// pages-clinic.test.mjs: a real clinic's day (issue 12, "Done when") in
// Chromium against the real binary, through the pages only: a walk-in line,
// a booked line that orders by appointment and a lab; two rooms serving
// walk-ins and booked (in opposite preference) and one the lab; a triage line
// whose patient is transferred to the doctor. Patients check in on their
// phones (early, on time and late for their appointments); the desk adds a
// patient without a phone, marks one urgent, calls room by room and
// transfers from triage; the patients' status pages and the waiting-room
// display follow. Every page runs without a script error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PagesServer, ADMIN_PASSWORD, until, untilText } from './lib/pages-server.mjs';
import { launch, PHONE, DESKTOP, TV, signIn } from './lib/browser.mjs';

const LIVE = 6000;
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// The server runs in a fixed-offset zone where it is mid-day now, so that
// appointment times a few minutes either side of now never wrap past midnight
// (as e2e/lines.test.mjs).
const offset = 12 - new Date().getUTCHours();
const zone = offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
const local = (minutesFromNow) => {
  const d = new Date(Date.now() + minutesFromNow * 60000 + offset * 3600000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
};

// watch adds a page's script errors and console errors to errors.
function watch(page, errors) {
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`); });
}

const text = (page, selector, want, timeout = LIVE) => untilText(page, selector, want, timeout);

test('a clinic day: booked, walk-in and lab lines, three rooms, the desk, triage and the display', async (t) => {
  const srv = new PagesServer({ SMARTWAIT_TIMEZONE: zone });
  await srv.start();
  t.after(() => srv.close());
  const token = await srv.staffToken();
  const errors = [];

  // The admin sets the clinic up (the admin page has its own test).
  const ok = async (method, path, body) => {
    const r = await srv.api(method, path, body, token);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.data;
  };
  await ok('PATCH', '/api/staff/lines/default', { name: 'Walk-in' });
  await ok('POST', '/api/staff/lines', { slug: 'booked', name: 'Booked', prefix: 'B', appointments: true });
  await ok('POST', '/api/staff/lines', { slug: 'lab', name: 'Lab', prefix: 'L' });
  await ok('POST', '/api/staff/lines', { slug: 'triage', name: 'Triage', prefix: 'T' });
  await ok('POST', '/api/staff/lines', { slug: 'doctor', name: 'Doctor', prefix: 'D', public: false });
  await ok('POST', '/api/staff/rooms', { name: 'Room 1', lines: ['default', 'booked'] });
  await ok('POST', '/api/staff/rooms', { name: 'Room 2', lines: ['booked', 'default'] });
  await ok('POST', '/api/staff/rooms', { name: 'Lab room', lines: ['lab'] });
  await ok('POST', '/api/staff/rooms', { name: 'Triage desk', lines: ['triage'] });
  await ok('POST', '/api/staff/rooms', { name: 'Doctor room', lines: ['doctor'] });

  // The waiting-room TV.
  const tvCtx = await browser.newContext({ ...TV, baseURL: srv.url });
  const tv = await tvCtx.newPage();
  watch(tv, errors);
  await tv.goto('/display');
  await tv.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });

  // Patients check in on their phones and keep their status pages open.
  const phones = await browser.newContext({ ...PHONE, baseURL: srv.url });
  const patients = {};
  let n = 0;
  const checkIn = async (name, lineName, appointment) => {
    const page = await phones.newPage();
    watch(page, errors);
    await page.goto('/checkin');
    await page.getByRole('group', { name: 'Choose your line' }).getByRole('radio', { name: new RegExp(lineName) }).check();
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Mobile phone').fill(`+1415555${String(7400 + n++)}`);
    await page.getByLabel('Appointment time').fill(appointment);
    await Promise.all([page.waitForURL(/\/status\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Check in' }).click()]);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
    patients[name] = { page, ticket: (await page.locator('#ticket').textContent()).trim() };
    return patients[name];
  };
  await checkIn('Wanda Walk', 'Walk-in', 'walk-in');
  await checkIn('Ella Early', 'Booked', local(30)); // early: waits for her time
  await checkIn('Liam Late', 'Booked', local(-40)); // late beyond the grace: due on arrival
  await checkIn('Tess Time', 'Booked', local(-5)); // on time: due at her appointment
  await checkIn('Lars Lab', 'Lab', 'walk-in');
  await checkIn('Tia Triage', 'Triage', 'walk-in');
  assert.deepEqual(Object.values(patients).map((p) => p.ticket), ['A-001', 'B-001', 'B-002', 'B-003', 'L-001', 'T-001']);
  // The booked line's order: on time, then late (due at arrival), then early.
  await text(patients['Tess Time'].page, '#position', '1');
  await text(patients['Liam Late'].page, '#position', '2');
  await text(patients['Ella Early'].page, '#position', '3');

  // Reception.
  const deskCtx = await browser.newContext({ ...DESKTOP, baseURL: srv.url });
  const desk = await signIn(deskCtx, 'admin', ADMIN_PASSWORD);
  watch(desk, errors);
  await desk.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
  const row = (ticket) => desk.locator(`#queue-body tr[data-ticket="${ticket}"]`);
  const status = async (ticket, want) => {
    await until(async () => ((await row(ticket).locator('.status-cell').textContent()) || '').includes(want),
      { timeout: LIVE, what: `${ticket} to show ${want}` });
  };

  // A front-desk check-in without a phone, into the walk-in line.
  await desk.getByRole('button', { name: 'Add patient' }).click();
  const add = desk.locator('#add-dialog');
  await add.getByLabel('Name').fill('Paul Nophone');
  await add.getByLabel('Line').selectOption('default');
  await add.getByRole('button', { name: 'Check in' }).click();
  await text(desk, '#desk-result', 'Checked in Paul Nophone: ticket A-002 in Walk-in, position 2.');
  await text(desk, '#queue-body tr[data-ticket="A-002"] .phone-cell', 'no phone');

  // Liam is in pain: urgent, first in the booked line; Tess and Ella move back.
  await row('B-002').getByRole('button', { name: 'Urgent' }).click();
  await status('B-002', '#1');
  await text(patients['Liam Late'].page, '#position', '1');
  await text(patients['Tess Time'].page, '#position', '2');

  // Room 2 prefers booked: the urgent patient. Room 1 prefers walk-ins, but
  // Tess has been due since before Wanda came in: the earliest head goes.
  const call = async (room, want) => {
    await desk.getByLabel('Room').selectOption(room);
    await desk.getByRole('button', { name: 'Call next' }).click();
    await text(desk, '#call-result', want);
  };
  await call('Room 2', 'Called B-002 (Liam Late) to Room 2 from Booked.');
  await text(patients['Liam Late'].page, '#stage-title', "It's your turn");
  await text(patients['Liam Late'].page, '#stage-detail', 'Room 2');
  await call('Room 1', 'Called B-003 (Tess Time) to Room 1 from Booked.');
  await text(patients['Ella Early'].page, '#position', '1');
  // The lab room calls the lab only.
  await call('Lab room', 'Called L-001 (Lars Lab) to Lab room from Lab.');

  // Triage, then on to the doctor with the same ticket.
  await call('Triage desk', 'Called T-001 (Tia Triage) to Triage desk from Triage.');
  await row('T-001').getByRole('button', { name: 'Transfer' }).click();
  const tr = desk.locator('#transfer-dialog');
  await tr.getByLabel('To line').selectOption('doctor');
  await tr.getByRole('button', { name: 'Transfer' }).click();
  await until(async () => (await row('T-001').getAttribute('data-line')) === 'doctor', { timeout: LIVE, what: 'T-001 to move to the doctor' });
  await status('T-001', '#1');
  await text(patients['Tia Triage'].page, '#position', '1');
  await call('Doctor room', 'Called T-001 (Tia Triage) to Doctor room from Doctor.');
  await text(patients['Tia Triage'].page, '#stage-detail', 'Doctor room');

  // The TV: who is being served, grouped by line, by ticket number only.
  await text(tv, '#tv-lines [data-line="booked"] .serving', 'B-002Room 2');
  await text(tv, '#tv-lines [data-line="booked"] .serving', 'B-003Room 1');
  await text(tv, '#tv-lines [data-line="lab"] .serving', 'L-001Lab room');
  await text(tv, '#tv-lines [data-line="doctor"] .serving', 'T-001Doctor room');
  await text(tv, '#tv-lines [data-line="default"] .n-waiting', '2');
  const shown = await tv.locator('body').textContent();
  for (const name of Object.keys(patients).concat('Paul Nophone')) {
    assert.ok(!shown.includes(name.split(' ')[0]), `the display shows ${name}`);
  }

  // The day's figures: the whole clinic, and one line at a time (re-read at
  // most every 5 s while events flow).
  await text(desk, '#st-called', '4', 15000);
  await text(desk, '#st-waiting', '3', 15000);
  await desk.getByLabel('Show').selectOption('booked');
  await text(desk, '#st-called', '2');
  await text(desk, '#st-waiting', '1');

  assert.deepEqual(errors, []);
  await Promise.all([tvCtx.close(), phones.close(), deskCtx.close()]);
});
