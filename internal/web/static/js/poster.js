// poster.js: the print button of the QR poster.
(function () {
  'use strict';
  var b = document.getElementById('print');
  if (b) b.addEventListener('click', function () { window.print(); });
})();
