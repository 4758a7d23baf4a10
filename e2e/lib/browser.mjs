// browser.mjs launches Debian's Chromium through playwright-core with the flags
// that work on these machines (DEPENDENCIES.md). Browsers are never downloaded.
import { chromium } from 'playwright-core';
import { checkResponse } from './apidoc.mjs';

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1440, height: 900 } };
export const TV = { viewport: { width: 1920, height: 1080 } };

// launch starts Chromium; every response a page of it receives (pages, scripts,
// the API calls of their scripts) is checked against the API document.
export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const ctx = await newContext(...args);
    ctx.on('response', async (r) => {
      const type = r.headers()['content-type'] || '';
      if (type.startsWith('text/event-stream') || r.url().includes('/socket.io/') || !r.url().startsWith('http')) return;
      let text = '';
      if (type.startsWith('application/json')) {
        try { text = await r.text(); } catch { return; } // the page navigated away first
      }
      checkResponse(r.request().method(), r.url(), r.status(), type, text);
    });
    return ctx;
  };
  return browser;
}

// dropVersions makes the pages of ctx drop every event whose version is
// window.__dropVersion (a wrapped EventSource: nothing in the product).
export async function dropVersions(ctx) {
  await ctx.addInitScript(() => {
    const Real = window.EventSource;
    window.__dropVersion = -1;
    window.__dropped = [];
    function Dropping(url, init) {
      const es = new Real(url, init);
      const add = es.addEventListener.bind(es);
      es.addEventListener = (type, fn, opt) => add(type, (e) => {
        let d = null;
        try { d = JSON.parse(e.data); } catch { /* not JSON: deliver */ }
        if (d && d.version === window.__dropVersion) { window.__dropped.push(type); return; }
        fn(e);
      }, opt);
      return es;
    }
    Dropping.prototype = Real.prototype;
    Object.assign(Dropping, { CONNECTING: 0, OPEN: 1, CLOSED: 2 });
    window.EventSource = Dropping;
  });
}

// signIn opens a new page of ctx at /staff/login, signs in and waits for
// the page the account lands on (/staff; /kiosk for a kiosk account).
export async function signIn(ctx, username, password, landing = '/staff') {
  const page = await ctx.newPage();
  await page.goto('/staff/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL('**' + landing), page.getByRole('button', { name: 'Sign in' }).click()]);
  return page;
}
