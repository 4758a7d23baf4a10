// display.js: the waiting-room TV. It shows ticket numbers and rooms only — the
// display API carries nothing else — chimes, flashes and says each new call
// aloud (and a recall again), and keeps the last state on screen with an
// "Updating…" hint while disconnected.
//
// Once *Enable sound* is pressed, a call is spoken with speechSynthesis in
// each of the display's languages in turn (/display?lang=en,es: English, then
// Spanish; the page's language without), each utterance marked with its lang
// so the browser picks a voice for it: "Ticket A 14, room 2." Without
// speechSynthesis the chime alone sounds.
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
  // A clinic's display (/c/{slug}/display) names its clinic to the display
  // API and the display rooms (data-clinic on <body>); the default clinic's
  // sends what it always did.
  var clinic = document.body.getAttribute('data-clinic') || '';
  var params = [];
  if (clinic) params.push('clinic=' + encodeURIComponent(clinic));
  if (follow) params.push('lines=' + encodeURIComponent(follow));
  var query = params.length ? '?' + params.join('&') : '';
  var flashTimer = null;
  var RECENT = 5; // calls listed, as GET /api/display gives them
  var speak = ($('now').getAttribute('data-speak') || document.documentElement.lang).split(',').filter(Boolean);
  var soundOn = false; // *Enable sound* was pressed: the browser lets us speak
  // announced is, per ticket, the time of the call or recall last announced:
  // a recall's event carries its own time, a later read of the display the
  // first call's, which must not announce the same call again.
  var announced = {};

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
      if (!l.serving.length) ol.appendChild(el('li', 'muted', SW.t('display.noOne')));
      l.serving.forEach(function (c) { ol.appendChild(callItem(c)); });
      sec.appendChild(ol);
      var p = el('p', 'tv-line-figs');
      p.appendChild(SW.tNodes('display.lineFigs', { n: el('span', 'n-waiting', String(l.waiting)), minutes: el('span', 'n-wait', String(l.typicalWait)) }));
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
      li.textContent = SW.t('display.noCalls');
      list.appendChild(li);
    }
    v.recentCalls.forEach(function (c) { list.appendChild(callItem(c)); });
    $('waiting').textContent = v.waiting;
    $('typical').textContent = v.typicalWait;

    var c = v.recentCalls[0];
    var key = callKey(c);
    if (key && key !== lastCall && Date.parse(c.calledAt) > (announced[c.ticketNumber] || 0)) {
      announced[c.ticketNumber] = Date.parse(c.calledAt);
      announce(c);
    }
    lastCall = key || '';
  }

  // The call shown at load was announced before this page was.
  (function () {
    var at = lastCall ? lastCall.lastIndexOf('@') : -1;
    if (at > 0) announced[lastCall.slice(0, at)] = Date.parse(lastCall.slice(at + 1));
  })();

  // spell writes a ticket number as it should be read aloud: "A-014" is
  // "A 14" (letters apart, the number without its zeros), not "a minus
  // fourteen" or "a zero fourteen".
  function spell(ticket) {
    var m = /^([A-Za-z]+)-?(\d+)$/.exec(ticket || '');
    return m ? m[1].split('').join(' ') + ' ' + parseInt(m[2], 10) : ticket;
  }

  // sayCall speaks call c in each of the display's languages in turn, in
  // the words of that language's catalogue (speech.<lang>.*).
  function sayCall(c) {
    var synth = window.speechSynthesis;
    if (!soundOn || !synth || typeof window.SpeechSynthesisUtterance !== 'function') return;
    speak.forEach(function (lang) {
      var key = !c.room ? 'desk' : /^\d+$/.test(c.room) ? 'room' : 'place';
      var text = SW.t('speech.' + lang + '.' + key, { ticket: spell(c.ticketNumber), room: c.room });
      try {
        var u = new window.SpeechSynthesisUtterance(text);
        u.lang = lang;
        synth.speak(u);
      } catch (_) { /* no voice: the chime was enough */ }
    });
  }

  // announce chimes, says the call and highlights the "now serving" panel
  // for a few seconds.
  function announce(c) {
    SW.alerts.chime([659, 523, 784]);
    sayCall(c);
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
    labels: { live: SW.t('conn.live'), reconnecting: SW.t('conn.updating'), polling: SW.t('conn.updating'), offline: SW.t('conn.updating'), connecting: SW.t('conn.updating') },
    pollMs: 5000
  });

  var sound = $('sound-on');
  sound.addEventListener('click', function () {
    SW.alerts.unlock();
    SW.alerts.chime([523, 659]);
    soundOn = true;
    // Speech, like sound, must start from a gesture: an empty utterance now
    // lets the calls speak later.
    if (window.speechSynthesis && typeof window.SpeechSynthesisUtterance === 'function') {
      try { window.speechSynthesis.speak(new window.SpeechSynthesisUtterance('')); } catch (_) { /* none */ }
    }
    sound.hidden = true;
  });
})();
