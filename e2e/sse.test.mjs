// Server-Sent Events end-to-end tests (docs/events.md, Server-Sent Events) against the real binary:
// headers, ids on every event, heartbeats, resume with Last-Event-ID, the
// snapshot for a client that cannot resume, and the display's privacy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { API, phone } from './lib/api.mjs';
import { openStream, realEvents } from './lib/sse.mjs';

describe('Server-Sent Events', () => {
  let srv, api, token;
  const streams = [];
  const open = async (path, opts) => {
    const s = await openStream(srv.url + path, opts);
    streams.push(s);
    return s;
  };

  before(async () => {
    srv = await startServer();
    api = new API(srv.url);
    token = await api.login();
  });
  after(async () => {
    for (const s of streams) s.close();
    await srv?.stop();
  });

  it('streams with the proxy-friendly headers, an id on every event and heartbeats', async () => {
    const s = await open('/api/events/display');
    assert.equal(s.res.status, 200);
    assert.match(s.res.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(s.res.headers.get('cache-control'), 'no-cache');
    assert.equal(s.res.headers.get('x-accel-buffering'), 'no');
    const c = await api.checkIn('Header Check', phone(40));
    await s.rec.until((ev) => realEvents({ events: ev }).length >= 2, 'snapshot and one event');
    const [snap, upd] = realEvents(s.rec);
    assert.deepEqual([snap.event, snap.data.type], ['queue_update', 'snapshot']);
    assert.deepEqual([upd.event, upd.data.type, upd.data.queueLength], ['queue_update', 'position_change', snap.data.queueLength + 1]);
    for (const e of realEvents(s.rec)) assert.match(e.id ?? '', /^\d+(-\d+)?$/, `event without id: ${JSON.stringify(e)}`);
    await s.rec.until(() => s.rec.comments.length > 0, 'a heartbeat comment');
    assert.equal(s.rec.comments[0], ': heartbeat');
    await api.ok('DELETE', `/api/checkin/${c.patientId}`);
  });

  it('answers 404 for an unknown patient and 401 for staff without a token', async () => {
    const p = await open('/api/events/patient/00000000-0000-4000-8000-000000000000');
    assert.equal(p.res.status, 404);
    assert.equal(JSON.parse(p.body).error.code, 'PATIENT_NOT_FOUND');
    const s = await open('/api/events/staff');
    assert.equal(s.res.status, 401);
  });

  it('resumes with Last-Event-ID on the patient stream, and agrees with REST', async () => {
    const a = await api.checkIn('Resume Alpha', phone(41));
    const b = await api.checkIn('Resume Beta', phone(42));
    const s = await open(`/api/events/patient/${b.patientId}`);
    const [snap] = await s.rec.take(0, 1);
    assert.deepEqual([snap.event, snap.data.patientId, snap.data.position, snap.data.status], ['position_update', b.patientId, 2, 'waiting']);
    const rest = (await api.ok('GET', `/api/position/${b.patientId}`)).data;
    assert.deepEqual([snap.data.position, snap.data.estimatedWait, snap.data.version], [rest.position, rest.estimatedWait, rest.version]);
    const lastId = snap.id;
    s.close();

    // While the patient is away: A is called, B moves up and becomes ready.
    await api.ok('POST', '/api/staff/call-next', { token, body: { room: '1' } });
    const r = await open(`/api/events/patient/${b.patientId}`, { headers: { 'last-event-id': lastId } });
    await r.rec.until((ev) => ev.some((e) => e.event === 'queue_update'), 'the replayed events');
    const replayed = realEvents(r.rec);
    assert.deepEqual(replayed.map((e) => e.event), ['position_update', 'get_ready', 'queue_update'], 'missed events replayed, no snapshot');
    const pos = replayed[0];
    assert.deepEqual([pos.data.patientId, pos.data.position, pos.data.status], [b.patientId, 1, 'waiting']);
    const now = (await api.ok('GET', `/api/position/${b.patientId}`)).data;
    assert.deepEqual([now.position, now.estimatedWait, now.version], [pos.data.position, pos.data.estimatedWait, pos.data.version]);
    for (const e of replayed) assert.ok(!JSON.stringify(e.data).includes(a.patientId), 'B never sees A');

    // An id the server cannot replay from gets a fresh snapshot.
    const old = await open(`/api/events/patient/${b.patientId}`, { headers: { 'last-event-id': '999999-1' } });
    const [fresh] = await old.rec.take(0, 1);
    assert.deepEqual([fresh.event, fresh.data.position, fresh.id], ['position_update', 1, String(now.version)]);
    await api.ok('POST', '/api/staff/complete', { token, body: { patientId: a.patientId } });
    await api.ok('POST', '/api/staff/complete', { token, body: { patientId: b.patientId } });
  });

  it('keeps patient ids, names and phones off the display in a busy queue', async () => {
    const d = await open('/api/events/display');
    const secrets = [];
    const cs = await Promise.all(Array.from({ length: 10 }, (_, i) => api.checkIn(`Display Secret${i}`, phone(50 + i))));
    cs.forEach((c, i) => secrets.push(c.patientId, `Secret${i}`, phone(50 + i), phone(50 + i).slice(2)));
    const calls = await Promise.all([1, 2, 3].map((room) => api.ok('POST', '/api/staff/call-next', { token, body: { room: `${room}` } })));
    const called = calls.map((c) => c.data.patientId);
    const waiting = cs.map((c) => c.patientId).filter((id) => !called.includes(id));
    await Promise.all([
      api.ok('POST', '/api/staff/complete', { token, body: { patientId: called[0] } }),
      api.ok('POST', '/api/staff/no-show', { token, body: { patientId: waiting[0] } }),
      api.ok('DELETE', `/api/checkin/${waiting[1]}`),
    ]);
    const { version } = (await api.ok('GET', `/api/position/${waiting[2]}`)).data;
    await d.rec.until((ev) => ev.some((e) => e.data?.version === version), `display event version ${version}`);
    const events = realEvents(d.rec);
    assert.ok(events.length >= 17, `busy scenario produced ${events.length} display events`);
    for (const e of events) {
      assert.equal(e.event, 'queue_update');
      const text = JSON.stringify(e.data);
      for (const s of secrets) assert.ok(!text.includes(s), `display payload leaks ${s}: ${text}`);
      // line names the line (issue 12), never a patient; the display's
      // ticketNumber, room and typicalWait (issue 17) are what the TV shows.
      const extra = Object.keys(e.data).filter((k) => !['type', 'queueLength', 'nowServing', 'timestamp', 'version', 'line',
        'ticketNumber', 'room', 'typicalWait'].includes(k));
      if (e.data.ticketNumber !== undefined) assert.match(e.data.ticketNumber, /^A-\d{3}$/, `a display ticketNumber that is not one: ${text}`);
      assert.deepEqual(extra, [], `unexpected fields in ${text}`);
    }
  });

  it('ends the staff stream when the session logs out', async () => {
    const t = await api.login();
    const s = await open('/api/events/staff', { headers: { authorization: `Bearer ${t}` } });
    const [snap] = await s.rec.take(0, 1);
    assert.equal(snap.event, 'queue_refresh');
    await api.ok('POST', '/api/staff/logout', { token: t });
    await s.rec.until(() => s.rec.ended, 'the end of the stream');
  });
});
