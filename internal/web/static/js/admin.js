// admin.js asks before removing a staff account (the lines and rooms are
// admin-setup.js's).
(function () {
  'use strict';
  document.querySelectorAll('form.confirm').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (!window.confirm(f.getAttribute('data-confirm'))) e.preventDefault();
    });
  });
})();
