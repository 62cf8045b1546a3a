// The page's views and its error banner: one view is shown at a time, none under an error.
"use strict";

(() => {
  const P = window.polyrank;
  const { $ } = P.lib;

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

  Object.assign(P.lib, { showError, hideAllBut, only, setView, showFailure });
})();
