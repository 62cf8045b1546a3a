"""The second fill source: a wallet's fills at or after the V2 migration, from the Data API.

The orderbook subgraph (the first source, batched) has only fills before 2026-04-28; the Data
API serves each wallet's own trades (V1 and V2) one wallet at a time, so only the part from
the migration on (or from `--since`, if later) is asked for. Its rows carry no fee: they are
stored with fee 0 and counted per wallet as fills without fee information.

The same listing (`type=TRADE,SPLIT,MERGE,REDEEM,CONVERSION`, one walk of windows and pages)
gives the wallet's V2-era position-changing activities, stored in `activities` in the same
commit as its fills. The `--max-trades` path reads TRADE rows only: it keeps the most recent
fills, and activities would eat into its row budget, so it loads no activities.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from polyrank.settings import V2_MIGRATION_TS
from polyrank.upstream.activity import (
    POSITION_KINDS,
    WalletActivity,
    activity_fills,
    sort_rows,
    wallet_activities,
)
from polyrank.upstream.data_api import DataApi, newest
from polyrank.upstream.goldsky import token_of
from polyrank.upstream.records import USDC_ASSET_ID, Fill
from polyrank.upstream.retry import FailureStreak

SOURCE = "data_api"
LISTED_TYPES = ("TRADE", *POSITION_KINDS)  # TRADE,SPLIT,MERGE,REDEEM,CONVERSION


@dataclass
class V2History:
    """A wallet's Data API history from the migration (or `since`) on."""

    fills: list[Fill]
    activities: list[WalletActivity] = field(default_factory=list)
    skipped: int = 0  # rows of types that change no position (REWARD, DEPOSIT, ...)


def v2_start(since: int) -> int:
    """Where the Data API part of a wallet's history starts."""
    return max(since, V2_MIGRATION_TS)


def _content(fill: Fill) -> tuple:
    buy = fill.maker_asset_id == USDC_ASSET_ID
    shares, usdc = ((fill.taker_amount_filled, fill.maker_amount_filled) if buy
                    else (fill.maker_amount_filled, fill.taker_amount_filled))
    return (fill.transaction_hash, token_of(fill), "BUY" if buy else "SELL", shares, usdc)


def without_known(v2: Sequence[Fill], v1: Iterable[Fill]) -> list[Fill]:
    """Drop Data API fills that the subgraph already gave (same transaction, token, side and
    amounts, counted as a multiset): should an old exchange still fill after the migration,
    its fills would be in both sources, under different ids."""
    known = Counter(_content(f) for f in v1 if f.timestamp >= V2_MIGRATION_TS)
    if not known:
        return list(v2)
    out = []
    for fill in v2:
        key = _content(fill)
        if known[key]:
            known[key] -= 1
        else:
            out.append(fill)
    return out


async def fetch_v2(api: DataApi, wallet: str, since: int, streak: FailureStreak, *,
                   v1: Sequence[Fill] = (), activities: bool = True) -> V2History:
    """Every fill and (unless `activities` is off) position-changing activity of the wallet
    from the migration (or `since`) on, oldest first, from one listing."""
    types = LISTED_TYPES if activities else ("TRADE",)
    listing = await api.fetch_trades(wallet, v2_start(since), streak, types=types)
    rows = sort_rows(listing.rows)
    return V2History(without_known(activity_fills(rows.trades, wallet), v1),
                     wallet_activities(rows.activities, wallet), rows.skipped)


async def fetch_recent_v2(api: DataApi, wallet: str, limit: int, since: int,
                          streak: FailureStreak) -> list[Fill]:
    """The wallet's most recent V2 fills: at most `limit + 1` (one more says "there are more"),
    read newest first and stopping early. TRADE rows only: no activities on this path."""
    trades = await api.fetch_trades(wallet, v2_start(since), streak, newest_first=True,
                                    enough=limit)
    return newest(activity_fills(trades.rows, wallet), limit + 1)
