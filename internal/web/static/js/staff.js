// staff.js: the reception dashboard's queue. The queue, today's figures and the
// wait chart are loaded from the staff API; buttons call the API, the session
// cookie authenticates them and the browser's Origin header passes the CSRF
// check. staff-desk.js adds the room picker, call next, "Add patient" and
// transfers on top (SW.staff below is what they share).
//
// The queue follows the staff events as deltas (issue 17): new_patient inserts a
// row, queue_update moves a called row up or removes a finished one,
// queue_refresh replaces one line's rows. Rows are keyed by patient id and only
// what changed is touched in the DOM; at most `limit` rows are rendered (more
// on request), so a queue of 1,000 stays cheap to lay out. The queue is re-read
// only as live.js's refresh rule says (reconnect, a version gap, resync, an
// event it cannot apply, the tab coming back, the safety poll); the figures at
// most every few seconds and the chart at most every half minute while events
// flow.
//
// Several lines (docs/lines.md): every event carries its line and versions
// count per line, so the model, the "never go back" check and the re-read are
// per line (GET /api/staff/queue?line=, whose ETag carries that line's
// version). Rows are grouped by line, line after line, each line's called
// patients first; a filter shows one line.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var $ = function (id) { return document.getElementById(id); };
  var body = $('queue-body');
  var DEFAULT = 'default';
  var lines = []; // [{slug, name, open}] by position: GET /api/staff/lines
  var rooms = []; // GET /api/staff/rooms
  var queues = {}; // line → {called: [...] (earliest call first), waiting: [...] (in order)}
  var where = {}; // patient id → line
  var shown = {}; // line → its version on screen
  var rows = {}; // key (patient id, or "line:<slug>") → {tr, shape, status}: the rendered rows
  var known = null; // patient ids seen so far (null until the first load)
  var filter = '';
  var metaHooks = [];
  var PAGE = 200;
  var limit = PAGE; // patient rows rendered; "Show more" raises it

  // Lines named on the page (the filter's options) until the API answers.
  Array.prototype.forEach.call($('line-filter').options, function (o) {
    if (o.value) lines.push({ slug: o.value, name: o.textContent, open: true });
  });
  try { filter = localStorage.getItem('smartwait.lineFilter') || ''; } catch (_) { /* ignore */ }

  var el = SW.el;
  var t = SW.t; // the page's words (#sw-text): staff.queue, .desk, .figures, .chart

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
    var box = $('toast');
    box.textContent = msg;
    box.className = 'toast ' + (kind || '');
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 8000);
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

  function button(label, cls, onClick, aria) {
    var b = el('button', cls, label);
    b.type = 'button';
    if (aria) b.setAttribute('aria-label', aria);
    b.addEventListener('click', function () {
      if (SW.isBusy(b)) return;
      SW.busy(b, true);
      Promise.resolve(onClick()).finally(function () { SW.busy(b, false); });
    });
    return b;
  }

  function multi() { return lines.length > 1; }

  function lineName(slug) {
    for (var i = 0; i < lines.length; i++) if (lines[i].slug === slug) return lines[i].name;
    return slug;
  }

  function queueOf(slug) { return queues[slug] || (queues[slug] = { called: [], waiting: [] }); }

  function statusText(q) {
    if (q.status !== 'called') return t('queue.waiting', { position: q.position });
    return q.room ? t('queue.calledRoom', { room: q.room }) : t('queue.called');
  }

  // buildRow makes the row of one ticket, with its buttons.
  function buildRow(q) {
    var id = q.patientId;
    var tr = el('tr', 'row-' + q.status + (q.urgent ? ' row-urgent' : ''));
    tr.setAttribute('data-key', id);
    tr.setAttribute('data-id', id);
    tr.setAttribute('data-ticket', q.ticketNumber);
    tr.setAttribute('data-line', q.line);
    var th = el('th', 'ticket-cell', q.ticketNumber);
    th.scope = 'row';
    if (q.urgent) th.appendChild(el('span', 'badge urgent', t('queue.urgentBadge')));
    tr.appendChild(th);
    var name = el('td', 'name-cell', q.patient.name);
    // The patient texted HERE (docs/sms.md): they are in the building.
    if (q.arrivedAt) name.appendChild(el('span', 'badge arrived', t('queue.arrivedBadge')));
    tr.appendChild(name);
    var phone = el('td', 'phone-cell');
    if (q.patient.phone) {
      var a = el('a', '', q.patient.phone);
      a.href = 'tel:' + q.patient.phone;
      phone.appendChild(a);
    } else {
      phone.appendChild(el('span', 'muted', t('queue.noPhone')));
    }
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
    var who = t('queue.who', { ticket: q.ticketNumber, name: q.patient.name });
    actions.appendChild(button(t('queue.complete'), 'small primary', function () {
      return act('POST', '/api/staff/complete', { patientId: id }, function () { toast(t('queue.completed', { who: who })); });
    }));
    if (q.status === 'called') {
      actions.appendChild(button(t('queue.recall'), 'small secondary', function () {
        return act('POST', '/api/staff/recall', { patientId: id }, function () { toast(t('queue.recalled', { who: who })); });
      }));
    }
    actions.appendChild(button(t('queue.noShow'), 'small secondary', function () {
      return act('POST', '/api/staff/no-show', { patientId: id }, function () { toast(t('queue.noShown', { who: who })); });
    }));
    if (q.status === 'waiting') {
      var urgent = button(t('queue.urgent'), 'small secondary toggle', function () {
        var at = find(id);
        var now = !(at && at.list[at.i].urgent);
        return act('POST', '/api/staff/priority', { patientId: id, urgent: now }, function () {
          toast(t(now ? 'queue.markedUrgent' : 'queue.unmarkedUrgent', { who: who }));
        });
      });
      urgent.setAttribute('aria-pressed', q.urgent ? 'true' : 'false');
      actions.appendChild(urgent);
      actions.appendChild(button('↑', 'small secondary', function () { return move(id, -1, who); }, t('queue.moveUp', { ticket: q.ticketNumber })));
      actions.appendChild(button('↓', 'small secondary', function () { return move(id, 1, who); }, t('queue.moveDown', { ticket: q.ticketNumber })));
    }
    if (multi()) {
      actions.appendChild(button(t('queue.transfer'), 'small secondary', function () { SW.staff.transfer(id); }));
    }
    actions.appendChild(button(t('queue.remove'), 'small danger', function () {
      if (!window.confirm(t('queue.removeConfirm', { who: who }))) return;
      return act('DELETE', '/api/checkin/' + encodeURIComponent(id), undefined, function () { toast(t('queue.removed', { who: who })); });
    }));
    tr.appendChild(actions);
    return { tr: tr, status: status };
  }

  // move swaps a waiting patient with the one before (by -1) or after (by 1)
  // them in their line: POST /api/staff/priority {before}.
  function move(id, by, who) {
    var at = find(id);
    if (!at || at.list !== queueOf(at.line).waiting) return;
    var other = at.list[at.i + by];
    if (!other) { toast(t(by < 0 ? 'queue.alreadyFirst' : 'queue.alreadyLast', { who: who })); return; }
    var body = by < 0 ? { patientId: id, before: other.patientId } : { patientId: other.patientId, before: id };
    return act('POST', '/api/staff/priority', body, function (e) {
      toast(t('queue.moved', { who: who, position: by < 0 ? e.position : e.position + 1 }));
    });
  }

  // rowOf returns q's row, rebuilt only when what its cells and buttons show
  // changed; the position in its status cell is updated in place.
  function rowOf(q) {
    var shape = [q.status, q.room || '', q.calledAt || '', q.urgent ? 1 : 0, q.line, multi() ? 1 : 0, q.arrivedAt || ''].join('|');
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

  // headOf returns the heading row of a line's group.
  function headOf(h) {
    var r = rows[h.key];
    if (!r) {
      var tr = el('tr', 'line-row');
      tr.setAttribute('data-key', h.key);
      tr.setAttribute('data-line-head', h.line);
      var th = el('th', 'line-head');
      th.colSpan = 8;
      tr.appendChild(th);
      r = rows[h.key] = { tr: tr, status: th };
    }
    var head = t(h.called ? 'queue.lineHeadServed' : 'queue.lineHead', { line: lineName(h.line), waiting: h.waiting, called: h.called });
    if (r.status.textContent !== head) r.status.textContent = head;
    return r.tr;
  }

  // lineOrder is every line with rows: by the lines' position, then any the
  // page has not heard of yet.
  function lineOrder() {
    var order = lines.map(function (l) { return l.slug; });
    Object.keys(queues).sort().forEach(function (s) { if (order.indexOf(s) < 0) order.push(s); });
    return order;
  }

  // renderQueue renders the table (renderRows) and keeps the keyboard focus
  // of a row it rebuilt or removed: Complete, No-show or Urgent pressed with
  // the keyboard must not drop focus to the start of the page. A rebuilt row
  // gets focus back on the same control; when the row left the table, focus
  // goes to the table's heading, from where Tab goes on into the rows.
  function renderQueue() {
    var a = document.activeElement;
    var tr = a && a !== body && body.contains(a) ? a.closest('tr[data-key]') : null;
    renderRows();
    if (!tr || body.contains(a)) return;
    var label = nameOf(a), r = rows[tr.getAttribute('data-key')];
    var same = r && r.tr.parentNode && Array.prototype.filter.call(r.tr.querySelectorAll('a, button'), function (c) {
      return nameOf(c) === label;
    })[0];
    if (same) {
      same.focus();
    } else {
      $('queue-title').tabIndex = -1;
      $('queue-title').focus();
    }
  }

  function nameOf(c) { return c.getAttribute('aria-label') || c.textContent; }

  // renderRows brings the table in line with the model, touching only rows
  // that moved, changed, came or went, and rendering at most limit patients.
  function renderRows() {
    var items = [], total = 0;
    lineOrder().forEach(function (slug) {
      var Q = queues[slug];
      if (!Q) return;
      Q.waiting.forEach(function (q, i) { q.position = i + 1; });
      if (filter && slug !== filter) return;
      var n = Q.called.length + Q.waiting.length;
      if (!n) return;
      if (multi()) items.push({ key: 'line:' + slug, line: slug, called: Q.called.length, waiting: Q.waiting.length });
      Q.called.concat(Q.waiting).forEach(function (q) { items.push({ key: q.patientId, q: q }); });
      total += n;
    });
    $('queue-count').textContent = t('queue.count', { n: total });
    var more = $('queue-more');
    more.hidden = total <= limit;
    more.textContent = t('queue.more', { n: Math.min(PAGE, total - limit), hidden: total - limit });
    var want = [], count = 0;
    for (var i = 0; i < items.length; i++) {
      if (items[i].q && count++ >= limit) break;
      want.push(items[i]);
    }
    if (want.length && !want[want.length - 1].q) want.pop(); // a heading with none of its rows
    var keep = {};
    want.forEach(function (it) { keep[it.key] = true; });
    Object.keys(rows).forEach(function (key) {
      if (keep[key]) return;
      var tr = rows[key].tr;
      if (tr.parentNode) tr.parentNode.removeChild(tr);
      delete rows[key];
    });
    Array.prototype.slice.call(body.children).forEach(function (tr) {
      if (!tr.hasAttribute('data-key')) body.removeChild(tr); // "Loading…", "Nobody is waiting."
    });
    if (!total) {
      var tr = el('tr'), td = el('td', 'empty', t('queue.empty'));
      td.colSpan = 8;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    var trs = want.map(function (it) { return it.q ? rowOf(it.q) : headOf(it); }); // before the walk: a rebuilt row leaves the table
    var cursor = body.firstChild;
    trs.forEach(function (row) {
      if (row === cursor) cursor = cursor.nextSibling;
      else body.insertBefore(row, cursor);
    });
    tick();
  }

  // drop takes a patient out of the model.
  function drop(id) {
    var at = find(id);
    if (at) at.list.splice(at.i, 1);
    delete where[id];
  }

  // setLine replaces one line's patients with a whole list of QueueEntry
  // (REST, queue_refresh).
  function setLine(slug, list) {
    var Q = { called: [], waiting: [] };
    var old = queues[slug];
    if (old) old.called.concat(old.waiting).forEach(function (q) { if (where[q.patientId] === slug) delete where[q.patientId]; });
    list.forEach(function (q) {
      if (q.status !== 'called' && q.status !== 'waiting') return;
      if (where[q.patientId] && where[q.patientId] !== slug) drop(q.patientId); // transferred here
      q.line = q.line || slug;
      where[q.patientId] = slug;
      (q.status === 'called' ? Q.called : Q.waiting).push(q);
    });
    queues[slug] = Q;
  }

  function find(id) {
    var slug = where[id], Q = queues[slug];
    if (!Q) return null;
    for (var i = 0; i < Q.called.length; i++) if (Q.called[i].patientId === id) return { list: Q.called, i: i, line: slug };
    for (var j = 0; j < Q.waiting.length; j++) if (Q.waiting[j].patientId === id) return { list: Q.waiting, i: j, line: slug };
    return null;
  }

  // fresh reports whether something at version v of a line may replace what
  // is shown of it.
  function fresh(slug, v) {
    if (typeof v !== 'number') return true;
    if (v < (shown[slug] || 0)) return false;
    shown[slug] = v;
    return true;
  }

  function lineKnown(slug) { return lines.some(function (l) { return l.slug === slug; }); }

  // apply applies one staff event to the queue; false asks for a re-read.
  function apply(name, d) {
    var slug = d.line || DEFAULT;
    if (!lineKnown(slug)) metaSoon(); // a line created since the page loaded
    if (name === 'queue_refresh') {
      if (!Array.isArray(d.data)) return false;
      if (fresh(slug, d.version)) {
        newPatients(d.data);
        setLine(slug, d.data);
        renderQueue();
      }
      return true;
    }
    if (name === 'new_patient') {
      var p = d.patient;
      if (!p || !p.id) return false;
      if (!fresh(slug, d.version)) return true;
      var at = find(p.id);
      if (at && at.line === slug) return true;
      if (at) drop(p.id); // a transfer: the row moves to its new line
      var q = {
        id: p.id, patientId: p.id, patient: { id: p.id, name: p.name, phone: p.phone, createdAt: p.checkInTime },
        ticketNumber: p.ticketNumber, position: p.position, status: 'waiting', checkInTime: p.checkInTime,
        appointmentTime: p.appointmentTime || '', calledAt: null, completedAt: null,
        line: slug, urgent: !!p.urgent, dueAt: p.dueAt || null
      };
      var W = queueOf(slug).waiting;
      W.splice(Math.max(0, Math.min(W.length, (p.position || W.length + 1) - 1)), 0, q);
      where[p.id] = slug;
      newPatients([q]);
      renderQueue();
      figures.soon();
      return true;
    }
    if (name !== 'queue_update') return false;
    if (d.type === 'line_updated') { // new settings, a room opened or closed: its queue_refresh follows
      fresh(slug, d.version);
      metaSoon();
      return true;
    }
    if (!d.patientId) return false;
    if (!fresh(slug, d.version)) return true;
    var it = find(d.patientId);
    switch (d.type) {
      case 'position_change': // a check-in (its new_patient came first) or a move (its queue_refresh follows)
        return !!it;
      case 'patient_arrived':
        if (!it) return false;
        it.list[it.i] = Object.assign({}, it.list[it.i], { arrivedAt: d.timestamp });
        break;
      case 'patient_called':
        if (!it || d.recall || it.line !== slug || it.list !== queueOf(slug).waiting) return false; // a recall reorders: re-read
        var c = it.list.splice(it.i, 1)[0];
        c = Object.assign({}, c, { status: 'called', room: d.room || '', calledAt: d.timestamp, position: 0 });
        queueOf(slug).called.push(c);
        break;
      case 'patient_completed':
      case 'patient_no_show':
      case 'patient_cancelled':
      case 'patient_transferred':
        if (it && it.line === slug) drop(d.patientId); // its queue_refresh or new_patient follows
        break;
      default:
        return false;
    }
    renderQueue();
    figures.soon();
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
      toast(t('queue.newPatients', {
        n: added.length,
        list: added.map(function (q) { return t('queue.newPatient', { ticket: q.ticketNumber, name: q.patient.name }); }).join(', ')
      }), 'new');
      SW.alerts.chime([784, 988]);
    }
  }

  function onAuthError(err) {
    if (err.status === 401) { location.href = '/staff/login'; }
    throw err;
  }

  // loadMeta reads the lines and rooms (names, order, open or closed).
  function loadMeta() {
    return Promise.all([SW.api('GET', '/api/staff/lines'), SW.api('GET', '/api/staff/rooms')]).then(function (r) {
      lines = r[0].map(function (l) { return { slug: l.slug, name: l.name, open: l.open }; });
      rooms = r[1];
      if (filter && !lineKnown(filter)) setFilter('');
      renderFilter();
      metaHooks.forEach(function (fn) { fn(); });
      if (known) renderQueue(); // names, headings and the Transfer button follow the lines
    }, onAuthError);
  }

  // loadQueue reads every line's queue, each with its own version.
  function loadQueue() {
    var got = [];
    return loadMeta().then(function () {
      return Promise.all(lines.map(function (l) {
        var path = '/api/staff/queue?line=' + encodeURIComponent(l.slug);
        return SW.api('GET', path).then(function (list) {
          var v = SW.versionOf(path);
          live.saw(v, l.slug);
          if (fresh(l.slug, v)) got.push([l.slug, list]); // else events newer than this answer are on screen
        }, function (err) {
          if (err.status === 404) { got.push([l.slug, []]); return; } // deleted meanwhile
          onAuthError(err);
        });
      }));
    }).then(function () {
      newPatients([].concat.apply([], got.map(function (g) { return g[1]; })));
      got.forEach(function (g) { setLine(g[0], g[1]); });
      Object.keys(queues).forEach(function (slug) { // lines deleted since
        if (!lineKnown(slug)) { setLine(slug, []); delete queues[slug]; }
      });
      renderQueue();
    });
  }


  // A line's or a room's change re-reads the names, order and rooms, at most
  // once a second.
  var metaSoon = SW.later(loadMeta, 1000);

  // The figures follow the line filter: one line's, or the whole clinic's.
  var figures = SW.staffFigures(function () { return filter && lineKnown(filter) ? filter : ''; });

  function refresh() {
    return Promise.all([loadQueue(), figures.load(), figures.chart()]);
  }

  // The line filter: one line's rows, or every line's.
  function setFilter(v) {
    filter = v;
    try { localStorage.setItem('smartwait.lineFilter', v); } catch (_) { /* ignore */ }
  }

  function renderFilter() {
    var sel = $('line-filter');
    var want = [''].concat(lines.map(function (l) { return l.slug; }));
    var have = Array.prototype.map.call(sel.options, function (o) { return o.value + '\n' + o.textContent; });
    var next = [['', t('queue.allLines')]].concat(lines.map(function (l) { return [l.slug, l.name]; }));
    if (have.join('\t') !== next.map(function (o) { return o.join('\n'); }).join('\t')) {
      sel.textContent = '';
      next.forEach(function (o) {
        var opt = el('option', '', o[1]);
        opt.value = o[0];
        sel.appendChild(opt);
      });
    }
    sel.value = want.indexOf(filter) >= 0 ? filter : '';
    $('filter-field').hidden = !multi();
  }
  $('line-filter').addEventListener('change', function (e) {
    setFilter(e.target.value);
    renderQueue();
    figures.load().catch(function () {});
  });
  renderFilter();

  var live = SW.live({
    url: '/api/events/staff',
    events: ['new_patient', 'queue_update', 'queue_refresh', 'resync'],
    refresh: refresh,
    apply: apply
  });
  setInterval(tick, 1000);
  $('queue-more').addEventListener('click', function () { limit += PAGE; renderQueue(); });
  document.addEventListener('pointerdown', SW.alerts.unlock, { once: true });

  // SW.staff is what staff-desk.js builds on.
  SW.staff = {
    lines: function () { return lines; },
    rooms: function () { return rooms; },
    setRoom: function (r) {
      rooms = rooms.map(function (x) { return x.name === r.name ? r : x; });
      metaHooks.forEach(function (fn) { fn(); });
    },
    onMeta: function (fn) { metaHooks.push(fn); },
    multi: multi,
    lineName: lineName,
    filter: function () { return filter; },
    find: function (id) {
      var at = find(id);
      return at && { entry: at.list[at.i], line: at.line };
    },
    toast: toast,
    failed: failed,
    afterAction: function () { if (live.state() !== 'live') live.refreshNow().catch(function () {}); },
    transfer: function () {} // staff-desk.js
  };
})();
