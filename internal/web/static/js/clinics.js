// clinics.js: the deployment admin's clinics (docs/clinics.md), through
// /api/staff/clinics: add a clinic, edit its name, slug, time zone, SMS
// sender and opening hours, and remove it. The API checks everything; its
// messages are shown as they come, next to the field they name.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var $ = function (id) { return document.getElementById(id); };
  var t = SW.t; // the page's words (#sw-text): staff.clinics, staff.hours, format.weekday
  var el = SW.el;
  // DAYS are the API's weekday keys with the catalogue's names of the days.
  var DAYS = [['mon', 'monday'], ['tue', 'tuesday'], ['wed', 'wednesday'], ['thu', 'thursday'], ['fri', 'friday'], ['sat', 'saturday'], ['sun', 'sunday']]
    .map(function (d) { return [d[0], t('weekday.' + d[1])]; });
  // FIELDS are the form's inputs by the API's field names (an error's
  // details.field).
  var FIELDS = { name: 'clinic-name', slug: 'clinic-slug', timezone: 'clinic-timezone', smsFrom: 'clinic-sms', hours: 'clinic-hours-set' };
  var clinics = [];
  var editing = null; // the slug being edited; null when adding

  function say(msg, bad) {
    var p = $('clinics-result');
    p.textContent = msg;
    p.className = 'alert ' + (bad ? 'error' : 'ok');
    p.hidden = !msg;
  }

  function failed(err) {
    if (err.status === 401) { location.href = '/staff/login'; return; }
    say(err.message, true);
  }

  function button(label, cls, onClick, aria) {
    var b = el('button', 'small ' + cls, label);
    b.type = 'button';
    if (aria) b.setAttribute('aria-label', aria);
    b.addEventListener('click', onClick);
    return b;
  }

  // hoursText words hours as the server does, from the same messages
  // (page_lines.go, hoursText).
  function hoursText(h) {
    if (!h) return t('clinics.noHours');
    var parts = [];
    for (var i = 0; i < DAYS.length;) {
      var span = h[DAYS[i][0]] || '', j = i;
      while (j + 1 < DAYS.length && (h[DAYS[j + 1][0]] || '') === span) j++;
      if (span) {
        var days = t('hours.short.' + DAYS[i][0]);
        if (j > i) days = t('hours.days', { first: days, last: t('hours.short.' + DAYS[j][0]) });
        parts.push(t('hours.span', { days: days, hours: span }));
      }
      i = j + 1;
    }
    return parts.length ? parts.join('; ') : t('hours.closed');
  }

  function render() {
    var tb = $('clinics-body');
    tb.textContent = '';
    clinics.forEach(function (c) {
      var tr = el('tr');
      tr.setAttribute('data-clinic', c.slug);
      var th = el('th', '', c.name + ' ');
      th.scope = 'row';
      th.appendChild(el('span', 'muted small', c.slug));
      if (c['default']) {
        th.appendChild(document.createTextNode(' '));
        th.appendChild(el('span', 'muted small', t('clinics.default')));
      }
      tr.appendChild(th);
      tr.appendChild(el('td', '', c.timezone));
      tr.appendChild(el('td', '', c.smsFrom || t('clinics.senderDefault')));
      tr.appendChild(el('td', '', hoursText(c.hours)));
      var pages = el('td');
      var a = el('a', '', '/c/' + c.slug + '/');
      a.href = '/c/' + encodeURIComponent(c.slug) + '/';
      pages.appendChild(a);
      tr.appendChild(pages);
      var act = el('td', 'actions-cell');
      var named = { name: c.name };
      act.appendChild(button(t('clinics.edit'), 'secondary', function () { edit(c); }, t('clinics.editNamed', named)));
      if (!c['default']) {
        act.appendChild(button(t('clinics.remove'), 'danger', function () {
          if (!window.confirm(t('clinics.removeConfirm', named))) return;
          SW.api('DELETE', '/api/staff/clinics/' + encodeURIComponent(c.slug)).then(function () {
            say(t('clinics.removed', named));
            return load();
          }, failed);
        }, t('clinics.removeNamed', named)));
      }
      tr.appendChild(act);
      tb.appendChild(tr);
    });
  }

  function load() {
    return SW.api('GET', '/api/staff/clinics').then(function (list) {
      clinics = list;
      render();
    }, failed);
  }

  // The time zones the browser knows, offered as the field's suggestions.
  try {
    var zones = $('clinic-zones');
    (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : []).forEach(function (z) {
      var o = document.createElement('option');
      o.value = z;
      zones.appendChild(o);
    });
  } catch (_) { /* no list: the field takes any name */ }

  // The hours: a row per weekday, "open that day" and from–to.
  var days = $('clinic-hours-days');
  DAYS.forEach(function (d) {
    var row = el('div', 'hours-row');
    var on = el('input');
    on.type = 'checkbox';
    on.id = 'clinic-hours-' + d[0];
    var lab = el('label', '', d[1]);
    lab.htmlFor = on.id;
    var from = el('input');
    from.type = 'time';
    from.id = 'clinic-hours-' + d[0] + '-open';
    from.setAttribute('aria-label', t('clinics.opensAt', { day: d[1] }));
    var to = el('input');
    to.type = 'time';
    to.id = 'clinic-hours-' + d[0] + '-close';
    to.setAttribute('aria-label', t('clinics.closesAt', { day: d[1] }));
    row.appendChild(on);
    row.appendChild(lab);
    row.appendChild(from);
    row.appendChild(el('span', 'muted', '–'));
    row.appendChild(to);
    days.appendChild(row);
  });
  function syncHours() { days.hidden = !$('clinic-hours-set').checked; }
  $('clinic-hours-set').addEventListener('change', syncHours);

  function formError(msg, field) {
    var box = $('clinic-error');
    box.textContent = msg || '';
    box.hidden = !msg;
    $('clinic-form').querySelectorAll('[aria-invalid]').forEach(function (f) { f.removeAttribute('aria-invalid'); });
    var input = field && FIELDS[field] && $(FIELDS[field]);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }

  function edit(c) {
    editing = c ? c.slug : null;
    $('clinic-form').reset();
    formError('');
    $('clinic-dialog-title').textContent = c ? t('clinics.editNamed', { name: c.name }) : t('clinics.add');
    $('clinic-name').value = c ? c.name : '';
    $('clinic-slug').value = c ? c.slug : '';
    $('clinic-timezone').value = c ? c.timezone : '';
    $('clinic-sms').value = c ? c.smsFrom : '';
    var h = c && c.hours;
    $('clinic-hours-set').checked = !!h;
    DAYS.forEach(function (d) {
      var span = (h && h[d[0]]) || '';
      $('clinic-hours-' + d[0]).checked = !!span || !h;
      $('clinic-hours-' + d[0] + '-open').value = span ? span.split('-')[0] : '08:00';
      $('clinic-hours-' + d[0] + '-close').value = span ? span.split('-')[1] : '17:00';
    });
    syncHours();
    $('clinic-dialog').showModal();
    $('clinic-name').focus();
  }

  $('clinic-add').addEventListener('click', function () { edit(null); });
  document.querySelectorAll('dialog [data-close]').forEach(function (b) {
    b.addEventListener('click', function () { b.closest('dialog').close(); });
  });

  $('clinic-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var save = $('clinic-save');
    if (SW.isBusy(save)) return;
    var body = {
      slug: $('clinic-slug').value.trim(), name: $('clinic-name').value.trim(),
      timezone: $('clinic-timezone').value.trim(), smsFrom: $('clinic-sms').value.trim(), hours: null
    };
    if ($('clinic-hours-set').checked) {
      body.hours = {};
      DAYS.forEach(function (d) {
        if ($('clinic-hours-' + d[0]).checked) body.hours[d[0]] = $('clinic-hours-' + d[0] + '-open').value + '-' + $('clinic-hours-' + d[0] + '-close').value;
      });
    }
    var was = editing;
    var req = was ? SW.api('PATCH', '/api/staff/clinics/' + encodeURIComponent(was), body) : SW.api('POST', '/api/staff/clinics', body);
    SW.busy(save, true);
    req.then(function (c) {
      $('clinic-dialog').close();
      say(t(was ? 'clinics.saved' : 'clinics.added', { name: c.name }));
      return load();
    }, function (err) {
      if (err.status === 401) { location.href = '/staff/login'; return; }
      formError(err.message, err.field);
    }).finally(function () { SW.busy(save, false); });
  });

  load();
})();
