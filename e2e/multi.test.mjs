// Several instances (issue 6): two real smartwait processes, A and B, on one
// PostgreSQL schema and one Redis server, with a fake Twilio. 200 concurrent
// check-ins split across A and B get positions exactly 1..200; a Socket.IO client
// on B and an SSE client on A receive the events of operations done on the other
// instance; Redis is killed and restarted mid-scenario (operations go on, local
// clients keep their events, /health says degraded, then every client is told to
// resync and cross-instance delivery resumes), nothing is lost from the database;
// and the SMS dispatchers of both instances send every message exactly once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { API } from './lib/api.mjs';
import { connectSocket, emitAck, WAIT_MS } from './lib/events.mjs';
import { openStream } from './lib/sse.mjs';
import { integration, pgSchema, freePort, RedisServer, FakeTwilio } from './lib/infra.mjs';

const N = 200;
const phone = (i) => `+1212736${String(1000 + i).padStart(4, '0')}`; // valid US numbers

// eventually polls fn until it returns a truthy value (a failure deadline, never
// a timing assertion).
async function eventually(what, fn, ms = 3 * WAIT_MS) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const newPatientIDs = (rec) => new Set(rec.events.filter((e) => e.event === 'new_patient').map((e) => e.data.patient.id));
const updates = (rec, type) => rec.events.filter((e) => e.event === 'queue_update' && e.data.type === type);

describe('two instances on PostgreSQL and Redis', { skip: integration() ?? false }, () => {
  let db, redis, twilio, A, B, apiA, apiB, tokenA, tokenB, sock, sse;
  const ids = []; // patient ids in check-in (queue) order
  const closers = [];

  const staffStreamA = async () => {
    const s = await openStream(`${A.url}/api/events/staff`, { headers: { authorization: `Bearer ${tokenA}` }, name: 'sse@A' });
    assert.equal(s.res.status, 200, `staff SSE on A: ${s.res.status} ${s.body}`);
    closers.push(s.close);
    return s;
  };
  const health = async (api) => (await api.req('GET', '/health')).json;
  const checkIn = (api, i) => api.checkIn(`Patient ${i}`, phone(i));

  before(async () => {
    db = pgSchema();
    redis = new RedisServer(await freePort());
    await redis.start();
    twilio = new FakeTwilio();
    await twilio.start();
    const env = {
      DATABASE_URL: db.url, REDIS_URL: redis.url,
      TWILIO_ACCOUNT_SID: 'ACe2e00000000000000000000000000000', TWILIO_AUTH_TOKEN: 'e2e-twilio-token',
      TWILIO_PHONE_NUMBER: '+15005550006', TWILIO_API_URL: twilio.url,
      SMARTWAIT_FOLLOW_UP_AFTER: '0',
      // 200 check-ins in a few seconds are a flood to the breaker on confirmation
      // texts, which would hold most of them for minutes. This suite is about
      // exactly-once delivery across instances; the breaker has its own tests.
      SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE: '0',
    };
    [A, B] = await Promise.all([startServer(env), startServer(env)]);
    apiA = new API(A.url);
    apiB = new API(B.url);
    [tokenA, tokenB] = await Promise.all([apiA.login(), apiB.login()]);

    sock = await connectSocket(B.url, { transport: 'websocket', auth: { token: tokenB }, name: 'socket.io@B' });
    closers.push(sock.close);
    assert.deepEqual(await emitAck(sock.socket, 'join-staff-room', 'staff'), { room: 'staff' });
    sse = await staffStreamA();
  });

  after(async () => {
    for (const close of closers) close();
    await Promise.all([A?.stop(), B?.stop()]);
    await redis?.stop();
    await twilio?.stop();
    db?.drop();
  });

  it('gives 200 concurrent check-ins split across A and B positions exactly 1..200', async () => {
    const entries = await Promise.all(Array.from({ length: N }, (_, i) => checkIn(i % 2 ? apiB : apiA, i)));
    // ids in queue order: the first called is the one at position 1.
    ids.push(...[...entries].sort((a, b) => a.position - b.position).map((e) => e.patientId));
    assert.deepEqual(entries.map((e) => e.position).sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i + 1));
    assert.equal(new Set(entries.map((e) => e.ticketNumber)).size, N, 'ticket numbers are unique');

    const queue = await apiB.ok('GET', '/api/staff/queue', { token: tokenB });
    assert.equal(queue.count, N);
    assert.deepEqual(queue.data.map((e) => e.position), Array.from({ length: N }, (_, i) => i + 1));
  });

  it('delivers every check-in to the Socket.IO client on B and the SSE client on A', async () => {
    await sock.rec.until(() => newPatientIDs(sock.rec).size === N, `${N} new_patient on B`);
    await sse.rec.until(() => newPatientIDs(sse.rec).size === N, `${N} new_patient on A`);
    for (const rec of [sock.rec, sse.rec]) {
      assert.deepEqual([...newPatientIDs(rec)].sort(), [...ids].sort(), `${rec.name} got every check-in, from both instances`);
      // In version order, although the two instances' commits interleave and
      // each reaches the other through Redis.
      const versions = updates(rec, 'position_change').map((e) => e.data.version);
      assert.deepEqual(versions, Array.from({ length: N }, (_, i) => i + 1), `${rec.name}: versions 1..${N}, each once, in order`);
    }
  });

  it('delivers call-next on one instance to the clients of the other', async () => {
    const onB = await apiB.ok('POST', '/api/staff/call-next', { token: tokenB, body: { room: 'Room 1' } });
    assert.equal(onB.data.patientId, ids[0]);
    const a = await sse.rec.until(() => updates(sse.rec, 'patient_called').find((e) => e.data.patientId === ids[0]), 'B\'s call on A');
    assert.equal(a.data.version, N + 1);

    const onA = await apiA.ok('POST', '/api/staff/call-next', { token: tokenA, body: { room: 'Room 2' } });
    assert.equal(onA.data.patientId, ids[1]);
    const b = await sock.rec.until(() => updates(sock.rec, 'patient_called').find((e) => e.data.patientId === ids[1]), 'A\'s call on B');
    assert.equal(b.data.version, N + 2);
  });

  it('keeps working through a Redis outage and resyncs clients after it', async () => {
    await redis.stop();
    for (const [name, api] of [['A', apiA], ['B', apiB]]) {
      const h = await eventually(`/health degraded on ${name}`, async () => {
        const j = await health(api);
        return j.status === 'degraded' && j;
      });
      assert.equal(h.broker.kind, 'redis');
      assert.equal(h.database.status, 'ok');
    }

    // Queue operations succeed, and each instance's own clients get its events.
    const onA = await checkIn(apiA, 500);
    const onB = await checkIn(apiB, 501);
    ids.push(onA.patientId, onB.patientId);
    assert.deepEqual([onA.position, onB.position], [N - 1, N], 'positions stay exact during the outage');
    await sse.rec.until(() => newPatientIDs(sse.rec).has(onA.patientId), 'A\'s own check-in on A during the outage');
    await sock.rec.until(() => newPatientIDs(sock.rec).has(onB.patientId), 'B\'s own check-in on B during the outage');
    const called = await apiB.ok('POST', '/api/staff/call-next', { token: tokenB, body: { room: 'Room 1' } });
    assert.equal(called.data.patientId, ids[2]);

    const resyncs = { sock: sock.rec.events.length, sse: sse.rec.events.length };
    await redis.start();
    for (const [name, api] of [['A', apiA], ['B', apiB]]) {
      await eventually(`/health ok on ${name}`, async () => (await health(api)).status === 'ok');
    }
    // Batches may have been lost meanwhile: every client is told to fetch again.
    await sock.rec.until((ev) => ev.slice(resyncs.sock).some((e) => e.event === 'resync'), 'resync on B\'s socket');
    await sse.rec.until((ev) => ev.slice(resyncs.sse).some((e) => e.event === 'resync'), 'resync on A\'s stream');

    // Cross-instance delivery resumes by itself.
    sse = await staffStreamA();
    const late = await checkIn(apiB, 502);
    ids.push(late.patientId);
    await sse.rec.until(() => newPatientIDs(sse.rec).has(late.patientId), 'B\'s check-in on A after the outage');
    const lateA = await checkIn(apiA, 503);
    ids.push(lateA.patientId);
    await sock.rec.until(() => newPatientIDs(sock.rec).has(lateA.patientId), 'A\'s check-in on B after the outage');
  });

  it('lost nothing from the database', async () => {
    for (const [api, token] of [[apiA, tokenA], [apiB, tokenB]]) {
      const queue = await api.ok('GET', '/api/staff/queue', { token });
      assert.equal(queue.count, ids.length, 'every check-in is still active');
      assert.deepEqual(new Set(queue.data.map((e) => e.patientId)), new Set(ids));
      const called = queue.data.filter((e) => e.status === 'called').map((e) => e.patientId);
      assert.deepEqual(new Set(called), new Set(ids.slice(0, 3)));
      const waiting = queue.data.filter((e) => e.status === 'waiting');
      assert.deepEqual(waiting.map((e) => e.position), Array.from({ length: waiting.length }, (_, i) => i + 1));
    }
  });

  it('sends every SMS exactly once although both instances dispatch', async () => {
    const log = await eventually('every SMS sent', async () => {
      const r = await apiA.ok('GET', '/api/staff/notifications', { token: tokenA });
      return r.data.length > 0 && r.data.every((m) => m.status !== 'pending') && r.data;
    });
    const confirmations = log.filter((m) => m.kind === 'confirmation');
    assert.equal(confirmations.length, ids.length, 'one confirmation per check-in');
    assert.ok(log.filter((m) => m.kind === 'called').length >= 3, 'the called texts');
    // A get-ready text still queued when its patient is called is dropped
    // (cancelled); everything else goes out.
    for (const m of log) assert.ok(m.status === 'sent' || m.status === 'cancelled', `message ${m.id} (${m.kind}): ${m.status} ${m.lastError}`);
    for (const m of confirmations) assert.equal(m.status, 'sent', `confirmation ${m.id}`);
    const sent = log.filter((m) => m.status === 'sent');

    assert.equal(twilio.sent.length, sent.length, 'Twilio got exactly one request per sent message, none for cancelled ones');
    const sids = new Set(twilio.sent.map((s) => s.sid));
    for (const m of sent) assert.ok(sids.has(m.providerId), `message ${m.id} was sent under its own provider id`);
    const pairs = twilio.sent.map((s) => `${s.to}\n${s.body}`);
    assert.equal(new Set(pairs).size, pairs.length, 'no text went twice to one phone');
  });
});
