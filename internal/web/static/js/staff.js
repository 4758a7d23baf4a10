// staff.js: the reception dashboard. The queue, today's figures and the wait chart
// are loaded from the staff API and reloaded on every staff event (polling when
// events cannot flow). Buttons call the API; the session cookie authenticates them
// and the browser's Origin header passes the server's CSRF check.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var $ = function (id) { return document.getElementById(id); };
  var body = $('queue-body');
  var rows = []; // the last loaded queue
  var known = null; // patient ids seen so far (null until the first load)
  var skew = 0; // server time − local time, from the Date header

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

  function act(method, path, payload, done) {
    return SW.api(method, path, payload).then(done, failed).then(function () { live.refreshNow().catch(function () {}); });
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

  function renderQueue(list) {
    rows = list;
    $('queue-count').textContent = '(' + list.length + ')';
    body.textContent = '';
    if (!list.length) {
      var tr = el('tr'), td = el('td', 'empty', 'Nobody is waiting.');
      td.colSpan = 8;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    list.forEach(function (q) {
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
      var st = q.status === 'called'
        ? 'Called' + (q.room ? ' · ' + q.room : '')
        : 'Waiting · #' + q.position;
      tr.appendChild(el('td', 'status-cell', st));
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
      body.appendChild(tr);
    });
    tick();
  }

  // tick updates the waiting times every second.
  function tick() {
    var now = Date.now() + skew;
    body.querySelectorAll('td.waited').forEach(function (td) {
      var from = Date.parse(td.getAttribute('data-from'));
      var until = td.getAttribute('data-until');
      td.textContent = duration((until ? Date.parse(until) : now) - from);
    });
  }

  function newPatients(list) {
    var fresh = [];
    var ids = {};
    list.forEach(function (q) {
      ids[q.patientId] = true;
      if (known && !known[q.patientId]) fresh.push(q);
    });
    known = Object.assign(known || {}, ids);
    if (fresh.length) {
      toast('New patient: ' + fresh.map(function (q) { return q.ticketNumber + ' ' + q.patient.name; }).join(', '), 'new');
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
    return fetch('/api/staff/queue', { credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      var d = res.headers.get('Date');
      if (d) skew = Date.parse(d) - Date.now();
      if (res.status === 401) { location.href = '/staff/login'; throw new Error('signed out'); }
      return res.json().then(function (j) {
        if (!res.ok) throw new Error(j.error ? j.error.message : 'queue failed');
        newPatients(j.data);
        renderQueue(j.data);
      });
    });
  }

  function refresh() {
    return Promise.all([
      loadQueue(),
      SW.api('GET', '/api/staff/stats').then(renderStats),
      SW.api('GET', '/api/staff/waits').then(function (points) { SW.chart($('chart'), points, Date.now() + skew); })
    ]);
  }

  var live = SW.live({
    url: '/api/events/staff',
    events: ['new_patient', 'queue_update', 'queue_refresh', 'snapshot'],
    refresh: refresh
  });
  setInterval(tick, 1000);
  // The SMS alert can end without any queue event: re-read the figures now and then.
  setInterval(function () { SW.api('GET', '/api/staff/stats').then(renderStats, function () {}); }, 30000);

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
      live.refreshNow().catch(function () {});
    });
  });
  document.addEventListener('pointerdown', SW.alerts.unlock, { once: true });
})();
