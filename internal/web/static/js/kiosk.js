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
  // A kiosk reads only its clinic's lines (data-lines-url: the default
  // clinic's for /kiosk, never every clinic's /api/lines). A clinic's kiosk
  // (/c/{slug}/kiosk) also checks in to its first line when the patient
  // picks none, and shows the ticket's status page under the clinic's address.
  var linesURL = root.getAttribute('data-lines-url');
  var firstLine = root.getAttribute('data-line') || '';
  var home = document.body.getAttribute('data-home') || '';
  var names = {}; // line slug → name
  var busy = false, resetTimer = null, tickTimer = null, idleTimer = null;

  var el = SW.el;

  function pad(n) { return String(n).padStart(2, '0'); }

  function sameDay(a, b) {
    return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }

  var WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

  // opensText words a line's next opening as the server does (Server.when),
  // in the tablet's time zone (the clinic's: the tablet stands in its lobby).
  function opensText(iso) {
    var at = new Date(iso), now = new Date(Date.now() + SW.skew);
    var hm = pad(at.getHours()) + ':' + pad(at.getMinutes());
    var tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
    var when = sameDay(at, now) ? SW.t('lines.today', { time: hm })
      : sameDay(at, tomorrow) ? SW.t('lines.tomorrow', { time: hm })
        : SW.t('lines.day', { day: SW.t('weekday.' + WEEKDAYS[at.getDay()]), time: hm });
    return SW.t('lines.opens', { when: when });
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
      note.appendChild(SW.tNodes('kiosk.onlyLine', { line: el('strong', '', open[0].name) }));
      note.hidden = false;
      return;
    }
    if (!open.length) {
      note.textContent = SW.t('kiosk.noneOpen');
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
      label.appendChild(el('span', 'line-meta', l.open ? SW.t('lines.meta', { n: l.waiting, minutes: l.estimatedWait })
        : l.opensAt ? SW.t('lines.closedOpens', { opens: opensText(l.opensAt) }) : SW.t('lines.closed')));
      box.appendChild(label);
    });
    picker.hidden = false;
  }

  // loadLines re-reads the public lines; the picker is redrawn only while
  // nobody is using the form.
  function loadLines() {
    return SW.api('GET', linesURL).then(function (list) {
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

  // refusal is a refused check-in as the patient reads it: the field it
  // concerns and the message in the page's language, by the API's code and
  // field as the check-in page's form does (checkinError in
  // page_checkin_error.go); never the API's English.
  function refusal(err) {
    var E = 'checkin.error.', m = String(err.message || '').toLowerCase();
    var required = m.indexOf('is required') >= 0;
    switch (err.code) {
      case 'DUPLICATE_CHECKIN': return [phoneIn, SW.t(E + 'phoneDuplicate')];
      case 'RATE_LIMITED':
        if (err.field === 'phone' && err.retryAfter > 0) return [phoneIn, SW.t(E + 'phoneLimit', { minutes: Math.ceil(err.retryAfter / 60) })];
        return [null, SW.t(E + 'rateLimited')];
      case 'LINE_CLOSED': return [null, SW.t(E + 'lineClosed')];
      case 'LINE_FULL': return [null, SW.t(E + 'lineFull')];
      case 'VALIDATION_ERROR':
        switch (err.field) {
          case 'name': return [nameIn, SW.t(E + (required ? 'nameRequired' : m.indexOf('at most') >= 0 ? 'nameTooLong' : 'nameInvalid'), { max: nameIn.maxLength })];
          case 'phone':
            if (m.indexOf('country') >= 0) return [phoneIn, SW.t(E + 'phoneCountry', { countries: String(err.message).slice(String(err.message).lastIndexOf(': ') + 2) })];
            return [phoneIn, SW.t(E + (required ? 'phoneRequired' : 'phoneInvalid'))];
          case 'appointmentTime': return [apptIn, SW.t(E + (required ? 'appointmentRequired' : 'appointmentInvalid'), { max: apptIn.maxLength })];
          case 'line': return [null, SW.t(E + (m.indexOf('choose') >= 0 ? 'lineChoose' : 'lineUnavailable'))];
        }
    }
    return [null, SW.t(E + 'other')];
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (busy) return;
    clearError();
    var picked = form.querySelector('input[name=line]:checked');
    var line = picked ? picked.value : only || firstLine;
    var name = nameIn.value.trim(), phone = phoneIn.value.trim(), appt = apptIn.value.trim();
    if (!$('kiosk-lines').hidden && !picked) {
      var first = form.querySelector('input[name=line]:not([disabled])');
      return showError(SW.t('checkin.error.lineChoose'), first);
    }
    if (!name) return showError(SW.t('kiosk.nameMissing'), nameIn);
    if (phoneRequired && !phone) return showError(SW.t('kiosk.phoneMissing'), phoneIn);
    // The public check-in asks every patient for an appointment time; a
    // kiosk patient who leaves it empty walked in.
    var body = { name: name, appointmentTime: appt || SW.t('kiosk.walkIn') };
    if (phone) body.phone = phone;
    if (line) body.line = line;
    var language = $('kiosk-language');
    if (language) body.language = language.value;
    busy = true;
    submit.disabled = true;
    SW.api('POST', endpoint, body).then(showTicket, function (err) {
      // The kiosk's sign-in ended (expired, password changed): start again
      // as an anonymous kiosk, which asks for a phone.
      if (err.status === 401 || err.status === 403) return window.location.reload();
      var r = err.status === 0 ? [null, SW.t('kiosk.unreachable')] : refusal(err);
      showError(r[1], r[0]);
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
    var place = t.position > 0 ? SW.t('kiosk.place', { position: t.position, minutes: t.estimatedWait }) : '';
    if (names[t.line] && Object.keys(names).length > 1) place = names[t.line] + (place ? ' · ' + place : '');
    $('kiosk-ticket').textContent = t.ticketNumber;
    $('kiosk-place').textContent = place;
    var img = el('img');
    img.src = home + '/qr.png?status=' + encodeURIComponent(t.patientId);
    img.width = 512;
    img.height = 512;
    img.alt = SW.t('kiosk.qrAlt');
    $('kiosk-qr').appendChild(img);
    $('kiosk-form-view').hidden = true;
    $('kiosk-ticket-view').hidden = false;
    var left = TICKET_MS / 1000;
    var countdown = $('kiosk-countdown');
    countdown.textContent = SW.t('kiosk.clears', { s: left });
    tickTimer = setInterval(function () {
      left -= 1;
      countdown.textContent = SW.t('kiosk.clears', { s: Math.max(0, left) });
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
