"""`create_app(store)`: the read-only API, a thin layer over the library's readers
(`polyrank.results`): each handler passes its parameters on and answers the result as JSON.

One error shape everywhere: `{"error": message, ...}` — 400 for a value the library refuses
(with `valid` choices when there are few), 404 for a wallet or market the store knows nothing
of, 503 with the pipeline's `stage` before the first metrics run.

The answers that a metrics run fixes (`CACHED`) are served from a per-run response cache with
ETags (`api/cache.py`); `/api/status`, `/api/meta` and `/healthz` answer live."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from polyrank import __version__
from polyrank.api.cache import DATA, RUN, install_cache
from polyrank.api.markets import market_routes
from polyrank.api.wallets import wallet_routes
from polyrank.errors import InvalidArgument, MetricsNotReady, NotFound
from polyrank.metrics.config import DEFAULT_WINDOWS
from polyrank.results import boards
from polyrank.results.choices import (
    BOARD_CATEGORIES,
    DEFAULT_LIMIT,
    FLAGS,
    MARKET_SORTS,
    MAX_LIMIT,
    MAX_OFFSET,
    ORDERS,
    POSITION_STATES,
    SORTS,
    WINDOWS,
)
from polyrank.settings import Settings
from polyrank.stages import STAGES, STEPS, pipeline_status
from polyrank.store import Store
from polyrank.web import mount as mount_web

CATEGORIES = BOARD_CATEGORIES
#: The cached routes and what their answers depend on: the metrics run alone (RUN), or also
#: the loaded data (DATA: a wallet's load state and fills, readable while wallets load).
CACHED = {"/api/omega/leaderboard": RUN, "/api/categories": RUN, "/api/specialists": RUN,
          "/api/wallets/{address}": DATA, "/api/wallets/{address}/positions": RUN,
          "/api/wallets/{address}/trades": DATA, "/api/wallets/{address}/pnl": RUN,
          "/api/markets": RUN, "/api/markets/{market_id}": RUN}


def create_app(store: Store, runtime_dir: Path | None = None,
               settings: Settings | None = None) -> FastAPI:
    """The API over `store`; `runtime_dir` is where a running ingest publishes its progress
    (shown by /api/status); `settings` size the response cache (default: the defaults)."""
    app = FastAPI(title="polyrank", version=__version__, docs_url=None, redoc_url=None,
                  description="Which Polymarket wallets are genuinely good: read-only API. "
                              "Errors answer {\"error\": message, ...}.")

    @app.exception_handler(InvalidArgument)
    async def _invalid(_request, exc: InvalidArgument) -> JSONResponse:
        body = {"error": str(exc)}
        if exc.valid is not None:
            body["valid"] = exc.valid
        return JSONResponse(body, status_code=400)

    @app.exception_handler(NotFound)
    async def _not_found(_request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=404)

    @app.exception_handler(StarletteHTTPException)
    async def _routing(_request, exc: StarletteHTTPException) -> JSONResponse:
        """Routing's own answers (a path no route matches, e.g. a market id holding "/": 404;
        a wrong method: 405) in the API's one error shape too."""
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(MetricsNotReady)
    async def _not_ready(_request, exc: MetricsNotReady) -> JSONResponse:
        return JSONResponse({"error": str(exc), "stage": exc.stage}, status_code=503)

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
        position states, the pipeline's stages and steps, page limits, the behaviour flags
        a board may hide, the markets list's sort keys."""
        return {"version": __version__,
                "windows": [{"name": n, "days": d} for n, d in DEFAULT_WINDOWS],
                "categories": list(CATEGORIES), "sorts": list(SORTS), "orders": list(ORDERS),
                "position_states": list(POSITION_STATES), "stages": list(STAGES),
                "steps": [{"name": n, "running": r, "done": d} for n, r, d in STEPS],
                "limits": {"default": DEFAULT_LIMIT, "max": MAX_LIMIT,
                           "max_offset": MAX_OFFSET},
                "flags": list(FLAGS), "market_sorts": list(MARKET_SORTS)}

    @app.get("/api/status")
    def status(response: Response) -> dict:
        """The pipeline stage, the ingest's per-worker progress while one runs (as it
        publishes it), the store's wallets per load status and the latest metrics runs.
        Live: never cached."""
        response.headers["Cache-Control"] = "no-store"
        return pipeline_status(store, runtime_dir).as_json()

    @app.get("/api/omega/leaderboard")
    def leaderboard(
        window: str = Query("lifetime", description=" | ".join(WINDOWS)),
        category: str = Query("all", description="all or a canonical category"),
        sort: str = Query(SORTS[0], description=" | ".join(SORTS)),
        order: str = Query(ORDERS[0], description=" | ".join(ORDERS)),
        min_bets: int | None = Query(None, ge=0, le=MAX_OFFSET, description=(
            "List wallets with at least this many closed bets instead of ranked ones only")),
        search: str = Query("", max_length=42, description=(
            "Only wallets whose address contains these hex digits (ranks are kept)")),
        skilled: bool = Query(False, description=(
            "Only wallets with the skilled badge (docs/metrics.md §4.6); ranks are taken "
            "after this filter")),
        hide: str = Query("", max_length=200, description=(
            "Leave out wallets with any of these behaviour flags, comma-separated: "
            + ", ".join(FLAGS) + " (ranks are taken after this filter)")),
        limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> dict:
        """Wallets ranked by a metric of one window and category (default: ranked wallets
        by omega_score, ties by realized P&L), with specialist badges, the skilled badge,
        behaviour and data flags; optionally only the skilled, without hidden behaviours."""
        flags = [flag.strip() for flag in hide.split(",") if flag.strip()]
        return boards.leaderboard(store, window=window, category=category, sort=sort,
                                  order=order, min_bets=min_bets, search=search, limit=limit,
                                  offset=offset, skilled=skilled, hide=flags).as_dict()

    @app.get("/api/categories")
    def categories(
        window: str = Query("lifetime", description=" | ".join(WINDOWS)),
    ) -> dict:
        """Categories of the current run with their wallet and ranked counts in `window`, and
        their specialists (a whole-history figure, the same in every window)."""
        cats = boards.categories(store, window=window).as_dict()
        return {"run_id": cats["run_id"], "as_of": cats["as_of"], "window": window,
                "categories": cats["rows"]}

    @app.get("/api/specialists")
    def specialists(
        category: str = Query("", description="A canonical category; empty for all"),
        limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> dict:
        """Category specialists (see docs/metrics.md), best lower ROI bound first."""
        if category == "all":
            raise InvalidArgument("category", "unknown category 'all'",
                                  valid=list(CATEGORIES[1:]))
        return boards.specialists(store, category=category or "all", limit=limit,
                                  offset=offset).as_dict()

    app.include_router(wallet_routes(store))
    app.include_router(market_routes(store))
    mount_web(app)   # the web page at / and its files under /static/
    install_cache(app, store, settings or Settings(), CACHED)
    return app
