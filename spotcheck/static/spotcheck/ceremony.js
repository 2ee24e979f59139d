// The ceremony screens: after execution, show the selected entities one row at a time, in
// ticket order, table after table (a round shows one table per group of items). The speed can be
// changed, paused or skipped with the controls (shown only when this script runs). The full list
// is in the HTML; without JavaScript it is simply shown at once.
(function () {
  "use strict";
  function start() {
    var tables = Array.prototype.slice.call(document.querySelectorAll("table[data-reveal]"));
    if (!tables.length) { return; }
    var rows = [];
    tables.forEach(function (table) {
      rows = rows.concat(Array.prototype.slice.call(table.querySelectorAll("tbody tr")));
    });
    rows.forEach(function (row) { row.classList.add("pending"); });
    var next = 0;
    var delay = 900;
    var timer = null;
    var controls = document.querySelector("[data-reveal-controls]");
    var speed = document.querySelector("[data-reveal-speed]");
    var pause = document.querySelector("[data-reveal-pause]");
    var all = document.querySelector("[data-reveal-all]");
    if (controls) { controls.hidden = false; }
    if (speed) { delay = parseInt(speed.value, 10) || delay; }

    function finish() {
      stop();
      if (controls && pause) { pause.hidden = true; }
    }
    function stop() {
      if (timer !== null) { window.clearInterval(timer); timer = null; }
    }
    function run() {
      stop();
      timer = window.setInterval(step, delay);
      if (pause) { pause.textContent = "暂停"; }
    }
    function step() {
      if (next >= rows.length) { finish(); return; }
      rows[next].classList.remove("pending");
      rows[next].classList.add("revealed");
      next += 1;
      if (next >= rows.length) { finish(); }
    }
    if (speed) {
      speed.addEventListener("change", function () {
        delay = parseInt(speed.value, 10) || delay;
        if (timer !== null) { run(); }
      });
    }
    if (pause) {
      pause.addEventListener("click", function () {
        if (timer !== null) { stop(); pause.textContent = "继续"; } else { run(); }
      });
    }
    if (all) {
      all.addEventListener("click", function () {
        rows.forEach(function (row) { row.classList.remove("pending"); });
        next = rows.length;
        finish();
      });
    }
    step();
    if (next < rows.length) { run(); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
