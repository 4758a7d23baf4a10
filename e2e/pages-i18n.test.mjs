// pages-i18n.test.mjs: the patient pages in the patient's language, and calls
// people can hear (issue 16), in Chromium against the real binary. A
// Spanish-speaking browser checks in on the page and follows its status in
// Spanish; when staff call it, "¡Es su turno!" is said in the page's live
// region, and again at a recall. The display with ?lang=en,es speaks each call
// in English, then Spanish (observed by wrapping speechSynthesis.speak), a
// recall again and a later read of the display not; without speechSynthesis
// the display still shows the call, without an error. Texts go through a fake
// of Twilio (lib/twilio.mjs): the Spanish patient's texts are Spanish too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PagesServer, until, untilText } from './lib/pages-server.mjs';
import { launch, PHONE, TV } from './lib/browser.mjs';
import { startTwilio, twilioEnv } from './lib/twilio.mjs';

const LIVE = 6000;
let server, browser, token, twilio;
let phoneSeq = 3600;
const nextPhone = () => `+1415555${phoneSeq++}`;
const text = (page, selector, want, timeout = LIVE) => untilText(page, selector, want, timeout);

before(async () => {
  twilio = await startTwilio();
  server = new PagesServer(twilioEnv(twilio));
  await server.start();
  browser = await launch();
  token = await server.staffToken();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await twilio?.close();
});

// textsTo waits for n texts to phone (E.164) and returns their bodies.
async function textsTo(phone, n, what) {
  await twilio.until((f) => f.messages.filter((m) => m.to === phone).length >= n, what);
  return twilio.messages.filter((m) => m.to === phone).map((m) => m.body);
}

// ENGLISH are words of the English texts that a Spanish one must not hold.
const ENGLISH = [/your turn/i, /checked in/i, /ticket/i, /in line/i, /please/i, /get ready/i];

// watch collects a page's script errors and console errors.
function watch(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}

async function live(page) {
  await until(async () => (await page.locator('#conn').getAttribute('data-state')) === 'live',
    { timeout: LIVE, what: 'the connection indicator to say live' });
}

async function clearQueue() {
  for (;;) {
    const { json } = await server.api('GET', '/api/staff/queue', undefined, token);
    if (!json.data.length) return;
    for (const q of json.data) await server.api('POST', '/api/staff/complete', { patientId: q.patientId }, token);
  }
}

async function checkInByAPI(name) {
  const { status, json } = await server.api('POST', '/api/checkin', { name, phone: nextPhone(), appointmentTime: '10:30' });
  assert.equal(status, 201, JSON.stringify(json));
  return json.data;
}

test('a Spanish-speaking patient checks in, follows the queue and hears their turn in Spanish', async () => {
  await clearQueue();
  const ctx = await browser.newContext({ ...PHONE, baseURL: server.url, locale: 'es-ES',
    extraHTTPHeaders: { 'Accept-Language': 'es-ES,es;q=0.9' } });
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto('/checkin');
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  assert.equal(await page.locator('#checkin-form input[name=language]').inputValue(), 'es', 'the form sends its language');
  const english = page.locator('nav.langs a[hreflang=en]');
  assert.equal(await english.textContent(), 'English');
  assert.equal(await english.getAttribute('lang'), 'en');

  await page.getByLabel('Su nombre').fill('María López');
  await page.getByLabel('Teléfono móvil').fill('(415) 555-2690');
  await page.getByLabel('Hora de la cita').fill('11:00');
  await Promise.all([page.waitForURL(/\/status\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Registrarme' }).click()]);
  const id = page.url().split('/').pop();
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  await text(page, '#stage-title', 'Está en la fila');
  await live(page);
  await text(page, '#conn-text', 'En vivo');
  await text(page, '#wait-note', 'en espera en total');
  assert.match(await page.evaluate(() => SmartWait.t('status.waitingTotal', { n: 12345 })), /^12\.345 /,
    'the scripts write numbers the Spanish way');
  const { json: pos } = await server.api('GET', `/api/position/${id}`);
  assert.equal(pos.data.language, 'es', 'the ticket keeps the page\'s language');
  const [confirmation] = await textsTo('+14155552690', 1, 'the Spanish confirmation text');
  assert.match(confirmation, /en la fila/, confirmation);
  assert.match(confirmation, new RegExp(pos.data.ticketNumber), confirmation);
  for (const en of ['Your ticket', 'Position', 'Estimated wait', 'Leave the queue', 'waiting in total', 'Live']) {
    assert.ok(!(await page.locator('body').innerText()).includes(en), `the Spanish status page shows "${en}"`);
  }

  // Record what the live region #announce, there since the page loaded, says.
  await page.evaluate(() => {
    const region = document.getElementById('announce');
    window.__region = region;
    window.__said = [];
    new MutationObserver(() => {
      const t = region.textContent.replace(/\s+/g, ' ').trim();
      if (t) window.__said.push(t);
    }).observe(region, { childList: true, subtree: true, characterData: true });
  });

  const { json: called } = await server.api('POST', '/api/staff/call-next', { room: 'Consultorio 2' }, token);
  assert.equal(called.data.patientId, id);
  await text(page, '#announce', '¡Es su turno!');
  await text(page, '#announce', 'Pase a Consultorio 2, por favor.');
  const texts = await textsTo('+14155552690', 2, 'the Spanish call text');
  assert.match(texts[1], /¡Es su turno, Maria! Turno [A-Z]-\d+, pase a Consultorio 2 ahora, por favor\./, texts[1]);
  for (const body of texts) {
    for (const en of ENGLISH) assert.doesNotMatch(body, en, `a Spanish patient's text in English: ${body}`);
  }
  const region = await page.evaluate(() => ({
    same: document.getElementById('announce') === window.__region,
    live: window.__region.getAttribute('aria-live'),
    said: window.__said.filter((t) => t.includes('¡Es su turno!')).length,
  }));
  assert.deepEqual(region, { same: true, live: 'assertive', said: 1 }, 'the turn is said once in the live region of the loaded page');

  // A recall says it again.
  await server.api('POST', '/api/staff/recall', { patientId: id }, token);
  await until(() => page.evaluate(() => window.__said.filter((t) => t.includes('¡Es su turno!')).length === 2),
    { timeout: LIVE, what: 'the recall to be said again in the live region' });

  // The language stays chosen by the browser; the switch changes it and is remembered.
  await Promise.all([page.waitForURL(/lang=en/), english.click()]);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await text(page, '#stage-title', "It's your turn!");
  assert.match(await page.evaluate(() => SmartWait.t('status.waitingTotal', { n: 12345 })), /^12,345 /,
    'the scripts write numbers the English way');
  await page.goto('/');
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice is remembered over the browser\'s language');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the display says each call in English and Spanish, and a recall again', async () => {
  await clearQueue();
  const ctx = await browser.newContext({ ...TV, baseURL: server.url });
  await ctx.addInitScript(() => {
    window.__spoken = [];
    const synth = window.speechSynthesis;
    if (!synth) return;
    synth.speak = (u) => { window.__spoken.push({ text: u.text, lang: u.lang }); };
  });
  const page = await ctx.newPage();
  const errors = watch(page);
  const spoken = () => page.evaluate(() => window.__spoken.filter((u) => u.text));
  await page.goto('/display?lang=en,es');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.locator('nav.langs a[hreflang=es]').getAttribute('href'), '/display?lang=es%2Cen');
  await live(page);
  await page.getByRole('button', { name: 'Enable sound' }).click();

  const p = await checkInByAPI('Spoken Patient');
  const { json: called } = await server.api('POST', '/api/staff/call-next', { room: '2' }, token);
  assert.equal(called.data.patientId, p.patientId);
  await text(page, '#now-ticket', p.ticketNumber);
  const n = String(parseInt(p.ticketNumber.split('-')[1], 10)); // "A-001" is said "A 1"
  const call = [
    { text: `Ticket A ${n}, room 2.`, lang: 'en' },
    { text: `Turno A ${n}, consultorio 2.`, lang: 'es' },
  ];
  await until(async () => (await spoken()).length >= 2, { timeout: LIVE, what: 'the call to be spoken' });
  assert.deepEqual(await spoken(), call);

  await server.api('POST', '/api/staff/recall', { patientId: p.patientId }, token);
  await until(async () => (await spoken()).length >= 4, { timeout: LIVE, what: 'the recall to be spoken' });
  assert.deepEqual(await spoken(), [...call, ...call]);

  // A read of the display (here: the browser coming back online) brings the
  // first call's time: the same call is not announced a third time.
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/display')),
    page.evaluate(() => window.dispatchEvent(new Event('online'))),
  ]);
  await page.waitForTimeout(500);
  assert.equal((await spoken()).length, 4, 'a re-read announced the call again');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a display without speechSynthesis shows the call and chimes without an error', async () => {
  await clearQueue();
  const ctx = await browser.newContext({ ...TV, baseURL: server.url });
  await ctx.addInitScript(() => {
    delete window.speechSynthesis;
    delete window.SpeechSynthesisUtterance;
  });
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto('/display?lang=es,en');
  assert.equal(await page.evaluate(() => 'speechSynthesis' in window), false, 'the browser still has speechSynthesis');
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  await text(page, '.now-label', 'Atendiendo ahora');
  await live(page);
  await page.getByRole('button', { name: 'Activar sonido' }).click();
  const p = await checkInByAPI('Silent Patient');
  await server.api('POST', '/api/staff/call-next', { room: 'Sala 3' }, token);
  await text(page, '#now-ticket', p.ticketNumber);
  await text(page, '#now-room', 'Sala 3');
  await until(() => page.locator('#now.flash').count(), { timeout: LIVE, what: 'the call highlight' });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('offline, a page the service worker has no copy of says so in the patient\'s language', async () => {
  const ctx = await browser.newContext({ ...PHONE, baseURL: server.url, locale: 'es-ES',
    extraHTTPHeaders: { 'Accept-Language': 'es-ES,es;q=0.9' } });
  const page = await ctx.newPage();
  const errors = watch(page);
  await page.goto('/checkin');
  await page.evaluate(() => navigator.serviceWorker.ready);
  await until(() => page.evaluate(async () => Boolean(await caches.match('/offline'))),
    { timeout: LIVE, what: 'the service worker to keep the offline note' });
  await ctx.setOffline(true);
  await page.goto('/status/00000000-0000-4000-8000-00000000cafe').catch(() => {});
  await text(page, 'h1', 'Sin conexión');
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  await ctx.setOffline(false);
  assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(e)), []);
  await ctx.close();
});
