"""The boards of the current metrics run: the leaderboard, the categories, the specialists.
Every function checks its arguments (InvalidArgument names the valid choices) and raises
MetricsNotReady, with the pipeline's stage, before the first metrics run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from polyrank.errors import InvalidArgument
from polyrank.results.choices import (
    BOARD_CATEGORIES,
    DEFAULT_LIMIT,
    FLAGS,
    MAX_OFFSET,
    ORDERS,
    SORTS,
    WINDOWS,
    address_fragment,
    check_choice,
    check_page,
)
from polyrank.results.tables import Rows, read, read_scalar, split_total
from polyrank.stages import metrics_run
from polyrank.store import Store

AS_OF_SQL = ("SELECT as_of FROM metrics_runs WHERE run_id = {r:String} "
             "ORDER BY finished_at DESC LIMIT 1")


@dataclass(frozen=True)
class Leaderboard(Rows):
    """One page of a board: `rows` ranked (each with its `rank` over the whole board),
    `total` the rows the board holds before paging."""

    run_id: str = ""
    as_of: int | None = None
    window: str = "lifetime"
    category: str = "all"
    sort: str = SORTS[0]
    order: str = ORDERS[0]
    total: int = 0
    skilled: bool = False
    hide: tuple[str, ...] = ()


@dataclass(frozen=True)
class Categories(Rows):
    """Per category of the run: wallets and ranked wallets in `window`, and specialists (a
    whole-history figure, the same in every window)."""

    run_id: str = ""
    as_of: int | None = None
    window: str = "lifetime"


@dataclass(frozen=True)
class Specialists(Rows):
    """Category specialists, best lower ROI bound first."""

    run_id: str = ""
    as_of: int | None = None
    category: str = "all"
    total: int = 0


def current_run(store: Store) -> tuple[str, int]:
    """(id, as-of unix time) of the readable metrics run; MetricsNotReady before the first."""
    run = metrics_run(store)
    return run, store.scalar(AS_OF_SQL, {"r": run})


def leaderboard(store: Store, *, window: str = "lifetime", category: str = "all",
                sort: str = SORTS[0], order: str = ORDERS[0], min_bets: int | None = None,
                search: str = "", limit: int = DEFAULT_LIMIT, offset: int = 0,
                skilled: bool = False, hide: Sequence[str] = ()) -> Leaderboard:
    """Wallets ranked by `sort` in one window and category. By default only ranked wallets
    (the eligibility gates); `min_bets` lists every wallet with at least that many closed bets
    instead. `skilled` keeps only the wallets with the skilled badge; `hide` leaves out those
    with any of the named behaviour flags (FLAGS); ranks are taken after both. `search` keeps
    wallets whose address contains the hex fragment (ranks kept). Ties are broken by realized
    P&L, then address; nulls sort last either way."""
    check_choice("window", window, WINDOWS)
    check_choice("category", category, BOARD_CATEGORIES)
    check_choice("sort", sort, SORTS)
    check_choice("order", order, ORDERS)
    if min_bets is not None and not 0 <= min_bets <= MAX_OFFSET:
        raise InvalidArgument("min_bets", f"min_bets must be between 0 and {MAX_OFFSET}, "
                                          f"got {min_bets}")
    check_page(limit, offset)
    if isinstance(hide, str):
        raise InvalidArgument("hide", "hide must be a list of flags", valid=list(FLAGS))
    hidden = tuple(dict.fromkeys(check_choice("hide", flag, FLAGS) for flag in hide))
    run, as_of = current_run(store)
    params = {"run": run, "window": window, "category": category, "sort": sort,
              "skilled": bool(skilled), "hide": list(hidden),
              "sign": -1 if order == "desc" else 1, "search": address_fragment(search),
              "min_bets": -1 if min_bets is None else min_bets, "limit": limit,
              "offset": offset}
    rows = read(store, "leaderboard", params)
    for row in rows:
        row["specialist_in"] = row["specialist_in"] or []
    return Leaderboard(rows, run, as_of, window, category, sort, order,
                       read_scalar(store, "leaderboard_total", params), bool(skilled), hidden)


def categories(store: Store, *, window: str = "lifetime") -> Categories:
    """The run's categories with their wallet and ranked-wallet counts in `window`, and their
    specialists."""
    check_choice("window", window, WINDOWS)
    run, as_of = current_run(store)
    return Categories(read(store, "categories", {"run": run, "window": window}), run, as_of,
                      window)


def specialists(store: Store, *, category: str = "all", limit: int = DEFAULT_LIMIT,
                offset: int = 0) -> Specialists:
    """The specialists of one category, or of all ("all")."""
    check_choice("category", category, BOARD_CATEGORIES)
    check_page(limit, offset)
    run, as_of = current_run(store)
    rows = read(store, "specialists", {"run": run, "limit": limit, "offset": offset,
                                       "category": "" if category == "all" else category})
    total = split_total(rows)
    return Specialists(rows, run, as_of, category, total)
