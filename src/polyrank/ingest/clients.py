"""The upstream clients of one ingest run: one HTTP session, its limiters shared by every
worker (one per host), and the readers over it (orderbook and activity subgraphs, Data API,
Gamma for tokens the subgraph cannot name, the chain when `settings.rpc_url` is set)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from polyrank.errors import UpstreamError
from polyrank.ingest.chain import ChainReader
from polyrank.ingest.options import IngestOptions
from polyrank.ingest.resolve import TokenResolver
from polyrank.ingest.writer import Writer
from polyrank.settings import ACTIVITY_SUBGRAPH, ORDERBOOK_SUBGRAPH, PNL_SUBGRAPH, Settings
from polyrank.upstream.activity_subgraph import ActivitySubgraph
from polyrank.upstream.chain.rpc import JsonRpc
from polyrank.upstream.data_api import DataApi
from polyrank.upstream.gamma import Gamma
from polyrank.upstream.goldsky import Goldsky
from polyrank.upstream.head import upstream_head
from polyrank.upstream.http import Http
from polyrank.upstream.limiter import RateLimiter, Sleep
from polyrank.upstream.retry import FailureStreak, RetryPolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunClients:
    """The upstream clients of one run (they live as long as its HTTP session)."""

    http: Http
    goldsky: Goldsky
    data_api: DataApi
    resolver: TokenResolver
    activity: ActivitySubgraph
    retry: RetryPolicy
    use_data_api: bool
    chain: ChainReader | None = None

    async def head(self) -> tuple[int | None, int]:
        """How far the upstream reaches (`upstream_head`; with a chain, the time of its
        finalized block), and that block (0 without a chain). None (no cursor advances this
        run) when it cannot be read."""
        if self.chain is not None:
            # the chain is the V2 era's source: every wallet is read up to one block; a run
            # that cannot read it cannot load anything, so its error ends the run
            number, ts = await self.chain.head(FailureStreak(self.retry))
            return ts, number
        return await self._upstream_head(), 0

    async def _upstream_head(self) -> int | None:
        try:
            # (its own Data API client: the run's counts only the wallets' pages)
            clock = DataApi(self.http, self.data_api.url) if self.use_data_api else None
            head = await upstream_head(self.goldsky, clock, FailureStreak(self.retry))
        except UpstreamError as exc:
            log.warning("the upstream's present is unreadable (%s): wallets' cursors stay "
                        "where they were", exc)
            return None
        if head is None:
            log.warning("no source says how far it reaches: wallets' cursors stay where "
                        "they were")
        return head


@asynccontextmanager
async def open_clients(settings: Settings, options: IngestOptions, writer: Writer, *,
                       sleep: Sleep, rng: random.Random) -> AsyncIterator[RunClients]:
    """The upstream clients of one run, on one HTTP session with shared limiters (the tokens
    and blocks the store knows come from its writer)."""
    limiters = {}
    goldsky_host = urlsplit(settings.goldsky_url).netloc
    if options.goldsky_limit:
        limiters[goldsky_host] = RateLimiter(*options.goldsky_limit, sleep=sleep)
    data_host = urlsplit(settings.data_api_url).netloc
    if options.data_api and options.data_limit and data_host != goldsky_host:
        limiters[data_host] = RateLimiter(*options.data_limit, sleep=sleep)
    rpc_host = urlsplit(settings.rpc_url).netloc
    if settings.rpc_url and options.rpc_limit and rpc_host not in limiters:
        limiters[rpc_host] = RateLimiter(*options.rpc_limit, sleep=sleep)
    connector = aiohttp.TCPConnector(limit=max(options.workers * 2, 10))
    async with aiohttp.ClientSession(connector=connector) as session:
        http = Http(session, policy=options.retry, limiters=limiters,
                    timeout_s=settings.http_timeout_s, sleep=sleep, rng=rng)
        goldsky = Goldsky(http, settings.subgraph_url(ORDERBOOK_SUBGRAPH),
                          settings.subgraph_url(PNL_SUBGRAPH), page=options.page_size)
        gamma = Gamma(http, settings.gamma_url, page=settings.gamma_page_size,
                      max_offset=settings.gamma_max_offset)
        resolver = TokenResolver(goldsky, await asyncio.to_thread(writer.known_tokens),
                                 gamma)
        chain = None
        if settings.rpc_url:
            chain = ChainReader(JsonRpc(http, settings.rpc_url),
                                max_span=options.rpc_max_span, v1=options.chain_v1,
                                known_blocks=await asyncio.to_thread(
                                    writer.known_blocks))
        yield RunClients(http, goldsky, DataApi(http, settings.data_api_url,
                                              page=options.data_page_size,
                                              max_offset=options.data_max_offset), resolver,
                       ActivitySubgraph(http, settings.subgraph_url(ACTIVITY_SUBGRAPH),
                                        page=options.page_size), options.retry, options.data_api,
                       chain)
