// webhooks.js: the admin's webhook endpoints (docs/integrations.md), through
// /api/staff/webhooks: add one (its secret is shown once), enable or disable,
// delete, and read an endpoint's delivery log. The API checks everything; its
// messages are shown as they come.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var $ = function (id) { return document.getElementById(id); };
  var t = SW.t; // the page's words (#sw-text): staff.webhooks
  var el = SW.el;
  var endpoints = [];

  function say(msg, bad) {
    var p = $('webhooks-result');
    p.textContent = msg;
    p.className = 'alert ' + (bad ? 'error' : 'ok');
    p.hidden = !msg;
  }

  function failed(err) {
    if (err.status === 401) { location.href = '/staff/login'; return; }
    say(err.message, true);
  }

  function button(label, cls, onClick) {
    var b = el('button', 'small ' + cls, label);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }

  // when writes an API time as the page does: 2026-11-28 09:00.
  function when(iso) {
    var d = new Date(iso);
    var two = function (n) { return (n < 10 ? '0' : '') + n; };
    return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + two(d.getHours()) + ':' + two(d.getMinutes());
  }

  function state(e) {
    if (e.enabled) {
      var s = el('span', '', t('webhooks.enabled'));
      if (e.failingSince) {
        s.appendChild(document.createTextNode(' '));
        s.appendChild(el('span', 'muted small', t('webhooks.failing', { time: when(e.failingSince), error: e.lastError || '' })));
      }
      return s;
    }
    if (e.disabledAt) return el('strong', '', t('webhooks.disabledFailing', { time: when(e.disabledAt), reason: e.disabledReason || '' }));
    return el('span', '', t('webhooks.disabled'));
  }

  function render() {
    var tb = $('webhooks-body');
    tb.textContent = '';
    if (!endpoints.length) {
      var td = el('td', 'empty', t('webhooks.none'));
      td.colSpan = 6;
      tb.appendChild(el('tr')).appendChild(td);
      return;
    }
    endpoints.forEach(function (e) {
      var tr = el('tr');
      tr.setAttribute('data-webhook', e.id);
      var th = el('th', '', e.url);
      th.scope = 'row';
      if (e.description) {
        th.appendChild(document.createTextNode(' '));
        th.appendChild(el('span', 'muted small', e.description));
      }
      tr.appendChild(th);
      tr.appendChild(el('td', '', e.events.join(', ')));
      tr.appendChild(el('td', '', e.personalData ? t('webhooks.yes') : t('webhooks.no')));
      tr.appendChild(el('td')).appendChild(state(e));
      tr.appendChild(el('td', '', String(e.pending)));
      var acts = el('td');
      acts.appendChild(button(e.enabled ? t('webhooks.disable') : t('webhooks.enable'), 'secondary', function () {
        SW.api('PATCH', '/api/staff/webhooks/' + e.id, { enabled: !e.enabled }).then(function () {
          say(t('webhooks.updated'));
          return load();
        }, failed);
      }));
      acts.appendChild(document.createTextNode(' '));
      acts.appendChild(button(t('webhooks.log'), 'secondary', function () { showLog(e); }));
      acts.appendChild(document.createTextNode(' '));
      acts.appendChild(button(t('webhooks.delete'), 'danger', function () {
        if (!window.confirm(t('webhooks.confirmDelete', { url: e.url }))) return;
        SW.api('DELETE', '/api/staff/webhooks/' + e.id).then(function () {
          say(t('webhooks.deleted'));
          $('webhooks-secret').hidden = true;
          return load();
        }, failed);
      }));
      tr.appendChild(acts);
      tb.appendChild(tr);
    });
  }

  function load() {
    return SW.api('GET', '/api/staff/webhooks').then(function (list) {
      endpoints = list;
      render();
    }, failed);
  }

  function showLog(e) {
    SW.api('GET', '/api/staff/webhooks/' + e.id + '/deliveries').then(function (log) {
      $('webhook-log-title').textContent = t('webhooks.logTitle', { url: e.url });
      var tb = $('webhook-log-body');
      tb.textContent = '';
      if (!log.length) {
        var td = el('td', 'empty', t('webhooks.noLog'));
        td.colSpan = 4;
        tb.appendChild(el('tr')).appendChild(td);
      }
      log.forEach(function (a) {
        var tr = el('tr');
        tr.appendChild(el('td', '', when(a.at)));
        tr.appendChild(el('td', '', a.type));
        var result = a.ok ? t('webhooks.ok') : (a.error || String(a.statusCode));
        tr.appendChild(el('td', a.ok ? '' : 'muted', result));
        tr.appendChild(el('td', '', t('webhooks.ms', { n: a.durationMs })));
        tb.appendChild(tr);
      });
      $('webhook-log').hidden = false;
      $('webhook-log-title').focus();
    }, failed);
  }

  $('webhook-log-close').addEventListener('click', function () { $('webhook-log').hidden = true; });
  $('webhook-log-title').tabIndex = -1;

  $('webhook-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var err = $('webhook-error');
    err.hidden = true;
    var events = [];
    $('webhook-form').querySelectorAll('input[name=events]').forEach(function (c) { if (c.checked) events.push(c.value); });
    var body = { url: $('webhook-url').value, description: $('webhook-description').value, events: events,
      personalData: $('webhook-personal').checked };
    SW.api('POST', '/api/staff/webhooks', body).then(function (e) {
      $('webhook-url').value = '';
      $('webhook-description').value = '';
      $('webhooks-secret-value').textContent = e.secret;
      $('webhooks-secret').hidden = false;
      say(t('webhooks.created'));
      return load();
    }, function (e) {
      if (e.status === 401) { location.href = '/staff/login'; return; }
      err.textContent = e.message;
      err.hidden = false;
    });
  });

  load();
})();
