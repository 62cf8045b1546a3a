"""`polyrank discover`: sweep a period of the trade tape, one UTC day at a time, into the
store's wallet registry (`discovered`, summed by the `wallet_registry` view), then select the
wallets that pass the filters (and write them to a file, one address a line).

Resumable: each day's rows are written in one insert, with a marker row (address '') once
the day is over (the subgraph has indexed past it: `_meta`), and a day already marked is
not swept again — except the period's last
day. Sweeping a day again replaces its rows (ReplacingMergeTree), so nothing is doubled."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from polyrank.discover.tape import Tape, makers
from polyrank.errors import InvalidArgument
from polyrank.progress import NullProgress, Progress
from polyrank.settings import ORDERBOOK_SUBGRAPH, Settings
from polyrank.store import Store, load_sql
from polyrank.upstream.http import Http
from polyrank.upstream.retry import FailureStreak, RetryPolicy

log = logging.getLogger(__name__)
SQL = "polyrank.discover.sql"
DAY = 86400
SOURCES = ("tape",)
COLUMNS = ("address", "source", "day", "fills", "volume", "first_seen", "last_seen")


@dataclass(frozen=True)
class DiscoverOptions:
    """What to sweep and which wallets to select. Times are unix seconds; the period is
    widened to whole UTC days."""

    since: int
    until: int
    min_fills: int = 1
    min_volume: float = 0.0
    active_since: int = 0
    limit: int | None = None


@dataclass
class DiscoverReport:
    days: int = 0
    days_already: int = 0
    fills_seen: int = 0
    requests: int = 0
    registry: int = 0  # wallets in the registry, all sources and periods
    selected: list[str] = field(default_factory=list)
    out: Path | None = None
    seconds: float = 0.0


def day_range(since: int, until: int) -> list[int]:
    """The starts of the UTC days covering [since, until)."""
    if until <= since:
        raise InvalidArgument("until", f"the period is empty: since {since} >= until {until}")
    return list(range(since - since % DAY, until, DAY))


async def discover(settings: Settings, store: Store, options: DiscoverOptions, *,
                   out: Path | None = None, progress: Progress | None = None,
                   policy: RetryPolicy | None = None) -> DiscoverReport:
    progress = progress or NullProgress()
    report, started = DiscoverReport(), time.monotonic()
    days = day_range(options.since, options.until)
    done = {r[0] for r in store.rows(load_sql(SQL, "done_days.sql"), {
        "source": "tape", "start": days[0], "end": days[-1] + DAY})}
    todo = [d for d in days if d not in done or d == days[-1]]
    report.days, report.days_already = len(days), len(days) - len(todo)
    async with aiohttp.ClientSession() as session:
        http = Http(session, policy=policy or RetryPolicy(), timeout_s=settings.http_timeout_s,
                    sleep=asyncio.sleep)
        tape = Tape(http, settings.subgraph_url(ORDERBOOK_SUBGRAPH))
        streak = FailureStreak(http.policy)
        # a day is over once the subgraph has indexed past it (its head, else the wall clock)
        head = await tape.head(streak) or int(time.time())
        with progress.task("discover: tape days", total=len(todo)) as bar:
            for day in todo:
                seen = await makers(tape, day, day + DAY, streak)
                # one insert per day, with a marker row (address '') saying it was swept —
                # only once the day is over: a day still running is swept again next time
                over = day + DAY <= head
                store.insert("discovered", [("", "tape", day, 0, 0.0, 0, 0)] * over + [
                    (who, "tape", day, s.fills, s.volume_micro / 1e6, s.first, s.last)
                    for who, s in sorted(seen.items())], COLUMNS)
                report.fills_seen += sum(s.fills for s in seen.values())
                bar.advance(1)
        report.requests = tape.requests
    report.registry = store.scalar(load_sql(SQL, "registry_size.sql"))
    rows = store.rows(load_sql(SQL, "select_wallets.sql"), {
        "min_fills": options.min_fills, "min_volume": options.min_volume,
        "active_since": options.active_since,
        "limit": options.limit if options.limit is not None else 2**63 - 1})
    report.selected = [r[0] for r in rows]
    if out is not None:
        write_wallets(out, report.selected, options)
        report.out = out
    report.seconds = time.monotonic() - started
    log.info("discover: %d days (%d already swept), %d fills seen, %d requests; registry %d "
             "wallets, %d selected", report.days, report.days_already, report.fills_seen,
             report.requests, report.registry, len(report.selected))
    return report


def write_wallets(path: Path, wallets: list[str], options: DiscoverOptions) -> None:
    """A wallet list `polyrank ingest --wallets` reads: a comment line, then one a line."""
    header = (f"# polyrank discover: tape {options.since}..{options.until}, min fills "
              f"{options.min_fills}, min volume {options.min_volume}, {len(wallets)} wallets")
    path.write_text("\n".join([header, *wallets]) + "\n")
