// Throwaway infrastructure for the several-instance suite: a fresh PostgreSQL
// schema on the DATABASE_URL_TEST server, a Redis server of the test's own (so the
// test can stop and restart it), and a fake Twilio that records every send.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { WAIT_MS } from './events.mjs';

// integration says why the suite cannot run (a string) or null when it can:
// it needs DATABASE_URL_TEST. With SMARTWAIT_REQUIRE_INTEGRATION=1 a missing URL
// is a failure, not a skip (scripts/test.sh sets it).
export function integration() {
  if (process.env.DATABASE_URL_TEST) return null;
  const why = 'set DATABASE_URL_TEST to run the PostgreSQL + Redis tests; `make test` does';
  if (process.env.SMARTWAIT_REQUIRE_INTEGRATION === '1') {
    throw new Error(`SMARTWAIT_REQUIRE_INTEGRATION=1 but ${why}`);
  }
  return why;
}

function psql(url, sql) {
  execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `SET client_min_messages = warning; ${sql}`], { stdio: ['ignore', 'ignore', 'inherit'] });
}

// pgSchema creates an empty schema and returns the URL instances use for it and a
// drop function.
export function pgSchema() {
  const base = process.env.DATABASE_URL_TEST;
  const schema = `sw_e2e_${randomBytes(6).toString('hex')}`;
  psql(base, `CREATE SCHEMA ${schema}`);
  const u = new URL(base);
  u.searchParams.set('search_path', schema);
  return { url: u.toString(), drop: () => psql(base, `DROP SCHEMA ${schema} CASCADE`) };
}

// freePort returns a TCP port nothing listens on right now.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function waitPort(port, up) {
  const deadline = Date.now() + WAIT_MS;
  return new Promise((resolve, reject) => {
    const probe = () => {
      const s = net.connect(port, '127.0.0.1');
      const retry = (isUp) => {
        s.destroy();
        if (isUp === up) return resolve();
        if (Date.now() > deadline) return reject(new Error(`port ${port} did not go ${up ? 'up' : 'down'}`));
        setTimeout(probe, 50);
      };
      s.once('connect', () => retry(true));
      s.once('error', () => retry(false));
    };
    probe();
  });
}

// RedisServer is a redis-server process on a fixed port that the test can stop
// and start again, as an outage would.
export class RedisServer {
  constructor(port) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}/0`;
    this.child = null;
  }

  async start() {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1',
      '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitPort(this.port, true);
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL'); // a crash, not a polite shutdown
    await exited;
    await waitPort(this.port, false);
  }
}

// FakeTwilio answers Twilio's Messages.json like the real API and records every
// message it was asked to send.
export class FakeTwilio {
  constructor() {
    this.sent = []; // {to, body, from, sid}
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => { raw += d; });
      req.on('end', () => {
        if (req.method !== 'POST' || !/^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(req.url)) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":20404,"message":"not found"}');
          return;
        }
        const p = new URLSearchParams(raw);
        const sid = `SM${randomBytes(16).toString('hex')}`;
        this.sent.push({ to: p.get('To'), body: p.get('Body'), from: p.get('From'), sid });
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sid, status: 'queued', to: p.get('To'), body: p.get('Body') }));
      });
    });
  }

  async start() {
    await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
  }

  stop() {
    return new Promise((r) => this.server.close(r));
  }
}
