// A wallet's metrics: the table of every metric per window in one category, and the skill,
// risk and behaviour figures of the whole history, each with its plain-language sentence.
"use strict";

(() => {
  const P = window.polyrank;
  const { $, h, money, pct1, count, sign, dash, day, f2, f3, perShare, omegaText, plainValue,
          isWhole } = P.lib;
  const FIGURES = window.polyrankFigures;

  // The rows of a wallet's metrics table: [name, label, format, signed, options]; `covers`:
  // other metrics the row shows too; `whole`: only computed over the whole history. A sort key
  // of /api/meta that no row shows is added at the end under its own name.
  const METRIC_ROWS = [
    ["eligibility", "Eligibility", (m) => m.eligibility],
    ["omega_score", "Omega score", (m) => m.omega_score == null ? dash : f3.format(m.omega_score)],
    ["omega", "Omega", omegaText],
    ["realized_pnl", "Realized P&L (closed bets)", (m) => money(m.realized_pnl), true],
    ["realized_pnl_all", "Realized P&L (all positions)", (m) => money(m.realized_pnl_all), true,
     { whole: true }],
    ["unrealized_pnl", "Unrealized P&L", (m) => money(m.unrealized_pnl), true, { whole: true }],
    ["total_pnl", "Total P&L", (m) => money(m.total_pnl), true, { whole: true }],
    ["pnl_polymarket", "Polymarket's P&L (its convention)", (m) => money(m.pnl_polymarket),
     true, { whole: true, title: "realized as Polymarket counts it: fees ignored, a resolved "
       + "position only once redeemed. Realized P&L (all positions) = this + fees + "
       + "resolved but unredeemed" }],
    ["pnl_fee_effect", "… difference: fees paid", (m) => money(m.pnl_fee_effect), true,
     { whole: true, title: "what the fees cost (Polymarket ignores them); V2 fills loaded "
       + "from the Data API carry no fee" }],
    ["pnl_unredeemed", "… difference: resolved, not redeemed", (m) => money(m.pnl_unredeemed),
     true, { whole: true, title: "resolved positions polyrank settles at their payout and "
       + "Polymarket counts only once redeemed" }],
    ["roi", "ROI ± se", (m) => m.roi == null ? dash
      : `${pct1(m.roi)}${m.roi_se != null ? " ± " + pct1(m.roi_se) : ""}`, true],
    ["win_rate", "Win rate (Wilson LB)", (m) => m.win_rate == null ? dash
      : `${pct1(m.win_rate)} (${f2.format(m.win_rate_lb)})`, false, { covers: ["win_rate_lb"] }],
    ["bets_closed", "Closed bets (won / lost)", (m) =>
      `${count(m.bets_closed)} (${count(m.bets_won)} / ${count(m.bets_lost)})`],
    ["bets_open", "Open bets", (m) => count(m.bets_open)],
    ["cost", "Cost of closed bets", (m) => money(m.cost)],
    ["gains", "Gains / losses", (m) => `${money(m.gains)} / ${money(m.losses)}`],
    ["avg_win", "Average win / loss", (m) => `${money(m.avg_win)} / ${money(m.avg_loss)}`],
    ["max_win", "Largest win / loss", (m) => `${money(m.max_win)} / ${money(m.max_loss)}`],
    ["trades", "Trades", (m) => count(m.trades)],
    ["volume_usdc", "Volume", (m) => money(m.volume_usdc)],
    ["markets_traded", "Markets traded", (m) => count(m.markets_traded)],
    ["active_days", "Active days", (m) => count(m.active_days)],
    ["first_trade_at", "First / last trade", (m) =>
      `${day(m.first_trade_at)} → ${day(m.last_trade_at)}`],
    // skill against the price paid, risk, behaviour (docs/metrics.md §4.6-§4.8)
    ["skilled", "Skilled badge", (m) => m.skilled ? "✓ skilled" : "no", false,
     { title: FIGURES.text.skilled }],
    ["edge", "Edge per share", (m) => perShare(m.edge), true, { title: FIGURES.text.edge }],
    ["edge_lb", "Edge, lower bound", (m) => perShare(m.edge_lb), true,
     { title: FIGURES.text.edge_lb }],
    ["skill_z", "Skill z (p)", (m) => m.skill_z == null ? dash : f2.format(m.skill_z)
      + (m.skill_p != null ? ` (${f3.format(m.skill_p)})` : ""), false,
     { title: FIGURES.text.skill_z, covers: ["skill_p", "edge_se"] }],
    ["sharpe_daily", "Sharpe / Sortino (daily)", (m) => `${m.sharpe_daily == null ? dash
      : f3.format(m.sharpe_daily)} / ${m.sortino_daily == null ? dash
      : f3.format(m.sortino_daily)}`, false,
     { title: FIGURES.text.sharpe_daily, covers: ["sortino_daily"] }],
    ["max_drawdown", "Max drawdown", (m) => m.max_drawdown == null ? dash
      : money(m.max_drawdown) + (m.max_drawdown_pct != null ? ` (${pct1(m.max_drawdown_pct)})`
        : ""), false, { title: FIGURES.text.max_drawdown, covers: ["max_drawdown_pct"] }],
    ["market_maker", "Market maker", (m) => (m.market_maker ? "yes" : "no")
      + (m.passive_share != null || m.both_sides_share != null ? ` (passive `
        + `${pct1(m.passive_share)}, both sides ${pct1(m.both_sides_share)})` : ""), false,
     { title: FIGURES.text.market_maker, covers: ["passive_share", "both_sides_share"] }],
    ["high_frequency", "Bot-like (high frequency)", (m) => (m.high_frequency ? "yes" : "no")
      + (m.median_gap_s != null ? ` (median gap ${count(m.median_gap_s)} s)` : ""), false,
     { title: FIGURES.text.high_frequency, covers: ["median_gap_s"] }],
    ["favourite_buyer", "Favourite buyer", (m) => (m.favourite_buyer ? "yes" : "no")
      + (m.median_entry != null ? ` (median entry ${f2.format(m.median_entry)})` : ""), false,
     { title: FIGURES.text.favourite_buyer, covers: ["median_entry"] }],
  ];

  function metricRows() {
    const shown = new Set(METRIC_ROWS.flatMap(([key, , , , o]) => [key, ...((o || {}).covers
      || [])]));
    return [...METRIC_ROWS, ...P.meta.sorts.filter((key) => !shown.has(key)).map((key) =>
      [key, key, (m) => plainValue(m[key])])];
  }

  // The skill, risk and behaviour figures of the whole history in one category, each with
  // one plain sentence: what it says to someone deciding whom to copy.
  function renderExplained(row, cat) {
    const shown = Object.fromEntries(METRIC_ROWS.map(([key, , fmt]) => [key, fmt]));
    $("#wallet-explain").replaceChildren(
      h("p", { class: "muted" }, `Values over the whole history (${P.meta.whole}) in ${cat}.`),
      h("dl", { class: "explain" }, FIGURES.explain.map(({ key, label }) => h("div",
        { "data-figure": key },
        h("dt", {}, label, ": ", h("strong", { class: "value" },
          row && shown[key] ? shown[key](row) : dash)),
        h("dd", {}, FIGURES.text[key])))));
  }

  function renderMetrics(metrics) {
    const byWindow = Object.fromEntries(metrics.map((m) => [m.window, m]));
    const shown = P.meta.windowNames.filter((w) => byWindow[w]);
    $("#wallet-metrics").replaceChildren(
      h("thead", {}, h("tr", {}, h("th", {}, ""), shown.map((w) => h("th", { class: "num" }, w)))),
      h("tbody", {}, metricRows().map(([key, label, fmt, signed, opts]) => h("tr",
        { "data-metric": key },
        h("th", { scope: "row", title: (opts || {}).title || null }, label),
        shown.map((w) => {
          const elsewhere = (opts || {}).whole && !isWhole(w) && byWindow[w][key] == null;
          return h("td", { class: `num ${signed ? sign(byWindow[w][key]) : ""}`,
                           "data-window": w,
                           title: elsewhere ? `computed over the whole history only (${
                             P.meta.whole})` : null }, fmt(byWindow[w]));
        })))));
  }

  Object.assign(P.lib, { renderMetrics, renderExplained });
})();
