// audit.js: the admin's audit page. The trail itself is rendered by the
// server; this keeps the CSV link in step with the filters as they are typed
// (the download matches what the form shows, applied or not), and posts the
// "erase a phone number's data" form to the API.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var $ = function (id) { return document.getElementById(id); };
  var t = SW.t; // the page's words (#sw-text): staff.audit

  var filters = $('audit-filters'), csv = $('audit-csv');
  function syncCSV() {
    var q = [];
    ['actor', 'action', 'day'].forEach(function (k) {
      var v = filters.elements[k].value.trim();
      if (v) q.push(encodeURIComponent(k) + '=' + encodeURIComponent(v));
    });
    csv.href = '/api/staff/audit.csv' + (q.length ? '?' + q.join('&') : '');
  }
  if (filters && csv) {
    filters.addEventListener('input', syncCSV);
    filters.addEventListener('change', syncCSV);
  }

  var form = $('erase-form'), result = $('erase-result'), submit = $('erase-submit');
  function say(msg, bad) {
    result.textContent = msg;
    result.className = 'alert ' + (bad ? 'error' : 'ok');
    result.hidden = !msg;
  }
  if (form) {
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var phone = form.elements.phone.value.trim();
      if (!phone) { say(t('audit.erase.missing'), true); form.elements.phone.focus(); return; }
      if (SW.isBusy(submit) || !window.confirm(t('audit.erase.confirm', { phone: phone }))) return;
      SW.busy(submit, true);
      SW.api('POST', '/api/staff/erase', { phone: phone }).then(function (d) {
        form.elements.phone.value = '';
        say(t('audit.erase.done', { phone: d.phone, tickets: d.tickets, messages: d.messages }));
      }, function (err) {
        if (err.status === 401) { location.href = '/staff/login'; return; }
        say(err.message, true);
      }).finally(function () { SW.busy(submit, false); });
    });
  }
})();
