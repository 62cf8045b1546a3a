// The badges and flags beside a wallet's address, on the leaderboard, the wallet page and a
// market's holders: its specialist categories, the skilled badge, the behaviour flags
// (docs/metrics.md §4.6, §4.8) and why it is not ranked or what its record lacks.
"use strict";

(() => {
  const P = window.polyrank;
  const { h } = P.lib;
  // The skill, risk and behaviour figures' labels and plain-language explanations (figures.js)
  const FIGURES = window.polyrankFigures;

  function badges(list) {
    return (list || []).map((cat) => h("span", { class: "badge",
      title: `specialist in ${cat}: focused there with an edge` }, `★ ${cat}`));
  }

  // The skilled badge and the behaviour flags of a metrics row (docs/metrics.md §4.6, §4.8).
  function skillBadges(row) {
    const out = [];
    if (row.skilled) {
      out.push(h("span", { class: "flag skilled", "data-badge": "skilled",
                           title: FIGURES.skilled.title }, FIGURES.skilled.badge));
    }
    for (const flag of P.meta.flags) {
      if (!row[flag]) continue;
      const info = FIGURES.flags[flag] || { badge: flag };
      out.push(h("span", { class: "flag behaviour", "data-flag": flag, title: info.title },
        info.badge));
    }
    return out;
  }

  function flags(row) {
    const out = [];
    if (row.eligibility && row.eligibility !== "ranked") {
      out.push(h("span", { class: `flag ${row.eligibility}`,
        title: "not ranked: fewer than 20 closed bets, $500 of cost or 14 days" },
        row.eligibility));
    }
    if (row.truncated) {
      out.push(h("span", { class: "flag warn", title: "history capped by --max-trades" },
        "truncated"));
    }
    if (row.incomplete_positions) {
      out.push(h("span", { class: "flag warn", title: "positions with an unmatched sell" },
        `${row.incomplete_positions} incomplete`));
    }
    if (row.fills_without_fee) {
      out.push(h("span", { class: "flag warn",
        title: "fills after the V2 migration come from the Data API, which reports no fee: " +
               "P&L is before those fees" },
        `${row.fills_without_fee} V2 fills without fee`));
    }
    return out;
  }

  Object.assign(P.lib, { badges, skillBadges, flags });
})();
