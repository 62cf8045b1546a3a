// The leaderboard's columns: how each metric is labelled and drawn, by its name, and which
// of them a window offers.
"use strict";

(() => {
  const P = window.polyrank;
  const { h, numCell, money, pct1, count, sign, dash, f2, f3, perShare, omegaText,
          plainValue } = P.lib;
  const FIGURES = window.polyrankFigures;

  // How each metric is labelled and drawn, by its name. The columns themselves are /api/meta's
  // sort keys, in its order; a key this table does not know is shown under its own name.
  // `whole`: the metric exists only over the whole history (every other window answers null),
  // so its column and sort are not offered in other windows.
  const BOARD_METRICS = {
    omega_score: { label: "Omega score",
      title: "(gains + k·c̄) / (losses + k·c̄): the rank key, pulled toward 1 for thin records",
      cell: (r) => numCell(r.omega_score, r.omega_score == null ? dash
        : f3.format(r.omega_score)) },
    omega: { label: "Omega", title: "gains / losses over closed bets",
      cell: (r) => numCell(r.omega, omegaText(r)) },
    realized_pnl: { label: "Realized P&L", title: "P&L of the closed bets, net of fees",
      cell: (r) => numCell(r.realized_pnl, money(r.realized_pnl), sign(r.realized_pnl)) },
    total_pnl: { label: "Total P&L", whole: true,
      title: "realized plus open positions at their mark (over the whole history only)",
      cell: (r) => numCell(r.total_pnl, money(r.total_pnl), sign(r.total_pnl)) },
    roi: { label: "ROI ± se", title: "return on the cost of closed bets, ± its standard error",
      cell: (r) => numCell(r.roi, [h("span", { class: sign(r.roi) }, pct1(r.roi)),
        r.roi_se != null ? h("small", {}, ` ± ${pct1(r.roi_se)}`) : null]) },
    win_rate_lb: { label: "Win rate (LB)",
      title: "the Wilson lower bound of won / (won + lost), and in brackets the win rate",
      cell: (r) => numCell(r.win_rate_lb, [r.win_rate_lb == null ? dash
        : f2.format(r.win_rate_lb),
        r.win_rate != null ? h("small", {}, ` (${pct1(r.win_rate)})`) : null]) },
    volume_usdc: { label: "Volume", title: "USDC traded",
      cell: (r) => numCell(r.volume_usdc, money(r.volume_usdc)) },
    edge: { label: "Edge", title: FIGURES.text.edge,
      cell: (r) => numCell(r.edge, perShare(r.edge), sign(r.edge)) },
    edge_lb: { label: "Edge (LB)", title: FIGURES.text.edge_lb,
      cell: (r) => numCell(r.edge_lb, perShare(r.edge_lb), sign(r.edge_lb)) },
    skill_z: { label: "Skill z", title: FIGURES.text.skill_z,
      cell: (r) => numCell(r.skill_z, r.skill_z == null ? dash : f2.format(r.skill_z)) },
    sharpe_daily: { label: "Sharpe (daily)", title: FIGURES.text.sharpe_daily,
      cell: (r) => numCell(r.sharpe_daily, r.sharpe_daily == null ? dash
        : f3.format(r.sharpe_daily)) },
    sortino_daily: { label: "Sortino (daily)", title: FIGURES.text.sharpe_daily,
      cell: (r) => numCell(r.sortino_daily, r.sortino_daily == null ? dash
        : f3.format(r.sortino_daily)) },
    bets_closed: { label: "Closed bets", title: "closed bets (sorted by these), and the open ones",
      cell: (r) => numCell(r.bets_closed, [count(r.bets_closed),
        r.bets_open ? h("small", { class: "open-bets" }, ` + ${count(r.bets_open)} open`)
          : null]) },
  };

  function metricInfo(key) {
    return BOARD_METRICS[key]
      || { label: key, cell: (r) => numCell(typeof r[key] === "number" ? r[key] : null,
                                            plainValue(r[key])) };
  }

  const isWhole = (windowName) => windowName === P.meta.whole;

  // the sort keys offered in a window (a metric of the whole history only in that window)
  function sortsFor(windowName) {
    return P.meta.sorts.filter((key) => !metricInfo(key).whole || isWhole(windowName));
  }

  function boardColumns(windowName) {
    return [{ key: "rank", label: "#" }, { key: "wallet", label: "Wallet" },
            ...sortsFor(windowName).map((key) => ({ key, sort: true, ...metricInfo(key) }))];
  }

  Object.assign(P.lib, { isWhole, sortsFor, boardColumns });
})();
