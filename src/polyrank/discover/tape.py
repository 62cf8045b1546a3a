"""The trade tape as a source of wallets: every fill of a period from the orderbook subgraph,
in timestamp order, reduced to who made them (docs/protocols.md §1.5: every order of a match
emits one row with its owner as `maker`, so the makers are everyone who traded).

Paged by timestamp with a sticky cursor: a full page ending at timestamp T keeps its rows
before T, then every row at exactly T is read by id, then paging resumes after T — no row is
lost or doubled where many fills share a second."""

from __future__ import annotations

from collections.abc import AsyncIterator

from polyrank.discover.registry import Seen
from polyrank.upstream.goldsky import FILL_FIELDS, Page, _fills, indexed_head
from polyrank.upstream.http import Http
from polyrank.upstream.records import Fill
from polyrank.upstream.retry import FailureStreak

PAGE = 1000

TAPE = f"""
query Tape($from: BigInt!, $until: BigInt!, $first: Int!) {{
  orderFilledEvents(first: $first, orderBy: timestamp, orderDirection: asc,
                    where: {{timestamp_gte: $from, timestamp_lt: $until}}) {{
    {FILL_FIELDS}
  }}
}}"""

TAPE_AT = f"""
query TapeAt($at: BigInt!, $after: ID!, $first: Int!) {{
  orderFilledEvents(first: $first, orderBy: id, orderDirection: asc,
                    where: {{timestamp: $at, id_gt: $after}}) {{
    {FILL_FIELDS}
  }}
}}"""


class Tape:
    """Every fill of [start, end) on one orderbook endpoint."""

    def __init__(self, http: Http, url: str, *, page: int = PAGE) -> None:
        self.http, self.url, self.page = http, url, page
        self.requests = 0

    async def _page(self, query: str, variables: dict, streak: FailureStreak) -> Page:
        self.requests += 1
        data = await self.http.graphql(self.url, query, {**variables, "first": self.page},
                                       streak=streak)
        fills = _fills(data, self.url)
        return Page(fills, len(fills) >= self.page)

    async def head(self, streak: FailureStreak) -> int | None:
        """The timestamp of the latest block the subgraph has indexed (`_meta`), or None
        when it does not say."""
        self.requests += 1
        return await indexed_head(self.http, self.url, streak)

    async def fills(self, start: int, end: int, streak: FailureStreak
                    ) -> AsyncIterator[list[Fill]]:
        """Pages of fills with start <= timestamp < end, in timestamp order."""
        since = start
        while since < end:
            page = await self._page(TAPE, {"from": str(since), "until": str(end)}, streak)
            if not page.full:
                if page.fills:
                    yield page.fills
                return
            boundary = page.fills[-1].timestamp
            yield [f for f in page.fills if f.timestamp < boundary]
            after = ""
            while True:
                at = await self._page(TAPE_AT, {"at": str(boundary), "after": after}, streak)
                yield at.fills
                if not at.full:
                    break
                after = at.fills[-1].id
            since = boundary + 1


async def makers(tape: Tape, start: int, end: int, streak: FailureStreak) -> dict[str, Seen]:
    """address -> what the tape of [start, end) shows of it as a maker."""
    seen: dict[str, Seen] = {}
    async for fills in tape.fills(start, end, streak):
        for fill in fills:
            who = fill.maker.lower()
            entry = seen.get(who)
            if entry is None:
                entry = seen[who] = Seen()
            entry.note(fill.timestamp, fill.maker_amount_filled if fill.maker_asset_id == "0"
                       else fill.taker_amount_filled)
    return seen
