// A wallet's page (`/wallet/0x…`): how far its history is loaded, its badges, metrics per
// category, specialist categories, P&L chart, positions and trades.
"use strict";

(() => {
  const P = window.polyrank;
  const { $, h, ADDRESS, api, NotReady, numCell, pct1, count, sign, dash, when, day, f3, tab,
          walletParts, failed, showError, showFailure, setAsOf, only, setView, badges,
          skillBadges, flags, destroyChart, renderChart, renderMetrics, renderExplained,
          loadPositions, loadTrades } = P.lib;

  let walletSeq = 0;

  async function showWallet(address) {
    only("#wallet");
    setView(null);
    $("#wallet-address").textContent = address;
    document.title = `polyrank — ${address}`;
    for (const id of ["#wallet-badges", "#wallet-loading", "#wallet-cats", "#wallet-metrics",
                      "#wallet-explain",
                      "#wallet-specialists", "#positions", "#positions-pager", "#trades",
                      "#trades-pager", "#position-states"]) $(id).replaceChildren();
    destroyChart();
    $("#pnl-chart").replaceChildren(h("p", { class: "muted" }, "Loading…"));
    if (!ADDRESS.test(address)) {
      showFailure(new Error(`${address} is not a wallet address (0x and 40 hex digits).`));
      $("#pnl-chart").replaceChildren();
      return;
    }
    const seq = ++walletSeq;
    const base = `/api/wallets/${address}`;
    const current = () => seq === walletSeq && walletParts() === address;
    // trades answer before any metrics run; the other parts need one
    const trades = loadTrades(base, 0, current);
    try {
      const [info, pnl] = await Promise.all([api(base), api(base + "/pnl")]);
      if (!current()) return;
      showError(null);
      setAsOf(info);
      renderWalletInfo(info);
      renderChart(pnl.points || []);
      const states = P.meta.positionStates;
      loadPositions(base, states.includes("open") ? "open" : states[0], 0, current);
    } catch (err) {
      if (!current()) return;
      $("#pnl-chart").replaceChildren();
      if (err instanceof NotReady) {
        $("#pnl-chart").append(h("p", { class: "muted" },
          "Metrics, positions and the chart appear once the first metrics run is complete."));
      }
      failed(err);
      // before any metrics run a wallet page shows its trades; without any, nothing is left
      // to show under the pipeline's panel
      if (err instanceof NotReady && !(await trades) && current()) $("#wallet").hidden = true;
    }
  }

  // How far the wallet's history is loaded, and which discovery sources found it.
  function renderLoading(l) {
    const box = $("#wallet-loading");
    box.dataset.loadedTo = l && l.loaded_to != null ? l.loaded_to : "";
    box.dataset.discoveredBy = l ? (l.discovered_by || []).join(",") : "";
    if (!l) { box.replaceChildren(); return; }
    const sources = l.discovered_by || [];
    box.replaceChildren(
      h("span", { "data-part": "loaded-to",
                  title: "the upstream time up to which this wallet's history is stored" },
        l.status == null ? "not loaded by an ingest" : l.loaded_to == null
          ? "loaded up to: unknown" : `loaded up to ${when(l.loaded_to)}`),
      l.status == null ? null : h("span", { "data-part": "status",
        class: l.status === "done" ? "" : "warn", title: "the latest load and when it ended" },
        ` (${l.status}${l.loaded_at != null ? ", last loaded " + when(l.loaded_at) : ""})`),
      ", ",
      h("span", { "data-part": "discovered-by",
                  title: sources.length ? `first seen trading ${when(l.first_seen)}, last `
                    + `seen ${when(l.last_seen)}` : "not found by discovery" },
        sources.length ? `discovered by ${sources.join(", ")}` : "from a wallet list"),
      sources.length ? h("small", {}, ` (seen ${day(l.first_seen)} → ${day(l.last_seen)})`)
        : null);
  }

  function renderWalletInfo(info) {
    renderLoading(info.loading);
    const special = (info.specialists || []).filter((s) => s.is_specialist);
    const all = P.meta.allCategory;
    const categories = P.meta.categories;
    const life = info.metrics.find((m) => m.window === P.meta.whole && m.category === all);
    if (!info.metrics.length) {
      $("#wallet-metrics").replaceChildren(h("tbody", {}, h("tr", {}, h("td", { class: "empty" },
        `No metrics for this wallet in run ${info.run_id} (${count(info.loaded_fills)} `
        + "fills loaded)."))));
    }
    $("#wallet-badges").replaceChildren(
      ...badges(special.map((s) => s.category)),
      ...(life ? skillBadges(life) : []),
      ...(life ? flags(life) : []),
      life && life.eligibility === "ranked" ? h("span", { class: "flag ok" }, "ranked") : null);
    const order = (c) => (categories.includes(c) ? categories.indexOf(c) : categories.length);
    const cats = [...new Set(info.metrics.map((m) => m.category))]
      .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
    const pick = (cat) => {
      $("#wallet-cats").replaceChildren(...cats.map((c) => tab(c, c === cat, () => pick(c),
        { "data-category": c })));
      renderMetrics(info.metrics.filter((m) => m.category === cat));
      renderExplained(info.metrics.find((m) => m.window === P.meta.whole && m.category === cat),
        cat);
    };
    if (cats.length) pick(cats.includes(all) ? all : cats[0]);
    const rows = info.specialists || [];
    $("#wallet-specialists").replaceChildren(rows.length ? h("table", { class: "grid small" },
      h("thead", {}, h("tr", {}, ["Category", "Status", "Focus share", "Closed bets",
        "ROI", "ROI lower bound", "Omega score"].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows.map((s) => h("tr", {},
        h("td", {}, s.category),
        h("td", { class: s.is_specialist ? "star" : "" }, s.is_specialist ? "★ specialist"
          : s.focus_only ? "focused, no edge" : dash),
        numCell(s.focus_share, pct1(s.focus_share)), numCell(s.bets_closed, count(s.bets_closed)),
        numCell(s.roi, pct1(s.roi), sign(s.roi)), numCell(s.roi_lb, pct1(s.roi_lb), sign(s.roi_lb)),
        numCell(s.omega_score, s.omega_score == null ? dash : f3.format(s.omega_score)))))) : "");
  }

  Object.assign(P.lib, { showWallet });
})();
