// admin-forms.js: what the deployment admin's setup scripts share
// (admin-setup.js for lines and rooms, clinics.js for clinics): the page's
// result line, the rows' small buttons, the dialogs' cancel buttons and
// error boxes, and the weekday opening-hours editor with its wording. It is
// loaded before them and offers SW.adminForms; it shows nothing itself.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var $ = function (id) { return document.getElementById(id); };
  var t = SW.t; // the page's words (#sw-text): staff.hours and format.weekday, whichever page
  var el = SW.el;
  // DAYS are the API's weekday keys with the catalogue's names of the days.
  var DAYS = [['mon', 'monday'], ['tue', 'tuesday'], ['wed', 'wednesday'], ['thu', 'thursday'], ['fri', 'friday'], ['sat', 'saturday'], ['sun', 'sunday']]
    .map(function (d) { return [d[0], t('weekday.' + d[1])]; });

  // button is a row's small button; aria names it for screen readers when
  // the label alone ("Edit") does not say which row.
  function button(label, cls, onClick, aria) {
    var b = el('button', 'small ' + cls, label);
    b.type = 'button';
    if (aria) b.setAttribute('aria-label', aria);
    b.addEventListener('click', onClick);
    return b;
  }

  // signedOut sends the browser to sign in again when err says the session
  // ended (401), and reports whether it did.
  function signedOut(err) {
    if (err.status !== 401) return false;
    location.href = '/staff/login';
    return true;
  }

  // result is the page's result line (the element with the id): say(msg,
  // bad) shows a message there, failed(err) an API refusal.
  function result(id) {
    function say(msg, bad) {
      var p = $(id);
      p.textContent = msg;
      p.className = 'alert ' + (bad ? 'error' : 'ok');
      p.hidden = !msg;
    }
    return {
      say: say,
      failed: function (err) { if (!signedOut(err)) say(err.message, true); }
    };
  }

  // dialogError shows msg ("" hides it) in a dialog's error box (the element
  // with the id) and marks input, if any, as the field it concerns (focused),
  // after clearing the marks of the box's form.
  function dialogError(id, msg, input) {
    var box = $(id);
    box.textContent = msg || '';
    box.hidden = !msg;
    var form = box.closest('form');
    if (form) form.querySelectorAll('[aria-invalid]').forEach(function (f) { f.removeAttribute('aria-invalid'); });
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }

  // hoursText words hours as the server does, from the same messages
  // (page_lines.go, hoursText); none is the words for no hours at all.
  function hoursText(h, none) {
    if (!h) return none;
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

  // hoursEditor builds a form's opening hours: under the checkbox o.set
  // ("has hours"), a row per weekday in o.days, "open that day" and from–to,
  // with inputs o.prefix + day (+ "-open", "-close"); o.opensAt and o.closesAt
  // are the from and to fields' accessible names, by day. fill(h) shows
  // hours h (null: none; every day 08:00-17:00 offered), read() gives the
  // API's hours object, or null when the form has none.
  function hoursEditor(o) {
    var days = $(o.days), set = $(o.set);
    var id = function (d, end) { return o.prefix + d[0] + (end ? '-' + end : ''); };
    DAYS.forEach(function (d) {
      var row = el('div', 'hours-row');
      var on = el('input');
      on.type = 'checkbox';
      on.id = id(d);
      var lab = el('label', '', d[1]);
      lab.htmlFor = on.id;
      var from = el('input');
      from.type = 'time';
      from.id = id(d, 'open');
      from.setAttribute('aria-label', o.opensAt(d[1]));
      var to = el('input');
      to.type = 'time';
      to.id = id(d, 'close');
      to.setAttribute('aria-label', o.closesAt(d[1]));
      row.appendChild(on);
      row.appendChild(lab);
      row.appendChild(from);
      row.appendChild(el('span', 'muted', '–'));
      row.appendChild(to);
      days.appendChild(row);
    });
    function sync() { days.hidden = !set.checked; }
    set.addEventListener('change', sync);
    return {
      fill: function (h) {
        set.checked = !!h;
        DAYS.forEach(function (d) {
          var span = (h && h[d[0]]) || '';
          $(id(d)).checked = !!span || !h;
          $(id(d, 'open')).value = span ? span.split('-')[0] : '08:00';
          $(id(d, 'close')).value = span ? span.split('-')[1] : '17:00';
        });
        sync();
      },
      read: function () {
        if (!set.checked) return null;
        var hours = {};
        DAYS.forEach(function (d) {
          if ($(id(d)).checked) hours[d[0]] = $(id(d, 'open')).value + '-' + $(id(d, 'close')).value;
        });
        return hours;
      }
    };
  }

  // Every dialog's cancel button closes its dialog.
  document.querySelectorAll('dialog [data-close]').forEach(function (b) {
    b.addEventListener('click', function () { b.closest('dialog').close(); });
  });

  SW.adminForms = {
    button: button, signedOut: signedOut, result: result, dialogError: dialogError,
    hoursText: hoursText, hoursEditor: hoursEditor
  };
})();
