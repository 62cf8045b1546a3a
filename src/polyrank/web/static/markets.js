// Where the skilled money stands: the page's markets views, over the shared helpers
// (`window.polyrank.lib`).
// Routes: `/markets?category=&sort=&order=&offset=` (the open markets where wallets badged
// skilled hold positions) and `/market/ID` (one market, by Gamma id or condition id: per
// outcome its current price and what the skilled wallets, those skilled in its category and
// every holder hold, and the skilled holdings themselves). The sort keys and categories come
// from /api/meta; this file only knows how to label a column, by its name.
"use strict";

(() => {
  const P = window.polyrank;
  const { h, $, api, numCell, money, count, sign, dash, f2, f3, f4, tab, pager, sortHeader,
          navigate } = P.lib;
  const META = () => P.lib.meta();

  const price = (v) => v == null ? dash : f4.format(v);
  const gap = (v) => v == null ? dash : (v > 0 ? "+" : v < 0 ? "−" : "") + f4.format(Math.abs(v));

  // The markets list's columns, by name; a column is sortable when /api/meta's market sort
  // keys name it (a key no column shows is added under its own name).
  const COLUMNS = [
    { key: "question", label: "Market", cls: "",
      cell: (r) => h("td", { class: "market" },
        h("a", { href: marketHref(r), class: "market-link" }, r.question || r.condition_id),
        r.event_title && r.event_title !== r.question
          ? h("small", { class: "event" }, ` · ${r.event_title}`) : null) },
    { key: "category", label: "Category", cls: "", cell: (r) => h("td", {}, r.category) },
    { key: "skilled_holders", label: "Skilled holders",
      title: "wallets badged skilled holding an open position, of every holder",
      cell: (r) => numCell(r.skilled_holders, [count(r.skilled_holders),
        h("small", {}, ` of ${count(r.holders)}`)]) },
    { key: "skilled_cost", label: "Skilled cost basis",
      title: "what the skilled holders paid for the shares they hold, every outcome",
      cell: (r) => numCell(r.skilled_cost, money(r.skilled_cost)) },
    { key: "lead_outcome", label: "Skilled side", cls: "",
      title: "the outcome with the most skilled money (cost basis), and its share of it",
      cell: (r) => h("td", { "data-token": r.lead_token_id },
        h("span", { class: "outcome" }, r.lead_outcome || dash),
        r.skilled_cost > 0 ? h("small", {}, ` ${Math.round(100 * r.lead_cost / r.skilled_cost)}%`)
          : null) },
    { key: "lead_avg_entry", label: "Skilled avg entry",
      title: "the skilled holders' average price paid on that side",
      cell: (r) => numCell(r.lead_avg_entry, price(r.lead_avg_entry)) },
    { key: "lead_price", label: "Current price", title: "that side's latest trade price",
      cell: (r) => numCell(r.lead_price, price(r.lead_price)) },
    { key: "edge_gap", label: "Price − entry",
      title: "current price minus the skilled average entry: how far the market has moved "
        + "their way (positive) or against them",
      cell: (r) => numCell(r.edge_gap, gap(r.edge_gap), sign(r.edge_gap)) },
  ];

  function columns() {
    const known = new Set(COLUMNS.map((c) => c.key));
    return [...COLUMNS, ...META().marketSorts.filter((k) => !known.has(k)).map((key) => ({
      key, label: key, cell: (r) => numCell(r[key], P.lib.plainValue(r[key])) }))];
  }

  function marketHref(r) {
    return `/market/${encodeURIComponent(r.market_id || r.condition_id)}`;
  }

  // ---- the list ------------------------------------------------------------------------

  function listDefaults() {
    const m = META();
    return { category: m.allCategory, sort: m.marketSorts[0], order: m.orders[0],
             offset: "0" };
  }

  function listState() {
    const m = META(), d = listDefaults(), q = new URLSearchParams(location.search);
    const s = {};
    for (const [key, def] of Object.entries(d)) s[key] = q.get(key) ?? def;
    if (!m.categories.includes(s.category)) s.category = d.category;
    if (!m.marketSorts.includes(s.sort)) s.sort = d.sort;
    if (!m.orders.includes(s.order)) s.order = d.order;
    if (!/^\d+$/.test(s.offset)) s.offset = d.offset;
    return s;
  }

  function listUrl(changes) {
    const s = { ...listState(), offset: "0", ...changes }, d = listDefaults();
    const q = new URLSearchParams();
    for (const [key, def] of Object.entries(d)) if (s[key] !== def) q.set(key, s[key]);
    const text = q.toString();
    return "/markets" + (text ? "?" + text : "");
  }

  let listSeq = 0;

  async function showMarkets() {
    const m = META(), s = listState();
    P.lib.hideAllBut("#markets");
    P.lib.setView("markets");
    document.title = "polyrank — where the skilled money stands";
    $("#markets-cats").replaceChildren(...m.categories.map((cat) => tab(cat,
      cat === s.category, () => navigate(listUrl({ category: cat })),
      { "data-category": cat })));
    renderHead(s);
    const params = { category: s.category, sort: s.sort, order: s.order,
                     limit: m.limits.default, offset: s.offset };
    const table = $("#markets-table");
    table.setAttribute("aria-busy", "true");
    const seq = ++listSeq;
    try {
      const body = await api("/api/markets", params);
      if (seq !== listSeq) return;
      P.lib.only("#markets");
      P.lib.setAsOf(body);
      renderList(body, s);
      table.dataset.query = new URLSearchParams(params).toString();
      table.setAttribute("aria-busy", "false");
    } catch (err) {
      if (seq === listSeq) P.lib.failed(err);
    }
  }

  function renderHead(s) {
    const m = META();
    $("#markets-head").replaceChildren(...columns().map((col) => {
      const cls = col.cls ?? "num";
      return m.marketSorts.includes(col.key)
        ? sortHeader(col, cls, s, (changes) => navigate(listUrl(changes)))
        : h("th", { class: cls, title: col.title }, col.label);
    }));
  }

  function renderList(body, s) {
    const cols = columns();
    $("#markets-summary").textContent = `${count(body.total)} open markets where wallets `
      + `badged skilled (${body.window}) hold positions · ${body.category} · by ${body.sort} `
      + `${body.order}`;
    $("#markets-table tbody").replaceChildren(...(body.rows.length ? body.rows.map((r) => h("tr",
      { "data-market": r.market_id, "data-condition": r.condition_id },
      cols.map((col) => col.cell(r))))
      : [h("tr", {}, h("td", { colspan: cols.length, class: "empty" },
        "No open market holds skilled money here."))]));
    pager("#markets-pager", Number(s.offset) || 0, body.rows.length, body.total,
      META().limits.default, (offset) => navigate(listUrl({ ...s, offset: String(offset) })));
  }

  // ---- one market ----------------------------------------------------------------------

  let marketSeq = 0;

  async function showMarket(id) {
    P.lib.only(null);
    P.lib.setView("markets");
    for (const sel of ["#market-question", "#market-meta", "#market-outcomes", "#market-holders",
                       "#market-holders-note"]) $(sel).replaceChildren();
    const seq = ++marketSeq;
    try {
      const body = await api(`/api/markets/${encodeURIComponent(id)}`);
      if (seq !== marketSeq) return;
      P.lib.only("#market");
      P.lib.setAsOf(body);
      document.title = `polyrank — ${body.question}`;
      renderMarket(body);
    } catch (err) {
      if (seq === marketSeq) P.lib.failed(err);
    }
  }

  const GROUPS = [
    ["skilled", () => "Skilled wallets",
     "wallets badged skilled over the whole history, every category"],
    ["skilled_category", (m) => `Skilled in ${m.category}`,
     "wallets badged skilled in this market's category"],
    ["all", () => "All holders", "every wallet in the store with an open position"],
  ];

  function renderMarket(m) {
    const box = $("#market");
    box.dataset.market = m.market_id;
    box.dataset.condition = m.condition_id;
    $("#market-question").textContent = m.question || m.condition_id;
    $("#market-meta").replaceChildren(
      m.event_title ? h("span", { "data-part": "event" }, m.event_title) : null,
      m.event_title ? " · " : null,
      h("span", { "data-part": "category" }, m.category), " · ",
      h("span", { "data-part": "state", class: m.resolved ? "" : "open" },
        m.resolved ? `resolved ${P.lib.day(m.resolved_at)}` : m.closed
          ? "closed for trading, not resolved yet" : "open"),
      " · ", h("span", { class: "muted" }, `market ${m.market_id} · condition `),
      h("code", { class: "muted" }, m.condition_id));
    const head = ["Holders", "Shares", "Avg entry", "Cost basis", "Unrealized P&L",
                  "Price − entry"];
    $("#market-outcomes").replaceChildren(
      h("thead", {}, h("tr", {}, h("th", {}, "Outcome / who holds it"),
        head.map((t) => h("th", { class: "num" }, t)))),
      h("tbody", {}, m.outcomes.flatMap((o) => [
        h("tr", { class: "outcome-head", "data-outcome": o.outcome_index,
                  "data-price": o.price ?? "" },
          h("th", { colspan: head.length + 1, scope: "rowgroup" },
            h("span", { class: "outcome" }, o.outcome || `outcome ${o.outcome_index}`),
            h("span", { class: "price", title: "the token's latest trade price (its mark)" },
              ` current price ${price(o.price)}`),
            o.payout != null ? h("span", { class: "muted" }, ` · paid ${f2.format(o.payout)}`)
              : null)),
        ...GROUPS.map(([key, label, title]) => groupRow(o, key, label(m), title)),
      ])));
    renderHolders(m);
  }

  function groupRow(o, key, label, title) {
    const g = o[key];
    const diff = g.avg_entry == null || o.price == null ? null : o.price - g.avg_entry;
    return h("tr", { "data-outcome": o.outcome_index, "data-group": key },
      h("th", { scope: "row", title }, label),
      numCell(g.holders, count(g.holders)),
      numCell(g.shares, f2.format(g.shares)),
      numCell(g.avg_entry, price(g.avg_entry)),
      numCell(g.cost, money(g.cost)),
      numCell(g.unrealized, money(g.unrealized), sign(g.unrealized)),
      numCell(diff, gap(diff), sign(diff)));
  }

  function renderHolders(m) {
    const rows = m.holders;
    const z = (v) => v == null ? dash : f2.format(v);
    $("#market-holders").replaceChildren(
      h("thead", {}, h("tr", {}, ["Wallet", "Outcome", "Shares", "Avg entry", "Current price",
        "Unrealized", "Edge (LB)", "Skill z"].map((t, i) =>
        h("th", { class: i > 1 ? "num" : "" }, t)))),
      h("tbody", {}, rows.length ? rows.map((r) => h("tr",
        { "data-wallet": r.wallet, "data-token": r.token_id },
        h("td", {}, h("div", { class: "who" },
          h("a", { href: `/wallet/${r.wallet}`, class: "addr" }, r.wallet),
          holderBadges(r, m))),
        h("td", {}, h("span", { class: "outcome" }, r.outcome)),
        numCell(r.shares, f2.format(r.shares)),
        numCell(r.avg_price, price(r.avg_price)),
        numCell(r.price, price(r.price)),
        numCell(r.unrealized, money(r.unrealized), sign(r.unrealized)),
        numCell(r.edge_lb, r.edge_lb == null ? dash : f3.format(r.edge_lb), sign(r.edge_lb)),
        numCell(r.skill_z, z(r.skill_z))))
        : h("tr", {}, h("td", { colspan: 8, class: "empty" },
          "No wallet badged skilled holds an open position here."))));
    $("#market-holders-note").textContent = rows.length < m.holders_total
      ? `The ${count(rows.length)} largest of ${count(m.holders_total)} skilled holdings.`
      : `${count(m.holders_total)} skilled holdings, largest first.`;
  }

  // skilled overall and the behaviour flags (as on the board), and skilled in the category
  function holderBadges(r, m) {
    return [...P.lib.skillBadges(r), r.skilled_in_category
      ? h("span", { class: "flag skilled", "data-badge": "skilled-category",
                    title: `badged skilled in ${m.category}` }, `✓ ${m.category}`) : null];
  }

  P.pages.push(
    { match: (path) => (/^\/markets\/?$/.test(path) ? {} : null), show: showMarkets },
    { match: (path) => {
      const found = path.match(/^\/market\/([^/]+)\/?$/);
      return found ? decodeURIComponent(found[1]) : null;
    }, show: showMarket },
  );
})();
