// staff-stats.js: the dashboard's figures of the day and its wait chart
// (GET /api/staff/stats, GET /api/staff/waits). staff.js asks for them when
// it loads the queue and, while events flow, through soon(): the figures at
// most every few seconds and the chart at most every half minute.
(function () {
  'use strict';
  var SW = window.SmartWait;
  var $ = function (id) { return document.getElementById(id); };
  var t = SW.t; // the page's words (#sw-text)
  var STATS_MS = 5000, CHART_MS = 30000, ALERT_MS = 30000;

  function setStat(id, v) { $(id).textContent = v === undefined || v === null ? '–' : v; }

  function render(s) {
    // Why texts are not going out (the breaker on confirmation texts): the API
    // says it in smsAlert, absent when all is well.
    var alert = $('sms-alert');
    alert.textContent = s.smsAlert || '';
    alert.hidden = !s.smsAlert;
    setStat('st-waiting', s.totalWaiting);
    setStat('st-called', s.totalCalled);
    setStat('st-completed', s.totalCompleted);
    setStat('st-noshow', s.totalNoShow);
    setStat('st-avgwait', s.averageWaitTime);
    setStat('st-avgservice', s.averageServiceTime);
    if (s.estimateSamples) {
      setStat('st-error', t('figures.meanError', { minutes: s.estimateMeanAbsError }));
      $('st-error-note').textContent = t('figures.errorNote', {
        under: Math.round(s.estimateUnderShare * 100), late: Math.round((s.estimateLateShare || 0) * 100), samples: s.estimateSamples
      });
    } else {
      setStat('st-error', '–');
      $('st-error-note').textContent = t('figures.noVisit');
    }
  }

  // SW.staffFigures builds the loaders; line() is the line whose figures to
  // show ('' for the whole clinic's).
  SW.staffFigures = function (line) {
    function load() {
      var l = line();
      return SW.api('GET', '/api/staff/stats' + (l ? '?line=' + encodeURIComponent(l) : '')).then(render);
    }
    function chart() {
      return SW.api('GET', '/api/staff/waits').then(function (points) { SW.chart($('chart'), points, Date.now() + SW.skew); });
    }
    var statsLater = SW.later(load, STATS_MS), chartLater = SW.later(chart, CHART_MS);
    // The SMS alert can end without any queue event: re-read the figures now and then.
    setInterval(function () { load().catch(function () {}); }, ALERT_MS);
    return { load: load, chart: chart, soon: function () { statsLater(); chartLater(); } };
  };
})();
