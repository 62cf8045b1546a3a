"""`Polyrank`: the front door. One object over an open store and the settings, with a method
for every capability of the command line — sync the catalogue, ingest wallets, enrich,
compute metrics, run the whole pipeline, read the boards and a wallet's pages, the pipeline's
status, a read-only query, serve the API. The CLI, the API server and the demo are thin layers
over it (or over the functions it calls).

    import polyrank
    with polyrank.open("chdb://./data/polyrank") as pr:
        board = pr.leaderboard(window="90d", category="politics", limit=10)

Loading is async underneath: `ingest`, `sync_catalogue` and `run_pipeline` have async twins
(`*_async`); the sync ones also work inside a running event loop (a notebook)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from polyrank.blocking import run_sync
from polyrank.discover.run import DEFAULT_DATA_LIMIT, DiscoverReport
from polyrank.enrich.catalogue import CatalogueReport
from polyrank.enrich.trades import EnrichReport
from polyrank.errors import InvalidArgument
from polyrank.ingest.options import DEFAULT_RPC_LIMIT, IngestOptions
from polyrank.ingest.run import IngestReport
from polyrank.metrics.config import MetricsConfig
from polyrank.metrics.run import MetricsReport
from polyrank.pipeline import PipelineReport
from polyrank.progress import NullProgress, Progress, Published
from polyrank.refresh import RefreshReport, Round
from polyrank.results import boards, markets, wallets
from polyrank.results.boards import Categories, Leaderboard, Specialists
from polyrank.results.markets import MarketList, MarketReport
from polyrank.results.tables import read
from polyrank.results.wallets import PnlCurve, Positions, Trades, WalletReport
from polyrank.settings import Settings, settings_from_env
from polyrank.stages import PipelineStatus, pipeline_status
from polyrank.store import Store, load_sql

#: What `refresh` discovers from: the orderbook subgraph's tape and the Data API's trades.
REFRESH_SOURCES = ("tape", "trades")
_ADDRESS_LIKE = re.compile(r"^0x[0-9a-fA-F]*$")
#: What `ingest` and `run_pipeline` accept for wallets: addresses, or a wallet-list file.
Wallets = Iterable[str] | str | Path


@dataclass(frozen=True)
class SqlResult:
    """A read-only query's answer: column names and value tuples, in the store's order."""

    columns: list[str]
    values: list[tuple] = field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.values]

    def to_pandas(self) -> Any:
        import pandas

        return pandas.DataFrame(self.values, columns=self.columns)


class Polyrank:
    """A store and the settings that reach the upstream services. Open with
    `polyrank.open(...)`; close it (or use `with`) to release an embedded store's folder."""

    def __init__(self, store: Store, settings: Settings, *,
                 progress: Progress | None = None) -> None:
        self.store, self.settings = store, settings
        self.progress = progress or NullProgress()
        self._servers: list[Any] = []   # the API servers `serve()` started over this store

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, dsn: str | None = None, *, settings: Settings | None = None,
             progress: Progress | None = None, **overrides: Any) -> Polyrank:
        """Open the store at `dsn` (default: the settings' `store_dsn`, from POLYRANK_STORE_DSN
        or ./data/polyrank), applying pending migrations. `overrides` replace settings
        fields (e.g. `gamma_url=...`); `progress` shows long work (default: nothing)."""
        settings = (settings or settings_from_env()).with_overrides(store_dsn=dsn, **overrides)
        store = Store.open(settings.store_dsn, query_timeout_s=settings.query_timeout_s)
        return cls(store, settings, progress=progress)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Polyrank:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Polyrank {self.store.target.describe()}>"

    # -- loading ---------------------------------------------------------------------------
    async def sync_catalogue_async(self) -> CatalogueReport:
        """Load Gamma's events, markets and tags (open and closed) into the store,
        incrementally, with payouts from the pnl-subgraph."""
        from polyrank.enrich.catalogue import sync_catalogue

        return await sync_catalogue(self.settings, self.store, progress=self.progress)

    def sync_catalogue(self) -> CatalogueReport:
        return run_sync(self.sync_catalogue_async())

    async def discover_async(self, *, since: int | str | dt.datetime | None = None,
                             until: int | str | dt.datetime | None = None, min_fills: int = 1,
                             min_volume: float = 0.0,
                             active_since: int | str | dt.datetime | None = None,
                             limit: int | None = None,
                             out: str | Path | None = None,
                             sources: Iterable[str] | None = None,
                             holders: Iterable[str] = (),
                             leaderboard_max_offset: int | None = None,
                             data_limit: tuple[int, float] | str | None = DEFAULT_DATA_LIMIT,
                             rpc_limit: tuple[int, float] | None = DEFAULT_RPC_LIMIT,
                             rpc_max_span: int | None = None) -> DiscoverReport:
        """Find wallets into the store's wallet registry from `sources` (default: the trade
        tape, or the holders alone when only `holders` are given): "tape" (the orderbook
        subgraph's makers of [since, until), whole UTC days; until defaults to now), "trades"
        (the Data API's latest trades of the period, V2 era, as deep as its offset cap
        reaches), "leaderboard" (the official board, every category x period x order, offsets
        up to `leaderboard_max_offset`), "holders" (the top holders of the markets or events
        `holders` names: condition ids, event ids or slugs), "chain" (every maker of the
        exchanges' logs of the period, both eras, from `settings.rpc_url`). Then select the
        wallets with at least `min_fills` fills and `min_volume` USDC, active since
        `active_since` (wallets found without fills pass), the most active first, at most
        `limit` (written to `out`, one address a line, when given). `data_limit`: the
        client-side Data API rate limit, (N, seconds), "N/S" or None / "none"; `rpc_limit`
        and `rpc_max_span`: the chain source's (see `IngestOptions`). Resumable."""
        from polyrank.discover.run import DiscoverOptions, discover

        holders = (holders,) if isinstance(holders, str) else tuple(holders)
        chosen = (sources,) if isinstance(sources, str) else tuple(sources or ())
        start = unix_time(since)
        end = unix_time(until) if until is not None else int(dt.datetime.now(dt.UTC).timestamp())
        if since is not None and start is None:
            raise InvalidArgument("since", f"not a time: {since!r}")
        if min_fills < 0 or min_volume < 0 or (limit is not None and limit < 1):
            raise InvalidArgument("limit", "min_fills and min_volume must be >= 0 and limit "
                                  ">= 1")
        extra: dict[str, Any] = {}
        if leaderboard_max_offset is not None:
            extra["leaderboard_max_offset"] = leaderboard_max_offset
        if isinstance(data_limit, str):
            from polyrank.ingest.report import parse_rate

            data_limit = parse_rate(data_limit, "data_limit")
        options = DiscoverOptions(since=start, until=end, min_fills=min_fills,
                                  min_volume=min_volume,
                                  active_since=unix_time(active_since) or 0, limit=limit,
                                  sources=chosen, holders=holders, data_limit=data_limit,
                                  rpc_limit=rpc_limit, rpc_max_span=rpc_max_span, **extra)
        return await discover(self.settings, self.store, options,
                              out=Path(out) if out is not None else None,
                              progress=self.progress)

    def discover(self, **kwargs: Any) -> DiscoverReport:
        return run_sync(self.discover_async(**kwargs))

    async def ingest_async(self, wallets: Wallets, *, options: IngestOptions | None = None,
                           command: str = "", **option_fields: Any) -> IngestReport:
        """Load every wallet's fills into the store: parallel, resumable, rate-limit aware.
        `options` (or its fields as keywords, e.g. `workers=4, max_trades=1000`) tune it."""
        from polyrank.ingest.run import Ingest

        job = Ingest(self.settings, self.store, _options(options, option_fields),
                     progress=self.progress)
        return await job.run(wallet_list(wallets), command=command or _command())

    def ingest(self, wallets: Wallets, *, options: IngestOptions | None = None,
               command: str = "", **option_fields: Any) -> IngestReport:
        return run_sync(self.ingest_async(wallets, options=options, command=command,
                                          **option_fields))

    def enrich(self) -> EnrichReport:
        """Attach market, event, category, tags, neg-risk grouping and resolution to every
        stored fill; lists the fills whose token is still unknown."""
        from polyrank.enrich.trades import enrich

        return enrich(self.store, progress=Published(self.progress, self.settings.runtime_dir))

    def compute_metrics(self, *, as_of: int | str | dt.datetime | None = None,
                        config: MetricsConfig | None = None,
                        carry: bool = False) -> MetricsReport:
        """Positions, bets, wallet metrics per window and category, eligibility and
        specialists, as SQL in the store; readers switch to the new run once it is complete.
        `as_of` ends the windows (default: the later of the latest fill and the latest
        resolution the catalogue knows). `carry`: compute only the wallets whose figures can
        differ from the readable run's (same settings, as of no later) and carry the others'
        rows over — the same result, for the cost of what changed."""
        from polyrank.metrics.run import compute_metrics

        with self._writing():
            return compute_metrics(self.store, config, as_of=unix_time(as_of),
                                   slice_rows=self.settings.metrics_slice_rows, carry=carry,
                                   progress=Published(self.progress,
                                                      self.settings.runtime_dir))

    async def run_pipeline_async(self, wallets: Wallets | None = None, *,
                                 options: IngestOptions | None = None, sync: bool = True,
                                 auto: bool = True, as_of: int | str | dt.datetime | None = None,
                                 config: MetricsConfig | None = None, command: str = "",
                                 **option_fields: Any) -> PipelineReport:
        """Catalogue sync (unless `sync=False`) -> ingest -> enrich -> metrics (unless
        `auto=False`) over `wallets`, by default the store's wallet registry (`discover`).
        Resumable like ingest: run it again after a crash."""
        from polyrank.pipeline import run_pipeline_async

        listed = wallet_list(wallets) if wallets is not None else self.registry_wallets()
        with self._writing():
            return await run_pipeline_async(
                self.settings, self.store, listed, _options(options, option_fields),
                progress=self.progress, sync=sync, auto=auto, command=command or _command(),
                config=config, as_of=unix_time(as_of))

    def run_pipeline(self, wallets: Wallets | None = None, **kwargs: Any) -> PipelineReport:
        return run_sync(self.run_pipeline_async(wallets, **kwargs))

    async def refresh_async(self, *, discover_since: int | str | dt.datetime | None = None,
                            full_catalogue: bool = False, options: IngestOptions | None = None,
                            config: MetricsConfig | None = None, command: str = "",
                            **option_fields: Any) -> RefreshReport:
        """Bring the store up to date: discover new wallets on the tape from
        `discover_since` (when given; days already swept are skipped), sync what changed in
        the catalogue (everything with `full_catalogue`), load every known wallet from its
        own cursor, and — only when something changed — enrich the new fills and compute a
        new metrics run. Discovery reads both tapes (`REFRESH_SOURCES`), or with an RPC URL
        the chain's, which covers both eras. Idempotent and resumable (see
        `polyrank.refresh`)."""
        from polyrank.discover.run import DiscoverOptions
        from polyrank.refresh import refresh_async

        opts = _options(options, option_fields)
        found = None
        if discover_since is not None:  # both tapes: the subgraph's (V1) and /trades (V2)
            found = DiscoverOptions(since=unix_time(discover_since) or 0,
                                    until=int(dt.datetime.now(dt.UTC).timestamp()),
                                    sources=("chain",) if self.settings.rpc_url
                                    else REFRESH_SOURCES, data_limit=opts.data_limit,
                                    rpc_limit=opts.rpc_limit, rpc_max_span=opts.rpc_max_span)
        with self._writing():
            return await refresh_async(self.settings, self.store, opts,
                                       discover_options=found, full_catalogue=full_catalogue,
                                       config=config, progress=self.progress,
                                       command=command or _command())

    def refresh(self, **kwargs: Any) -> RefreshReport:
        return run_sync(self.refresh_async(**kwargs))

    async def refresh_every_async(self, every: float | str, *, rounds: int | None = None,
                                  on_round: Any = None, **kwargs: Any) -> list[Round]:
        """`refresh` every `every` seconds (or "15m", "1h", "30s"), `rounds` times (None:
        until cancelled); a failed round is reported to `on_round` and retried next round.
        Serve the API meanwhile with `serve()`: readers keep the last complete run."""
        from polyrank.refresh import refresh_every

        return await refresh_every(parse_interval(every), lambda: self.refresh_async(**kwargs),
                                   rounds=rounds, on_round=on_round)

    def refresh_every(self, every: float | str, **kwargs: Any) -> list[Round]:
        return run_sync(self.refresh_every_async(every, **kwargs))

    def registry_wallets(self) -> tuple[str, ...]:
        """Every wallet of the store's registry (filled by `discover`), in address order."""
        found = tuple(r[0] for r in self.store.rows(
            load_sql("polyrank.discover.sql", "registry_wallets.sql")))
        if not found:
            raise InvalidArgument("wallets", "no wallets given and the store's wallet registry "
                                             "is empty: run `polyrank discover` first")
        return found

    # -- reading ---------------------------------------------------------------------------
    def leaderboard(self, *, window: str = "lifetime", category: str = "all",
                    sort: str = "omega_score", order: str = "desc",
                    min_bets: int | None = None, search: str = "", limit: int = 100,
                    offset: int = 0, skilled: bool = False,
                    hide: Sequence[str] = ()) -> Leaderboard:
        """Wallets ranked by `sort` in one window and category; `skilled` keeps the skilled
        badge's wallets only, `hide` leaves out behaviour flags (see `polyrank.results.
        boards.leaderboard`)."""
        return boards.leaderboard(self.store, window=window, category=category, sort=sort,
                                  order=order, min_bets=min_bets, search=search, limit=limit,
                                  offset=offset, skilled=skilled, hide=hide)

    def categories(self, *, window: str = "lifetime") -> Categories:
        """The categories with their wallet and ranked-wallet counts in `window`."""
        return boards.categories(self.store, window=window)

    def specialists(self, *, category: str = "all", limit: int = 100,
                    offset: int = 0) -> Specialists:
        return boards.specialists(self.store, category=category, limit=limit, offset=offset)

    def wallet(self, address: str) -> WalletReport:
        """A wallet's metrics in every window and category, and its specialist figures."""
        return wallets.wallet(self.store, address)

    def positions(self, address: str, *, state: str = "all", limit: int = 100,
                  offset: int = 0) -> Positions:
        return wallets.positions(self.store, address, state=state, limit=limit,
                                 offset=offset)

    def trades(self, address: str, *, limit: int = 100, offset: int = 0) -> Trades:
        return wallets.trades(self.store, address, limit=limit, offset=offset)

    def pnl(self, address: str) -> PnlCurve:
        return wallets.pnl(self.store, address)

    def market(self, market_id: str, *, top: int = 20) -> MarketReport:
        """Where the money stands in one market (its Gamma id or condition id): per outcome
        the current price (the token's latest trade) and, over open positions, the holders,
        net shares, cost basis, average entry and unrealized P&L of every holder (`all`), of
        the wallets badged skilled (`skilled`) and of those skilled in the market's category
        (`skilled_category`); and its `top` largest skilled holdings with the holders' skill
        figures. NotFound when the catalogue does not know the market."""
        return markets.market(self.store, market_id, top=top)

    def markets(self, *, sort: str = "skilled_holders", order: str = "desc",
                category: str = "all", limit: int = 100, offset: int = 0) -> MarketList:
        """The open markets where skilled wallets hold positions, one row each: skilled
        holders, their shares and cost basis, the outcome they hold most (by cost basis) with
        their average entry, its current price and `edge_gap` (price − entry). `sort`:
        skilled_holders, skilled_cost, edge_gap or question; `category`: all or one."""
        return markets.markets(self.store, sort=sort, order=order, category=category,
                               limit=limit, offset=offset)

    def fills_loaded(self, wallet: str | None = None) -> int:
        """How many fills the store holds (of one wallet, or of all)."""
        return wallets.loaded_fills(self.store, wallet)

    def status(self) -> PipelineStatus:
        """Where the pipeline stands (stage, metrics runs, the ingest's published progress,
        wallets per load status)."""
        return pipeline_status(self.store, self.settings.runtime_dir)

    def sql(self, query: str, params: dict[str, Any] | None = None) -> SqlResult:
        """One read-only statement against the store."""
        result = self.store.query(query, params or {}, read_only=True)
        return SqlResult(list(result.column_names), [tuple(r) for r in result.result_rows])

    def tables(self) -> list[dict[str, Any]]:
        """The store's tables with their engine and row count."""
        return read(self.store, "store_tables", {})

    def migrations(self) -> list[tuple[int, str]]:
        """The schema migrations applied to the store, in order."""
        return self.store.applied_migrations()

    # -- serving ---------------------------------------------------------------------------
    def serve(self, *, host: str = "127.0.0.1", port: int = 8000) -> Any:
        """Start the API and web page over this store in a background thread; returns the
        running server (`.url`, `.wait()`, `.stop()`; also a context manager)."""
        from polyrank.serving import ApiServer

        server = ApiServer(self.store, host=host, port=port,
                           runtime_dir=self.settings.runtime_dir, settings=self.settings)
        self._servers.append(server.start())
        return server

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Around a pipeline, refresh or metrics run of this process: once it ends, the API
        servers `serve()` started re-read the readable run at their next request instead of
        within their check interval (api/cache.py)."""
        try:
            yield
        finally:
            for server in self._servers:
                server.data_changed()


def open(dsn: str | None = None, **kwargs: Any) -> Polyrank:
    """Open a store by DSN: `chdb:///path` (embedded, default ./data/polyrank) or
    `clickhouse://user:pass@host:8123/db` / `http(s)://host:8123` (a server)."""
    return Polyrank.open(dsn, **kwargs)


def wallet_list(wallets: Wallets) -> tuple[str, ...]:
    """Addresses from a wallet-list file or an iterable of addresses: lower-cased,
    de-duplicated; a malformed address is refused (InvalidArgument lists them)."""
    from polyrank.ingest.wallets import parse_wallet_list, read_wallet_list

    if isinstance(wallets, Path) or (isinstance(wallets, str) and not _ADDRESS_LIKE.match(
            wallets.strip())):
        return read_wallet_list(Path(wallets)).wallets
    given = [wallets] if isinstance(wallets, str) else list(wallets)
    parsed = parse_wallet_list("\n".join(str(w) for w in given))
    if parsed.bad:
        shown = "; ".join(f"{given[b.line - 1]!r} ({b.reason})" for b in parsed.bad[:10])
        raise InvalidArgument("wallets", f"{len(parsed.bad)} malformed wallet address(es): "
                                         f"{shown}")
    if not parsed.wallets:
        raise InvalidArgument("wallets", "no wallet address given")
    return parsed.wallets


def unix_time(value: int | str | dt.datetime | None) -> int | None:
    """Unix seconds from an int, a datetime (naive = UTC) or a date / ISO time / unix-seconds
    string; None stays None."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return int(moment.timestamp())
    from polyrank.ingest.report import parse_time

    return parse_time(str(value), "as_of") or None


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(value: float | str) -> float:
    """Seconds from a number or "30s" / "15m" / "1h" / "1d"; InvalidArgument otherwise."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip().lower()
        unit = _UNITS.get(text[-1:]) if text else None
        try:
            seconds = float(text[:-1]) * unit if unit else float(text)
        except ValueError:
            seconds = -1.0
    if not seconds > 0:
        raise InvalidArgument("every", f"not an interval (a positive number of seconds, or "
                                       f"like 30s, 15m, 1h): {value!r}")
    return seconds


def _options(options: IngestOptions | None, fields: dict[str, Any]) -> IngestOptions:
    base = options or IngestOptions()
    return replace(base, **fields) if fields else base


def _command() -> str:
    return " ".join(sys.argv) if sys.argv and sys.argv[0] else "python"


