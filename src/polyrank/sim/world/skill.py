"""Skill against the price paid and behaviour (docs/metrics.md §4.6, §4.8): the ledger's
pure functions (the daily equity curve's risk figures, §4.7, are in `.equity`).

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
The daily equity curve (§4.7, §9): rules 30-35 in `polyrank.sim.world.equity`.
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

import math

import numpy as np

from polyrank.sim.world.ledger import LedgerConfig
from polyrank.sim.world.params import EXCHANGES

DAY = 86400
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
