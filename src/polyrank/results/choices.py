"""What a reader of the results may ask for: windows, categories, sort keys, orders, position
states, page limits — the one list the library checks against, the API documents and serves
at `/api/meta`, and the page builds its tabs and columns from."""

from __future__ import annotations

from collections.abc import Sequence

from polyrank.categories import CATEGORIES
from polyrank.errors import InvalidArgument
from polyrank.metrics.config import DEFAULT_WINDOWS

#: Metric windows, shortest first; the last is the whole history.
WINDOWS: tuple[str, ...] = tuple(name for name, _days in DEFAULT_WINDOWS)
#: "all" (every category together) and each category.
BOARD_CATEGORIES: tuple[str, ...] = ("all", *CATEGORIES)
#: Leaderboard sort keys; the first is the default rank key.
SORTS: tuple[str, ...] = ("omega_score", "omega", "realized_pnl", "total_pnl", "roi",
                          "win_rate_lb", "volume_usdc", "bets_closed")
ORDERS: tuple[str, ...] = ("desc", "asc")
POSITION_STATES: tuple[str, ...] = ("all", "open", "closed")
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_OFFSET = 10_000_000


def check_choice(name: str, value: str, allowed: Sequence[str]) -> str:
    """`value` when it is one of `allowed`; InvalidArgument naming the valid ones otherwise."""
    if value not in allowed:
        raise InvalidArgument(name, f"unknown {name} {value!r}", valid=list(allowed))
    return value


def check_page(limit: int, offset: int) -> tuple[int, int]:
    """(limit, offset) when 1 <= limit <= MAX_LIMIT and 0 <= offset <= MAX_OFFSET."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidArgument("limit", f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidArgument("offset",
                              f"offset must be between 0 and {MAX_OFFSET}, got {offset}")
    return limit, offset
