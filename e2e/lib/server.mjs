// Starts the real smartwait binary for a test file: a free port, a temporary
// SQLite database, fast settings for tests. Shared by every e2e suite (the
// Socket.IO and SSE suites now, the browser tests later).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const ADMIN_PASSWORD = 'e2e-admin-password';

let builtBinary;

// binary returns SMARTWAIT_BIN (scripts/test.sh builds it), or builds one once;
// suites that run a command beside the server (smartwait erase) use it too.
export function binary() {
  if (process.env.SMARTWAIT_BIN) return process.env.SMARTWAIT_BIN;
  if (!builtBinary) {
    const dir = mkdtempSync(join(tmpdir(), 'smartwait-e2e-bin-'));
    builtBinary = join(dir, 'smartwait');
    execFileSync('go', ['build', '-o', builtBinary, './cmd/smartwait'], { cwd: repoRoot, stdio: 'inherit' });
  }
  return builtBinary;
}

// startServer starts a fresh server and resolves once it listens. env adds to
// or overrides the test defaults.
export async function startServer(env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'smartwait-e2e-'));
  const child = spawn(binary(), ['serve', '--addr', '127.0.0.1:0'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      DATABASE_URL: `sqlite://${join(dir, 'e2e.db')}`,
      SMARTWAIT_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SMARTWAIT_BCRYPT_COST: '4',
      SMARTWAIT_CHECKIN_RATE_LIMIT: '0',
      SMARTWAIT_LOGIN_RATE_LIMIT: '0',
      SMARTWAIT_SSE_HEARTBEAT: '1s',
      SMARTWAIT_TIMEZONE: 'UTC',
      SMARTWAIT_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolveURL, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${stderr}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolveURL(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}\n${stderr}`));
    });
  });
  child.stdout.resume();
  return {
    url,
    logs: () => stderr,
    // kill ends the process at once (SIGKILL), as a crash or a lost host does.
    kill: () => { if (child.exitCode === null) child.kill('SIGKILL'); },
    // stop sends SIGTERM and resolves to the exit code (null if the server had
    // already exited), so a suite can assert a graceful shutdown.
    async stop() {
      let code = null;
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        code = await exited;
      }
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
