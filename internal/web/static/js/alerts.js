// alerts.js: the sound, vibration and notification a page uses to get attention.
// Browsers allow sound only after the user has touched the page, and notifications
// only once granted, so every part degrades quietly.
(function () {
  'use strict';
  var SW = (window.SmartWait = window.SmartWait || {});
  var ctx = null;

  function audio() {
    if (!ctx) {
      var AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return null;
      ctx = new AC();
    }
    if (ctx.state === 'suspended') ctx.resume().catch(function () {});
    return ctx;
  }

  SW.alerts = {
    // unlock prepares sound; call it from a click or key press.
    unlock: function () { audio(); },

    // chime plays a short two- or three-note tone.
    chime: function (notes) {
      var a = audio();
      if (!a || a.state !== 'running') return false;
      var t = a.currentTime;
      (notes || [660, 880]).forEach(function (f, i) {
        var o = a.createOscillator(), g = a.createGain();
        o.type = 'sine';
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, t + i * 0.35);
        g.gain.exponentialRampToValueAtTime(0.35, t + i * 0.35 + 0.03);
        g.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.35 + 0.6);
        o.connect(g).connect(a.destination);
        o.start(t + i * 0.35);
        o.stop(t + i * 0.35 + 0.65);
      });
      return true;
    },

    vibrate: function (pattern) {
      if (navigator.vibrate) navigator.vibrate(pattern || [300, 150, 300]);
    },

    canNotify: function () {
      return 'Notification' in window && window.isSecureContext;
    },

    // notify shows a system notification where granted (through the service
    // worker where there is one: Android shows only those).
    notify: function (title, body, url) {
      if (!SW.alerts.canNotify() || Notification.permission !== 'granted') return;
      var opts = { body: body, tag: 'smartwait', renotify: true, icon: '/static/icons/icon-192.png', data: { url: url || location.href } };
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.ready.then(function (reg) { reg.showNotification(title, opts); });
      } else {
        try { new Notification(title, opts); } catch (_) { /* not allowed here */ }
      }
    }
  };
})();
