"""Skill, risk and behaviour (docs/metrics.md §4.6-§4.8): the ledger's pure functions.

Everything here works on numpy columns grouped by an integer `group` (a wallet metrics row:
wallet x category, in one window); `polyrank.sim.world.metrics` selects the rows of each
window and calls these. Null figures are NaN here (None in the output rows).

Conventions (continuing `polyrank.sim.world.specialists`):

Skill against the price paid (§4.6)
 28. A closed bet's x = P_b / Q_b (Q_b = shares_bought, rule 10b) when Q_b > 0; a bet with
     Q_b <= 0 has no x and is left out of rules 28-29 only. The bets are those of the row's
     window (closed_ts in it, rule 12) and category. edge = Σ x / n (null when n = 0).
     Clusters are the bets' event_id; with G clusters, edge_se = sqrt(max(G / (G - 1) * Σ_g
     (Σ_{b in g} (x_b - edge))², Σ_b p_b * (1 - p_b))) / n with p_b = C_b / Q_b clamped to
     [0, 1] (the floor: the error the prices paid imply), null when G < 2. skill_z = edge /
     edge_se, null when edge_se is null or 0. edge_lb = edge - edge_z * edge_se (null when
     edge_se is null). skill_p = 0.5 * erfc(skill_z / sqrt(2)), null when skill_z is null.
 29. skilled: Benjamini-Hochberg per board (window x category) over the board's rows whose
     eligibility is `ranked` (m of them): p-values sorted ascending, a null p counting as 1;
     the largest k (1-based) with p_(k) <= k * q / m, computed as (k * q) / m in float64;
     every ranked row with p <= p_(k) is skilled (a null p compares as 1); none when no k
     qualifies. Rows not ranked are never skilled.
The daily equity curve (§4.7, §9)
 30. Flows per wallet x token, those with timestamp <= as_of: a fill BUY: shares +received,
     cash -paid (fees included, rule 3); a SELL: shares -shares (the whole fill, beyond the
     holding too), cash +proceeds. SPLIT of n: each outcome token shares +n, cash -n / 2;
     MERGE of n: shares -n, cash +n / 2. CONVERSION (rule 7's legs): each NO leg the
     catalogue knows, shares -n and cash +n * (k - 1) / k when k = q, else
     +n * (k - 1) / b (b = the NO legs booked, the questions the catalogue knows: the USDC
     received spread over them); each YES leg shares +n, cash 0 (its price is a cost basis,
     not a payment). REDEEM: no flow. Amounts in micro units; a day's cash is the sum of its
     flows, cumulated over the days in day order (float64); shares are integers.
 31. A token's value on UTC day d: its payout when resolved_ts <= as_of and resolved_ts //
     86400 <= d; else the price (usdc / shares) of its latest fill (any wallet's, by
     (timestamp, id)) with timestamp <= as_of and timestamp // 86400 <= d; else 0.
 32. Rounding (not in the document; makes equal days exactly equal whatever the summation
     order): a token's contribution on day d is round(c + max(q, 0) * v) micro-USDC, with c
     its cumulative cash (float64, micro-USDC), q its cumulative shares (integer micro-shares)
     and v its value (rule 31), rounded half to even (Python round / ClickHouse round on
     Float64); the equity E_d of a row is the integer sum of its tokens' contributions, its
     cash C_d the integer sum of round(c). Figures are in USDC (micro / 1e6).
 33. A row's curve covers its tokens (the category's; every token for `all`) from the first
     UTC day with a flow in them (<= as_of) to as_of // 86400. A window of D days spans days
     max(first, last - D + 1) .. last; lifetime first .. last; n = the days in the span,
     quiet days included. r_d = E_d - E_{d-1}, E before the first day being 0.
 34. sharpe_daily = mean(r) / sd(r) (sd with n - 1), null when n < 2 or every r is equal
     (sd exactly 0). sortino_daily = mean(r) / sqrt(Σ_{r < 0} r² / n), null when n < 2 or
     no r < 0.
 35. max_drawdown = max over the span's days of (peak_d - E_d), peak_d the running maximum of
     E starting at E_{s-1} (the day before the span), 0 when E never fell. K (capital) =
     max(0, max over every day of the whole curve, as_of's day included, of -C_d): the same
     in every window. max_drawdown_pct = max over the span's days with K + peak_d > 0 of
     (peak_d - E_d) / (K + peak_d) (0 when none), null when K = 0.
Behaviour (§4.8), over the row's fills of the window (rule 12)
 36. A fill's role from its `taker`: '' unknown (the Data API's fills), one of the four
     exchange addresses (params.EXCHANGES) taking, any other address passive.
     passive_share = passive / (passive + taking), null when both are 0.
 37. both_sides_share: of the row's bets (wallet x bet_key) with a BUY fill in the window,
     the share with a condition and a UTC day on which the window holds BUY fills of both
     its outcome 0 and its outcome 1; null when no bet has a BUY fill.
 38. median_gap_s: the fills' timestamps sorted, the median of the differences of
     consecutive ones (fills at one second give 0), null with fewer than 2 fills;
     median_entry: the median price (usdc / shares) of the BUY fills, null without one. A
     median of an even count is (a + b) / 2 of the two middle values.
 39. market_maker = trades >= flag_min_fills and (passive_share >= mm_passive_share or
     both_sides_share >= mm_both_sides_share); high_frequency = trades >= flag_min_fills and
     median_gap_s < hf_median_gap_s; favourite_buyer = BUY fills >= flag_min_fills and
     median_entry >= favourite_median_entry. A null figure meets no threshold; every flag
     is False below its fill count.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from polyrank.sim.world.ledger import LedgerConfig
from polyrank.sim.world.params import EXCHANGES

DAY = 86400
MICRO = 1_000_000
ROLE_TAKING, ROLE_PASSIVE, ROLE_UNKNOWN = 0, 1, 2
_EXCHANGES = frozenset(EXCHANGES.values())
_ERFC = np.frompyfunc(math.erfc, 1, 1)


def role_of(taker: str) -> int:
    """Rule 36."""
    if not taker:
        return ROLE_UNKNOWN
    return ROLE_TAKING if taker.lower() in _EXCHANGES else ROLE_PASSIVE


# -- grouping helpers -------------------------------------------------------------------------

def run_starts(*sorted_cols: np.ndarray) -> np.ndarray:
    """True at the first row of every run of equal (cols) in rows already sorted by them."""
    n = sorted_cols[0].size if sorted_cols else 0
    start = np.ones(n, dtype=bool)
    if n > 1:
        same = np.ones(n - 1, dtype=bool)
        for c in sorted_cols:
            same &= c[1:] == c[:-1]
        start[1:] = ~same
    return start


def sort_rows(*cols: np.ndarray) -> np.ndarray:
    """The stable order of rows by cols, the first most significant."""
    if not cols or not cols[0].size:
        return np.empty(0, dtype=np.int64)
    lows = [int(c.min()) for c in cols]
    sizes = [int(c.max()) - low + 1 for c, low in zip(cols, lows, strict=True)]
    if math.prod(sizes) >= 2 ** 62:
        return np.lexsort(cols[::-1])
    key = np.zeros(cols[0].size, dtype=np.int64)
    for c, low, size in zip(cols, lows, sizes, strict=True):  # one mixed-radix integer
        key = key * size + (c.astype(np.int64) - low)
    return np.argsort(key, kind="stable")


def sum_by_group(group: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Σ values per group 0..n_groups - 1 (float64, added in row order)."""
    return np.bincount(group, weights=values, minlength=n_groups).astype(np.float64)


def median_by_group(group: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Median of values per group (rule 38: even counts average the two middle values)."""
    out = np.full(n_groups, np.nan)
    if not values.size:
        return out
    order = np.lexsort((values, group))
    v = values[order].astype(np.float64)
    counts = np.bincount(group, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    out[has] = (v[lo] + v[hi]) / 2
    return out


# -- skill (§4.6) -----------------------------------------------------------------------------

def edge_by_group(group: np.ndarray, x: np.ndarray, cluster: np.ndarray, floor: np.ndarray,
                  n_groups: int, z: float) -> dict[str, np.ndarray]:
    """Rule 28 for every group: the bets with an x, each with its group, cluster (event) and
    p(1 - p) (its part of the floor of the error's square)."""
    n = np.bincount(group, minlength=n_groups)
    total = sum_by_group(group, x, n_groups)
    edge = np.full(n_groups, np.nan)
    has = n > 0
    edge[has] = total[has] / n[has]
    order = sort_rows(group, cluster)
    start = run_starts(group[order], cluster[order])
    cluster_id = np.cumsum(start) - 1
    deviation = (x - edge[group])[order]
    cluster_sum = sum_by_group(cluster_id, deviation, int(cluster_id.max(initial=-1)) + 1)
    cluster_group = group[order][start]
    g = np.bincount(cluster_group, minlength=n_groups)
    ss = sum_by_group(cluster_group, cluster_sum * cluster_sum, n_groups)
    se = np.full(n_groups, np.nan)
    ok = g >= 2
    floor_sum = sum_by_group(group, floor, n_groups)
    se[ok] = np.sqrt(np.maximum(g[ok] / (g[ok] - 1) * ss[ok], floor_sum[ok])) / n[ok]
    skill_z = np.full(n_groups, np.nan)
    pos = se > 0  # NaN compares False
    skill_z[pos] = edge[pos] / se[pos]
    p = np.full(n_groups, np.nan)
    known = ~np.isnan(skill_z)
    p[known] = 0.5 * _ERFC(skill_z[known] / math.sqrt(2)).astype(np.float64)
    return {"edge": edge, "edge_se": se, "skill_z": skill_z, "edge_lb": edge - z * se,
            "skill_p": p}


def benjamini_hochberg(p: np.ndarray, q: float) -> np.ndarray:
    """Rule 29 over one board's ranked rows: which are skilled (NaN p counts as 1)."""
    values = np.where(np.isnan(p), 1.0, p)
    m = values.size
    if m == 0:
        return np.zeros(0, dtype=bool)
    ranked = np.sort(values)
    passing = np.flatnonzero(ranked <= np.arange(1, m + 1) * q / m)
    if not passing.size:
        return np.zeros(m, dtype=bool)
    return values <= ranked[passing[-1]]


# -- the equity curve (§4.7, §9) --------------------------------------------------------------

@dataclass(frozen=True)
class FlowArrays:
    """Rule 30's flows: wallet index, token index, timestamp, shares (micro, signed), cash
    (micro-USDC, signed: + received)."""

    wallet: np.ndarray
    token: np.ndarray
    timestamp: np.ndarray
    shares: np.ndarray
    cash: np.ndarray


@dataclass(frozen=True)
class TokenArrays:
    """Per token index: category code, payout per share (NaN until resolved), resolution
    timestamp (-1 until resolved)."""

    category: np.ndarray
    payout: np.ndarray
    resolved_ts: np.ndarray


@dataclass(frozen=True)
class Curve:
    """Every row's daily equity, sparse: the row keys with a curve (sorted), their first day
    and capital K (micro-USDC); the days on which E changed, by (key index, day), with the
    change r and E after it (micro-USDC)."""

    key: np.ndarray
    first_day: np.ndarray
    capital: np.ndarray
    change_key: np.ndarray
    change_day: np.ndarray
    change: np.ndarray
    equity: np.ndarray
    last_day: int


def _segmented_cumsum_float(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Running sums restarting at each `start`, added one by one in order (rule 30)."""
    out = []
    acc = 0.0
    for v, s in zip(values.tolist(), start.tolist(), strict=True):
        acc = v if s else acc + v
        out.append(acc)
    return np.asarray(out, dtype=np.float64)


def _segmented_cumsum_int(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    seg = np.cumsum(start) - 1
    base = (total - values)[start]
    return total - base[seg]


def _sum_by(cols: tuple[np.ndarray, ...], values: np.ndarray
            ) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Integer values summed per distinct (cols), sorted by them."""
    order = sort_rows(*cols)
    cols = tuple(c[order] for c in cols)
    start = run_starts(*cols)
    idx = np.flatnonzero(start)
    sums = np.add.reduceat(values[order], idx) if idx.size else values[:0]
    return tuple(c[idx] for c in cols), sums


def _token_values(tokens: TokenArrays, price_token: np.ndarray, price_ts: np.ndarray,
                  price_seq: np.ndarray, price: np.ndarray, as_of: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rule 31 as breakpoints sorted by (token, day): (token, day, value from that day)."""
    keep = price_ts <= as_of
    t, d, s, v = price_token[keep], price_ts[keep] // DAY, price_seq[keep], price[keep]
    order = sort_rows(t, d, s)
    t, d, v = t[order], d[order], v[order]
    last = np.append(run_starts(t, d)[1:], True) if t.size else np.zeros(0, dtype=bool)
    t, d, v = t[last], d[last], v[last]
    resolved = ((tokens.resolved_ts >= 0) & (tokens.resolved_ts <= as_of)
                & ~np.isnan(tokens.payout))
    resolution_day = np.where(resolved, tokens.resolved_ts // DAY, np.iinfo(np.int64).max)
    before = d < resolution_day[t]
    rt = np.flatnonzero(resolved)
    t = np.concatenate([t[before], rt]).astype(np.int64)
    d = np.concatenate([d[before], resolution_day[rt]]).astype(np.int64)
    v = np.concatenate([v[before], tokens.payout[rt]])
    order = sort_rows(t, d)
    return t[order], d[order], v[order]


def equity_curve(flows: FlowArrays, tokens: TokenArrays, price_token: np.ndarray,
                 price_ts: np.ndarray, price_seq: np.ndarray, price: np.ndarray, as_of: int,
                 n_codes: int, all_code: int) -> Curve:
    """Rules 30-33 for every wallet x category (key wallet * n_codes + code) and wallet x
    `all` (code all_code). Prices: one per fill, with `price_seq` ordering a token's fills
    by (timestamp, id)."""
    last_day = as_of // DAY
    keep = flows.timestamp <= as_of
    if not keep.any():
        empty = np.zeros(0, dtype=np.int64)
        return Curve(empty, empty, empty, empty, empty, empty, empty, last_day)
    cols = (flows.wallet[keep].astype(np.int64), flows.token[keep].astype(np.int64),
            flows.timestamp[keep] // DAY)
    order = sort_rows(*cols)
    w, t, day = (c[order] for c in cols)
    idx = np.flatnonzero(run_starts(w, t, day))
    w, t, day = w[idx], t[idx], day[idx]
    dq = np.add.reduceat(flows.shares[keep][order].astype(np.int64), idx)
    dc = np.add.reduceat(flows.cash[keep][order].astype(np.float64), idx)
    pair_start = run_starts(w, t)
    held = np.maximum(_segmented_cumsum_int(dq, pair_start), 0)
    cash = _segmented_cumsum_float(dc, pair_start)
    bt, bd, bv = _token_values(tokens, price_token, price_ts, price_seq, price, as_of)
    span = last_day + 2
    bkey = bt * span + bd
    fkey = t * span + day
    at = np.searchsorted(bkey, fkey, side="right") - 1
    known = at >= 0
    known[known] &= bt[at[known]] == t[known]
    value = np.where(known, bv[np.maximum(at, 0)], 0.0)
    contrib_f = np.rint(cash + held.astype(np.float64) * value).astype(np.int64)
    cash_f = np.rint(cash).astype(np.int64)
    # the token's value changes while the position holds shares, up to the next flow day
    last_of_pair = np.append(pair_start[1:], True)
    next_day = np.where(last_of_pair, last_day + 1, np.append(day[1:], 0))
    lo = np.searchsorted(bkey, fkey, side="right")
    hi = np.searchsorted(bkey, t * span + next_day, side="left")
    count = np.where(held > 0, hi - lo, 0)
    rep = np.repeat(np.arange(t.size), count)
    within = np.arange(rep.size) - np.repeat(np.cumsum(count) - count, count)
    b = lo[rep] + within
    contrib_x = np.rint(cash[rep] + held[rep].astype(np.float64) * bv[b]).astype(np.int64)
    at_f = np.arange(t.size) + np.cumsum(count) - count
    at_x = at_f[rep] + 1 + within
    contrib = np.empty(t.size + rep.size, dtype=np.int64)
    days = np.empty(contrib.size, dtype=np.int64)
    contrib[at_f], contrib[at_x] = contrib_f, contrib_x
    days[at_f], days[at_x] = day, bd[b]
    first = np.zeros(contrib.size, dtype=bool)
    first[at_f[pair_start]] = True
    delta = contrib - np.concatenate([[0], contrib[:-1]])
    delta[first] = contrib[first]
    cat_key = w * n_codes + tokens.category[t].astype(np.int64)
    seq_key = np.repeat(cat_key, 1 + count)
    cash_delta = cash_f - np.concatenate([[0], cash_f[:-1]])
    cash_delta[pair_start] = cash_f[pair_start]
    # `all`: the categories' integer sums, summed
    ek, ed, e_sum = _with_all(*_sum_by((seq_key, days), delta), n_codes, all_code)
    ck, _, c_sum = _with_all(*_sum_by((cat_key, day), cash_delta), n_codes, all_code)
    all_key = cat_key // n_codes * n_codes + all_code
    keys = np.unique(np.concatenate([cat_key, all_key]))
    first_day = np.full(keys.size, np.iinfo(np.int64).max)
    np.minimum.at(first_day, np.searchsorted(keys, cat_key), day)
    np.minimum.at(first_day, np.searchsorted(keys, all_key), day)
    nonzero = e_sum != 0
    ek, ed, e_sum = ek[nonzero], ed[nonzero], e_sum[nonzero]
    e_idx = np.searchsorted(keys, ek)
    c_idx = np.searchsorted(keys, ck)
    cumulative_cash = _segmented_cumsum_int(c_sum, run_starts(c_idx))
    capital = np.zeros(keys.size, dtype=np.int64)
    np.maximum.at(capital, c_idx, -cumulative_cash)
    return Curve(key=keys, first_day=first_day, capital=capital, change_key=e_idx,
                 change_day=ed, change=e_sum,
                 equity=_segmented_cumsum_int(e_sum, run_starts(e_idx)), last_day=last_day)


def _with_all(cols: tuple[np.ndarray, np.ndarray], values: np.ndarray, n_codes: int,
              all_code: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add the `all` rows (every category's values summed per wallet and day)."""
    key, day = cols
    (ak, ad), a_sum = _sum_by((key // n_codes * n_codes + all_code, day), values)
    (k, d), v = _sum_by((np.concatenate([key, ak]), np.concatenate([day, ad])),
                        np.concatenate([values, a_sum]))
    return k, d, v


def _segmented_cummax(segment: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running maximum of int64 values restarting at each new segment (sorted segments)."""
    if not values.size:
        return values
    start = run_starts(segment)
    idx = np.flatnonzero(start)
    lo = np.minimum.reduceat(values, idx)
    width = np.maximum.reduceat(values, idx) - lo + 1
    if int(width.astype(np.float64).sum()) >= 2 ** 62:  # too wide to shift: one at a time
        bounds = np.append(idx, values.size)
        return np.concatenate([np.maximum.accumulate(values[a:b])
                               for a, b in itertools.pairwise(bounds)])
    offset = np.cumsum(width) - width
    seg = np.cumsum(start) - 1
    shift = offset[seg] - lo[seg]
    return np.maximum.accumulate(values + shift) - shift


def _equity_on(curve: Curve, day: np.ndarray) -> np.ndarray:
    """E of every curve key at the end of `day` (one per key): the last change by then."""
    keys = np.arange(curve.key.size)
    width = curve.last_day + 2
    at = np.searchsorted(curve.change_key * width + curve.change_day, keys * width + day,
                         side="right") - 1
    found = at >= 0
    found[found] &= curve.change_key[at[found]] == keys[found]
    return np.where(found, curve.equity[np.maximum(at, 0)], 0)


def risk_by_key(curve: Curve, targets: np.ndarray, days: int | None) -> dict[str, np.ndarray]:
    """Rules 33-35 for the row keys `targets` in a window of `days` (None: lifetime)."""
    k = curve.key.size
    span_start = curve.first_day.copy()
    if days is not None:
        span_start = np.maximum(span_start, curve.last_day - days + 1)
    n = (curve.last_day - span_start + 1).astype(np.int64)
    key_idx, day, r, equity = curve.change_key, curve.change_day, curve.change, curve.equity
    e_before = _equity_on(curve, span_start - 1)
    e_end = _equity_on(curve, np.full(k, curve.last_day))
    inside = day >= span_start[key_idx]
    ki, ri, ei = key_idx[inside], r[inside], equity[inside]
    r_usdc = ri / MICRO
    mean = (e_end - e_before) / MICRO / n
    changed = np.bincount(ki, minlength=k)
    r_min = np.full(k, np.iinfo(np.int64).max)
    r_max = np.full(k, np.iinfo(np.int64).min)
    np.minimum.at(r_min, ki, ri)
    np.maximum.at(r_max, ki, ri)
    all_equal = (changed == 0) | ((changed == n) & (r_min == r_max))
    squares = sum_by_group(ki, (r_usdc - mean[ki]) ** 2, k)
    squares += (n - changed) * mean ** 2
    sharpe = np.full(k, np.nan)
    ok = (n >= 2) & ~all_equal
    sharpe[ok] = mean[ok] / np.sqrt(squares[ok] / (n[ok] - 1))
    lost = ri < 0
    down = sum_by_group(ki[lost], r_usdc[lost] ** 2, k)
    sortino = np.full(k, np.nan)
    ok = (n >= 2) & (np.bincount(ki[lost], minlength=k) > 0)
    sortino[ok] = mean[ok] / np.sqrt(down[ok] / n[ok])
    peak = np.maximum(_segmented_cummax(ki, ei), e_before[ki])
    fall = peak - ei
    drawdown = np.zeros(k, dtype=np.int64)
    np.maximum.at(drawdown, ki, fall)
    capital = curve.capital[ki]
    base = capital + peak
    ok = base > 0
    pct = np.zeros(k)
    np.maximum.at(pct, ki[ok], fall[ok] / base[ok])
    pct[curve.capital == 0] = np.nan
    out = {"sharpe_daily": sharpe, "sortino_daily": sortino,
           "max_drawdown": drawdown / MICRO, "max_drawdown_pct": pct}
    at = np.minimum(np.searchsorted(curve.key, targets), max(k - 1, 0))
    found = (curve.key[at] == targets) if k else np.zeros(targets.size, dtype=bool)
    return {name: np.where(found, col[at], np.nan) if k else np.full(targets.size, np.nan)
            for name, col in out.items()}


# -- behaviour (§4.8) -------------------------------------------------------------------------

def behaviour_by_group(group: np.ndarray, n_groups: int, timestamp: np.ndarray,
                       role: np.ndarray, is_buy: np.ndarray, price: np.ndarray,
                       bet: np.ndarray, condition: np.ndarray, outcome: np.ndarray,
                       config: LedgerConfig) -> dict[str, np.ndarray]:
    """Rules 36-39 for every group, from its fills (one row each)."""
    trades = np.bincount(group, minlength=n_groups)
    passive = sum_by_group(group, role == ROLE_PASSIVE, n_groups)
    known = sum_by_group(group, role != ROLE_UNKNOWN, n_groups)
    passive_share = np.full(n_groups, np.nan)
    has = known > 0
    passive_share[has] = passive[has] / known[has]
    buys = np.bincount(group[is_buy], minlength=n_groups)
    both = _both_sides(group[is_buy], bet[is_buy], condition[is_buy],
                       timestamp[is_buy] // DAY, outcome[is_buy], n_groups)
    order = np.lexsort((timestamp, group))
    g, ts = group[order], timestamp[order]
    same = g[1:] == g[:-1]
    gaps = median_by_group(g[1:][same], (ts[1:] - ts[:-1])[same], n_groups)
    entry = median_by_group(group[is_buy], price[is_buy], n_groups)
    enough = trades >= config.flag_min_fills
    with np.errstate(invalid="ignore"):
        maker = enough & ((passive_share >= config.mm_passive_share)
                          | (both >= config.mm_both_sides_share))
        fast = enough & (gaps < config.hf_median_gap_s)
        favourite = (buys >= config.flag_min_fills) & (entry >= config.favourite_median_entry)
    return {"passive_share": passive_share, "both_sides_share": both, "median_gap_s": gaps,
            "median_entry": entry, "market_maker": maker, "high_frequency": fast,
            "favourite_buyer": favourite}


def _both_sides(group: np.ndarray, bet: np.ndarray, condition: np.ndarray, day: np.ndarray,
                outcome: np.ndarray, n_groups: int) -> np.ndarray:
    """Rule 37 from the BUY fills."""
    share = np.full(n_groups, np.nan)
    if not group.size:
        return share
    cols = (group, bet, condition, day, outcome)
    order = sort_rows(*cols)
    g, b, c, d, o = (col[order] for col in cols)
    per_bet = run_starts(g, b)
    per_day = run_starts(g, b, c, d)
    per_outcome = run_starts(g, b, c, d, o)
    day_id = np.cumsum(per_day) - 1
    two = sum_by_group(day_id, per_outcome, int(day_id[-1]) + 1) >= 2
    bet_id = np.cumsum(per_bet) - 1
    flagged = np.zeros(int(bet_id[-1]) + 1, dtype=bool)
    np.logical_or.at(flagged, bet_id[per_day], two)
    bet_group = g[per_bet]
    with_buy = np.bincount(bet_group, minlength=n_groups)
    both = sum_by_group(bet_group, flagged, n_groups)
    has = with_buy > 0
    share[has] = both[has] / with_buy[has]
    return share
