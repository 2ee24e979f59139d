// The ceremony screen: after execution, show the selected entities one row at a time, in ticket
// order. The full list is in the HTML; without JavaScript it is simply shown at once.
(function () {
  "use strict";
  function start() {
    var table = document.querySelector("table[data-reveal]");
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    rows.forEach(function (row) { row.classList.add("pending"); });
    var next = 0;
    var timer = window.setInterval(step, 900);
    function step() {
      if (next >= rows.length) { window.clearInterval(timer); return; }
      rows[next].classList.remove("pending");
      rows[next].classList.add("revealed");
      next += 1;
    }
    var all = document.querySelector("[data-reveal-all]");
    if (all) {
      all.addEventListener("click", function () {
        window.clearInterval(timer);
        rows.forEach(function (row) { row.classList.remove("pending"); });
      });
    }
    step();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
