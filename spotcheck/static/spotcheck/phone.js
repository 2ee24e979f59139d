/* Phone layout helpers (a static file: the Content-Security-Policy forbids inline script).
   1. The menu button opens and closes the top bar's menu on narrow screens.
   2. Each cell of a table.list gets its column's heading as data-label, so that the
      stylesheet can show every row as a card with labelled fields on a phone. */
(function () {
  "use strict";

  function setupMenu() {
    var button = document.querySelector(".menu-toggle");
    var bar = document.querySelector(".topbar");
    if (!button || !bar) return;
    button.addEventListener("click", function () {
      var open = bar.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function labelTable(table) {
    var heads = table.querySelectorAll("thead tr:last-child th");
    if (!heads.length) return;
    var labels = [];
    heads.forEach(function (th) {
      var span = parseInt(th.getAttribute("colspan") || "1", 10);
      for (var i = 0; i < span; i++) labels.push(th.textContent.trim());
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var col = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        if (!cell.hasAttribute("data-label") && labels[col]) {
          cell.setAttribute("data-label", labels[col]);
        }
        col += parseInt(cell.getAttribute("colspan") || "1", 10);
      });
    });
  }

  function labelTables(root) {
    (root || document).querySelectorAll("table.list").forEach(labelTable);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupMenu();
    labelTables(document);
  });
  /* htmx swaps in fresh table bodies (filters, paging): label them too. */
  document.addEventListener("htmx:afterSettle", function () {
    labelTables(document);
  });
})();
