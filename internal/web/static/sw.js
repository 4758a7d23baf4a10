// sw.js: SmartWait's service worker. Patient pages are fetched from the network
// first and kept in a cache, so a patient who opens their status page without a
// connection sees the last copy (its script then shows the last known state from
// browser storage). Versioned static files are cached on first use. Staff pages,
// the API and event streams are never cached. A page it has no copy of gets
// /offline, the server's offline note in the patient's language, fetched at
// install and again after each patient page (the language may have changed);
// without that, the browser's own offline page.
'use strict';
var CACHE = 'smartwait-v2';
var OFFLINE = '/offline';

// keepOffline stores the offline note as the browser's cookie and language get it now.
function keepOffline() {
  return caches.open(CACHE).then(function (c) { return c.add(OFFLINE); }).catch(function () { /* offline: keep the last */ });
}

self.addEventListener('install', function (e) {
  self.skipWaiting();
  e.waitUntil(keepOffline());
});

self.addEventListener('activate', function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// patientPage reports whether url is a patient's page: the check-in and
// status pages, unprefixed or a clinic's (/c/{slug}/, /c/{slug}/checkin,
// /c/{slug}/status/{id}).
function patientPage(url) {
  var p = url.pathname.replace(/^\/c\/[a-z0-9-]+(?=\/)/, '');
  return p === '/' || p === '/checkin' || p.indexOf('/status/') === 0;
}

self.addEventListener('fetch', function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf('/static/') === 0 || url.pathname === '/manifest.webmanifest') {
    e.respondWith(caches.open(CACHE).then(function (c) {
      return c.match(req).then(function (hit) {
        return hit || fetch(req).then(function (res) {
          if (res.ok) c.put(req, res.clone());
          return res;
        });
      });
    }));
    return;
  }
  if (req.mode === 'navigate' && patientPage(url)) {
    e.respondWith(fetch(req).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { c.put(req, copy); });
        keepOffline();
      }
      return res;
    }).catch(function () {
      return caches.match(req).then(function (hit) {
        return hit || caches.match(OFFLINE).then(function (note) { return note || Response.error(); });
      });
    }));
  }
});

self.addEventListener('notificationclick', function (e) {
  e.notification.close();
  var target = (e.notification.data && e.notification.data.url) || '/';
  e.waitUntil(self.clients.matchAll({ type: 'window' }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].url === target && 'focus' in list[i]) return list[i].focus();
    }
    return self.clients.openWindow(target);
  }));
});
