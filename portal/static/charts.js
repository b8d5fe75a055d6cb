/* Charts drawn by the vendored ECharts (static/vendor/echarts, Apache-2.0) from data in the page,
   in the page's language, with nothing loaded from another host and no inline script (CSP):

     <div class="portal-chart" data-chart="members-by-unit" style="height: 320px"></div>
     <script type="application/json" id="members-by-unit">
       {"type": "bar", "title": "Members by unit", "categories": ["Plant 1", "Plant 2"],
        "series": [{"name": "Members", "data": [120, 80]}], "unit": "people"}
     </script>

   ``type`` is bar, line or pie; ``option`` instead of the simple fields passes a full ECharts option
   (data only: JSON has no functions). Each drawn element gets data-chart-ready="1". */
(function () {
  "use strict";

  function tooltipUnit(unit) {
    return unit ? { valueFormatter: function (value) { return value + " " + unit; } } : {};
  }

  function optionFor(spec) {
    if (spec.option) { return spec.option; }
    var type = spec.type || "bar";
    var series = (spec.series || []).map(function (one) {
      var item = { name: one.name, type: type, data: one.data };
      if (type === "pie") {
        item.radius = ["35%", "65%"];
        item.data = (spec.categories || []).map(function (name, i) { return { name: name, value: one.data[i] }; });
        item.label = { formatter: "{b}: {c} ({d}%)" };
      }
      return item;
    });
    var option = {
      title: spec.title ? { text: spec.title, left: "center", textStyle: { fontSize: 14 } } : undefined,
      tooltip: Object.assign({ trigger: type === "pie" ? "item" : "axis" }, tooltipUnit(spec.unit)),
      legend: series.length > 1 || type === "pie" ? { bottom: 0 } : undefined,
      series: series,
      animation: false
    };
    if (type !== "pie") {
      option.grid = { left: 48, right: 16, top: spec.title ? 56 : 24, bottom: series.length > 1 ? 48 : 32, containLabel: true };
      option.xAxis = { type: "category", data: spec.categories || [], axisLabel: { interval: 0, hideOverlap: true } };
      option.yAxis = { type: "value", name: spec.unit || "", minInterval: spec.integer ? 1 : 0 };
    }
    if (!(spec.categories || []).length && !spec.title) {
      option.title = { text: portalText("chart_empty"), left: "center", top: "middle", textStyle: { color: "#999", fontSize: 14 } };
    }
    return option;
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source || !window.echarts) { return; }
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (error) {
      element.textContent = portalText("chart_broken");
      return;
    }
    var chart = window.echarts.init(element, null, { locale: (document.querySelector('meta[name="portal-locale"]') || {content: "zh"}).content.indexOf("en") === 0 ? "EN" : "ZH", renderer: "svg" });
    chart.setOption(optionFor(spec));
    window.addEventListener("resize", function () { chart.resize(); });
    element.setAttribute("data-chart-ready", "1");
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  window.portalCharts = { draw: draw, optionFor: optionFor };
})();
