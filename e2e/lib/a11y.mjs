// a11y.mjs: what the accessibility suites share (issue 16). axe-core runs
// inside the page under test; the pages' CSP allows no inline script, so its
// source goes in as a context init script (the DevTools protocol's
// "evaluate on new document", which a page's CSP does not govern) — nothing
// is added to the product. settle waits until what axe measures is what a
// patient sees: styles and fonts loaded, the live pages connected, and the
// finite animations (the display's call flash, the status page's glow) over,
// so colour contrast is measured on the colours that stay on screen.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { until } from './pages-server.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// RULES are the axe rules every page must pass: WCAG 2.0 and 2.1, levels A
// and AA, and Deque's best practices (landmarks, one h1, heading order…).
// Colour contrast (color-contrast, wcag2aa) is among them.
export const RULES = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } };

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const TV = { viewport: { width: 1920, height: 1080 } };

// withAxe makes every page of ctx load axe-core before its own scripts.
export async function withAxe(ctx) {
  await ctx.addInitScript({ content: axeSource });
  return ctx;
}

// settle waits until the page is fully rendered and still: loaded, fonts
// ready, a live page's connection indicator live, and every animation that
// ends (not the connection dot's endless pulse, which has no text) ended.
export async function settle(page) {
  await page.waitForLoadState('load');
  if (await page.locator('#conn').count()) {
    await until(async () => (await page.locator('#conn').getAttribute('data-state')) === 'live',
      { timeout: 10000, what: `${page.url()} to go live` });
  }
  await page.evaluate(async () => {
    await document.fonts.ready;
    // Jump each finite animation to its end, where it stays: the colours
    // measured are the ones on screen from then on (the flash and glow
    // themselves only ever add contrast: dark on yellow, a shadow).
    for (const a of document.getAnimations()) {
      if (a.effect && a.effect.getComputedTiming().endTime !== Infinity) a.finish();
    }
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
}

// axe runs axe-core on the whole document with RULES and returns its result.
export async function axe(page, rules = RULES) {
  return page.evaluate(async (opts) => {
    if (!window.axe) throw new Error('axe-core is not loaded in this page (withAxe on its context?)');
    const r = await window.axe.run(document, opts);
    const slim = (list) => list.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary || '' })),
    }));
    return { violations: slim(r.violations), incomplete: slim(r.incomplete), passes: r.passes.map((p) => p.id) };
  }, rules);
}

// report is a failure message: each violation's id, impact and help, and
// every offending element with what axe says is wrong with it.
export function report(where, violations) {
  const lines = [`${where}: ${violations.length} accessibility violation(s)`];
  for (const v of violations) {
    lines.push(`  ${v.id} (${v.impact}): ${v.help}`);
    for (const n of v.nodes) lines.push(`    ${n.target}` + (n.summary ? ` — ${n.summary.replace(/\s*\n\s*/g, ' ')}` : ''));
  }
  return lines.join('\n');
}

// checkPage settles the page, runs axe and returns the problems found on it
// as messages (empty when it passes). A page on which colour contrast was
// not checked at all counts as a problem: a contrast test that silently
// measured nothing would pass every page.
export async function checkPage(page, where) {
  await settle(page);
  const r = await axe(page);
  const problems = [];
  if (r.violations.length) problems.push(report(where, r.violations));
  if (!r.passes.includes('color-contrast') && !r.violations.some((v) => v.id === 'color-contrast')) {
    problems.push(`${where}: axe measured no text contrast on the page`);
  }
  return problems;
}

// withLang adds ?lang=es (or &lang=es) to a path.
export function withLang(path, lang) {
  if (!lang) return path;
  return path + (path.includes('?') ? '&' : '?') + 'lang=' + lang;
}

// focusState describes document.activeElement and whether its focus can be
// seen: an outline (width > 0, a style, not transparent) or a box-shadow,
// one of whose colours has at least 3:1 contrast with the background behind
// the element (WCAG 1.4.11: a focus ring the eye cannot tell from the page
// is not a visible focus).
export function focusState(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return { tag: 'body', visible: false, desc: 'nothing (body)', indicator: 'none' };
    const rgb = (c) => { const m = /rgba?\(([^)]+)\)/.exec(c || ''); return m ? m[1].split(/[ ,/]+/).map(Number) : null; };
    const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
      .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    let bg = [255, 255, 255];
    for (let p = el.parentElement; p; p = p.parentElement) {
      const c = rgb(getComputedStyle(p).backgroundColor);
      if (c && (c.length < 4 || c[3] > 0)) { bg = c; break; }
    }
    const cs = getComputedStyle(el);
    const rings = [];
    if (parseFloat(cs.outlineWidth) > 0 && cs.outlineStyle !== 'none') rings.push(rgb(cs.outlineColor));
    if (cs.boxShadow && cs.boxShadow !== 'none') rings.push(rgb(cs.boxShadow));
    const best = Math.max(0, ...rings.filter((c) => c && (c.length < 4 || c[3] > 0)).map((c) => ratio(c, bg)));
    const r = el.getBoundingClientRect();
    const label = (el.getAttribute('aria-label') || el.innerText || el.value || '').trim().slice(0, 40);
    const row = el.closest('tr[data-ticket]');
    return {
      tag: el.tagName.toLowerCase(), id: el.id, type: el.getAttribute('type') || '', text: label,
      row: row ? row.getAttribute('data-ticket') : '',
      visible: best >= 3 && r.width > 0 && r.height > 0,
      indicator: `outline ${cs.outlineWidth} ${cs.outlineStyle} ${cs.outlineColor}, box-shadow ${cs.boxShadow}; best contrast ${best.toFixed(2)}:1 on rgb(${bg.join(',')})`,
      desc: `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}> "${label}"` + (row ? ` in row ${row.getAttribute('data-ticket')}` : ''),
    };
  });
}

// tab presses Tab (Shift+Tab when back) until want(focus) holds, at most
// max times, and returns the focus reached. Every element focus lands on
// on the way must show it: a keyboard user sees each stop, not just the
// last. The error lists the stops.
export async function tab(page, want, what, { back = false, max = 40 } = {}) {
  const stops = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const f = await focusState(page);
    stops.push(f.desc);
    if (!f.visible) throw new Error(`${what}: focus is not visible on ${f.desc} (${f.indicator}); stops: ${stops.join(' → ')}`);
    if (want(f)) return f;
  }
  throw new Error(`${what}: not reached in ${max} ${back ? 'Shift+Tab' : 'Tab'} presses; stops: ${stops.join(' → ')}`);
}

// textLoss lists what the page loses at its current text size: a document
// wider than the window (horizontal scrolling), and every visible element
// with text that clips its content (overflow hidden or clip, and content
// larger than its box). Visually hidden text (.sr-only, 1×1 px) is meant
// to be clipped and is left out.
export function textLoss(page) {
  return page.evaluate(() => {
    const out = [];
    const de = document.documentElement;
    const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.classList.length ? '.' + [...el.classList].join('.') : '');
    if (de.scrollWidth > de.clientWidth + 1) {
      // Name the elements that reach past the window, so the failure says what to fix.
      const past = [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > de.clientWidth + 1)
        .map((el) => `${name(el)} (to ${Math.round(el.getBoundingClientRect().right)}px)`).slice(0, 4);
      out.push(`the page scrolls sideways: ${de.scrollWidth}px wide in ${de.clientWidth}px; past the edge: ${past.join(', ') || 'none in the flow'}`);
    }
    for (const el of document.querySelectorAll('body *')) {
      const cs = getComputedStyle(el);
      if (!/hidden|clip/.test(cs.overflowX + cs.overflowY)) continue;
      if (!el.textContent.trim() || el.getClientRects().length === 0 || cs.visibility === 'hidden') continue;
      if (el.clientWidth <= 1 && el.clientHeight <= 1) continue;
      if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
        out.push(`${name(el)} clips its text: ${el.scrollWidth}×${el.scrollHeight} in ${el.clientWidth}×${el.clientHeight}`);
      }
    }
    // Text cut off by the window itself (a fixed-width row pushed past it).
    for (const el of document.querySelectorAll('main *')) {
      if (el.children.length || !el.textContent.trim() || el.getClientRects().length === 0) continue;
      const r = el.getBoundingClientRect();
      if (r.width > 1 && (r.right > de.clientWidth + 1 || r.left < -1)) out.push(`${name(el)} runs out of the window: ${Math.round(r.left)}–${Math.round(r.right)}px of ${de.clientWidth}px`);
    }
    return out;
  });
}
