// A real clinic's day (issue 12, docs/lines.md) against the real binary on
// SQLite, with the official socket.io-client: a walk-in line (the default
// line), a booked line that orders by appointment and a lab; three rooms (two
// serving walk-ins and booked, one the lab); a triage line whose patient is
// transferred to the doctor; front-desk check-ins without a phone; an urgent
// patient; early, on-time and late appointments. Every response and event is
// checked against the API document (lib/apidoc.mjs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { API, phone } from './lib/api.mjs';
import { connectSocket, emitAck } from './lib/events.mjs';

// The server runs in a fixed-offset zone where it is mid-day now, so that
// appointment times a few minutes either side of now never wrap past midnight.
const utcHour = new Date().getUTCHours();
const offset = 12 - utcHour; // local = UTC + offset, local hour 12
const zone = offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
const local = (minutesFromNow) => {
  const d = new Date(Date.now() + minutesFromNow * 60000 + offset * 3600000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
};

describe('a clinic day with several lines and rooms', () => {
  let srv, api, token, staff;
  const ok = (method, path, body) => api.ok(method, path, { body, token });

  before(async () => {
    srv = await startServer({ SMARTWAIT_TIMEZONE: zone });
    api = new API(srv.url);
    token = await api.login();
    staff = await connectSocket(srv.url, { transport: 'websocket', auth: { token }, name: 'staff' });
    await emitAck(staff.socket, 'join-staff-room');
  });
  after(async () => {
    staff?.close();
    await srv?.stop();
  });

  it('sets up lines and rooms', async () => {
    await ok('PATCH', '/api/staff/lines/default', { name: 'Walk-in' });
    await ok('POST', '/api/staff/lines', { slug: 'booked', name: 'Booked', prefix: 'B', appointments: true });
    await ok('POST', '/api/staff/lines', { slug: 'lab', name: 'Lab', prefix: 'L' });
    await ok('POST', '/api/staff/lines', { slug: 'triage', name: 'Triage', prefix: 'T' });
    await ok('POST', '/api/staff/lines', { slug: 'doctor', name: 'Doctor', prefix: 'D', public: false });
    await ok('POST', '/api/staff/rooms', { name: 'Room 1', lines: ['default', 'booked'] });
    await ok('POST', '/api/staff/rooms', { name: 'Room 2', lines: ['booked', 'default'] });
    await ok('POST', '/api/staff/rooms', { name: 'Lab', lines: ['lab'] });
    await ok('POST', '/api/staff/rooms', { name: 'Triage', lines: ['triage'] });
    await ok('POST', '/api/staff/rooms', { name: 'Doctor', lines: ['doctor'] });
    const lines = (await api.ok('GET', '/api/lines')).data;
    assert.deepEqual(lines.map((l) => l.slug), ['default', 'booked', 'lab', 'triage'], 'public lines: the doctor is staff-only');
    const doctor = await api.req('POST', '/api/checkin', { body: { name: 'X', phone: phone(90), appointmentTime: '10:00', line: 'doctor' } });
    assert.equal(doctor.status, 400);
    assert.equal(doctor.json.error.code, 'VALIDATION_ERROR');
  });

  const ids = {};
  it('orders the booked line by appointment and the walk-in line by arrival', async () => {
    const remote = async (name, i, line, appt) => {
      const d = (await api.ok('POST', '/api/checkin', { body: { name, phone: phone(i), appointmentTime: appt, line } })).data;
      ids[name] = d.patientId;
      return d;
    };
    await remote('Walk 1', 1, undefined, 'walk-in');
    await remote('Early', 2, 'booked', local(30));
    await remote('Late', 3, 'booked', local(-40));
    const onTime = await remote('On time', 4, 'booked', local(-5));
    assert.equal(onTime.position, 1, 'on time within grace goes ahead of the late arrival');
    const desk = (await ok('POST', '/api/staff/checkin', { name: 'No Phone', line: 'default' })).data;
    ids['No Phone'] = desk.patientId;
    assert.equal(desk.position, 2);
    await remote('Lab 1', 5, 'lab', 'x');
    await remote('Triage 1', 6, 'triage', 'x');

    const booked = (await api.ok('GET', '/api/staff/queue?line=booked', { token })).data;
    assert.deepEqual(booked.map((e) => e.patient.name), ['On time', 'Late', 'Early']);
    assert.deepEqual(booked.map((e) => e.position), [1, 2, 3]);
    assert.ok(booked.every((e) => e.line === 'booked'));
    const all = (await api.ok('GET', '/api/staff/queue', { token })).data;
    assert.equal(all.length, 7);
    // The staff saw every check-in, each naming its line.
    await staff.rec.until((ev) => ev.filter((e) => e.event === 'new_patient').length === 7, '7 new_patient');
    const lines = staff.rec.events.filter((e) => e.event === 'new_patient').map((e) => e.data.line);
    assert.deepEqual(lines, ['default', 'booked', 'booked', 'booked', 'default', 'lab', 'triage']);
  });

  it('marks a patient urgent, ahead of the line', async () => {
    const sock = await connectSocket(srv.url, { transport: 'websocket', name: 'late patient' });
    await emitAck(sock.socket, 'join-patient-room', ids.Late);
    const from = sock.rec.events.length;
    await ok('POST', '/api/staff/priority', { patientId: ids.Late, urgent: true });
    const pu = await sock.rec.until((ev) => ev.slice(from).find((e) => e.event === 'position_update' && e.data.position === 1), 'position 1');
    assert.equal(pu.data.line, 'booked');
    sock.close();
  });

  it('calls the earliest head across a room\'s lines, and lab patients only to the lab', async () => {
    const call = async (room) => (await ok('POST', '/api/staff/call-next', { room })).data;
    assert.equal((await call('Room 2')).patientId, ids.Late, 'the urgent patient first');
    assert.equal((await call('Room 1')).patientId, ids['On time'], 'due 5 minutes before the walk-in came');
    assert.equal((await call('Room 1')).patientId, ids['Walk 1']);
    assert.equal((await call('Lab')).patientId, ids['Lab 1']);
    const r = await api.req('POST', '/api/staff/call-next', { body: { room: 'Lab' }, token });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'NO_PATIENTS_WAITING');
  });

  it('transfers a triaged patient to the doctor, keeping the ticket', async () => {
    const called = (await ok('POST', '/api/staff/call-next', { room: 'Triage' })).data;
    assert.equal(called.patientId, ids['Triage 1']);
    const from = staff.rec.events.length;
    const moved = (await ok('POST', '/api/staff/transfer', { patientId: ids['Triage 1'], line: 'doctor' })).data;
    assert.equal(moved.ticketNumber, called.ticketNumber);
    const np = await staff.rec.until((ev) => ev.slice(from).find((e) => e.event === 'new_patient' && e.data.line === 'doctor'), 'doctor new_patient');
    assert.equal(np.data.transferredFrom, 'triage');
    const doc = (await ok('POST', '/api/staff/call-next', { room: 'Doctor' })).data;
    assert.equal(doc.patientId, ids['Triage 1']);
  });

  it('refuses a closed line with its opening time, and never the front desk', async () => {
    await ok('PATCH', '/api/staff/lines/lab', { open: false });
    const r = await api.req('POST', '/api/checkin', { body: { name: 'Z', phone: phone(20), appointmentTime: 'x', line: 'lab' } });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'LINE_CLOSED');
    await ok('POST', '/api/staff/checkin', { name: 'Desk Lab', line: 'lab' });
    const lab = (await api.ok('GET', '/api/lines')).data.find((l) => l.slug === 'lab');
    assert.equal(lab.open, false);
    assert.equal(lab.waiting, 1);
  });
});
