"""What Polymarket's official leaderboard and a market's top holders would show of a world at a
time T: pure functions over the world's tables, served by the replay (`/v1/leaderboard`,
`/holders`, docs/replay.md) and recomputed by tests.

Official leaderboard (`official_boards`), one board per category x period x order:

 - Positions as of T: the ledger (`polyrank.sim.world.ledger`) over the fills and activities
   at or before T, a market resolved only if it resolved at or before T. P&L is Polymarket's
   convention, `pnl_polymarket` (docs/metrics.md §4.5: fees ignored, a resolved position
   counted only once its wallet redeemed the market).
 - Category: OVERALL holds every position; POLITICS, SPORTS, ... the positions in the world's
   category of that name (lower-case); a category the world lacks has an empty board.
 - Period ALL: Σ pnl_polymarket of the wallet's positions in the category. DAY, WEEK, MONTH
   (1, 7, 30 days): the same over the positions *changed* in (T - d days, T] — by a fill of the
   wallet in that token, or an activity of the wallet touching it (a split, merge or redemption
   of its market; a conversion taking its NO or giving its YES). A simplification: Polymarket's
   own day, week and month boards are mark-to-market changes over the period.
 - vol: Σ USDC (gross, before fees) of the wallet's own fill rows (maker == wallet) in the
   category and period.
 - A board lists the wallets with a counted position (ALL: any position) in the category;
   PNL sorts by pnl, VOL by vol, both descending, ties to the lower address.

Top holders (`top_holders`): each wallet's balance of each outcome token at T — shares received
by its fills (a V1 buy less its share fee), less shares sold, plus splits, less merges and
redemptions, a conversion taking the NO tokens of its questions and giving the YES tokens of
the others — listed per token, wallets holding at least `min_balance` shares, largest first,
ties to the lower address.

Profiles (`profile`): the world has no user names, so each address gets a deterministic
pseudonym and, for two wallets in three, a name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from polyrank.sim.world.ledger import (
    Activity,
    LedgerConfig,
    MarketInfo,
    compute_positions,
    decode_activities,
    decode_fills,
    token_index,
)
from polyrank.sim.world.load import market_info

DAY = 86400
MICRO = 1_000_000
#: Polymarket's board categories -> the world's category (None: every category).
BOARD_CATEGORIES: dict[str, str | None] = {
    "OVERALL": None, "POLITICS": "politics", "SPORTS": "sports", "CRYPTO": "crypto",
    "FINANCE": "finance", "CULTURE": "culture", "MENTIONS": "mentions", "WEATHER": "weather",
    "ECONOMICS": "economics", "TECH": "tech"}
#: the board's periods -> days (None: all time)
PERIODS: dict[str, int | None] = {"DAY": 1, "WEEK": 7, "MONTH": 30, "ALL": None}
ORDERS = ("PNL", "VOL")

_ADJECTIVES = ("Brave", "Calm", "Eager", "Fancy", "Gentle", "Happy", "Jolly", "Kind", "Lively",
               "Merry", "Nimble", "Proud", "Quiet", "Witty", "Zany", "Bold")
_ANIMALS = ("Otter", "Falcon", "Badger", "Heron", "Lynx", "Marmot", "Newt", "Ocelot", "Puffin",
            "Quail", "Raven", "Stoat", "Tapir", "Vole", "Walrus", "Yak")


@dataclass(frozen=True)
class BoardRow:
    wallet: str
    vol: float  # USDC
    pnl: float  # USDC, Polymarket's convention


@dataclass(frozen=True)
class HolderRow:
    wallet: str
    token_id: str
    outcome_index: int
    amount: float  # shares


def profile(address: str) -> tuple[str, str]:
    """(name, pseudonym) of a wallet: the name is "" for one wallet in three."""
    h = hashlib.sha256(address.lower().encode()).digest()
    pseudonym = f"{_ADJECTIVES[h[0] % 16]}-{_ANIMALS[h[1] % 16]}"
    name = "" if h[2] % 3 == 0 else f"trader{int.from_bytes(h[3:5], 'big')}"
    return name, pseudonym


def display_name(address: str) -> str:
    """What Polymarket shows for a wallet: its name, else its pseudonym."""
    name, pseudonym = profile(address)
    return name or pseudonym


def market_infos(markets: Sequence[dict], events: Sequence[dict], at: int) -> list[MarketInfo]:
    """The ledger's view of every market as of `at`: resolved only if it resolved by then."""
    by_id = {str(e["id"]): e for e in events}
    out = []
    for m in markets:
        info = market_info(m, by_id[str(m["event_id"])])
        if info.resolved_ts is not None and info.resolved_ts > at:
            info = replace(info, payouts=None, resolved_ts=None)
        out.append(info)
    return out


def _activities(activity: Mapping[str, Sequence] | None) -> list[Activity]:
    """activity.parquet rows; a hand-made world may lack the `id` column's values."""
    if not activity or not len(activity.get("wallet", ())):
        return []
    cols = dict(activity)
    n = len(cols["wallet"])
    ids = list(cols.get("id") or [None] * n)
    txs = cols.get("transaction_hash") or [""] * n
    cols["id"] = [i if i is not None else f"{txs[r]}_{r}" for r, i in enumerate(ids)]
    for name in ("index_set", "question_count"):
        cols.setdefault(name, [0] * n)
    return decode_activities(cols)


def _conversion_legs(a: Activity, by_question: Mapping[tuple[str, int], MarketInfo]
                     ) -> Iterable[tuple[str, int]]:
    """(token, signed shares) a conversion moves: NO of its questions out, YES of the others
    in (only when some question is left out)."""
    converted = [i for i in range(a.question_count) if a.index_set >> i & 1]
    whole = len(converted) == a.question_count
    for i in range(a.question_count):
        m = by_question.get((a.condition_id, i))
        if m is None:
            continue
        if i in converted:
            yield m.token_ids[1], -a.amount
        elif not whole:
            yield m.token_ids[0], a.amount


def _touched_tokens(a: Activity, by_condition: Mapping[str, MarketInfo],
                    by_question: Mapping[tuple[str, int], MarketInfo]) -> list[str]:
    if a.kind == "CONVERSION":
        return [token for token, _ in _conversion_legs(a, by_question)]
    market = by_condition.get(a.condition_id)
    return list(market.token_ids) if market is not None else []


def _indexes(infos: Sequence[MarketInfo]):
    by_condition = {m.condition_id.lower(): m for m in infos}
    by_question = {(m.bet_key.lower(), m.question): m for m in infos if m.question is not None}
    return by_condition, by_question


def official_boards(fills: Mapping[str, Sequence], activity: Mapping[str, Sequence] | None,
                    markets: Sequence[dict], events: Sequence[dict], *, at: int,
                    config: LedgerConfig | None = None
                    ) -> dict[tuple[str, str, str], list[BoardRow]]:
    """(category, period, order) -> the board's rows in order, as of `at` (module docstring).
    `fills` and `activity` are columns named as in fills.parquet and activity.parquet."""
    infos = market_infos(markets, events, at)
    index = token_index(infos)
    by_condition, by_question = _indexes(infos)
    trades = [t for t in decode_fills(fills) if t.timestamp <= at]
    acts = [a for a in _activities(activity) if a.timestamp <= at]
    positions = compute_positions(trades, index, config or LedgerConfig(), acts)
    touched: dict[tuple[str, str], int] = {}

    def touch(wallet: str, token: str, ts: int) -> None:
        if touched.get((wallet, token), -1) < ts:
            touched[(wallet, token)] = ts

    for t in trades:
        touch(t.wallet, t.token_id, t.timestamp)
    for a in acts:
        for token in _touched_tokens(a, by_condition, by_question):
            touch(a.wallet, token, a.timestamp)
    boards: dict[tuple[str, str, str], list[BoardRow]] = {}
    for period, days in PERIODS.items():
        since = None if days is None else at - days * DAY  # (since, at]
        for name, category in BOARD_CATEGORIES.items():
            pnl: dict[str, float] = {}
            for p in positions:  # sorted by (wallet, token): a fixed summation order
                if category is not None and p.category != category:
                    continue
                if since is not None and touched.get((p.wallet, p.token_id), -1) <= since:
                    continue
                pnl[p.wallet] = pnl.get(p.wallet, 0.0) + p.pnl_polymarket
            vol: dict[str, int] = {}
            for t in trades:
                if since is not None and t.timestamp <= since:
                    continue
                if category is not None and index[t.token_id][0].category != category:
                    continue
                vol[t.wallet] = vol.get(t.wallet, 0) + t.usdc
            rows = [BoardRow(w, vol.get(w, 0) / MICRO, pnl[w]) for w in sorted(pnl)]
            boards[(name, period, "PNL")] = sorted(rows, key=lambda r: (-r.pnl, r.wallet))
            boards[(name, period, "VOL")] = sorted(rows, key=lambda r: (-r.vol, r.wallet))
    return boards


def top_holders(fills: Mapping[str, Sequence], activity: Mapping[str, Sequence] | None,
                markets: Sequence[dict], *, at: int, condition_ids: Sequence[str],
                min_balance: float = 1.0, limit: int | None = None
                ) -> list[tuple[str, list[HolderRow]]]:
    """(token, its holders) for every outcome token of the markets asked for (unknown ones
    skipped), in the order asked and outcome order; tokens nobody holds are left out."""
    infos = [MarketInfo(condition_id=m["condition_id"].lower(),
                        token_ids=tuple(str(t) for t in m["token_ids"]),
                        bet_key=(m["neg_risk_market_id"] or m["condition_id"]).lower()
                        if m.get("neg_risk") else m["condition_id"].lower(),
                        category="", question=m.get("neg_risk_index")) for m in markets]
    by_condition, by_question = _indexes(infos)
    wanted = [by_condition[c.lower()] for c in dict.fromkeys(condition_ids)
              if c.lower() in by_condition]
    tokens = {tok: (m, i) for m in wanted for i, tok in enumerate(m.token_ids)}
    balance: dict[tuple[str, str], int] = {}

    def add(wallet: str, token: str, shares: int) -> None:
        if token in tokens:
            balance[(wallet, token)] = balance.get((wallet, token), 0) + shares

    cols = [fills[c] for c in ("maker", "maker_asset_id", "taker_asset_id",
                               "maker_amount_filled", "taker_amount_filled", "fee", "version",
                               "timestamp")]
    for maker, given, got, given_n, got_n, fee, version, ts in zip(*cols, strict=True):
        if ts > at:
            continue
        if given == "0":  # a buy: the shares received, a V1 buy's fee taken in shares
            add(maker, str(got), int(got_n) - (int(fee) if int(version) == 1 else 0))
        else:
            add(maker, str(given), -int(given_n))
    for a in _activities(activity):
        if a.timestamp > at:
            continue
        if a.kind == "CONVERSION":
            for token, shares in _conversion_legs(a, by_question):
                add(a.wallet, token, shares)
        elif a.kind in ("SPLIT", "MERGE"):
            market = by_condition.get(a.condition_id)
            for token in market.token_ids if market else ():
                add(a.wallet, token, a.amount if a.kind == "SPLIT" else -a.amount)
    if activity:  # a redemption burns the token it names
        for wallet, kind, ts, token, size in zip(
                activity["wallet"], activity["type"], activity["timestamp"],
                activity["token_id"], activity["size"], strict=True):
            if kind == "REDEEM" and ts <= at and token:
                add(wallet, str(token), -int(size))
    floor = max(1, round(min_balance * MICRO))
    out = []
    for m in wanted:
        for i, token in enumerate(m.token_ids):
            held = sorted(((w, n) for (w, t), n in balance.items() if t == token and n >= floor),
                          key=lambda wn: (-wn[1], wn[0]))
            if limit is not None:
                held = held[:limit]
            if held:
                out.append((token, [HolderRow(w, token, i, n / MICRO) for w, n in held]))
    return out
