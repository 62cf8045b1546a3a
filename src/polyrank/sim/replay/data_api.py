"""The Data API (data-api.polymarket.com, v1), served from a world (docs/protocols.md §3).

    GET /activity?user=&type=&start=&end=&market=&side=&sortBy=&sortDirection=&limit=&offset=
    GET /trades?user=&market=&side=&takerOnly=&limit=&offset=
    GET /v1/leaderboard?category=&timePeriod=&orderBy=&limit=&offset=   (boards.py)
    GET /holders?market=&limit=&minBalance=                               (boards.py)

Unlike the orderbook subgraph, the Data API covers V1 *and* V2 fills. A wallet's TRADE rows
are the fills its own orders emitted (`maker == wallet` rows); REDEEM/SPLIT/MERGE/CONVERSION
rows come from activity.parquet (a conversion as one row per converted question). Numbers
(`size`, `usdcSize`, `price`) are JSON numbers, as the real API returns them. Out-of-range
`offset` answers HTTP 400 `{"error": "..."}`; an over-large `limit` is silently clamped
(observed behaviour, see docs/replay.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from aiohttp import web

from polyrank.sim.replay.boards import BadRequest, Boards, _opt_int
from polyrank.sim.replay.loader import WorldFiles
from polyrank.sim.replay.table import string_column

DEFAULT_ACTIVITY_LIMIT = 100
MAX_ACTIVITY_LIMIT = 500
MAX_ACTIVITY_OFFSET = 5000
MAX_TRADES_LIMIT = 10000
MAX_TRADES_OFFSET = 10000
MAX_BOARD_LIMIT = 50
MAX_BOARD_OFFSET = 1000
MAX_HOLDERS_LIMIT = 20
ACTIVITY_TYPES = ("TRADE", "SPLIT", "MERGE", "REDEEM", "CONVERSION", "REWARD")
_PROFILE = {"name": "", "pseudonym": "", "bio": "", "profileImage": "",
            "profileImageOptimized": ""}


@dataclass(frozen=True)
class DataApiLimits:
    max_activity_limit: int = MAX_ACTIVITY_LIMIT
    max_activity_offset: int = MAX_ACTIVITY_OFFSET
    max_trades_limit: int = MAX_TRADES_LIMIT
    max_trades_offset: int = MAX_TRADES_OFFSET
    max_board_limit: int = MAX_BOARD_LIMIT
    max_board_offset: int = MAX_BOARD_OFFSET
    max_holders_limit: int = MAX_HOLDERS_LIMIT


class _Rows:
    """Columns of one row source, sorted by (wallet, timestamp, tie-break), with wallet runs."""

    def __init__(self, table: pa.Table, wallet_col: str, tiebreak: str) -> None:
        self.n = table.num_rows
        wallet = string_column("String", table.column(wallet_col))
        tb = string_column("String", table.column(tiebreak))
        ts = table.column("timestamp").to_numpy().astype(np.int64)
        self.perm = np.lexsort((tb.codes, ts, wallet.codes)) if self.n else np.empty(0, np.int64)
        self.wallet = wallet
        self.wallet_sorted = wallet.codes[self.perm]
        self.ts_sorted = ts[self.perm]
        self.tiebreak = tb.codes
        self.ts = ts
        self.cols = {name: table.column(name) for name in table.column_names}

    def wallet_rows(self, user: str, start: int | None, end: int | None) -> np.ndarray:
        lo, hi = self.wallet.lookup(user)
        if hi <= lo:
            return np.empty(0, np.int64)
        a = int(np.searchsorted(self.wallet_sorted, lo, "left"))
        b = int(np.searchsorted(self.wallet_sorted, lo, "right"))
        if start is not None:
            a += int(np.searchsorted(self.ts_sorted[a:b], start, "left"))
        if end is not None:
            b = a + int(np.searchsorted(self.ts_sorted[a:b], end, "right"))
        return self.perm[a:b]

    def values(self, name: str, rows: np.ndarray) -> list:
        return self.cols[name].take(pa.array(rows, pa.int64())).to_pylist()


def per_question_conversions(activity: pa.Table, markets: list[dict]) -> pa.Table:
    """The activity rows as the Data API lists them: a world's CONVERSION row (one per
    conversion, naming the neg-risk market and an index set) becomes one row per converted
    question — conditionId that question's, asset its NO token, size the amount converted,
    usdcSize 0 — sharing the transaction hash (docs/protocols.md §3.3: polyrank's reading,
    not verified against a capture)."""
    is_conv = pc.equal(activity.column("type"), "CONVERSION")
    if not activity.num_rows or not pc.any(is_conv).as_py():
        return activity
    by_question = {(m["neg_risk_market_id"].lower(), m["neg_risk_index"]): m
                   for m in markets if m.get("neg_risk")}
    rows = []
    for r in activity.filter(is_conv).to_pylist():
        for i in range(int(r["question_count"])):
            m = by_question.get((r["condition_id"].lower(), i))
            if int(r["index_set"]) >> i & 1 and m is not None:
                rows.append({**r, "condition_id": m["condition_id"], "outcome_index": 1,
                             "token_id": m["token_ids"][1], "usdc_size": 0})
    expanded = pa.Table.from_pylist(rows, schema=activity.schema)
    return pa.concat_tables([activity.filter(pc.invert(is_conv)), expanded])


class DataApi:
    def __init__(self, world: WorldFiles, limits: DataApiLimits | None = None,
                 now: Callable[[], int | None] | None = None) -> None:
        self.limits = limits or DataApiLimits()
        self.now = now or (lambda: None)  # the replay clock: rows after T are hidden
        self.exchanges = {a.lower() for a in (world.meta.get("exchanges") or {}).values()}
        fills = world.fills
        self.fills = _Rows(fills, "maker", "id")
        shares = np.where(fills.column("side").to_numpy() == 0,
                          fills.column("taker_amount_filled").to_numpy(),
                          fills.column("maker_amount_filled").to_numpy()).astype(np.int64)
        usdc = np.where(fills.column("side").to_numpy() == 0,
                        fills.column("maker_amount_filled").to_numpy(),
                        fills.column("taker_amount_filled").to_numpy()).astype(np.int64)
        self.fill_shares, self.fill_usdc = shares, usdc
        self.fill_side = fills.column("side").to_numpy()
        self.fill_cond = string_column("String", pc.utf8_lower(fills.column("condition_id")))
        taker = pc.utf8_lower(fills.column("taker"))
        self.fill_taker_is_exchange = pc.is_in(
            taker, value_set=pa.array(sorted(self.exchanges), pa.string())).to_numpy(
            zero_copy_only=False)
        act = per_question_conversions(world.activity, world.markets)
        self.acts = _Rows(act, "wallet", "transaction_hash")
        self.act_size = act.column("size").to_numpy(zero_copy_only=False).astype(np.int64)
        self.act_usdc = act.column("usdc_size").to_numpy(zero_copy_only=False).astype(np.int64)
        self.act_type = np.array(act.column("type").to_pylist(), dtype=object)
        self.markets: dict[str, dict] = {}  # token id -> market facts
        events = {str(e["id"]): e for e in world.events}
        for m in world.markets:
            ev = events.get(str(m["event_id"]), {})
            for i, token in enumerate(m["token_ids"]):
                self.markets[str(token)] = {
                    "conditionId": m["condition_id"], "outcomeIndex": i,
                    "outcome": m["outcomes"][i], "title": m["question"], "slug": m["slug"],
                    "eventSlug": ev.get("slug", ""), "icon": ""}
        self.cond_info = {m["condition_id"].lower(): m for m in world.markets}
        self.ts_desc = np.argsort(-self.fills.ts, kind="stable")
        self.neg_ts_desc = -self.fills.ts[self.ts_desc]  # ascending, for the clock's cutoff
        self.boards = Boards(world, self.limits, self.now)

    # ------------------------------------------------------------------ rendering

    def _trade_rows(self, rows: np.ndarray, wallet_of: list[str] | None = None) -> list[dict]:
        if len(rows) == 0:
            return []
        F = self.fills
        wallets = wallet_of or F.values("maker", rows)
        tokens, txs = F.values("token_id", rows), F.values("transaction_hash", rows)
        out = []
        for k, r in enumerate(rows.tolist()):
            shares, usdc = int(self.fill_shares[r]), int(self.fill_usdc[r])
            info = self.markets.get(str(tokens[k]), {})
            out.append({
                "proxyWallet": wallets[k].lower(), "timestamp": int(F.ts[r]),
                "conditionId": info.get("conditionId", ""), "type": "TRADE",
                "size": shares / 1e6, "usdcSize": usdc / 1e6, "transactionHash": txs[k],
                "price": (usdc / shares) if shares else 0.0, "asset": str(tokens[k]),
                "side": "BUY" if self.fill_side[r] == 0 else "SELL",
                "outcomeIndex": info.get("outcomeIndex"), "outcome": info.get("outcome", ""),
                "title": info.get("title", ""), "slug": info.get("slug", ""), "icon": "",
                "eventSlug": info.get("eventSlug", ""), **_PROFILE})
        return out

    def _activity_rows(self, rows: np.ndarray) -> list[dict]:
        if len(rows) == 0:
            return []
        A = self.acts
        cols = {c: A.values(c, rows) for c in ("wallet", "condition_id", "token_id",
                                               "outcome_index", "transaction_hash")}
        out = []
        for k, r in enumerate(rows.tolist()):
            m = self.cond_info.get((cols["condition_id"][k] or "").lower(), {})
            idx = cols["outcome_index"][k]
            ev_slug = self.markets.get(str(cols["token_id"][k]), {}).get("eventSlug", "")
            out.append({
                "proxyWallet": cols["wallet"][k].lower(), "timestamp": int(A.ts[r]),
                "conditionId": cols["condition_id"][k] or "", "type": str(self.act_type[r]),
                "size": int(self.act_size[r]) / 1e6, "usdcSize": int(self.act_usdc[r]) / 1e6,
                "transactionHash": cols["transaction_hash"][k], "price": 0,
                "asset": str(cols["token_id"][k] or ""), "side": "",
                "outcomeIndex": 999 if idx is None else int(idx),
                "outcome": (m.get("outcomes") or ["", ""])[idx] if idx is not None and m else "",
                "title": m.get("question", ""), "slug": m.get("slug", ""), "icon": "",
                "eventSlug": ev_slug, **_PROFILE})
        return out

    # ------------------------------------------------------------------ endpoints

    def activity(self, q) -> list[dict]:
        user = _user(q, required=True)
        types = _csv_upper(q.get("type")) or set(ACTIVITY_TYPES)
        start, end = _opt_int(q, "start"), _end_at(_opt_int(q, "end"), self.now())
        limit = min(_opt_int(q, "limit") or DEFAULT_ACTIVITY_LIMIT, self.limits.max_activity_limit)
        offset = _opt_int(q, "offset") or 0
        if offset > self.limits.max_activity_offset:
            raise BadRequest(
                f"max historical activity offset of {self.limits.max_activity_offset} exceeded")
        sort_by = (q.get("sortBy") or "TIMESTAMP").upper()
        desc = (q.get("sortDirection") or "DESC").upper() != "ASC"
        if sort_by not in ("TIMESTAMP", "TOKENS", "CASH"):
            raise BadRequest(f"invalid sortBy: {q.get('sortBy')}")
        markets = {c.lower() for c in (q.get("market") or "").split(",") if c}
        side = (q.get("side") or "").upper()
        trade = self.fills.wallet_rows(user, start, end) if "TRADE" in types else np.empty(0, int)
        if markets:
            trade = trade[np.isin(self.fill_cond.codes[trade], _codes(self.fill_cond, markets))]
        if side in ("BUY", "SELL"):
            trade = trade[self.fill_side[trade] == (0 if side == "BUY" else 1)]
        other = self.acts.wallet_rows(user, start, end)
        if len(other):
            other = other[np.isin(self.act_type[other], list(types - {"TRADE"}))]
        if markets and len(other):
            conds = np.array([(c or "").lower() for c in self.acts.values("condition_id", other)])
            other = other[np.isin(conds, list(markets))]
        if side in ("BUY", "SELL"):
            other = other[:0]
        # one merged ordering over both sources: (sort value, timestamp, source, tie-break)
        kind = np.concatenate([np.zeros(len(trade), np.int64), np.ones(len(other), np.int64)])
        ts = np.concatenate([self.fills.ts[trade], self.acts.ts[other]])
        tb = np.concatenate([self.fills.tiebreak[trade], self.acts.tiebreak[other]])
        primary = {
            "TIMESTAMP": ts,
            "TOKENS": np.concatenate([self.fill_shares[trade], self.act_size[other]]),
            "CASH": np.concatenate([self.fill_usdc[trade], self.act_usdc[other]]),
        }[sort_by]
        order = np.lexsort((tb, kind, ts, primary))
        if desc:
            order = order[::-1]
        page = order[offset:offset + limit]
        idx = np.concatenate([trade, other])[page]
        is_trade = kind[page] == 0
        rendered = iter(self._trade_rows(idx[is_trade]))
        other_rendered = iter(self._activity_rows(idx[~is_trade]))
        return [next(rendered) if t else next(other_rendered) for t in is_trade.tolist()]

    def trades(self, q) -> list[dict]:
        user = _user(q, required=False)
        limit = min(_opt_int(q, "limit") or DEFAULT_ACTIVITY_LIMIT, self.limits.max_trades_limit)
        offset = _opt_int(q, "offset") or 0
        if offset > self.limits.max_trades_offset:
            raise BadRequest(
                f"max historical trades offset of {self.limits.max_trades_offset} exceeded")
        taker_only = (q.get("takerOnly") or "true").lower() != "false"
        markets = {c.lower() for c in (q.get("market") or "").split(",") if c}
        side = (q.get("side") or "").upper()
        # a user's rows newest first, else every fill newest first
        at = self.now()
        if user:
            rows = self.fills.wallet_rows(user, None, at)[::-1]
        elif at is None:
            rows = self.ts_desc
        else:
            rows = self.ts_desc[int(np.searchsorted(self.neg_ts_desc, -at, "left")):]
        if markets:
            rows = rows[np.isin(self.fill_cond.codes[rows], _codes(self.fill_cond, markets))]
        if taker_only:
            rows = rows[self.fill_taker_is_exchange[rows]]
        if side in ("BUY", "SELL"):
            rows = rows[self.fill_side[rows] == (0 if side == "BUY" else 1)]
        out = []
        for row in self._trade_rows(rows[offset:offset + limit]):
            for k in ("type", "usdcSize"):
                row.pop(k)
            out.append(row)
        return out


def _end_at(end: int | None, at: int | None) -> int | None:
    """A request's `end` bound combined with the clock's T."""
    return at if end is None else end if at is None else min(end, at)


def _codes(col, values: set[str]) -> np.ndarray:
    return np.array([lo for lo, hi in (col.lookup(v) for v in values) if hi > lo], np.int64)


def _user(q, *, required: bool) -> str | None:
    user = q.get("user")
    if not user:
        if required:
            raise BadRequest("required query param 'user' not provided")
        return None
    user = user.strip().lower()
    if len(user) != 42 or not user.startswith("0x"):
        raise BadRequest(f"invalid user address: {q.get('user')}")
    return user




def _csv_upper(raw: str | None) -> set[str]:
    return {p.strip().upper() for p in (raw or "").split(",") if p.strip()}


def routes(api: DataApi) -> list[web.RouteDef]:
    def wrap(fn):
        async def handler(request: web.Request) -> web.Response:
            try:
                body: Any = fn(request.query)
                status = 200
            except BadRequest as e:
                body, status = {"error": str(e)}, 400
            return web.Response(text=json.dumps(body, separators=(",", ":")), status=status,
                                content_type="application/json")
        return handler

    return [web.get("/activity", wrap(api.activity), name="data.activity"),
            web.get("/trades", wrap(api.trades), name="data.trades"),
            web.get("/v1/leaderboard", wrap(api.boards.leaderboard), name="data.leaderboard"),
            web.get("/holders", wrap(api.boards.holders), name="data.holders")]
