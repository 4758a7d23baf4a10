// live.js keeps a page up to date: Server-Sent Events while they flow, polling the
// REST API while they do not, and an indicator that says which.
//
// A page that can show an event's payload itself passes apply(name, data): the
// event is rendered without a REST read (issue 17: one call-next must not turn
// every open status page into a read). The page re-reads its REST snapshot
// only when it must (docs/events.md, "Client refresh rule"): on (re)connect,
// when an event's queue version skips one (version > last seen + 1: something
// was missed), on `resync`, when apply cannot handle an event, when the tab
// becomes visible again, when the browser comes back online, and on a slow
// jittered safety poll — so a missed event is never wrong for longer than that.
// A page without apply re-reads on every event, as all pages once did.
//
// Versions count per line (docs/lines.md): the gap check keeps the last
// version of each line apart, by the event's `line`. A page that follows
// some lines only passes follows(name, data): events it refuses are neither
// applied nor counted.
(function () {
  'use strict';
  var SW = (window.SmartWait = window.SmartWait || {});

  // SW.text is the page's strings, from the server's catalogue in the page's
  // language (the JSON block #sw-text; docs/languages.md): scripts hold no
  // words of their own.
  SW.text = (function () {
    var el = document.getElementById('sw-text');
    try { return (el && JSON.parse(el.textContent)) || {}; } catch (_) { return {}; }
  })();

  // SW.t(key, vars) is the message key with its {placeholders} filled from
  // vars; a plural message ({by, one, other, …}) picks its form by the
  // number vars[by], as Intl.PluralRules says for the page's language
  // (<html lang>). A missing key shows itself, so a slip is seen, not blank.
  SW.t = function (key, vars) {
    return fill(pick(key, vars), vars, formatValue);
  };

  // formatValue writes a value into a message: a number as the page's language
  // writes it ("1,234", "1234"), anything else as it is.
  var numbers = null;
  function formatValue(v) {
    if (typeof v !== 'number') return String(v);
    try { numbers = numbers || new Intl.NumberFormat(document.documentElement.lang || undefined); } catch (_) { return String(v); }
    return numbers.format(v);
  }

  // SW.tNodes is SW.t as a DocumentFragment, where vars may be nodes (a
  // <strong> name, a <span> a script updates later) as well as text.
  SW.tNodes = function (key, vars) {
    var frag = document.createDocumentFragment();
    var parts = fill(pick(key, vars), vars, function (v) { return v && v.nodeType ? v : formatValue(v); }, true);
    parts.forEach(function (p) { frag.appendChild(p && p.nodeType ? p : document.createTextNode(String(p))); });
    return frag;
  };

  function pick(key, vars) {
    var m = SW.text[key];
    if (m === undefined) return key;
    if (typeof m === 'string') return m;
    var n = Number(vars && vars[m.by]);
    var form = 'other';
    try { form = new Intl.PluralRules(document.documentElement.lang || undefined).select(isNaN(n) ? 0 : n); } catch (_) { /* old browser: other */ }
    return m[form] || m.other || key;
  }

  // fill replaces each {name} of text that vars has; as parts, it returns
  // the list of texts and values instead of one string.
  function fill(text, vars, conv, parts) {
    var out = [], last = 0;
    text.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, function (all, name, at) {
      if (!vars || vars[name] === undefined) return all;
      out.push(text.slice(last, at), conv(vars[name]));
      last = at + all.length;
      return all;
    });
    out.push(text.slice(last));
    return parts ? out : out.join('');
  }

  var LABELS = {
    connecting: SW.t('conn.connecting'),
    live: SW.t('conn.live'),
    reconnecting: SW.t('conn.reconnecting'),
    polling: SW.t('conn.polling'),
    offline: SW.t('conn.offline')
  };

  // SW.live({url, events, refresh, apply, follows, onEvent, pollMs, safetyMs,
  // labels, indicator, version, line}) starts the connection. refresh() must
  // return a promise that rejects when the server cannot be reached.
  // apply(name, data) returns true when it rendered the event; safetyMs
  // (default 5 min) is the mean of the safety poll, jittered by ±25%; version
  // is the version of line the page was rendered at. Returns {refreshNow,
  // state, saw}: saw(version, line) tells the gap check the version of a line
  // a REST read returned.
  SW.live = function (opts) {
    var labels = Object.assign({}, LABELS, opts.labels || {});
    var indicator = opts.indicator || document.getElementById('conn');
    var text = indicator && indicator.querySelector('#conn-text');
    var pollMs = opts.pollMs || 10000;
    var safetyMs = opts.safetyMs || 300000;
    var es = null, state = '', pollTimer = null, retryTimer = null, backoff = 2000;
    var running = false, dirty = false, debounce = null, safety = null;
    var seen = {}; // line → the highest version seen of it, from events or REST
    if (opts.version) seen[opts.line || ''] = opts.version;

    // saw records a version of a line; it reports a gap when versions of that
    // line were skipped.
    function saw(v, line) {
      if (typeof v !== 'number' || !(v > 0)) return false;
      var k = line || '', last = seen[k] || 0;
      var gap = last > 0 && v > last + 1;
      if (v > last) seen[k] = v;
      return gap;
    }

    // armSafety (re)starts the safety poll: any completed read resets it.
    function armSafety() {
      clearTimeout(safety);
      safety = setTimeout(function () { refreshNow().catch(function () {}); }, safetyMs * (0.75 + Math.random() * 0.5));
    }

    function setState(s) {
      if (s === state) return;
      state = s;
      if (indicator) {
        indicator.className = 'conn conn-' + s;
        indicator.setAttribute('data-state', s);
        if (text) text.textContent = labels[s];
      }
      if (opts.onState) opts.onState(s);
    }

    // refreshNow runs refresh, coalescing calls that arrive while one is running.
    function refreshNow() {
      if (running) { dirty = true; return Promise.resolve(); }
      running = true;
      return Promise.resolve().then(opts.refresh).then(function () {
        if (state === 'offline') setState(es && es.readyState === 1 ? 'live' : 'polling');
      }, function (err) {
        if (!es || es.readyState !== 1) setState('offline');
        throw err;
      }).finally(function () {
        running = false;
        armSafety();
        if (dirty) { dirty = false; schedule(); }
      });
    }

    function schedule() {
      clearTimeout(debounce);
      debounce = setTimeout(function () { refreshNow().catch(function () {}); }, 100);
    }

    function startPolling() {
      if (pollTimer) return;
      pollTimer = setInterval(function () {
        refreshNow().then(function () {
          if (!es || es.readyState !== 1) setState('polling');
        }, function () {});
      }, pollMs);
    }

    function stopPolling() { clearInterval(pollTimer); pollTimer = null; }

    function onEvent(name) {
      return function (e) {
        var data = null;
        try { data = e.data ? JSON.parse(e.data) : null; } catch (_) { data = null; }
        if (opts.onEvent) opts.onEvent(name, data);
        if (!opts.apply) { schedule(); return; }
        if (data && opts.follows && !opts.follows(name, data)) return;
        var gap = saw(data && data.version, data && data.line);
        var applied = name !== 'resync' && data !== null && opts.apply(name, data) === true;
        if (gap || !applied) schedule();
      };
    }

    function connect() {
      clearTimeout(retryTimer);
      if (!window.EventSource) { startPolling(); setState('polling'); return; }
      es = new EventSource(opts.url);
      es.onopen = function () {
        backoff = 2000;
        stopPolling();
        setState('live');
        schedule(); // catch up on anything missed while away
      };
      es.onerror = function () {
        if (es.readyState === 2) { // the browser gave up (HTTP error): retry ourselves
          es.close();
          retryTimer = setTimeout(connect, backoff);
          backoff = Math.min(backoff * 2, 30000);
        }
        setState(state === 'offline' ? 'offline' : 'reconnecting');
        startPolling();
        refreshNow().then(function () {
          if (!es || es.readyState !== 1) setState('polling');
        }, function () {});
      };
      (opts.events || []).concat(['message']).forEach(function (name) {
        es.addEventListener(name, onEvent(name));
      });
    }

    setState('connecting');
    connect();
    armSafety();
    window.addEventListener('online', schedule);
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden) schedule();
    });
    return { refreshNow: refreshNow, state: function () { return state; }, saw: saw };
  };

  // tags holds, per path, the last ETag and data of a GET (SW.api), so a repeated
  // read of an unchanged answer costs a 304 and no body (docs/api.md).
  var tags = {};

  // SW.skew is the server's clock minus this one, from the last answer's Date.
  // SW.el makes an element with an optional class and text (never HTML:
  // patient names go in as text).
  SW.el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // SW.later returns a function that runs load (a promise) at most once per
  // ms, ms after the first call of a burst; a failure is left to the next run.
  SW.later = function (load, ms) {
    var timer = null;
    return function () {
      if (timer) return;
      timer = setTimeout(function () { timer = null; load().catch(function () {}); }, ms);
    };
  };

  // SW.busy marks button b as working (on) or done (off), and SW.isBusy
  // tells; handlers ignore a busy button. It sets aria-disabled, not
  // disabled: Chromium takes focus away from a focused button that becomes
  // disabled, so a keyboard user who pressed it would find their focus back
  // at the start of the page (docs/testing.md, the keyboard walk-through).
  SW.busy = function (b, on) {
    if (on) b.setAttribute('aria-disabled', 'true');
    else b.removeAttribute('aria-disabled');
  };
  SW.isBusy = function (b) { return b.getAttribute('aria-disabled') === 'true'; };

  SW.skew = 0;

  // SW.versionOf returns the queue version of the last tagged answer for path
  // (from its ETag, "v<version>-…"), or 0.
  SW.versionOf = function (path) {
    var m = tags[path] && /^(?:W\/)?"v(\d+)-/.exec(tags[path].etag);
    return m ? parseInt(m[1], 10) : 0;
  };

  // SW.api fetches a JSON API path and resolves with the envelope's data. It
  // rejects with an Error carrying .status and .code on an error envelope, and
  // with .status 0 when the server cannot be reached. A GET sends the ETag of
  // the last answer for the path and, on 304, resolves with that answer's data.
  SW.api = function (method, path, body) {
    var init = { method: method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var held = method === 'GET' ? tags[path] : undefined;
    if (held) init.headers['If-None-Match'] = held.etag;
    return fetch(path, init).then(function (res) {
      var date = res.headers.get('Date');
      if (date) SW.skew = Date.parse(date) - Date.now();
      if (res.status === 304 && held) return JSON.parse(held.data); // a fresh copy: pages may change theirs
      return res.json().catch(function () { return {}; }).then(function (j) {
        var etag = res.headers.get('ETag');
        if (method === 'GET' && res.ok && j.success && etag) tags[path] = { etag: etag, data: JSON.stringify(j.data) };
        if (res.ok && j.success) return j.data;
        var err = new Error((j.error && j.error.message) || SW.t('conn.failed', { status: res.status }));
        err.status = res.status;
        err.code = j.error && j.error.code;
        err.field = j.error && j.error.details && j.error.details.field;
        err.retryAfter = parseInt(res.headers.get('Retry-After'), 10) || 0;
        throw err;
      });
    }, function (e) {
      var err = new Error(SW.t('conn.unreachable'));
      err.status = 0;
      err.cause = e;
      throw err;
    });
  };
})();
