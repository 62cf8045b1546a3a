"""token id -> condition, in batches, cached across wallets: the store's tokens first (loaded
once per run), then one batched upstream look-up per job for the unknown ones (its page
topped up with tokens other jobs have read but not committed yet) — the orderbook subgraph's
`marketDatas`, then Gamma's `clob_token_ids` for what it does not know. A token that no source
knows keeps its fills and is listed as unresolved for a later enrichment pass."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from polyrank.upstream.gamma import Gamma
from polyrank.upstream.goldsky import Goldsky
from polyrank.upstream.records import GammaMarket, MarketData
from polyrank.upstream.retry import FailureStreak


@dataclass
class ResolveStats:
    looked_up: int = 0
    seconds: float = 0.0


@dataclass
class Resolution:
    new: list[MarketData] = field(default_factory=list)  # newly resolved: to be stored
    markets: dict[str, str] = field(default_factory=dict)  # token -> Gamma market id, if known
    unresolved: set[str] = field(default_factory=set)


def gamma_tokens(markets: list[GammaMarket]) -> list[tuple[MarketData, str]]:
    """Index-aligned clobTokenIds of Gamma markets as token -> condition look-ups."""
    return [(MarketData(token, m.condition_id, index), m.id)
            for m in markets for index, token in enumerate(m.token_ids)]


class TokenResolver:
    def __init__(self, goldsky: Goldsky, known: Iterable[str],
                 gamma: Gamma | None = None) -> None:
        self.goldsky, self.gamma = goldsky, gamma
        self.known: set[str] = set(known)
        self.missing: set[str] = set()  # asked upstream already, not found
        self.stats = ResolveStats()
        self._lock = asyncio.Lock()

    async def resolve(self, token_ids: Iterable[str], streak: FailureStreak,
                      ahead: Iterable[str] = ()) -> Resolution:
        """Resolve `token_ids`; a look-up that has room left in its last page also asks for
        tokens of `ahead` (seen by reads not yet committed), so their commits find them
        known. Every token resolved here is in `new`, for this commit to store."""
        wanted = {t for t in token_ids if t not in self.known}
        out = Resolution()
        if not wanted:
            return out
        retry_missing = wanted & self.missing
        ask = sorted(wanted - self.missing)
        if ask:
            room = -len(ask) % self.goldsky.page
            ask += sorted({t for t in ahead if t not in self.known and t not in self.missing}
                          - wanted)[:room]
        out.unresolved |= retry_missing
        if ask:
            loop = asyncio.get_running_loop()
            started = loop.time()
            found = await self.goldsky.market_datas(ask, streak)
            rest = sorted(set(ask) - {item.token_id for item in found})
            if rest and self.gamma is not None:
                wanted_rest = set(rest)
                for item, market_id in gamma_tokens(
                        await self.gamma.markets_by_tokens(rest, streak)):
                    if item.token_id in wanted_rest:
                        found.append(item)
                        out.markets[item.token_id] = market_id
            self.stats.seconds += loop.time() - started
            async with self._lock:
                for item in found:
                    if item.token_id not in self.known:
                        self.known.add(item.token_id)
                        out.new.append(item)
                gone = set(ask) - {item.token_id for item in found}
                self.missing |= gone
            out.unresolved |= gone & wanted
            self.stats.looked_up += len(ask)
        return out
