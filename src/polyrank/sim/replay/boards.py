"""The Data API's official leaderboard and top holders, served from a world as of the replay
clock (docs/replay.md, "Data API"; what they hold: `polyrank.sim.world.board`).

    GET /v1/leaderboard?category=&timePeriod=&orderBy=&limit=&offset=
    GET /holders?market=<conditionId>[,...]&limit=&minBalance=

The boards of a time T are computed whole on the first request at T (the ledger over every
fill up to T: about a second per 50,000 fills) and kept for a few distinct T.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from polyrank.sim.replay.loader import WorldFiles
from polyrank.sim.world.board import (
    BOARD_CATEGORIES,
    ORDERS,
    PERIODS,
    BoardRow,
    display_name,
    official_boards,
    profile,
    top_holders,
)

DEFAULT_BOARD_LIMIT = 25
DEFAULT_HOLDERS_LIMIT = 20
BOARDS_KEPT = 4
_CONDITION = re.compile(r"^0x[0-9a-fA-F]{64}$")


class BadRequest(Exception):
    pass


class Boards:
    def __init__(self, world: WorldFiles, limits, now: Callable[[], int | None]) -> None:
        self.world, self.limits, self.now = world, limits, now
        self._boards: OrderedDict[int, dict[tuple[str, str, str], list[BoardRow]]] = \
            OrderedDict()

    def _at(self) -> int:
        at = self.now()
        return self.world.chain.head_ts if at is None else at

    def boards_at(self, at: int) -> dict[tuple[str, str, str], list[BoardRow]]:
        boards = self._boards.get(at)
        if boards is None:
            w = self.world
            fills = w.fills.filter(pc.less_equal(w.fills.column("timestamp"), at))
            acts = w.activity.filter(pc.less_equal(w.activity.column("timestamp"), at))
            boards = self._boards[at] = official_boards(
                fills.to_pydict(), acts.to_pydict(), w.markets, w.events, at=at)
            while len(self._boards) > BOARDS_KEPT:
                self._boards.popitem(last=False)
        return boards

    def leaderboard(self, q) -> list[dict]:
        category = _choice(q, "category", "OVERALL", BOARD_CATEGORIES)
        period = _choice(q, "timePeriod", "DAY", PERIODS)
        order = _choice(q, "orderBy", "PNL", ORDERS)
        limit = min(_int(q, "limit", DEFAULT_BOARD_LIMIT), self.limits.max_board_limit)
        offset = _int(q, "offset", 0)
        if offset > self.limits.max_board_offset:
            raise BadRequest(f"max leaderboard offset of {self.limits.max_board_offset} "
                             "exceeded")
        rows = self.boards_at(self._at())[(category, period, order)][offset:offset + limit]
        return [{"rank": str(offset + k + 1), "proxyWallet": r.wallet,
                 "userName": display_name(r.wallet), "xUsername": "", "verifiedBadge": False,
                 "vol": r.vol, "pnl": r.pnl, "profileImage": ""} for k, r in enumerate(rows)]

    def holders(self, q) -> list[dict]:
        raw = q.get("market") or ""
        markets = [m.strip().lower() for m in raw.split(",") if m.strip()]
        if not markets:
            raise BadRequest("required query param 'market' not provided")
        for m in markets:
            if not _CONDITION.match(m):
                raise BadRequest(f"invalid market: {m}")
        limit = min(_int(q, "limit", DEFAULT_HOLDERS_LIMIT), self.limits.max_holders_limit)
        min_balance = _int(q, "minBalance", 1)
        at, w = self._at(), self.world
        fills = _rows_of(w.fills, markets, at)
        # a conversion names its neg-risk market, not the question's condition
        neg_risk = {(m.get("neg_risk_market_id") or "").lower() for m in w.markets
                    if m.get("neg_risk") and m["condition_id"].lower() in markets}
        acts = _rows_of(w.activity, [*markets, *sorted(neg_risk - {""})], at)
        out = []
        for token, held in top_holders(fills, acts, w.markets,
                                       at=at, condition_ids=markets, min_balance=min_balance,
                                       limit=limit):
            rows = []
            for h in held:
                name, pseudonym = profile(h.wallet)
                rows.append({"proxyWallet": h.wallet, "bio": "", "asset": token,
                             "pseudonym": pseudonym, "amount": h.amount,
                             "displayUsernamePublic": bool(name), "outcomeIndex": h.outcome_index,
                             "name": name, "profileImage": "", "profileImageOptimized": ""})
            out.append({"token": token, "holders": rows})
        return out


def _rows_of(table: pa.Table, conditions: list[str], at: int) -> dict[str, list]:
    """The rows of these conditions at or before `at`, as columns."""
    keep = pc.and_(pc.less_equal(table.column("timestamp"), at),
                   pc.is_in(pc.utf8_lower(table.column("condition_id")),
                            value_set=pa.array(conditions, pa.string())))
    return table.filter(keep).to_pydict()


def _choice(q, name: str, default: str, valid) -> str:
    value = (q.get(name) or default).upper()
    if value not in valid:
        raise BadRequest(f"invalid {name}: {q.get(name)}")
    return value


def _opt_int(q, name: str) -> int | None:
    raw = q.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"invalid {name}: {raw}") from None
    if value < 0:
        raise BadRequest(f"invalid {name}: {raw}")
    return value


def _int(q, name: str, default: int) -> int:
    value = _opt_int(q, name)
    return default if value is None else value
