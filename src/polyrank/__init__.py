"""polyrank: find the most skilled traders on Polymarket.

The front door — everything the `polyrank` command does, as Python:

    import polyrank

    with polyrank.open("chdb://./data/polyrank") as pr:       # a store, by DSN
        pr.sync_catalogue()                                     # Gamma markets, events, tags
        pr.ingest(["0x…", "0x…"], workers=4)                    # fills, resumable
        pr.enrich()
        pr.compute_metrics()
        board = pr.leaderboard(window="90d", category="politics", limit=10)
        best = [(row["rank"], row["wallet"], row["omega_score"]) for row in board.rows]
        pr.wallet("0x…"), pr.positions("0x…"), pr.trades("0x…"), pr.pnl("0x…")
        pr.status()

Reads return dataclasses whose `rows` are dicts (`.to_pandas()` / `.to_arrow()` when those
are installed). Loading has async twins (`ingest_async`, `sync_catalogue_async`,
`run_pipeline_async`); the sync calls also work inside a running event loop. Errors are
`polyrank.errors.PolyrankError` subclasses: `InvalidArgument`, `NotFound`, `MetricsNotReady`,
`UpstreamError`, `StoreError`, ..."""

from __future__ import annotations

__version__ = "0.1.0"

from polyrank.errors import (
    ConfigError,
    InvalidArgument,
    MetricsNotReady,
    NotFound,
    PolyrankError,
    StoreError,
    StoreLockedError,
    UpstreamError,
)
from polyrank.session import Polyrank, SqlResult, open
from polyrank.settings import Settings, settings_from_env
from polyrank.stages import PipelineStatus, pipeline_status

__all__ = [
    "ConfigError",
    "InvalidArgument",
    "MetricsNotReady",
    "NotFound",
    "PipelineStatus",
    "Polyrank",
    "PolyrankError",
    "Settings",
    "SqlResult",
    "StoreError",
    "StoreLockedError",
    "UpstreamError",
    "__version__",
    "open",
    "pipeline_status",
    "settings_from_env",
]
