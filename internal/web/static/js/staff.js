// staff.js: the reception dashboard. The queue, today's figures and the wait chart
// are loaded from the staff API; buttons call the API, the session cookie
// authenticates them and the browser's Origin header passes the CSRF check.
//
// The queue follows the staff events as deltas (issue 17): new_patient inserts a
// row, queue_update moves a called row to the top or removes a finished one,
// queue_refresh replaces the list. Rows are keyed by patient id and only what
// changed is touched in the DOM; at most `limit` rows are rendered (more on
// request), so a queue of 1,000 stays cheap to lay out. The queue is re-read
// only as live.js's refresh rule says (reconnect, a version gap, resync, an
// event it cannot apply, the tab coming back, the safety poll); the figures at
// most every few seconds and the chart at most every half minute while events
// flow.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var $ = function (id) { return document.getElementById(id); };
  var body = $('queue-body');
  var called = [], waiting = []; // the queue: called (earliest call first, as the API), then waiting in order
  var rows = {}; // patient id → {tr, shape, status}: the rendered rows, keyed
  var known = null; // patient ids seen so far (null until the first load)
  var shown = 0; // the queue version on screen
  var PAGE = 200;
  var limit = PAGE; // rows rendered; "Show more" raises it
  var STATS_MS = 5000, CHART_MS = 30000;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function clock(iso) {
    if (!iso) return '';
    return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function duration(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var mm = (h ? String(m).padStart(2, '0') : String(m)) + ':' + String(sec).padStart(2, '0');
    return h ? h + ':' + mm : mm;
  }

  var toastTimer = null;
  function toast(msg, kind) {
    var t = $('toast');
    t.textContent = msg;
    t.className = 'toast ' + (kind || '');
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 8000);
  }

  function failed(err) {
    if (err.status === 401) { location.href = '/staff/login'; return; }
    toast(err.message, 'error');
  }

  // act calls the API; the change comes back as events, so the page re-reads
  // only when events are not flowing.
  function act(method, path, payload, done) {
    return SW.api(method, path, payload).then(done, failed).then(function () {
      if (live.state() !== 'live') live.refreshNow().catch(function () {});
    });
  }

  function button(label, cls, onClick) {
    var b = el('button', cls, label);
    b.type = 'button';
    b.addEventListener('click', function () {
      b.disabled = true;
      Promise.resolve(onClick()).finally(function () { b.disabled = false; });
    });
    return b;
  }

  function statusText(q) {
    return q.status === 'called' ? 'Called' + (q.room ? ' · ' + q.room : '') : 'Waiting · #' + q.position;
  }

  // buildRow makes the row of one ticket, with its buttons.
  function buildRow(q) {
    var tr = el('tr', 'row-' + q.status);
    tr.setAttribute('data-id', q.patientId);
    tr.setAttribute('data-ticket', q.ticketNumber);
    var th = el('th', 'ticket-cell', q.ticketNumber);
    th.scope = 'row';
    tr.appendChild(th);
    tr.appendChild(el('td', 'name-cell', q.patient.name));
    var phone = el('td', 'phone-cell');
    var a = el('a', '', q.patient.phone);
    a.href = 'tel:' + q.patient.phone;
    phone.appendChild(a);
    tr.appendChild(phone);
    tr.appendChild(el('td', '', q.appointmentTime));
    tr.appendChild(el('td', '', clock(q.checkInTime)));
    var waited = el('td', 'waited');
    waited.setAttribute('data-from', q.checkInTime);
    if (q.calledAt) waited.setAttribute('data-until', q.calledAt);
    tr.appendChild(waited);
    var status = el('td', 'status-cell', statusText(q));
    tr.appendChild(status);
    var actions = el('td', 'actions-cell');
    var who = q.ticketNumber + ' (' + q.patient.name + ')';
    actions.appendChild(button('Complete', 'small primary', function () {
      return act('POST', '/api/staff/complete', { patientId: q.patientId }, function () { toast(who + ' completed.'); });
    }));
    if (q.status === 'called') {
      actions.appendChild(button('Recall', 'small secondary', function () {
        return act('POST', '/api/staff/recall', { patientId: q.patientId }, function () { toast(who + ' called again.'); });
      }));
    }
    actions.appendChild(button('No-show', 'small secondary', function () {
      return act('POST', '/api/staff/no-show', { patientId: q.patientId }, function () { toast(who + ' marked as no-show.'); });
    }));
    actions.appendChild(button('Remove', 'small danger', function () {
      if (!window.confirm('Remove ' + who + ' from the queue?')) return;
      return act('DELETE', '/api/checkin/' + encodeURIComponent(q.patientId), undefined, function () { toast(who + ' removed.'); });
    }));
    tr.appendChild(actions);
    return { tr: tr, status: status };
  }

  // rowOf returns q's row, rebuilt only when what its cells and buttons show
  // changed; the position in its status cell is updated in place.
  function rowOf(q) {
    var shape = q.status + '|' + (q.room || '') + '|' + (q.calledAt || '');
    var r = rows[q.patientId];
    if (!r || r.shape !== shape) {
      if (r && r.tr.parentNode) r.tr.parentNode.removeChild(r.tr);
      r = buildRow(q);
      r.shape = shape;
      rows[q.patientId] = r;
    }
    var st = statusText(q);
    if (r.status.textContent !== st) r.status.textContent = st;
    return r.tr;
  }

  // renderQueue brings the table in line with the model, touching only rows
  // that moved, changed, came or went, and rendering at most limit rows.
  function renderQueue() {
    waiting.forEach(function (q, i) { q.position = i + 1; });
    var list = called.concat(waiting);
    $('queue-count').textContent = '(' + list.length + ')';
    var more = $('queue-more');
    more.hidden = list.length <= limit;
    more.textContent = 'Show ' + Math.min(PAGE, list.length - limit) + ' more (' + (list.length - limit) + ' not shown)';
    var want = list.slice(0, limit), keep = {};
    want.forEach(function (q) { keep[q.patientId] = true; });
    Object.keys(rows).forEach(function (id) {
      if (keep[id]) return;
      var tr = rows[id].tr;
      if (tr.parentNode) tr.parentNode.removeChild(tr);
      delete rows[id];
    });
    Array.prototype.slice.call(body.children).forEach(function (tr) {
      if (!tr.hasAttribute('data-id')) body.removeChild(tr); // "Loading…", "Nobody is waiting."
    });
    if (!list.length) {
      var tr = el('tr'), td = el('td', 'empty', 'Nobody is waiting.');
      td.colSpan = 8;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    var trs = want.map(rowOf); // before the walk: a rebuilt row leaves the table
    var cursor = body.firstChild;
    trs.forEach(function (row) {
      if (row === cursor) cursor = cursor.nextSibling;
      else body.insertBefore(row, cursor);
    });
    tick();
  }

  // setQueue replaces the model with a whole list of QueueEntry (REST, queue_refresh).
  function setQueue(list) {
    called = list.filter(function (q) { return q.status === 'called'; });
    waiting = list.filter(function (q) { return q.status === 'waiting'; });
    renderQueue();
  }

  function find(id) {
    for (var i = 0; i < called.length; i++) if (called[i].patientId === id) return { list: called, i: i };
    for (var j = 0; j < waiting.length; j++) if (waiting[j].patientId === id) return { list: waiting, i: j };
    return null;
  }

  // fresh reports whether something at version v may replace what is shown.
  function fresh(v) {
    if (typeof v !== 'number') return true;
    if (v < shown) return false;
    shown = v;
    return true;
  }

  // apply applies one staff event to the queue; false asks for a re-read.
  function apply(name, d) {
    if (name === 'queue_refresh') {
      if (!Array.isArray(d.data)) return false;
      if (fresh(d.version)) { newPatients(d.data); setQueue(d.data); }
      return true;
    }
    if (name === 'new_patient') {
      var p = d.patient;
      if (!p || !p.id) return false;
      if (!fresh(d.version) || find(p.id)) return true;
      var q = {
        id: p.id, patientId: p.id, patient: { id: p.id, name: p.name, phone: p.phone, createdAt: p.checkInTime },
        ticketNumber: p.ticketNumber, position: p.position, status: 'waiting', checkInTime: p.checkInTime,
        appointmentTime: p.appointmentTime || '', calledAt: null, completedAt: null
      };
      waiting.splice(Math.max(0, Math.min(waiting.length, (p.position || waiting.length + 1) - 1)), 0, q);
      newPatients([q]);
      renderQueue();
      statsSoon();
      return true;
    }
    if (name !== 'queue_update' || !d.patientId) return false;
    if (!fresh(d.version)) return true;
    var at = find(d.patientId);
    switch (d.type) {
      case 'position_change': // a check-in: its new_patient came first
        return !!at;
      case 'patient_called':
        if (!at || d.recall || at.list !== waiting) return false; // a recall reorders: re-read
        var c = waiting.splice(at.i, 1)[0];
        c = Object.assign({}, c, { status: 'called', room: d.room || '', calledAt: d.timestamp, position: 0 });
        called.push(c);
        break;
      case 'patient_completed':
      case 'patient_no_show':
      case 'patient_cancelled':
        if (at) at.list.splice(at.i, 1); // its queue_refresh follows
        break;
      default:
        return false;
    }
    renderQueue();
    statsSoon();
    return true;
  }

  // tick updates the waiting times every second.
  function tick() {
    var now = Date.now() + SW.skew;
    body.querySelectorAll('td.waited').forEach(function (td) {
      var from = Date.parse(td.getAttribute('data-from'));
      var until = td.getAttribute('data-until');
      td.textContent = duration((until ? Date.parse(until) : now) - from);
    });
  }

  function newPatients(list) {
    var added = [];
    var ids = {};
    list.forEach(function (q) {
      ids[q.patientId] = true;
      if (known && !known[q.patientId]) added.push(q);
    });
    known = Object.assign(known || {}, ids);
    if (added.length) {
      toast('New patient: ' + added.map(function (q) { return q.ticketNumber + ' ' + q.patient.name; }).join(', '), 'new');
      SW.alerts.chime([784, 988]);
    }
  }

  function setStat(id, v) { $(id).textContent = v === undefined || v === null ? '–' : v; }

  function renderStats(s) {
    // Why texts are not going out (the breaker on confirmation texts): the API
    // says it in smsAlert, absent when all is well.
    var alert = $('sms-alert');
    alert.textContent = s.smsAlert || '';
    alert.hidden = !s.smsAlert;
    setStat('st-waiting', s.totalWaiting);
    setStat('st-called', s.totalCalled);
    setStat('st-completed', s.totalCompleted);
    setStat('st-noshow', s.totalNoShow);
    setStat('st-avgwait', s.averageWaitTime);
    setStat('st-avgservice', s.averageServiceTime);
    if (s.estimateSamples) {
      setStat('st-error', '±' + s.estimateMeanAbsError);
      $('st-error-note').textContent = Math.round(s.estimateUnderShare * 100) + '% waited longer than quoted, ' +
        Math.round((s.estimateLateShare || 0) * 100) + '% by over 10 min · ' + s.estimateSamples + ' completed visits';
    } else {
      setStat('st-error', '–');
      $('st-error-note').textContent = 'No completed visit yet today';
    }
  }

  function loadQueue() {
    return SW.api('GET', '/api/staff/queue').then(function (list) {
      var v = SW.versionOf('/api/staff/queue');
      live.saw(v);
      if (!fresh(v)) return; // events newer than this answer are on screen
      newPatients(list);
      setQueue(list);
    }, function (err) {
      if (err.status === 401) { location.href = '/staff/login'; }
      throw err;
    });
  }

  function loadStats() { return SW.api('GET', '/api/staff/stats').then(renderStats); }
  function loadChart() {
    return SW.api('GET', '/api/staff/waits').then(function (points) { SW.chart($('chart'), points, Date.now() + SW.skew); });
  }

  // later runs load at most once per ms, ms after the first call of a burst.
  function later(load, ms) {
    var timer = null;
    return function () {
      if (timer) return;
      timer = setTimeout(function () { timer = null; load().catch(function () {}); }, ms);
    };
  }
  var statsLater = later(loadStats, STATS_MS), chartLater = later(loadChart, CHART_MS);
  function statsSoon() { statsLater(); chartLater(); }

  function refresh() {
    return Promise.all([loadQueue(), loadStats(), loadChart()]);
  }

  var live = SW.live({
    url: '/api/events/staff',
    events: ['new_patient', 'queue_update', 'queue_refresh', 'resync'],
    refresh: refresh,
    apply: apply
  });
  setInterval(tick, 1000);
  // The SMS alert can end without any queue event: re-read the figures now and then.
  setInterval(function () { loadStats().catch(function () {}); }, 30000);
  $('queue-more').addEventListener('click', function () { limit += PAGE; renderQueue(); });

  // Call next, to the room typed (remembered on this desk).
  var room = $('room');
  try { room.value = localStorage.getItem('smartwait.room') || room.value; } catch (_) { /* ignore */ }
  $('call-form').addEventListener('submit', function (e) {
    e.preventDefault();
    SW.alerts.unlock();
    var b = $('call-next');
    b.disabled = true;
    try { localStorage.setItem('smartwait.room', room.value); } catch (_) { /* ignore */ }
    SW.api('POST', '/api/staff/call-next', { room: room.value }).then(function (c) {
      $('call-result').textContent = 'Called ' + c.ticketNumber + ' (' + c.name + ')' + (c.room ? ' to ' + c.room : '') + '.';
    }, function (err) {
      if (err.code === 'NO_PATIENTS_WAITING') $('call-result').textContent = 'Nobody is waiting.';
      else failed(err);
    }).finally(function () {
      b.disabled = false;
      if (live.state() !== 'live') live.refreshNow().catch(function () {});
    });
  });
  document.addEventListener('pointerdown', SW.alerts.unlock, { once: true });
})();
