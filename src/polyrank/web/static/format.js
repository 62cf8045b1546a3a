// How the page writes numbers, money, times and durations, and a table's numeric cell.
"use strict";

(() => {
  const P = window.polyrank;
  const { h } = P.lib;

  const fixed = (digits) => new Intl.NumberFormat("en-US", {
    minimumFractionDigits: digits, maximumFractionDigits: digits });
  const f0 = fixed(0), f2 = fixed(2), f3 = fixed(3), f4 = fixed(4);
  const f2to4 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2,
                                                  maximumFractionDigits: 4 });

  const dash = "—";
  const money = (v) => v == null ? dash : (v < 0 ? "−$" : "$") + f2.format(Math.abs(v));
  const pct1 = (v) => v == null ? dash : (v * 100).toFixed(1) + "%";
  const count = (v) => v == null ? dash : f0.format(v);
  const sign = (v) => v == null || v === 0 ? "" : v > 0 ? "pos" : "neg";
  const when = (ts) => ts == null ? dash
    : new Date(ts * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  const day = (ts) => ts == null ? dash : new Date(ts * 1000).toISOString().slice(0, 10);
  // a figure in dollars per share, with its sign (+0.032)
  const perShare = (v) => v == null ? dash : (v > 0 ? "+" : v < 0 ? "−" : "") + f3.format(Math.abs(v));
  const omegaText = (row) => row.omega != null ? f2.format(row.omega)
    : row.omega_unbounded ? "∞" : dash;
  const compactMoney = (v) => {
    const a = Math.abs(v);
    const s = a >= 1e6 ? (a / 1e6).toFixed(1) + "M" : a >= 1e3 ? (a / 1e3).toFixed(1) + "k"
      : a.toFixed(0);
    return (v < 0 ? "−$" : "$") + s;
  };
  const ago = (seconds) => {
    const s = Math.max(0, seconds);
    return s < 90 ? `${Math.round(s)} s` : s < 90 * 60 ? `${Math.round(s / 60)} min`
      : s < 48 * 3600 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} days`;
  };

  // a value of a metric this page does not know, by its type
  function plainValue(v) {
    if (v == null) return dash;
    if (typeof v === "number") return Number.isInteger(v) ? count(v) : f3.format(v);
    return String(v);
  }

  // A numeric cell: shown formatted, its raw value kept in data-value.
  function numCell(value, text, extraClass) {
    return h("td", { class: `num ${extraClass || ""}`.trim(),
                     "data-value": value == null ? "" : value }, text);
  }

  Object.assign(P.lib, { f2, f3, f4, f2to4, dash, money, pct1, count, sign, when, day,
                         perShare, omegaText, compactMoney, ago, plainValue, numCell });
})();
