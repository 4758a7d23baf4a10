// Socket.IO end-to-end tests (docs/events.md, Socket.IO) against the real binary, over the
// websocket and the long-polling transports: join rules, the exact events of
// check-in ×3, call-next, recall, complete, no-show and cancel, REST agreeing with each
// event, staff logout, origin checks and the privacy of the patients room.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { API, phone } from './lib/api.mjs';
import { connectSocket, emitAck } from './lib/events.mjs';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

for (const transport of ['websocket', 'polling']) {
  describe(`Socket.IO over ${transport}`, () => {
    let srv, api, token;
    const open = [];
    const connect = async (opts = {}) => {
      const c = await connectSocket(srv.url, { transport, ...opts });
      open.push(c);
      return c;
    };

    before(async () => {
      srv = await startServer();
      api = new API(srv.url);
      token = await api.login();
    });
    after(async () => {
      for (const c of open) c.close();
      await srv?.stop();
    });

    it('answers every join with room-joined or error, as event and ack', async () => {
      const p = await api.checkIn('Join Rules', phone(90));
      const { socket, rec } = await connect({ name: 'joins' });
      const cases = [
        ['join-patients-room', [], 'room-joined', { room: 'patients' }],
        ['join-patient-room', [p.patientId], 'room-joined', { room: `patient_${p.patientId}` }],
        ['join-patient-room', [UNKNOWN_ID], 'error', { code: 'PATIENT_NOT_FOUND' }],
        ['join-patient-room', ['not-a-uuid'], 'error', { code: 'PATIENT_NOT_FOUND' }],
        ['join-patient-room', [], 'error', { code: 'PATIENT_NOT_FOUND' }],
        ['join-staff-room', ['staff-1'], 'error', { code: 'UNAUTHORIZED' }],
        ['leave-room', ['patients'], 'room-left', { room: 'patients' }],
        ['leave-room', [], 'error', { code: 'VALIDATION_ERROR' }],
      ];
      for (const [event, args, answer, want] of cases) {
        const from = rec.events.length;
        const acked = await emitAck(socket, event, ...args);
        const [got] = await rec.take(from, 1, `${answer} for ${event}`);
        assert.equal(got.event, answer, `${event}(${args}) answered ${JSON.stringify(got)}`);
        for (const [k, v] of Object.entries(want)) assert.equal(got.data[k], v, `${event}: ${k}`);
        if (answer === 'error') assert.equal(typeof got.data.message, 'string');
        assert.deepEqual(acked, got.data, `${event}: the ack carries the same object`);
      }
      // Without an ack callback the event alone answers.
      const from = rec.events.length;
      socket.emit('join-patients-room');
      const [plain] = await rec.take(from, 1);
      assert.deepEqual(plain, { event: 'room-joined', data: { room: 'patients' } });
    });

    it('joins the handshake patient and lets only valid staff tokens into staff', async () => {
      const p = await api.checkIn('Handshake Patient', phone(91));
      const patient = await connect({ auth: { patientId: p.patientId } });
      assert.deepEqual(await emitAck(patient.socket, 'join-patient-room'), { room: `patient_${p.patientId}` });
      assert.equal((await emitAck(patient.socket, 'join-staff-room', 'x')).code, 'UNAUTHORIZED');

      const forged = await connect({ auth: { token: 'f'.repeat(64) } });
      assert.equal((await emitAck(forged.socket, 'join-staff-room', 'x')).code, 'UNAUTHORIZED');

      const staff = await connect({ auth: { token } });
      assert.deepEqual(await emitAck(staff.socket, 'join-staff-room', 'any-staff-id'), { room: 'staff' });
    });

    it('delivers the exact events of check-in ×3, call-next, recall, complete, no-show and cancel', async () => {
      const fresh = await startServer();
      const a2 = new API(fresh.url);
      const clients = [];
      const conn = async (opts) => {
        const c = await connectSocket(fresh.url, { transport, ...opts });
        clients.push(c);
        return c;
      };
      try {
        const tok = await a2.login();
        const staff = await conn({ auth: { token: tok }, name: 'staff' });
        await emitAck(staff.socket, 'join-staff-room', 'staff-1');
        const pub = await conn({ name: 'patients' });
        await emitAck(pub.socket, 'join-patients-room');
        const seen = { staff: staff.rec.events.length, pub: pub.rec.events.length };
        const step = async (who, rec, n) => {
          const got = await rec.take(seen[who], n, `${n} ${who} events`);
          seen[who] += n;
          return got;
        };

        // Check-in ×3: staff get new_patient + queue_update; the patients room a
        // queue_update without names; each patient then joins its room.
        const names = ['Ana Alpha', 'Ben Beta', 'Cy Gamma'];
        const ids = [];
        const pats = [];
        for (let i = 0; i < 3; i++) {
          const c = await a2.checkIn(names[i], phone(i));
          ids.push(c.patientId);
          const [np, qu] = await step('staff', staff.rec, 2);
          assert.equal(np.event, 'new_patient');
          assert.equal(np.data.type, 'new_patient');
          assert.deepEqual(
            { id: np.data.patient.id, name: np.data.patient.name, phone: np.data.patient.phone, position: np.data.patient.position, ticketNumber: np.data.patient.ticketNumber },
            { id: c.patientId, name: names[i], phone: phone(i), position: i + 1, ticketNumber: `A-00${i + 1}` });
          assert.equal(np.data.patient.estimatedWait, c.estimatedWait);
          assert.equal(np.data.patient.checkInTime, c.checkInTime);
          assert.match(np.data.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
          assert.equal(qu.event, 'queue_update');
          assert.deepEqual([qu.data.type, qu.data.patientId, qu.data.newPosition, qu.data.estimatedWait, qu.data.version],
            ['position_change', c.patientId, i + 1, c.estimatedWait, i + 1]);
          const [pu] = await step('pub', pub.rec, 1);
          assert.deepEqual(pu, { event: 'queue_update', data: { type: 'position_change', queueLength: i + 1, timestamp: pu.data.timestamp, version: i + 1, line: 'default' } });

          const p = await conn({ name: names[i] });
          assert.deepEqual(await emitAck(p.socket, 'join-patient-room', c.patientId), { room: `patient_${c.patientId}` });
          await emitAck(p.socket, 'join-patients-room');
          pats.push(p);
        }
        // A patient socket's own record starts after its joins (room-joined ×2),
        // and it saw the patients-room updates of later check-ins.
        const pseen = pats.map((p) => p.rec.events.findLastIndex((e) => e.event === 'room-joined') + 1);
        const queueUpdates = [2, 1, 0];
        for (let i = 0; i < 3; i++) {
          const got = await pats[i].rec.take(pseen[i], queueUpdates[i]);
          assert.ok(got.every((e) => e.event === 'queue_update'));
          pseen[i] += queueUpdates[i];
        }
        const pstep = async (i, n) => {
          const got = await pats[i].rec.take(pseen[i], n, `${n} events for patient ${i}`);
          pseen[i] += n;
          return got;
        };
        // agrees checks that the REST status read right after a position_update
        // says the same.
        const agrees = async (e) => {
          const st = (await a2.ok('GET', `/api/position/${e.data.patientId}`)).data;
          assert.deepEqual(
            { position: st.position, status: st.status, estimatedWait: st.estimatedWait, version: st.version },
            { position: e.data.position, status: e.data.status, estimatedWait: e.data.estimatedWait, version: e.data.version },
            'REST agrees with the position_update');
        };

        // Call-next: A is called to room 3; B and C move up and become ready.
        const called = await a2.ok('POST', '/api/staff/call-next', { token: tok, body: { room: '3' } });
        assert.equal(called.data.patientId, ids[0]);
        let [su] = await step('staff', staff.rec, 1);
        assert.deepEqual([su.event, su.data.type, su.data.patientId, su.data.version], ['queue_update', 'patient_called', ids[0], 4]);
        let [pu] = await step('pub', pub.rec, 1);
        assert.deepEqual(pu.data, { type: 'patient_called', queueLength: 2, nowServing: 'A-001', timestamp: pu.data.timestamp, version: 4, line: 'default' });
        // Personal events come before the patients-room broadcast.
        let a = await pstep(0, 3);
        assert.deepEqual(a.map((e) => e.event), ['patient_called', 'position_update', 'queue_update']);
        assert.equal(a[0].data.type, 'patient_called');
        assert.match(a[0].data.message, /your turn/i);
        assert.equal(a[0].data.room, '3');
        assert.deepEqual([a[1].data.patientId, a[1].data.position, a[1].data.status, a[1].data.version], [ids[0], 0, 'called', 4]);
        await agrees(a[1]);
        for (const i of [1, 2]) {
          const got = await pstep(i, 3);
          assert.deepEqual(got.map((e) => e.event), ['position_update', 'get_ready', 'queue_update']);
          assert.deepEqual([got[0].data.patientId, got[0].data.position, got[0].data.status], [ids[i], i, 'waiting']);
          await agrees(got[0]);
          assert.equal(got[1].data.type, 'get_ready');
          assert.equal(got[1].data.position, i);
          assert.equal(got[1].data.estimatedWait, got[0].data.estimatedWait);
          assert.match(got[1].data.message, /ready/i);
        }

        // Recall A: the "your turn" notice again; nobody moves.
        await a2.ok('POST', '/api/staff/recall', { token: tok, body: { patientId: ids[0] } });
        [su] = await step('staff', staff.rec, 1);
        assert.deepEqual([su.event, su.data.type, su.data.patientId, su.data.recall, su.data.version], ['queue_update', 'patient_called', ids[0], true, 5]);
        [pu] = await step('pub', pub.rec, 1);
        assert.deepEqual(pu.data, { type: 'patient_called', queueLength: 2, nowServing: 'A-001', timestamp: pu.data.timestamp, version: 5, line: 'default' });
        a = await pstep(0, 2);
        assert.deepEqual(a.map((e) => e.event), ['patient_called', 'queue_update']);
        assert.match(a[0].data.message, /your turn/i);
        for (const i of [1, 2]) assert.deepEqual((await pstep(i, 1)).map((e) => [e.event, e.data.version]), [['queue_update', 5]]);

        // Complete A: staff get queue_update + queue_refresh; A learns it is done;
        // B and C are re-estimated (nobody is being served any more).
        await a2.ok('POST', '/api/staff/complete', { token: tok, body: { patientId: ids[0] } });
        let [cu, refresh] = await step('staff', staff.rec, 2);
        assert.deepEqual([cu.event, cu.data.type, cu.data.patientId, cu.data.version], ['queue_update', 'patient_completed', ids[0], 6]);
        assert.equal(refresh.event, 'queue_refresh');
        assert.deepEqual(refresh.data.data.map((q) => [q.patientId, q.patient.id, q.patient.name, q.position, q.status]),
          [[ids[1], ids[1], names[1], 1, 'waiting'], [ids[2], ids[2], names[2], 2, 'waiting']]);
        const rest = (await a2.ok('GET', '/api/staff/queue', { token: tok })).data;
        assert.deepEqual(rest.map((q) => q.patientId), refresh.data.data.map((q) => q.patientId), 'REST queue agrees with queue_refresh');
        [pu] = await step('pub', pub.rec, 1);
        assert.deepEqual(pu.data, { type: 'patient_completed', queueLength: 2, timestamp: pu.data.timestamp, version: 6, line: 'default' });
        a = await pstep(0, 2);
        assert.deepEqual(a.map((e) => [e.event, e.data.status]), [['position_update', 'completed'], ['queue_update', undefined]]);
        await agrees(a[0]);
        for (const i of [1, 2]) {
          const got = await pstep(i, 2);
          assert.deepEqual(got.map((e) => e.event), ['position_update', 'queue_update']);
          assert.equal(got[0].data.position, i);
          await agrees(got[0]);
        }

        // No-show B (still waiting): C moves to position 1.
        await a2.ok('POST', '/api/staff/no-show', { token: tok, body: { patientId: ids[1] } });
        [cu, refresh] = await step('staff', staff.rec, 2);
        assert.deepEqual([cu.data.type, cu.data.patientId, refresh.event, refresh.data.data.length], ['patient_no_show', ids[1], 'queue_refresh', 1]);
        [pu] = await step('pub', pub.rec, 1);
        assert.deepEqual(pu.data, { type: 'patient_no_show', queueLength: 1, timestamp: pu.data.timestamp, version: 7, line: 'default' });
        assert.deepEqual((await pstep(0, 1)).map((e) => e.data.type), ['patient_no_show']);
        let b = await pstep(1, 2);
        assert.deepEqual(b.map((e) => [e.event, e.data.status]), [['position_update', 'no_show'], ['queue_update', undefined]]);
        let c = await pstep(2, 2);
        assert.deepEqual(c.map((e) => [e.event, e.data.position]), [['position_update', 1], ['queue_update', undefined]]);
        await agrees(c[0]);

        // Cancel C (the patient leaves).
        await a2.ok('DELETE', `/api/checkin/${ids[2]}`);
        [cu, refresh] = await step('staff', staff.rec, 2);
        assert.deepEqual([cu.data.type, cu.data.patientId, refresh.data.data, refresh.data.version], ['patient_cancelled', ids[2], [], 8]);
        [pu] = await step('pub', pub.rec, 1);
        assert.deepEqual(pu.data, { type: 'patient_cancelled', queueLength: 0, timestamp: pu.data.timestamp, version: 8, line: 'default' });
        for (const i of [0, 1]) assert.deepEqual((await pstep(i, 1)).map((e) => e.data.type), ['patient_cancelled']);
        c = await pstep(2, 2);
        assert.deepEqual(c.map((e) => [e.event, e.data.status]), [['position_update', 'cancelled'], ['queue_update', undefined]]);
        await agrees(c[0]);

        // A marker check-in: nothing else was sent in between to anyone.
        await a2.checkIn('Marker', phone(9));
        assert.deepEqual((await step('staff', staff.rec, 2)).map((e) => e.event), ['new_patient', 'queue_update']);
        assert.equal((await step('pub', pub.rec, 1))[0].data.version, 9);
        for (let i = 0; i < 3; i++) {
          const [m] = await pstep(i, 1);
          assert.deepEqual([m.event, m.data.version], ['queue_update', 9]);
        }
      } finally {
        for (const c of clients) c.close();
        await fresh.stop();
      }
    });

    it('keeps patient ids, names and phones out of the patients room in a busy queue', async () => {
      const pub = await connect({ name: 'privacy' });
      await emitAck(pub.socket, 'join-patients-room');
      const secrets = [];
      const checkIns = await Promise.all(Array.from({ length: 12 }, (_, i) => api.checkIn(`Privacy Person${i} O'Neil`, phone(20 + i))));
      for (const [i, c] of checkIns.entries()) secrets.push(c.patientId, `Privacy Person${i}`, phone(20 + i), phone(20 + i).slice(2));
      const calls = await Promise.all(Array.from({ length: 4 }, (_, i) =>
        api.ok('POST', '/api/staff/call-next', { token, body: { room: `${i}` } })));
      const calledIds = calls.map((c) => c.data.patientId);
      const waiting = checkIns.map((c) => c.patientId).filter((id) => !calledIds.includes(id));
      await Promise.all([
        api.ok('POST', '/api/staff/complete', { token, body: { patientId: calledIds[0] } }),
        api.ok('POST', '/api/staff/no-show', { token, body: { patientId: waiting[0] } }),
        api.ok('DELETE', `/api/checkin/${waiting[1]}`),
        api.ok('POST', '/api/staff/recall', { token, body: { patientId: calledIds[1] } }),
      ]);
      const { version } = (await api.ok('GET', `/api/position/${waiting[2]}`)).data;
      await pub.rec.until((ev) => ev.some((e) => e.data?.version === version), `queue_update version ${version}`);
      const payloads = pub.rec.events.filter((e) => e.event !== 'room-joined');
      assert.ok(payloads.length >= 20, `busy scenario produced ${payloads.length} events`);
      for (const e of payloads) {
        assert.equal(e.event, 'queue_update');
        const text = JSON.stringify(e.data);
        for (const s of secrets) assert.ok(!text.includes(s), `patients room payload leaks ${s}: ${text}`);
        assert.deepEqual(Object.keys(e.data).filter((k) => !['type', 'queueLength', 'nowServing', 'timestamp', 'version', 'line'].includes(k)), [],
          `unexpected field in ${text}`);
      }
    });

    it('disconnects a staff socket when its session logs out', async () => {
      const t = await api.login();
      const staff = await connect({ auth: { token: t }, name: 'logout' });
      await emitAck(staff.socket, 'join-staff-room', 'me');
      await api.ok('POST', '/api/staff/logout', { token: t });
      const d = await staff.rec.next('disconnect');
      assert.equal(d.data, 'io server disconnect');
    });

    // A staff socket can learn its session id (GET /api/staff/me) and ask to
    // leave "session_<id>"; that must not keep it connected once the session
    // ends, however it ends. A staff socket that never joined anything is cut
    // too. The server pushes the disconnect when the session ends: the wait
    // below is only a failure deadline.
    for (const [how, end] of [
      ['logout', (api, t) => api.ok('POST', '/api/staff/logout', { token: t })],
      ['password change', (api, _t, user) => api.ok('POST', `/api/staff/users/${user}/password`, { token, body: { password: 'another password 2' } })],
      ['account removal', (api, _t, user) => api.ok('DELETE', `/api/staff/users/${user}`, { token })],
    ]) {
      it(`disconnects staff sockets on ${how}, even one that left its session room`, async () => {
        const user = `esc${transport[0]}${how.replace(/\W/g, '').slice(0, 8)}`;
        await api.ok('POST', '/api/staff/users', { token, body: { username: user, password: 'first password 1', role: 'staff' } });
        const t = await api.login(user, 'first password 1');
        const { sessionId } = (await api.ok('GET', '/api/staff/me', { token: t })).data;
        const escaper = await connect({ auth: { token: t }, name: `escaper-${how}` });
        await emitAck(escaper.socket, 'join-staff-room', 'me');
        const left = await emitAck(escaper.socket, 'leave-room', `session_${sessionId}`);
        assert.ok(left.room || left.code, JSON.stringify(left));
        const idle = await connect({ auth: { token: t }, name: `idle-${how}` });
        await end(api, t, user);
        for (const s of [escaper, idle]) {
          const d = await s.rec.next('disconnect');
          assert.equal(d.data, 'io server disconnect', `${s.rec.name} disconnected by the server`);
        }
      });
    }

    it('refuses handshakes from foreign origins and accepts allowed ones', async () => {
      await assert.rejects(connectSocket(srv.url, { transport, extraHeaders: { origin: 'https://evil.example' } }));
      const own = await connect({ extraHeaders: { origin: srv.url } });
      assert.equal(own.socket.connected, true);
    });

    it('sends the admin test_message to a room', async () => {
      const pub = await connect({ name: 'test-message' });
      await emitAck(pub.socket, 'join-patients-room');
      const from = pub.rec.events.length;
      const r = await api.ok('POST', '/api/staff/realtime/test', { token, body: { room: 'patients', message: 'hello room' } });
      assert.equal(r.data.room, 'patients');
      const e = await pub.rec.next('test_message', from);
      assert.deepEqual([e.data.type, e.data.message, e.data.room], ['test_message', 'hello room', 'patients']);
      const staffUser = await api.req('POST', '/api/staff/realtime/test', { body: { room: 'patients', message: 'x' } });
      assert.equal(staffUser.status, 401);
      const bad = await api.req('POST', '/api/staff/realtime/test', { token, body: { room: 'nowhere', message: 'x' } });
      assert.deepEqual([bad.status, bad.json.error.code], [400, 'VALIDATION_ERROR']);
    });

    it('reports connected clients per transport in /health', async () => {
      await connect({ name: 'health' });
      const h = (await api.req('GET', '/health')).json;
      assert.equal(h.realtime.status, 'ok');
      assert.ok(h.realtime.transports.socketio >= 1, JSON.stringify(h.realtime));
      assert.deepEqual(h.broker, { status: 'ok', kind: 'memory', mode: 'local', shards: 0 });
    });
  });
}

// One client IP holds at most SMARTWAIT_MAX_CONNECTIONS_PER_IP (default 20)
// Socket.IO connections; the next handshake is refused with a JSON 429 while
// the REST API keeps answering, and a closed connection frees its slot.
describe('connection cap per client IP', () => {
  let srv, api;
  before(async () => {
    // Loopback is exempt from the per-IP cap by default (a same-host proxy);
    // every test client is loopback, so the cap is turned on for it here.
    srv = await startServer({ SMARTWAIT_CAP_LOOPBACK: 'true' });
    api = new API(srv.url);
  });
  after(async () => { await srv?.stop(); });

  for (const transport of ['websocket', 'polling']) {
it(`refuses the 21st ${transport} connection from one IP with 429 and keeps answering the API`, async () => {
    const held = [];
    try {
      // Twenty from this IP: the default cap, once the previous case's
      // connections are closed on the server (a failure deadline, not a timing).
      const deadline = Date.now() + 10000;
      let h0;
      while ((h0 = (await api.req('GET', '/health')).json).limits.connections > 0) {
        assert.ok(Date.now() < deadline, `connections still open: ${JSON.stringify(h0.limits)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(h0.limits.connectionsPerIP, 20);
      for (let i = 0; i < 20; i++) held.push(await connectSocket(srv.url, { transport, name: `cap-${i}` }));
      const h = (await api.req('GET', '/health')).json;
      assert.equal(h.limits.connections, h.limits.connectionsPerIP, JSON.stringify(h.limits));
      await assert.rejects(connectSocket(srv.url, { transport, name: 'cap-over' }));
      const res = await fetch(`${srv.url}/socket.io/?EIO=4&transport=polling`);
      assert.equal(res.status, 429);
      assert.equal((await res.json()).error.code, 'TOO_MANY_CONNECTIONS');
      assert.equal((await api.req('GET', '/health')).status, 200);
      await api.checkIn('Still Served', phone(transport === 'polling' ? 96 : 95));
      held.pop().close();
      // The slot is free once the server has seen the close.
      while ((await api.req('GET', '/health')).json.limits.connections >= h.limits.connectionsPerIP) {
        assert.ok(Date.now() < deadline, 'the closed connection never freed its slot');
        await new Promise((r) => setTimeout(r, 20));
      }
      const again = await connectSocket(srv.url, { transport, name: 'cap-again' });
      held.push(again);
    } finally {
      for (const c of held) c.close();
    }
  });
  }
});
