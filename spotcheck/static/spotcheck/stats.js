/* Charts of the statistics pages. Each <div class="stats-chart" role="img" data-chart="ID"> is
   drawn from the JSON of <script id="ID" type="application/json"> (Django's json_script) with the
   vendored ECharts: no inline script, so the CSP stays strict. The table beside each chart
   holds the same figures. The JSON is {chart, title, labels, series: [{name, data}], percent,
   colors: {series or label: colour}}.
   The legend is ours, not ECharts': a row of <button aria-pressed> above the chart, one per
   series (per slice of a pie), that hides or shows it. ECharts draws its legend on the canvas,
   where a keyboard cannot reach its entries nor the arrows paging a legend too wide for a
   phone; these buttons wrap instead of paging, take Tab and show the focus ring. */
(function () {
  "use strict";

  var PALETTE = ["#1f6feb", "#0f766e", "#6f42c1", "#b45309", "#1b7f3b", "#64748b", "#b71c1c"];

  function readSpec(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (error) { return null; }
  }

  function shortLabel(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  function labelWidth(figure) {
    // category labels take at most about a third of the chart's width (long item names)
    return Math.max(70, Math.min(190, Math.round(figure.clientWidth * 0.34)));
  }

  function colourOf(spec, name, index) {
    return (spec.colors && spec.colors[name]) || PALETTE[index % PALETTE.length];
  }

  function pieOption(spec) {
    var values = spec.series.length ? spec.series[0].data : [];
    return {
      color: PALETTE,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { show: false },  // the buttons above the chart (legendButtons)
      series: [{
        type: "pie",
        radius: ["35%", "65%"],
        center: ["50%", "50%"],
        label: { show: false },
        data: spec.labels.map(function (label, i) {
          return { name: label, value: values[i], itemStyle: { color: colourOf(spec, label, i) } };
        })
      }]
    };
  }

  function axisOption(spec, figure) {
    // Bars lie horizontally (category labels are long Chinese item names); lines run by month.
    var horizontal = spec.chart !== "line";
    var stacked = spec.chart === "stacked_bar";
    var categoryAxis = {
      type: "category",
      data: spec.labels,
      inverse: horizontal,
      axisLabel: horizontal
        ? { width: labelWidth(figure), overflow: "truncate" }
        : { formatter: function (value) { return shortLabel(String(value), 10); } }
    };
    var valueAxis = {
      type: "value",
      max: spec.percent ? 100 : null,
      axisLabel: { formatter: spec.percent ? "{value}%" : "{value}" }
    };
    return {
      color: PALETTE,
      tooltip: { trigger: "axis", axisPointer: { type: horizontal ? "shadow" : "line" } },
      legend: { show: false },  // the buttons above the chart (legendButtons)
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: spec.series.map(function (s, i) {
        return {
          name: s.name,
          itemStyle: { color: colourOf(spec, s.name, i) },
          lineStyle: spec.chart === "line" ? { color: colourOf(spec, s.name, i) } : undefined,
          type: spec.chart === "line" ? "line" : "bar",
          stack: stacked ? "total" : undefined,
          data: s.data,
          barMaxWidth: 18
        };
      })
    };
  }

  function legendButtons(spec, chart) {
    // one button per legend entry: its name is the series' (the slice's) full name
    var names = spec.chart === "pie" ? spec.labels : spec.series.map(function (s) { return s.name; });
    var legend = document.createElement("div");
    legend.className = "chart-legend";
    legend.setAttribute("role", "group");
    legend.setAttribute("aria-label", spec.title + "：图例（按下隐藏或显示）");
    var buttons = {};
    names.forEach(function (name, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "chart-key";
      button.setAttribute("aria-pressed", "true");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.setAttribute("aria-hidden", "true");
      swatch.style.backgroundColor = colourOf(spec, name, i);  // CSSOM: allowed by the CSP
      button.appendChild(swatch);
      button.appendChild(document.createTextNode(name));
      button.addEventListener("click", function () {
        chart.dispatchAction({ type: "legendToggleSelect", name: name });
      });
      buttons[name] = button;
      legend.appendChild(button);
    });
    chart.on("legendselectchanged", function (event) {
      Object.keys(event.selected).forEach(function (name) {
        if (buttons[name]) { buttons[name].setAttribute("aria-pressed", String(event.selected[name])); }
      });
    });
    return legend;
  }

  function draw(figure) {
    var spec = readSpec(figure.getAttribute("data-chart"));
    var box = figure.closest(".stats-chart-box") || figure;
    if (!spec || !window.echarts || !spec.labels.length) {
      box.hidden = true;
      return null;
    }
    if (spec.chart === "bar" || spec.chart === "stacked_bar") {
      var perRow = spec.chart === "bar" ? 12 + 8 * spec.series.length : 24;
      figure.style.height = Math.max(220, Math.min(1600, 70 + spec.labels.length * perRow)) + "px";
    }
    var chart = window.echarts.init(figure, null, { renderer: "canvas" });
    chart.setOption(spec.chart === "pie" ? pieOption(spec) : axisOption(spec, figure));
    figure.parentNode.insertBefore(legendButtons(spec, chart), figure);
    figure.setAttribute("data-drawn", "true");
    chart.relabel = function () {
      if (spec.chart === "bar" || spec.chart === "stacked_bar") {
        chart.setOption({ yAxis: { axisLabel: { width: labelWidth(figure) } } });
      }
      chart.resize();
    };
    return chart;
  }

  function start() {
    var charts = [];
    document.querySelectorAll(".stats-chart[data-chart]").forEach(function (figure) {
      var chart = draw(figure);
      if (chart) { charts.push(chart); }
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) { chart.relabel(); });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
