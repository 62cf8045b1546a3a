"""`polyrank discover`: find wallets worth ranking, from one or more sources, into the store's
wallet registry (`discovered`, summed by the `wallet_registry` view), then select the wallets
that pass the filters (and write them to a file, one address a line).

Sources (docs/architecture.md, "Discovery"):

    tape         every maker of the orderbook subgraph's fills in the period (V1 era), a UTC
                 day at a time (`tape.py`)
    trades       every owner of the Data API's latest trades in the period (V2 era), a day at a
                 time, as far back as its offset cap lets one read (`trades.py`)
    leaderboard  everyone on the official leaderboard, every category x period x order, with
                 the board's user name (`leaderboard.py`)
    holders      the largest holders of chosen markets or events (`holders.py`)
    chain        every maker of the exchanges' logs in the period, both eras, from a Polygon
                 JSON-RPC provider (`settings.rpc_url`), a UTC day of blocks at a time
                 (`chain.py`)

The day-swept sources are resumable: each day's rows are written in one insert, with a marker
row (address '') once the day is over, and a day already marked is not swept again — except
the period's last day. Sweeping a day again replaces its rows (ReplacingMergeTree), so nothing
is doubled."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from polyrank.discover.chain import sweep_chain
from polyrank.discover.holders import sweep_holders
from polyrank.discover.leaderboard import sweep_leaderboard
from polyrank.discover.registry import (
    DAY,
    SQL,
    SourceReport,
    day_rows,
    done_days,
    insert,
)
from polyrank.discover.tape import Tape, makers
from polyrank.discover.trades import sweep_trades, when_utc
from polyrank.errors import InvalidArgument
from polyrank.ingest.options import DEFAULT_RPC_LIMIT
from polyrank.progress import NullProgress, Progress
from polyrank.settings import ORDERBOOK_SUBGRAPH, V2_MIGRATION_TS, Settings
from polyrank.store import Store, load_sql
from polyrank.upstream.chain.rpc import JsonRpc
from polyrank.upstream.data_api import (
    BOARD_MAX_OFFSET,
    HOLDERS_LIMIT,
    RECENT_MAX_OFFSET,
    RECENT_PAGE,
    DataApi,
)
from polyrank.upstream.http import Http
from polyrank.upstream.limiter import RateLimiter
from polyrank.upstream.retry import FailureStreak, RetryPolicy

log = logging.getLogger(__name__)
SOURCES = ("tape", "trades", "leaderboard", "holders", "chain")
DAY_SOURCES = ("tape", "trades", "chain")  # swept over a period, a day at a time
DATA_API_SOURCES = ("trades", "leaderboard", "holders")
#: the Data API documents 100 requests / 10 s for /v1/leaderboard, 150 for /holders and 200 for
#: /trades: the slowest for all
DEFAULT_DATA_LIMIT = (100, 10.0)


@dataclass(frozen=True)
class DiscoverOptions:
    """What to sweep and which wallets to select. Times are unix seconds; the period is
    widened to whole UTC days and needed by the tape and trades sources only."""

    since: int | None = None
    until: int | None = None
    min_fills: int = 1
    min_volume: float = 0.0
    active_since: int = 0
    limit: int | None = None
    sources: tuple[str, ...] = ()  # () = the tape, or the holders alone when `holders` are given
    holders: tuple[str, ...] = ()  # condition ids, event ids or slugs (implies "holders")
    leaderboard_max_offset: int = BOARD_MAX_OFFSET
    holders_limit: int = HOLDERS_LIMIT
    trades_page: int = RECENT_PAGE
    trades_max_offset: int = RECENT_MAX_OFFSET
    data_limit: tuple[int, float] | None = DEFAULT_DATA_LIMIT
    rpc_limit: tuple[int, float] | None = DEFAULT_RPC_LIMIT  # the chain source's host
    rpc_max_span: int | None = None  # the provider's eth_getLogs block-range cap, if known

    def chosen(self) -> tuple[str, ...]:
        """The sources to run, in `SOURCES` order (holders when targets are given)."""
        asked = set(self.sources or ("tape",) * (not self.holders))
        asked |= {"holders"} if self.holders else set()
        unknown = sorted(asked - set(SOURCES))
        if unknown:
            raise InvalidArgument("sources", f"unknown discovery source {unknown[0]!r}",
                                  valid=list(SOURCES))
        if "holders" in asked and not self.holders:
            raise InvalidArgument("holders", "the holders source needs markets or events "
                                  "(--holders CONDITION_ID | EVENT_ID | EVENT_SLUG)")
        if asked & set(DAY_SOURCES) and self.since is None:
            raise InvalidArgument("since", "the tape, trades and chain sources need a start "
                                  "time (since)")
        for name in ("leaderboard_max_offset", "trades_max_offset"):
            if getattr(self, name) < 0:
                raise InvalidArgument(name, f"{name} must be >= 0")
        for name in ("holders_limit", "trades_page"):
            if getattr(self, name) < 1:
                raise InvalidArgument(name, f"{name} must be >= 1")
        return tuple(s for s in SOURCES if s in asked)


@dataclass
class DiscoverReport:
    days: int = 0  # the day-swept sources' days (tape and trades together)
    days_already: int = 0
    fills_seen: int = 0
    requests: int = 0  # every source's
    registry: int = 0  # wallets in the registry, all sources and periods
    selected: list[str] = field(default_factory=list)
    out: Path | None = None
    seconds: float = 0.0
    sources: dict[str, SourceReport] = field(default_factory=dict)

    def add(self, part: SourceReport) -> None:
        self.sources[part.source] = part
        self.requests += part.requests
        if part.source in DAY_SOURCES:
            self.days += part.days
            self.days_already += part.days_already
            self.fills_seen += part.rows


def day_range(since: int, until: int) -> list[int]:
    """The starts of the UTC days covering [since, until)."""
    if until <= since:
        raise InvalidArgument("until", f"the period is empty: it starts {when_utc(since)}, "
                                       f"no earlier than it ends ({when_utc(until)})")
    return list(range(since - since % DAY, until, DAY))


async def discover(settings: Settings, store: Store, options: DiscoverOptions, *,
                   out: Path | None = None, progress: Progress | None = None,
                   policy: RetryPolicy | None = None) -> DiscoverReport:
    progress = progress or NullProgress()
    sources = options.chosen()
    report, started = DiscoverReport(), time.monotonic()
    days: list[int] = []
    if set(sources) & set(DAY_SOURCES):
        assert options.since is not None
        days = day_range(options.since, options.until if options.until is not None
                         else int(time.time()))
    if "chain" in sources and not settings.rpc_url:
        raise InvalidArgument("rpc_url", "the chain source needs a Polygon JSON-RPC endpoint "
                                         "(--rpc-url or POLYRANK_RPC_URL)")
    async with aiohttp.ClientSession() as session:
        limiters = {}
        if options.rpc_limit and "chain" in sources:
            limiters[urlsplit(settings.rpc_url).netloc] = RateLimiter(*options.rpc_limit)
        if options.data_limit and set(sources) & set(DATA_API_SOURCES):
            # a replay serving every host: this limit then paces the tape too
            limiters[urlsplit(settings.data_api_url).netloc] = RateLimiter(*options.data_limit)
        http = Http(session, policy=policy or RetryPolicy(), limiters=limiters,
                    timeout_s=settings.http_timeout_s, sleep=asyncio.sleep)
        streak = FailureStreak(http.policy)
        api = DataApi(http, settings.data_api_url)
        if "tape" in sources:
            report.add(await sweep_tape(http, settings, store, days, streak, progress))
        if "trades" in sources:
            v2_days = [d for d in days if d >= V2_MIGRATION_TS]  # the migration is at 00:00
            if len(v2_days) < len(days):
                log.info("discover: trades: %d days before the V2 migration left to the tape",
                         len(days) - len(v2_days))
            report.add(await sweep_trades(api, store, v2_days, page=options.trades_page,
                                          max_offset=options.trades_max_offset,
                                          streak=streak, progress=progress))
        if "chain" in sources:
            report.add(await sweep_chain(JsonRpc(http, settings.rpc_url), store, days, streak,
                                         progress, max_span=options.rpc_max_span))
        if "leaderboard" in sources:
            report.add(await sweep_leaderboard(api, store,
                                                max_offset=options.leaderboard_max_offset,
                                                streak=streak, progress=progress))
        if "holders" in sources:
            report.add(await sweep_holders(api, http, settings.gamma_url, store,
                                           options.holders, limit=options.holders_limit,
                                           streak=streak, progress=progress))
    report.registry = store.scalar(load_sql(SQL, "registry_size.sql"))
    rows = store.rows(load_sql(SQL, "select_wallets.sql"), {
        "min_fills": options.min_fills, "min_volume": options.min_volume,
        "active_since": options.active_since,
        "limit": options.limit if options.limit is not None else 2**63 - 1})
    report.selected = [r[0] for r in rows]
    if out is not None:
        write_wallets(out, report.selected, options, sources)
        report.out = out
    report.seconds = time.monotonic() - started
    log.info("discover: %s; registry %d wallets, %d selected",
             "; ".join(f"{s.source} {s.wallets} wallets in {s.requests} requests"
                       for s in report.sources.values()), report.registry, len(report.selected))
    return report


async def sweep_tape(http: Http, settings: Settings, store: Store, days: list[int],
                     streak: FailureStreak, progress: Progress) -> SourceReport:
    """Every maker of the orderbook subgraph's fills, one UTC day at a time."""
    report = SourceReport("tape", days=len(days))
    done = done_days(store, "tape", days)
    todo = [d for d in days if d not in done or d == days[-1]]
    report.days_already = len(days) - len(todo)
    tape = Tape(http, settings.subgraph_url(ORDERBOOK_SUBGRAPH))
    # a day is over once the subgraph has indexed past it (its head, else the wall clock)
    head = await tape.head(streak) or int(time.time())
    # days that start after the head have nothing yet: left for a later sweep
    todo = [d for d in todo if d <= head]
    report.days = report.days_already + len(todo)
    wallets: set[str] = set()
    with progress.task("discover: tape days", total=len(todo)) as bar:
        for day in todo:
            seen = await makers(tape, day, day + DAY, streak)
            # one insert per day, with a marker row (address '') saying it was swept — only
            # once the day is over: a day still running is swept again next time
            insert(store, day_rows("tape", day, seen, marked=day + DAY <= head))
            report.rows += sum(s.fills for s in seen.values())
            wallets.update(seen)
            bar.advance(1)
    report.requests, report.wallets = tape.requests, len(wallets)
    return report


def write_wallets(path: Path, wallets: list[str], options: DiscoverOptions,
                  sources: tuple[str, ...]) -> None:
    """A wallet list `polyrank ingest --wallets` reads: a comment line, then one a line."""
    period = f" {options.since}..{options.until}" if options.since is not None else ""
    header = (f"# polyrank discover: {', '.join(sources)}{period}, min fills "
              f"{options.min_fills}, min volume {options.min_volume}, {len(wallets)} wallets")
    path.write_text("\n".join([header, *wallets]) + "\n")
