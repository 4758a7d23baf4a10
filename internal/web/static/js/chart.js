// chart.js draws today's waits as an inline SVG: one dot per patient at their
// check-in time (filled once called, hollow while still waiting), its height the
// actual wait, and a dash at the wait they were quoted. Built with DOM calls only,
// so the page's CSP needs no inline styles.
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var W = 720, H = 240, L = 44, R = 36, T = 26, B = 30;
  var t = window.SmartWait.t; // the page's words (#sw-text): staff.chart

  function node(name, attrs, text) {
    var n = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined) n.textContent = text;
    return n;
  }

  // niceMax rounds the top of the scale up so its four grid steps are round numbers.
  function niceMax(v) {
    var steps = [5, 10, 15, 20, 30, 45, 60, 90, 120];
    for (var i = 0; i < steps.length; i++) if (v <= steps[i] * 4) return steps[i] * 4;
    return Math.ceil(v / 240) * 240;
  }

  window.SmartWait.chart = function (box, points, now) {
    box.textContent = '';
    if (!points.length) {
      var p = document.createElement('p');
      p.className = 'empty';
      p.textContent = t('chart.empty');
      box.appendChild(p);
      return;
    }
    var times = points.map(function (p) { return Date.parse(p.checkInTime); });
    var start = new Date(Math.min.apply(null, times));
    start.setMinutes(0, 0, 0);
    var end = Math.max(now, start.getTime() + 3600e3);
    var yMax = niceMax(Math.max.apply(null, points.map(function (p) { return Math.max(p.waitMinutes, p.quotedMinutes); }).concat([10])));
    var x = function (ms) { return L + (ms - start.getTime()) / (end - start.getTime()) * (W - L - R); };
    var y = function (m) { return T + (1 - m / yMax) * (H - T - B); };

    var svg = node('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': 'chart-t chart-d', class: 'chart-svg' });
    svg.appendChild(node('title', { id: 'chart-t' }, t('chart.title')));
    var worst = points.reduce(function (a, p) { return p.waitMinutes > a.waitMinutes ? p : a; });
    svg.appendChild(node('desc', { id: 'chart-d' },
      t('chart.summary', { n: points.length, minutes: Math.round(worst.waitMinutes), ticket: worst.ticketNumber })));

    for (var i = 0; i <= 4; i++) { // horizontal grid with minute labels
      var m = yMax * i / 4;
      svg.appendChild(node('line', { x1: L, x2: W - R, y1: y(m), y2: y(m), class: 'grid' }));
      svg.appendChild(node('text', { x: L - 6, y: y(m) + 4, class: 'axis', 'text-anchor': 'end' }, String(Math.round(m))));
    }
    svg.appendChild(node('text', { x: 4, y: 14, class: 'axis' }, t('chart.axis')));
    for (var h = start.getTime(); h <= end; h += 3600e3) { // an hour mark per hour
      var hx = x(h);
      svg.appendChild(node('line', { x1: hx, x2: hx, y1: T, y2: H - B, class: 'grid' }));
      svg.appendChild(node('text', { x: hx, y: H - B + 18, class: 'axis', 'text-anchor': 'middle' },
        new Date(h).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
    }
    var line = points.map(function (p) { return x(Date.parse(p.checkInTime)).toFixed(1) + ',' + y(p.waitMinutes).toFixed(1); });
    svg.appendChild(node('polyline', { points: line.join(' '), class: 'actual-line' }));
    points.forEach(function (p) {
      var px = x(Date.parse(p.checkInTime));
      svg.appendChild(node('line', { x1: px - 7, x2: px + 7, y1: y(p.quotedMinutes), y2: y(p.quotedMinutes), class: 'quoted' }));
      var c = node('circle', { cx: px, cy: y(p.waitMinutes), r: 5, class: p.stillWaiting ? 'dot waiting' : 'dot' });
      c.appendChild(node('title', {}, t('chart.point', { ticket: p.ticketNumber, minutes: Math.round(p.waitMinutes), quoted: p.quotedMinutes })));
      svg.appendChild(c);
    });
    box.appendChild(svg);
  };
})();
