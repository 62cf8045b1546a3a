// The leaderboard (`/`): the window, category and search controls, the skilled and
// behaviour toggles, and the table with its sorts and pages, all kept in the URL.
"use strict";

(() => {
  const P = window.polyrank;
  const { $, h, ADDRESS, api, ApiError, debounce, numCell, count, tab, pager, sortHeader,
          navigate, failed, showError, setAsOf, hideAllBut, setView, badges, skillBadges,
          flags, sortsFor, boardColumns } = P.lib;
  const FIGURES = window.polyrankFigures;

  let boardSeq = 0;
  // the category counts of one window: { window, run, rows }
  let categories = null;

  function boardState() {
    const d = P.meta.defaults;
    const q = new URLSearchParams(location.search);
    const s = {};
    for (const [key, def] of Object.entries(d)) s[key] = q.get(key) ?? def;
    if (!P.meta.windowNames.includes(s.window)) s.window = d.window;
    if (!P.meta.categories.includes(s.category)) s.category = d.category;
    if (!sortsFor(s.window).includes(s.sort)) s.sort = d.sort;
    if (!P.meta.orders.includes(s.order)) s.order = d.order;
    s.skilled = s.skilled === "true" ? "true" : "";
    s.hide = hidden(s.hide).join(",");
    return s;
  }

  // The behaviour flags a `hide` value names, in /api/meta's order (unknown ones dropped).
  function hidden(value) {
    const asked = String(value || "").split(",");
    return P.meta.flags.filter((flag) => asked.includes(flag));
  }

  function boardUrl(changes) {
    const s = { ...boardState(), offset: "0", ...changes };
    // a sort the new window does not offer (total P&L outside the whole history) is dropped
    if (!sortsFor(s.window).includes(s.sort)) s.sort = P.meta.defaults.sort;
    const q = new URLSearchParams();
    for (const [key, def] of Object.entries(P.meta.defaults)) {
      if (s[key] !== def && s[key] !== "") q.set(key, s[key]);
    }
    const text = q.toString();
    return "/" + (text ? "?" + text : "");
  }

  function cleanSearch(text) {
    return text.trim().toLowerCase();
  }

  async function showBoard() {
    const s = boardState();
    hideAllBut("#board");
    setView("board");
    document.title = "polyrank — leaderboard";
    $("#windows").replaceChildren(...P.meta.windows.map((w) => tab(w.name, w.name === s.window,
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
                     hide: s.hide, limit: P.meta.limits.default, offset: s.offset };
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
    $("#hide-flags").replaceChildren(...P.meta.flags.map((flag) => {
      const info = FIGURES.flags[flag] || { hide: flag };
      return h("label", { class: "toggle", title: info.title },
        h("input", { type: "checkbox", "data-flag": flag, checked: hide.includes(flag),
          onchange: () => navigate(boardUrl({ hide: [...document.querySelectorAll(
            "#hide-flags input:checked")].map((el) => el.dataset.flag).join(",") })) }),
        ` hide ${info.hide}`);
    }));
  }

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
    const all = P.meta.allCategory;
    const counts = categories && categories.window === s.window
      ? Object.fromEntries(categories.rows.map((c) => [c.category, c])) : null;
    $("#categories").replaceChildren(...P.meta.categories.map((cat) => {
      const c = cat === all || !counts ? null
        : counts[cat] || { category: cat, wallets: 0, ranked: 0, specialists: 0 };
      const active = cat === s.category;
      return tab(
        [cat, c ? h("small", { class: "count" }, ` ${count(c.ranked)}`) : null,
         c && c.specialists ? h("small", { class: "star" }, " ★" + c.specialists) : null],
        active, () => navigate(boardUrl({ category: cat })),
        { "data-category": cat, "data-ranked": c ? c.ranked : null,
          class: ["tab", active && "active", c && !c.wallets && "quiet"].filter(Boolean)
            .join(" "),
          title: cat === all ? "every category together"
            : c ? `${count(c.ranked)} wallets ranked in ${s.window}, of ${count(c.wallets)} `
              + "that bet in this category"
              + (c.specialists ? `; ${c.specialists} specialists (whole history)` : "")
            : null });
    }));
  }

  function renderHead(s) {
    $("#board-head").replaceChildren(...boardColumns(s.window).map((col) => col.sort
      ? sortHeader(col, "num", s, (changes) => navigate(boardUrl(changes)))
      : h("th", { class: col.key === "wallet" ? "" : "num" }, col.label)));
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
    pager("#board-pager", Number(s.offset) || 0, rows.length, body.total,
      P.meta.limits.default, (offset) => navigate(boardUrl({ ...s, offset: String(offset) })));
  }

  $("#skilled-only").addEventListener("change", (ev) => {
    navigate(boardUrl({ skilled: ev.target.checked ? "true" : "" }));
  });

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

  Object.assign(P.lib, { showBoard });
})();
