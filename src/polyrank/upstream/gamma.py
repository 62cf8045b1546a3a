"""Gamma (the market catalogue, REST): paged event lists and batched market look-ups.

Traps handled here (PROTOCOLS.md §2): `/markets` hides closed markets unless `closed` is
given, so look-ups ask for both; ids go in repeated array parameters, in batches short
enough to keep URLs well under the 414 limit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from polyrank.errors import UpstreamDataError
from polyrank.upstream.http import Http
from polyrank.upstream.records import GammaEvent, GammaMarket, parse_gamma_event, parse_gamma_market
from polyrank.upstream.retry import FailureStreak

DEFAULT_PAGE = 500
IDS_PER_REQUEST = 50  # 50 token ids of 78 digits: ~4.5 kB of query string


class Gamma:
    def __init__(self, http: Http, base_url: str, *, page: int = DEFAULT_PAGE) -> None:
        self.http, self.base, self.page = http, base_url.rstrip("/"), page

    async def events(self, *, closed: bool, streak: FailureStreak,
                     start: int = 0) -> AsyncIterator[tuple[int, list[GammaEvent]]]:
        """Every event with the given `closed` flag, a page at a time (offset, events)."""
        offset = start
        while True:
            params = [("limit", self.page), ("offset", offset), ("closed", _flag(closed)),
                      ("order", "id"), ("ascending", "true")]
            rows = await self.http.get_json(f"{self.base}/events", params, streak=streak)
            if not isinstance(rows, list):
                raise UpstreamDataError(f"{self.base}/events did not answer a list")
            yield offset, [parse_gamma_event(row) for row in rows]
            if len(rows) < self.page:
                return
            offset += len(rows)

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


def _flag(value: bool) -> str:
    return "true" if value else "false"
