// A wallet's cumulative P&L chart (realized, and total with open positions at their mark),
// drawn by the vendored uPlot; the chart shown is `window.polyrank.chart`.
"use strict";

(() => {
  const P = window.polyrank;
  const { $, h, debounce, dash, money, day, compactMoney } = P.lib;
  const COLORS = { realized: "#2563eb", total: "#d97706" };

  let chart = null;

  function destroyChart() {
    if (chart) { chart.destroy(); chart = null; }
    P.chart = null;
  }

  function renderChart(points) {
    const box = $("#pnl-chart");
    destroyChart();
    box.replaceChildren();
    if (!points.length) {
      box.append(h("p", { class: "muted" }, "No closed positions yet: nothing to chart."));
      return;
    }
    if (typeof window.uPlot !== "function") {
      box.append(h("p", { class: "muted" },
        "The chart library is not bundled with this install (make assets)."));
      return;
    }
    const xs = points.map((p) => Date.parse(p.day + "T00:00:00Z") / 1000);
    const data = [xs, points.map((p) => p.realized), points.map((p) => p.total)];
    const width = Math.max(320, box.clientWidth);
    // the legend shows the day under the cursor, and the latest day when there is none
    const last = points.length - 1;
    const legend = (fmt) => (u, v, series, idx) => idx == null ? fmt(data[series][last])
      : fmt(v);
    const opts = {
      width, height: 300,
      tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      scales: { x: { time: true } },
      series: [
        { label: "Day", value: legend((v) => v == null ? dash : day(v)) },
        { label: "Realized", stroke: COLORS.realized, width: 2,
          value: legend(money), points: { show: points.length < 3 } },
        { label: "Total (open at mark)", stroke: COLORS.total, width: 2, dash: [6, 4],
          value: legend(money), points: { show: points.length < 3 } },
      ],
      axes: [{}, { size: 70, values: (u, vals) => vals.map(compactMoney) }],
    };
    chart = new window.uPlot(opts, data, box);
    P.chart = chart;
    box.dataset.points = String(points.length);
  }

  window.addEventListener("resize", debounce(() => {
    if (chart) chart.setSize({ width: Math.max(320, $("#pnl-chart").clientWidth), height: 300 });
  }, 150));

  Object.assign(P.lib, { destroyChart, renderChart });
})();
