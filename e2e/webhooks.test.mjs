// Signed outbound webhooks end to end (docs/integrations.md): the real binary
// delivers a clinic day's events to a tiny Node receiver that verifies every
// signature with the Node snippet of the docs, refuses the first deliveries to
// prove retries and order, and checks that personal data goes only to the
// endpoint marked for it: `node --test e2e/webhooks.test.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startServer, ADMIN_PASSWORD } from './lib/server.mjs';
import { callAPI } from './lib/apidoc.mjs';
import { SID, TOKEN, FROM, PUBLIC_URL, startTwilio } from './lib/twilio.mjs';

// --- snippet start --- (docs/integrations.md, "Verifying in Node"; the test
// below checks that the docs hold this code verbatim)
function verifySmartWait(secret, header, rawBody, toleranceSeconds = 300) {
  const parts = Object.fromEntries((header || '').split(',').map((p) => p.trim().split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return false;
  if (Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false; // a replay
  const want = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  const got = Buffer.from(parts.v1, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
// --- snippet end ---

const WAIT_MS = 60000;

const api = callAPI;

// startReceiver is one endpoint: it refuses the first `fail` deliveries with
// 503, and keeps what it accepted, in arrival order.
async function startReceiver(fail) {
  const r = { secret: '', fail, accepted: [], refused: [], bad: [], waiters: new Set() };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const done = (status) => { res.writeHead(status); res.end(); for (const w of r.waiters) w(); };
      if (!verifySmartWait(r.secret, req.headers['smartwait-signature'], raw)) {
        r.bad.push(req.headers['smartwait-signature']);
        return done(401);
      }
      const ev = JSON.parse(raw.toString());
      if (req.headers['smartwait-event-id'] !== ev.id || req.headers['smartwait-event-type'] !== ev.type) r.bad.push(`headers of ${ev.id}`);
      if (r.fail > 0) {
        r.fail--;
        r.refused.push(ev.id);
        return done(503);
      }
      r.accepted.push(ev);
      done(204);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${server.address().port}/hooks`;
  r.close = () => new Promise((ok) => server.close(ok));
  r.until = (pred, what) => new Promise((resolveWait, reject) => {
    const check = () => { if (pred(r)) { fin(); resolveWait(); } };
    const timer = setTimeout(() => { fin(); reject(new Error(`receiver: timed out waiting for ${what}; got ${r.accepted.map((e) => e.type)}`)); }, WAIT_MS);
    const fin = () => { clearTimeout(timer); r.waiters.delete(check); };
    r.waiters.add(check);
    check();
  });
  return r;
}

// eventually retries check until it passes or WAIT_MS runs out, then throws
// its last failure: for state the server records just after a delivery.
async function eventually(check) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function twilioSignature(url, params) {
  const data = Object.keys(params).sort().reduce((s, k) => s + k + params[k], url);
  return createHmac('sha1', TOKEN).update(data).digest('base64');
}

test('the docs hold the Node verification snippet this suite uses', () => {
  const doc = readFileSync(new URL('../docs/integrations.md', import.meta.url), 'utf8');
  assert.ok(doc.includes(verifySmartWait.toString()), 'docs/integrations.md must contain verifySmartWait exactly as e2e/webhooks.test.mjs has it');
});

test('a clinic day reaches two endpoints, signed, in order, retried, personal data only where allowed', async (t) => {
  const twilio = await startTwilio();
  t.after(() => twilio.close());
  const personal = await startReceiver(2); // refuses the first two deliveries
  const plain = await startReceiver(0);
  t.after(() => personal.close());
  t.after(() => plain.close());
  const server = await startServer({
    SMARTWAIT_WEBHOOK_ALLOW_PRIVATE: 'true', SMARTWAIT_CLINIC_NAME: 'Riverside Clinic', SMARTWAIT_LOG_LEVEL: 'info',
    TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_PHONE_NUMBER: FROM, TWILIO_API_URL: twilio.url,
    SMARTWAIT_PUBLIC_URL: PUBLIC_URL, SMARTWAIT_FOLLOW_UP_AFTER: '0',
  });
  t.after(async () => {
    const code = await server.stop();
    if (code !== null) assert.equal(code, 0, `graceful shutdown; log:\n${server.logs()}`);
  });
  const base = server.url;
  const login = await api(base, 'POST', '/api/staff/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
  const token = login.json.data.token;

  const all = ['ticket.created', 'ticket.called', 'ticket.completed', 'ticket.no_show', 'ticket.cancelled', 'ticket.transferred', 'sms.status'];
  const a = await api(base, 'POST', '/api/staff/webhooks', { token, body: { url: personal.url, events: all, personalData: true, description: 'EHR' } });
  assert.equal(a.status, 201, JSON.stringify(a.json));
  personal.secret = a.json.data.secret;
  const b = await api(base, 'POST', '/api/staff/webhooks', { token, body: { url: plain.url, events: all } });
  assert.equal(b.status, 201, JSON.stringify(b.json));
  plain.secret = b.json.data.secret;
  const listed = await api(base, 'GET', '/api/staff/webhooks', { token });
  assert.ok(!JSON.stringify(listed.json).includes(personal.secret), 'the list shows no secret');

  // The clinic day.
  assert.equal((await api(base, 'POST', '/api/staff/lines', { token, body: { slug: 'lab', name: 'Lab', prefix: 'L' } })).status, 201);
  const ids = [];
  for (const [name, phone] of [['Ann Lee', '(415) 555-2671'], ['Bo Chen', '(415) 555-2672'], ['Cy Diaz', '(415) 555-2673'], ['Di Eze', '(415) 555-2674']]) {
    const r = await api(base, 'POST', '/api/checkin', { body: { name, phone, appointmentTime: '10:00' } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    ids.push(r.json.data.patientId);
  }
  assert.equal((await api(base, 'POST', '/api/staff/call-next', { token, body: { room: '3' } })).status, 200);
  assert.equal((await api(base, 'POST', '/api/staff/complete', { token, body: { patientId: ids[0] } })).status, 200);
  assert.equal((await api(base, 'POST', '/api/staff/call-next', { token, body: { room: '3' } })).status, 200);
  assert.equal((await api(base, 'POST', '/api/staff/no-show', { token, body: { patientId: ids[1] } })).status, 200);
  assert.equal((await api(base, 'DELETE', `/api/checkin/${ids[2]}`)).status, 200);
  const moved = await api(base, 'POST', '/api/staff/transfer', { token, body: { patientId: ids[3], line: 'lab' } });
  assert.equal(moved.status, 200, JSON.stringify(moved.json));
  // Twilio reports the first text undelivered.
  await twilio.until((f) => f.messages.length >= 1, 'the first text');
  const params = { MessageSid: twilio.messages[0].sid, MessageStatus: 'undelivered', ErrorCode: '30003', AccountSid: SID };
  const report = await api(base, 'POST', '/api/webhooks/twilio/status', {
    form: params, headers: { 'x-twilio-signature': twilioSignature(`${PUBLIC_URL}/api/webhooks/twilio/status`, params) },
  });
  assert.equal(report.status, 200, JSON.stringify(report.json));

  const day = ['ticket.created', 'ticket.created', 'ticket.created', 'ticket.created', 'ticket.called', 'ticket.completed',
    'ticket.called', 'ticket.no_show', 'ticket.cancelled', 'ticket.transferred', 'sms.status'];
  await plain.until((r) => r.accepted.length >= day.length, 'the day on the plain endpoint');
  await personal.until((r) => r.accepted.length >= day.length, 'the day on the personal endpoint (after two refusals)');

  for (const r of [plain, personal]) {
    assert.deepEqual(r.accepted.map((e) => e.type), day, 'every event of the day, once, in order');
    assert.deepEqual(r.bad, [], 'every signature and header verified');
    assert.equal(new Set(r.accepted.map((e) => e.id)).size, day.length, 'event ids are unique');
    for (const e of r.accepted) {
      assert.equal(e.clinic, 'Riverside Clinic');
      assert.match(e.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.match(e.ticket.ticketNumber, /^[AL]-\d{3}$/);
    }
  }
  // The refused deliveries were the first event, twice; it came through after.
  assert.deepEqual(personal.refused, [personal.accepted[0].id, personal.accepted[0].id]);
  // Same events, same ids, on both endpoints.
  assert.deepEqual(plain.accepted.map((e) => e.id), personal.accepted.map((e) => e.id));

  const phones = ['+14155552671', '+14155552672', '+14155552673', '+14155552674'];
  for (const e of plain.accepted) {
    const raw = JSON.stringify(e);
    assert.equal(e.patient, undefined, 'no patient object without personal data');
    for (const secret of [...ids, ...phones, 'Ann Lee', 'Bo Chen']) assert.ok(!raw.includes(secret), `public event carries ${secret}: ${raw}`);
  }
  assert.equal(personal.accepted[0].patient.patientId, ids[0]);
  assert.equal(personal.accepted[0].patient.phone, phones[0]);
  assert.equal(personal.accepted[0].patient.name, 'Ann Lee');

  const [created, , , , called] = plain.accepted;
  assert.equal(created.ticket.status, 'waiting');
  assert.equal(created.ticket.position, 1);
  assert.equal(called.ticket.room, '3');
  const transferred = plain.accepted[9];
  assert.equal(transferred.ticket.line, 'lab');
  assert.equal(transferred.ticket.fromLine, 'default');
  const sms = plain.accepted[10];
  assert.deepEqual(sms.sms, { kind: 'confirmation', status: 'undelivered', error: 'Twilio error 30003' });
  assert.equal(sms.ticket.ticketNumber, created.ticket.ticketNumber);

  // The delivery log: two refusals, then the day. The receiver sees the last
  // event before the dispatcher records its answer, so wait for that record.
  const log = await eventually(async () => {
    const l = await api(base, 'GET', `/api/staff/webhooks/${a.json.data.id}/deliveries`, { token });
    assert.equal(l.status, 200);
    assert.equal(l.json.count, day.length + 2);
    return l;
  });
  const failures = log.json.data.filter((x) => !x.ok);
  assert.equal(failures.length, 2);
  assert.equal(failures[0].statusCode, 503);
  await eventually(async () => {
    const after = await api(base, 'GET', '/api/staff/webhooks', { token });
    assert.ok(after.json.data.every((e) => e.pending === 0 && e.failures === 0 && e.enabled), JSON.stringify(after.json.data));
  });
});

test('without SMARTWAIT_WEBHOOK_ALLOW_PRIVATE a loopback receiver is refused', async (t) => {
  const server = await startServer({});
  t.after(() => server.stop());
  const login = await api(server.url, 'POST', '/api/staff/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
  const r = await api(server.url, 'POST', '/api/staff/webhooks', {
    token: login.json.data.token, body: { url: 'http://127.0.0.1:9/hooks', events: ['ticket.created'] },
  });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'VALIDATION_ERROR');
  assert.equal(r.json.error.details.field, 'url');
});
