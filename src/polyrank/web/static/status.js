// The run's status: the header's line (the run shown, its as-of time and freshness), the
// pipeline's panel while there are no metrics yet, and `failed`, which shows an API failure
// as one or the other.
"use strict";

(() => {
  const P = window.polyrank;
  const { $, h, api, NotReady, count, when, ago, only, showFailure, route,
          walletParts } = P.lib;

  // ---- the header's line ---------------------------------------------------------------

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
    const stages = P.meta.stages;
    const at = stages.indexOf(stage);
    $("#pipeline-steps").replaceChildren(...P.meta.steps.map((step) => h("li", {
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

  // An API call failed: before the first metrics run the pipeline's panel, else the error.
  function failed(err) {
    if (err instanceof NotReady) { showPipeline(err.stage); return; }
    showFailure(err);
  }

  Object.assign(P.lib, { setAsOf, failed });
})();
