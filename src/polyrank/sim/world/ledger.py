"""The ground-truth ledger: the reference implementation of docs/metrics.md §2-§3, for clarity.

It turns fill rows (the columns of fills.parquet) and a market catalogue into positions and
bets. Wallet metrics (§4-§5) are in `polyrank.sim.world.metrics`, specialists (§7) in
`polyrank.sim.world.specialists`. The store's SQL must reproduce these numbers, so every
convention docs/metrics.md leaves open is fixed here:

Decoding (docs/protocols.md §1.5-§1.6, §5)
  1. A fill row belongs to its `maker`; `taker` is ignored (no double counting).
  2. `maker_asset_id == "0"`: BUY of token `taker_asset_id`, shares = `taker_amount_filled`,
     usdc = `maker_amount_filled`. Otherwise SELL of token `maker_asset_id`,
     shares = `maker_amount_filled`, usdc = `taker_amount_filled`. Integers / 1e6.
     price = usdc / shares (gross, before fees).
  3. Fees. V1 BUY: the fee is in shares, received = shares - fee, paid = usdc.
     V1 SELL: the fee is in USDC, proceeds = usdc - fee.
     V2 BUY (`version == 2`): the fee is USDC paid on top, received = shares,
     paid = usdc + fee, so V2 buy fees enter `cost` and `avg_price`.
     V2 SELL: proceeds = usdc - fee.
Positions (wallet x token)
  4. Fills are applied per (wallet, token) in (timestamp, id) order; ids compare as strings.
  5. `amount`, `bought` and `unmatched_sell` are tracked in integer micro-shares (exact);
     `avg_price`, `realized` in float64; `cost` = Σ paid (USDC, incl. V2 buy fees).
     BUY: avg_price <- (avg_price*amount + paid) / (amount + received); when amount + received
     is 0 the avg_price is left unchanged. SELL: a = min(shares, amount);
     realized += a * (proceeds/shares - avg_price); unmatched_sell += shares - a.
  6. Resolution is applied after all fills of the token: realized += amount * (payout -
     avg_price); amount <- 0. payout[i] = numerator[i] / denominator. A market is resolved
     when its payout vector is known.
  7. Activities (activity.parquet) are folded with the fills, per wallet in (timestamp, id)
     order (an activity's id is `<its own tx hash>_<n>`, so it never ties with a fill):
     SPLIT of n: BUY n of each outcome paying n / 2 (micro USDC) each; MERGE of n: SELL n of
     each outcome for n / 2 each. CONVERSION of n in a neg-risk market of q questions with
     index set S (k = |S|): each NO position of S sells n at its own average price (amount
     -= min(n, amount), the rest unmatched; no P&L); no_price = (the sum of those average
     prices just before, in question order, 0 for a position never held) / k; when k < q each
     other question's YES position buys n paying n * yes_price, yes_price =
     (no_price * k - (k - 1)) / (q - k). A whole set (k = q) has no YES to carry the USDC
     it returns, n * (k - 1): there our NO legs sell for it, proceeds n * (k - 1) / k each
     (P&L realized), while Polymarket's convention still sells at the average (no P&L, the
     pnl-subgraph's rule). Activities are no fills (`fills` counts fills) but
     are the position's events (rule 8's last event).
     REDEEM rows change no position: a redeem after resolution is a no-op for P&L and is not
     a sell (never counted in unmatched_sell).
     Polymarket's convention (docs/metrics.md §4.5) is booked beside: the same fills with fees
     ignored (received = shares, paid / proceeds = usdc) into a second Position; its
     settlement at resolution, amount * (payout - avg_price), counts in pnl_polymarket only
     when the wallet redeemed that condition (a REDEEM row), else in pnl_unredeemed;
     pnl_fee_effect = realized - (fee-less realized + that settlement).
  8. closed_ts: when the amount after the position's last event is <= dust, the timestamp of
     that last event (even if the market resolved later); else the market's resolution time
     when resolved; else None. is_open = not resolved and amount > dust.
  9. mark = price of the token's latest fill row by (timestamp, id), across all wallets;
     None for a token never traded (held from splits or conversions only).
     unrealized = amount * (mark - avg_price) for open positions with a mark, else 0
     (resolved positions and dust remnants carry no unrealized P&L).
Bets
 10. bet_key = neg_risk_market_id for neg-risk markets, else the condition id. A bet's category
     is its event's category (docs/metrics.md §6). P_b = Σ realized, C_b = Σ cost over its
     positions; closed when every position is closed; closed_ts = max position closed_ts.
 10b. shares_bought Q_b = Σ bought over its positions (in shares, each position's micro-shares
     / 1e6, summed in token order); event_id = the Gamma event id of its markets
     (`MarketInfo.event_id`), or the bet_key itself for a market without one (a token the
     catalogue does not know). Skill, risk and behaviour: rules 28-39
     (`polyrank.sim.world.skill`, `polyrank.sim.world.equity`).
Fees (summary figures)
 11. A fee valued in USDC: USDC fees as they are; share fees (V1 buys) times the payout of
     the token when resolved, else times its mark.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

# the tunables of docs/metrics.md live with the metrics (shared by this ledger and the SQL)
from polyrank.metrics.config import MetricsConfig as LedgerConfig

MICRO = 1_000_000



@dataclass(frozen=True)
class MarketInfo:
    """What the ledger needs to know about one condition."""

    condition_id: str
    token_ids: tuple[str, ...]
    bet_key: str
    category: str
    payouts: tuple[float, ...] | None = None  # None while unresolved
    resolved_ts: int | None = None
    question: int | None = None  # a neg-risk market's question index
    event_id: str | None = None  # its Gamma event (rule 10b)


def token_index(markets: Sequence[MarketInfo]) -> dict[str, tuple[MarketInfo, int]]:
    """token id -> (market, outcome index)."""
    return {tok: (m, i) for m in markets for i, tok in enumerate(m.token_ids)}


class Trade(NamedTuple):
    """One decoded fill row, from its maker's point of view (amounts in micro units)."""

    wallet: str
    token_id: str
    timestamp: int
    fill_id: str
    is_buy: bool
    shares: int  # gross shares traded
    usdc: int  # gross USDC traded, before fees
    received: int  # BUY: shares received
    cash: int  # BUY: USDC paid; SELL: USDC received (net of fees)
    fee_usdc: int  # fee paid in USDC
    fee_shares: int  # fee paid in shares (V1 buys)


class Activity(NamedTuple):
    """One activity.parquet row (amounts in micro units)."""

    wallet: str
    kind: str  # SPLIT | MERGE | CONVERSION | REDEEM
    timestamp: int
    id: str
    condition_id: str  # a conversion: its neg-risk market id
    amount: int
    index_set: int = 0
    question_count: int = 0


def decode_activities(activity: Mapping[str, Sequence] | None) -> list[Activity]:
    """The rows of a columnar activity table (activity.parquet column names)."""
    if not activity or not len(activity.get("wallet", ())):
        return []
    cols = [activity[c] for c in ("wallet", "type", "timestamp", "id", "condition_id", "size",
                                  "index_set", "question_count")]
    return [Activity(w, k, int(ts), i, c.lower(), int(n), int(s or 0), int(q or 0))
            for w, k, ts, i, c, n, s, q in zip(*cols, strict=True)]


def decode_fill(maker: str, maker_asset_id: str, taker_asset_id: str, maker_amount: int,
                taker_amount: int, fee: int, version: int, timestamp: int = 0,
                fill_id: str = "") -> Trade:
    """Decode one fill row (rules 1-3)."""
    if maker_asset_id == "0":
        shares, usdc = taker_amount, maker_amount
        if version == 2:
            return Trade(maker, taker_asset_id, timestamp, fill_id, True, shares, usdc,
                         shares, usdc + fee, fee, 0)
        return Trade(maker, taker_asset_id, timestamp, fill_id, True, shares, usdc,
                     shares - fee, usdc, 0, fee)
    shares, usdc = maker_amount, taker_amount
    return Trade(maker, maker_asset_id, timestamp, fill_id, False, shares, usdc, 0, usdc - fee,
                 fee, 0)


@dataclass
class Position:
    """Average-cost state of one wallet x token (rule 5). Amounts in micro-shares/micro-USDC."""

    amount: int = 0
    avg_price: float = 0.0
    realized: float = 0.0
    cost: int = 0
    bought: int = 0
    unmatched_sell: int = 0
    fills: int = 0
    last_ts: int | None = None
    resolved: bool = False

    def buy(self, received: int, paid: int) -> None:
        total = self.amount + received
        if total > 0:
            self.avg_price = (self.avg_price * self.amount + paid) / total
        self.amount = total
        self.cost += paid
        self.bought += received

    def sell(self, shares: int, proceeds: int) -> None:
        sold = min(shares, self.amount)
        if shares > 0:
            self.realized += sold * (proceeds / shares - self.avg_price) / MICRO
        self.amount -= sold
        self.unmatched_sell += shares - sold

    def resolve(self, payout: float) -> None:
        self.realized += self.amount * (payout - self.avg_price) / MICRO
        self.amount = 0
        self.resolved = True

    def redeem(self, shares: int, payout: float) -> None:
        """A redeem after resolution: a no-op for P&L (rule 7)."""
        if not self.resolved:
            self.sell(shares, round(shares * payout))

    def sell_at_average(self, shares: int) -> None:
        """A conversion's NO leg: sold at its own average price, so no P&L (rule 7)."""
        sold = min(shares, self.amount)
        self.amount -= sold
        self.unmatched_sell += shares - sold

    def apply(self, trade: Trade) -> None:
        if trade.is_buy:
            self.buy(trade.received, trade.cash)
        else:
            self.sell(trade.shares, trade.cash)
        self.fills += 1
        self.last_ts = trade.timestamp


@dataclass(frozen=True)
class PositionRow:
    """One row of positions.parquet (amounts in shares / USDC)."""

    wallet: str
    token_id: str
    condition_id: str
    bet_key: str
    category: str
    amount: float
    avg_price: float
    realized: float
    cost: float
    bought: float
    unmatched_sell: float
    fills: int
    is_open: bool
    closed_ts: int | None
    mark: float | None
    unrealized: float
    pnl_polymarket: float = 0.0
    pnl_fee_effect: float = 0.0
    pnl_unredeemed: float = 0.0
    event_id: str = ""  # not a positions.parquet column: carried to the bet (rule 10b)


@dataclass(frozen=True)
class BetRow:
    """One row of bets.parquet."""

    wallet: str
    bet_key: str
    category: str
    pnl: float
    cost: float
    closed: bool
    closed_ts: int | None
    positions: int = field(default=1)
    pnl_polymarket: float = 0.0
    pnl_fee_effect: float = 0.0
    pnl_unredeemed: float = 0.0
    shares_bought: float = 0.0
    event_id: str = ""


def decode_fills(fills: Mapping[str, Sequence]) -> list[Trade]:
    """Decode every row of a columnar fill table (fills.parquet column names)."""
    cols = [fills[c] for c in ("maker", "maker_asset_id", "taker_asset_id",
                               "maker_amount_filled", "taker_amount_filled", "fee", "version",
                               "timestamp", "id")]
    return [decode_fill(mk, ma, ta, int(mam), int(tam), int(fe), int(ve), int(ts), fid)
            for mk, ma, ta, mam, tam, fe, ve, ts, fid in zip(*cols, strict=True)]


def latest_prices(trades: Sequence[Trade]) -> dict[str, float]:
    """token -> price of its latest fill by (timestamp, id) (rule 9)."""
    best: dict[str, tuple[int, str, float]] = {}
    for t in trades:
        key = (t.timestamp, t.fill_id)
        cur = best.get(t.token_id)
        if cur is None or key > cur[:2]:
            best[t.token_id] = (t.timestamp, t.fill_id, t.usdc / t.shares)
    return {tok: v[2] for tok, v in best.items()}


def compute_positions(trades: Sequence[Trade], markets: Mapping[str, tuple[MarketInfo, int]],
                      config: LedgerConfig,
                      activities: Sequence[Activity] = ()) -> list[PositionRow]:
    """Positions of every wallet x token in `trades` and `activities`, which must be complete
    per token (rule 7). `markets` maps token id -> (market, outcome index), see
    `token_index`."""
    marks = latest_prices(trades)
    by_condition = {m.condition_id.lower(): m for m, _ in markets.values()}
    by_question = {(m.bet_key.lower(), m.question): m for m, _ in markets.values()
                   if m.question is not None}
    redeemed = {(a.wallet, a.condition_id) for a in activities if a.kind == "REDEEM"}
    events: dict[str, list[tuple[tuple[int, str], Trade | Activity]]] = {}
    for t in trades:
        events.setdefault(t.wallet, []).append(((t.timestamp, t.fill_id), t))
    for a in activities:
        if a.kind != "REDEEM":
            events.setdefault(a.wallet, []).append(((a.timestamp, a.id), a))
    books: dict[tuple[str, str], tuple[Position, Position]] = {}

    def book(wallet: str, token: str) -> tuple[Position, Position]:
        pair = books.get((wallet, token))
        if pair is None:
            pair = books[(wallet, token)] = (Position(), Position())
        return pair

    for wallet, evs in events.items():
        evs.sort(key=lambda e: e[0])
        for _, ev in evs:
            if isinstance(ev, Trade):
                pos, feeless = book(wallet, ev.token_id)
                pos.apply(ev)
                if ev.is_buy:
                    feeless.buy(ev.shares, ev.usdc)
                else:
                    feeless.sell(ev.shares, ev.usdc)
            else:
                _apply_activity(ev, book, by_condition, by_question)
    rows: list[PositionRow] = []
    for (wallet, token), (pos, feeless) in sorted(books.items()):
        market, outcome = markets[token]
        row = _close(wallet, token, pos, market, outcome, marks.get(token), config)
        rows.append(_with_polymarket(row, feeless, market, outcome,
                                     (wallet, market.condition_id.lower()) in redeemed))
    return rows


def _apply_activity(a: Activity, book, by_condition: Mapping[str, MarketInfo],
                    by_question: Mapping[tuple[str, int], MarketInfo]) -> None:
    """A split, merge or conversion on the wallet's positions (rule 7), in both conventions."""
    touched: list[Position] = []
    n = a.amount
    if a.kind in ("SPLIT", "MERGE"):
        for token in by_condition[a.condition_id].token_ids:
            for p in book(a.wallet, token):
                if a.kind == "SPLIT":
                    p.buy(n, n / 2)
                else:
                    p.sell(n, n / 2)
                touched.append(p)
    elif a.kind == "CONVERSION":
        q = a.question_count
        converted = [i for i in range(q) if a.index_set >> i & 1]
        k = len(converted)
        no_legs = [by_question.get((a.condition_id, i)) for i in converted]
        no_price = [0.0, 0.0]  # ours, fee-less
        for m in no_legs:
            if m is not None:
                for c, p in enumerate(book(a.wallet, m.token_ids[1])):
                    no_price[c] += p.avg_price
        no_price = [x / k for x in no_price]
        for m in no_legs:
            if m is not None:
                ours, feeless = book(a.wallet, m.token_ids[1])
                if k == q:  # a whole set: ours realizes the USDC, (k - 1) / k a share
                    ours.sell(n, n * (k - 1) / k)
                else:
                    ours.sell_at_average(n)
                feeless.sell_at_average(n)
                touched += (ours, feeless)
        if k < q:
            yes_price = [(x * k - (k - 1)) / (q - k) for x in no_price]
            for j in range(q):
                m = by_question.get((a.condition_id, j))
                if j not in converted and m is not None:
                    for c, p in enumerate(book(a.wallet, m.token_ids[0])):
                        p.buy(n, n * yes_price[c])
                        touched.append(p)
    else:
        raise ValueError(f"unknown activity type {a.kind!r}")
    for p in touched:
        p.last_ts = a.timestamp


def curve_flows(trades: Sequence[Trade], activities: Sequence[Activity],
                markets: Mapping[str, tuple[MarketInfo, int]]
                ) -> list[tuple[str, str, int, int, float]]:
    """The flows of the daily equity curve (rule 30 in `polyrank.sim.world.equity`):
    (wallet, token, timestamp, shares, cash) of every fill and activity leg (micro units)."""
    out: list[tuple[str, str, int, int, float]] = [
        (t.wallet, t.token_id, t.timestamp, t.received, -t.cash) if t.is_buy
        else (t.wallet, t.token_id, t.timestamp, -t.shares, t.cash) for t in trades]
    by_condition = {m.condition_id.lower(): m for m, _ in markets.values()}
    by_question = {(m.bet_key.lower(), m.question): m for m, _ in markets.values()
                   if m.question is not None}
    for a in activities:
        n = a.amount
        if a.kind in ("SPLIT", "MERGE"):
            sign = 1 if a.kind == "SPLIT" else -1
            for token in by_condition[a.condition_id].token_ids:
                out.append((a.wallet, token, a.timestamp, sign * n, -sign * n / 2))
        elif a.kind == "CONVERSION":
            q = a.question_count
            converted = [i for i in range(q) if a.index_set >> i & 1]
            k = len(converted)
            legs = [m for i in converted if (m := by_question.get((a.condition_id, i)))]
            for m in legs:
                cash = n * (k - 1) / k if k == q else n * (k - 1) / len(legs)
                out.append((a.wallet, m.token_ids[1], a.timestamp, -n, cash))
            if k < q:
                for j in range(q):
                    m = by_question.get((a.condition_id, j))
                    if j not in converted and m is not None:
                        out.append((a.wallet, m.token_ids[0], a.timestamp, n, 0.0))
    return out


def _with_polymarket(row: PositionRow, feeless: Position, market: MarketInfo, outcome: int,
                     redeemed: bool) -> PositionRow:
    """Polymarket's convention beside ours (rule 7)."""
    settled = 0.0
    if market.payouts is not None:
        settled = feeless.amount * (market.payouts[outcome] - feeless.avg_price) / MICRO
    return replace(row, pnl_polymarket=feeless.realized + (settled if redeemed else 0.0),
                   pnl_fee_effect=row.realized - (feeless.realized + settled),
                   pnl_unredeemed=0.0 if redeemed else settled)


def _close(wallet: str, token: str, pos: Position, market: MarketInfo, outcome: int,
           mark: float | None, config: LedgerConfig) -> PositionRow:
    """Apply resolution and closing rules 6, 8, 9 to a position after its last fill."""
    exited = pos.amount <= config.dust_micro
    if market.payouts is not None:
        pos.resolve(market.payouts[outcome])
    if exited:
        closed_ts = pos.last_ts
    elif market.payouts is not None:
        closed_ts = market.resolved_ts
    else:
        closed_ts = None
    is_open = closed_ts is None
    unrealized = (pos.amount * (mark - pos.avg_price) / MICRO
                  if is_open and mark is not None else 0.0)
    return PositionRow(
        wallet=wallet, token_id=token, condition_id=market.condition_id, bet_key=market.bet_key,
        category=market.category, amount=pos.amount / MICRO, avg_price=pos.avg_price,
        realized=pos.realized, cost=pos.cost / MICRO, bought=pos.bought / MICRO,
        unmatched_sell=pos.unmatched_sell / MICRO, fills=pos.fills, is_open=is_open,
        closed_ts=closed_ts, mark=mark, unrealized=unrealized,
        event_id=market.event_id or market.bet_key,
    )


def compute_bets(positions: Sequence[PositionRow]) -> list[BetRow]:
    """Group positions into bets by (wallet, bet_key) (rule 10)."""
    groups: dict[tuple[str, str], list[PositionRow]] = {}
    for p in positions:
        groups.setdefault((p.wallet, p.bet_key), []).append(p)
    bets = []
    for (wallet, key), ps in sorted(groups.items()):
        closed = all(p.closed_ts is not None for p in ps)
        bets.append(BetRow(
            wallet=wallet, bet_key=key, category=ps[0].category,
            pnl=sum(p.realized for p in ps), cost=sum(p.cost for p in ps), closed=closed,
            closed_ts=max(p.closed_ts for p in ps) if closed else None,  # type: ignore[type-var]
            positions=len(ps), pnl_polymarket=sum(p.pnl_polymarket for p in ps),
            pnl_fee_effect=sum(p.pnl_fee_effect for p in ps),
            pnl_unredeemed=sum(p.pnl_unredeemed for p in ps),
            shares_bought=sum(p.bought for p in ps), event_id=ps[0].event_id,
        ))
    return bets


def fee_value_usdc(trades: Sequence[Trade], markets: Mapping[str, tuple[MarketInfo, int]],
                   marks: Mapping[str, float]) -> tuple[float, float]:
    """(fees in resolved markets, fees in open markets), valued in USDC (rule 11)."""
    resolved = unresolved = 0.0
    for t in trades:
        market, outcome = markets[t.token_id]
        if market.payouts is not None:
            resolved += (t.fee_usdc + t.fee_shares * market.payouts[outcome]) / MICRO
        else:
            unresolved += (t.fee_usdc + t.fee_shares * marks[t.token_id]) / MICRO
    return resolved, unresolved
