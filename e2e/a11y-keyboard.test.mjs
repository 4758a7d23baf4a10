// a11y-keyboard.test.mjs: the pages with the keyboard alone (issue 16,
// WCAG 2.1.1 Keyboard, 2.4.3 Focus Order, 2.4.7 Focus Visible). Only
// page.keyboard drives the pages — Tab, Shift+Tab, Enter, Space and typing;
// no clicks and no focus() from the test. A patient checks in on / and
// leaves the queue from the status page, through its confirmation; staff
// sign in and call next, complete and mark a no-show on /staff. After every
// key the test asserts where focus is and that it can be seen: an outline
// (width > 0, a style) or a box-shadow on the focused element.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PagesServer, ADMIN_PASSWORD, until, untilText } from './lib/pages-server.mjs';
import { launch } from './lib/browser.mjs';
import { PHONE, DESKTOP, focusState, tab } from './lib/a11y.mjs';

let browser, server;
let phoneSeq = 4100;
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

// focused asserts that focus is where want says and that it shows.
async function focused(page, want, what) {
  const f = await focusState(page);
  assert.ok(want(f), `${what}: focus is on ${f.desc}`);
  assert.ok(f.visible, `${what}: the focus on ${f.desc} is not visible (${f.indicator})`);
  return f;
}

const live = (page) => page.locator('#conn[data-state="live"]').waitFor({ timeout: 10000 });

test('a patient checks in and leaves the queue with the keyboard alone', async () => {
  const ctx = await browser.newContext({ ...PHONE, hasTouch: false, baseURL: server.url });
  const page = await ctx.newPage();
  await page.goto('/');
  // The form's first field has focus on arrival (autofocus); one step back
  // is the language switch, one more the skip link, then forward again.
  await focused(page, (f) => f.id === 'name', 'on arrival');
  await page.keyboard.press('Shift+Tab');
  await focused(page, (f) => f.tag === 'a' && f.text === 'Español', 'Shift+Tab from the name');
  await page.keyboard.press('Shift+Tab');
  await focused(page, (f) => f.tag === 'a' && f.text === 'Skip to content', 'Shift+Tab from the language switch');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await focused(page, (f) => f.id === 'name', 'Tab back to the name');
  await page.keyboard.type('Kai Keyboard');
  await page.keyboard.press('Tab');
  await focused(page, (f) => f.id === 'phone', 'Tab to the phone');
  await page.keyboard.type('(415) 555-4199');
  await page.keyboard.press('Tab');
  await focused(page, (f) => f.id === 'appointmentTime', 'Tab to the appointment time');
  await page.keyboard.type('11:15');
  await page.keyboard.press('Tab');
  await focused(page, (f) => f.tag === 'button' && f.text === 'Check in', 'Tab to Check in');
  await Promise.all([page.waitForURL(/\/status\/[0-9a-f-]{36}$/), page.keyboard.press('Enter')]);
  const id = page.url().split('/').pop();
  await live(page);

  // The status page: the skip link, then on to "Leave the queue".
  await page.keyboard.press('Tab');
  await focused(page, (f) => f.tag === 'a' && f.text === 'Skip to content', 'first Tab on the status page');
  await page.keyboard.press('Enter');
  assert.equal((await focusState(page)).id, 'main', 'the skip link moves focus to the main content');
  await tab(page, (f) => f.id === 'leave', 'Tab to Leave the queue');

  // Space opens the confirmation; dismissing it keeps the place and the focus.
  const asked = [];
  let answer = 'dismiss';
  page.on('dialog', (d) => { asked.push(d.message()); d[answer](); });
  await page.keyboard.press('Space');
  await until(() => asked.length === 1, { what: 'the confirmation' });
  assert.match(asked[0], /Leave the queue\?/);
  assert.equal((await server.api('GET', `/api/position/${id}`)).json.data.status, 'waiting', 'dismissing keeps the place');
  await focused(page, (f) => f.id === 'leave', 'after dismissing the confirmation');

  // Enter, confirmed: the patient leaves; the button goes, and focus moves
  // to the page's heading, which now says so.
  answer = 'accept';
  await page.keyboard.press('Enter');
  await untilText(page, '#stage-title', 'You left the queue', 6000);
  assert.equal(asked.length, 2);
  assert.equal((await server.api('GET', `/api/position/${id}`)).json.data.status, 'cancelled');
  await until(async () => (await focusState(page)).id === 'stage-title', { timeout: 6000, what: 'focus on the heading' })
    .catch(async (e) => { throw new Error(`${e.message}; focus is on ${(await focusState(page)).desc}`); });
  await focused(page, (f) => f.id === 'stage-title', 'after leaving');
  await tab(page, (f) => f.tag === 'a' && f.text === 'Back to check-in', 'Tab on to Back to check-in');
  await ctx.close();
});

test('staff sign in, call next, complete and mark a no-show with the keyboard alone', async () => {
  const token = await server.staffToken();
  const mine = [];
  for (const name of ['Ava First', 'Bo Second', 'Cy Third']) {
    const { status, json } = await server.api('POST', '/api/checkin', { name, phone: nextPhone(), appointmentTime: '10:30' });
    assert.equal(status, 201, JSON.stringify(json));
    mine.push(json.data);
  }
  // Anyone still ahead from the other test is served first.
  for (;;) {
    const { json } = await server.api('GET', '/api/staff/queue', undefined, token);
    const other = json.data.find((q) => !mine.some((m) => m.patientId === q.patientId));
    if (!other) break;
    await server.api('POST', '/api/staff/complete', { patientId: other.patientId }, token);
  }
  const [first, second] = mine;

  const ctx = await browser.newContext({ ...DESKTOP, baseURL: server.url });
  const page = await ctx.newPage();
  await page.goto('/staff/login');
  await focused(page, (f) => f.id === 'username', 'on arrival at sign-in');
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await focused(page, (f) => f.id === 'password', 'Tab to the password');
  await page.keyboard.type(ADMIN_PASSWORD);
  await page.keyboard.press('Tab');
  await focused(page, (f) => f.tag === 'button' && f.text === 'Sign in', 'Tab to Sign in');
  await Promise.all([page.waitForURL('**/staff'), page.keyboard.press('Enter')]);
  await live(page);
  const row = (t) => page.locator(`#queue-body tr[data-ticket="${t}"]`);
  await row(second.ticketNumber).waitFor();

  // Past the header with the skip link, to the room and Call next.
  await page.keyboard.press('Tab');
  await focused(page, (f) => f.tag === 'a' && f.text === 'Skip to content', 'first Tab on the dashboard');
  await page.keyboard.press('Enter');
  assert.equal((await focusState(page)).id, 'main', 'the skip link moves focus to the main content');
  await page.keyboard.press('Tab');
  await focused(page, (f) => f.id === 'room', 'Tab to the room');
  await page.keyboard.press('Tab');
  await focused(page, (f) => f.id === 'call-next', 'Tab to Call next');
  await page.keyboard.press('Enter');
  await untilText(page, '#call-result', `Called ${first.ticketNumber}`, 6000);
  await focused(page, (f) => f.id === 'call-next', 'after calling next, focus stays on Call next');

  // Complete the called patient: their row goes, and focus goes to the
  // table's heading, not to the top of the page.
  await tab(page, (f) => f.row === first.ticketNumber && f.text === 'Complete', `Tab to Complete on ${first.ticketNumber}`);
  await page.keyboard.press('Enter');
  await until(async () => (await row(first.ticketNumber).count()) === 0, { timeout: 6000, what: 'the completed row to go' });
  await focused(page, (f) => f.id === 'queue-title', `after completing ${first.ticketNumber}`);

  // Mark the next one a no-show, with Space this time.
  await tab(page, (f) => f.row === second.ticketNumber && f.text === 'No-show', `Tab to No-show on ${second.ticketNumber}`);
  await page.keyboard.press('Space');
  await until(async () => (await row(second.ticketNumber).count()) === 0, { timeout: 6000, what: 'the no-show row to go' });
  await focused(page, (f) => f.id === 'queue-title', `after the no-show of ${second.ticketNumber}`);

  assert.equal((await server.api('GET', `/api/position/${first.patientId}`)).json.data.status, 'completed');
  assert.equal((await server.api('GET', `/api/position/${second.patientId}`)).json.data.status, 'no_show');
  // Shift+Tab walks back up from the table to Call next.
  await tab(page, (f) => f.id === 'call-next', 'Shift+Tab back to Call next', { back: true });
  await ctx.close();
});
