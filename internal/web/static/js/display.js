// display.js: the waiting-room TV. It shows ticket numbers and rooms only — the
// display API carries nothing else — chimes and flashes on each new call, and
// keeps the last state on screen with an "Updating…" hint while disconnected.
//
// /display?lines=a,lab follows the lines named (every line without). With one
// line it is the one-line display it always was; with several, the latest call
// stays large at the top and each line has a panel: the tickets it is serving
// now, in which room, and its waiting count and wait.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var $ = function (id) { return document.getElementById(id); };
  var lastCall = $('now').getAttribute('data-last-call'); // "ticket@calledAt" of the latest call shown
  var follow = $('tv').getAttribute('data-lines'); // "a,lab", or "" for every line
  var query = follow ? '?lines=' + encodeURIComponent(follow) : '';
  var flashTimer = null;
  var RECENT = 5; // calls listed, as GET /api/display gives them

  function callKey(c) { return c ? c.ticketNumber + '@' + c.calledAt : null; }

  var el = SW.el;

  function callItem(c) {
    var li = el('li');
    li.appendChild(el('span', 'r-ticket', c.ticketNumber));
    li.appendChild(el('span', 'r-room', c.room));
    return li;
  }

  // renderLines draws one panel per line.
  function renderLines(lines) {
    var box = $('tv-lines');
    box.textContent = '';
    lines.forEach(function (l) {
      var sec = el('section', 'tv-panel tv-line');
      sec.setAttribute('data-line', l.slug);
      sec.setAttribute('aria-labelledby', 'line-' + l.slug);
      var h = el('h2', '', l.name);
      h.id = 'line-' + l.slug;
      sec.appendChild(h);
      var ol = el('ol', 'recent serving');
      if (!l.serving.length) ol.appendChild(el('li', 'muted', 'No one called'));
      l.serving.forEach(function (c) { ol.appendChild(callItem(c)); });
      sec.appendChild(ol);
      var p = el('p', 'tv-line-figs');
      p.appendChild(el('span', 'n-waiting', String(l.waiting)));
      p.appendChild(document.createTextNode(' waiting · about '));
      p.appendChild(el('span', 'n-wait', String(l.typicalWait)));
      p.appendChild(document.createTextNode(' min'));
      sec.appendChild(p);
      box.appendChild(sec);
    });
  }

  var view = null; // the state on screen: GET /api/display's answer, kept up to date by apply
  var shown = {}; // line → its version on screen

  function render(v) {
    view = v;
    var grouped = (v.lines || []).length > 1;
    $('tv').classList.toggle('tv-grouped', grouped);
    $('tv-single').hidden = grouped;
    $('tv-lines').hidden = !grouped;
    if (grouped) renderLines(v.lines);
    var now = v.nowServing;
    $('now-ticket').textContent = now ? now.ticketNumber : '—';
    $('now-room-name').textContent = now && now.room ? now.room : '';
    $('now-room').hidden = !(now && now.room);
    var list = $('recent');
    list.textContent = '';
    if (!v.recentCalls.length) {
      var li = document.createElement('li');
      li.className = 'muted';
      li.textContent = 'No calls yet today';
      list.appendChild(li);
    }
    v.recentCalls.forEach(function (c) { list.appendChild(callItem(c)); });
    $('waiting').textContent = v.waiting;
    $('typical').textContent = v.typicalWait;

    var key = callKey(v.recentCalls[0]);
    if (key && key !== lastCall) announce();
    lastCall = key || '';
  }

  // announce chimes and highlights the "now serving" panel for a few seconds.
  function announce() {
    SW.alerts.chime([659, 523, 784]);
    var now = $('now');
    now.classList.remove('flash');
    void now.offsetWidth; // restart the animation
    now.classList.add('flash');
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { now.classList.remove('flash'); }, 6000);
  }

  // apply applies one queue_update of the display rooms (issue 17) to the
  // state on screen: a call adds to the line's serving list and the recent
  // calls, a completion, no-show or cancellation takes the ticket out of
  // service, and every update brings the line's waiting count and typical
  // wait. Anything else — a transfer, a line's new settings, a line this page
  // has not read, an event older than the screen — returns false, and the
  // page re-reads GET /api/display (live.js's refresh rule).
  function apply(name, d) {
    if (name !== 'queue_update' || !view || typeof d.typicalWait !== 'number') return false;
    var line = (view.lines || []).filter(function (l) { return l.slug === d.line; })[0];
    if (!line || !(d.version > (shown[d.line] || 0))) return false;
    var out = function (ticket) {
      var keep = function (c) { return c.ticketNumber !== ticket; };
      line.serving = line.serving.filter(keep);
      return keep;
    };
    switch (d.type) {
      case 'patient_called':
        if (!d.ticketNumber) return false;
        view.recentCalls = view.recentCalls.filter(out(d.ticketNumber));
        var call = { ticketNumber: d.ticketNumber, room: d.room || '', calledAt: d.timestamp, line: d.line };
        line.serving.unshift(call);
        view.recentCalls.unshift(call);
        view.recentCalls = view.recentCalls.slice(0, RECENT);
        break;
      case 'patient_completed': case 'patient_no_show': case 'patient_cancelled':
        if (d.ticketNumber) out(d.ticketNumber);
        break;
      case 'position_change':
        break;
      default:
        return false;
    }
    line.waiting = d.queueLength;
    line.typicalWait = d.typicalWait;
    shown[d.line] = d.version;
    var serving = [];
    view.lines.forEach(function (l) { serving = serving.concat(l.serving); });
    serving.sort(function (a, b) { return a.calledAt < b.calledAt ? 1 : a.calledAt > b.calledAt ? -1 : 0; });
    view.nowServing = serving[0] || null;
    view.inService = serving.length;
    view.waiting = view.lines.reduce(function (n, l) { return n + l.waiting; }, 0);
    view.typicalWait = view.lines[0].typicalWait;
    render(view);
    return true;
  }

  var live = SW.live({
    url: '/api/events/display' + query,
    events: ['queue_update', 'snapshot'],
    apply: apply,
    refresh: function () {
      var path = '/api/display' + query;
      return SW.api('GET', path).then(function (v) {
        // Never go back: an answer older than an event already applied to a
        // line is dropped (the next event or read brings the rest).
        if (view && (v.lines || []).some(function (l) { return l.version < (shown[l.slug] || 0); })) return;
        shown = {};
        (v.lines || []).forEach(function (l) { shown[l.slug] = l.version; live.saw(l.version, l.slug); });
        render(v);
      });
    },
    labels: { live: 'Live', reconnecting: 'Updating…', polling: 'Updating…', offline: 'Updating…', connecting: 'Updating…' },
    pollMs: 5000
  });

  var sound = $('sound-on');
  sound.addEventListener('click', function () {
    SW.alerts.unlock();
    SW.alerts.chime([523, 659]);
    sound.hidden = true;
  });
})();
