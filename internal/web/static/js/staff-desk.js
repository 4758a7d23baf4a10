// staff-desk.js: the dashboard's desk tools, on top of staff.js (SW.staff):
// the room picker and "Call next", opening and closing the room, "Add patient"
// (a front-desk check-in) and transfers to another line.
//
// Without rooms set up the room is typed, as it always was; once an admin sets
// rooms up, the picker lists them with the lines each serves, in its order of
// preference, and the room picked is remembered on this desk.
(function () {
  'use strict';
  var SW = window.SmartWait, S = SW.staff;
  var $ = function (id) { return document.getElementById(id); };
  var ROOM_KEY = 'smartwait.room';

  function remembered() {
    try { return localStorage.getItem(ROOM_KEY) || ''; } catch (_) { return ''; }
  }
  function remember(v) {
    try { localStorage.setItem(ROOM_KEY, v); } catch (_) { /* ignore */ }
  }

  var el = SW.el;
  var t = SW.t; // the page's words (#sw-text)

  function serves(r) {
    return r.lines.map(S.lineName).join(', ');
  }

  function roomNamed(name) {
    var list = S.rooms();
    for (var i = 0; i < list.length; i++) if (list[i].name === name) return list[i];
    return null;
  }

  // renderRooms keeps the picker in line with the rooms: a select of them, or
  // the typed room while there are none.
  function renderRooms() {
    var list = S.rooms(), cur = $('room'), value = cur.value || remembered();
    var field = $('room-field');
    if (!list.length) {
      if (cur.tagName !== 'INPUT') {
        var input = el('input');
        input.id = 'room';
        input.name = 'room';
        input.type = 'text';
        input.maxLength = 50;
        input.autocomplete = 'off';
        input.value = value || t('desk.defaultRoom');
        field.replaceChild(input, cur);
      }
      $('room-info').hidden = true;
      return;
    }
    var sel = cur;
    if (cur.tagName !== 'SELECT') {
      sel = el('select');
      sel.id = 'room';
      sel.name = 'room';
      sel.addEventListener('change', onPick);
      field.replaceChild(sel, cur);
    }
    sel.textContent = '';
    list.forEach(function (r) {
      var o = el('option', '', t(r.open ? 'desk.roomOption' : 'desk.roomOptionClosed', { room: r.name, lines: r.lines.length ? serves(r) : t('desk.noLines') }));
      o.value = r.name;
      sel.appendChild(o);
    });
    var pick = roomNamed(value) ? value : (list.filter(function (r) { return r.open; })[0] || list[0]).name;
    sel.value = pick;
    renderRoomInfo();
  }

  // renderRoomInfo says what the picked room serves and offers to open or close it.
  function renderRoomInfo() {
    var r = roomNamed($('room').value);
    var info = $('room-info');
    if (!r) { info.hidden = true; return; }
    info.hidden = false;
    info.classList.toggle('closed', !r.open);
    $('room-state').textContent = roomState(r.lines.length ? serves(r) : '', r.open);
    $('room-toggle').textContent = t(r.open ? 'desk.closeRoom' : 'desk.openRoom');
  }

  // roomState says what a room serves (lines: their names, '' for none) and
  // whether it is open.
  function roomState(lines, open) {
    if (!lines) return t(open ? 'desk.servesNoneOpen' : 'desk.servesNoneClosed');
    return t(open ? 'desk.servesOpen' : 'desk.servesClosed', { lines: lines });
  }

  function onPick() {
    remember($('room').value);
    renderRoomInfo();
  }

  // The page's first room is what this desk picked last time; until the API
  // answers, the picked room's state comes from the page.
  (function () {
    var cur = $('room'), v = remembered();
    if (cur.tagName !== 'SELECT') {
      if (v) cur.value = v;
      return;
    }
    cur.addEventListener('change', onPick);
    if (Array.prototype.some.call(cur.options, function (o) { return o.value === v; })) cur.value = v;
    var o = cur.selectedOptions[0];
    if (!o) return;
    var open = o.getAttribute('data-open') === 'true';
    $('room-state').textContent = roomState(o.getAttribute('data-serves') || '', open);
    $('room-toggle').textContent = t(open ? 'desk.closeRoom' : 'desk.openRoom');
  })();
  S.onMeta(renderRooms);

  $('room-toggle').addEventListener('click', function () {
    var r = roomNamed($('room').value);
    if (!r) return;
    var b = $('room-toggle');
    if (SW.isBusy(b)) return;
    SW.busy(b, true);
    SW.api('PATCH', '/api/staff/rooms/' + encodeURIComponent(r.name), { open: !r.open }).then(function (updated) {
      S.setRoom(updated);
      S.toast(t(updated.open ? 'desk.roomOpened' : 'desk.roomClosed', { room: updated.name }));
    }, S.failed).finally(function () { SW.busy(b, false); });
  });

  // Call next, to the room picked (or typed).
  $('call-form').addEventListener('submit', function (e) {
    e.preventDefault();
    SW.alerts.unlock();
    var b = $('call-next'), room = $('room').value;
    if (SW.isBusy(b)) return;
    SW.busy(b, true);
    remember(room);
    SW.api('POST', '/api/staff/call-next', { room: room }).then(function (c) {
      var line = S.multi() && c.line ? S.lineName(c.line) : '';
      var key = c.room ? (line ? 'desk.calledRoomLine' : 'desk.calledRoom') : (line ? 'desk.calledLine' : 'desk.called');
      $('call-result').textContent = t(key, { ticket: c.ticketNumber, name: c.name, room: c.room, line: line });
    }, function (err) {
      if (err.code === 'NO_PATIENTS_WAITING') $('call-result').textContent = t('desk.nobodyWaiting');
      else if (err.status >= 400 && err.status < 500 && err.status !== 401) $('call-result').textContent = err.message;
      else S.failed(err);
    }).finally(function () {
      SW.busy(b, false);
      S.afterAction();
    });
  });

  // Dialogs: Cancel closes; an error shows at the top of the form.
  document.querySelectorAll('dialog [data-close]').forEach(function (b) {
    b.addEventListener('click', function () { b.closest('dialog').close(); });
  });

  function dialogError(id, msg) {
    var p = $(id);
    p.textContent = msg || '';
    p.hidden = !msg;
  }

  function lineOptions(sel, skip) {
    sel.textContent = '';
    S.lines().forEach(function (l) {
      if (l.slug === skip) return;
      var o = el('option', '', l.name);
      o.value = l.slug;
      sel.appendChild(o);
    });
  }

  // Add patient: the front desk checks someone in; the phone and the
  // appointment may be left out (no phone: no texts — read the number out).
  var addDialog = $('add-dialog'), addForm = $('add-form');
  $('add-patient').addEventListener('click', function () {
    addForm.reset();
    dialogError('add-error', '');
    lineOptions($('add-line'));
    if (S.filter()) $('add-line').value = S.filter();
    $('add-line-field').hidden = !S.multi();
    addDialog.showModal();
    $('add-name').focus();
  });
  addForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var name = $('add-name').value.trim(), phone = $('add-phone').value.trim(), appt = $('add-appointment').value.trim();
    if (!name) { dialogError('add-error', t('desk.nameMissing')); $('add-name').focus(); return; }
    var body = { name: name };
    if (phone) body.phone = phone;
    if (appt) body.appointmentTime = appt;
    if (S.multi()) body.line = $('add-line').value;
    var b = $('add-submit');
    if (SW.isBusy(b)) return;
    SW.busy(b, true);
    SW.api('POST', '/api/staff/checkin', body).then(function (c) {
      addDialog.close();
      var line = S.multi() && c.line ? S.lineName(c.line) : '';
      $('desk-result').textContent = t(line ? 'desk.checkedInLine' : 'desk.checkedIn',
        { name: name, ticket: c.ticketNumber, line: line, position: c.position });
    }, function (err) {
      if (err.status === 401) { location.href = '/staff/login'; return; }
      dialogError('add-error', err.message);
    }).finally(function () {
      SW.busy(b, false);
      S.afterAction();
    });
  });

  // Transfer: a patient moves to another line, keeping their ticket number.
  var transferDialog = $('transfer-dialog'), transferFor = null;
  S.transfer = function (id) {
    var at = S.find(id);
    if (!at) return;
    transferFor = id;
    $('transfer-who').textContent = t('queue.who', { ticket: at.entry.ticketNumber, name: at.entry.patient.name });
    lineOptions($('transfer-line'), at.line);
    $('transfer-keep').checked = false;
    dialogError('transfer-error', '');
    transferDialog.showModal();
    $('transfer-line').focus();
  };
  $('transfer-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var line = $('transfer-line').value, who = $('transfer-who').textContent;
    if (!transferFor || !line) return;
    var b = $('transfer-submit');
    if (SW.isBusy(b)) return;
    SW.busy(b, true);
    SW.api('POST', '/api/staff/transfer', { patientId: transferFor, line: line, keepPlace: $('transfer-keep').checked }).then(function (q) {
      transferDialog.close();
      S.toast(t('desk.transferred', { who: who, line: S.lineName(line), position: q.position }));
    }, function (err) {
      if (err.status === 401) { location.href = '/staff/login'; return; }
      dialogError('transfer-error', err.message);
    }).finally(function () {
      SW.busy(b, false);
      S.afterAction();
    });
  });
})();
