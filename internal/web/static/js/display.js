// display.js: the waiting-room TV. It shows ticket numbers and rooms only — the
// display API carries nothing else — chimes and flashes on each new call, and
// keeps the last state on screen with an "Updating…" hint while disconnected.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var $ = function (id) { return document.getElementById(id); };
  var lastCall = $('now').getAttribute('data-last-call'); // "ticket@calledAt" of the latest call shown
  var flashTimer = null;

  function callKey(c) { return c ? c.ticketNumber + '@' + c.calledAt : null; }

  function render(v) {
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
    v.recentCalls.forEach(function (c) {
      var li = document.createElement('li');
      var t = document.createElement('span');
      t.className = 'r-ticket';
      t.textContent = c.ticketNumber;
      var r = document.createElement('span');
      r.className = 'r-room';
      r.textContent = c.room;
      li.appendChild(t);
      li.appendChild(r);
      list.appendChild(li);
    });
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
    url: '/api/events/display',
    events: ['queue_update', 'snapshot'],
    refresh: function () { return SW.api('GET', '/api/display').then(render); },
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
