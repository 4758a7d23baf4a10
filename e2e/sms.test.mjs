// SMS end to end: the real smartwait binary sends through a tiny Node fake of
// Twilio's Messages API (docs/sms.md): `node --test e2e/sms.test.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { startServer, ADMIN_PASSWORD } from './lib/server.mjs';
import { checkResponse } from './lib/apidoc.mjs';

const SID = 'AC00000000000000000000000000000001';
const TOKEN = 'e2e-twilio-token';
const FROM = '+15005550006';
const PUBLIC_URL = 'https://clinic.example';
const WAIT_MS = 20000;
// startTwilio is the fake: it records every request, checks basic auth and the
// form, fails the next `failNext` requests with 503, and notifies waiters.
async function startTwilio() {
  const fake = { messages: [], requests: 0, failNext: 0, problems: [], waiters: new Set() };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      fake.requests++;
      const form = new URLSearchParams(raw);
      const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const reply = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
        for (const w of fake.waiters) w();
      };
      if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${SID}/Messages.json`) {
        fake.problems.push(`${req.method} ${req.url}`);
        return reply(404, { code: 20404, status: 404 });
      }
      if (auth !== `${SID}:${TOKEN}`) {
        fake.problems.push('bad basic auth');
        return reply(401, { code: 20003, status: 401 });
      }
      const m = { to: form.get('To'), from: form.get('From'), body: form.get('Body'), callback: form.get('StatusCallback') };
      if (!/^\+[1-9]\d{6,14}$/.test(m.to ?? '') || m.from !== FROM || !m.body || [...m.body].length > 160) {
        fake.problems.push(`bad form ${JSON.stringify(m)}`);
      }
      if (fake.failNext > 0) {
        fake.failNext--;
        return reply(503, { status: 503, message: 'Service Unavailable' });
      }
      m.sid = `SM${String(fake.messages.length + 1).padStart(32, '0')}`;
      fake.messages.push(m);
      reply(201, { sid: m.sid, status: 'queued' });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${server.address().port}`;
  fake.close = () => new Promise((r) => server.close(r));
  fake.until = (pred, what) => new Promise((resolveWait, reject) => {
    const check = () => { if (pred(fake)) { done(); resolveWait(); } };
    const timer = setTimeout(() => { done(); reject(new Error(`twilio fake: timed out waiting for ${what}; got ${JSON.stringify(fake.messages)}`)); }, WAIT_MS);
    const done = () => { clearTimeout(timer); fake.waiters.delete(check); };
    fake.waiters.add(check);
    check();
  });
  return fake;
}

// startSmartWait starts the real binary (e2e/lib/server.mjs) with env, logging at
// INFO so a failure shows the dispatcher's lines; stop asserts a graceful exit.
async function startSmartWait(env) {
  const server = await startServer({ SMARTWAIT_LOG_LEVEL: 'info', ...env });
  return {
    url: server.url,
    logs: server.logs,
    async stop() {
      const code = await server.stop();
      if (code !== null) assert.equal(code, 0, `graceful shutdown exit code; log:\n${server.logs()}`);
    },
  };
}

async function api(base, method, path, { body, token, form, headers = {} } = {}) {
  const h = { ...headers };
  let payload;
  if (form) { h['content-type'] = 'application/x-www-form-urlencoded'; payload = new URLSearchParams(form).toString(); }
  else if (body !== undefined) { h['content-type'] = 'application/json'; payload = JSON.stringify(body); }
  if (token) h.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers: h, body: payload });
  const text = await res.text();
  checkResponse(method, base + path, res.status, res.headers.get('content-type'), text);
  return { status: res.status, json: JSON.parse(text) };
}

// twilioSignature: base64(HMAC-SHA1(token, url + sorted key+value pairs)).
function twilioSignature(url, params) {
  const data = Object.keys(params).sort().reduce((s, k) => s + k + params[k], url);
  return createHmac('sha1', TOKEN).update(data).digest('base64');
}

test('texts go out through Twilio exactly once, after an outage, with a signed delivery report', async (t) => {
  const fake = await startTwilio();
  t.after(() => fake.close());
  const sw = await startSmartWait({
    TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_PHONE_NUMBER: FROM, TWILIO_API_URL: fake.url,
    SMARTWAIT_PUBLIC_URL: PUBLIC_URL, SMARTWAIT_CLINIC_NAME: 'Riverside Clinic',
  });
  t.after(() => sw.stop());

  fake.failNext = 1; // Twilio is down for the first attempt
  const checkin = await api(sw.url, 'POST', '/api/checkin', { body: { name: 'José García', phone: '(415) 555-2671', appointmentTime: '10:00' } });
  assert.equal(checkin.status, 201, JSON.stringify(checkin.json));
  const patientId = checkin.json.data.patientId;

  await fake.until((f) => f.messages.length >= 1, 'the confirmation');
  const conf = fake.messages[0];
  assert.equal(conf.to, '+14155552671');
  assert.match(conf.body, /^Riverside Clinic: /);
  assert.match(conf.body, /number 1 in line/);
  assert.equal(conf.callback, `${PUBLIC_URL}/api/webhooks/twilio/status`);

  const login = await api(sw.url, 'POST', '/api/staff/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
  const token = login.json.data.token;
  const called = await api(sw.url, 'POST', '/api/staff/call-next', { token, body: { room: '3' } });
  assert.equal(called.status, 200);
  await fake.until((f) => f.messages.some((m) => /your turn/.test(m.body)), '"your turn"');
  assert.match(fake.messages[1].body, /room 3/);

  // Delivery report: a forged one is refused, a signed one recorded.
  const params = { MessageSid: conf.sid, MessageStatus: 'delivered', AccountSid: SID };
  const forged = await api(sw.url, 'POST', '/api/webhooks/twilio/status', {
    form: params, headers: { 'x-twilio-signature': twilioSignature(`${sw.url}/api/webhooks/twilio/status`, params) },
  });
  assert.equal(forged.status, 403);
  assert.equal(forged.json.error.code, 'INVALID_SIGNATURE');
  const signed = await api(sw.url, 'POST', '/api/webhooks/twilio/status', {
    form: params, headers: { 'x-twilio-signature': twilioSignature(`${PUBLIC_URL}/api/webhooks/twilio/status`, params) },
  });
  assert.equal(signed.status, 200, JSON.stringify(signed.json));

  const log = await api(sw.url, 'GET', `/api/staff/notifications?patientId=${patientId}`, { token });
  const confirmation = log.json.data.find((n) => n.kind === 'confirmation');
  assert.equal(confirmation.status, 'delivered');
  assert.equal(confirmation.attempts, 2);
  assert.equal(confirmation.providerId, conf.sid);

  const health = await api(sw.url, 'GET', '/health');
  assert.equal(health.json.sms.provider, 'twilio');

  await sw.stop();
  const bodies = fake.messages.map((m) => m.body);
  assert.equal(bodies.filter((b) => /checked in/.test(b)).length, 1, JSON.stringify(bodies));
  assert.equal(bodies.filter((b) => /your turn/.test(b)).length, 1, JSON.stringify(bodies));
  assert.equal(fake.requests, fake.messages.length + 1, 'one failed request, then one per text');
  assert.deepEqual(fake.problems, []);
});
