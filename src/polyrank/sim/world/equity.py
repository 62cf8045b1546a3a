"""The daily equity curve and its risk figures (docs/metrics.md §4.7, §9): the ledger's
reference, kept sparse (only the days on which a row's equity changes) and in integer
micro-USDC. Built a bounded slice of wallets at a time, so a big world's curve fits in memory.

Conventions (continuing `polyrank.sim.world.skill`, rules 28-29):

 30. Flows per wallet x token, those with timestamp <= as_of (`ledger.curve_flows`): a fill
     BUY: shares +received, cash -paid (fees included, rule 3); a SELL: shares -shares (the
     whole fill, beyond the holding too), cash +proceeds. SPLIT of n: each outcome token
     shares +n, cash -n / 2; MERGE of n: shares -n, cash +n / 2. CONVERSION (rule 7's legs):
     each NO leg the catalogue knows, shares -n and cash +n * (k - 1) / k when k = q, else
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
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from polyrank.sim.world.skill import run_starts, sort_rows, sum_by_group

DAY = 86400
MICRO = 1_000_000
#: about this many equity values are built at a time (a slice of wallets), and risk is
#: computed over about this many changes at a time: bounds a big world's memory
CHUNK = 1 << 19


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

    def part(self, lo: int, hi: int) -> Curve:
        """The keys lo .. hi - 1 alone."""
        a, b = np.searchsorted(self.change_key, [lo, hi])
        return Curve(self.key[lo:hi], self.first_day[lo:hi], self.capital[lo:hi],
                     self.change_key[a:b] - lo, self.change_day[a:b], self.change[a:b],
                     self.equity[a:b], self.last_day)


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


@dataclass(frozen=True)
class _Positions:
    """Per wallet x token x flow day (sorted): its category key, day, held shares (>= 0),
    cumulative cash, contribution, rounded cash, the first of its position or not, and the
    token's value changes up to its next flow day while it holds shares (breakpoints
    lo .. lo + count - 1)."""

    key: np.ndarray
    day: np.ndarray
    held: np.ndarray
    cash: np.ndarray
    contrib: np.ndarray
    cash_micro: np.ndarray
    first: np.ndarray
    lo: np.ndarray
    count: np.ndarray


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
    del order, cols
    pair_start = run_starts(w, t)
    held = np.maximum(_segmented_cumsum_int(dq, pair_start), 0)
    cash = _segmented_cumsum_float(dc, pair_start)
    bt, bd, bv = _token_values(tokens, price_token, price_ts, price_seq, price, as_of)
    span = last_day + 2
    bkey = bt * span + bd
    at = np.searchsorted(bkey, t * span + day, side="right") - 1
    known = at >= 0
    known[known] &= bt[at[known]] == t[known]
    value = np.where(known, bv[np.maximum(at, 0)], 0.0)
    # the token's value changes while the position holds shares, up to its next flow day
    next_day = np.where(np.append(pair_start[1:], True), last_day + 1, np.append(day[1:], 0))
    hi = np.searchsorted(bkey, t * span + next_day, side="left")
    count = np.where(held > 0, hi - (at + 1), 0)
    cat_key = w * n_codes + tokens.category[t].astype(np.int64)
    pos = _Positions(key=cat_key, day=day, held=held, cash=cash,
                     contrib=np.rint(cash + held.astype(np.float64) * value).astype(np.int64),
                     cash_micro=np.rint(cash).astype(np.int64), first=pair_start, lo=at + 1,
                     count=count)
    # slices of whole wallets: their rows' keys never meet another slice's, in order
    starts = np.flatnonzero(run_starts(w))
    before = np.concatenate([[0], np.cumsum(1 + count)])
    cuts = starts[np.searchsorted(before[starts], np.arange(CHUNK, before[-1], CHUNK),
                                  side="right") - 1]
    bounds = np.unique(np.concatenate([[0], cuts, [w.size]]))
    parts = [_changes(pos, a, b, bd, bv, n_codes, all_code)
             for a, b in itertools.pairwise(bounds.tolist())]
    del pos, held, cash, value, at, hi, count
    all_key = cat_key // n_codes * n_codes + all_code
    keys = np.unique(np.concatenate([cat_key, all_key]))
    first_day = np.full(keys.size, np.iinfo(np.int64).max)
    np.minimum.at(first_day, np.searchsorted(keys, cat_key), day)
    np.minimum.at(first_day, np.searchsorted(keys, all_key), day)
    capital = np.zeros(keys.size, dtype=np.int64)
    capital[np.searchsorted(keys, np.concatenate([p[4] for p in parts]))] = np.concatenate(
        [p[5] for p in parts])
    columns = []
    for i in range(4):
        columns.append(np.concatenate([p[i] for p in parts]))
        for p in parts:  # free each part's column once it is copied
            p[i] = None
    change_key, change_day, change, equity = columns
    return Curve(key=keys, first_day=first_day, capital=capital,
                 change_key=np.searchsorted(keys, change_key).astype(np.int32),
                 change_day=change_day, change=change, equity=equity, last_day=last_day)


def _changes(pos: _Positions, a: int, b: int, bd: np.ndarray, bv: np.ndarray, n_codes: int,
             all_code: int) -> list[np.ndarray]:
    """The rows of the position rows a .. b - 1 (whole wallets) and their `all` rows: the
    days their E changes (row key, day, change, E after it), and their capital (row key,
    K)."""
    count = pos.count[a:b]
    n = b - a
    rep = np.repeat(np.arange(n), count)
    within = np.arange(rep.size) - np.repeat(np.cumsum(count) - count, count)
    at = pos.lo[a:b][rep] + within
    at_flow = np.arange(n) + np.cumsum(count) - count
    at_value = at_flow[rep] + 1 + within
    values = np.empty(n + rep.size, dtype=np.int64)
    days = np.empty(values.size, dtype=np.int64)
    values[at_flow], days[at_flow] = pos.contrib[a:b], pos.day[a:b]
    values[at_value] = np.rint(pos.cash[a:b][rep]
                               + pos.held[a:b][rep].astype(np.float64) * bv[at])
    days[at_value] = bd[at]
    first = np.zeros(values.size, dtype=bool)
    first[at_flow[pos.first[a:b]]] = True
    delta = np.diff(values, prepend=0)
    delta[first] = values[first]
    key = pos.key[a:b]
    cash = pos.cash_micro[a:b]
    cash_delta = np.diff(cash, prepend=0)
    cash_delta[pos.first[a:b]] = cash[pos.first[a:b]]
    ek, ed, e_sum = _with_all(*_sum_by((np.repeat(key, 1 + count), days), delta), n_codes,
                              all_code)
    nonzero = e_sum != 0
    ek, ed, e_sum = ek[nonzero], ed[nonzero], e_sum[nonzero]
    equity = _segmented_cumsum_int(e_sum, run_starts(ek))
    ck, _, c_sum = _with_all(*_sum_by((key, pos.day[a:b]), cash_delta), n_codes, all_code)
    cash_start = run_starts(ck)
    most_out = np.maximum.reduceat(-_segmented_cumsum_int(c_sum, cash_start),
                                   np.flatnonzero(cash_start)) if ck.size else c_sum
    return [ek, ed.astype(np.int32), e_sum, equity, ck[cash_start], np.maximum(most_out, 0)]


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


RISK = ("sharpe_daily", "sortino_daily", "max_drawdown", "max_drawdown_pct")


def risk_by_key(curve: Curve, targets: np.ndarray, days: int | None) -> dict[str, np.ndarray]:
    """Rules 33-35 for the row keys `targets` in a window of `days` (None: lifetime); NaN
    for a key without a curve."""
    k = curve.key.size
    if not k:
        return {name: np.full(targets.size, np.nan) for name in RISK}
    per_key = np.searchsorted(curve.change_key, np.arange(k + 1))
    cuts = np.searchsorted(per_key, np.arange(CHUNK, per_key[-1], CHUNK))
    bounds = np.unique(np.concatenate([[0], cuts, [k]]))
    parts = [_risk(curve.part(a, b), days) for a, b in itertools.pairwise(bounds.tolist())]
    at = np.minimum(np.searchsorted(curve.key, targets), k - 1)
    found = curve.key[at] == targets
    return {name: np.where(found, np.concatenate([p[name] for p in parts])[at], np.nan)
            for name in RISK}


def _risk(curve: Curve, days: int | None) -> dict[str, np.ndarray]:
    """Rules 33-35 for every key of `curve`."""
    k = curve.key.size
    span_start = curve.first_day.copy()
    if days is not None:
        span_start = np.maximum(span_start, curve.last_day - days + 1)
    n = (curve.last_day - span_start + 1).astype(np.int64)
    e_before = _equity_on(curve, span_start - 1)
    e_end = _equity_on(curve, np.full(k, curve.last_day))
    inside = curve.change_day >= span_start[curve.change_key]
    ki, ri, ei = curve.change_key[inside], curve.change[inside], curve.equity[inside]
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
    base = curve.capital[ki] + peak
    ok = base > 0
    pct = np.zeros(k)
    np.maximum.at(pct, ki[ok], fall[ok] / base[ok])
    pct[curve.capital == 0] = np.nan
    return {"sharpe_daily": sharpe, "sortino_daily": sortino,
            "max_drawdown": drawdown / MICRO, "max_drawdown_pct": pct}
