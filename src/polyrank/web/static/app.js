// The page's start-up, the last of its scripts: /api/meta's lists, then the view of the URL.
// What the API accepts — windows, categories, sort keys, orders, position states, the
// pipeline's stages and steps, page limits — is read from /api/meta at start-up, never
// written in the page's files: they only know how to label and format a metric, by its name.
"use strict";

(() => {
  const P = window.polyrank;
  const { api, route, showFailure } = P.lib;

  // What the page is built from: /api/meta's lists, with the leaderboard's defaults — the
  // window over the whole history (the last with no length in days), the first category
  // ("all"), the first sort key and the first order. `window.polyrank.meta`:
  // { windows: [{name, days}], windowNames, whole (the window over the whole history),
  // categories, allCategory, sorts, orders, positionStates, stages, steps: [{name, running,
  // done}], limits, marketSorts, flags, defaults (the leaderboard's URL defaults) }.
  function setMeta(meta) {
    const windows = meta.windows;
    const whole = [...windows].reverse().find((w) => w.days == null)
      || windows[windows.length - 1];
    P.meta = {
      windows, windowNames: windows.map((w) => w.name), whole: whole.name,
      categories: meta.categories, allCategory: meta.categories[0], sorts: meta.sorts,
      orders: meta.orders, positionStates: meta.position_states, stages: meta.stages,
      steps: meta.steps, limits: meta.limits, marketSorts: meta.market_sorts || [],
      flags: meta.flags || [],
      defaults: { window: whole.name, category: meta.categories[0], sort: meta.sorts[0],
                  order: meta.orders[0], min_bets: "", search: "", skilled: "", hide: "",
                  offset: "0" },
    };
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

  // once every script of the page has run (and registered its pages)
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
