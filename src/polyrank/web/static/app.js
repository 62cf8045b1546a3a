// polyrank's web page: plain JS over the JSON API, no framework and no build step.
// Routes: `/?window=&category=&sort=&order=&min_bets=&search=&skilled=&hide=&offset=` (the
// leaderboard), `/wallet/0x…` (a wallet), and the pages other files register through
// `window.polyrank.pages` (markets.js: `/markets`, `/market/ID`), sharing this file's helpers
// (`window.polyrank.lib`). Data from the API only ever reaches the DOM as text.
// What the API accepts — windows, categories, sort keys, orders, position states, the
// pipeline's stages and steps, page limits — is read from /api/meta at start-up, never
// written here: this file only knows how to label and format a metric, by its name.
"use strict";

(() => {
  // Set from /api/meta by start(): { windows: [{name, days}], windowNames, whole (the window
  // over the whole history), categories, allCategory, sorts, orders, positionStates, stages,
  // steps: [{name, running, done}], limits, defaults (the leaderboard's URL defaults) }.
  let META = null;
  // rows per page on a wallet's tables (a choice of this page, within the API's maximum)
  const WALLET_ROWS = 25;
  const ADDRESS = /^0x[0-9a-f]{40}$/;
  const COLORS = { realized: "#2563eb", total: "#d97706" };

  const $ = (sel) => document.querySelector(sel);
  // The skill, risk and behaviour figures' labels and plain-language explanations (figures.js)
  const FIGURES = window.polyrankFigures;

  // ---- small helpers -------------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child != null && child !== false) el.append(child);
    }
    return el;
  }

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

  // A numeric cell: shown formatted, its raw value kept in data-value.
  function numCell(value, text, extraClass) {
    return h("td", { class: `num ${extraClass || ""}`.trim(),
                     "data-value": value == null ? "" : value }, text);
  }

  class NotReady extends Error {
    constructor(body) { super(body.error); this.stage = body.stage; }
  }
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, params) {
    const url = new URL(path, location.origin);
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== "" && value != null) url.searchParams.set(key, value);
    }
    let res;
    try {
      res = await fetch(url, { headers: { Accept: "application/json" } });
    } catch (err) {
      throw new ApiError(0, `The API does not answer (${err.message}): is polyrank serve `
        + "still running? Reload the page once it is.");
    }
    let body = null;
    try { body = await res.json(); } catch { /* not JSON: reported below */ }
    if (res.status === 503 && body && "stage" in body) throw new NotReady(body);
    if (!res.ok) {
      // every API error answers {"error": message, ...}; a framework's own {"detail": text}
      // (an unknown path) or anything else (a proxy's page) is told by its status
      const message = !body ? null : typeof body.error === "string" ? body.error
        : typeof body.detail === "string" ? body.detail : null;
      throw new ApiError(res.status, message || `${res.status} ${res.statusText || "error"} `
        + `from ${url.pathname}`);
    }
    return body;
  }

  function showError(err) {
    const box = $("#error");
    box.hidden = !err;
    box.textContent = err ? (err.message || String(err)) : "";
  }

  // The page's views: one is shown at a time (`only`), none under an error's banner.
  const VIEWS = ["#board", "#wallet", "#markets", "#market"];

  // Hides every view but `view`, which keeps its state (a view shows itself once its data
  // is there); `only` also shows it.
  function hideAllBut(view) {
    for (const sel of VIEWS) if (sel !== view) $(sel).hidden = true;
  }

  function only(view) {
    hideAllBut(view);
    if (view) $(view).hidden = false;
  }

  // The header's links to the views (`a[data-view]`): the one shown is marked current.
  function setView(name) {
    for (const a of document.querySelectorAll("#views a[data-view]")) {
      a.classList.toggle("active", a.dataset.view === name);
      if (a.dataset.view === name) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
  }

  // An error replaces the page: its banner alone, no empty panels under it.
  function showFailure(err) {
    only(null);
    $("#pipeline").hidden = true;
    $("#asof").textContent = "";
    showError(err);
  }

  const ago = (seconds) => {
    const s = Math.max(0, seconds);
    return s < 90 ? `${Math.round(s)} s` : s < 90 * 60 ? `${Math.round(s / 60)} min`
      : s < 48 * 3600 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} days`;
  };

  // /api/status's freshness of the readable run: { run, read (Date.now() then), ...fields }
  let freshness = null;
  let freshSeq = 0;

  // The header's line: the run shown (its as-of time and id) and, once /api/status has
  // answered for that run, how long ago it was computed and how far the store's wallets are
  // loaded (the least of their loaded-up-to times). Without that answer the line stays short.
  function setAsOf(body) {
    if (!body || body.as_of == null) return;
    renderAsOf(body);
    const seq = ++freshSeq;
    api("/api/status").then((st) => {
      if (seq !== freshSeq || !st.freshness) return;
      freshness = { run: st.metrics_run, read: Date.now(), ...st.freshness };
      renderAsOf(body);
    }).catch(() => { /* the line without its freshness */ });
  }

  function renderAsOf(body) {
    const f = freshness && freshness.run === body.run_id ? freshness : null;
    const parts = [h("span", { "data-part": "as-of",
      title: "the latest trade or resolution the metrics run saw" },
      `data as of ${when(body.as_of)}`)];
    if (f && f.age_s != null) {
      parts.push(" · ", h("span", { "data-part": "age", title: `finished ${when(f.finished_at)}` },
        `computed ${ago(f.age_s + (Date.now() - f.read) / 1000)} ago`));
    }
    if (f) {
      parts.push(" · ", h("span", { "data-part": "loaded-to", "data-value": f.loaded_to_min ?? "",
        title: f.loaded_to_min == null ? "no wallet records the time its history is loaded up to"
          : `the earliest of ${count(f.wallets_loaded_to)} wallets' loaded-up-to times; `
            + `the latest ${when(f.loaded_to_max)}` },
        f.loaded_to_min == null ? "wallets loaded up to: unknown"
          : `wallets loaded up to ${when(f.loaded_to_min)}`));
    }
    parts.push(" · ", h("span", { "data-part": "run" }, `run ${body.run_id}`));
    $("#asof").replaceChildren(...parts);
  }

  function navigate(url, replace) {
    if (url === location.pathname + location.search) return;
    history[replace ? "replaceState" : "pushState"](null, "", url);
    route();
  }

  // ---- the pipeline, while there are no metrics yet -------------------------------------

  let pollTimer = null;

  // Metrics are not computed yet: show the stage and poll until the first run is there.
  // A wallet page stays (its trades are readable before any run).
  function showPipeline(stage) {
    only(walletParts() === null ? null : "#wallet");
    $("#pipeline").hidden = false;
    $("#asof").textContent = "";
    renderStage(stage, null, false);
    if (pollTimer) return;
    const poll = async () => {
      try {
        const st = await api("/api/status");
        if (st.runs && st.runs.length) {
          pollTimer = null;
          $("#pipeline").hidden = true;
          route();
          return;
        }
        renderStage(st.stage, st.ingest, true);
      } catch (err) {
        $("#pipeline-stage").textContent = `unknown (${err.message})`;
      }
      pollTimer = setTimeout(poll, 2000);
    };
    pollTimer = setTimeout(poll, 0);
  }

  // `known`: from /api/status, which says whether an ingest runs (a 503 says only the stage)
  function renderStage(stage, ingest, known) {
    $("#pipeline-stage").textContent = stage || "unknown";
    const stages = META.stages;
    const at = stages.indexOf(stage);
    $("#pipeline-steps").replaceChildren(...META.steps.map((step) => h("li", {
      class: at >= 0 && at >= stages.indexOf(step.done) ? "done"
        : stage === step.running ? "current" : "" }, step.name)));
    // nothing loaded (the first stage) and nothing loading: say what to run instead of
    // promising a refresh; neither until /api/status has said whether an ingest runs
    const idle = stage === stages[0] && !(ingest && ingest.alive);
    $("#pipeline-idle").hidden = !known || !idle;
    $("#pipeline-wait").hidden = !known || idle;
    const box = $("#pipeline-ingest");
    if (!ingest) { box.replaceChildren(); return; }
    const t = ingest.totals || {};
    const percent = ingest.percent == null ? 0 : ingest.percent;
    box.replaceChildren(
      h("div", { class: "progress", role: "progressbar", "aria-valuemin": 0,
                 "aria-valuemax": 100, "aria-valuenow": percent },
        h("span", { style: `width:${Math.min(100, percent)}%` })),
      h("p", {}, `ingest ${ingest.run_id || ""}: ${count(ingest.wallets_position)} of `
        + `${count(ingest.wallets_total)} wallets (${percent}%), ${count(t.fills_new)} new `
        + `fills, ${count(ingest.failed_count || 0)} failed`
        + (ingest.eta_s != null ? `, about ${count(ingest.eta_s)} s left` : "")
        + (ingest.alive === false ? " — not running" : "")));
  }

  function failed(err) {
    if (err instanceof NotReady) { showPipeline(err.stage); return; }
    showFailure(err);
  }

  // ---- the leaderboard -----------------------------------------------------------------

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

  function plainValue(v) {
    if (v == null) return dash;
    if (typeof v === "number") return Number.isInteger(v) ? count(v) : f3.format(v);
    return String(v);
  }

  function metricInfo(key) {
    return BOARD_METRICS[key]
      || { label: key, cell: (r) => numCell(typeof r[key] === "number" ? r[key] : null,
                                            plainValue(r[key])) };
  }

  const isWhole = (windowName) => windowName === META.whole;

  // the sort keys offered in a window (a metric of the whole history only in that window)
  function sortsFor(windowName) {
    return META.sorts.filter((key) => !metricInfo(key).whole || isWhole(windowName));
  }

  function boardColumns(windowName) {
    return [{ key: "rank", label: "#" }, { key: "wallet", label: "Wallet" },
            ...sortsFor(windowName).map((key) => ({ key, sort: true, ...metricInfo(key) }))];
  }

  let boardSeq = 0;
  // the category counts of one window: { window, run, rows }
  let categories = null;

  function boardState() {
    const d = META.defaults;
    const q = new URLSearchParams(location.search);
    const s = {};
    for (const [key, def] of Object.entries(d)) s[key] = q.get(key) ?? def;
    if (!META.windowNames.includes(s.window)) s.window = d.window;
    if (!META.categories.includes(s.category)) s.category = d.category;
    if (!sortsFor(s.window).includes(s.sort)) s.sort = d.sort;
    if (!META.orders.includes(s.order)) s.order = d.order;
    s.skilled = s.skilled === "true" ? "true" : "";
    s.hide = hidden(s.hide).join(",");
    return s;
  }

  // The behaviour flags a `hide` value names, in /api/meta's order (unknown ones dropped).
  function hidden(value) {
    const asked = String(value || "").split(",");
    return META.flags.filter((flag) => asked.includes(flag));
  }

  function boardUrl(changes) {
    const s = { ...boardState(), offset: "0", ...changes };
    // a sort the new window does not offer (total P&L outside the whole history) is dropped
    if (!sortsFor(s.window).includes(s.sort)) s.sort = META.defaults.sort;
    const q = new URLSearchParams();
    for (const [key, def] of Object.entries(META.defaults)) {
      if (s[key] !== def && s[key] !== "") q.set(key, s[key]);
    }
    const text = q.toString();
    return "/" + (text ? "?" + text : "");
  }

  function tab(label, active, onclick, extra) {
    return h("button", { type: "button", class: active ? "tab active" : "tab",
                         "aria-pressed": active ? "true" : "false", onclick, ...extra },
      label);
  }

  function cleanSearch(text) {
    return text.trim().toLowerCase();
  }

  async function showBoard() {
    const s = boardState();
    hideAllBut("#board");
    setView("board");
    document.title = "polyrank — leaderboard";
    $("#windows").replaceChildren(...META.windows.map((w) => tab(w.name, w.name === s.window,
      () => navigate(boardUrl({ window: w.name })),
      { "data-window": w.name,
        title: w.days == null ? "the whole history" : `the last ${w.days} days` })));
    renderToggles(s);
    const minBets = $("#min-bets"), search = $("#search");
    if (document.activeElement !== minBets) minBets.value = s.min_bets;
    if (document.activeElement !== search) search.value = s.search;
    renderCategoryTabs(s);
    renderHead(s);

    const searchText = cleanSearch(s.search);
    search.classList.toggle("invalid", !/^(0x)?[0-9a-f]*$/.test(searchText));
    if (search.classList.contains("invalid")) {
      badInput(new Error("An address is hexadecimal: search with 0-9 and a-f only."));
      return;
    }
    const params = { window: s.window, category: s.category, sort: s.sort, order: s.order,
                     min_bets: s.min_bets, search: searchText, skilled: s.skilled,
                     hide: s.hide, limit: META.limits.default, offset: s.offset };
    const table = $("#leaderboard");
    table.setAttribute("aria-busy", "true");
    const seq = ++boardSeq;
    try {
      let [body, cats] = await Promise.all([
        api("/api/omega/leaderboard", params),
        categories && categories.window === s.window ? categories : loadCategories(s.window)]);
      // counts kept from an earlier metrics run are read again
      if (cats.run !== body.run_id) cats = await loadCategories(s.window);
      if (seq !== boardSeq) return;
      categories = cats;
      showError(null);
      $("#board").hidden = false;
      $("#board-results").hidden = false;
      setAsOf(body);
      renderCategoryTabs(s);
      renderRows(body, s);
      table.dataset.query = new URLSearchParams(
        Object.entries(params).filter(([, v]) => v !== "" && v != null)).toString();
      table.setAttribute("aria-busy", "false");
    } catch (err) {
      if (seq !== boardSeq) return;
      // refused input (a 4xx): the controls stay, to correct it; anything else is the page's
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) badInput(err);
      else failed(err);
    }
  }

  // "Skilled only" and one "hide …" toggle per behaviour flag /api/meta lists.
  function renderToggles(s) {
    $("#skilled-only").checked = s.skilled === "true";
    const hide = hidden(s.hide);
    $("#hide-flags").replaceChildren(...META.flags.map((flag) => {
      const info = FIGURES.flags[flag] || { hide: flag };
      return h("label", { class: "toggle", title: info.title },
        h("input", { type: "checkbox", "data-flag": flag, checked: hide.includes(flag),
          onchange: () => navigate(boardUrl({ hide: [...document.querySelectorAll(
            "#hide-flags input:checked")].map((el) => el.dataset.flag).join(",") })) }),
        ` hide ${info.hide}`);
    }));
  }

  $("#skilled-only").addEventListener("change", (ev) => {
    navigate(boardUrl({ skilled: ev.target.checked ? "true" : "" }));
  });

  // The leaderboard's controls with the error above them, and no stale rows under it.
  function badInput(err) {
    $("#board").hidden = false;
    $("#board-results").hidden = true;
    $("#leaderboard").setAttribute("aria-busy", "false");
    showError(err);
  }

  async function loadCategories(windowName) {
    const body = await api("/api/categories", { window: windowName });
    return { window: body.window || windowName, run: body.run_id, rows: body.categories };
  }

  // Every category /api/meta lists, in its order, each with its ranked wallets in the window
  // shown (once /api/categories has answered for it); one without wallets there is quieter.
  function renderCategoryTabs(s) {
    const counts = categories && categories.window === s.window
      ? Object.fromEntries(categories.rows.map((c) => [c.category, c])) : null;
    $("#categories").replaceChildren(...META.categories.map((cat) => {
      const c = cat === META.allCategory || !counts ? null
        : counts[cat] || { category: cat, wallets: 0, ranked: 0, specialists: 0 };
      const active = cat === s.category;
      return tab(
        [cat, c ? h("small", { class: "count" }, ` ${count(c.ranked)}`) : null,
         c && c.specialists ? h("small", { class: "star" }, " ★" + c.specialists) : null],
        active, () => navigate(boardUrl({ category: cat })),
        { "data-category": cat, "data-ranked": c ? c.ranked : null,
          class: ["tab", active && "active", c && !c.wallets && "quiet"].filter(Boolean)
            .join(" "),
          title: cat === META.allCategory ? "every category together"
            : c ? `${count(c.ranked)} wallets ranked in ${s.window}, of ${count(c.wallets)} `
              + "that bet in this category"
              + (c.specialists ? `; ${c.specialists} specialists (whole history)` : "")
            : null });
    }));
  }

  function renderHead(s) {
    $("#board-head").replaceChildren(...boardColumns(s.window).map((col) => {
      if (!col.sort) return h("th", { class: col.key === "wallet" ? "" : "num" }, col.label);
      const active = col.key === s.sort;
      const next = active && s.order === META.orders[0] ? META.orders[1] : META.orders[0];
      return h("th", { class: "num", "data-sort": col.key, title: col.title,
                       "aria-sort": active ? (s.order === "desc" ? "descending" : "ascending")
                         : null },
        h("button", { type: "button", class: active ? "sort active" : "sort",
                      onclick: () => navigate(boardUrl({ sort: col.key, order: next })) },
          col.label, h("span", { class: "arrow" },
            active ? (s.order === "desc" ? " ▼" : " ▲") : "")));
    }));
  }

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
    for (const flag of META.flags) {
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

  function highlight(address, fragment) {
    const bare = fragment.replace(/^0x/, "");
    const at = bare ? address.indexOf(bare, fragment.startsWith("0x") ? 0 : 2) : -1;
    if (at < 0) return address;
    return [address.slice(0, at), h("mark", {}, address.slice(at, at + bare.length)),
            address.slice(at + bare.length)];
  }

  function renderRows(body, s) {
    const rows = body.rows;
    const gate = s.min_bets === "" ? "ranked wallets" : `wallets with ≥ ${s.min_bets} closed bets`;
    const matching = s.search ? ` matching “${cleanSearch(s.search)}”` : "";
    const hiding = hidden(s.hide).map((f) => (FIGURES.flags[f] || { hide: f }).hide);
    const skill = (s.skilled ? " · skilled only" : "")
      + (hiding.length ? ` · hiding ${hiding.join(", ")}` : "");
    $("#board-summary").textContent = `${count(body.total)} ${gate}${matching} · `
      + `${body.window} · ${body.category} · by ${body.sort} ${body.order}${skill}`;
    const columns = boardColumns(s.window);
    const tbody = $("#leaderboard tbody");
    if (!rows.length) {
      tbody.replaceChildren(h("tr", {}, h("td", { colspan: columns.length, class: "empty" },
        s.search ? "No wallet matches this search." : "No wallet here yet.")));
    } else {
      tbody.replaceChildren(...rows.map((r) => h("tr", { "data-wallet": r.wallet },
        numCell(r.rank, String(r.rank), "rank"),
        h("td", {}, h("div", { class: "who" },
          h("a", { href: `/wallet/${r.wallet}`, class: "addr" },
            highlight(r.wallet, cleanSearch(s.search))),
          badges(r.specialist_in), skillBadges(r), flags(r))),
        columns.filter((col) => col.sort).map((col) => col.cell(r)),
      )));
    }
    const offset = Number(s.offset) || 0;
    const step = META.limits.default;
    const pager = $("#board-pager");
    pager.replaceChildren(
      pageButton("← Previous", offset > 0,
        () => navigate(boardUrl({ ...s, offset: String(Math.max(0, offset - step)) }))),
      h("span", {}, rows.length ? `${count(offset + 1)}–${count(offset + rows.length)} of `
        + `${count(body.total)}` : ""),
      pageButton("Next →", offset + rows.length < body.total,
        () => navigate(boardUrl({ ...s, offset: String(offset + step) }))));
  }

  function pageButton(label, enabled, onclick) {
    return h("button", { type: "button", class: "tab", disabled: !enabled, onclick }, label);
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  $("#min-bets").addEventListener("input", debounce((ev) => {
    const v = ev.target.value.trim();
    if (v !== "" && !/^\d+$/.test(v)) return;
    navigate(boardUrl({ min_bets: v }), true);
  }, 300));

  $("#search").addEventListener("input", debounce((ev) => {
    navigate(boardUrl({ search: cleanSearch(ev.target.value) }), true);
  }, 300));

  $("#search").addEventListener("keydown", (ev) => {
    const text = cleanSearch(ev.target.value);
    if (ev.key === "Enter" && ADDRESS.test(text)) navigate(`/wallet/${text}`);
  });

  // ---- a wallet ------------------------------------------------------------------------

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
    return [...METRIC_ROWS, ...META.sorts.filter((key) => !shown.has(key)).map((key) =>
      [key, key, (m) => plainValue(m[key])])];
  }

  // The trades' exchange eras, as the fills record them (`exchange_version`), and their fees.
  const EXCHANGES = {
    1: { label: "V1", title: "Polymarket's first exchange contracts (CTF Exchange, or the "
      + "Neg-risk CTF Exchange for neg-risk markets): fills before the 2026-04-28 migration, "
      + "read from the Goldsky orderbook subgraph" },
    2: { label: "V2", title: "the exchange contracts since the 2026-04-28 migration (CTF "
      + "Exchange V2, or Neg-risk CTF Exchange V2): fills read from the Data API" },
  };
  const FEE_TITLE = "V1: a BUY pays its fee in shares (it receives shares − fee), a SELL in "
    + "USDC (it receives USDC − fee). V2 fills come from the Data API, which reports no fee.";

  function feeCell(t) {
    if (t.exchange_version === 2 && !t.fee) {
      return h("td", { class: "num muted", "data-value": "",
                       title: "the Data API reports no fee: P&L on this fill is before it" },
        "n/a");
    }
    // a fee of exactly nothing reads "0", anything else with 2 to 4 decimals
    const amount = (v) => (v === 0 ? "0" : f2to4.format(v));
    if (t.fee_unit === "shares") {
      return h("td", { class: "num", "data-value": t.fee,
                       title: "fee paid in shares: the wallet received shares − fee" },
        `${amount(t.fee)} shares`);
    }
    return h("td", { class: "num", "data-value": t.fee,
                     title: `fee paid in USDC (${t.side === "SELL" ? "deducted from the "
                       + "proceeds" : "paid on top"})` },
      `${amount(t.fee)} USDC`);
  }

  function exchangeCell(t) {
    const era = EXCHANGES[t.exchange_version];
    return h("td", { class: "num", "data-value": t.exchange_version ?? "",
                     title: era ? era.title : null },
      era ? era.label : t.exchange_version == null ? dash : `V${t.exchange_version}`);
  }

  let walletSeq = 0;
  let chart = null;

  function tokenText(id) {
    return id && id.length > 16 ? `token ${id.slice(0, 6)}…${id.slice(-6)}` : `token ${id}`;
  }

  function walletParts() {
    const m = location.pathname.match(/^\/wallet\/([^/]+)\/?$/);
    return m ? decodeURIComponent(m[1]).toLowerCase() : null;
  }

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
      const states = META.positionStates;
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
    const all = META.allCategory;
    const life = info.metrics.find((m) => m.window === META.whole && m.category === all);
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
    const order = (c) => (META.categories.includes(c) ? META.categories.indexOf(c)
      : META.categories.length);
    const cats = [...new Set(info.metrics.map((m) => m.category))]
      .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
    const pick = (cat) => {
      $("#wallet-cats").replaceChildren(...cats.map((c) => tab(c, c === cat, () => pick(c),
        { "data-category": c })));
      renderMetrics(info.metrics.filter((m) => m.category === cat));
      renderExplained(info.metrics.find((m) => m.window === META.whole && m.category === cat),
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

  // The skill, risk and behaviour figures of the whole history in one category, each with
  // one plain sentence: what it says to someone deciding whom to copy.
  function renderExplained(row, cat) {
    const shown = Object.fromEntries(METRIC_ROWS.map(([key, , fmt]) => [key, fmt]));
    $("#wallet-explain").replaceChildren(
      h("p", { class: "muted" }, `Values over the whole history (${META.whole}) in ${cat}.`),
      h("dl", { class: "explain" }, FIGURES.explain.map(({ key, label }) => h("div",
        { "data-figure": key },
        h("dt", {}, label, ": ", h("strong", { class: "value" },
          row && shown[key] ? shown[key](row) : dash)),
        h("dd", {}, FIGURES.text[key])))));
  }

  function renderMetrics(metrics) {
    const byWindow = Object.fromEntries(metrics.map((m) => [m.window, m]));
    const shown = META.windowNames.filter((w) => byWindow[w]);
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
                             META.whole})` : null }, fmt(byWindow[w]));
        })))));
  }

  function destroyChart() {
    if (chart) { chart.destroy(); chart = null; }
    window.polyrank.chart = null;
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
    window.polyrank.chart = chart;
    box.dataset.points = String(points.length);
  }

  window.addEventListener("resize", debounce(() => {
    if (chart) chart.setSize({ width: Math.max(320, $("#pnl-chart").clientWidth), height: 300 });
  }, 150));

  async function loadPositions(base, state, offset, current) {
    $("#position-states").replaceChildren(...META.positionStates.map((st) => tab(st,
      st === state,
      () => loadPositions(base, st, 0, current), { "data-state": st })));
    try {
      const body = await api(base + "/positions", { state, limit: walletRows(), offset });
      if (!current()) return;
      $("#positions").replaceChildren(
        h("thead", {}, h("tr", {}, [["Market"], ["Category"], ["State"], ["Shares"],
          ["Avg entry", "the average price paid per share still held"],
          ["Current price", "the token's latest trade price (its mark): open positions are "
            + "valued at it"],
          ["Cost"], ["Realized"], ["Unrealized", "P&L of the shares held at the current price"],
          ["Fills"]].map(([t, title], i) => h("th", { class: i > 2 ? "num" : "", title }, t)))),
        h("tbody", {}, body.rows.length ? body.rows.map((p) => h("tr",
          { "data-token": p.token_id, "data-open": p.is_open ? "1" : "0" },
          h("td", { class: "market" }, p.market_id
            ? h("a", { href: `/market/${p.market_id}`, class: "market-link" },
              p.question || tokenText(p.token_id))
            : p.question || tokenText(p.token_id),
            p.outcome ? h("span", { class: "outcome" }, p.outcome) : null),
          h("td", {}, p.category || dash),
          h("td", {}, p.is_open ? "open" : `closed ${day(p.closed_ts)}`),
          numCell(p.amount, f2.format(p.amount)),
          numCell(p.avg_price, p.avg_price == null ? dash : f4.format(p.avg_price)),
          numCell(p.mark, p.mark == null ? dash : f4.format(p.mark), "price"),
          numCell(p.cost, money(p.cost)),
          numCell(p.realized, money(p.realized), sign(p.realized)),
          numCell(p.unrealized, money(p.unrealized), sign(p.unrealized)),
          numCell(p.fills, count(p.fills)),
        )) : h("tr", {}, h("td", { colspan: 10, class: "empty" }, `No ${state} positions.`))));
      renderPager("#positions-pager", offset, body.rows.length, body.total,
        (o) => loadPositions(base, state, o, current));
    } catch (err) {
      if (current()) failed(err);
    }
  }

  // The number of trades loaded for the wallet (null on an error).
  async function loadTrades(base, offset, current) {
    try {
      const body = await api(base + "/trades", { limit: walletRows(), offset });
      if (!current()) return null;
      $("#trades").replaceChildren(
        h("thead", {}, h("tr", {}, ["Time", "Side", "Market", "Price", "Shares", "USDC", "Fee",
          "Exchange"].map((t, i) => h("th", { class: i > 2 ? "num" : "",
            title: t === "Fee" ? FEE_TITLE : t === "Exchange"
              ? "the exchange contracts' era: V1 before the 2026-04-28 migration, V2 after"
              : null }, t)))),
        h("tbody", {}, body.rows.length ? body.rows.map((t) => h("tr", {},
          h("td", { class: "nowrap" }, when(t.ts)),
          h("td", { class: `side ${String(t.side).toLowerCase()}` }, t.side),
          h("td", { class: "market" }, t.question || tokenText(t.token_id),
            t.outcome ? h("span", { class: "outcome" }, t.outcome) : null),
          numCell(t.price, t.price == null ? dash : f4.format(t.price)),
          numCell(t.shares, f2.format(t.shares)),
          numCell(t.usdc, money(t.usdc)),
          feeCell(t),
          exchangeCell(t),
        )) : h("tr", {}, h("td", { colspan: 8, class: "empty" }, "No trades loaded."))));
      renderPager("#trades-pager", offset, body.rows.length, body.total,
        (o) => loadTrades(base, o, current));
      return body.total;
    } catch (err) {
      if (current()) failed(err);
      return null;
    }
  }

  function renderPager(sel, offset, shown, total, go) {
    $(sel).replaceChildren(
      pageButton("← Newer", offset > 0, () => go(Math.max(0, offset - walletRows()))),
      h("span", {}, shown ? `${count(offset + 1)}–${count(offset + shown)} of ${count(total)}`
        : ""),
      pageButton("Older →", offset + shown < total, () => go(offset + walletRows())));
  }

  const walletRows = () => Math.min(WALLET_ROWS, META.limits.max);

  // ---- routing -------------------------------------------------------------------------

  // A page registered by another file: { match(pathname) -> its parameters or null,
  // show(parameters) }.
  const PAGES = [];

  function registered(pathname) {
    for (const page of PAGES) {
      const found = page.match(pathname);
      if (found != null) return () => page.show(found);
    }
    return null;
  }

  function route() {
    showError(null);
    const address = walletParts();
    const other = registered(location.pathname);
    if (address !== null) showWallet(address);
    else if (other) other();
    else showBoard();
  }

  document.addEventListener("click", (ev) => {
    const a = ev.target.closest("a[href]");
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey
        || ev.shiftKey || ev.altKey || a.target) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    if (url.pathname !== "/" && !url.pathname.startsWith("/wallet/")
        && !registered(url.pathname)) return;
    ev.preventDefault();
    navigate(url.pathname + url.search);
    window.scrollTo(0, 0);
  });
  window.addEventListener("popstate", () => { if (META) route(); });

  // What the page is built from: /api/meta's lists, with the leaderboard's defaults — the
  // window over the whole history (the last with no length in days), the first category
  // ("all"), the first sort key and the first order.
  function setMeta(meta) {
    const windows = meta.windows;
    const whole = [...windows].reverse().find((w) => w.days == null)
      || windows[windows.length - 1];
    META = {
      windows, windowNames: windows.map((w) => w.name), whole: whole.name,
      categories: meta.categories, allCategory: meta.categories[0], sorts: meta.sorts,
      orders: meta.orders, positionStates: meta.position_states, stages: meta.stages,
      steps: meta.steps, limits: meta.limits, marketSorts: meta.market_sorts || [],
      flags: meta.flags || [],
      defaults: { window: whole.name, category: meta.categories[0], sort: meta.sorts[0],
                  order: meta.orders[0], min_bets: "", search: "", skilled: "", hide: "",
                  offset: "0" },
    };
    window.polyrank.meta = META;
  }

  async function start() {
    try {
      setMeta(await api("/api/meta"));
    } catch (err) {
      showFailure(new Error(`The page cannot start: ${err.message}`));
      return;
    }
    route();
  }

  // What the other files of the page use: the helpers, and where to register a page.
  window.polyrank = {
    chart: null, meta: null, pages: PAGES,
    lib: { h, api, $, numCell, money, pct1, count, sign, dash, when, day, f2, f3, f4, tab,
           navigate, failed, showError, setAsOf, only, hideAllBut, setView, pageButton,
           plainValue,
           NotReady, ApiError, skillBadges, meta: () => META },
  };
  // once every script of the page has run (and registered its pages)
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
