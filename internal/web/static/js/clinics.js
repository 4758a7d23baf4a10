// clinics.js: the deployment admin's clinics (docs/clinics.md), through
// /api/staff/clinics: add a clinic, edit its name, slug, time zone, SMS
// sender and opening hours, and remove it. The API checks everything; its
// messages are shown as they come, next to the field they name. The result
// line, buttons, dialogs and hours editor are admin-forms.js's.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var F = SW.adminForms;
  var $ = function (id) { return document.getElementById(id); };
  var t = SW.t; // the page's words (#sw-text): staff.clinics, staff.hours, format.weekday
  var el = SW.el;
  var button = F.button;
  var res = F.result('clinics-result'), say = res.say, failed = res.failed;
  // FIELDS are the form's inputs by the API's field names (an error's
  // details.field).
  var FIELDS = { name: 'clinic-name', slug: 'clinic-slug', timezone: 'clinic-timezone', smsFrom: 'clinic-sms', hours: 'clinic-hours-set' };
  var clinics = [];
  var editing = null; // the slug being edited; null when adding

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
      tr.appendChild(el('td', '', F.hoursText(c.hours, t('clinics.noHours'))));
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
  var hours = F.hoursEditor({
    set: 'clinic-hours-set', days: 'clinic-hours-days', prefix: 'clinic-hours-',
    opensAt: function (day) { return t('clinics.opensAt', { day: day }); },
    closesAt: function (day) { return t('clinics.closesAt', { day: day }); }
  });

  // formError shows the API's refusal in the dialog, at the field it names.
  function formError(msg, field) {
    F.dialogError('clinic-error', msg, field && FIELDS[field] && $(FIELDS[field]));
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
    hours.fill(c && c.hours);
    $('clinic-dialog').showModal();
    $('clinic-name').focus();
  }

  $('clinic-add').addEventListener('click', function () { edit(null); });

  $('clinic-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var save = $('clinic-save');
    if (SW.isBusy(save)) return;
    var body = {
      slug: $('clinic-slug').value.trim(), name: $('clinic-name').value.trim(),
      timezone: $('clinic-timezone').value.trim(), smsFrom: $('clinic-sms').value.trim(), hours: hours.read()
    };
    var was = editing;
    var req = was ? SW.api('PATCH', '/api/staff/clinics/' + encodeURIComponent(was), body) : SW.api('POST', '/api/staff/clinics', body);
    SW.busy(save, true);
    req.then(function (c) {
      $('clinic-dialog').close();
      say(t(was ? 'clinics.saved' : 'clinics.added', { name: c.name }));
      return load();
    }, function (err) {
      if (!F.signedOut(err)) formError(err.message, err.field);
    }).finally(function () { SW.busy(save, false); });
  });

  load();
})();
