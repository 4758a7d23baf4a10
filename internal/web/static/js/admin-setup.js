// admin-setup.js: the admin's lines and rooms (docs/lines.md), through the
// staff API: create, edit (every setting, opening hours per weekday), open or
// close, and delete lines; create rooms with the lines they serve in order of
// preference, edit and delete them. The API checks everything; its messages
// are shown as they come. The result line, buttons, dialogs and hours editor
// are admin-forms.js's.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var F = SW.adminForms;
  var $ = function (id) { return document.getElementById(id); };
  var t = SW.t; // the page's words (#sw-text): staff.setup, staff.hours, format.weekday
  var lines = [], rooms = [];
  var editing = null; // the slug or room name being edited; null when adding

  var el = SW.el;
  var button = F.button;
  var res = F.result('setup-result'), say = res.say, failed = res.failed;

  function lineName(slug) {
    for (var i = 0; i < lines.length; i++) if (lines[i].slug === slug) return lines[i].name;
    return slug;
  }

  function load() {
    return Promise.all([SW.api('GET', '/api/staff/lines'), SW.api('GET', '/api/staff/rooms')]).then(function (r) {
      lines = r[0];
      rooms = r[1];
      renderLines();
      renderRooms();
    }, failed);
  }

  function renderLines() {
    var tb = $('lines-body');
    tb.textContent = '';
    lines.forEach(function (l) {
      var tr = el('tr');
      tr.setAttribute('data-line', l.slug);
      var th = el('th', '', l.name + ' ');
      th.scope = 'row';
      th.appendChild(el('span', 'muted small', l.slug));
      tr.appendChild(th);
      tr.appendChild(el('td', '', l.prefix));
      tr.appendChild(el('td', '', t(l.public ? 'setup.public' : 'setup.staffOnly')));
      tr.appendChild(el('td', '', F.hoursText(l.hours, t('hours.none'))));
      tr.appendChild(el('td', '', String(l.waiting + l.called)));
      tr.appendChild(el('td', '', t(l.open ? (l.openNow ? 'setup.open' : 'setup.openOutside') : 'setup.closed')));
      var act = el('td', 'actions-cell');
      var named = { name: l.name };
      act.appendChild(button(t('setup.edit'), 'secondary', function () { editLine(l); }, t('setup.editNamed', named)));
      act.appendChild(button(t(l.open ? 'setup.close' : 'setup.reopen'), 'secondary', function () {
        SW.api('PATCH', '/api/staff/lines/' + encodeURIComponent(l.slug), { open: !l.open }).then(function () {
          say(t(l.open ? 'setup.lineClosed' : 'setup.lineOpened', named));
          return load();
        }, failed);
      }, t(l.open ? 'setup.closeNamed' : 'setup.reopenNamed', named)));
      act.appendChild(button(t('setup.delete'), 'danger', function () {
        if (!window.confirm(t('setup.deleteLine', named))) return;
        SW.api('DELETE', '/api/staff/lines/' + encodeURIComponent(l.slug)).then(function () {
          say(t('setup.deleted', named));
          return load();
        }, failed);
      }, t('setup.deleteNamed', named)));
      tr.appendChild(act);
      tb.appendChild(tr);
    });
  }

  function renderRooms() {
    var tb = $('rooms-body');
    tb.textContent = '';
    if (!rooms.length) {
      var tr0 = el('tr'), td = el('td', 'empty', t('setup.noRooms'));
      td.colSpan = 4;
      tr0.appendChild(td);
      tb.appendChild(tr0);
    }
    rooms.forEach(function (r) {
      var tr = el('tr');
      tr.setAttribute('data-room', r.name);
      var th = el('th', '', r.name);
      th.scope = 'row';
      tr.appendChild(th);
      tr.appendChild(el('td', '', r.lines.map(lineName).join(', ') || t('setup.noLine')));
      tr.appendChild(el('td', '', t(r.open ? 'setup.open' : 'setup.closed')));
      var act = el('td', 'actions-cell');
      var named = { name: r.name };
      act.appendChild(button(t('setup.edit'), 'secondary', function () { editRoom(r); }, t('setup.editNamed', named)));
      act.appendChild(button(t('setup.delete'), 'danger', function () {
        if (!window.confirm(t('setup.deleteRoom', named))) return;
        SW.api('DELETE', '/api/staff/rooms/' + encodeURIComponent(r.name)).then(function () {
          say(t('setup.deleted', named));
          return load();
        }, failed);
      }, t('setup.deleteNamed', named)));
      tr.appendChild(act);
      tb.appendChild(tr);
    });
  }

  var dialogError = F.dialogError;

  // The line form. Hours: a row per weekday, "open that day" and from–to.
  var hours = F.hoursEditor({
    set: 'line-hours-set', days: 'line-hours-days', prefix: 'hours-',
    opensAt: function (day) { return t('setup.opensAt', { day: day }); },
    closesAt: function (day) { return t('setup.closesAt', { day: day }); }
  });

  function num(id) { return parseInt($(id).value, 10) || 0; }

  function editLine(l) {
    editing = l ? l.slug : null;
    $('line-form').reset();
    dialogError('line-error', '');
    $('line-dialog-title').textContent = l ? t('setup.editNamed', { name: l.name }) : t('setup.addLine');
    $('line-slug').disabled = !!l;
    $('line-name').value = l ? l.name : '';
    $('line-slug').value = l ? l.slug : '';
    $('line-prefix').value = l ? l.prefix : '';
    $('line-visit').value = l ? l.visitMinutes : 0;
    $('line-getready').value = l ? l.getReadyPosition : 0;
    $('line-grace').value = l ? l.graceMinutes : 15;
    $('line-open').checked = l ? l.open : true;
    $('line-public').checked = l ? l.public : true;
    // Appointments are offered where the API shows the setting.
    var appt = lines.length && 'appointments' in lines[0];
    $('line-appointments-field').hidden = !appt;
    $('line-appointments').checked = !!(l && l.appointments);
    hours.fill(l && l.hours);
    $('line-dialog').showModal();
    $('line-name').focus();
  }

  $('line-add').addEventListener('click', function () { editLine(null); });
  $('line-form').addEventListener('submit', function (e) {
    e.preventDefault();
    if (SW.isBusy($('line-save'))) return;
    var body = {
      name: $('line-name').value.trim(), prefix: $('line-prefix').value.trim().toUpperCase(),
      open: $('line-open').checked, public: $('line-public').checked,
      visitMinutes: num('line-visit'), getReadyPosition: num('line-getready'), graceMinutes: num('line-grace'),
      hours: hours.read()
    };
    if (!$('line-appointments-field').hidden) body.appointments = $('line-appointments').checked;
    if (!editing) body.slug = $('line-slug').value.trim();
    var req = editing ? SW.api('PATCH', '/api/staff/lines/' + encodeURIComponent(editing), body) : SW.api('POST', '/api/staff/lines', body);
    SW.busy($('line-save'), true);
    req.then(function (l) {
      $('line-dialog').close();
      say(t(editing ? 'setup.saved' : 'setup.added', { name: l.name }));
      return load();
    }, function (err) {
      if (!F.signedOut(err)) dialogError('line-error', err.message);
    }).finally(function () { SW.busy($('line-save'), false); });
  });

  // The room form: every line, with "serves" ticked and ↑/↓ to order them.
  function lineItem(l, on) {
    var li = el('li', 'order-item');
    li.setAttribute('data-slug', l.slug);
    var box = el('input');
    box.type = 'checkbox';
    box.id = 'room-line-' + l.slug;
    box.checked = on;
    var lab = el('label', '', l.name);
    lab.htmlFor = box.id;
    li.appendChild(box);
    li.appendChild(lab);
    li.appendChild(button('↑', 'secondary', function () {
      if (li.previousElementSibling) li.parentNode.insertBefore(li, li.previousElementSibling);
    }, t('setup.preferSooner', { name: l.name })));
    li.appendChild(button('↓', 'secondary', function () {
      if (li.nextElementSibling) li.parentNode.insertBefore(li.nextElementSibling, li);
    }, t('setup.preferLater', { name: l.name })));
    return li;
  }

  function editRoom(r) {
    editing = r ? r.name : null;
    $('room-form').reset();
    dialogError('room-error', '');
    $('room-dialog-title').textContent = r ? t('setup.editNamed', { name: r.name }) : t('setup.addRoom');
    $('room-name').value = r ? r.name : '';
    $('room-open').checked = r ? r.open : true;
    var ol = $('room-lines');
    ol.textContent = '';
    var served = r ? r.lines : [];
    served.forEach(function (slug) {
      var l = lines.filter(function (x) { return x.slug === slug; })[0];
      if (l) ol.appendChild(lineItem(l, true));
    });
    lines.forEach(function (l) { if (served.indexOf(l.slug) < 0) ol.appendChild(lineItem(l, false)); });
    $('room-dialog').showModal();
    $('room-name').focus();
  }

  $('room-add').addEventListener('click', function () { editRoom(null); });
  $('room-form').addEventListener('submit', function (e) {
    e.preventDefault();
    if (SW.isBusy($('room-save'))) return;
    var body = {
      name: $('room-name').value.trim(), open: $('room-open').checked,
      lines: Array.prototype.filter.call($('room-lines').children, function (li) { return li.querySelector('input').checked; })
        .map(function (li) { return li.getAttribute('data-slug'); })
    };
    var req = editing ? SW.api('PATCH', '/api/staff/rooms/' + encodeURIComponent(editing), body) : SW.api('POST', '/api/staff/rooms', body);
    SW.busy($('room-save'), true);
    req.then(function (r) {
      $('room-dialog').close();
      say(t(editing ? 'setup.saved' : 'setup.added', { name: r.name }));
      return load();
    }, function (err) {
      if (!F.signedOut(err)) dialogError('room-error', err.message);
    }).finally(function () { SW.busy($('room-save'), false); });
  });

  load();
})();
