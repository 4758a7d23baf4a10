// clinic-pages.test.mjs: a clinic's public pages (issue 13, docs/clinics.md
// "Pages") in Chromium against the real binary. A second clinic, north, is
// added with `smartwait clinic add` beside the default one; a patient checks
// in on /c/north/, lands on /c/north/status/{id} and follows their place
// live; north's TV shows north's calls and not the default clinic's, and the
// default clinic's TV the other way round. The clinic's pages, its 404 page
// and the admin's clinics page pass axe, and the admin adds, edits and
// removes clinics on that page, seeing the API's refusals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { serverFor, binary, untilText, ADMIN_PASSWORD } from './lib/pages-server.mjs';
import { launch, signIn } from './lib/browser.mjs';
import { PHONE, DESKTOP, TV, withAxe, checkPage, withLang } from './lib/a11y.mjs';

const LIVE = 8000;
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

let phoneSeq = 5200;
const nextPhone = () => `+1415555${phoneSeq++}`;

// clinicCLI runs `smartwait clinic …` on the server's database, as an
// operator would while it runs.
function clinicCLI(srv, ...args) {
  return execFileSync(binary(), ['clinic', ...args], {
    env: { ...process.env, DATABASE_URL: `sqlite://${join(srv.dir, 'smartwait.db')}` },
    encoding: 'utf8',
  });
}

// watch collects a page's script errors and console errors; expected, a
// regular expression, names the refused responses the test asks for (the
// browser logs each as an error).
function watch(page, errors, expected = null) {
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' || (expected && expected.test(m.text()))) return;
    errors.push(`${page.url()}: ${m.text()}`);
  });
}

// northClinic starts a server with a second clinic, north (one public
// line, nwalk, and its room North 1) and a room for the default clinic.
async function northClinic(t) {
  const { srv, ok } = await serverFor(t);
  clinicCLI(srv, 'add', '--slug', 'north', '--name', 'North Clinic', '--timezone', 'America/Denver');
  assert.match(clinicCLI(srv, 'list'), /north/);
  await ok('POST', '/api/staff/lines', { slug: 'nwalk', name: 'North walk-in', prefix: 'N', clinic: 'north' });
  await ok('POST', '/api/staff/rooms', { name: 'North 1', lines: ['nwalk'], clinic: 'north' });
  await ok('POST', '/api/staff/rooms', { name: 'Room 1', lines: ['default'] });
  return { srv, ok };
}

test('a patient checks in on /c/north/ and follows their place on its status page', async (t) => {
  const { srv, ok } = await northClinic(t);
  const errors = [];
  // Someone is already waiting at north, and someone at the default clinic.
  await ok('POST', '/api/checkin', { name: 'Nils North', phone: nextPhone(), appointmentTime: 'walk-in', line: 'nwalk' });
  await ok('POST', '/api/checkin', { name: 'Mia Main', phone: nextPhone(), appointmentTime: 'walk-in' });

  const ctx = await browser.newContext({ ...PHONE, baseURL: srv.url });
  const page = await ctx.newPage();
  watch(page, errors, /status of 404/); // the last step opens a 404 page
  await page.goto('/c/north/');
  assert.equal(await page.locator('header .brand').textContent(), 'North Clinic');
  assert.match(await page.title(), /North Clinic/);
  await page.getByLabel('Your name').fill('Nora North');
  await page.getByLabel('Mobile phone').fill(nextPhone());
  await page.getByLabel('Appointment time').fill('walk-in');
  await Promise.all([page.waitForURL(/\/c\/north\/status\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Check in' }).click()]);
  const id = page.url().split('/').pop();
  assert.equal(await page.locator('#ticket').textContent(), 'N-002');
  assert.equal(await page.locator('#position').textContent(), '2');
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
  const st = (await srv.api('GET', `/api/position/${id}`)).json.data;
  assert.equal(st.line, 'nwalk');

  // North calls its first patient: Nora moves up, live.
  await ok('POST', '/api/staff/call-next', { room: 'North 1' });
  await untilText(page, '#position', '1', LIVE);
  // Then Nora herself.
  await ok('POST', '/api/staff/call-next', { room: 'North 1' });
  await untilText(page, '#stage-detail', 'North 1', LIVE);

  // Her status under the default clinic's address is the unknown id's page.
  const res = await page.goto(`/c/main/status/${id}`);
  assert.equal(res.status(), 404);
  assert.equal(await page.locator('#status').count(), 0);
  await ctx.close();
  assert.deepEqual(errors, []);
});

// kioskLines is the line slugs a kiosk page offers after its script has
// re-read them from the API: the fake clock runs past the minute after
// which it re-reads, and the picker the server drew is redrawn.
async function kioskLines(page) {
  await page.locator('#kiosk-line-list input').first().waitFor({ state: 'attached' });
  await page.evaluate(() => document.querySelectorAll('#kiosk-line-list input').forEach((i) => { i.dataset.old = '1'; }));
  await page.clock.runFor(61000);
  await page.locator('#kiosk-line-list input[data-old]').first().waitFor({ state: 'detached', timeout: LIVE });
  return page.locator('#kiosk-line-list input').evaluateAll((els) => els.map((e) => e.value));
}

test("each kiosk re-reads only its own clinic's lines, /kiosk the default clinic's", async (t) => {
  const { srv, ok } = await northClinic(t);
  // Two lines at each clinic, so both kiosks show the picker.
  await ok('POST', '/api/staff/lines', { slug: 'lab', name: 'Lab', prefix: 'L' });
  await ok('POST', '/api/staff/lines', { slug: 'nlab', name: 'North lab', prefix: 'M', clinic: 'north' });
  const errors = [];
  const ctx = await browser.newContext({ ...DESKTOP, baseURL: srv.url });
  for (const [path, want] of [['/kiosk', ['default', 'lab']], ['/c/north/kiosk', ['nwalk', 'nlab']]]) {
    const page = await ctx.newPage();
    watch(page, errors);
    await page.clock.install();
    await page.goto(path);
    assert.deepEqual(await kioskLines(page), want, path);
    await page.close();
  }
  await ctx.close();
  assert.deepEqual(errors, []);
});

// checkInOn checks a patient in with the page's form at home ('' or
// /c/{slug}) and answers their patient id once the status page has
// remembered the check-in on the device.
async function checkInOn(page, home, name) {
  await page.goto(home + '/');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Mobile phone').fill(nextPhone());
  await page.getByLabel('Appointment time').fill('walk-in');
  await Promise.all([page.waitForURL(/\/status\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Check in' }).click()]);
  const id = page.url().split('/').pop();
  await page.waitForFunction((id) => (localStorage.getItem('smartwait.checkins') || '').includes(id), id);
  return id;
}

// mine is "My check-ins" as the page shows it: each entry's link and text.
async function mine(page, n) {
  await page.locator(`#my-checkins-list li:nth-child(${n}) .muted:not(:empty)`).waitFor({ timeout: LIVE });
  return page.locator('#my-checkins-list li a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent]));
}

test('"My check-ins" lists the tickets of every clinic, each with its clinic\'s status page', async (t) => {
  const { srv } = await northClinic(t);
  const errors = [];
  const ctx = await browser.newContext({ ...PHONE, baseURL: srv.url });
  const page = await ctx.newPage();
  watch(page, errors);
  const north = await checkInOn(page, '/c/north', 'Nora North');
  const main = await checkInOn(page, '', 'Mia Main');

  // On the default clinic's page, north's ticket names north.
  await page.goto('/');
  assert.deepEqual(await mine(page, 2), [
    [`/status/${main}`, 'Ticket A-001'],
    [`/c/north/status/${north}`, 'Ticket N-001 at North Clinic'],
  ]);
  // On north's, the default clinic's ticket names the default clinic.
  await page.goto('/c/north/');
  assert.deepEqual(await mine(page, 2), [
    [`/status/${main}`, 'Ticket A-001 at Riverside Clinic'],
    [`/c/north/status/${north}`, 'Ticket N-001'],
  ]);
  // Each link opens the ticket under its own clinic.
  await Promise.all([page.waitForURL(`**/status/${main}`), page.getByRole('link', { name: 'Ticket A-001 at Riverside Clinic' }).click()]);
  assert.equal(await page.locator('#ticket').textContent(), 'A-001');
  assert.equal(await page.locator('header .brand').textContent(), 'Riverside Clinic');
  await ctx.close();
  assert.deepEqual(errors, []);
});

test("north's display shows north's calls, the default clinic's display its own", async (t) => {
  const { srv, ok } = await northClinic(t);
  const errors = [];
  const ctx = await browser.newContext({ ...TV, baseURL: srv.url });
  const northTV = await ctx.newPage();
  const mainTV = await ctx.newPage();
  watch(northTV, errors);
  watch(mainTV, errors);
  await northTV.goto('/c/north/display');
  await mainTV.goto('/display');
  assert.equal(await northTV.locator('.tv-head .brand').textContent(), 'North Clinic');
  await northTV.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });
  await mainTV.locator('#conn[data-state="live"]').waitFor({ timeout: LIVE });

  await ok('POST', '/api/checkin', { name: 'Nils North', phone: nextPhone(), appointmentTime: 'walk-in', line: 'nwalk' });
  await ok('POST', '/api/checkin', { name: 'Mia Main', phone: nextPhone(), appointmentTime: 'walk-in' });
  await ok('POST', '/api/staff/call-next', { room: 'North 1' });
  await ok('POST', '/api/staff/call-next', { room: 'Room 1' });
  await untilText(northTV, '#now-ticket', 'N-001', LIVE);
  await untilText(mainTV, '#now-ticket', 'A-001', LIVE);
  // Let every event reach both screens, then look at all they show.
  await new Promise((r) => setTimeout(r, 1500));
  const north = await northTV.locator('#tv').textContent();
  const main = await mainTV.locator('#tv').textContent();
  assert.ok(north.includes('North 1') && !north.includes('A-001') && !north.includes('Room 1'), `north's TV shows: ${north}`);
  assert.ok(main.includes('Room 1') && !main.includes('N-001') && !main.includes('North 1'), `the default TV shows: ${main}`);
  await ctx.close();
  assert.deepEqual(errors, []);
});

test("a clinic's pages, its 404 page and the clinics admin page pass axe", async (t) => {
  const { srv, ok } = await northClinic(t);
  const nora = await ok('POST', '/api/checkin', { name: 'Nora North', phone: nextPhone(), appointmentTime: 'walk-in', line: 'nwalk' });
  const problems = [];
  const patient = ['/c/north/', `/c/north/status/${nora.patientId}`, '/c/north/display', '/c/north/qr', '/c/north/kiosk', '/c/nope/'];
  for (const [size, name] of [[PHONE, 'phone'], [DESKTOP, 'desktop']]) {
    const ctx = await withAxe(await browser.newContext({ ...size, baseURL: srv.url }));
    const page = await ctx.newPage();
    for (const lang of ['', 'es']) {
      for (const path of patient) {
        const res = await page.goto(withLang(path, lang));
        assert.equal(res.status(), path === '/c/nope/' ? 404 : 200, path);
        problems.push(...await checkPage(page, `${name} ${withLang(path, lang)}`));
      }
    }
    await (await signIn(ctx, 'admin', ADMIN_PASSWORD)).close();
    await page.goto('/staff/admin/clinics');
    await page.locator('#clinics-body tr[data-clinic="north"] button').first().waitFor();
    problems.push(...await checkPage(page, `${name} /staff/admin/clinics`));
    await page.locator('#clinic-add').click();
    await page.locator('#clinic-dialog[open]').waitFor();
    await page.locator('#clinic-save').click();
    await page.locator('#clinic-error:not([hidden])').waitFor();
    problems.push(...await checkPage(page, `${name} /staff/admin/clinics dialog with an error`));
    await ctx.close();
  }
  const tv = await withAxe(await browser.newContext({ ...TV, baseURL: srv.url }));
  const page = await tv.newPage();
  await page.goto('/c/north/display');
  problems.push(...await checkPage(page, 'tv /c/north/display'));
  await tv.close();
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('the admin adds, edits and removes clinics on /staff/admin/clinics', async (t) => {
  const { srv, ok } = await northClinic(t);
  const errors = [];
  const ctx = await browser.newContext({ ...DESKTOP, baseURL: srv.url });
  const page = await signIn(ctx, 'admin', ADMIN_PASSWORD);
  watch(page, errors, /status of (400|409)/); // the refusals the test provokes
  page.on('dialog', (d) => d.accept());
  await page.goto('/staff/admin');
  await Promise.all([page.waitForURL('**/staff/admin/clinics'), page.getByRole('link', { name: /Clinics/ }).click()]);
  await page.locator('#clinics-body tr[data-clinic="north"] button').first().waitFor();

  // Add one; a time zone the API does not know is refused at its field.
  await page.locator('#clinic-add').click();
  await page.getByLabel('Name').fill('South Clinic');
  await page.getByLabel('Slug').fill('south');
  await page.getByLabel('Time zone').fill('Mars/Olympus');
  await page.locator('#clinic-save').click();
  await untilText(page, '#clinic-error', 'timezone', LIVE);
  assert.equal(await page.locator('#clinic-timezone').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Time zone').fill('America/Chicago');
  await page.locator('#clinic-hours-set').check();
  await page.locator('#clinic-save').click();
  await untilText(page, '#clinics-result', 'South Clinic added', LIVE);
  await untilText(page, '#clinics-body tr[data-clinic="south"]', 'America/Chicago', LIVE);
  await untilText(page, '#clinics-body tr[data-clinic="south"]', 'Mon–Sun 08:00-17:00', LIVE);

  // Edit its name and sender.
  await page.getByRole('button', { name: 'Edit South Clinic' }).click();
  await page.getByLabel('Name').fill('South Side Clinic');
  await page.getByLabel('SMS sender (optional)').fill('+15555550123');
  await page.locator('#clinic-save').click();
  await untilText(page, '#clinics-body tr[data-clinic="south"]', 'South Side Clinic', LIVE);
  await untilText(page, '#clinics-body tr[data-clinic="south"]', '+15555550123', LIVE);
  const south = (await srv.api('GET', '/api/clinics')).json.data.find((c) => c.slug === 'south');
  assert.equal(south.name, 'South Side Clinic');

  // North has someone waiting: the API refuses, and the page says why.
  await ok('POST', '/api/checkin', { name: 'Nils North', phone: nextPhone(), appointmentTime: 'walk-in', line: 'nwalk' });
  await page.getByRole('button', { name: 'Remove North Clinic' }).click();
  await untilText(page, '#clinics-result', 'patients', LIVE);
  assert.match(await page.locator('#clinics-result').getAttribute('class'), /error/);
  assert.equal(await page.locator('#clinics-body tr[data-clinic="north"]').count(), 1);
  // South is empty: it goes.
  await page.getByRole('button', { name: 'Remove South Side Clinic' }).click();
  await untilText(page, '#clinics-result', 'South Side Clinic removed', LIVE);
  await page.locator('#clinics-body tr[data-clinic="south"]').waitFor({ state: 'detached' });
  // The default clinic has no remove button.
  assert.equal(await page.locator('#clinics-body tr[data-clinic="main"] button.danger').count(), 0);
  await ctx.close();
  assert.deepEqual(errors, []);
});
