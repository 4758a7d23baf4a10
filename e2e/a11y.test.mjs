// a11y.test.mjs: accessibility as a test (issue 16). axe-core checks every
// page of the real binary in Chromium against WCAG 2.0/2.1 A and AA and
// Deque's best practices, colour contrast included: the check-in page (also
// re-rendered with field errors after a bad form post), the status page in
// every stage and for an unknown id, the waiting-room display (one line,
// several lines, chosen lines; also at 1920×1080), the QR poster, the kiosk
// (anonymous and signed in with a kiosk account), the staff sign-in, the
// dashboard with patients waiting and called, and the admin page — at phone
// and desktop sizes, signed out and signed in, in English and with
// ?lang=es; and what pages show only in use (errors, dialogs, alerts, the
// kiosk's ticket). Another test doubles the browser's text size on a phone
// and requires that the check-in and status pages lose nothing (WCAG
// 1.4.4), and one plants known faults to show that these checks fail. The
// keyboard walk-through is in a11y-keyboard.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, serverFor } from './lib/pages-server.mjs';
import { launch, signIn } from './lib/browser.mjs';
import { PHONE, DESKTOP, TV, withAxe, checkPage, axe, report, withLang, settle, textLoss } from './lib/a11y.mjs';

const KIOSK = { username: 'lobby-tablet', password: 'kiosk-password-1' };
const NOT_FOUND = '/status/00000000-0000-4000-8000-000000000000';

let browser;
let phoneSeq = 3100;
const nextPhone = () => `+1415555${phoneSeq++}`;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// clinic starts a server whose patients are in every stage a status page
// shows, with a kiosk account. lines adds lines (and rooms) before anyone
// checks in. It returns the server and the status path of each stage.
async function clinic(t, { lines = [] } = {}) {
  const { srv, ok } = await serverFor(t);
  for (const l of lines) await ok('POST', '/api/staff/lines', l);
  await ok('POST', '/api/staff/users', { ...KIOSK, role: 'kiosk' });
  const checkIn = (name, line) => ok('POST', '/api/checkin', { name, phone: nextPhone(), appointmentTime: '10:30', line });
  // The first three are ready on arrival; three calls later R, W1 and W2
  // are the first three waiting (ready) and W3, W4 wait further back.
  const [done, noShow, called, ready] = [await checkIn('Dora Done'), await checkIn('Nils Noshow'),
    await checkIn('Cleo Called'), await checkIn('Rui Ready')];
  for (const n of ['Wen One', 'Wes Two', 'Wim Three']) await checkIn(n);
  const waiting = await checkIn('Wanda Waiting');
  const left = await checkIn('Leo Left');
  await ok('POST', '/api/staff/call-next', { room: 'Room 1' });
  await ok('POST', '/api/staff/complete', { patientId: done.patientId });
  await ok('POST', '/api/staff/call-next', { room: 'Room 1' });
  await ok('POST', '/api/staff/no-show', { patientId: noShow.patientId });
  await ok('POST', '/api/staff/call-next', { room: 'Room 2' });
  const del = await srv.api('DELETE', `/api/checkin/${left.patientId}`);
  assert.equal(del.status, 200, JSON.stringify(del.json));
  for (const l of lines) if (l.public !== false) await checkIn(`Lia ${l.name}`, l.slug);
  const status = (p) => `/status/${p.patientId}`;
  return {
    srv, ok,
    stages: { waiting: status(waiting), ready: status(ready), called: status(called), done: status(done), gone: status(noShow), left: status(left) },
  };
}

// session is a browser context of the given size, with axe, signed in as
// who (undefined: nobody; 'admin', or 'kiosk' for the kiosk account).
async function session(srv, size, who) {
  const ctx = await withAxe(await browser.newContext({ ...size, baseURL: srv.url }));
  if (who) {
    const [user, pass, landing] = who === 'kiosk' ? [KIOSK.username, KIOSK.password, '/kiosk'] : ['admin', ADMIN_PASSWORD, '/staff'];
    const p = await signIn(ctx, user, pass, landing);
    await p.close();
  }
  return ctx;
}

// badPost re-renders the check-in form with field errors, the way a
// browser without script posts it: a real form submission.
async function badPost(page, path) {
  await page.goto(path);
  await page.locator('#name').fill('Pat Typo');
  await page.locator('#phone').fill('12345');
  await page.locator('#appointmentTime').fill('10:30');
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/checkin') && r.request().method() === 'POST'),
    page.locator('#checkin-form button[type=submit]').click(),
  ]);
  assert.equal(res.status(), 400);
  await page.waitForLoadState('load');
  assert.ok(await page.locator('#phone-error').count(), 'the form shows the phone error');
}

// sweep checks each path of pages in one context and collects the problems.
async function sweep(ctx, label, pages, problems, { lang = '', stageCheck = {} } = {}) {
  const page = await ctx.newPage();
  for (const path of pages) {
    const where = `${label} ${withLang(path, lang)}`;
    if (path === 'POST /checkin') {
      await badPost(page, withLang('/checkin', lang));
    } else {
      const res = await page.goto(withLang(path, lang));
      assert.ok(res.status() < 500, `${where}: ${res.status()}`);
    }
    if (stageCheck[path]) {
      assert.equal(await page.locator('#status').getAttribute('class'), `status stage-${stageCheck[path]}`, `${where} is in its stage`);
    }
    problems.push(...await checkPage(page, where));
  }
  await page.close();
}

const stageOf = (stages) => Object.fromEntries(Object.entries(stages).map(([s, p]) => [p, s === 'left' ? 'gone' : s]));

test('every page passes axe at phone and desktop sizes, signed out and in, in English and Spanish', async (t) => {
  const { srv, stages } = await clinic(t);
  const patient = ['/', '/checkin', 'POST /checkin', ...Object.values(stages), NOT_FOUND, '/display', '/qr', '/kiosk', '/offline'];
  const problems = [];
  for (const [size, sizeName] of [[PHONE, 'phone'], [DESKTOP, 'desktop']]) {
    for (const who of [undefined, 'admin']) {
      const ctx = await session(srv, size, who);
      const label = `${sizeName} ${who ? 'signed in' : 'signed out'}`;
      for (const lang of ['', 'es']) await sweep(ctx, label, patient, problems, { lang, stageCheck: stageOf(stages) });
      // Signed in, /staff/login leads on to /staff.
      await sweep(ctx, label, who ? ['/staff', '/staff/admin', '/staff/admin/audit', '/staff/admin/webhooks'] : ['/staff/login'], problems);
      await ctx.close();
    }
    const kiosk = await session(srv, size, 'kiosk');
    for (const lang of ['', 'es']) await sweep(kiosk, `${sizeName} kiosk account`, ['/kiosk'], problems, { lang });
    await kiosk.close();
  }
  const tv = await session(srv, TV);
  for (const lang of ['', 'es']) await sweep(tv, 'tv', ['/display', ...Object.values(stages)], problems, { lang, stageCheck: stageOf(stages) });
  await tv.close();
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('the pages of a clinic with several lines pass axe', async (t) => {
  const { srv, stages } = await clinic(t, {
    lines: [{ slug: 'lab', name: 'Lab', prefix: 'L' }, { slug: 'doctor', name: 'Doctor', prefix: 'D', public: false }],
  });
  const problems = [];
  const pages = ['/checkin', 'POST /checkin', '/display', '/display?lines=default,lab', '/display?lines=lab', '/kiosk', stages.waiting];
  for (const [size, sizeName] of [[PHONE, 'phone'], [DESKTOP, 'desktop'], [TV, 'tv']]) {
    const ctx = await session(srv, size, 'admin');
    for (const lang of ['', 'es']) await sweep(ctx, `${sizeName} lines`, pages, problems, { lang });
    if (size !== TV) await sweep(ctx, `${sizeName} lines`, ['/staff', '/staff/admin'], problems);
    await ctx.close();
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('the checks fail on a page with known violations', async (t) => {
  const { srv } = await clinic(t);
  const ctx = await session(srv, PHONE);
  const page = await ctx.newPage();
  await page.goto('/checkin');
  await settle(page);
  // What the suite must catch: an image without a text alternative, grey
  // text on white below 4.5:1.
  // (Styles through the CSSOM: the CSP ignores style attributes.)
  await page.evaluate(() => {
    const main = document.querySelector('main');
    main.insertAdjacentHTML('beforeend', '<img src="/static/icons/icon-192.png" width="10" height="10"><p id="faint">Faint text</p>');
    Object.assign(main.lastElementChild.style, { color: '#aaa', background: '#fff' });
  });
  const r = await axe(page);
  const ids = r.violations.map((v) => v.id).sort();
  assert.deepEqual(ids, ['color-contrast', 'image-alt'], report('planted', r.violations));
  const msg = report('planted', r.violations);
  assert.match(msg, /color-contrast \(serious\): Elements must meet minimum color contrast ratio thresholds/);
  assert.match(msg, /image-alt \(critical\)/);
  assert.match(msg, /#faint — .*contrast of 2\.32/, 'the message names the offending element and what is wrong');

  // And the text-size check: a box that clips its text, a row wider than the window.
  await page.evaluate(() => {
    const main = document.querySelector('main');
    main.insertAdjacentHTML('beforeend', '<p id="clipped">A sentence too long for its box</p><p id="wide">Wide</p>');
    Object.assign(document.getElementById('clipped').style, { width: '4rem', height: '1.5rem', overflow: 'hidden' });
    Object.assign(document.getElementById('wide').style, { width: '150vw' });
  });
  const lost = await textLoss(page);
  assert.ok(lost.some((l) => l.startsWith('the page scrolls sideways')), lost.join('\n'));
  assert.ok(lost.some((l) => l.startsWith('p#clipped clips its text')), lost.join('\n'));
  assert.ok(lost.some((l) => l.startsWith('p#wide runs out of the window')), lost.join('\n'));
  await ctx.close();
});

test('the states pages reach in use pass axe: errors, dialogs, alerts, the kiosk ticket', async (t) => {
  const { srv, ok } = await clinic(t, { lines: [{ slug: 'lab', name: 'Lab', prefix: 'L' }] });
  await ok('POST', '/api/staff/rooms', { name: 'Room 1', lines: ['default', 'lab'] });
  const problems = [];
  const check = async (page, where) => problems.push(...await checkPage(page, where));
  for (const [size, sizeName] of [[PHONE, 'phone'], [DESKTOP, 'desktop']]) {
    // A wrong password.
    const anon = await session(srv, size);
    const page = await anon.newPage();
    await page.goto('/staff/login');
    await page.locator('#username').fill('admin');
    await page.locator('#password').fill('not-the-password');
    await Promise.all([page.waitForURL('**/staff/login'), page.locator('button[type=submit]').click()]);
    await page.locator('#login-error').waitFor();
    await check(page, `${sizeName} sign-in error`);
    // The anonymous kiosk's ticket, and a phone's "My check-ins".
    await page.goto('/kiosk');
    await page.locator('#kiosk-lines input[value=lab]').check();
    await page.locator('#kiosk-name').fill('Kim Kiosk');
    await page.locator('#kiosk-phone').fill(nextPhone());
    await page.locator('#kiosk-submit').click();
    await page.locator('#kiosk-ticket-view:not([hidden])').waitFor();
    await check(page, `${sizeName} kiosk ticket`);
    await page.goto('/checkin');
    await page.locator('#checkin-form input[value=lab]').check();
    await page.locator('#name').fill('Mia Mine');
    await page.locator('#phone').fill(nextPhone());
    await page.locator('#appointmentTime').fill('walk-in');
    await Promise.all([page.waitForURL(/\/status\//), page.locator('#checkin-form button[type=submit]').click()]);
    await page.goto('/');
    await page.locator('#my-checkins:not([hidden]) a').waitFor();
    await check(page, `${sizeName} my check-ins`);
    await anon.close();

    // The dashboard: a new patient's alert, an action's error, the dialogs.
    const ctx = await session(srv, size, 'admin');
    const staff = await ctx.newPage();
    await staff.goto('/staff');
    await settle(staff);
    await ok('POST', '/api/checkin', { name: 'Nora New', phone: nextPhone(), appointmentTime: '11:00', line: 'lab' });
    await staff.locator('#toast.new:not([hidden])').waitFor();
    await check(staff, `${sizeName} /staff new-patient alert`);
    await staff.locator('#add-patient').click();
    await staff.locator('#add-submit').click();
    await staff.locator('#add-error:not([hidden])').waitFor();
    await check(staff, `${sizeName} /staff add-patient dialog with an error`);
    await staff.keyboard.press('Escape');
    await staff.locator('#queue-body tr[data-ticket="L-001"]').getByRole('button', { name: 'Transfer' }).click();
    await staff.locator('#transfer-dialog[open]').waitFor();
    await check(staff, `${sizeName} /staff transfer dialog`);
    await staff.keyboard.press('Escape');
    const admin = await ctx.newPage();
    await admin.goto('/staff/admin');
    await admin.locator('#new-username').fill('casey');
    await admin.locator('#new-password').fill('casey-password-1');
    await Promise.all([admin.waitForResponse((r) => r.url().endsWith('/staff/admin/users')), admin.locator('#new-password').press('Enter')]);
    await admin.locator('.alert.ok, .alert.error').first().waitFor();
    await check(admin, `${sizeName} /staff/admin after adding an account`);
    await admin.locator('#line-add').click();
    await admin.locator('#line-dialog[open]').waitFor();
    await check(admin, `${sizeName} /staff/admin line dialog`);
    await admin.keyboard.press('Escape');
    await admin.locator('#room-add').click();
    await admin.locator('#room-dialog[open]').waitFor();
    await check(admin, `${sizeName} /staff/admin room dialog`);
    await ctx.close();
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

// Text at 200% (WCAG 1.4.4, resize text). A phone's reader makes text
// bigger with the browser's text-size setting, not by zooming the page
// (which only magnifies, and is not what 1.4.4 is about on a phone). That
// setting is the default font size; CDP's Page.setFontSizes sets it to
// 32 px, twice the 16 px every browser ships with, and the pages, whose
// sizes are all in rem and em from a root of 112.5%, grow to twice their
// size. (A fixed root font size would ignore the setting: the test checks
// the root really doubled.) Then nothing may be lost: no sideways
// scrolling and no clipped text, on the check-in page (also with its
// errors) and the status page in every stage.
test('at 200% text on a phone, the check-in and status pages lose nothing', async (t) => {
  const { srv, stages } = await clinic(t, { lines: [{ slug: 'lab', name: 'Laboratory and blood tests', prefix: 'L' }] });
  const ctx = await browser.newContext({ ...PHONE, baseURL: srv.url });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  const base = { standard: 16, fixed: 13 };
  const problems = [];
  for (const scale of [1, 2]) {
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: base.standard * scale, fixed: base.fixed * scale } });
    for (const lang of ['', 'es']) {
      for (const path of ['/checkin', 'POST /checkin', ...Object.values(stages), NOT_FOUND]) {
        const where = `${scale * 100}% ${withLang(path, lang)}`;
        if (path === 'POST /checkin') await badPost(page, withLang('/checkin', lang));
        else await page.goto(withLang(path, lang));
        await settle(page);
        const root = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
        assert.equal(root, 18 * scale, `${where}: the root font size follows the browser's text size`);
        problems.push(...(await textLoss(page)).map((p) => `${where}: ${p}`));
      }
    }
  }
  await ctx.close();
  assert.deepEqual(problems, [], problems.join('\n'));
});
