// The controls the views share: tabs, pagers and sortable column headers.
"use strict";

(() => {
  const P = window.polyrank;
  const { $, h, count } = P.lib;

  function tab(label, active, onclick, extra) {
    return h("button", { type: "button", class: active ? "tab active" : "tab",
                         "aria-pressed": active ? "true" : "false", onclick, ...extra },
      label);
  }

  function pageButton(label, enabled, onclick) {
    return h("button", { type: "button", class: "tab", disabled: !enabled, onclick }, label);
  }

  // A pager into `sel`: which rows of the total are shown, and buttons to the pages before
  // and after (`go(offset)`), labelled `back` and `forward`.
  function pager(sel, offset, shown, total, step, go,
                 [back, forward] = ["← Previous", "Next →"]) {
    $(sel).replaceChildren(
      pageButton(back, offset > 0, () => go(Math.max(0, offset - step))),
      h("span", {}, shown ? `${count(offset + 1)}–${count(offset + shown)} of ${count(total)}`
        : ""),
      pageButton(forward, offset + shown < total, () => go(offset + step)));
  }

  // A sortable column's header, of class `cls`: a button that sorts by the column, or turns
  // the order of the sort shown (`s`: the view's sort and order) — `go({sort, order})`.
  function sortHeader(col, cls, s, go) {
    const orders = P.meta.orders;
    const active = col.key === s.sort;
    const next = active && s.order === orders[0] ? orders[1] : orders[0];
    return h("th", { class: cls, "data-sort": col.key, title: col.title,
                     "aria-sort": active ? (s.order === "desc" ? "descending" : "ascending")
                       : null },
      h("button", { type: "button", class: active ? "sort active" : "sort",
                    onclick: () => go({ sort: col.key, order: next }) },
        col.label, h("span", { class: "arrow" },
          active ? (s.order === "desc" ? " ▼" : " ▲") : "")));
  }

  Object.assign(P.lib, { tab, pageButton, pager, sortHeader });
})();
