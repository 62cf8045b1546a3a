"""The Polymarket Data API (docs/protocols.md §3): a wallet's own trades from `/activity`, the only
public source of fills after the V2 migration (the orderbook subgraph stops before it), and in
the same listing its other position-changing rows (SPLIT, MERGE, REDEEM, CONVERSION).

    GET /activity?user=&type=TRADE[,SPLIT,...]&start=&end=&sortBy=TIMESTAMP&sortDirection=ASC|DESC
                 &limit<=500&offset<=5000

Paging. `offset` stops at 5000, so history is read in time windows: inside a window, pages of
`limit` rows by offset; when the next offset would pass the cap, the window moves to start at
the last timestamp T received (sticky: T is read again). Rows at T from the old window are
dropped, not merged: T is then read whole from the new window, so no row at a shared timestamp
is lost or doubled, whatever order the server gives rows that share it. The rows kept always
cover whole timestamps, which keeps the derived fill ids stable (`activity_fills`). Several
`types` are one listing: the windows and pages count its rows whatever their type.

Discovery reads three more listings (docs/protocols.md §3.5), each one page per call here, the
paging being the caller's (`polyrank.discover`):

    GET /v1/leaderboard?category=&timePeriod=&orderBy=&limit<=50&offset=     the official board
    GET /holders?market=<conditionId>[,...]&limit=                            top holders per token
    GET /trades?takerOnly=false&limit=&offset=                                everyone's latest
                                                                              trades, newest first
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from polyrank.errors import UpstreamDataError
from polyrank.upstream.activity import Activity, parse_activity
from polyrank.upstream.board_records import BoardEntry, Holder, parse_board_entry, parse_holders
from polyrank.upstream.http import Http
from polyrank.upstream.retry import FailureStreak

PAGE = 500  # `limit` above 500 is silently clamped to 500
MAX_OFFSET = 5000  # a larger `offset` answers 400
TRADES = ("TRADE",)
BOARD_PAGE = 50  # `/v1/leaderboard` serves at most 50 rows a page
BOARD_MAX_OFFSET = 1000  # and no offset beyond about 1000 (unverified: a setting)
HOLDERS_LIMIT = 20  # `/holders`: holders per token, "capped at 20" (docs.polymarket.com)
RECENT_PAGE = 500  # `/trades` without a user: rows a page (the API documents up to 10000)
RECENT_MAX_OFFSET = 10000  # and offset <= 10000: only so far back can the listing reach


@dataclass
class Trades:
    rows: list[Activity]  # whole timestamps only, in the order fetched (any type asked for)
    requests: int


class DataApi:
    """Fetchers over one Data API host."""

    def __init__(self, http: Http, url: str, *, page: int = PAGE,
                 max_offset: int = MAX_OFFSET) -> None:
        if page < 1 or max_offset < 0:
            raise ValueError("page must be >= 1 and max_offset >= 0")
        self.http, self.url, self.page, self.max_offset = http, url.rstrip("/"), page, max_offset
        self.parse_s = 0.0
        self.requests = 0  # answered requests (pages), for reports and benchmarks
        self.rows = 0

    async def trades_page(self, wallet: str, start: int, end: int | None, offset: int, *,
                          newest_first: bool, streak: FailureStreak,
                          types: Iterable[str] = TRADES) -> list[Activity]:
        """One page of the wallet's rows of `types` with start <= timestamp <= end."""
        params = [("user", wallet), ("type", ",".join(types)), ("start", str(start)),
                  ("sortBy", "TIMESTAMP"), ("sortDirection", "DESC" if newest_first else "ASC"),
                  ("limit", str(self.page)), ("offset", str(offset))]
        if end is not None:
            params.insert(3, ("end", str(end)))
        url = f"{self.url}/activity"
        body = await self.http.get_json(url, params, streak=streak, exact=True)
        started = time.perf_counter()
        if not isinstance(body, list):
            raise UpstreamDataError(f"{url}: expected a list of activity rows, got "
                                    f"{type(body).__name__}", url=url)
        rows = [parse_activity(obj) for obj in body]
        for row in rows:
            if row.timestamp < start or (end is not None and row.timestamp > end):
                raise UpstreamDataError(f"{url}: row at {row.timestamp} outside the window "
                                        f"[{start}, {end}] asked for", url=url)
        self.parse_s += time.perf_counter() - started
        self.requests += 1
        self.rows += len(rows)
        return rows

    async def fetch_trades(self, wallet: str, start: int, streak: FailureStreak, *,
                           end: int | None = None, newest_first: bool = False,
                           enough: int | None = None, types: Sequence[str] = TRADES
                           ) -> Trades:
        """Every row of the wallet of `types` (TRADE alone by default) with start <= timestamp
        <= end (see the module docstring). With `enough`, stop as soon as more than `enough`
        rows are held (newest first: the most recent ones), still on whole timestamps."""
        types = tuple(types)
        rows: list[Activity] = []
        lo, hi, requests = start, end, 0
        while True:
            window: list[Activity] = []
            offset = 0
            while True:
                page = await self.trades_page(wallet, lo, hi, offset,
                                              newest_first=newest_first, streak=streak,
                                              types=types)
                requests += 1
                window.extend(page)
                if len(page) < self.page:  # the window is exhausted: history read to its end
                    return Trades(rows + window, requests)
                offset += len(page)
                if enough is not None and len(rows) + len(window) > enough:
                    break
                if offset > self.max_offset:
                    break
            stop = enough is not None and len(rows) + len(window) > enough
            boundary = window[-1].timestamp
            keep = [r for r in window if r.timestamp != boundary]
            rows.extend(keep)
            if stop:  # enough: read the boundary timestamp whole, alone, and stop
                at = await self.fetch_trades(wallet, boundary, streak, end=boundary,
                                             types=types)
                return Trades(rows + at.rows, requests + at.requests)
            if not keep:
                raise UpstreamDataError(
                    f"{self.url}/activity: {wallet} has more than {offset} rows at timestamp "
                    f"{boundary}, more than offset paging can read", url=self.url)
            if newest_first:
                hi = boundary
            else:
                lo = boundary


    async def _list(self, path: str, params: list, what: str, parse, streak: FailureStreak
                    ) -> list:
        """One listing answered as a JSON list, each row parsed; counted."""
        url = f"{self.url}{path}"
        body = await self.http.get_json(url, params, streak=streak, exact=True)
        if not isinstance(body, list):
            raise UpstreamDataError(f"{url}: expected a list of {what}, got "
                                    f"{type(body).__name__}", url=url)
        rows = [parse(obj) for obj in body]
        self.requests += 1
        self.rows += len(rows)
        return rows

    async def board_page(self, category: str, period: str, order: str, offset: int, *,
                         streak: FailureStreak, limit: int = BOARD_PAGE) -> list[BoardEntry]:
        """One page of the official leaderboard of `category` x `period` x `order`."""
        params = [("category", category), ("timePeriod", period), ("orderBy", order),
                  ("limit", str(limit)), ("offset", str(offset))]
        return await self._list("/v1/leaderboard", params, "leaderboard rows",
                                parse_board_entry, streak)

    async def holders(self, condition_ids: Sequence[str], *, streak: FailureStreak,
                      limit: int = HOLDERS_LIMIT) -> list[Holder]:
        """The top holders of every outcome token of these markets (condition ids)."""
        url = f"{self.url}/holders"
        params = [("market", ",".join(condition_ids)), ("limit", str(limit))]
        body = await self.http.get_json(url, params, streak=streak, exact=True)
        rows = parse_holders(body)
        self.requests += 1
        self.rows += len(rows)
        return rows

    async def recent_trades(self, offset: int, *, streak: FailureStreak,
                            limit: int = RECENT_PAGE) -> list[Activity]:
        """One page of everyone's trades, newest first, every order's row (maker rows too:
        `takerOnly=false`)."""
        params = [("takerOnly", "false"), ("limit", str(limit)), ("offset", str(offset))]
        return await self._list("/trades", params, "trades", parse_activity, streak)


def newest(rows: Sequence, limit: int) -> list:
    """The `limit` most recent fills, ties broken by id (like the subgraph's `--max-trades`)."""
    return sorted(rows, key=lambda f: (f.timestamp, f.id), reverse=True)[:limit]
