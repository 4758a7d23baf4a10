// checkin.js: "My check-ins" (this device's check-ins, from browser storage) and a
// guard against double submission. The form itself works without it, and
// sends the page's language in its hidden "language" field either way: this
// script posts nothing of its own. "My check-ins" lists the device's tickets
// at every clinic (docs/clinics.md, "Pages"): each links to its own clinic's
// status page, and one of a clinic other than the page's names that clinic.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var form = document.getElementById('checkin-form');
  if (form) {
    form.addEventListener('submit', function () {
      var b = form.querySelector('button[type=submit]');
      setTimeout(function () { b.disabled = true; }, 0); // after the browser took the click
    });
    var bad = form.querySelector('[aria-invalid=true]');
    if (bad) bad.focus();
  }

  var box = document.getElementById('my-checkins');
  var ul = document.getElementById('my-checkins-list');
  var list;
  try { list = JSON.parse(localStorage.getItem('smartwait.checkins') || '[]'); } catch (_) { list = []; }
  if (!box || !list.length) return;

  var here = document.body.getAttribute('data-clinic') || ''; // the page's clinic; '' = the default
  var keep = [];
  var pending = list.slice(0, 5).map(function (c) {
    var li = document.createElement('li');
    var a = document.createElement('a');
    // A ticket saved before clinics has none: it is the default clinic's.
    var clinic = c.clinic || '';
    a.href = (clinic ? '/c/' + encodeURIComponent(clinic) : '') + '/status/' + encodeURIComponent(c.id);
    a.textContent = clinic !== here && c.clinicName ? SW.t('checkin.mineTicketAt', { ticket: c.ticket, clinic: c.clinicName })
      : SW.t('checkin.mineTicket', { ticket: c.ticket });
    var state = document.createElement('span');
    state.className = 'muted';
    li.appendChild(a);
    li.appendChild(document.createTextNode(' '));
    li.appendChild(state);
    ul.appendChild(li);
    box.hidden = false;
    return SW.api('GET', '/api/position/' + encodeURIComponent(c.id)).then(function (s) {
      var label = SW.text['checkin.mineState.' + s.status] ? SW.t('checkin.mineState.' + s.status) : s.status;
      state.textContent = s.status === 'waiting' ? SW.t('checkin.minePosition', { position: s.position }) : '· ' + label;
      // The clinic's slug changed since: the unprefixed status page shows
      // any patient as their own clinic's page.
      if (clinic && s.clinic && s.clinic !== clinic) a.href = '/status/' + encodeURIComponent(c.id);
      keep.push(c);
    }, function (err) {
      if (err.status === 404) { li.remove(); return; } // forgotten by the server
      keep.push(c);
    });
  });
  Promise.all(pending).then(function () {
    if (!ul.children.length) box.hidden = true;
    try {
      localStorage.setItem('smartwait.checkins', JSON.stringify(list.filter(function (c) {
        return keep.indexOf(c) >= 0 || list.indexOf(c) >= 5;
      })));
    } catch (_) { /* ignore */ }
  });
})();
