"""The V2-era trade tape as a source of wallets (docs/protocols.md §3.5): the orderbook subgraph
has no fill after the V2 migration (§5), but the Data API's `/trades` without a `user` lists
everyone's latest trades, every order's row with `takerOnly=false` (each row's `proxyWallet` is
the order's owner, like a fill's maker).

That listing has no time filter: it is newest first, paged by offset, and the offset stops at
10,000 (`max_offset`). So a sweep starts at the newest trade and reads back, day by day, to the
start of the oldest day it still needs — or, sooner, to the cap, which on the real service is
minutes of trading, not days. Days are kept as the tape keeps them: one insert per day, its
marker row once the day is over (the listing's newest trade is past its end) and read whole
(the listing has gone past its start, or ended). A day the cap cut is written unmarked (swept
again next time), the days before it not at all, and the report says how far the sweep
reached (`reached`). Days already marked are skipped, except the period's last one."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN

from polyrank.discover.registry import (
    DAY,
    Seen,
    SourceReport,
    day_rows,
    done_days,
    insert,
)
from polyrank.errors import PermanentUpstreamError
from polyrank.progress import Progress
from polyrank.store import Store
from polyrank.upstream.activity import Activity
from polyrank.upstream.data_api import DataApi
from polyrank.upstream.retry import FailureStreak

log = logging.getLogger(__name__)
SOURCE = "trades"
CAP_STATUSES = (400, 422)


def usdc_micro(row: Activity) -> int:
    """A trade row's USDC (size x price) in micro units."""
    value = (row.size * (row.price or 0)).scaleb(6)
    return int(value.to_integral_value(ROUND_HALF_EVEN))


def _key(row: Activity) -> tuple:
    return (row.proxy_wallet, row.transaction_hash, row.asset, row.side, row.size, row.price,
            row.timestamp)


def fresh(previous: Sequence[Activity], page: Sequence[Activity]) -> list[Activity]:
    """`page` without its leading rows that repeat the trailing rows of the page before: new
    trades at the top push the listing down between two requests."""
    keys = [_key(r) for r in page]
    before = [_key(r) for r in previous]
    for k in range(min(len(before), len(keys)), 0, -1):
        if keys[:k] == before[-k:]:
            return list(page[k:])
    return list(page)


class DaySweep:
    """The pure state of a sweep: newest-first rows in, days out."""

    def __init__(self, todo: Sequence[int], start: int, end: int) -> None:
        self.start, self.end = start, end  # rows in [start, end) count
        self.open: dict[int, dict[str, Seen]] = {d: {} for d in sorted(todo, reverse=True)}
        self.head: int | None = None  # the newest trade: days ending by then are over
        self.reached: int | None = None  # the oldest trade read so far
        self.rows = 0
        self.ended = False  # the listing has nothing older

    def add(self, rows: Sequence[Activity]) -> None:
        for row in rows:
            ts = row.timestamp
            if self.reached is not None and ts > self.reached:
                continue  # out of order: a row pushed down from above, already read
            if self.head is None:
                self.head = ts
            self.reached = ts
            day = self.open.get(ts - ts % DAY)
            if day is not None and self.start <= ts < self.end:
                day.setdefault(row.proxy_wallet, Seen()).note(ts, usdc_micro(row))
                self.rows += 1

    def whole(self) -> list[int]:
        """The open days read whole: the listing went past their start, or ended."""
        return [d for d in self.open
                if self.ended or (self.reached is not None and self.reached < d)]

    def over(self, day: int) -> bool:
        return self.head is not None and day + DAY <= self.head

    @property
    def done(self) -> bool:
        return not self.open or (self.reached is not None and self.reached < min(self.open))


async def sweep_trades(api: DataApi, store: Store, days: Sequence[int], *, page: int,
                       max_offset: int, streak: FailureStreak,
                       progress: Progress) -> SourceReport:
    """Sweep the listing back over `days` (day starts, ascending) into the registry."""
    report = SourceReport(SOURCE, days=len(days))
    if not days:
        return report
    done = done_days(store, SOURCE, days)
    todo = [d for d in days if d not in done or d == days[-1]]
    report.days_already = len(days) - len(todo)
    sweep = DaySweep(todo, days[0], days[-1] + DAY)
    wallets: set[str] = set()

    def write(day: int, marked: bool) -> None:
        seen = sweep.open.pop(day)
        wallets.update(seen)
        insert(store, day_rows(SOURCE, day, seen, marked=marked))

    offset, previous, capped = 0, [], False
    with progress.task("discover: trades days", total=len(todo)) as bar:
        while not sweep.done:
            report.requests += 1
            try:
                rows = await api.recent_trades(offset, limit=page, streak=streak)
            except PermanentUpstreamError as exc:
                if offset > 0 and exc.status in CAP_STATUSES:  # the server's cap is lower
                    capped = True
                    break
                raise
            sweep.add(fresh(previous, rows))
            previous = rows
            sweep.ended = len(rows) < page
            for day in sweep.whole():
                write(day, marked=sweep.over(day))
                bar.advance(1)
            if sweep.ended:
                break
            offset += len(rows)
            if offset > max_offset:
                capped = not sweep.done
                break
        if capped and sweep.reached is not None:  # the day the cap cut: what was read of it
            cut = sweep.reached - sweep.reached % DAY
            if cut in sweep.open:
                write(cut, marked=False)
    report.rows, report.wallets = sweep.rows, len(wallets)
    if capped:
        report.reached = sweep.reached
        report.capped.append(f"offset {offset}")
        log.warning("discover: trades: the offset cap (%d) stopped the sweep at %s; the "
                    "period before it was not read", max_offset, when_utc(sweep.reached))
    return report


def when_utc(ts: int | None) -> str:
    """Unix seconds as a UTC time for a message (None: the start of what was asked)."""
    if ts is None:
        return "the start"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
