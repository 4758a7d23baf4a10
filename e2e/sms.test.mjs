// SMS end to end: the real smartwait binary sends through a tiny Node fake of
// Twilio's Messages API (docs/sms.md): `node --test e2e/sms.test.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, ADMIN_PASSWORD } from './lib/server.mjs';
import { callAPI } from './lib/apidoc.mjs';
import { SID, TOKEN, FROM, PUBLIC_URL, startTwilio, twilioSignature, sendText } from './lib/twilio.mjs';

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

const api = callAPI;

// staffToken signs the bootstrap admin in.
async function staffToken(base) {
  const login = await api(base, 'POST', '/api/staff/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
  return login.json.data.token;
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

test('patients answer by text: STATUS in their language, HERE, LATE, JOIN, LEAVE, STOP ends every text, START brings them back', async (t) => {
  const fake = await startTwilio();
  t.after(() => fake.close());
  const sw = await startSmartWait({
    TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_PHONE_NUMBER: FROM, TWILIO_API_URL: fake.url,
    SMARTWAIT_PUBLIC_URL: PUBLIC_URL, SMARTWAIT_CLINIC_NAME: 'Riverside Clinic',
  });
  t.after(() => sw.stop());
  const ana = '+14155552931', luz = '+14155552932';
  const to = (phone) => fake.messages.filter((m) => m.to === phone).map((m) => m.body);
  const checkIn = async (name, phone, language) => {
    const r = await api(sw.url, 'POST', '/api/checkin', { body: { name, phone, appointmentTime: 'walk-in', language } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json.data;
  };
  await checkIn('Ana', ana, 'en');
  const l = await checkIn('Luz', luz, 'es');
  await fake.until((f) => to(ana).length === 1 && to(luz).length === 1, 'the two confirmations');

  // STATUS: the answer goes through the outbox, never inline, in the
  // patient's language, about their own ticket only.
  const answer = await sendText(sw.url, PUBLIC_URL, luz, 'Estado');
  assert.equal(answer.status, 200);
  assert.match(answer.type, /text\/xml/);
  assert.equal(answer.text, '<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  await fake.until((f) => to(luz).length === 2, 'the STATUS answer');
  assert.match(to(luz)[1], new RegExp(`Estado: turno ${l.ticketNumber}, numero 2 en la fila`));
  assert.ok(!to(luz)[1].includes('A-001'), 'an answer names no other ticket');

  // HERE: the desk sees the patient is in the building.
  assert.equal((await sendText(sw.url, PUBLIC_URL, luz, 'Aquí')).status, 200);
  await fake.until((f) => to(luz).length === 3, 'the HERE answer');
  const staff = await staffToken(sw.url);
  const { json: queue } = await api(sw.url, 'GET', '/api/staff/queue', { token: staff });
  const luzEntry = queue.data.find((e) => e.patientId === l.patientId);
  assert.ok(luzEntry.arrivedAt, `arrivedAt on the staff queue: ${JSON.stringify(luzEntry)}`);
  assert.ok(!queue.data.find((e) => e.patient.phone === ana).arrivedAt);

  // JOIN checks a number in by text; LEAVE takes it out again.
  const kim = '+14155552933';
  await sendText(sw.url, PUBLIC_URL, kim, 'JOIN Kim Lee');
  await fake.until((f) => to(kim).length === 1, "JOIN's confirmation");
  assert.match(to(kim)[0], /Hi Kim, you're checked in: ticket A-003/);
  await sendText(sw.url, PUBLIC_URL, kim, 'leave');
  await fake.until((f) => to(kim).length === 2, "LEAVE's answer");
  assert.match(to(kim)[1], /You left the line: ticket A-003/);

  // LATE puts Ana's visit back behind Luz; the answer gives her new place.
  await sendText(sw.url, PUBLIC_URL, ana, 'LATE 20');
  await fake.until((f) => to(ana).length === 2, "LATE's answer");
  assert.match(to(ana)[1], /You will be seen later: ticket A-001, number 2 in line/);
  const { json: after } = await api(sw.url, 'GET', `/api/position/${l.patientId}`);
  assert.equal(after.data.position, 1, 'Luz moves ahead of Ana');

  // A forged text changes nothing.
  const forged = await fetch(`${sw.url}/api/sms/inbound`, { method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' },
    body: new URLSearchParams({ MessageSid: 'SMx', From: ana, Body: 'STOP' }).toString() });
  assert.equal(forged.status, 403);

  // STOP: no text of any kind to that number, even its call; others still get theirs.
  assert.equal((await sendText(sw.url, PUBLIC_URL, ana, 'STOP')).status, 200);
  const token = await staffToken(sw.url);
  await api(sw.url, 'POST', '/api/staff/call-next', { body: { room: '2' }, token }); // Luz (Ana texted LATE)
  await api(sw.url, 'POST', '/api/staff/call-next', { body: { room: '3' }, token }); // Ana
  await fake.until((f) => to(luz).length === 4, "Luz's call");
  assert.equal(to(ana).length, 2, `texts after STOP: ${JSON.stringify(to(ana))}`);

  // START: texts again (the recall's call text arrives).
  assert.equal((await sendText(sw.url, PUBLIC_URL, ana, 'START')).status, 200);
  const { json: q } = await api(sw.url, 'GET', '/api/staff/queue', { token });
  const anaTicket = q.data.find((e) => e.patient.phone === ana);
  await api(sw.url, 'POST', '/api/staff/recall', { body: { patientId: anaTicket.patientId }, token });
  await fake.until((f) => to(ana).length === 3, 'the call after START');
  assert.match(to(ana)[2], /It's your turn/);
  assert.deepEqual(fake.problems, []);
});
