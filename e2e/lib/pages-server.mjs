// pages-server.mjs starts the real smartwait binary for the page suite: a fresh
// SQLite file in a temporary directory, a free port, a known admin password. It
// can stop and start the same server again (same port, same database) to test
// that pages reconnect. SMARTWAIT_BIN names the binary (scripts/test.sh builds
// it); without it the suite builds one from the repository.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { checkResponse } from './apidoc.mjs';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ADMIN_PASSWORD = 'e2e-admin-password-1';

let built = '';
export function binary() {
  if (process.env.SMARTWAIT_BIN) return process.env.SMARTWAIT_BIN;
  if (!built) {
    built = join(mkdtempSync(join(tmpdir(), 'smartwait-bin-')), 'smartwait');
    execFileSync('go', ['build', '-o', built, './cmd/smartwait'], { cwd: repo, stdio: 'inherit' });
  }
  return built;
}

// freePort asks the kernel for an unused port.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// untilText waits until the element at selector contains want; on a timeout
// the error says what it shows instead.
export async function untilText(page, selector, want, timeout) {
  const loc = page.locator(selector);
  await until(async () => ((await loc.textContent()) || '').includes(want),
    { timeout, what: `${selector} to contain ${JSON.stringify(want)}` }).catch(async (e) => {
    throw new Error(`${e.message}; it shows ${JSON.stringify(await loc.textContent().catch(() => null))}`);
  });
}

// untilEqual waits until read() and expect() give equal JSON — what a page
// shows and what the API says; on a timeout the error prints both.
export async function untilEqual(read, expect, what, timeout) {
  let got, want;
  await until(async () => {
    [got, want] = [await read(), await expect()];
    return JSON.stringify(got) === JSON.stringify(want);
  }, { timeout, what }).catch((e) => {
    throw new Error(`${e.message}\n shows ${JSON.stringify(got)}\n   api ${JSON.stringify(want)}`);
  });
}

// until polls fn (async, truthy when done) until it succeeds or the deadline passes.
export async function until(fn, { timeout = 15000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}` + (last ? `: ${last.message}` : ''));
    await new Promise((r) => setTimeout(r, interval));
  }
}

export class PagesServer {
  constructor(env = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'smartwait-pages-'));
    this.extraEnv = env;
    this.proc = null;
    this.log = '';
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async start() {
    if (!this.port) this.port = await freePort();
    const env = {
      ...process.env,
      PORT: String(this.port),
      DATABASE_URL: `sqlite://${join(this.dir, 'smartwait.db')}`,
      SMARTWAIT_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SMARTWAIT_PUBLIC_URL: this.url,
      SMARTWAIT_CLINIC_NAME: 'Riverside Clinic',
      SMARTWAIT_CHECKIN_RATE_LIMIT: '0',
      SMARTWAIT_LOGIN_RATE_LIMIT: '0',
      SMARTWAIT_BCRYPT_COST: '4',
      ...this.extraEnv,
    };
    delete env.REDIS_URL;
    this.proc = spawn(binary(), [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b) => { this.log = (this.log + b.toString()).slice(-20000); };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.exited = exited;
    await until(async () => {
      if (this.proc.exitCode !== null) throw new Error('server exited:\n' + this.log);
      const res = await fetch(this.url + '/health');
      return res.status === 200;
    }, { timeout: 20000, what: 'server start' });
  }

  // stop ends the process gracefully (SIGTERM), then by force if it hangs.
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 25000);
    await this.exited;
    clearTimeout(timer);
  }

  async close() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  // api calls the JSON API; token, when given, is a staff Bearer token.
  async api(method, path, body, token) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(this.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    checkResponse(method, this.url + path, res.status, res.headers.get('content-type'), text);
    const json = JSON.parse(text);
    return { status: res.status, json };
  }

  async staffToken(username = 'admin', password = ADMIN_PASSWORD) {
    const { status, json } = await this.api('POST', '/api/staff/login', { username, password });
    if (status !== 200) throw new Error('login failed: ' + JSON.stringify(json));
    return json.data.token;
  }
}

// routeReads is the server's count of requests to route (its pattern, e.g.
// "GET /api/display"), from /metrics.
async function routeReads(srv, route) {
  const body = await (await fetch(srv.url + '/metrics')).text();
  const label = `route="${route}"`;
  let n = 0;
  for (const line of body.split('\n')) {
    if (line.startsWith('smartwait_http_requests_total{') && line.includes(label)) n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}

// queueReads is the count of the dashboard's queue reads (GET
// /api/staff/queue; the tests' own reads use the alias /api/queue).
export const queueReads = (srv) => routeReads(srv, 'GET /api/staff/queue');

// settledReads is routeReads once a page's opening reads are done. A page
// goes live, and shows the right state, from the stream's snapshot; the
// catch-up read that going live schedules lands a moment later, and a
// baseline taken before it would count it as a read the test provoked (or
// its answer would show a change the test meant the page to miss).
async function settledReads(srv, route) {
  let last = -1;
  for (let i = 0; i < 20; i++) {
    const n = await routeReads(srv, route);
    if (n > 0 && n === last) return n;
    last = n;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the reads of ${route} never settled (${last})`);
}

// settledQueueReads is settledReads of the dashboard's queue reads.
export const settledQueueReads = (srv) => settledReads(srv, 'GET /api/staff/queue');

// serverFor starts a fresh server for test t, closed when t ends, and returns
// it with a staff token and ok(method, path, body): a staff API call that must
// succeed, answering its data.
export async function serverFor(t) {
  const srv = new PagesServer();
  await srv.start();
  t.after(() => srv.close());
  const token = await srv.staffToken();
  const ok = async (method, path, body) => {
    const r = await srv.api(method, path, body, token);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.data;
  };
  return { srv, token, ok };
}
