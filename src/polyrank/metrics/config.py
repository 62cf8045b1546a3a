"""Every tunable of docs/metrics.md with its default: one frozen config shared by the SQL
metrics (`polyrank.metrics`) and the world's reference ledger (`polyrank.sim.world.ledger`)."""

from __future__ import annotations

from dataclasses import dataclass

MICRO = 1_000_000


DEFAULT_DUST = 0.01
DEFAULT_OMEGA_K = 10.0
DEFAULT_CBAR_FRACTION = 0.5
DEFAULT_WILSON_Z = 1.96
DEFAULT_WINDOWS: tuple[tuple[str, int | None], ...] = (
    ("30d", 30), ("90d", 90), ("180d", 180), ("lifetime", None),
)
DEFAULT_RANKED_MIN_BETS = 20
DEFAULT_RANKED_MIN_COST = 500.0
DEFAULT_RANKED_MIN_SPAN_DAYS = 14
DEFAULT_PROVISIONAL_MIN_BETS = 10
DEFAULT_CATEGORY_MIN_BETS = 10
DEFAULT_CATEGORY_MIN_COST = 250.0
DEFAULT_FOCUS_SHARE = 0.40
DEFAULT_FOCUS_MIN_BETS = 20
DEFAULT_FOCUS_MIN_COST = 1000.0
DEFAULT_EDGE_Z = 1.645
DEFAULT_TOP_FRACTION = 0.10
DEFAULT_SKILL_Q = 0.05
DEFAULT_FLAG_MIN_FILLS = 10
DEFAULT_MM_PASSIVE_SHARE = 0.40
DEFAULT_MM_BOTH_SIDES_SHARE = 0.30
DEFAULT_HF_MEDIAN_GAP_S = 60.0
DEFAULT_FAVOURITE_MEDIAN_ENTRY = 0.90


@dataclass(frozen=True, kw_only=True)
class MetricsConfig:
    """Every tunable of docs/metrics.md, defaulting to the documented values."""

    dust: float = DEFAULT_DUST
    omega_k: float = DEFAULT_OMEGA_K
    cbar_fraction: float = DEFAULT_CBAR_FRACTION
    wilson_z: float = DEFAULT_WILSON_Z
    windows: tuple[tuple[str, int | None], ...] = DEFAULT_WINDOWS
    ranked_min_bets: int = DEFAULT_RANKED_MIN_BETS
    ranked_min_cost: float = DEFAULT_RANKED_MIN_COST
    ranked_min_span_days: int = DEFAULT_RANKED_MIN_SPAN_DAYS
    provisional_min_bets: int = DEFAULT_PROVISIONAL_MIN_BETS
    category_min_bets: int = DEFAULT_CATEGORY_MIN_BETS
    category_min_cost: float = DEFAULT_CATEGORY_MIN_COST
    focus_share: float = DEFAULT_FOCUS_SHARE
    focus_min_bets: int = DEFAULT_FOCUS_MIN_BETS
    focus_min_cost: float = DEFAULT_FOCUS_MIN_COST
    edge_z: float = DEFAULT_EDGE_Z
    top_fraction: float = DEFAULT_TOP_FRACTION
    #: §4.6: the false discovery rate of the skilled badge (Benjamini-Hochberg)
    skill_q: float = DEFAULT_SKILL_Q
    #: §4.8: behaviour flags need this many fills in the row (favourite_buyer: BUY fills)
    flag_min_fills: int = DEFAULT_FLAG_MIN_FILLS
    mm_passive_share: float = DEFAULT_MM_PASSIVE_SHARE
    mm_both_sides_share: float = DEFAULT_MM_BOTH_SIDES_SHARE
    hf_median_gap_s: float = DEFAULT_HF_MEDIAN_GAP_S
    favourite_median_entry: float = DEFAULT_FAVOURITE_MEDIAN_ENTRY

    def __post_init__(self) -> None:
        if not self.windows or self.windows[-1][1] is not None:
            raise ValueError("the last window must be the lifetime window (days None)")
        if len(self.windows) > 64:  # wallet_rows.sql keeps the windows holding a fill as bits
            raise ValueError("at most 64 windows")

    @property
    def window_days(self) -> list[int]:
        """Each window's days, in order; 0 for the lifetime window."""
        return [days or 0 for _, days in self.windows]

    @property
    def dust_micro(self) -> float:
        return self.dust * MICRO


