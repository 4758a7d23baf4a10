// clinic-rooms-authz.test.mjs: the rooms part of the authorization matrix
// (docs/clinics.md, "Staff and clinics") with the real socket.io-client
// against the real binary. North is added with `smartwait clinic add` and its
// staff account with `smartwait staff add --clinic north`: that account's
// join of the default clinic's staff room is refused with FORBIDDEN and its
// socket gets none of the default clinic's events; its join of north's staff
// room works and gets north's check-in.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binary } from './lib/server.mjs';
import { API, phone } from './lib/api.mjs';
import { connectSocket, emitAck } from './lib/events.mjs';

const NORTH_PASSWORD = 'north-staff-password';

describe('staff rooms per clinic grant', () => {
  let srv, api, admin, dir;
  const open = [];
  // cli runs `smartwait …` on the server's database, as an operator would.
  const cli = (...args) => execFileSync(binary(), args, {
    env: { ...process.env, DATABASE_URL: `sqlite://${join(dir, 'authz.db')}` }, encoding: 'utf8',
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smartwait-rooms-authz-'));
    srv = await startServer({ DATABASE_URL: `sqlite://${join(dir, 'authz.db')}` });
    api = new API(srv.url);
    admin = await api.login();
    cli('clinic', 'add', '--slug', 'north', '--name', 'North Clinic', '--timezone', 'UTC');
    cli('staff', 'add', '--role', 'staff', '--clinic', 'north', '--password', NORTH_PASSWORD, 'north.nurse');
    await api.ok('POST', '/api/staff/lines', { body: { slug: 'north-gp', name: 'North GP', prefix: 'N', clinic: 'north' }, token: admin });
  });
  after(async () => {
    for (const c of open) c.close();
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("north's staff may follow north's staff room only", async () => {
    const token = await api.login('north.nurse', NORTH_PASSWORD);
    const connect = async (name) => {
      const c = await connectSocket(srv.url, { transport: 'websocket', auth: { token }, name });
      open.push(c);
      return c;
    };
    const refusedMain = await connect('north nurse, main room');
    const refusedBySlug = await connect('north nurse, main room by slug');
    const north = await connect('north nurse, north room');
    for (const [c, arg] of [[refusedMain, undefined], [refusedBySlug, { clinic: 'main' }]]) {
      const answer = await (arg ? emitAck(c.socket, 'join-staff-room', arg) : emitAck(c.socket, 'join-staff-room'));
      assert.equal(answer.code, 'FORBIDDEN', `join ${JSON.stringify(arg)}: ${JSON.stringify(answer)}`);
    }
    assert.deepEqual(await emitAck(north.socket, 'join-staff-room', { clinic: 'north' }), { room: 'staff@north' });
    // The admin follows the default clinic's staff room: the proof that
    // main's check-in went out while the refused sockets got nothing.
    const mainAdmin = await connectSocket(srv.url, { transport: 'websocket', auth: { token: admin }, name: 'admin, main room' });
    open.push(mainAdmin);
    assert.deepEqual(await emitAck(mainAdmin.socket, 'join-staff-room'), { room: 'staff' });

    const checkIn = async (line, name, i) =>
      (await api.ok('POST', '/api/checkin', { body: { name, phone: phone(i), appointmentTime: '10:00', line } })).data;
    const m = await checkIn('default', 'Mia Main', 31);
    const n = await checkIn('north-gp', 'Ned North', 32);
    await mainAdmin.rec.until((ev) => ev.some((e) => e.event === 'new_patient' && e.data.patient.id === m.patientId), "main's check-in");
    await north.rec.until((ev) => ev.some((e) => e.event === 'new_patient' && e.data.patient.id === n.patientId), "north's check-in");
    // One hub, one order: main's check-in came before north's, which north's
    // socket has; a short wait more for anything late.
    await new Promise((r) => setTimeout(r, 300));
    for (const c of [refusedMain, refusedBySlug]) {
      assert.deepEqual(c.rec.events.filter((e) => e.event !== 'error'), [], 'a refused socket gets no staff events');
    }
    assert.deepEqual([...new Set(north.rec.events.filter((e) => e.data?.line).map((e) => e.data.line))], ['north-gp']);
  });
});
