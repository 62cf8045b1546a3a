"""Goldsky-hosted Polymarket subgraphs: the GraphQL documents polyrank sends and the fetchers
that page through them (`fetch_*`). Only rows with maker == wallet are ever asked for
(docs/protocols.md §1.5): a wallet's taker-side rows belong to its counterparties."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from polyrank.errors import UpstreamDataError
from polyrank.upstream.http import Http
from polyrank.upstream.records import (
    ConditionPayout,
    Fill,
    MarketData,
    parse_condition,
    parse_market_data,
    parse_order_filled,
)
from polyrank.upstream.retry import FailureStreak

PAGE = 1000  # graph-node's maximum `first`
FAR_FUTURE = 2**62

FILL_FIELDS = ("id transactionHash timestamp orderHash maker taker makerAssetId takerAssetId "
               "makerAmountFilled takerAmountFilled fee")

# every fill of a set of makers, in id order: exact paging with an id cursor
FILLS_BY_ID = f"""
query FillsById($makers: [String!], $after: ID!, $since: BigInt!, $first: Int!) {{
  orderFilledEvents(first: $first, orderBy: id, orderDirection: asc,
                    where: {{maker_in: $makers, id_gt: $after, timestamp_gte: $since}}) {{
    {FILL_FIELDS}
  }}
}}"""

# the same, up to an id: one part of a set of makers' fills read in several id ranges
FILLS_BETWEEN = f"""
query FillsBetween($makers: [String!], $after: ID!, $until: ID!, $since: BigInt!,
                   $first: Int!) {{
  orderFilledEvents(first: $first, orderBy: id, orderDirection: asc,
                    where: {{maker_in: $makers, id_gt: $after, id_lte: $until,
                             timestamp_gte: $since}}) {{
    {FILL_FIELDS}
  }}
}}"""

# one maker's fills, newest first, strictly before a timestamp
FILLS_BEFORE = f"""
query FillsBefore($maker: String!, $before: BigInt!, $since: BigInt!, $first: Int!) {{
  orderFilledEvents(first: $first, orderBy: timestamp, orderDirection: desc,
                    where: {{maker: $maker, timestamp_lt: $before, timestamp_gte: $since}}) {{
    {FILL_FIELDS}
  }}
}}"""

# one maker's fills at exactly one timestamp, in id order (the "sticky" part of the cursor)
FILLS_AT = f"""
query FillsAt($maker: String!, $at: BigInt!, $after: ID!, $first: Int!) {{
  orderFilledEvents(first: $first, orderBy: id, orderDirection: asc,
                    where: {{maker: $maker, timestamp: $at, id_gt: $after}}) {{
    {FILL_FIELDS}
  }}
}}"""

# the latest block the subgraph has indexed: how far its data reaches
HEAD = "query Head { _meta { block { number timestamp } } }"

MARKET_DATAS = """
query Tokens($ids: [ID!], $first: Int!) {
  marketDatas(first: $first, where: {id_in: $ids}) { id condition outcomeIndex }
}"""

CONDITIONS = """
query Conditions($ids: [ID!], $first: Int!) {
  conditions(first: $first, where: {id_in: $ids}) {
    id payoutNumerators payoutDenominator positionIds
  }
}"""


@dataclass
class Page:
    fills: list[Fill]
    full: bool  # the page was full: more may follow


def _fills(data: dict, url: str) -> list[Fill]:
    rows = data.get("orderFilledEvents")
    if not isinstance(rows, list):
        raise UpstreamDataError(f"{url}: orderFilledEvents is not a list", url=url)
    return [parse_order_filled(row) for row in rows]


async def indexed_head(http: Http, url: str, streak: FailureStreak) -> int | None:
    """The timestamp of the latest block a subgraph has indexed (`_meta`), or None when it
    does not say: the upstream's own "now", which is what cursors are measured against
    (the wall clock is not: a subgraph lags, and a replay serves an earlier time)."""
    data = await http.graphql(url, HEAD, {}, streak=streak)
    stamp = ((data.get("_meta") or {}).get("block") or {}).get("timestamp")
    try:
        return int(stamp) if stamp is not None else None
    except (TypeError, ValueError):
        return None


def token_of(fill: Fill) -> str:
    """The outcome token a maker-owned row trades (the non-USDC asset)."""
    return fill.taker_asset_id if fill.maker_asset_id == "0" else fill.maker_asset_id


class Goldsky:
    """Fetchers over one orderbook endpoint (and the pnl endpoint for payouts)."""

    def __init__(self, http: Http, orderbook_url: str, pnl_url: str | None = None, *,
                 page: int = PAGE) -> None:
        self.http, self.url, self.pnl_url, self.page = http, orderbook_url, pnl_url, page
        self.parse_s = 0.0  # time spent decoding rows (for the benchmark's stage shares)
        self.pages = 0  # requests that returned a page of fills

    def _parse(self, data: dict) -> Page:
        started = time.perf_counter()
        fills = _fills(data, self.url)
        self.parse_s += time.perf_counter() - started
        self.pages += 1
        return Page(fills, len(fills) >= self.page)

    async def head(self, streak: FailureStreak) -> int | None:
        """The orderbook subgraph's indexed head (`indexed_head`)."""
        return await indexed_head(self.http, self.url, streak)

    async def fills_after(self, makers: Sequence[str], after: str, since: int,
                          streak: FailureStreak, until: str = "") -> Page:
        """One page of the makers' fills with id > after (and <= until, if given), in id
        order."""
        variables = {"makers": list(makers), "after": after, "since": str(since),
                     "first": self.page}
        query = FILLS_BETWEEN if until else FILLS_BY_ID
        data = await self.http.graphql(self.url, query,
                                       {**variables, "until": until} if until else variables,
                                       streak=streak)
        return self._parse(data)

    async def fills_before(self, maker: str, before: int, since: int,
                           streak: FailureStreak) -> Page:
        data = await self.http.graphql(
            self.url, FILLS_BEFORE,
            {"maker": maker, "before": str(before), "since": str(since), "first": self.page},
            streak=streak)
        return self._parse(data)

    async def fills_at(self, maker: str, at: int, after: str, streak: FailureStreak) -> Page:
        data = await self.http.graphql(
            self.url, FILLS_AT,
            {"maker": maker, "at": str(at), "after": after, "first": self.page}, streak=streak)
        return self._parse(data)

    async def fetch_recent(self, maker: str, limit: int, since: int,
                           streak: FailureStreak) -> tuple[list[Fill], bool]:
        """The `limit` most recent fills of one maker, and whether more exist (truncated).

        Pages by timestamp, newest first, with a sticky cursor: a full page ending at
        timestamp T keeps only its rows newer than T, then every row at exactly T is read by
        id, then paging resumes strictly before T. No row is lost or doubled at a boundary,
        whatever order the server gives rows that share a timestamp."""
        rows: list[Fill] = []
        before = FAR_FUTURE
        while len(rows) <= limit:
            page = await self.fills_before(maker, before, since, streak)
            if not page.full:
                rows.extend(page.fills)
                break
            boundary = page.fills[-1].timestamp
            rows.extend(f for f in page.fills if f.timestamp > boundary)
            after = ""
            while True:
                at = await self.fills_at(maker, boundary, after, streak)
                rows.extend(at.fills)
                if not at.full:
                    break
                after = at.fills[-1].id
            before = boundary
        rows.sort(key=lambda f: (f.timestamp, f.id), reverse=True)
        return rows[:limit], len(rows) > limit

    async def market_datas(self, token_ids: Sequence[str],
                           streak: FailureStreak) -> list[MarketData]:
        """token id -> condition for up to `page` tokens per request."""
        found: list[MarketData] = []
        for start in range(0, len(token_ids), self.page):
            chunk = list(token_ids[start:start + self.page])
            data = await self.http.graphql(self.url, MARKET_DATAS,
                                           {"ids": chunk, "first": self.page}, streak=streak)
            rows = data.get("marketDatas")
            if not isinstance(rows, list):
                raise UpstreamDataError(f"{self.url}: marketDatas is not a list", url=self.url)
            found.extend(parse_market_data(row) for row in rows)
        return found

    async def conditions(self, condition_ids: Sequence[str],
                         streak: FailureStreak) -> list[ConditionPayout]:
        if not self.pnl_url:
            return []
        found: list[ConditionPayout] = []
        for start in range(0, len(condition_ids), self.page):
            chunk = list(condition_ids[start:start + self.page])
            data = await self.http.graphql(self.pnl_url, CONDITIONS,
                                           {"ids": chunk, "first": self.page}, streak=streak)
            rows = data.get("conditions")
            if not isinstance(rows, list):
                raise UpstreamDataError(f"{self.pnl_url}: conditions is not a list",
                                        url=self.pnl_url)
            found.extend(parse_condition(row) for row in rows)
        return found
