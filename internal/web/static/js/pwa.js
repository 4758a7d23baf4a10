// pwa.js registers the service worker that lets a patient reopen their status page
// offline (it shows the last known state) and install the app.
(function () {
  'use strict';
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js').catch(function () { /* the page works without it */ });
  }
})();
