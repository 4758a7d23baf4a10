// kiosk.js: the lobby tablet (docs/lines.md, "Pages"). A patient picks a line,
// types a name (and a phone), and gets a ticket number, shown large with a QR
// code of their status page to follow on their own phone. Twenty seconds later —
// or at "Done" — the screen is a blank form again, and nothing of that patient
// is left: not in the page, not in the form, not in browser storage, not in the
// history (the kiosk never navigates: it posts with fetch and never calls
// pushState), not even in the resource timings. A form left half filled is
// cleared after a minute without a touch.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var $ = function (id) { return document.getElementById(id); };
  var root = $('kiosk');
  if (!root) return;
  var phoneRequired = root.getAttribute('data-phone-required') === 'true';
  // A kiosk signed in with a kiosk account checks in at the front desk's
  // endpoint, where the phone is optional; an anonymous one at the public one.
  var endpoint = root.getAttribute('data-desk') === 'true' ? '/api/staff/checkin' : '/api/checkin';
  var TICKET_MS = 20000, IDLE_MS = 60000, LINES_MS = 60000;
  var form = $('kiosk-form'), submit = $('kiosk-submit');
  var nameIn = $('kiosk-name'), phoneIn = $('kiosk-phone'), apptIn = $('kiosk-appointment');
  var only = $('kiosk-only').value; // the one open line, when one of several is open
  var names = {}; // line slug → name
  var busy = false, resetTimer = null, tickTimer = null, idleTimer = null;

  var el = SW.el;

  function pad(n) { return String(n).padStart(2, '0'); }

  function sameDay(a, b) {
    return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }

  // opensText words a line's next opening as the server does, in the tablet's
  // time zone (the clinic's: the tablet stands in its lobby).
  function opensText(iso) {
    var at = new Date(iso), now = new Date(Date.now() + SW.skew);
    var hm = pad(at.getHours()) + ':' + pad(at.getMinutes());
    var tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
    if (sameDay(at, now)) return 'opens today at ' + hm;
    if (sameDay(at, tomorrow)) return 'opens tomorrow at ' + hm;
    return 'opens ' + at.toLocaleDateString('en-GB', { weekday: 'long' }) + ' at ' + hm;
  }

  // renderLines shows the public lines as the server renders them: no picker
  // with one line; radios when several are open; a note when one or none is.
  function renderLines(list) {
    var open = list.filter(function (l) { return l.open; });
    var picker = $('kiosk-lines'), box = $('kiosk-line-list'), note = $('kiosk-line-note');
    names = {};
    list.forEach(function (l) { names[l.slug] = l.name; });
    box.textContent = '';
    note.textContent = '';
    only = '';
    picker.hidden = true;
    note.hidden = true;
    if (list.length <= 1) return;
    if (open.length === 1) {
      only = open[0].slug;
      note.appendChild(document.createTextNode('Checking in for '));
      note.appendChild(el('strong', '', open[0].name));
      note.appendChild(document.createTextNode('.'));
      note.hidden = false;
      return;
    }
    if (!open.length) {
      note.textContent = 'No line takes check-ins right now. Please ask at the desk.';
      note.hidden = false;
      return;
    }
    list.forEach(function (l) {
      var label = el('label', 'line-choice' + (l.open ? '' : ' closed'));
      var input = el('input');
      input.type = 'radio';
      input.name = 'line';
      input.value = l.slug;
      if (l.open) input.required = true;
      else input.disabled = true;
      label.appendChild(input);
      label.appendChild(el('span', 'line-name', l.name));
      label.appendChild(el('span', 'line-meta', l.open ? l.waiting + ' waiting · about ' + l.estimatedWait + ' min'
        : 'Closed' + (l.opensAt ? ' · ' + opensText(l.opensAt) : '')));
      box.appendChild(label);
    });
    picker.hidden = false;
  }

  // loadLines re-reads the public lines; the picker is redrawn only while
  // nobody is using the form.
  function loadLines() {
    return SW.api('GET', '/api/lines').then(function (list) {
      if (pristine() && !busy) renderLines(list);
      else list.forEach(function (l) { names[l.slug] = l.name; });
    }, function () { /* keep what is shown */ });
  }

  // pristine reports whether nobody is using the form.
  function pristine() {
    return !nameIn.value && !phoneIn.value && !apptIn.value && !form.querySelector('input[name=line]:checked');
  }

  function showError(msg, field) {
    var box = $('kiosk-error');
    box.textContent = msg;
    box.hidden = false;
    if (field) { field.setAttribute('aria-invalid', 'true'); field.focus(); }
  }

  function clearError() {
    var box = $('kiosk-error');
    box.textContent = '';
    box.hidden = true;
    form.querySelectorAll('[aria-invalid]').forEach(function (f) { f.removeAttribute('aria-invalid'); });
  }

  // patientMessage is the API's message without the prefix meant for programs.
  function patientMessage(m) {
    m = String(m || '').replace(/^Validation error: /, '');
    return m.charAt(0).toUpperCase() + m.slice(1);
  }

  function fieldOf(msg) {
    if (/phone/i.test(msg)) return phoneIn;
    if (/name/i.test(msg)) return nameIn;
    if (/appointment/i.test(msg)) return apptIn;
    return null;
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (busy) return;
    clearError();
    var picked = form.querySelector('input[name=line]:checked');
    var line = picked ? picked.value : only;
    var name = nameIn.value.trim(), phone = phoneIn.value.trim(), appt = apptIn.value.trim();
    if (!$('kiosk-lines').hidden && !picked) {
      var first = form.querySelector('input[name=line]:not([disabled])');
      return showError('Choose the line you are here for.', first);
    }
    if (!name) return showError('Please enter your name.', nameIn);
    if (phoneRequired && !phone) return showError('Please enter your mobile phone number.', phoneIn);
    // The public check-in asks every patient for an appointment time; a
    // kiosk patient who leaves it empty walked in.
    var body = { name: name, appointmentTime: appt || 'Walk-in' };
    if (phone) body.phone = phone;
    if (line) body.line = line;
    busy = true;
    submit.disabled = true;
    SW.api('POST', endpoint, body).then(showTicket, function (err) {
      // The kiosk's sign-in ended (expired, password changed): start again
      // as an anonymous kiosk, which asks for a phone.
      if (err.status === 401 || err.status === 403) return window.location.reload();
      var msg = err.status === 0 ? 'The kiosk cannot reach the server. Please ask at the desk.' : patientMessage(err.message);
      showError(msg, fieldOf(msg));
      if (err.code === 'LINE_CLOSED' || err.code === 'LINE_FULL') loadLines();
    }).finally(function () {
      busy = false;
      submit.disabled = false;
    });
  });

  // showTicket shows the new ticket, and forgets the form at once.
  function showTicket(t) {
    clearTimeout(idleTimer);
    form.reset();
    var place = t.position > 0 ? 'You are number ' + t.position + ' · about ' + t.estimatedWait + ' min' : '';
    if (names[t.line] && Object.keys(names).length > 1) place = names[t.line] + (place ? ' · ' + place : '');
    $('kiosk-ticket').textContent = t.ticketNumber;
    $('kiosk-place').textContent = place;
    var img = el('img');
    img.src = '/qr.png?status=' + encodeURIComponent(t.patientId);
    img.width = 512;
    img.height = 512;
    img.alt = 'QR code that opens your place in the queue on your phone';
    $('kiosk-qr').appendChild(img);
    $('kiosk-form-view').hidden = true;
    $('kiosk-ticket-view').hidden = false;
    var left = TICKET_MS / 1000;
    var countdown = $('kiosk-countdown');
    countdown.textContent = 'This screen clears in ' + left + ' s.';
    tickTimer = setInterval(function () {
      left -= 1;
      countdown.textContent = 'This screen clears in ' + Math.max(0, left) + ' s.';
    }, 1000);
    resetTimer = setTimeout(reset, TICKET_MS);
    $('kiosk-done').focus();
  }

  // reset brings back the blank form and drops every trace of the last patient.
  function reset() {
    clearTimeout(resetTimer);
    clearInterval(tickTimer);
    clearTimeout(idleTimer);
    ['kiosk-ticket', 'kiosk-place', 'kiosk-qr', 'kiosk-countdown'].forEach(function (id) { $(id).textContent = ''; });
    form.reset();
    clearError();
    $('kiosk-ticket-view').hidden = true;
    $('kiosk-form-view').hidden = false;
    if (performance.clearResourceTimings) performance.clearResourceTimings(); // they hold the QR code's URL
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    window.scrollTo(0, 0);
    loadLines();
  }

  $('kiosk-done').addEventListener('click', reset);

  // A form left half filled is cleared after IDLE_MS without a touch.
  function touched() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { if (!pristine()) reset(); }, IDLE_MS);
  }
  ['input', 'change', 'pointerdown', 'keydown'].forEach(function (ev) { form.addEventListener(ev, touched); });

  // The lines' figures and opening state change through the day.
  setInterval(function () {
    if (pristine() && $('kiosk-ticket-view').hidden && !busy) loadLines();
  }, LINES_MS);

  loadLines();
  submit.disabled = false; // the form works only with this script: it never posts itself
})();
