"""Where the pipeline stands, and the one check every metrics reader makes first: while
loading, metrics are "not computed yet, pipeline at stage X" — never an empty result."""

from __future__ import annotations

from polyrank.errors import PolyrankError
from polyrank.store import Store

STAGE_SQL = ("SELECT argMax(value, updated_at) FROM pipeline_state WHERE key = {key:String} "
             "HAVING count() > 0")


class MetricsNotReady(PolyrankError):
    """Metrics were asked for before any metrics run completed."""

    def __init__(self, stage: str) -> None:
        super().__init__(f"metrics are not computed yet: the pipeline is at stage {stage!r}")
        self.stage = stage


def set_stage(store: Store, stage: str) -> None:
    """Record that the pipeline reached `stage` (catalogue, ingest, ingested, enrich,
    enriched, metrics, ready)."""
    store.insert("pipeline_state", [("stage", stage)], ("key", "value"))


def current_stage(store: Store) -> str:
    """`empty`, `ingest`, `ingested`, ... as the last stage to start or finish recorded it."""
    return store.scalar(STAGE_SQL, {"key": "stage"}) or "empty"


def metrics_run(store: Store) -> str:
    """The id of the latest complete metrics run; MetricsNotReady when there is none."""
    run = store.scalar(STAGE_SQL, {"key": "metrics_run"})
    if not run:
        raise MetricsNotReady(current_stage(store))
    return run
