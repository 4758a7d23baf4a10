// live.js keeps a page up to date: Server-Sent Events while they flow, polling the
// REST API while they do not, and an indicator that says which. Every event just
// schedules a refresh of the page's REST snapshot, so the page shows exactly what
// the API says whatever the event carried, and a missed event cannot leave it wrong.
(function () {
  'use strict';
  var SW = (window.SmartWait = window.SmartWait || {});

  var LABELS = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    polling: 'Live updates paused — checking every few seconds',
    offline: 'Offline — showing the last known state'
  };

  // SW.live({url, events, refresh, onEvent, pollMs, labels, indicator}) starts the
  // connection. refresh() must return a promise that rejects when the server
  // cannot be reached. Returns {refreshNow, state}.
  SW.live = function (opts) {
    var labels = Object.assign({}, LABELS, opts.labels || {});
    var indicator = opts.indicator || document.getElementById('conn');
    var text = indicator && indicator.querySelector('#conn-text');
    var pollMs = opts.pollMs || 10000;
    var es = null, state = '', pollTimer = null, retryTimer = null, backoff = 2000;
    var running = false, dirty = false, debounce = null;

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
        schedule();
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
    window.addEventListener('online', schedule);
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden) schedule();
    });
    return { refreshNow: refreshNow, state: function () { return state; } };
  };

  // SW.api fetches a JSON API path and resolves with the envelope's data. It
  // rejects with an Error carrying .status and .code on an error envelope, and
  // with .status 0 when the server cannot be reached.
  SW.api = function (method, path, body) {
    var init = { method: method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (j) {
        if (res.ok && j.success) return j.data;
        var err = new Error((j.error && j.error.message) || ('Request failed (' + res.status + ')'));
        err.status = res.status;
        err.code = j.error && j.error.code;
        throw err;
      });
    }, function (e) {
      var err = new Error('Cannot reach the server');
      err.status = 0;
      err.cause = e;
      throw err;
    });
  };
})();
