// staff-dashboard.mjs: the issue 17 benchmark of the staff dashboard in Chromium
// against the real binary: N waiting (default 1,000), then C call-nexts (default
// 50) at R per second (default 4) from the API while the dashboard is open. It
// prints the page's main-thread busy time (CDP Performance TaskDuration, with
// layout and script), the bytes the page received (CDP Network, event stream
// included) and whether every rendered row equals GET /api/queue at the end.
// Not a test (no pass/fail): docs/benchmarks.md, "Pages (issue 17)".
//
//   go build -o bin/smartwait ./cmd/smartwait
//   cd e2e && SMARTWAIT_BIN=$PWD/../bin/smartwait node bench/staff-dashboard.mjs [N C R]
import { PagesServer, ADMIN_PASSWORD, until } from '../lib/pages-server.mjs';
import { launch, DESKTOP } from '../lib/browser.mjs';

const [N, C, R] = process.argv.slice(2).map(Number);
const waiting = N || 1000, calls = C || 50, rate = R || 4;
const srv = new PagesServer();
await srv.start();
const browser = await launch();
try {
  const token = await srv.staffToken();
  for (let i = 0; i < waiting; i++) {
    const phone = `+1415555${String(3000 + i).padStart(4, '0')}`;
    const { status, json } = await srv.api('POST', '/api/checkin', { name: `Bench ${i}`, phone, appointmentTime: '10:30' });
    if (status !== 201) throw new Error(JSON.stringify(json));
  }
  const ctx = await browser.newContext({ ...DESKTOP, baseURL: srv.url });
  const page = await ctx.newPage();
  // Network events only come for requests made after Network.enable, so enable
  // it before the page opens its event stream, and count from the run's start.
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('Network.enable');
  let counting = false;
  const bytes = new Map();
  cdp.on('Network.dataReceived', (e) => { if (counting) bytes.set(e.requestId, (bytes.get(e.requestId) || 0) + e.encodedDataLength); });
  cdp.on('Network.loadingFinished', (e) => { if (counting) bytes.set(e.requestId, Math.max(bytes.get(e.requestId) || 0, e.encodedDataLength)); });
  await page.goto('/staff/login');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await Promise.all([page.waitForURL('**/staff'), page.getByRole('button', { name: 'Sign in' }).click()]);
  await page.locator('#conn[data-state="live"]').waitFor();
  await until(async () => (await page.locator('#queue-body tr[data-id]').count()) > 0, { timeout: 60000, what: 'the table' });

  const metric = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const m0 = await metric();
  const t0 = Date.now();
  counting = true;
  for (let i = 0; i < calls; i++) {
    const due = t0 + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    await srv.api('POST', '/api/staff/call-next', { room: 'Room 1' }, token);
  }
  const want = async () => {
    const { json } = await srv.api('GET', '/api/queue', undefined, token);
    return json.data.map((q) => q.ticketNumber + ' ' + (q.status === 'called' ? 'Called' + (q.room ? ' · ' + q.room : '') : 'Waiting · #' + q.position));
  };
  const got = () => page.locator('#queue-body').evaluate((b) => Array.from(b.querySelectorAll('tr[data-id]'))
    .map((tr) => tr.getAttribute('data-ticket') + ' ' + tr.querySelector('.status-cell').textContent));
  let correct = false;
  await until(async () => {
    const g = await got(), w = (await want()).slice(0, g.length);
    correct = g.length > 0 && JSON.stringify(g) === JSON.stringify(w);
    return correct;
  }, { timeout: 30000, what: 'the table to equal the API' }).catch(() => {});
  const wall = (Date.now() - t0) / 1000;
  counting = false;
  const m1 = await metric();
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  const d = (k) => m1[k] - m0[k];
  console.log(JSON.stringify({
    waiting, calls, rate, wallSeconds: +wall.toFixed(1),
    busySeconds: +d('TaskDuration').toFixed(2), busyShare: +(d('TaskDuration') / wall).toFixed(3),
    layoutSeconds: +d('LayoutDuration').toFixed(2), scriptSeconds: +d('ScriptDuration').toFixed(2),
    bytes: total, rowsRendered: (await got()).length, rowsCorrect: correct,
  }));
} finally {
  await browser.close();
  await srv.close();
}
