"""Simulate the trading of one event: prices, taker decisions, matches, redemptions.

Prices are a Bayesian posterior, so they are calibrated (a 0.85 favourite wins 85% of the
time) and converge to the outcome: one of the event's outcomes is the winner, every outcome i
emits a noisy signal dY_i = mu*[i = winner]*dtau + dW_tau (information arriving faster
near the end: tau = (t/T)^2.5), and the YES price of outcome i is
P(winner = i | signals so far) ∝ prior_i * exp(mu * Y_i). Informed traders see the price some
steps ahead (or the outcome); everybody else trades on the current price and pays the spread.

Amounts are integers in micro units. Shares move in steps of 100 micro-shares and prices are
whole cents, so every USDC amount (shares * price) is exact and every match conserves USDC
and shares exactly.

Time: every match of an event has a second of its own, strictly after the previous one (the
ledger orders a wallet's fills by (timestamp, id), and ids are random), and the activities
around a match take the free seconds between it and the next (`_Clock`). A taker's turn is
a block of seconds: one second for an ordinary order; a high-frequency bot's burst is a
block of BURST_ORDERS orders BURST_GAP seconds apart (`action_times` lays the blocks out).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from polyrank.sim.world.catalogue import EventPlan
from polyrank.sim.world.categories import CATEGORY_CODE
from polyrank.sim.world.fees import SHARE_UNIT, taker_fee
from polyrank.sim.world.population import (
    CASUAL,
    FAVOURITE,
    GAMBLER,
    HF_BOT,
    INFORMED,
    MARKET_MAKER,
    SPECIALIST,
    WHALE,
    Population,
    sample,
)

STEPS = 200
#: Information arrives faster near the end: signal time tau = (step / STEPS) ** INFO_EXPONENT.
INFO_EXPONENT = 2.5
#: Steps of look-ahead of informed archetypes (a specialist in its specialty looks furthest).
LOOKAHEAD = {INFORMED: 12, WHALE: 12, SPECIALIST: 50}
#: Minimum expected edge (in price) before an informed trader buys; specialists in their
#: specialty act on smaller edges.
MARGIN, SPECIALIST_MARGIN = 0.04, 0.01
#: Median taker order notional (USDC) per archetype (in ARCHETYPES order); log-normal sizes
#: with sigma SIZE_SIGMA.
SIZE_USDC = (60.0, 120.0, 25.0, 80.0, 50.0, 4000.0, 20.0, 8.0, 250.0)
SIZE_SIGMA = 0.8
#: Book depth: the counterparties of one match commit at most this much USDC, so a long-shot
#: buy at 0.05 cannot make a maker mint the complement for $200k.
MAX_COUNTERPARTY_USDC = 10_000
#: Probability that a noise-like taker holding a position exits (fully, or half of it).
EXIT_PROB, HALF_EXIT_PROB = 0.3, 0.4
#: Distribution of the number of maker orders per match (1..4).
MAKER_COUNT_P = (0.5, 0.25, 0.15, 0.10)
#: When a maker could either sell inventory / merge, or mint / buy: how often it uses inventory.
USE_INVENTORY_PROB, MERGE_PROB = 0.8, 0.6
#: A market maker asked for an outcome it does not hold splits USDC into both outcomes
#: (a SPLIT, the second before the match) this often, rather than buying the complement;
#: it splits SPLIT_MULTIPLE times what it sells, keeping the rest as inventory to quote.
SPLIT_PROB, SPLIT_MULTIPLE = 0.25, 3
#: After a match, a market maker holding both outcomes of the market merges the pairs back
#: into USDC (a MERGE, the second after) this often.
MERGE_BACK_PROB = 0.12
#: After a match in a neg-risk event, a wallet holding NO tokens converts them (a CONVERSION:
#: k NO -> YES of the other questions + USDC (k - 1) per set): takers that just bought NO
#: this often, market makers this often.
CONVERT_PROB, MM_CONVERT_PROB = 0.2, 0.03
#: A high-frequency bot's burst: this many orders (uniform, inclusive; at most the event's
#: actions), in one market, each this many seconds (uniform, inclusive) after the previous.
BURST_ORDERS, BURST_GAP = (6, 24), (2, 20)
#: Gamblers buy the cheap side of a market whose mid price of that side is within these
#: cents (long shots, paid 0.05-0.15), favourites the dear side of a market whose cheap side
#: is within FAVOURITE_CENTS (paid 0.81-0.98). Neither trades at the clipped ends of a
#: converged price: a mid of 2 cents (98) may stand for a chance of 0.01% (99.99%), so a
#: favourite paying 0.99 for it would have a small, steady, real edge and look skilled.
LONG_SHOT_CENTS, FAVOURITE_CENTS = (4, 14), (3, 20)
REDEEM_DELAY_MEAN = 3 * 86400
#: Holders of only losing outcomes redeem them too (for nothing) this often.
LOSER_REDEEM_SHARE = 0.25
UNIT = SHARE_UNIT  # micro-shares: the granularity of every share amount


@dataclass
class EventTrades:
    """Numeric fill rows of one event (one transaction per match), plus its outcome."""

    tx_ts: list[int] = field(default_factory=list)
    tx_version: list[int] = field(default_factory=list)
    row_tx: list[int] = field(default_factory=list)
    row_maker: list[int] = field(default_factory=list)
    row_taker: list[int] = field(default_factory=list)  # -1: the exchange (taker order's row)
    row_market: list[int] = field(default_factory=list)  # index within the event
    row_outcome: list[int] = field(default_factory=list)
    row_side: list[int] = field(default_factory=list)  # 0 BUY, 1 SELL
    row_shares: list[int] = field(default_factory=list)
    row_usdc: list[int] = field(default_factory=list)
    row_fee: list[int] = field(default_factory=list)
    #: (wallet, timestamp, market, outcome, size, usdc, redeem tx number)
    redeems: list[tuple[int, int, int, int, int, int, int]] = field(default_factory=list)
    #: splits, merges and conversions, each its own transaction, in time order:
    #: (type, wallet, timestamp, market (-1: a conversion), amount, usdc, index set)
    actions: list[tuple[str, int, int, int, int, int, int]] = field(default_factory=list)
    payouts: list[tuple[list[int], int] | None] = field(default_factory=list)
    last_price: list[list[int | None]] = field(default_factory=list)  # per market, outcome: pm
    final_yes: list[float] = field(default_factory=list)  # posterior at the world's end
    volume: list[int] = field(default_factory=list)
    skipped: int = 0


def price_paths(rng: np.random.Generator, ev: EventPlan) -> tuple[np.ndarray, int]:
    """(YES price of every market at steps 0..STEPS, winner outcome or -1 for a 50/50)."""
    n_markets = len(ev.markets)
    n_out = 2 if n_markets == 1 else n_markets
    if n_markets == 1:
        p0 = rng.uniform(0.1, 0.9)
        prior = np.array([p0, 1 - p0])
    else:
        prior = rng.dirichlet(np.full(n_out, 0.9))
        prior = np.clip(prior, 0.01, None)
        prior /= prior.sum()
    winner = -1 if (ev.void and n_markets == 1) else int(rng.choice(n_out, p=prior))
    mu = np.sqrt(rng.uniform(8.0, 25.0))
    dtau = np.diff((np.arange(STEPS + 1) / STEPS) ** INFO_EXPONENT)
    inc = rng.standard_normal((n_out, STEPS)) * np.sqrt(dtau)
    if winner >= 0:
        inc[winner] += mu * dtau
    y = np.concatenate([np.zeros((n_out, 1)), np.cumsum(inc, axis=1)], axis=1)
    logits = np.log(prior)[:, None] + mu * y
    logits -= logits.max(axis=0, keepdims=True)
    post = np.exp(logits)
    post /= post.sum(axis=0, keepdims=True)
    return (post[:1] if n_markets == 1 else post), winner


def payouts_of(ev: EventPlan, winner: int) -> list[tuple[list[int], int] | None]:
    if not ev.resolved:
        return [None] * len(ev.markets)
    if len(ev.markets) == 1:
        return [([1, 1], 2) if winner < 0 else ([1, 0] if winner == 0 else [0, 1], 1)]
    return [([1, 0] if m == winner else [0, 1], 1) for m in range(len(ev.markets))]


def action_times(rng: np.random.Generator, ev: EventPlan, n: int,
                 durations: np.ndarray | None = None) -> np.ndarray:
    """Start times of n blocks of seconds within [start, trade_end]: block i takes
    `durations[i]` seconds (default 1) and starts after block i - 1 has ended. Needs
    sum(durations) <= span + 1.

    Sorted draws from [0, span - D + 1] (D = sum of durations) plus the durations of the
    blocks before are strictly increasing, leave every block its seconds and end at span at
    most. With force_last the last block ends at trade_end (a one-second one starts there).
    """
    span = ev.trade_end - ev.start_ts
    if durations is None:
        durations = np.ones(n, dtype=np.int64)
    total = int(durations.sum())
    draws = np.sort(rng.integers(0, span - total + 2, size=n))
    ts = ev.start_ts + draws + np.concatenate([[0], np.cumsum(durations[:-1])]).astype(np.int64)
    if ev.force_last and n:
        ts[-1] = ev.trade_end - int(durations[-1]) + 1
    return ts


def _turns(rng: np.random.Generator, ev: EventPlan, pop: Population, code: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """(taker of each turn, orders in each turn): the event's drawn takers, casual wallets and
    specialists, in random order. A high-frequency bot's turn is a burst of several orders;
    the drawn turns are cut so that the event still has about `ev.actions` drawn orders."""
    drawn = sample(pop.taker_cum[code], rng.random(ev.actions))
    burst = rng.integers(BURST_ORDERS[0], BURST_ORDERS[1] + 1, size=ev.actions)
    orders = np.where(pop.archetype[drawn] == HF_BOT, np.minimum(burst, ev.actions), 1)
    keep = max(1, int(np.searchsorted(np.cumsum(orders), ev.actions, side="right")))
    drawn, orders = drawn[:keep], orders[:keep]
    casuals = pop.casual_events.get(ev.index, [])
    n_casual_actions = [1 + int(rng.random() < 0.3) for _ in casuals]
    specs = pop.specialists_by_category[code]
    specs = specs[rng.random(specs.size) < pop.specialist_participation[code]]
    n_spec_actions = rng.integers(2, 5, size=specs.size)
    takers = np.concatenate([
        drawn,
        np.repeat(np.array(casuals, dtype=np.int64), n_casual_actions),
        np.repeat(specs, n_spec_actions),
    ]).astype(np.int64)
    orders = np.concatenate([orders, np.ones(takers.size - drawn.size, dtype=np.int64)])
    perm = rng.permutation(takers.size)
    takers, orders = takers[perm], orders[perm].astype(np.int64)
    if ev.force_last and takers.size:
        # the world's last trade must happen: give it to a single order of a taker that
        # trades at any price (not a favourite or a gambler, who would skip it)
        ok = np.flatnonzero((orders == 1) & ~np.isin(pop.archetype[takers], (FAVOURITE, GAMBLER)))
        if ok.size:
            last = takers.size - 1
            takers[[ok[-1], last]] = takers[[last, ok[-1]]]
            orders[[ok[-1], last]] = orders[[last, ok[-1]]]
    return takers, orders


def _order_times(rng: np.random.Generator, ev: EventPlan, orders: np.ndarray) -> np.ndarray:
    """The second of every order: turns laid out by `action_times`, the orders of a burst
    BURST_GAP seconds apart (one second apart when the event is too short for that)."""
    gaps = rng.integers(BURST_GAP[0], BURST_GAP[1] + 1, size=int(orders.sum()))
    first = np.concatenate([[0], np.cumsum(orders)[:-1]])
    gaps[first] = 0  # a turn's first order starts its block
    span = ev.trade_end - ev.start_ts
    if int(gaps.sum()) + orders.size > span + 1:
        gaps = np.where(gaps > 0, 1, 0)
    turn = np.repeat(np.arange(orders.size), orders)
    offset = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[first], orders)
    durations = offset[np.cumsum(orders) - 1] + 1
    return action_times(rng, ev, orders.size, durations)[turn] + offset


def simulate_event(ev: EventPlan, pop: Population, rng: np.random.Generator,
                   migration_ts: int, world_end: int, redeem_share: float) -> EventTrades:
    yes, winner = price_paths(rng, ev)
    out = EventTrades(payouts=payouts_of(ev, winner))
    n_m = len(ev.markets)
    code = CATEGORY_CODE[ev.category]
    turn_takers, orders = _turns(rng, ev, pop, code)
    times = _order_times(rng, ev, orders)
    takers = np.repeat(turn_takers, orders)
    n = int(takers.size)
    u = rng.random((n, 6))
    starts = np.concatenate([[0], np.cumsum(orders)[:-1]])
    # a burst's orders are in one market and, unless they sell, buy one outcome: a bot works
    # one view at a time (buying both outcomes in one burst would look like market making)
    u[:, 0] = np.repeat(u[starts, 0], orders)
    u[:, 3] = np.repeat(u[starts, 3], orders)
    act_u = rng.random((n, 10))  # splits (per maker), merges (per maker), conversions
    size_z = rng.standard_normal(n)
    n_makers = rng.choice(4, size=n, p=MAKER_COUNT_P) + 1
    makers = sample(pop.maker_cum, rng.random((n, 4)))
    split = rng.random((n, 4)) + 0.25
    maker_u = rng.random((n, 4))
    sizes = np.exp(np.clip(size_z, -3.0, 3.0) * SIZE_SIGMA)

    out.last_price = [[None, None] for _ in range(n_m)]
    out.volume = [0] * n_m
    inv: dict[int, int] = {}
    steps_span = max(ev.end_ts - ev.start_ts, 1)
    arche = pop.archetype
    payout_yes = [None if p is None else p[0][0] / p[1] for p in out.payouts]
    mm_list = pop.market_makers.tolist()
    busy = -1  # the latest second taken by a match or an activity of this event

    for j in range(n):
        t = int(times[j])
        # activities take seconds of their own between matches, so the order of a wallet's
        # events is the order they happened in (no tie for the ledger to break)
        clock = _Clock(before=t - 1 if t - 1 > busy else None, after=t,
                       limit=min(int(times[j + 1]) - 1 if j + 1 < n else ev.trade_end,
                                 ev.trade_end))
        w = int(takers[j])
        a = int(arche[w])
        s = min(STEPS, (t - ev.start_ts) * STEPS // steps_span)
        uj = u[j]
        look = LOOKAHEAD.get(a, 0)
        if a == SPECIALIST and pop.specialty[w] != code:
            look = 0
        margin = SPECIALIST_MARGIN if a == SPECIALIST else MARGIN
        decision = _decide(a, look, margin, w, s, uj, yes, payout_yes, inv, n_m,
                           force=ev.force_last and j == n - 1)
        if decision is None:
            out.skipped += 1
            continue
        m, side, o, mid_c, qty = decision
        # taker prices cross the one-cent spread around the mid
        if side == 0:
            cents = mid_c + 1 if o == 0 else 101 - mid_c
        else:
            cents = mid_c - 1 if o == 0 else 99 - mid_c
        pm = cents * 10
        if qty is None:  # a buy: shares from the notional, within the book's depth
            units = min(SIZE_USDC[a] * sizes[j] / pm, MAX_COUNTERPARTY_USDC / (1000 - pm))
            qty = max(1, int(units * 100 * 1000)) * 10000
        chosen = _match(out, ev, m, t, w, side, o, pm, qty, int(n_makers[j]), makers[j],
                        split[j], maker_u[j], inv, mm_list, migration_ts, arche, clock,
                        act_u[j])
        _after_match(out, n_m, m, w, side, o, chosen, inv, arche, clock, act_u[j],
                     ev.neg_risk)
        busy = clock.last
    _redeem(out, ev, inv, rng, world_end, redeem_share)
    out.final_yes = [float(yes[m, min(STEPS, (world_end - ev.start_ts) * STEPS // steps_span)])
                     for m in range(n_m)]
    return out


def _decide(a, look, margin, w, s, uj, yes, payout_yes, inv, n_m, force):
    """(market, side, outcome, mid in cents, shares or None for a buy) or None to skip."""
    if look:
        s2 = s + look

        def future(m):
            if s2 <= STEPS or payout_yes[m] is None:
                return float(yes[m, min(s2, STEPS)])
            return payout_yes[m]

        # neg-risk: the market where the known future differs most from the price
        m = 0 if n_m == 1 else max(range(n_m), key=lambda k: abs(future(k) - yes[k, s]))
        mid_c = min(98, max(2, round(float(yes[m, s]) * 100)))
        fut = future(m)
        held_yes, held_no = inv.get(w * 16 + m * 2, 0), inv.get(w * 16 + m * 2 + 1, 0)
        if held_yes and fut < (mid_c - 1) / 100 - margin / 2:
            return m, 1, 0, mid_c, held_yes
        if held_no and fut > (mid_c + 1) / 100 + margin / 2:
            return m, 1, 1, mid_c, held_no
        if fut - (mid_c + 1) / 100 > margin:
            return m, 0, 0, mid_c, None
        if (mid_c - 1) / 100 - fut > margin:
            return m, 0, 1, mid_c, None
        if not force:
            return None
    m = int(uj[0] * n_m)
    if a in (FAVOURITE, GAMBLER) and not force:
        # favourites: the most lopsided market whose cheap side is within FAVOURITE_CENTS,
        # bought on its dear side; gamblers: any market whose cheap side is within
        # LONG_SHOT_CENTS (picked by uj[0]), bought on its cheap side
        lo, hi = FAVOURITE_CENTS if a == FAVOURITE else LONG_SHOT_CENTS
        mids = [round(float(yes[k, s]) * 100) for k in range(n_m)]
        fit = [k for k in range(n_m) if lo <= min(mids[k], 100 - mids[k]) <= hi]
        if not fit:
            return None
        if a == FAVOURITE:
            m = max(fit, key=lambda k: abs(mids[k] - 50))
            return m, 0, int(mids[m] < 50), mids[m], None
        m = fit[int(uj[0] * len(fit))]
        return m, 0, int(mids[m] > 50), mids[m], None
    mid_c = min(98, max(2, round(float(yes[m, s]) * 100)))
    held_yes, held_no = inv.get(w * 16 + m * 2, 0), inv.get(w * 16 + m * 2 + 1, 0)
    if (held_yes or held_no) and uj[1] < EXIT_PROB and a not in (MARKET_MAKER, CASUAL, GAMBLER):
        o = 0 if held_yes >= held_no else 1
        held = held_yes if o == 0 else held_no
        qty = held // 2 // UNIT * UNIT if uj[2] < HALF_EXIT_PROB else held
        if qty > 0:
            return m, 1, o, mid_c, qty
    return m, 0, int(uj[3] < 0.5), mid_c, None


class _Clock:
    """Seconds for the activities around one match: `before` (a split feeding the match, or
    None when the previous second is taken), then `take()` seconds after it up to `limit`."""

    def __init__(self, before: int | None, after: int, limit: int) -> None:
        self.before, self.last, self.limit = before, after, limit

    def take(self) -> int | None:
        if self.last + 1 > self.limit:
            return None
        self.last += 1
        return self.last


def _match(out, ev, m, t, w, side, o, pm, qty, k, makers, split, maker_u, inv, mm_list,
           migration_ts, arche, clock, act_u) -> list[int]:
    """One transaction: the taker order against 1-k maker orders, emitted as OrderFilled rows;
    returns the makers."""
    chosen: list[int] = []
    for cand in makers[:k]:
        c = int(cand)
        if c != w and c not in chosen:
            chosen.append(c)
    if not chosen:
        chosen = [next(x for x in mm_list if x != w)]
    units = qty // UNIT
    k = min(len(chosen), units)
    chosen = chosen[:k]
    weights = split[:k]
    total = float(weights.sum())
    parts = [int(units * wt / total) for wt in weights]
    parts[0] += units - sum(parts)
    if parts[0] <= 0 or min(parts) <= 0:
        parts, chosen = [units], chosen[:1]
    version = 2 if t >= migration_ts else 1
    tx = len(out.tx_ts)
    out.tx_ts.append(t)
    out.tx_version.append(version)
    market = ev.markets[m]
    fee = taker_fee(version, side, qty, pm, market.fee_bps, market.v2_fee_bps)
    usdc = qty * pm // 1000
    _row(out, tx, w, -1, m, o, side, qty, usdc, fee)
    key_o, key_c = m * 2 + o, m * 2 + (1 - o)
    if side == 0:
        inv[w * 16 + key_o] = inv.get(w * 16 + key_o, 0) + qty - (fee if version == 1 else 0)
    else:
        inv[w * 16 + key_o] -= qty
    out.volume[m] += usdc
    for i, maker in enumerate(chosen):
        q = parts[i] * UNIT
        held_o, held_c = inv.get(maker * 16 + key_o, 0), inv.get(maker * 16 + key_c, 0)
        if side == 0 and held_o >= q and maker_u[i] < USE_INVENTORY_PROB:  # sells to the taker
            inv[maker * 16 + key_o] = held_o - q
            _row(out, tx, maker, w, m, o, 1, q, q * pm // 1000, 0)
        elif (side == 0 and arche[maker] == MARKET_MAKER and clock.before is not None
              and act_u[i] < SPLIT_PROB):  # splits USDC into both outcomes, sells one
            amount = q * SPLIT_MULTIPLE
            out.actions.append(("SPLIT", maker, clock.before, m, amount, amount, 0))
            inv[maker * 16 + key_o] = held_o + amount - q
            inv[maker * 16 + key_c] = held_c + amount
            _row(out, tx, maker, w, m, o, 1, q, q * pm // 1000, 0)
        elif side == 0:  # buys the complement: the match mints both outcomes
            inv[maker * 16 + key_c] = held_c + q
            _row(out, tx, maker, w, m, 1 - o, 0, q, q * (1000 - pm) // 1000, 0)
        elif held_c >= q and maker_u[i] < MERGE_PROB:  # sells the complement: a merge
            inv[maker * 16 + key_c] = held_c - q
            _row(out, tx, maker, w, m, 1 - o, 1, q, q * (1000 - pm) // 1000, 0)
        else:  # buys from the taker
            inv[maker * 16 + key_o] = held_o + q
            _row(out, tx, maker, w, m, o, 0, q, q * pm // 1000, 0)
    return chosen


def _after_match(out, n_m, m, w, side, o, chosen, inv, arche, clock, act_u, neg_risk) -> None:
    """Activities right after a match: market makers merge pairs back; in a neg-risk event,
    a taker that bought NO (or a market maker) converts the NO tokens it holds."""
    for i, maker in enumerate(chosen):
        if arche[maker] != MARKET_MAKER or act_u[4 + i] >= MERGE_BACK_PROB:
            continue
        pairs = min(inv.get(maker * 16 + m * 2, 0), inv.get(maker * 16 + m * 2 + 1, 0))
        pairs = pairs // UNIT * UNIT
        ts = clock.take() if pairs > 0 else None
        if ts is not None:
            out.actions.append(("MERGE", maker, ts, m, pairs, pairs, 0))
            inv[maker * 16 + m * 2] -= pairs
            inv[maker * 16 + m * 2 + 1] -= pairs
    if not neg_risk or n_m < 2:
        return
    converters = [w] if (side == 0 and o == 1 and act_u[8] < CONVERT_PROB
                         and arche[w] != GAMBLER) else []
    converters += [c for c in chosen if arche[c] == MARKET_MAKER and act_u[9] < MM_CONVERT_PROB]
    for c in converters:
        held = [inv.get(c * 16 + q * 2 + 1, 0) for q in range(n_m)]
        questions = [q for q in range(n_m) if held[q] >= UNIT]
        if not questions:
            continue
        amount = min(held[q] for q in questions) // UNIT * UNIT
        ts = clock.take()
        if ts is None:
            return
        for q in range(n_m):
            if q in questions:
                inv[c * 16 + q * 2 + 1] -= amount
            else:
                inv[c * 16 + q * 2] = inv.get(c * 16 + q * 2, 0) + amount
        index_set = sum(1 << q for q in questions)
        out.actions.append(("CONVERSION", c, ts, -1, amount, amount * (len(questions) - 1),
                            index_set))


def _row(out, tx, maker, taker, m, o, side, shares, usdc, fee) -> None:
    out.row_tx.append(tx)
    out.row_maker.append(maker)
    out.row_taker.append(taker)
    out.row_market.append(m)
    out.row_outcome.append(o)
    out.row_side.append(side)
    out.row_shares.append(shares)
    out.row_usdc.append(usdc)
    out.row_fee.append(fee)
    out.last_price[m][o] = usdc * 1000 // shares


def _redeem(out, ev, inv, rng, world_end, redeem_share) -> None:
    """Holders redeem what they hold of a resolved market, both sides in one transaction:
    holders of a winning side `redeem_share` of the time, holders of losing sides only
    LOSER_REDEEM_SHARE of the time (for nothing); the others never redeem."""
    if not ev.resolved:
        return
    by_position: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for key, amount in sorted(inv.items()):
        w, rest = divmod(key, 16)
        m, o = divmod(rest, 2)
        if amount > 0 and out.payouts[m] is not None:
            by_position.setdefault((w, m), []).append((o, amount))
    number = -1
    for (w, m), held in by_position.items():
        nums = out.payouts[m][0]  # type: ignore[index]
        wins = any(nums[o] > 0 for o, _ in held)
        if rng.random() >= (redeem_share if wins else LOSER_REDEEM_SHARE):
            continue
        ts = ev.resolution_ts + 60 + int(rng.exponential(REDEEM_DELAY_MEAN))
        if ts > world_end:
            continue
        nums, den = out.payouts[m]  # type: ignore[misc]
        number += 1
        for o, amount in held:
            out.redeems.append((w, ts, m, o, amount, amount * nums[o] // den, number))
