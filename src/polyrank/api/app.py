"""`create_app(store)`: the read-only API. Every value reaches SQL as a bound parameter; the
sort key is checked against a whitelist first. The store is shared by the handlers under a
lock (an embedded chDB connection is used by one thread at a time)."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse

from polyrank import __version__
from polyrank.metrics.config import CATEGORY_PRIORITY, OTHER
from polyrank.render import jsonable
from polyrank.stage import MetricsNotReady, current_stage, metrics_run
from polyrank.store import Store, load_sql
from polyrank.web import mount as mount_web

WINDOWS = ("30d", "90d", "180d", "lifetime")
SORTS = ("omega_score", "omega", "realized_pnl", "total_pnl", "roi", "win_rate_lb",
         "volume_usdc", "bets_closed")
CATEGORIES = ("all", *CATEGORY_PRIORITY, OTHER)
MAX_LIMIT = 500


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.body = status, {"error": message, **extra}


def create_app(store: Store) -> FastAPI:
    app = FastAPI(title="polyrank", version=__version__,
                  description="Which Polymarket wallets are genuinely good: read-only API.")
    lock = threading.Lock()

    def query(sql: str, params: dict | None = None) -> list[dict]:
        with lock:
            result = store.query(sql, params or {}, read_only=True)
        return [{k: jsonable(v) for k, v in zip(result.column_names, row, strict=True)}
                for row in result.result_rows]

    def run_or_503() -> tuple[str, int]:
        with lock:
            try:
                run = metrics_run(store)
            except MetricsNotReady as exc:
                raise ApiError(503, str(exc), stage=exc.stage) from None
            as_of = store.scalar("SELECT as_of FROM metrics_runs WHERE run_id = {r:String}",
                                 {"r": run})
        return run, as_of

    @app.exception_handler(ApiError)
    async def _api_error(_request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status)

    @app.get("/healthz")
    def healthz() -> dict:
        """Liveness: answers without touching the store."""
        return {"ok": True}

    @app.get("/api/status")
    def status() -> dict:
        """The pipeline stage and the latest metrics run, if any."""
        with lock:
            stage = current_stage(store)
        runs = query("SELECT run_id, as_of, seconds, trades, positions, bets, wallets "
                     "FROM metrics_runs FINAL ORDER BY finished_at DESC LIMIT 5")
        return {"stage": stage, "runs": runs}

    @app.get("/api/omega/leaderboard")
    def leaderboard(
        window: str = Query("lifetime", description="30d, 90d, 180d or lifetime"),
        category: str = Query("all", description="all or a canonical category"),
        sort: str = Query("omega_score", description=", ".join(SORTS)),
        order: str = Query("desc", description="desc or asc"),
        min_bets: int | None = Query(None, ge=0, description=(
            "Replace the ranked-only gate by a minimum number of closed bets")),
        limit: int = Query(100, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=10_000_000),
    ) -> dict:
        """Wallets ranked by a metric of one window and category (default: ranked wallets
        by omega_score, ties by realized P&L)."""
        _check("window", window, WINDOWS)
        _check("category", category, CATEGORIES)
        _check("sort", sort, SORTS)
        _check("order", order, ("desc", "asc"))
        run, as_of = run_or_503()
        rows = query(load_sql("polyrank.api.sql", "leaderboard.sql"), {
            "run": run, "window": window, "category": category, "sort": sort,
            "sign": -1 if order == "desc" else 1,
            "min_bets": -1 if min_bets is None else min_bets, "limit": limit,
            "offset": offset})
        total = rows[0]["total"] if rows else 0
        for rank, row in enumerate(rows, start=offset + 1):
            row["rank"] = rank
            row.pop("total")
            row["specialist_in"] = row["specialist_in"] or []
        return {"run_id": run, "as_of": as_of, "window": window, "category": category,
                "sort": sort, "order": order, "total": total, "rows": rows}

    @app.get("/api/categories")
    def categories() -> dict:
        """Categories of the current run with their wallet and specialist counts."""
        run, as_of = run_or_503()
        rows = query("SELECT category, uniqExact(wallet) AS wallets, "
                     "countIf(eligibility = 'ranked') AS ranked FROM wallet_metrics "
                     "WHERE run_id = {r:String} AND window = 'lifetime' AND category != 'all' "
                     "GROUP BY category ORDER BY wallets DESC", {"r": run})
        special = {r["category"]: r["n"] for r in query(
            "SELECT category, countIf(is_specialist) AS n FROM specialists "
            "WHERE run_id = {r:String} GROUP BY category", {"r": run})}
        for row in rows:
            row["specialists"] = special.get(row["category"], 0)
        return {"run_id": run, "as_of": as_of, "categories": rows}

    mount_web(app)   # the web page at / and its files under /static/
    return app


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ApiError(400, f"unknown {name} {value!r}", valid=list(allowed))
