"""Gamma (the market catalogue, REST): paged event lists and batched market look-ups.

Traps handled here (docs/protocols.md §2.2): `/markets` hides closed markets unless `closed` is
given, so look-ups ask for both; ids go in repeated array parameters, in batches short
enough to keep URLs well under the 414 limit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

from polyrank.errors import UpstreamDataError
from polyrank.upstream.http import Http
from polyrank.upstream.records import GammaEvent, GammaMarket, parse_gamma_event, parse_gamma_market
from polyrank.upstream.retry import FailureStreak

DEFAULT_PAGE = 100  # Gamma answers at most 100 items per page
DEFAULT_MAX_OFFSET = 2000  # and refuses (422) offsets beyond about 2000
IDS_PER_REQUEST = 50  # 50 token ids of 78 digits: ~4.5 kB of query string
EPOCH, FAR = 0, 4_102_444_800  # 1970 .. 2100: the first window when one is needed


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Gamma:
    def __init__(self, http: Http, base_url: str, *, page: int = DEFAULT_PAGE,
                 max_offset: int = DEFAULT_MAX_OFFSET) -> None:
        self.http, self.base, self.page = http, base_url.rstrip("/"), page
        self.max_offset = max_offset

    async def events(self, *, closed: bool, streak: FailureStreak,
                     start_min: int | None = None) -> AsyncIterator[list[GammaEvent]]:
        """Every event with the given `closed` flag (starting at or after `start_min` when
        given), a page at a time, each event once.

        Offsets stop at `max_offset`, so a listing that would go past it is split into
        start-date windows, halved until each fits (duplicates across windows are dropped)."""
        seen: set[str] = set()
        windows: list[tuple[int, int] | None] = [None if start_min is None
                                                 else (start_min, FAR)]
        while windows:
            window = windows.pop()
            offset = 0
            while True:
                params = [("limit", self.page), ("offset", offset), ("closed", _flag(closed)),
                          ("order", "id"), ("ascending", "true")]
                if window:
                    params += [("start_date_min", _iso(window[0])),
                               ("start_date_max", _iso(window[1]))]
                rows = await self.http.get_json(f"{self.base}/events", params, streak=streak)
                if not isinstance(rows, list):
                    raise UpstreamDataError(f"{self.base}/events did not answer a list")
                events = [parse_gamma_event(row) for row in rows]
                fresh = [e for e in events if e.id not in seen]
                seen.update(e.id for e in fresh)
                if fresh:
                    yield fresh
                if len(rows) < self.page:
                    break
                offset += len(rows)
                if offset > self.max_offset:
                    windows.extend(_halves(window))
                    break

    async def events_by_id(self, ids: Sequence[str], *, closed: bool,
                           streak: FailureStreak) -> list[GammaEvent]:
        """The events with these ids and the given `closed` flag (batched `id=` params)."""
        found: list[GammaEvent] = []
        for start in range(0, len(ids), IDS_PER_REQUEST):
            chunk = ids[start:start + IDS_PER_REQUEST]
            params = [("id", i) for i in chunk]
            params += [("closed", _flag(closed)), ("limit", len(chunk) + 1)]
            rows = await self.http.get_json(f"{self.base}/events", params, streak=streak)
            if not isinstance(rows, list):
                raise UpstreamDataError(f"{self.base}/events did not answer a list")
            found.extend(parse_gamma_event(row) for row in rows)
        return found

    async def markets_by_tokens(self, token_ids: Sequence[str],
                                streak: FailureStreak) -> list[GammaMarket]:
        """Markets holding any of these token ids, open or closed."""
        found: dict[str, GammaMarket] = {}
        for start in range(0, len(token_ids), IDS_PER_REQUEST):
            chunk = token_ids[start:start + IDS_PER_REQUEST]
            for closed in (False, True):
                params = [("clob_token_ids", t) for t in chunk]
                params += [("closed", _flag(closed)), ("limit", len(chunk) + 1)]
                rows = await self.http.get_json(f"{self.base}/markets", params, streak=streak)
                if not isinstance(rows, list):
                    raise UpstreamDataError(f"{self.base}/markets did not answer a list")
                for row in rows:
                    market = parse_gamma_market(row)
                    found[market.condition_id] = market
        return list(found.values())


def _halves(window: tuple[int, int] | None) -> list[tuple[int, int]]:
    lo, hi = window or (EPOCH, FAR)
    if hi - lo < 2:
        raise UpstreamDataError(f"more than one page limit of events start within {lo}..{hi}: "
                                "cannot split further")
    mid = (lo + hi) // 2
    return [(mid + 1, hi), (lo, mid)]


def _flag(value: bool) -> str:
    return "true" if value else "false"
