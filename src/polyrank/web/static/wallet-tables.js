// A wallet's positions (by state) and its trades, a page of rows at a time; a trade's fee
// and exchange era.
"use strict";

(() => {
  const P = window.polyrank;
  const { $, h, api, numCell, money, count, sign, dash, when, day, f2, f4, f2to4, tab, pager,
          failed } = P.lib;

  // rows per page on a wallet's tables (a choice of this page, within the API's maximum)
  const WALLET_ROWS = 25;
  const walletRows = () => Math.min(WALLET_ROWS, P.meta.limits.max);
  const PAGER_LABELS = ["← Newer", "Older →"];

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

  function tokenText(id) {
    return id && id.length > 16 ? `token ${id.slice(0, 6)}…${id.slice(-6)}` : `token ${id}`;
  }

  async function loadPositions(base, state, offset, current) {
    $("#position-states").replaceChildren(...P.meta.positionStates.map((st) => tab(st,
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
      pager("#positions-pager", offset, body.rows.length, body.total, walletRows(),
        (o) => loadPositions(base, state, o, current), PAGER_LABELS);
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
      pager("#trades-pager", offset, body.rows.length, body.total, walletRows(),
        (o) => loadTrades(base, o, current), PAGER_LABELS);
      return body.total;
    } catch (err) {
      if (current()) failed(err);
      return null;
    }
  }

  Object.assign(P.lib, { loadPositions, loadTrades });
})();
