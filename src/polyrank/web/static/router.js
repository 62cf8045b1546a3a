// The page's routes: `/?window=&category=&sort=&order=&min_bets=&search=&skilled=&hide=&offset=`
// (the leaderboard, board.js), `/wallet/0x…` (a wallet, wallet.js), and the pages other files
// register in `window.polyrank.pages` (markets.js: `/markets`, `/market/ID`). Links within
// the page change its URL and view without loading it again.
"use strict";

(() => {
  const P = window.polyrank;
  const { showError } = P.lib;

  // A page registered by another file: { match(pathname) -> its parameters or null,
  // show(parameters) }.
  const PAGES = P.pages;

  function registered(pathname) {
    for (const page of PAGES) {
      const found = page.match(pathname);
      if (found != null) return () => page.show(found);
    }
    return null;
  }

  function walletParts() {
    const m = location.pathname.match(/^\/wallet\/([^/]+)\/?$/);
    return m ? decodeURIComponent(m[1]).toLowerCase() : null;
  }

  // the wallet page and the leaderboard are the files loaded after this one
  function route() {
    showError(null);
    const address = walletParts();
    const other = registered(location.pathname);
    if (address !== null) P.lib.showWallet(address);
    else if (other) other();
    else P.lib.showBoard();
  }

  function navigate(url, replace) {
    if (url === location.pathname + location.search) return;
    history[replace ? "replaceState" : "pushState"](null, "", url);
    route();
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
  window.addEventListener("popstate", () => { if (P.meta) route(); });

  Object.assign(P.lib, { route, navigate, walletParts });
})();
