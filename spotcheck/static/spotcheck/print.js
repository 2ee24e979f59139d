/* The print button of the team list (a static file: the Content-Security-Policy forbids inline
   script): any element with data-print opens the browser's print dialog. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () {
        window.print();
      });
    });
  });
})();
