"""The pipeline's stages — their names and order, owned here — where the pipeline stands, and
the one check every metrics reader makes first: while loading, metrics are "not computed yet,
pipeline at stage X", never an empty result.

`pipeline_status()` is the one answer to "where does it stand?", for `polyrank status`, the
API's `/api/status` and the front door alike."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from polyrank.errors import MetricsNotReady, StoreLockedError
from polyrank.runtime_files import read_job, read_serving
from polyrank.store import Store, load_sql

#: Every stage in the order a pipeline reaches them: nothing loaded yet, then each step's
#: start and end. The last is "metrics are readable".
STAGES: tuple[str, ...] = ("empty", "catalogue", "ingest", "ingested", "enrich", "enriched",
                           "metrics", "ready")
#: The steps a pipeline runs: (name, the stage while it runs, the stage once it is done).
STEPS: tuple[tuple[str, str, str], ...] = (
    ("catalogue", "catalogue", "ingest"),
    ("ingest", "ingest", "ingested"),
    ("enrich", "enrich", "enriched"),
    ("metrics", "metrics", "ready"),
)

#: how long `polyrank status` waits for the API of the process that holds the store
SERVED_TIMEOUT_S = 10.0
STAGE_SQL = ("SELECT argMax(value, updated_at) FROM pipeline_state WHERE key = {key:String} "
             "HAVING count() > 0")
#: a run's `computed_wallets` were computed, the others carried over from `base_run` ('' and
#: all of them when it computed every wallet: metrics/incremental.py)
RUNS_SQL = ("SELECT run_id, as_of, seconds, trades, positions, bets, wallets, "
            "computed_wallets, base_run "
            "FROM metrics_runs FINAL ORDER BY finished_at DESC LIMIT {n:UInt32}")
def set_stage(store: Store, stage: str) -> None:
    """Record that the pipeline reached `stage` (one of STAGES)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    store.insert("pipeline_state", [("stage", stage)], ("key", "value"))


def current_stage(store: Store) -> str:
    """The last stage recorded; `empty` when nothing was ever loaded."""
    return store.scalar(STAGE_SQL, {"key": "stage"}) or "empty"


def metrics_run(store: Store) -> str:
    """The id of the latest complete metrics run; MetricsNotReady when there is none."""
    run = store.scalar(STAGE_SQL, {"key": "metrics_run"})
    if not run:
        raise MetricsNotReady(current_stage(store))
    return run


@dataclass(frozen=True)
class Freshness:
    """How fresh the readable metrics are. Of the run (None before the first): `as_of` (unix
    seconds: the latest data it saw), `finished_at` (unix seconds) and `age_s` (seconds from
    then to the time of asking). Of the store's wallets: `loaded_to_min` / `loaded_to_max`
    (unix seconds: the upstream time up to which each wallet's history is stored, over the
    `wallets_loaded_to` wallets that know it; None when none does)."""

    as_of: int | None = None
    finished_at: int | None = None
    age_s: float | None = None
    loaded_to_min: int | None = None
    loaded_to_max: int | None = None
    wallets_loaded_to: int = 0


@dataclass
class PipelineStatus:
    """Where the pipeline stands.

    `stage` is one of STAGES, or "unknown" when the store could not be read (`store_error`
    says why, e.g. another process holds an embedded store); `metrics_run` the readable run
    (None before the first); `runs` the latest metrics runs, newest first; `ingest` what the
    last or running ingest published (per-worker progress, totals, failures) or None;
    `wallets` the store's wallets per load status; `registry` the wallet registry's size
    (`registry_wallets`) and what each discovery source found (`registry`); `freshness` the
    readable run's as-of time and age and how far the wallets are loaded; `job` what the last
    or running enrich or metrics run published (runtime_files.read_job: its step, done and
    total statements, `alive`, `error` if it failed) or None; `served_by` the process that
    holds the store and answered for it from its API (None: read here)."""

    stage: str
    metrics_run: str | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    ingest: dict[str, Any] | None = None
    wallets: list[dict[str, Any]] = field(default_factory=list)
    store_error: str | None = None
    registry_wallets: int = 0
    registry: list[dict[str, Any]] = field(default_factory=list)
    freshness: Freshness = field(default_factory=Freshness)
    job: dict[str, Any] | None = None
    served_by: str | None = None

    @property
    def metrics(self) -> str:
        """One line on the metrics: the readable run, or why there is none."""
        if self.metrics_run:
            return f"run {self.metrics_run}"
        if self.stage == "unknown" or self.store_error:
            # (held by another process: its stage is known, not whether a run is readable)
            return "unknown (the store could not be read)"
        return str(MetricsNotReady(self.stage))

    def as_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "metrics_run": self.metrics_run, "metrics": self.metrics,
                "runs": self.runs, "ingest": self.ingest, "wallets": self.wallets,
                "registry_wallets": self.registry_wallets, "registry": self.registry,
                "freshness": asdict(self.freshness), "job": self.job,
                "served_by": self.served_by, "store_error": self.store_error}

    def as_json(self) -> dict[str, Any]:
        """as_dict() with JSON-safe values (what the API answers)."""
        from polyrank.render import jsonable

        return jsonable(self.as_dict())


def pipeline_status(store: Store | None = None, runtime_dir: Path | None = None, *,
                    store_dsn: str | None = None, runs: int = 5,
                    query_timeout_s: float | None = None) -> PipelineStatus:
    """Where the pipeline stands: from an open `store`, or by opening `store_dsn` for the
    moment (an embedded store held by another process is reported in `store_error`, with the
    stage that process publishes, never raised), plus what an ingest published in
    `runtime_dir`."""
    from polyrank.ingest.monitor import read_status

    published = read_status(runtime_dir) if runtime_dir else None
    job = read_job(runtime_dir) if runtime_dir else None
    if store is not None:
        return _from_store(store, published, job, runs)
    if store_dsn is None:
        raise ValueError("pipeline_status needs a store or a store_dsn")
    try:
        timeout = {} if query_timeout_s is None else {"query_timeout_s": query_timeout_s}
        with Store.open(store_dsn, **timeout) as opened:
            return _from_store(opened, published, job, runs)
    except StoreLockedError as exc:
        if published and published.get("alive"):
            stage = published.get("stage")
            where = (f"the running ingest (pid {published.get('pid')}) publishes its "
                     f"progress in {runtime_dir}")
        elif job and job.get("alive") and job.get("pid") == exc.holder.get("pid"):
            stage = job.get("job")
            where = (f"the running {job.get('job')} (pid {job.get('pid')}) publishes its "
                     f"step in {runtime_dir}")
        elif (serving := read_serving(runtime_dir) if runtime_dir else None) and \
                serving.get("alive") and serving.get("pid") == exc.holder.get("pid"):
            # (the holder serves the store: its API answers with the store's status; a
            # server of another store that publishes in the same folder is not asked)
            answer = _served(serving, query_timeout_s or SERVED_TIMEOUT_S)
            if answer is not None:
                return answer
            stage = None
            where = (f"it serves {serving.get('url')} (pid {serving.get('pid')}), which did "
                     "not answer /api/status")
        else:
            stage = None
            where = (f"nothing running publishes a status in {runtime_dir}: the holder is not "
                     "an ingest, an enrich or a metrics run, or it publishes elsewhere (its "
                     "--runtime-dir)")
        return PipelineStatus(stage or "unknown", ingest=published, job=job,
                              store_error=f"the store at {exc.folder} is held by "
                                          f"{exc.held_by}; {where}")


def _served(serving: dict[str, Any], timeout_s: float) -> PipelineStatus | None:
    """The status the API of the process that holds the store answers (the same
    pipeline_status, from that process), or None when it does not answer."""
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(f"{serving['url']}/api/status", timeout=timeout_s) as res:
            body = json.load(res)
        return PipelineStatus(
            body["stage"], body.get("metrics_run"), body.get("runs") or [], body.get("ingest"),
            body.get("wallets") or [], registry_wallets=body.get("registry_wallets") or 0,
            registry=body.get("registry") or [], freshness=Freshness(**body["freshness"]),
            job=body.get("job"),
            served_by=f"pid {serving.get('pid')}, serving {serving.get('url')}")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _from_store(store: Store, published: dict[str, Any] | None, job: dict[str, Any] | None,
                runs: int) -> PipelineStatus:
    try:
        run = metrics_run(store)
    except MetricsNotReady:
        run = None
    return PipelineStatus(current_stage(store), run, store.dicts(RUNS_SQL, {"n": runs}),
                          published,
                          store.dicts(load_sql("polyrank.ingest.sql", "wallet_summary.sql")),
                          registry_wallets=store.scalar(load_sql("polyrank.discover.sql",
                                                                 "registry_size.sql")),
                          registry=store.dicts(load_sql("polyrank.discover.sql",
                                                        "registry_summary.sql")),
                          freshness=freshness(store, run), job=job)


def freshness(store: Store, run: str | None) -> Freshness:
    """The run's as-of time and age (none without a run) and the wallets' cursors."""
    ages = store.dicts(load_sql("polyrank.ingest.sql", "run_age.sql"), {"run": run}) \
        if run else []
    run_age = ages[0] if ages else {}
    if run_age:
        run_age["age_s"] = max(0.0, float(run_age["age_s"]))
    loaded = store.dicts(load_sql("polyrank.ingest.sql", "loaded_to.sql"))[0]
    return Freshness(**run_age, **loaded)
