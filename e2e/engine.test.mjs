// The in-project Engine.IO v4 / Socket.IO v5 server (internal/engineio) against
// the real npm socket.io-client, over websocket only, polling only, and polling
// upgraded to websocket. The server is internal/engineio/internal/echoserver: a
// tiny echo/room app (see its package echoapp for the events), started with a
// 300 ms ping interval and timeout so heartbeats run during every test.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WAIT_MS = 10000;

const binDir = mkdtempSync(join(tmpdir(), 'engineio-echo-'));
const binary = join(binDir, 'echoserver');
execFileSync('go', ['build', '-o', binary, './internal/engineio/internal/echoserver'], { cwd: repoRoot, stdio: 'inherit' });

// startEcho runs the echo server and resolves to its URL and a stop function.
async function startEcho() {
  const child = spawn(binary, ['-addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`echoserver did not start: ${out}`)), WAIT_MS);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); res(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); rej(new Error(`echoserver exited with ${code}`)); });
  });
  child.stdout.resume();
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// waitFor resolves with the first emission of event on emitter, or fails after WAIT_MS.
function waitFor(emitter, event, what = event) {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`timed out waiting for ${what}`)), WAIT_MS);
    emitter.once(event, (...args) => { clearTimeout(timer); res(args); });
  });
}

// ack emits event with args and resolves with every argument of the ack.
function ack(socket, event, ...args) {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no ack for ${event}`)), WAIT_MS);
    socket.emit(event, ...args, (...got) => { clearTimeout(timer); res(got); });
  });
}

const modes = {
  'websocket only': { transports: ['websocket'], upgrade: false, final: 'websocket' },
  'polling only': { transports: ['polling'], upgrade: false, final: 'polling' },
  'polling upgraded to websocket': { transports: ['polling', 'websocket'], upgrade: true, final: 'websocket' },
};

after(() => rmSync(binDir, { recursive: true, force: true }));

for (const [name, mode] of Object.entries(modes)) {
  describe(`engineio with socket.io-client over ${name}`, () => {
    let srv;
    const open = [];
    // connect opens a client and resolves once it is connected on the mode's
    // final transport (after the upgrade, in the upgrade mode).
    const connect = async (opts = {}) => {
      const socket = io(srv.url, {
        transports: mode.transports,
        upgrade: mode.upgrade,
        auth: { token: 'secret' },
        forceNew: true,
        reconnection: false,
        timeout: WAIT_MS,
        ...opts,
      });
      open.push(socket);
      const connected = waitFor(socket, 'connect', 'connect');
      const failed = waitFor(socket, 'connect_error').then(([err]) => { throw err; });
      await Promise.race([connected, failed]);
      if (mode.upgrade && socket.io.engine.transport.name !== 'websocket') {
        await waitFor(socket.io.engine, 'upgrade', 'the upgrade to websocket');
      }
      assert.equal(socket.io.engine.transport.name, mode.final);
      return socket;
    };

    before(async () => { srv = await startEcho(); });
    after(async () => {
      for (const s of open) s.close();
      await srv?.stop();
    });

    it('connects with auth and gets a socket id', async () => {
      const socket = await connect();
      assert.equal(socket.connected, true);
      assert.match(socket.id, /^[A-Za-z0-9_-]{20}$/);
    });

    it('refuses a bad token with connect_error carrying message and data', async () => {
      const socket = io(srv.url, {
        transports: mode.transports, upgrade: mode.upgrade, auth: { token: 'wrong' }, forceNew: true, reconnection: false,
      });
      open.push(socket);
      const [err] = await waitFor(socket, 'connect_error');
      assert.equal(err.message, 'unauthorized');
      assert.deepEqual(err.data, { code: 'UNAUTHORIZED' });
      assert.equal(socket.connected, false);
    });

    it('acknowledges a client event with every argument', async () => {
      const socket = await connect();
      const got = await ack(socket, 'echo', 1, { a: 'b', nested: [true, null] }, 'ünïcødé \u2028 "quoted"');
      assert.deepEqual(got, [1, { a: 'b', nested: [true, null] }, 'ünïcødé \u2028 "quoted"']);
      // Many in flight at once come back, each to its own callback.
      const many = await Promise.all(Array.from({ length: 50 }, (_, i) => ack(socket, 'echo', i)));
      assert.deepEqual(many, Array.from({ length: 50 }, (_, i) => [i]));
    });

    it('gets the client\'s acknowledgement of a server event', async () => {
      const socket = await connect();
      socket.on('question', (q, cb) => cb(`answer to ${q}`, 42));
      const answer = waitFor(socket, 'answer');
      socket.emit('ask', 'life');
      assert.deepEqual(await answer, ['answer to life', 42]);
    });

    it('delivers a room event to every member and to nobody else', async () => {
      const a = await connect();
      const b = await connect();
      const outsider = await connect();
      assert.deepEqual(await ack(a, 'join', 'r1'), ['joined', 'r1']);
      assert.deepEqual(await ack(b, 'join', 'r1'), ['joined', 'r1']);
      assert.deepEqual(await ack(outsider, 'join', 'r2'), ['joined', 'r2']);
      const seen = [];
      outsider.onAny((event) => seen.push(event));
      const gotA = waitFor(a, 'news');
      const gotB = waitFor(b, 'news');
      a.emit('to-room', 'r1', 'news', { n: 1 });
      assert.deepEqual(await gotA, [{ n: 1 }]);
      assert.deepEqual(await gotB, [{ n: 1 }]);
      // Sent after the news by the same client, so it arrives after it: had
      // the outsider been sent the news, it would have it by now.
      const marker = waitFor(outsider, 'marker');
      a.emit('to-room', 'r2', 'marker', 'm');
      await marker;
      assert.deepEqual(seen, ['marker']);
    });

    it('disconnects from the server side, and the client does not reconnect', async () => {
      const socket = await connect({ reconnection: true, reconnectionDelay: 50 });
      const gone = waitFor(socket, 'disconnect');
      socket.emit('kick');
      const [reason] = await gone;
      assert.equal(reason, 'io server disconnect');
      assert.equal(socket.active, false);
      const probe = await connect();
      assert.deepEqual(await ack(probe, 'last-disconnect'), ['server namespace disconnect']);
    });

    it('detects a client that stops answering pings, and the client reconnects', async () => {
      const socket = await connect({ reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100 });
      const firstID = socket.id;
      // Swallow this engine's pongs; the reconnection builds a new engine.
      const engine = socket.io.engine;
      const send = engine._sendPacket.bind(engine);
      engine._sendPacket = (type, ...rest) => (type === 'pong' ? undefined : send(type, ...rest));
      const [reason] = await waitFor(socket, 'disconnect');
      assert.ok(['transport close', 'ping timeout'].includes(reason), `disconnect reason ${reason}`);
      await waitFor(socket, 'connect', 'the reconnection');
      assert.notEqual(socket.id, firstID);
      assert.deepEqual(await ack(socket, 'last-disconnect'), ['ping timeout']);
    });

    it('stays connected across many heartbeats', async () => {
      const socket = await connect();
      // 300 ms interval and timeout: wait for several pings answered.
      for (let i = 0; i < 4; i++) await waitFor(socket.io.engine, 'ping', `ping #${i + 1}`);
      assert.equal(socket.connected, true);
      assert.deepEqual(await ack(socket, 'echo', 'still here'), ['still here']);
    });
  });
}
