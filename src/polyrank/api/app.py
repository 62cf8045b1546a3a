"""`create_app(store)`: the read-only API. Every value reaches SQL as a bound parameter; the
sort key is checked against a whitelist first. Boards (leaderboard, categories, specialists)
and status live here, a wallet's pages in `wallets.py`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Query
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from polyrank import __version__
from polyrank.api.reader import ApiError, Reader, address_fragment, check_choice, page
from polyrank.api.wallets import wallet_routes
from polyrank.ingest.monitor import read_status
from polyrank.metrics.config import DEFAULT_WINDOWS
from polyrank.results.choices import (
    BOARD_CATEGORIES,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    ORDERS,
    POSITION_STATES,
    SORTS,
    WINDOWS,
)
from polyrank.stages import STAGES, STEPS, current_stage
from polyrank.store import Store
from polyrank.web import mount as mount_web

CATEGORIES = BOARD_CATEGORIES


def create_app(store: Store, runtime_dir: Path | None = None) -> FastAPI:
    """The API over `store`; `runtime_dir` is where a running ingest publishes its progress
    (shown by /api/status)."""
    app = FastAPI(title="polyrank", version=__version__, docs_url=None, redoc_url=None,
                  description="Which Polymarket wallets are genuinely good: read-only API.")
    reader = Reader(store)

    @app.exception_handler(ApiError)
    async def _api_error(_request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request, exc: RequestValidationError) -> JSONResponse:
        """A 422 in the API's one error shape: `error` names each parameter and what is wrong
        with it; FastAPI's `detail` list stays alongside."""
        detail = jsonable_encoder(exc.errors())
        problems = []
        for item in detail:
            where = ".".join(str(part) for part in item.get("loc", ())[1:]) or "request"
            given = item.get("input")
            shown = f" (got {given!r})" if isinstance(given, str | int | float) and len(
                str(given)) <= 40 else ""
            problems.append(f"{where}: {item.get('msg', 'invalid')}{shown}")
        return JSONResponse({"error": "; ".join(problems) or "invalid request",
                             "detail": detail}, status_code=422)

    @app.get("/healthz")
    def healthz() -> dict:
        """Liveness: answers without touching the store."""
        return {"ok": True}

    @app.get("/api/meta")
    def meta() -> dict:
        """What the other endpoints accept, so that no client hard-codes it: windows (with
        their length in days; null = the whole history), categories, sort keys, orders,
        position states, the pipeline's stages and steps, page limits."""
        return {"version": __version__,
                "windows": [{"name": n, "days": d} for n, d in DEFAULT_WINDOWS],
                "categories": list(CATEGORIES), "sorts": list(SORTS), "orders": list(ORDERS),
                "position_states": list(POSITION_STATES), "stages": list(STAGES),
                "steps": [{"name": n, "running": r, "done": d} for n, r, d in STEPS],
                "limits": {"default": DEFAULT_LIMIT, "max": MAX_LIMIT, "max_offset": MAX_OFFSET}}

    @app.get("/api/status")
    def status() -> dict:
        """The pipeline stage, the ingest's per-worker progress while one runs (as it
        publishes it) and the latest metrics runs."""
        ingest = read_status(runtime_dir) if runtime_dir else None
        runs = reader.sql("SELECT run_id, as_of, seconds, trades, positions, bets, wallets "
                          "FROM metrics_runs FINAL ORDER BY finished_at DESC LIMIT 5")
        return {"stage": current_stage(store), "runs": runs, "ingest": ingest}

    @app.get("/api/omega/leaderboard")
    def leaderboard(
        window: str = Query("lifetime", description=" | ".join(WINDOWS)),
        category: str = Query("all", description="all or a canonical category"),
        sort: str = Query("omega_score", description=" | ".join(SORTS)),
        order: str = Query("desc", description="desc | asc"),
        min_bets: int | None = Query(None, ge=0, le=MAX_OFFSET, description=(
            "List wallets with at least this many closed bets instead of ranked ones only")),
        search: str = Query("", max_length=42, description=(
            "Only wallets whose address contains these hex digits (ranks are kept)")),
        limit: int = Query(100, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> dict:
        """Wallets ranked by a metric of one window and category (default: ranked wallets
        by omega_score, ties by realized P&L), with specialist badges and data flags."""
        check_choice("window", window, WINDOWS)
        check_choice("category", category, CATEGORIES)
        check_choice("sort", sort, SORTS)
        check_choice("order", order, ("desc", "asc"))
        run, as_of = reader.run()
        params = {"run": run, "window": window, "category": category, "sort": sort,
                  "sign": -1 if order == "desc" else 1, "search": address_fragment(search),
                  "min_bets": -1 if min_bets is None else min_bets, "limit": limit,
                  "offset": offset}
        rows = reader.rows("leaderboard", params)
        for row in rows:
            row["specialist_in"] = row["specialist_in"] or []
        return {"run_id": run, "as_of": as_of, "window": window, "category": category,
                "sort": sort, "order": order, "total": reader.scalar("leaderboard_total",
                                                                     params),
                "rows": rows}

    @app.get("/api/categories")
    def categories(
        window: str = Query("lifetime", description=" | ".join(WINDOWS)),
    ) -> dict:
        """Categories of the current run with their wallet and ranked counts in `window`, and
        their specialists (a whole-history figure, the same in every window)."""
        check_choice("window", window, WINDOWS)
        run, as_of = reader.run()
        return {"run_id": run, "as_of": as_of, "window": window,
                "categories": reader.rows("categories", {"run": run, "window": window})}

    @app.get("/api/specialists")
    def specialists(
        category: str = Query("", description="A canonical category; empty for all"),
        limit: int = Query(100, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> dict:
        """Category specialists (METRICS.md §7), best lower ROI bound first."""
        if category:
            check_choice("category", category, CATEGORIES[1:])
        run, as_of = reader.run()
        rows = reader.rows("specialists", {"run": run, "category": category, "limit": limit,
                                           "offset": offset})
        return {"run_id": run, "as_of": as_of, "category": category or "all", **page(rows)}

    app.include_router(wallet_routes(reader, limit_max=MAX_LIMIT, offset_max=MAX_OFFSET))
    mount_web(app)   # the web page at / and its files under /static/
    return app
