"""Specialists (docs/metrics.md §7), from the lifetime wallet metrics.

Conventions (continuing `polyrank.sim.world.metrics`):

 23. One row per wallet x category (canonical categories and `other`) in which the wallet has
     at least one closed lifetime bet.
 24. focus_share = the category's Σ C_b / the wallet's Σ C_b, both over closed lifetime bets
     (0 when the wallet's Σ C_b is 0). focused = focus_share >= 0.40 and bets_closed >= 20
     and cost >= 1000 in the category.
 25. roi_lb = roi - 1.645 * roi_se (null when either is null); significant = roi_lb > 0.
 26. category-eligible = the lifetime category row is `ranked` (>= 10 closed bets, >= $250).
     omega_top = the wallet is category-eligible with a non-null omega_score and fewer than
     10% x (number of category-eligible wallets with a non-null omega_score) of them have a
     strictly higher omega_score (ties share a rank).
 27. edge = significant and omega_top; is_specialist = focused and edge;
     focus_only = focused and not edge.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from polyrank.sim.world.ledger import LedgerConfig
from polyrank.sim.world.metrics import ALL

#: The wallet_metrics fields specialists are computed from.
FIELDS = ("wallet", "window", "category", "bets_closed", "cost", "roi", "roi_se", "omega_score",
          "eligibility")


def compute_specialists(metrics: Mapping[str, Sequence], config: LedgerConfig
                        ) -> dict[str, list]:
    """specialists.parquet rows as columns, from wallet_metrics columns (at least FIELDS)."""
    lifetime = config.windows[-1][0]
    rows = [dict(zip(FIELDS, values, strict=True))
            for values in zip(*(metrics[f] for f in FIELDS), strict=True)
            if values[1] == lifetime]
    total_cost = {r["wallet"]: r["cost"] for r in rows if r["category"] == ALL}
    scores: dict[str, list[float]] = {}
    for r in rows:
        if r["category"] != ALL and r["eligibility"] == "ranked" and r["omega_score"] is not None:
            scores.setdefault(r["category"], []).append(r["omega_score"])
    for values in scores.values():
        values.sort()

    out: dict[str, list] = {}
    for r in rows:
        if r["category"] == ALL or r["bets_closed"] == 0:
            continue
        wallet_cost = total_cost.get(r["wallet"], 0.0)
        share = r["cost"] / wallet_cost if wallet_cost > 0 else 0.0
        focused = (share >= config.focus_share and r["bets_closed"] >= config.focus_min_bets
                   and r["cost"] >= config.focus_min_cost)
        roi, se = r["roi"], r["roi_se"]
        roi_lb = roi - config.edge_z * se if roi is not None and se is not None else None
        eligible = r["eligibility"] == "ranked"
        score = r["omega_score"]
        top = False
        if eligible and score is not None:
            ranked = scores.get(r["category"], [])
            greater = len(ranked) - bisect.bisect_right(ranked, score)
            top = greater < config.top_fraction * len(ranked)
        edge = roi_lb is not None and roi_lb > 0 and top
        row = {
            "wallet": r["wallet"], "category": r["category"], "focus_share": share,
            "bets_closed": r["bets_closed"], "cost": r["cost"], "roi": roi, "roi_se": se,
            "roi_lb": roi_lb, "omega_score": score, "category_eligible": eligible,
            "omega_top": top, "focused": focused, "edge": edge,
            "is_specialist": focused and edge, "focus_only": focused and not edge,
        }
        for col, value in row.items():
            out.setdefault(col, []).append(value)
    return out
