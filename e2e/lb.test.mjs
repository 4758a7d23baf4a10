// The reference deployment (issue 13): two SmartWait instances on PostgreSQL and
// Redis behind nginx running deploy/nginx/smartwait.conf. Through the balancer:
// a Socket.IO client on long-polling (sticky by IP), one on websocket, an SSE
// client, and staff checking in and calling. One instance is killed (SIGKILL)
// mid-run; the clients reconnect through nginx to the other, the SSE client
// resumes with Last-Event-ID, the Socket.IO clients rejoin with since and
// are replayed what they missed; no event is lost.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './lib/server.mjs';
import { API } from './lib/api.mjs';
import { connectSocket, emitAck, WAIT_MS } from './lib/events.mjs';
import { openStream } from './lib/sse.mjs';
import { integration, pgSchema, freePort, RedisServer } from './lib/infra.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const phone = (i) => `+1212737${String(1000 + i).padStart(4, '0')}`;

function nginxBinary() {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    try { execFileSync(p, ['-v'], { stdio: 'ignore' }); return p; } catch { /* next */ }
  }
  return null;
}

// startNginx runs nginx in the foreground on the reference config, its
// upstreams and port replaced by the test's.
async function startNginx(bin, port, backends) {
  const dir = mkdtempSync(join(tmpdir(), 'smartwait-nginx-'));
  let conf = readFileSync(join(here, '..', 'deploy', 'nginx', 'smartwait.conf'), 'utf8');
  const servers = backends.map((b) => `    server ${b} max_fails=1 fail_timeout=5s;`).join('\n');
  conf = conf.replace(/(upstream smartwait(?:_sticky)? \{\n(?:    ip_hash;\n)?)(?:    server .*\n)+/g, `$1${servers}\n`);
  conf = conf.replace('listen 8080;', `listen 127.0.0.1:${port};`);
  assert.equal((conf.match(/server 127\.0\.0\.1:300[12]/g) ?? []).length, 0, 'every upstream line replaced');
  writeFileSync(join(dir, 'smartwait.conf'), conf);
  writeFileSync(join(dir, 'nginx.conf'), `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/smartwait.conf;
}
`);
  const child = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try { await fetch(`${url}/health`); break; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const checkIns = (rec) => new Set(rec.events.filter((e) => e.event === 'new_patient').map((e) => e.data.patient.id));

const bin = nginxBinary();
const skip = integration() ?? (bin ? false : 'nginx is not installed (scripts/test.sh installs it)');

describe('two instances behind nginx', { skip }, () => {
  let db, redis, A, B, lb, api, token;
  const closers = [];

  before(async () => {
    db = pgSchema();
    redis = new RedisServer(await freePort());
    await redis.start();
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, SMARTWAIT_TRUST_PROXY: '1' };
    [A, B] = await Promise.all([startServer(env), startServer(env)]);
    lb = await startNginx(bin, await freePort(), [A.url, B.url].map((u) => u.replace('http://', '')));
    api = new API(lb.url);
    token = await api.login();
  });

  after(async () => {
    for (const close of closers) close();
    await lb?.stop();
    await Promise.all([A?.stop(), B?.stop()]);
    await redis?.stop();
    db?.drop();
  });

  it('serves polling, websocket and SSE clients through the balancer and survives losing an instance', async () => {
    const staffSocket = async (transport) => {
      const s = await connectSocket(lb.url, { transport, auth: { token }, name: `socket.io ${transport}` });
      closers.push(s.close);
      assert.deepEqual(await emitAck(s.socket, 'join-staff-room', 'staff'), { room: 'staff' });
      return s;
    };
    const polling = await staffSocket('polling');
    const ws = await staffSocket('websocket');
    // Both sockets come from one IP: ip_hash puts them on one instance, X.
    const transports = async (srv) => (await (await fetch(`${srv.url}/health`)).json()).realtime.transports ?? {};
    const onA = (await transports(A)).socketio ?? 0;
    const onB = (await transports(B)).socketio ?? 0;
    assert.ok((onA === 2 && onB === 0) || (onA === 0 && onB === 2), `sticky: both sockets on one instance (A ${onA}, B ${onB})`);
    const [X, Y] = onA ? [A, B] : [B, A];
    // SSE is round robin: open streams until one is on the survivor Y, so Y
    // follows the line (and keeps its replay buffer) when X dies.
    const streams = [];
    while (!((await transports(Y)).sse >= 1)) {
      assert.ok(streams.length < 6, 'round robin never put an SSE stream on the other instance');
      const st = await openStream(`${lb.url}/api/events/staff`, { headers: { authorization: `Bearer ${token}` }, name: `sse ${streams.length}` });
      assert.equal(st.res.status, 200);
      closers.push(() => st.close());
      streams.push(st);
    }
    let sse = streams[0];

    // Before: check-ins through the balancer (round robin over both
    // instances) reach every client, whichever instance it is on.
    const before = [];
    for (let i = 0; i < 6; i++) before.push((await api.checkIn(`Before ${i}`, phone(i))).patientId);
    for (const c of [polling, ws, sse]) {
      await c.rec.until(() => before.every((id) => checkIns(c.rec).has(id)), `${c.rec.name}: every check-in before the kill`);
    }
    const lastID = sse.rec.events.filter((e) => e.id).at(-1).id;

    // Kill the instance with the sockets; their connections drop.
    X.kill();
    await polling.rec.until(() => !polling.socket.connected, 'the polling client notices the dead instance');
    await ws.rec.until(() => !ws.socket.connected, 'the websocket client notices the dead instance');

    // Staff go on working through the balancer, which skips the dead one.
    const after = [];
    for (let i = 0; i < 6; i++) after.push((await api.checkIn(`After ${i}`, phone(100 + i))).patientId);
    await api.ok('POST', '/api/staff/call-next', { token, body: { room: 'Room 1' } });

    // SSE: resume from the last id seen before the kill, as EventSource does
    // after a drop: the survivor replays the rest from its buffer.
    sse = await openStream(`${lb.url}/api/events/staff`, { headers: { authorization: `Bearer ${token}`, 'last-event-id': lastID }, name: 'sse resumed' });
    assert.equal(sse.res.status, 200);
    closers.push(() => sse.close());
    await sse.rec.until(() => after.every((id) => checkIns(sse.rec).has(id)), 'the resumed SSE stream replays every check-in after the kill');
    assert.ok(!sse.rec.events.some((e) => e.event === 'queue_refresh' && e.id && !e.id.includes('-')),
      'resumed from the replay buffer, not from a snapshot');

    // Socket.IO: a client whose instance died reconnects through the
    // balancer and joins with since: {line: last version seen}. The survivor
    // replays what it missed from its buffer: no state re-read.
    for (const old of [polling, ws]) {
      const transport = old === polling ? 'polling' : 'websocket';
      const seen = old.rec.events.filter((e) => e.data && e.data.line === 'default' && Number.isInteger(e.data.version));
      assert.ok(seen.length > 0, `${transport}: events carry line and version`);
      const since = { default: Math.max(...seen.map((e) => e.data.version)) };
      const s = await connectSocket(lb.url, { transport, auth: { token }, name: `socket.io ${transport} resumed` });
      closers.push(s.close);
      assert.deepEqual(await emitAck(s.socket, 'join-staff-room', { since }), { room: 'staff', resumed: true },
        `${transport}: resumed from the survivor's replay buffer`);
      const missed = after.filter((id) => !checkIns(old.rec).has(id));
      assert.ok(missed.length > 0, `${transport}: the test made changes the dead socket missed`);
      for (const id of missed) assert.ok(checkIns(s.rec).has(id), `${transport}: missed check-in ${id} replayed before room-joined`);
      assert.ok(!s.rec.events.some((e) => e.event === 'queue_refresh'), `${transport}: replay, not a snapshot`);
      // And live events flow again on the surviving instance.
      const next = (await api.checkIn(`Live ${transport}`, phone(200 + (transport === 'polling' ? 0 : 1)))).patientId;
      await s.rec.until(() => checkIns(s.rec).has(next), `${transport}: live events after reconnecting`);
    }
    const h = await (await fetch(`${Y.url}/health`)).json();
    assert.equal(h.broker.kind, 'redis');
    assert.ok(['sharded', 'channels'].includes(h.broker.mode), `broker mode ${h.broker.mode}`);
    assert.ok(h.broker.shards >= 1, 'the survivor follows the default line for its clients');
  }, { timeout: 6 * WAIT_MS });
});
