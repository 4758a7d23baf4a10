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

  function render(v) {
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

  SW.live({
    url: '/api/events/display' + query,
    events: ['queue_update', 'snapshot'],
    refresh: function () { return SW.api('GET', '/api/display' + query).then(render); },
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
