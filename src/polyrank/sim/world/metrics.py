"""Wallet metrics and eligibility (docs/metrics.md §4-§5): the reference the SQL must match.

Conventions (continuing `polyrank.sim.world.ledger`):

 12. as_of = the latest fill timestamp. A window of d days holds the closed bets with
     as_of - d*86400 < closed_ts <= as_of and the fills with as_of - d*86400 < timestamp
     <= as_of; `lifetime` holds every closed bet and fill (closed_ts, timestamp <= as_of).
 13. Rows: for every wallet with at least one fill, category "all" x every window; and for
     every category in which the wallet has a fill, that category x every window (with zeros
     when the window is empty).
 14. trades = fill rows (maker = wallet) in the window; volume_usdc = Σ gross usdc of those
     rows (buys + sells, fees excluded); markets_traded = distinct condition ids among them;
     first_trade_at / last_trade_at = min / max of their timestamps (null when none);
     active_days = distinct UTC days (timestamp // 86400) among them.
 15. bets_closed = closed bets in the window; cost = Σ C_b over them; bets_open = bets that
     are not closed (the same number in every window). With an as_of earlier than the data,
     a bet closed after as_of counts in no window and not as open.
 16. realized_pnl = Σ P_b over closed bets in the window. realized_pnl_all (Σ realized of all
     positions), unrealized_pnl and total_pnl are reported on lifetime rows only (null on
     the others).
 16b. pnl_polymarket, pnl_fee_effect, pnl_unredeemed: on lifetime rows Σ over all positions
     (beside realized_pnl_all, as Polymarket's profile counts); on the other windows Σ over
     the positions of the window's closed bets (beside that window's realized_pnl).
 17. bets_won = #{P_b > 0}, bets_lost = #{P_b < 0}: bets with P_b == 0 count in bets_closed,
     cost, roi and roi_se but not in the win rate. win_rate = won / (won + lost), null when
     won + lost = 0; win_rate_lb = Wilson lower bound (z = 1.96) with n = won + lost.
 18. omega = G / L, null when L = 0; omega_unbounded = (L = 0 and G > 0).
     omega_score = (G + k*c̄) / (L + k*c̄), c̄ = 0.5 * median(C_b of the closed bets in the
     window), the median of an even count being the mean of the two middle values
     (ClickHouse: quantileExactInclusive(0.5)); null when there is no closed bet or the
     denominator is 0.
 19. roi = Σ P_b / Σ C_b, null when Σ C_b = 0. roi_se = sqrt(n/(n-1) * Σ (P_b - roi*C_b)²)
     / Σ C_b with n = bets_closed, null when n < 2 or Σ C_b = 0.
 20. avg_win / max_win: mean / max of P_b over won bets; avg_loss / max_loss: mean / max of
     -P_b over lost bets (positive numbers); null when there is none.
 21. incomplete_positions = positions with unmatched_sell > 0 in the category, whatever the
     window.
 22. eligibility, from the row's own window figures. Category "all": `ranked` when
     bets_closed >= 20 and cost >= 500 and last_trade_at - first_trade_at >= 14 days;
     else `provisional` when 10 <= bets_closed <= 19; else `unranked` (so 20+ bets with too
     little cost or span are unranked). Other categories: `ranked` when bets_closed >= 10 and
     cost >= 250, else `unranked`.
 28-39. Skill against the price paid and behaviour flags (docs/metrics.md §4.6, §4.8):
     `polyrank.sim.world.skill`; the daily equity curve's risk figures (§4.7):
     `polyrank.sim.world.equity`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from polyrank.sim.world.categories import CATEGORIES
from polyrank.sim.world.equity import FlowArrays, TokenArrays, equity_curve, risk_by_key
from polyrank.sim.world.ledger import LedgerConfig
from polyrank.sim.world.skill import behaviour_by_group, benjamini_hochberg, edge_by_group

ALL = "all"
#: category codes of the metric rows: CATEGORIES' codes, then "all".
ALL_CODE = len(CATEGORIES)
N_CODES = ALL_CODE + 1
DAY = 86400
#: rows whose new figures are turned into row values at a time
ROW_BLOCK = 4096


def wilson_lower_bound(wins: int, n: int, z: float) -> float | None:
    """Lower bound of the Wilson score interval of wins/n."""
    if n == 0:
        return None
    p = wins / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (centre - spread) / (1 + z2 / n)


def median(values: Sequence[float]) -> float:
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def omega_score(gains: float, losses: float, costs: Sequence[float], k: float,
                cbar_fraction: float) -> float | None:
    """(G + k*c̄) / (L + k*c̄), c̄ = cbar_fraction * median(costs)."""
    if not costs:
        return None
    cbar = cbar_fraction * median(costs)
    den = losses + k * cbar
    return None if den == 0 else (gains + k * cbar) / den


def roi_and_se(pnls: Sequence[float], costs: Sequence[float]) -> tuple[float | None, float | None]:
    total_cost = sum(costs)
    if total_cost == 0:
        return None, None
    roi = sum(pnls) / total_cost
    n = len(pnls)
    if n < 2:
        return roi, None
    ss = sum((p - roi * c) ** 2 for p, c in zip(pnls, costs, strict=True))
    return roi, math.sqrt(n / (n - 1) * ss) / total_cost


def bet_metrics(pnls: Sequence[float], costs: Sequence[float], config: LedgerConfig) -> dict:
    """Every bet-based metric of §4 over a set of closed bets (rules 15-20)."""
    wins = [p for p in pnls if p > 0]
    losses = [-p for p in pnls if p < 0]
    gains_sum, losses_sum = sum(wins), sum(losses)
    decided = len(wins) + len(losses)
    roi, roi_se = roi_and_se(pnls, costs)
    return {
        "bets_closed": len(pnls),
        "cost": float(sum(costs)),
        "realized_pnl": float(sum(pnls)),
        "gains": float(gains_sum),
        "losses": float(losses_sum),
        "omega": gains_sum / losses_sum if losses_sum > 0 else None,
        "omega_unbounded": losses_sum == 0 and gains_sum > 0,
        "omega_score": omega_score(gains_sum, losses_sum, costs, config.omega_k,
                                   config.cbar_fraction),
        "bets_won": len(wins),
        "bets_lost": len(losses),
        "win_rate": len(wins) / decided if decided else None,
        "win_rate_lb": wilson_lower_bound(len(wins), decided, config.wilson_z),
        "roi": roi,
        "roi_se": roi_se,
        "avg_win": gains_sum / len(wins) if wins else None,
        "avg_loss": losses_sum / len(losses) if losses else None,
        "max_win": max(wins) if wins else None,
        "max_loss": max(losses) if losses else None,
    }


def eligibility(category: str, bets_closed: int, cost: float, first_ts: int | None,
                last_ts: int | None, config: LedgerConfig) -> str:
    """Rule 22."""
    if category != ALL:
        ok = bets_closed >= config.category_min_bets and cost >= config.category_min_cost
        return "ranked" if ok else "unranked"
    span_ok = (first_ts is not None and last_ts is not None
               and last_ts - first_ts >= config.ranked_min_span_days * DAY)
    if bets_closed >= config.ranked_min_bets and cost >= config.ranked_min_cost and span_ok:
        return "ranked"
    if config.provisional_min_bets <= bets_closed < config.ranked_min_bets:
        return "provisional"
    return "unranked"


@dataclass(frozen=True)
class BetArrays:
    """Compact bets: wallet index, category code, P_b, C_b, closed, closed_ts (-1 if open),
    and Polymarket's convention summed over the bet's positions."""

    wallet: np.ndarray
    category: np.ndarray
    pnl: np.ndarray
    cost: np.ndarray
    closed: np.ndarray
    closed_ts: np.ndarray
    pnl_polymarket: np.ndarray
    pnl_fee_effect: np.ndarray
    pnl_unredeemed: np.ndarray
    #: Q_b and the bet's event code (rule 10b); without them no skill figures (rule 28)
    shares_bought: np.ndarray | None = None
    event: np.ndarray | None = None


@dataclass(frozen=True)
class FillArrays:
    """Compact fill rows: wallet index, category code, timestamp, gross usdc, market index;
    for rules 30-39 also the token index, price (usdc / shares), BUY or not, role (rule 36),
    bet_key index, outcome index and `seq`, ordering each token's fills by (timestamp, id)."""

    wallet: np.ndarray
    category: np.ndarray
    timestamp: np.ndarray
    usdc: np.ndarray
    market: np.ndarray
    token: np.ndarray | None = None
    price: np.ndarray | None = None
    is_buy: np.ndarray | None = None
    role: np.ndarray | None = None
    bet: np.ndarray | None = None
    outcome: np.ndarray | None = None
    seq: np.ndarray | None = None


@dataclass(frozen=True)
class PositionArrays:
    """Compact positions: wallet index, category code, realized, unrealized, incomplete, and
    Polymarket's convention beside (pnl_polymarket, pnl_fee_effect, pnl_unredeemed)."""

    wallet: np.ndarray
    category: np.ndarray
    realized: np.ndarray
    unrealized: np.ndarray
    incomplete: np.ndarray
    pnl_polymarket: np.ndarray
    pnl_fee_effect: np.ndarray
    pnl_unredeemed: np.ndarray


def window_start(as_of: int, days: int | None) -> int | None:
    return None if days is None else as_of - days * DAY


def _keys(wallet: np.ndarray, category: np.ndarray) -> np.ndarray:
    """Row keys wallet*N_CODES + code, once per category code and once for "all"."""
    w = wallet.astype(np.int64)
    return np.concatenate([w * N_CODES + category, w * N_CODES + ALL_CODE])


def _lookup(keys: np.ndarray, values: np.ndarray, targets: np.ndarray, missing) -> np.ndarray:
    """values[i] where keys[i] == target (keys sorted, unique), else `missing`."""
    out = np.full(targets.size, missing, dtype=values.dtype)
    if keys.size:
        pos = np.minimum(np.searchsorted(keys, targets), keys.size - 1)
        found = keys[pos] == targets
        out[found] = values[pos[found]]
    return out


def _fill_stats(fills: FillArrays, start: int | None, as_of: int) -> dict[str, np.ndarray]:
    """Per row key (sorted): trades, volume, first, last, active_days, markets_traded."""
    mask = fills.timestamp <= as_of
    if start is not None:
        mask &= fills.timestamp > start
    keys = _keys(fills.wallet[mask], fills.category[mask])
    ts = np.tile(fills.timestamp[mask].astype(np.int64), 2)
    usdc = np.tile(fills.usdc[mask], 2)
    market = np.tile(fills.market[mask].astype(np.int64), 2)
    uniq, inv = np.unique(keys, return_inverse=True)
    first = np.full(uniq.size, np.iinfo(np.int64).max)
    last = np.full(uniq.size, np.iinfo(np.int64).min)
    np.minimum.at(first, inv, ts)
    np.maximum.at(last, inv, ts)
    n_markets = int(market.max()) + 1 if market.size else 1
    return {
        "key": uniq,
        "trades": np.bincount(inv, minlength=uniq.size),
        "volume": np.bincount(inv, weights=usdc, minlength=uniq.size),
        "first": first, "last": last,
        "days": np.bincount(np.unique(inv * 100000 + ts // DAY) // 100000, minlength=uniq.size),
        "markets": np.bincount(np.unique(inv * n_markets + market) // n_markets,
                               minlength=uniq.size),
    }


def _sums(wallet: np.ndarray, category: np.ndarray, values: np.ndarray,
          targets: np.ndarray) -> np.ndarray:
    """Σ values per row key, for each of `targets`."""
    uniq, inv = np.unique(_keys(wallet, category), return_inverse=True)
    sums = np.bincount(inv, weights=np.tile(values.astype(np.float64), 2), minlength=uniq.size)
    return _lookup(uniq, sums, targets, 0.0)


def iter_wallet_metrics(wallets: Sequence[str], bets: BetArrays, fills: FillArrays,
                        positions: PositionArrays, as_of: int, config: LedgerConfig,
                        flows: FlowArrays | None = None,
                        tokens: TokenArrays | None = None) -> Iterator[dict]:
    """Every wallet_metrics.parquet row (rules 12-39), one dict at a time. Without `flows`
    and `tokens` (or the fills' token columns) the risk figures are null."""
    codes = (*CATEGORIES, ALL)
    windows = [(name, window_start(as_of, days)) for name, days in config.windows]
    everything = _fill_stats(fills, None, as_of)
    keys = everything["key"]
    stats = {}
    for name, start in windows:
        found = everything if start is None else _fill_stats(fills, start, as_of)
        stats[name] = {col: _lookup(found["key"], found[col], keys, -1 if col in (
            "first", "last") else 0) for col in found if col != "key"}
    realized_all = _sums(positions.wallet, positions.category, positions.realized, keys)
    unrealized = _sums(positions.wallet, positions.category, positions.unrealized, keys)
    incomplete = _sums(positions.wallet, positions.category, positions.incomplete, keys)
    polymarket = {name: _sums(positions.wallet, positions.category, getattr(positions, name),
                              keys)
                  for name in ("pnl_polymarket", "pnl_fee_effect", "pnl_unredeemed")}
    open_bets = _sums(bets.wallet, bets.category, ~bets.closed, keys)
    b_ts, b_pnl, b_cost, b_pm, b_start, b_end = _closed_bets(bets, as_of, keys)
    elig = {name: _eligibility(keys, stats[name], b_ts, b_cost, b_start, b_end, start, config)
            for name, start in windows}
    extra = _new_figures(keys, bets, fills, flows, tokens, as_of, elig, config)
    for i, key in enumerate(keys.tolist()):
        if i % ROW_BLOCK == 0:  # the new figures as row values, a block of rows at a time
            block = {name: {col: _values(values[i:i + ROW_BLOCK])
                            for col, values in cols.items()} for name, cols in extra.items()}
        wallet, code = divmod(key, N_CODES)
        ts_i = b_ts[b_start[i]:b_end[i]]
        pnl_i, cost_i = b_pnl[b_start[i]:b_end[i]], b_cost[b_start[i]:b_end[i]]
        pm_i = {name: col[b_start[i]:b_end[i]] for name, col in b_pm.items()}
        for name, start in windows:
            st = stats[name]
            sel = ts_i > start if start is not None else slice(None)
            first, last = int(st["first"][i]), int(st["last"][i])
            first_at, last_at = (None, None) if first < 0 else (first, last)
            row = {"wallet": wallets[wallet], "window": name, "category": codes[code],
                   "trades": int(st["trades"][i]), "volume_usdc": float(st["volume"][i]),
                   "markets_traded": int(st["markets"][i]), "bets_open": int(open_bets[i])}
            row.update(bet_metrics(pnl_i[sel].tolist(), cost_i[sel].tolist(), config))
            lifetime = start is None
            r_all, u_all = float(realized_all[i]), float(unrealized[i])
            row["realized_pnl_all"] = r_all if lifetime else None
            row["unrealized_pnl"] = u_all if lifetime else None
            row["total_pnl"] = r_all + u_all if lifetime else None
            for pm_name, sums in polymarket.items():  # rule 16b
                row[pm_name] = float(sums[i]) if lifetime else float(pm_i[pm_name][sel].sum())
            row.update(first_trade_at=first_at, last_trade_at=last_at,
                       active_days=int(st["days"][i]), incomplete_positions=int(incomplete[i]))
            row["eligibility"] = elig[name][i]
            for col, values in block[name].items():
                row[col] = values[i % ROW_BLOCK]
            yield row


def compute_wallet_metrics(wallets: Sequence[str], bets: BetArrays, fills: FillArrays,
                           positions: PositionArrays, as_of: int,
                           config: LedgerConfig) -> dict[str, list]:
    """Every wallet_metrics.parquet row, as columns."""
    out: dict[str, list] = {}
    for row in iter_wallet_metrics(wallets, bets, fills, positions, as_of, config):
        for col, value in row.items():
            out.setdefault(col, []).append(value)
    return out


def _closed_bets(bets: BetArrays, as_of: int, targets: np.ndarray) -> tuple[np.ndarray, ...]:
    """Closed bets up to as_of sorted by row key: (closed_ts, pnl, cost, start, end), where
    [start[i], end[i]) is the slice of the bets of targets[i]."""
    mask = bets.closed & (bets.closed_ts <= as_of)
    keys = _keys(bets.wallet[mask], bets.category[mask])
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    ts = np.tile(bets.closed_ts[mask].astype(np.int64), 2)[order]
    pnl = np.tile(bets.pnl[mask], 2)[order]
    cost = np.tile(bets.cost[mask], 2)[order]
    pm = {name: np.tile(getattr(bets, name)[mask], 2)[order]
          for name in ("pnl_polymarket", "pnl_fee_effect", "pnl_unredeemed")}
    return (ts, pnl, cost, pm, np.searchsorted(keys, targets, side="left"),
            np.searchsorted(keys, targets, side="right"))


def _eligibility(keys: np.ndarray, st: dict[str, np.ndarray], b_ts: np.ndarray,
                 b_cost: np.ndarray, b_start: np.ndarray, b_end: np.ndarray,
                 start: int | None, config: LedgerConfig) -> list[str]:
    """Rule 22 for every row of one window (needed before the rows: rule 29), from the same
    figures `bet_metrics` reports (bets_closed, cost as Σ of the list)."""
    codes = (*CATEGORIES, ALL)
    out = []
    for i, key in enumerate(keys.tolist()):
        ts_i = b_ts[b_start[i]:b_end[i]]
        sel = ts_i > start if start is not None else slice(None)
        costs = b_cost[b_start[i]:b_end[i]][sel].tolist()
        first = int(st["first"][i])
        first_at, last_at = (None, None) if first < 0 else (first, int(st["last"][i]))
        out.append(eligibility(codes[key % N_CODES], len(costs), float(sum(costs)), first_at,
                               last_at, config))
    return out


def _values(column: np.ndarray) -> list:
    """A numpy column as row values: NaN is null."""
    if column.dtype == np.bool_:
        return column.tolist()
    return [None if v != v else v for v in column.astype(np.float64).tolist()]


def _new_figures(keys: np.ndarray, bets: BetArrays, fills: FillArrays,
                 flows: FlowArrays | None, tokens: TokenArrays | None, as_of: int,
                 elig: dict[str, list[str]], config: LedgerConfig
                 ) -> dict[str, dict[str, np.ndarray]]:
    """Per window: every rule 28-39 column, one value per row key (NaN: null)."""
    n = keys.size
    curve = None
    if flows is not None and tokens is not None and fills.token is not None:
        curve = equity_curve(flows, tokens, fills.token, fills.timestamp, fills.seq,
                             fills.price, as_of, N_CODES, ALL_CODE)
    out = {}
    for name, days in config.windows:
        start = window_start(as_of, days)
        cols = _skill(keys, bets, as_of, start, config)
        ranked = np.array([e == "ranked" for e in elig[name]], dtype=bool)
        skilled = np.zeros(n, dtype=bool)
        code = keys % N_CODES
        for c in np.unique(code[ranked]):
            board = ranked & (code == c)
            skilled[board] = benjamini_hochberg(cols["skill_p"][board], config.skill_q)
        cols["skilled"] = skilled
        if curve is not None:
            cols.update(risk_by_key(curve, keys, days))
        else:
            cols.update({c: np.full(n, np.nan) for c in (
                "sharpe_daily", "sortino_daily", "max_drawdown", "max_drawdown_pct")})
        cols.update(_behaviour(keys, fills, as_of, start, config))
        out[name] = cols
    return out


def _skill(keys: np.ndarray, bets: BetArrays, as_of: int, start: int | None,
           config: LedgerConfig) -> dict[str, np.ndarray]:
    """Rule 28 for every row key of one window."""
    if bets.shares_bought is None or bets.event is None or not keys.size:
        none = np.zeros(0, dtype=np.int64)
        empty = none.astype(np.float64)
        return edge_by_group(none, empty, none, empty, keys.size, config.edge_z)
    mask = bets.closed & (bets.closed_ts <= as_of) & (bets.shares_bought > 0)
    if start is not None:
        mask &= bets.closed_ts > start
    bkeys = _keys(bets.wallet[mask], bets.category[mask])
    at = np.minimum(np.searchsorted(keys, bkeys), keys.size - 1)
    found = keys[at] == bkeys  # a wallet without fills has no rows
    q = bets.shares_bought[mask]
    x = np.tile(bets.pnl[mask] / q, 2)[found]
    event = np.tile(bets.event[mask].astype(np.int64), 2)[found]
    price = np.clip(bets.cost[mask] / q, 0.0, 1.0)
    floor = np.tile(price * (1 - price), 2)[found]
    return edge_by_group(at[found], x, event, floor, keys.size, config.edge_z)


def _behaviour(keys: np.ndarray, fills: FillArrays, as_of: int, start: int | None,
               config: LedgerConfig) -> dict[str, np.ndarray]:
    """Rules 36-39 for every row key of one window."""
    mask = fills.timestamp <= as_of
    if start is not None:
        mask &= fills.timestamp > start
    at = np.searchsorted(keys, _keys(fills.wallet[mask], fills.category[mask]))
    n_rows = int(mask.sum())

    def col(values: np.ndarray | None, default) -> np.ndarray:
        if values is None:
            return np.full(2 * n_rows, default)
        return np.tile(values[mask], 2)

    return behaviour_by_group(
        at, keys.size, np.tile(fills.timestamp[mask], 2), col(fills.role, 2),
        col(fills.is_buy, False), col(fills.price, np.nan), col(fills.bet, 0),
        col(fills.market, 0), col(fills.outcome, 0), config)
