// The audit log, retention and erasure end to end (docs/security.md): the real
// binary records what staff do, admins read it through the API and as CSV, and
// erase a phone number's data — through the API and with `smartwait erase`
// beside the running server — after which neither the database file's bytes
// nor the server's log hold the name or the number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binary } from './lib/server.mjs';
import { checkResponse } from './lib/apidoc.mjs';
import { API, phone } from './lib/api.mjs';
import { SID, TOKEN, FROM, PUBLIC_URL, startTwilio } from './lib/twilio.mjs';

const run = promisify(execFile);

// parseCSV reads RFC 4180 text (quoted cells may hold commas, quotes, newlines).
function parseCSV(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else if (c !== '\r') cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

// fileBytes is the SQLite file and its write-ahead log, as text.
function fileBytes(db) {
  return [db, `${db}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('');
}

test('staff actions are audited; admins read them as JSON and CSV and erase a number', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'smartwait-e2e-audit-'));
  const db = join(dir, 'audit.db');
  // Texts go to a fake of Twilio, as in production: without Twilio the log
  // sender prints every text to the log, which no erasure can take back.
  const fake = await startTwilio();
  t.after(() => fake.close());
  const server = await startServer({
    DATABASE_URL: `sqlite://${db}`, SMARTWAIT_LOG_LEVEL: 'debug',
    TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_PHONE_NUMBER: FROM, TWILIO_API_URL: fake.url, SMARTWAIT_PUBLIC_URL: PUBLIC_URL,
  });
  t.after(async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); });
  const api = new API(server.url);
  const admin = await api.login();

  // Sign-ins, a failed one with a formula for a username, an account, a visit.
  assert.equal((await api.req('POST', '/api/staff/login', { body: { username: '=1+2', password: 'wrong password' } })).status, 401);
  await api.ok('POST', '/api/staff/users', { token: admin, body: { username: 'nurse', password: 'nurse password', role: 'staff' } });
  const nurse = await api.login('nurse', 'nurse password');
  const wil = await api.checkIn('Wilhelmina Erasable', '(415) 555-2671');
  const ott = await api.checkIn('Ottoline Keepsake', phone(72));
  const cli = await api.checkIn('Cornelius Commandline', phone(73));
  const called = await api.ok('POST', '/api/staff/call-next', { token: nurse, body: { room: '3' } });
  assert.equal(called.data.id, wil.patientId);
  await api.ok('POST', '/api/staff/complete', { token: nurse, body: { patientId: wil.patientId } });
  await api.ok('DELETE', `/api/checkin/${cli.patientId}`, { token: nurse }); // staff remove Cornelius
  const stats = (await api.ok('GET', '/api/staff/stats', { token: nurse })).data;

  // The trail, newest first.
  const trail = (await api.ok('GET', '/api/staff/audit', { token: admin })).data;
  const seen = trail.map((e) => `${e.actor} ${e.action} ${e.target.number || e.target.id} ${e.result}`);
  assert.deepEqual(seen, [
    `nurse remove ${cli.ticketNumber} ok`,
    `nurse complete ${wil.ticketNumber} ok`,
    `nurse call_next ${wil.ticketNumber} ok`,
    'nurse login  ok',
    'admin user_add nurse ok',
    '=1+2 login  INVALID_CREDENTIALS',
    'admin login  ok',
  ]);
  assert.equal(trail[2].detail, 'room="3"');
  assert.ok(trail.every((e) => e.ip === '127.0.0.1' && e.requestId && e.at), JSON.stringify(trail[0]));
  const logins = (await api.ok('GET', '/api/staff/audit?action=login&actor=nurse', { token: admin })).data;
  assert.equal(logins.length, 1);
  const page = await api.ok('GET', '/api/staff/audit?limit=2', { token: admin });
  assert.equal(page.count, 2);
  assert.equal((await api.ok('GET', `/api/staff/audit?limit=10&before=${page.next}`, { token: admin })).count, 5);
  assert.equal((await api.req('GET', '/api/staff/audit', { token: nurse })).status, 403);

  // The CSV export: same filters, the formula defused.
  const res = await fetch(`${server.url}/api/staff/audit.csv?action=login`, { headers: { authorization: `Bearer ${admin}` } });
  const csv = await res.text();
  checkResponse('GET', `${server.url}/api/staff/audit.csv`, res.status, res.headers.get('content-type'), csv);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/csv/);
  assert.match(res.headers.get('content-disposition'), /^attachment; filename="smartwait-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
  const rows = parseCSV(csv);
  assert.deepEqual(rows[0], ['id', 'time', 'actor', 'ip', 'action', 'target_kind', 'target_id', 'ticket_number', 'detail', 'result', 'request_id']);
  assert.deepEqual(rows.slice(1).map((r) => r[2]), ['nurse', "'=1+2", 'admin']);

  // Erasure through the API: refused while Ottoline waits, done for Wilhelmina.
  const refused = await api.req('POST', '/api/staff/erase', { token: admin, body: { phone: phone(72) } });
  assert.equal(refused.status, 409);
  assert.equal(refused.json.error.code, 'TICKET_ACTIVE');
  const erased = await api.ok('POST', '/api/staff/erase', { token: admin, body: { phone: '+1 415-555-2671' } });
  assert.deepEqual({ phone: erased.data.phone, tickets: erased.data.tickets }, { phone: '…71', tickets: 1 });
  const texts = (await api.ok('GET', `/api/staff/notifications?patientId=${wil.patientId}`, { token: nurse })).data;
  assert.ok(texts.length > 0 && texts.every((m) => m.to === '' && m.body === ''), JSON.stringify(texts));
  assert.deepEqual((await api.ok('GET', '/api/staff/stats', { token: nurse })).data, stats);

  // Erasure from the command line, beside the running server.
  const { stdout } = await run(binary(), ['erase', '--phone', phone(73)], { env: { PATH: process.env.PATH, HOME: dir, DATABASE_URL: `sqlite://${db}` } });
  const m = stdout.match(/^Erased the data of the number ending 73: 1 tickets, (\d+) texts\.\n$/);
  assert.ok(m, stdout);

  const latest = (await api.ok('GET', '/api/staff/audit?action=erase_phone', { token: admin })).data
    .map((e) => `${e.actor} ${e.target.kind} ${e.target.id} ${e.result} ${e.detail}`);
  assert.deepEqual(latest, [
    `cli phone …73 ok tickets=1 messages=${m[1]}`,
    `admin phone …71 ok tickets=1 messages=${erased.data.messages}`,
    'admin phone …72 TICKET_ACTIVE ',
  ]);

  // Nothing of the erased patients is left: not in the database file's bytes
  // (every table, index and the log), not in the server's log (at debug).
  await server.stop();
  const bytes = fileBytes(db);
  for (const gone of ['Wilhelmina', 'Erasable', '+14155552671', 'Cornelius', phone(73)]) {
    assert.ok(!bytes.includes(gone), `the database file still holds ${gone}`);
    assert.ok(!server.logs().includes(gone), `the log holds ${gone}:\n${server.logs().split('\n').filter((l) => l.includes(gone)).join('\n')}`);
  }
  assert.ok(bytes.includes('Ottoline'), 'the waiting patient was erased too');
});
