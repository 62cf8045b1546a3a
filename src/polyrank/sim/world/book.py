"""The ledger run over a whole world, one self-contained batch of events at a time.

Positions and bets of a batch are returned to the caller (to be written out); only compact
numeric columns are kept for the final wallet metrics, so a world of millions of fills fits
in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from polyrank.sim.world.categories import CATEGORY_CODE
from polyrank.sim.world.equity import FlowArrays, TokenArrays
from polyrank.sim.world.ledger import (
    BetRow,
    LedgerConfig,
    MarketInfo,
    PositionRow,
    compute_bets,
    compute_positions,
    curve_flows,
    decode_activities,
    decode_fills,
    fee_value_usdc,
    latest_prices,
    token_index,
)
from polyrank.sim.world.metrics import (
    BetArrays,
    FillArrays,
    PositionArrays,
    iter_wallet_metrics,
)
from polyrank.sim.world.skill import role_of
from polyrank.sim.world.specialists import FIELDS as SPECIALIST_FIELDS
from polyrank.sim.world.specialists import compute_specialists

METRICS_CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class LedgerResult:
    wallet_metrics: dict[str, list]
    specialists: dict[str, list]
    summary: dict


class _Columns:
    """Append-only numeric columns, concatenated on demand."""

    def __init__(self, dtypes: Mapping[str, str]) -> None:
        self.dtypes = dict(dtypes)
        self.parts: dict[str, list[np.ndarray]] = {name: [] for name in dtypes}

    def add(self, **columns: Sequence) -> None:
        for name, values in columns.items():
            self.parts[name].append(np.asarray(values, dtype=self.dtypes[name]))

    def get(self, name: str) -> np.ndarray:
        """The whole column (its parts are replaced by it, so memory is not doubled)."""
        parts = self.parts[name]
        if not parts:
            return np.empty(0, dtype=self.dtypes[name])
        if len(parts) > 1:
            parts[:] = [np.concatenate(parts)]
        return parts[0]


class LedgerBook:
    """Feed it complete events (`add`), then `finish`."""

    def __init__(self, config: LedgerConfig | None = None) -> None:
        self.config = config or LedgerConfig()
        self.wallet_index: dict[str, int] = {}
        self.market_index: dict[str, int] = {}
        self.token_index: dict[str, int] = {}
        self.bet_index: dict[str, int] = {}
        self.event_index: dict[str, int] = {}
        self.bets = _Columns({"wallet": "int32", "category": "int8", "pnl": "float64",
                              "cost": "float64", "closed": "bool", "closed_ts": "int64",
                              "pnl_polymarket": "float64", "pnl_fee_effect": "float64",
                              "pnl_unredeemed": "float64", "shares_bought": "float64",
                              "event": "int32"})
        self.fills = _Columns({"wallet": "int32", "category": "int8", "timestamp": "int64",
                               "usdc": "float64", "market": "int32", "token": "int32",
                               "price": "float64", "is_buy": "bool", "role": "int8",
                               "bet": "int32", "outcome": "int8", "seq": "int64"})
        # the daily equity curve's inputs (rules 30-31)
        self.flows = _Columns({"wallet": "int32", "token": "int32", "timestamp": "int64",
                               "shares": "int64", "cash": "float64"})
        self.tokens = _Columns({"category": "int8", "payout": "float64",
                                "resolved_ts": "int64"})
        self.positions = _Columns({"wallet": "int32", "category": "int8", "realized": "float64",
                                   "unrealized": "float64", "incomplete": "bool",
                                   "pnl_polymarket": "float64", "pnl_fee_effect": "float64",
                                   "pnl_unredeemed": "float64"})
        self.totals = {
            "fills": 0, "fills_resolved": 0, "positions": 0, "positions_open": 0, "bets": 0,
            "bets_closed": 0, "incomplete_positions": 0, "fees_usdc": 0.0, "fee_shares": 0.0,
            "fees_usdc_value": 0.0, "fees_usdc_value_open": 0.0, "sum_realized_resolved": 0.0,
            "sum_realized_all": 0.0, "sum_unrealized": 0.0,
        }
        self.as_of: int | None = None
        self.fills_seen = 0

    def _wallet(self, address: str) -> int:
        idx = self.wallet_index.get(address)
        if idx is None:
            idx = self.wallet_index[address] = len(self.wallet_index)
        return idx

    def add(self, fills: Mapping[str, Sequence], markets: Sequence[MarketInfo],
            activity: Mapping[str, Sequence] | None = None
            ) -> tuple[list[PositionRow], list[BetRow]]:
        """Book every fill row of `markets` (all of them: histories must be complete) and
        their activity rows (splits, merges, conversions, redemptions)."""
        tokens = token_index(markets)
        trades = decode_fills(fills)
        activities = decode_activities(activity)
        positions = compute_positions(trades, tokens, self.config, activities)
        bets = compute_bets(positions)
        for m in markets:
            self.market_index.setdefault(m.condition_id, len(self.market_index))
            self.bet_index.setdefault(m.bet_key, len(self.bet_index))
            self._add_tokens(m)
        if trades:
            latest = max(t.timestamp for t in trades)
            self.as_of = latest if self.as_of is None else max(self.as_of, latest)
        self.fills.add(
            wallet=[self._wallet(t.wallet) for t in trades],
            category=[CATEGORY_CODE[tokens[t.token_id][0].category] for t in trades],
            timestamp=[t.timestamp for t in trades],
            usdc=[t.usdc / 1e6 for t in trades],
            market=[self.market_index[tokens[t.token_id][0].condition_id] for t in trades],
            token=[self.token_index[t.token_id] for t in trades],
            price=[t.usdc / t.shares for t in trades],
            is_buy=[t.is_buy for t in trades],
            role=[role_of(taker) for taker in fills.get("taker", [""] * len(trades))],
            bet=[self.bet_index[tokens[t.token_id][0].bet_key] for t in trades],
            outcome=[tokens[t.token_id][1] for t in trades],
            seq=self._sequence(trades),
        )
        self.positions.add(
            wallet=[self._wallet(p.wallet) for p in positions],
            category=[CATEGORY_CODE[p.category] for p in positions],
            realized=[p.realized for p in positions],
            unrealized=[p.unrealized for p in positions],
            incomplete=[p.unmatched_sell > 0 for p in positions],
            pnl_polymarket=[p.pnl_polymarket for p in positions],
            pnl_fee_effect=[p.pnl_fee_effect for p in positions],
            pnl_unredeemed=[p.pnl_unredeemed for p in positions],
        )
        self.bets.add(
            wallet=[self._wallet(b.wallet) for b in bets],
            category=[CATEGORY_CODE[b.category] for b in bets],
            pnl=[b.pnl for b in bets], cost=[b.cost for b in bets],
            closed=[b.closed for b in bets],
            closed_ts=[-1 if b.closed_ts is None else b.closed_ts for b in bets],
            pnl_polymarket=[b.pnl_polymarket for b in bets],
            pnl_fee_effect=[b.pnl_fee_effect for b in bets],
            pnl_unredeemed=[b.pnl_unredeemed for b in bets],
            shares_bought=[b.shares_bought for b in bets],
            event=[self.event_index.setdefault(b.event_id, len(self.event_index))
                   for b in bets],
        )
        flows = curve_flows(trades, activities, tokens)
        self.flows.add(
            wallet=[self._wallet(f[0]) for f in flows],
            token=[self.token_index[f[1]] for f in flows],
            timestamp=[f[2] for f in flows], shares=[f[3] for f in flows],
            cash=[f[4] for f in flows],
        )
        self._add_totals(trades, tokens, positions, bets)
        return positions, bets

    def _add_tokens(self, market: MarketInfo) -> None:
        new = [(i, tok) for i, tok in enumerate(market.token_ids)
               if tok not in self.token_index]
        for _, tok in new:
            self.token_index[tok] = len(self.token_index)
        resolved = market.payouts is not None and market.resolved_ts is not None
        self.tokens.add(
            category=[CATEGORY_CODE[market.category]] * len(new),
            payout=[market.payouts[i] if resolved else np.nan  # type: ignore[index]
                    for i, _ in new],
            resolved_ts=[market.resolved_ts if resolved else -1] * len(new),
        )

    def _sequence(self, trades: Sequence) -> list[int]:
        """Each fill's place among this batch's fills by (timestamp, id), after every earlier
        batch's: a token's fills are all in one batch, so it orders them (rule 31)."""
        base = self.fills_seen
        order = sorted(range(len(trades)), key=lambda i: (trades[i].timestamp,
                                                          trades[i].fill_id))
        seq = [0] * len(trades)
        for rank, i in enumerate(order):
            seq[i] = base + rank
        self.fills_seen += len(trades)
        return seq

    def _add_totals(self, trades, tokens, positions, bets) -> None:
        t = self.totals
        fee_resolved, fee_open = fee_value_usdc(trades, tokens, latest_prices(trades))
        t["fills"] += len(trades)
        t["fills_resolved"] += sum(1 for tr in trades if tokens[tr.token_id][0].payouts is not None)
        t["fees_usdc"] += sum(tr.fee_usdc for tr in trades) / 1e6
        t["fee_shares"] += sum(tr.fee_shares for tr in trades) / 1e6
        t["fees_usdc_value"] += fee_resolved
        t["fees_usdc_value_open"] += fee_open
        resolved_conditions = {m.condition_id for m, _ in tokens.values() if m.payouts is not None}
        t["sum_realized_resolved"] += sum(p.realized for p in positions
                                          if p.condition_id in resolved_conditions)
        t["sum_realized_all"] += sum(p.realized for p in positions)
        t["sum_unrealized"] += sum(p.unrealized for p in positions)
        t["positions"] += len(positions)
        t["positions_open"] += sum(1 for p in positions if p.is_open)
        t["incomplete_positions"] += sum(1 for p in positions if p.unmatched_sell > 0)
        t["bets"] += len(bets)
        t["bets_closed"] += sum(1 for b in bets if b.closed)

    def finish(self, as_of: int | None = None,
               sink: Callable[[dict[str, list]], None] | None = None) -> LedgerResult:
        """Wallet metrics, specialists and the summary, with `as_of` (default: latest fill).

        With a `sink`, wallet metric rows are handed to it in column chunks instead of being
        kept in the result (a big world's metrics need not fit in memory as Python objects).
        """
        as_of = self.as_of if as_of is None else as_of
        if as_of is None:
            as_of = 0
        wallets = list(self.wallet_index)
        bets = BetArrays(**{n: self.bets.get(n) for n in self.bets.dtypes})
        fills = FillArrays(**{n: self.fills.get(n) for n in self.fills.dtypes})
        positions = PositionArrays(**{n: self.positions.get(n) for n in self.positions.dtypes})
        flows = FlowArrays(**{n: self.flows.get(n) for n in self.flows.dtypes})
        tokens = TokenArrays(**{n: self.tokens.get(n) for n in self.tokens.dtypes})
        lifetime_name = self.config.windows[-1][0]
        lifetime: dict[str, list] = {k: [] for k in SPECIALIST_FIELDS}
        metrics: dict[str, list] = {}
        for row in iter_wallet_metrics(wallets, bets, fills, positions, as_of, self.config,
                                       flows, tokens):
            if row["window"] == lifetime_name:
                for k in SPECIALIST_FIELDS:
                    lifetime[k].append(row[k])
            for col, value in row.items():
                metrics.setdefault(col, []).append(value)
            if sink is not None and len(metrics["wallet"]) >= METRICS_CHUNK_ROWS:
                sink(metrics)
                metrics = {}
        if sink is not None and metrics:
            sink(metrics)
            metrics = {}
        specialists = compute_specialists(lifetime, self.config)
        summary = dict(self.totals)
        summary["as_of_ts"] = as_of
        summary["wallets"] = len(wallets)
        summary["invariant_gap"] = summary["sum_realized_resolved"] + summary["fees_usdc_value"]
        summary["specialists"] = sum(specialists.get("is_specialist", []))
        summary["config"] = {k: (list(map(list, v)) if k == "windows" else v)
                             for k, v in vars(self.config).items()}
        return LedgerResult(metrics, specialists, summary)
