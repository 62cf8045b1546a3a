"""token id -> condition, in batches, cached across wallets: the store's tokens first (loaded
once per run), then one batched upstream look-up per job for the unknown ones. A token that
no source knows keeps its fills and is listed as unresolved for a later enrichment pass."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from polyrank.upstream.goldsky import Goldsky
from polyrank.upstream.records import MarketData
from polyrank.upstream.retry import FailureStreak


@dataclass
class ResolveStats:
    looked_up: int = 0
    resolved: int = 0
    unresolved: int = 0
    requests: int = 0
    seconds: float = 0.0


@dataclass
class Resolution:
    new: list[MarketData] = field(default_factory=list)  # newly resolved: to be stored
    unresolved: set[str] = field(default_factory=set)


class TokenResolver:
    def __init__(self, goldsky: Goldsky, known: Iterable[str]) -> None:
        self.goldsky = goldsky
        self.known: set[str] = set(known)
        self.missing: set[str] = set()  # asked upstream already, not found
        self.stats = ResolveStats()
        self._lock = asyncio.Lock()

    async def resolve(self, token_ids: Iterable[str], streak: FailureStreak) -> Resolution:
        wanted = {t for t in token_ids if t not in self.known}
        out = Resolution()
        if not wanted:
            return out
        retry_missing = wanted & self.missing
        ask = sorted(wanted - self.missing)
        out.unresolved |= retry_missing
        if ask:
            loop = asyncio.get_running_loop()
            started = loop.time()
            found = await self.goldsky.market_datas(ask, streak)
            self.stats.requests += (len(ask) + self.goldsky.page - 1) // self.goldsky.page
            self.stats.seconds += loop.time() - started
            async with self._lock:
                for item in found:
                    if item.token_id not in self.known:
                        self.known.add(item.token_id)
                        out.new.append(item)
                gone = set(ask) - {item.token_id for item in found}
                self.missing |= gone
            out.unresolved |= gone
            self.stats.looked_up += len(ask)
            self.stats.resolved += len(found)
        self.stats.unresolved = len(self.missing)
        return out
