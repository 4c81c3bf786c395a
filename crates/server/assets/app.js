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
  function drawMap(chart, el, option, fallback) {
    fetch(el.getAttribute("data-geo"), { credentials: "same-origin", headers: { accept: "application/geo+json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (gj) {
        if (!gj.features || gj.features.length === 0) { throw new Error("no outlines"); }
        echarts.registerMap(el.getAttribute("data-map"), gj);
        chart.setOption(option);
        el.setAttribute("data-drawn", "outlines");
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
