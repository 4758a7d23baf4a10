// status.js: the patient's live status page. The server renders the state at load;
// this keeps it current over SSE (polling as fallback), counts the estimated wait
// down between updates, alerts on "get ready" and "your turn", remembers the
// check-in on this device and keeps the last known state for offline visits.
//
// Events are rendered as they come: position_update, get_ready and
// patient_called carry this ticket's position, estimate, range, status and
// room, and the patients room's queue_update carries the queue length and every
// queue version. The page reads GET /api/position only when live.js says it
// must (reconnect, a version gap, resync, the tab coming back, the safety poll).
// Nothing older than what is shown is ever rendered: an event or a REST answer
// at a version below the one on screen is dropped.
//
// Versions count per line (docs/lines.md). The patients room carries every
// line's queue_update: the page follows its own line's only. A transfer moves
// the ticket to another line, whose versions are its own: the ticket's first
// event from there (position_update, with the new line) starts the count anew.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var root = document.getElementById('status');
  if (!root) return;
  var $ = function (id) { return document.getElementById(id); };
  var id = root.getAttribute('data-id');
  var ready = root.getAttribute('data-ready') === 'true'; // the get-ready notice went out
  var lastKey = 'smartwait.last.' + id;

  var shown = parseInt(root.getAttribute('data-version'), 10) || 0; // the line's version on screen
  var line = root.getAttribute('data-line') || ''; // the ticket's line
  var cur = {
    patientId: id,
    ticketNumber: root.getAttribute('data-ticket'),
    status: root.getAttribute('data-status'),
    position: parseInt(root.getAttribute('data-position'), 10) || 0,
    estimatedWait: parseInt(root.getAttribute('data-wait'), 10) || 0,
    estimatedWaitLow: parseInt(root.getAttribute('data-wait-low'), 10) || 0,
    estimatedWaitHigh: parseInt(root.getAttribute('data-wait-high'), 10) || 0,
    queueLength: parseInt(root.getAttribute('data-queue-length'), 10) || 0,
    room: root.getAttribute('data-room') || ''
  };
  var stage = stageOf(cur);
  var waitAnchor = { minutes: cur.estimatedWait, low: cur.estimatedWaitLow, high: cur.estimatedWaitHigh, at: Date.now() };

  function stageOf(s) {
    switch (s.status) {
      case 'waiting': return ready ? 'ready' : 'waiting';
      case 'called': return 'called';
      case 'completed': return 'done';
      default: return 'gone';
    }
  }

  // The stage's words, as the server renders them (stageText in page_patient.go).
  function keyOf(s, st) {
    if (st !== 'gone') return st;
    return s.status === 'no_show' ? 'noShow' : 'left';
  }

  function titleOf(s, st) { return SW.t('status.' + keyOf(s, st) + '.title'); }

  function detailOf(s, st) {
    if (st === 'called') return s.room ? SW.t('status.called.room', { room: s.room }) : SW.t('status.called.desk');
    return SW.t('status.' + keyOf(s, st) + '.detail');
  }

  function setText(el, v) { if (el && el.textContent !== String(v)) el.textContent = v; }

  // remaining counts an estimate (default: the point) down by the minutes since
  // it last changed.
  function remaining(minutes) {
    var gone = Math.floor((Date.now() - waitAnchor.at) / 60000);
    return Math.max(0, (minutes === undefined ? waitAnchor.minutes : minutes) - gone);
  }

  function renderWait() {
    if (cur.status !== 'waiting') return;
    setText($('wait'), remaining());
    // The likely range, counted down alike; shown only when it is a range.
    var low = remaining(waitAnchor.low || 0), high = remaining(waitAnchor.high || 0);
    $('wait-range').hidden = !(high > low);
    setText($('wait-low'), low);
    setText($('wait-high'), high);
    var ago = Math.floor((Date.now() - waitAnchor.at) / 60000);
    var note = SW.t('status.waitingTotal', { n: cur.queueLength }) + ' ';
    note += ago < 1 ? SW.t('status.updatedNow') : SW.t('status.updatedAgo', { minutes: ago });
    setText($('wait-note'), note);
  }

  // render shows cur with the fields of s (a whole status or part of one).
  function render(s, why) {
    var next = Object.assign({}, cur, s);
    if (next.estimatedWait !== cur.estimatedWait || next.position !== cur.position || next.status !== cur.status ||
        next.estimatedWaitLow !== cur.estimatedWaitLow || next.estimatedWaitHigh !== cur.estimatedWaitHigh) {
      waitAnchor = { minutes: next.estimatedWait || 0, low: next.estimatedWaitLow || 0, high: next.estimatedWaitHigh || 0, at: Date.now() };
    }
    cur = next;
    var st = stageOf(cur), before = stage;
    stage = st;
    root.className = 'status stage-' + st;
    root.setAttribute('data-status', cur.status);
    setText($('ticket'), cur.ticketNumber);
    setText($('stage-title'), titleOf(cur, st));
    setText($('stage-detail'), detailOf(cur, st));
    $('facts').hidden = cur.status !== 'waiting';
    if (cur.status === 'waiting') setText($('position'), cur.position);
    else setText($('wait-note'), '');
    $('leave').hidden = !(cur.status === 'waiting' || cur.status === 'called');
    renderWait();
    if (st !== before && why !== 'initial') alertFor(st);
    remember();
  }

  function alertFor(st) {
    if (st === 'ready') {
      SW.alerts.chime([523, 659]);
      SW.alerts.vibrate([200, 100, 200]);
      SW.alerts.notify(SW.t('status.notify.readyTitle'), SW.t('status.notify.readyBody', { ticket: cur.ticketNumber }));
    } else if (st === 'called') {
      SW.alerts.chime([523, 659, 784]);
      SW.alerts.vibrate([400, 150, 400, 150, 400]);
      SW.alerts.notify(SW.t('status.notify.calledTitle'), SW.t('status.notify.calledBody', { ticket: cur.ticketNumber, detail: detailOf(cur, st) }));
    }
  }

  // The stage's words are in the live region #announce (aria-live, there
  // since the page loaded, so screen readers listen to it): a new stage is a
  // change of its text, which they read out. sayAgain makes the same words a
  // change too (a recall): emptied, then filled a moment later.
  var sayTimer = null;
  function sayAgain() {
    var title = $('stage-title'), detail = $('stage-detail');
    title.textContent = '';
    detail.textContent = '';
    clearTimeout(sayTimer);
    sayTimer = setTimeout(function () {
      setText(title, titleOf(cur, stage));
      setText(detail, detailOf(cur, stage));
    }, 150);
  }

  // remember keeps this check-in in "My check-ins" and the last state for offline.
  function remember() {
    try {
      var list = JSON.parse(localStorage.getItem('smartwait.checkins') || '[]');
      list = list.filter(function (c) { return c.id !== id; });
      // The ticket's clinic ('' for the default clinic), so "My check-ins"
      // links to its own clinic's status page and names it on the others'.
      list.unshift({ id: id, ticket: cur.ticketNumber, savedAt: Date.now(),
        clinic: document.body.getAttribute('data-clinic') || '', clinicName: root.getAttribute('data-clinic-name') || '' });
      localStorage.setItem('smartwait.checkins', JSON.stringify(list.slice(0, 10)));
      localStorage.setItem(lastKey, JSON.stringify({ at: Date.now(), status: cur, ready: ready }));
    } catch (_) { /* private mode: nothing to remember */ }
  }

  // fresh reports whether something at version v of line l may replace what
  // is shown, and then marks it shown. Events without a version (none today)
  // always may; so does the first news from the ticket's new line.
  function fresh(v, l) {
    if (l && l !== line) { line = l; shown = typeof v === 'number' ? v : 0; return true; }
    if (typeof v !== 'number') return true;
    if (v < shown) return false;
    shown = v;
    return true;
  }

  // follows keeps the patients room's news of other lines away: personal
  // events are always this ticket's.
  function follows(name, d) {
    return name !== 'queue_update' || !d.line || !line || d.line === line;
  }

  function refresh() {
    return SW.api('GET', '/api/position/' + encodeURIComponent(id)).then(function (s) {
      live.saw(s.version, s.line || line);
      if (!fresh(s.version, s.line)) return; // events newer than this answer are on screen
      ready = ready || !!s.ready;
      render(s, 'refresh');
    }, function (err) {
      if (err.status === 404) { location.reload(); return; } // the server forgot it: show "not found"
      throw err;
    });
  }

  // Offline (a page served by the service worker): the last state this device saw
  // is newer than the cached HTML.
  try {
    var last = JSON.parse(localStorage.getItem(lastKey) || 'null');
    if (last && !navigator.onLine) {
      cur = Object.assign(cur, last.status);
      ready = ready || !!last.ready;
    }
  } catch (_) { /* ignore */ }
  render(cur, 'initial');

  // apply renders one event; false asks live.js for a REST read instead.
  function apply(name, d) {
    switch (name) {
      case 'position_update':
        if (d.patientId !== id) return false;
        if (!fresh(d.version, d.line)) return true;
        render(pick(d, ['position', 'estimatedWait', 'estimatedWaitLow', 'estimatedWaitHigh', 'status', 'queueLength']), 'event');
        return true;
      case 'get_ready':
        ready = true; // once per ticket, whatever its version
        if (fresh(d.version, d.line)) render(pick(d, ['position', 'estimatedWait', 'estimatedWaitLow', 'estimatedWaitHigh']), 'event');
        else render({}, 'event');
        return true;
      case 'patient_called':
        if (d.room) cur.room = d.room;
        if (!fresh(d.version, d.line)) return true;
        if (stage === 'called') { render({}, 'event'); sayAgain(); alertFor('called'); return true; } // a recall: say it again
        render({ status: 'called', position: 0, estimatedWait: 0, estimatedWaitLow: 0, estimatedWaitHigh: 0 }, 'event');
        return true;
      case 'queue_update':
        if (typeof d.queueLength !== 'number') return false;
        if (fresh(d.version, d.line)) render({ queueLength: d.queueLength }, 'event');
        return true;
    }
    return false;
  }

  function pick(d, keys) {
    var o = {};
    keys.forEach(function (k) { if (d[k] !== undefined) o[k] = d[k]; });
    return o;
  }

  var live = SW.live({
    url: '/api/events/patient/' + encodeURIComponent(id),
    events: ['position_update', 'patient_called', 'get_ready', 'queue_update', 'resync'],
    version: shown,
    line: line,
    refresh: refresh,
    apply: apply,
    follows: follows
  });
  setInterval(renderWait, 15000);

  // Leave the queue, after a confirmation.
  // The button goes once the patient has left: focus moves to the page's
  // heading, which now says so, rather than falling to the start of the page.
  $('leave').addEventListener('click', function () {
    var btn = $('leave');
    if (SW.isBusy(btn)) return;
    if (!window.confirm(SW.t('status.leaveConfirm'))) return;
    SW.busy(btn, true);
    SW.api('DELETE', '/api/checkin/' + encodeURIComponent(id)).then(function () {
      render({ status: 'cancelled', position: 0, estimatedWait: 0, estimatedWaitLow: 0, estimatedWaitHigh: 0 }, 'refresh');
      var h = $('stage-title');
      h.tabIndex = -1;
      h.focus();
    }, function (err) {
      window.alert(err.status === 0 ? err.message : SW.t('status.leaveFailed'));
    }).finally(function () { SW.busy(btn, false); });
  });

  // Turn alerts: sound needs a tap, notifications a permission.
  var on = $('alerts-on');
  if (SW.alerts.canNotify() && Notification.permission === 'default') on.hidden = false;
  on.addEventListener('click', function () {
    SW.alerts.unlock();
    Notification.requestPermission().finally(function () { on.hidden = true; });
  });
  document.addEventListener('pointerdown', SW.alerts.unlock, { once: true });
})();
