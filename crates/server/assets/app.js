// fenlei dashboard: draws every chart from the JSON options the server put beside it.
// A chart's data item with a `url` opens that page when clicked (the maps' units).
// A map over outlines (`data-geo`: a shapes endpoint, `data-map`: the map's name) fetches the
// GeoJSON, registers it and draws; without outlines it draws the option's `fallback`.
(function () {
  "use strict";
  function tips(option) {
    // `tipFromData`: the tooltip is the hovered item's `tip` (HTML-escaped but for <br>).
    if (option.tooltip && option.tooltip.tipFromData) {
      delete option.tooltip.tipFromData;
      option.tooltip.formatter = function (p) {
        var t = (p.data && p.data.tip) || p.name || "";
        return t.split("<br>").map(echarts.format.encodeHTML).join("<br>");
      };
    }
    return option;
  }
  // The layout that fills the chart with the map's region `b` ([minX, minY, maxX, maxY]) at
  // its own aspect: ECharts keeps the aspect only with layoutCenter/layoutSize, whose size is
  // the region's longer side in pixels.
  function layout(el, b, top) {
    var w = Math.max(b[2] - b[0], 1), h = Math.max(b[3] - b[1], 1);
    var height = Math.max(el.clientHeight - top, 1);
    var scale = Math.min((el.clientWidth * 0.94) / w, (height * 0.92) / h);
    return {
      layoutCenter: ["50%", ((top + height / 2) / Math.max(el.clientHeight, 1)) * 100 + "%"],
      layoutSize: Math.max(w, h) * scale
    };
  }
  function drawMap(chart, el, option, fallback) {
    // `fit`: the region to fill the chart with, in the map's `geo` (else its first series).
    var bounds = option.fit;
    delete option.fit;
    var top = option.legend ? 36 : 0;
    function fitted() {
      var l = bounds ? layout(el, bounds, top) : {};
      return option.geo ? { geo: l } : { series: [l] };
    }
    fetch(el.getAttribute("data-geo"), { credentials: "same-origin", headers: { accept: "application/geo+json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (gj) {
        if (!gj.features || gj.features.length === 0) { throw new Error("no outlines"); }
        echarts.registerMap(el.getAttribute("data-map"), gj);
        chart.setOption(option);
        chart.setOption(fitted());
        el.setAttribute("data-drawn", "outlines");
        window.addEventListener("resize", function () { chart.setOption(fitted()); });
      })
      .catch(function () {
        if (fallback) { chart.setOption(tips(fallback)); }
        el.setAttribute("data-drawn", "fallback");
      });
  }
  function draw() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-chart"));
      if (!src) { return; }
      var option = tips(JSON.parse(src.textContent));
      var fallback = option.fallback;
      delete option.fallback;
      var chart = echarts.init(el);
      if (el.getAttribute("data-geo")) {
        drawMap(chart, el, option, fallback);
      } else {
        chart.setOption(option);
      }
      chart.on("click", function (p) {
        if (p.data && p.data.url) { window.location.href = p.data.url; }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
