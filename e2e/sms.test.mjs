// SMS end to end: the real smartwait binary sends through a tiny Node fake of
// Twilio's Messages API (docs/sms.md): `node --test e2e/sms.test.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, ADMIN_PASSWORD } from './lib/server.mjs';
import { checkResponse } from './lib/apidoc.mjs';
import { SID, TOKEN, FROM, PUBLIC_URL, startTwilio } from './lib/twilio.mjs';

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
