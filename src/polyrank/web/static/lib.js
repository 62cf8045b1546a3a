// polyrank's web page: plain JS over the JSON API, no framework and no build step. Its files
// are plain scripts that index.html loads in order; each adds what it holds to
// `window.polyrank`, which this file (the first of them) creates: `lib`, the helpers the files
// share (each later file adds its own), `pages`, the routes other files register (router.js),
// `meta`, /api/meta's lists once app.js has read them, and `chart`, the wallet's P&L chart.
// Data from the API only ever reaches the DOM as text.
// This file: building DOM elements and reading the API, with its errors.
"use strict";

(() => {
  const P = window.polyrank = { chart: null, meta: null, pages: [], lib: {} };

  const $ = (sel) => document.querySelector(sel);
  const ADDRESS = /^0x[0-9a-f]{40}$/;   // a wallet's address, as the API writes it

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

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
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

  Object.assign(P.lib, { $, h, ADDRESS, debounce, api, NotReady, ApiError,
                         meta: () => P.meta });
})();
