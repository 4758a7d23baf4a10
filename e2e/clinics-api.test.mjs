// clinics-api.test.mjs: the clinic API (issue 13, docs/clinics.md "API")
// against the real binary on SQLite: `smartwait clinic add` beside the
// running server, the public list and a clinic's lines, check-in with
// `clinic`, position, the admin routes and their errors. Every response is
// checked against the API document (lib/apidoc.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binary } from './lib/server.mjs';
import { API, phone } from './lib/api.mjs';

const run = promisify(execFile);

test('clinics over the API and the command line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'smartwait-e2e-clinics-'));
  const db = join(dir, 'clinics.db');
  const server = await startServer({ DATABASE_URL: `sqlite://${db}`, SMARTWAIT_CLINIC_NAME: 'Riverside' });
  t.after(() => server.stop());
  const api = new API(server.url);
  const admin = await api.login();
  const cli = (...args) => run(binary(), args, { env: { PATH: process.env.PATH, HOME: dir, DATABASE_URL: `sqlite://${db}` } });

  // A fresh deployment has its default clinic, main.
  assert.deepEqual((await api.ok('GET', '/api/clinics')).data, [{ slug: 'main', name: 'Riverside', timezone: 'UTC' }]);

  // The operator adds a clinic from the shell while the server runs.
  const { stdout } = await cli('clinic', 'add', '--slug', 'north', '--name', 'North Clinic', '--timezone', 'America/Denver', '--sms-from', '+15005550006');
  assert.match(stdout, /^Added clinic "north"/);
  await assert.rejects(cli('clinic', 'remove', 'main'), /the default clinic cannot be removed/);
  assert.match((await cli('clinic', 'list')).stdout, /north\s+North Clinic\s+America\/Denver\s+\+15005550006/);

  const clinics = (await api.ok('GET', '/api/clinics')).data;
  assert.deepEqual(clinics.map((c) => c.slug), ['main', 'north']);
  assert.ok(!JSON.stringify(clinics).includes('5550006'), 'the public list shows no sender');

  // Its lines and rooms, by the admin.
  const opts = (body) => ({ token: admin, body });
  const line = await api.ok('POST', '/api/staff/lines', opts({ slug: 'north-walk-in', name: 'Walk-in', prefix: 'A', clinic: 'north' }));
  assert.equal(line.data.clinic, 'north');
  const room = await api.ok('POST', '/api/staff/rooms', opts({ name: 'North 1', lines: ['north-walk-in'], clinic: 'north' }));
  assert.equal(room.data.clinic, 'north');
  assert.deepEqual((await api.ok('GET', '/api/clinics/north/lines')).data.map((l) => [l.slug, l.clinic]), [['north-walk-in', 'north']]);
  assert.deepEqual((await api.ok('GET', '/api/clinics/main/lines')).data.map((l) => [l.slug, l.clinic]), [['default', 'main']]);
  const missing = await api.req('GET', '/api/clinics/nowhere/lines');
  assert.deepEqual([missing.status, missing.json.error.code], [404, 'CLINIC_NOT_FOUND']);

  // Check-in: a clinic alone picks its first line; each clinic numbers its own.
  const body = (i, extra) => ({ name: `P${i}`, phone: phone(i), appointmentTime: '10:00', ...extra });
  const north = (await api.ok('POST', '/api/checkin', { body: body(1, { clinic: 'north' }) })).data;
  const main = (await api.ok('POST', '/api/checkin', { body: body(2) })).data;
  assert.deepEqual([north.line, north.clinic, north.ticketNumber], ['north-walk-in', 'north', 'A-001']);
  assert.deepEqual([main.line, main.clinic, main.ticketNumber], ['default', 'main', 'A-001']);
  assert.equal((await api.ok('GET', `/api/position/${north.patientId}`)).data.clinic, 'north');
  const wrong = await api.req('POST', '/api/checkin', { body: body(3, { clinic: 'main', line: 'north-walk-in' }) });
  assert.deepEqual([wrong.status, wrong.json.error.code, wrong.json.error.details.field], [400, 'VALIDATION_ERROR', 'clinic']);
  const unknown = await api.req('POST', '/api/checkin', { body: body(4, { clinic: 'nowhere' }) });
  assert.deepEqual([unknown.status, unknown.json.error.code], [404, 'CLINIC_NOT_FOUND']);

  // The admin routes.
  const listed = (await api.ok('GET', '/api/staff/clinics', { token: admin })).data;
  assert.deepEqual(listed.map((c) => [c.slug, c.smsFrom, c.default]), [['main', '', true], ['north', '+15005550006', false]]);
  const patched = await api.ok('PATCH', '/api/staff/clinics/north', opts({ name: 'North Family Clinic', hours: { mon: '08:00-17:00' } }));
  assert.deepEqual([patched.data.name, patched.data.hours], ['North Family Clinic', { mon: '08:00-17:00' }]);
  const bad = await api.req('POST', '/api/staff/clinics', opts({ slug: 'east', name: 'East', timezone: 'Mars/Olympus' }));
  assert.deepEqual([bad.status, bad.json.error.code, bad.json.error.details.field], [400, 'VALIDATION_ERROR', 'timezone']);
  const busy = await api.req('DELETE', '/api/staff/clinics/north', { token: admin });
  assert.deepEqual([busy.status, busy.json.error.code], [409, 'CLINIC_NOT_EMPTY']);
  await api.ok('DELETE', `/api/checkin/${north.patientId}`);
  await api.ok('DELETE', '/api/staff/clinics/north', { token: admin });
  assert.deepEqual((await api.ok('GET', '/api/clinics')).data.map((c) => c.slug), ['main']);

  // Every one of those is in the audit trail, the shell's as cli.
  const trail = (await api.ok('GET', '/api/staff/audit?limit=100', { token: admin })).data
    .filter((e) => e.action.startsWith('clinic_')).map((e) => `${e.actor} ${e.action} ${e.target.id} ${e.result}`).reverse();
  assert.deepEqual(trail, [
    'cli clinic_add north ok',
    'cli clinic_remove main VALIDATION_ERROR',
    'admin clinic_update north ok',
    'admin clinic_add east VALIDATION_ERROR',
    'admin clinic_remove north CLINIC_NOT_EMPTY',
    'admin clinic_remove north ok',
  ]);
});
