// clinic-rooms.test.mjs: per-clinic real-time rooms (docs/events.md, "Clinics")
// with the real socket.io-client against the real binary. A deployment with
// two clinics: the default one (line "default") and "north" (line
// "north-gp"). North's staff socket gets north's check-in and nothing of the
// default clinic's; north's display gets north's calls only; the default
// clinic's sockets get exactly what they get in a one-clinic deployment.
//
// The clinic is made with `smartwait clinic add` on the server's database, as
// an operator would, and its line with `POST /api/staff/lines` naming it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binary } from './lib/server.mjs';
import { API, phone } from './lib/api.mjs';
import { connectSocket, emitAck } from './lib/events.mjs';

describe('per-clinic rooms', () => {
  let srv, api, token, dir;
  const open = [];
  const connect = async (opts = {}) => {
    const c = await connectSocket(srv.url, { transport: 'websocket', ...opts });
    open.push(c);
    return c;
  };
  const checkIn = async (line, name, i) =>
    (await api.ok('POST', '/api/checkin', { body: { name, phone: phone(i), appointmentTime: '10:00', line } })).data;
  const callNext = (line) => api.ok('POST', '/api/staff/call-next', { body: { line }, token });
  // lines lists the line of every queue event a recorder holds.
  const lines = (rec) => rec.events.filter((e) => e.data?.line).map((e) => e.data.line);
  const names = (rec) => rec.events.filter((e) => e.event !== 'room-joined').map((e) => e.event);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smartwait-clinic-rooms-'));
    const db = join(dir, 'clinics.db');
    srv = await startServer({ DATABASE_URL: `sqlite://${db}` });
    api = new API(srv.url);
    token = await api.login();
    execFileSync(binary(), ['clinic', 'add', '--slug', 'north', '--name', 'North Clinic', '--timezone', 'UTC'],
      { env: { ...process.env, DATABASE_URL: `sqlite://${db}` } });
    await api.ok('POST', '/api/staff/lines', { body: { slug: 'north-gp', name: 'North GP', prefix: 'N', clinic: 'north' }, token });
  });
  after(async () => {
    for (const c of open) c.close();
    await srv?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('joins name a clinic; the default clinic keeps its rooms', async () => {
    const staff = await connect({ auth: { token }, name: 'staff joins' });
    const anon = await connect({ name: 'anon joins' });
    assert.deepEqual(await emitAck(staff.socket, 'join-staff-room', { clinic: 'north' }), { room: 'staff@north' });
    assert.deepEqual(await emitAck(staff.socket, 'join-staff-room'), { room: 'staff' });
    assert.deepEqual(await emitAck(anon.socket, 'join-display-room', { clinic: 'north' }), { room: 'display@north' });
    assert.deepEqual(await emitAck(anon.socket, 'join-patients-room', { clinic: 'north' }), { room: 'patients@north' });
    assert.deepEqual(await emitAck(anon.socket, 'join-patients-room', { clinic: 'main' }), { room: 'patients' });
    const unknown = await emitAck(anon.socket, 'join-patients-room', { clinic: 'south' });
    assert.equal(unknown.code, 'CLINIC_NOT_FOUND');
    const noToken = await emitAck(anon.socket, 'join-staff-room', { clinic: 'north' });
    assert.equal(noToken.code, 'UNAUTHORIZED');
  });

  it("a clinic's sockets get its events only", async () => {
    const northStaff = await connect({ auth: { token }, name: 'north staff' });
    const mainStaff = await connect({ auth: { token }, name: 'main staff' });
    const northDisplay = await connect({ name: 'north display' });
    const mainDisplay = await connect({ name: 'main display' });
    assert.deepEqual(await emitAck(northStaff.socket, 'join-staff-room', { clinic: 'north' }), { room: 'staff@north' });
    assert.deepEqual(await emitAck(mainStaff.socket, 'join-staff-room', 's1'), { room: 'staff' });
    assert.deepEqual(await emitAck(northDisplay.socket, 'join-display-room', { clinic: 'north' }), { room: 'display@north' });
    assert.deepEqual(await emitAck(mainDisplay.socket, 'join-display-room'), { room: 'display' });

    const a = await checkIn('default', 'Ana Main', 1);
    const b = await checkIn('north-gp', 'Ben North', 2);
    await callNext('north-gp');
    await callNext('default');
    // The last change of each clinic: once a socket has it, everything
    // before it has arrived too (one hub, one order).
    const c = await checkIn('north-gp', 'Cleo North', 3);
    const d = await checkIn('default', 'Dan Main', 4);

    await northStaff.rec.until((ev) => ev.some((e) => e.event === 'new_patient' && e.data.patient.id === c.patientId), "north's last check-in");
    await mainStaff.rec.until((ev) => ev.some((e) => e.event === 'new_patient' && e.data.patient.id === d.patientId), "main's last check-in");
    await northDisplay.rec.until((ev) => ev.filter((e) => e.event === 'queue_update').length === 3, "north display's three updates");
    await mainDisplay.rec.until((ev) => ev.filter((e) => e.event === 'queue_update').length === 3, "main display's three updates");
    // Both clinics' last changes are out; a marker through each room shows
    // nothing else is on its way.
    await callNext('default');
    await mainDisplay.rec.until((ev) => ev.filter((e) => e.event === 'queue_update').length === 4, "main display's marker");

    // North's staff: B's check-in, the call, C's check-in; nothing of the default clinic.
    const northPatients = northStaff.rec.events.filter((e) => e.event === 'new_patient').map((e) => e.data.patient.id);
    assert.deepEqual(northPatients, [b.patientId, c.patientId]);
    assert.deepEqual([...new Set(lines(northStaff.rec))], ['north-gp']);
    assert.deepEqual(names(northStaff.rec), ['new_patient', 'queue_update', 'queue_update', 'new_patient', 'queue_update']);

    // The default clinic's staff: exactly a one-clinic deployment's events.
    const mainPatients = mainStaff.rec.events.filter((e) => e.event === 'new_patient').map((e) => e.data.patient.id);
    assert.deepEqual(mainPatients, [a.patientId, d.patientId]);
    assert.deepEqual([...new Set(lines(mainStaff.rec))], ['default']);
    await mainStaff.rec.until((ev) => ev.filter((e) => e.event === 'queue_update').length === 4, "main staff's second call");
    assert.deepEqual(names(mainStaff.rec), ['new_patient', 'queue_update', 'queue_update', 'new_patient', 'queue_update', 'queue_update']);

    // North's display: north's call (with its ticket), never the default clinic's.
    const northUpdates = northDisplay.rec.events.filter((e) => e.event === 'queue_update');
    assert.deepEqual(northUpdates.map((e) => `${e.data.line} ${e.data.type}`),
      ['north-gp position_change', 'north-gp patient_called', 'north-gp position_change']);
    assert.equal(northUpdates[1].data.ticketNumber, b.ticketNumber);
    for (const e of northUpdates) assert.equal(e.data.patientId, undefined, 'the display never gets a patient id');
    const mainUpdates = mainDisplay.rec.events.filter((e) => e.event === 'queue_update');
    assert.deepEqual(mainUpdates.map((e) => `${e.data.line} ${e.data.type}`),
      ['default position_change', 'default patient_called', 'default position_change', 'default patient_called']);
    assert.equal(mainUpdates[1].data.ticketNumber, a.ticketNumber);
  });
});
