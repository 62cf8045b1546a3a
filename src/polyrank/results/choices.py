"""What a reader of the results may ask for: windows, categories, sort keys, orders, position
states, page limits — the one list the library checks against, the API documents and serves
at `/api/meta`, and the page builds its tabs and columns from."""

from __future__ import annotations

import re
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
                          "win_rate_lb", "volume_usdc", "bets_closed", "edge_lb", "skill_z",
                          "edge", "sharpe_daily", "sortino_daily")
#: Behaviour flags (docs/metrics.md §4.8) a reader may hide from a board.
FLAGS: tuple[str, ...] = ("market_maker", "high_frequency", "favourite_buyer")
ORDERS: tuple[str, ...] = ("desc", "asc")
POSITION_STATES: tuple[str, ...] = ("all", "open", "closed")
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_OFFSET = 10_000_000

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_FRAGMENT = re.compile(r"^(0x)?[0-9a-fA-F]{0,40}$")


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


def wallet_address(value: str) -> str:
    """A wallet address, lower-cased; InvalidArgument unless it is 0x and 40 hex digits."""
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise InvalidArgument("wallet", f"malformed wallet address {value!r}: expected 0x "
                                        "followed by 40 hex digits")
    return value.lower()


def address_fragment(value: str) -> str:
    """A search fragment of an address (hex digits, optional 0x), lower-cased."""
    if not isinstance(value, str) or not _FRAGMENT.match(value):
        raise InvalidArgument("search", f"malformed search {value!r}: expected hex digits of "
                                        "an address (optionally starting with 0x)")
    return value.lower()


# -- where the skilled money stands: markets (results/markets.py) ----------------------------

#: Sort keys of the markets list (`markets()`); the first is the default. `edge_gap`: the
#: current price minus the skilled holders' average entry on their leading outcome.
MARKET_SORTS: tuple[str, ...] = ("skilled_holders", "skilled_cost", "edge_gap", "question")
#: The window over the whole history (the last without a length in days): the skilled badge
#: of a market's holders is read there.
WHOLE_WINDOW: str = next(name for name, days in reversed(DEFAULT_WINDOWS) if days is None)
#: The skilled holders a market page lists by default (the largest holdings first).
DEFAULT_TOP_HOLDERS = 20

_GAMMA_ID = re.compile(r"^[0-9]{1,20}$")
_CONDITION_ID = re.compile(r"^0x[0-9a-fA-F]{64}$")


def market_key(value: str) -> str:
    """A market's key: a Gamma market id (digits) as given, or a condition id (0x and 64 hex
    digits) lower-cased; InvalidArgument otherwise."""
    if isinstance(value, str) and _GAMMA_ID.match(value):
        return value
    if isinstance(value, str) and _CONDITION_ID.match(value):
        return value.lower()
    raise InvalidArgument("market", f"malformed market id {value!r}: expected a Gamma market "
                                    "id (digits) or a condition id (0x and 64 hex digits)")

