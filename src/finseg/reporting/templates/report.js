/* Draw every chart from the inlined options; ECharts renders SVG (crisp in print). */
(function () {
  "use strict";
  var root = document.documentElement;
  function fail(message) {
    root.setAttribute("data-js-error", String(message));
    document.body.setAttribute("data-js-error", String(message));
  }
  if (typeof echarts === "undefined") { fail("ECharts did not load"); return; }
  var options = JSON.parse(document.getElementById("finseg-charts").textContent);
  var numbers = new Intl.NumberFormat({{ html_lang|tojson }}, {maximumFractionDigits: 2});
  function fmt(value) { return typeof value === "number" ? numbers.format(value) : value; }
  /* JSON cannot carry functions: add thousands separators to value axes and bar labels. */
  function localise(option) {
    [].concat(option.xAxis || [], option.yAxis || []).forEach(function (axis) {
      if (axis.type === "value") { axis.axisLabel = Object.assign({formatter: fmt}, axis.axisLabel); }
    });
    (option.series || []).forEach(function (series) {
      if (series.type === "bar" && series.label && series.label.show) {
        series.label.formatter = function (p) { return fmt(p.value); };
      }
    });
    if (option.tooltip && option.tooltip.trigger === "axis") { option.tooltip.valueFormatter = fmt; }
    return option;
  }
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    try {
      var chart = echarts.init(el, null, {renderer: 'svg', locale: {{ ("ZH" if lang == "zh" else "EN")|tojson }}});
      chart.setOption(localise(options[el.getAttribute("data-chart")]));
      charts.push(chart);
    } catch (error) {
      fail(el.id + ": " + error.message);
    }
  });
  document.body.setAttribute("data-charts-drawn", String(charts.length));
  function resize(width) { charts.forEach(function (c) { c.resize(width ? {width: width} : undefined); }); }
  window.addEventListener("resize", function () { resize(); });
  window.addEventListener("beforeprint", function () { resize(680); });
  window.addEventListener("afterprint", function () { resize(); });
})();
