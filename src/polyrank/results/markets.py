"""Where the skilled money stands: one market's outcomes with what every holder and the
skilled holders hold in them, and the open markets where skilled wallets hold positions.

Read from the current metrics run's positions (docs/metrics.md §2: an open position is one
not resolved at the run's as-of time and holding more than dust) and its `skilled` badges
(§4.6, the whole-history window: every category, or the market's own). A position's current
price is its token's mark, the latest trade price (the same for every position of the token).
Every function checks its arguments (InvalidArgument names the valid choices) and raises
MetricsNotReady, with the pipeline's stage, before the first metrics run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from polyrank.categories import OTHER, PRIORITY
from polyrank.errors import InvalidArgument, NotFound
from polyrank.render import jsonable
from polyrank.results.boards import current_run
from polyrank.results.choices import (
    BOARD_CATEGORIES,
    DEFAULT_LIMIT,
    DEFAULT_TOP_HOLDERS,
    MARKET_SORTS,
    MAX_LIMIT,
    ORDERS,
    WHOLE_WINDOW,
    check_choice,
    check_page,
    market_key,
)
from polyrank.results.tables import Rows, read, split_total
from polyrank.store import Store

#: "every category together" (the first board category)
EVERY = BOARD_CATEGORIES[0]
#: What a market page sums per outcome, for every group of holders.
FIGURES = ("holders", "shares", "cost", "unrealized")
#: The groups: every holder in the store, the wallets skilled overall, those skilled in the
#: market's category (prefixes of the columns of market_outcomes.sql).
GROUPS = {"all": "all", "skilled": "skilled", "skilled_category": "category"}
#: The fields of a markets-list row's `outcomes` (markets.sql's tuples), in their order.
LIST_OUTCOME = ("outcome_index", "outcome", "token_id", "holders", "shares", "cost",
                "avg_entry", "price")


@dataclass(frozen=True)
class MarketReport:
    """One market of the catalogue in the current run. `outcomes`: per outcome (token), in
    the catalogue's order, its `price` (the token's mark; null when nobody traded it), its
    `payout` once resolved, and for each group of holders — `all` (every holder in the
    store), `skilled` (badged skilled overall), `skilled_category` (badged skilled in
    `category`) — the `holders` with an open position, their net `shares`, `cost` basis
    (Σ shares × average price), `avg_entry` (cost / shares; null without shares) and
    `unrealized` P&L at the current price. `holders`: the skilled holders' open positions
    (skilled overall or in the category, each says which), largest first, at most the
    number asked for; `holders_total`: all of them."""

    market_id: str
    condition_id: str
    question: str
    slug: str
    event_id: str
    event_title: str | None
    event_slug: str | None
    category: str
    closed: bool
    resolved: bool
    resolved_at: int | None
    end_date: int | None
    neg_risk: bool
    run_id: str
    as_of: int | None
    window: str = WHOLE_WINDOW
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    holders: list[dict[str, Any]] = field(default_factory=list)
    holders_total: int = 0

    def outcome(self, name_or_index: str | int) -> dict[str, Any] | None:
        """One outcome by its name ("Yes") or index (0)."""
        return next((o for o in self.outcomes if name_or_index in (o["outcome"],
                                                                   o["outcome_index"])), None)

    def as_dict(self) -> dict[str, Any]:
        """Every field, JSON-safe (what the API answers)."""
        return jsonable(asdict(self))


@dataclass(frozen=True)
class MarketList(Rows):
    """One page of the open markets where skilled money stands: per market its skilled
    holders, their shares and cost basis, the leading outcome (the most skilled cost basis)
    with the skilled average entry and the current price there (`edge_gap` = price − entry),
    and `outcomes`, the skilled money per outcome held. `total`: the markets before paging."""

    run_id: str = ""
    as_of: int | None = None
    window: str = WHOLE_WINDOW
    category: str = EVERY
    sort: str = MARKET_SORTS[0]
    order: str = ORDERS[0]
    total: int = 0


def market(store: Store, market_id: str, *, top: int = DEFAULT_TOP_HOLDERS) -> MarketReport:
    """A market (its Gamma id or condition id) as the current run sees it: per outcome the
    current price and what every holder, the skilled wallets and the wallets skilled in its
    category hold; and its `top` largest skilled holdings. NotFound when the catalogue does
    not know it."""
    key = market_key(market_id)
    if not 1 <= top <= MAX_LIMIT:
        raise InvalidArgument("top", f"top must be between 1 and {MAX_LIMIT}, got {top}")
    run, as_of = current_run(store)
    found = read(store, "market", {"market": key, "run": run, "as_of": as_of,
                                   "priority": list(PRIORITY), "other": OTHER})
    if not found:
        raise NotFound(f"no market with Gamma id or condition id {key} in the catalogue")
    info = found[0]
    params = {"run": run, "window": WHOLE_WINDOW, "every": EVERY,
              "category": info["category"], "condition": info["condition_id"],
              "token_ids": list(info["token_ids"]), "outcomes": list(info["outcomes"]),
              "limit": top}
    payouts = list(info["payouts"])
    outcomes = [_outcome(row, payouts) for row in read(store, "market_outcomes", params)]
    holders = read(store, "market_holders", params)
    total = split_total(holders)
    return MarketReport(
        market_id=info["market_id"], condition_id=info["condition_id"],
        question=info["question"], slug=info["slug"], event_id=info["event_id"],
        event_title=info["event_title"] or None, event_slug=info["event_slug"] or None,
        category=info["category"], closed=bool(info["closed"]),
        resolved=bool(info["resolved"]), resolved_at=info["resolved_at"],
        end_date=info["end_date"], neg_risk=bool(info["neg_risk"]), run_id=run, as_of=as_of,
        outcomes=outcomes, holders=[_holder(h) for h in holders], holders_total=total)


def markets(store: Store, *, sort: str = MARKET_SORTS[0], order: str = ORDERS[0],
            category: str = EVERY, limit: int = DEFAULT_LIMIT,
            offset: int = 0) -> MarketList:
    """The open markets (unresolved at the run's as-of time) where at least one wallet badged
    skilled overall holds an open position, in one category or all; sorted by `sort`
    (skilled_holders, skilled_cost, edge_gap or question), nulls last either way, ties by
    skilled cost basis then condition id."""
    check_choice("sort", sort, MARKET_SORTS)
    check_choice("order", order, ORDERS)
    check_choice("category", category, BOARD_CATEGORIES)
    check_page(limit, offset)
    run, as_of = current_run(store)
    rows = read(store, "markets", {"run": run, "window": WHOLE_WINDOW, "every": EVERY,
                                   "category": category, "sort": sort,
                                   "sign": -1 if order == "desc" else 1, "limit": limit,
                                   "offset": offset})
    total = split_total(rows)
    for row in rows:
        row["closed"] = bool(row["closed"])
        row["outcomes"] = [dict(zip(LIST_OUTCOME, o, strict=True)) for o in row["outcomes"]]
    return MarketList(rows, run, as_of, WHOLE_WINDOW, category, sort, order, total)


def _outcome(row: dict[str, Any], payouts: list[float]) -> dict[str, Any]:
    index = row["outcome_index"]
    out = {"outcome_index": index, "outcome": row["outcome"], "token_id": row["token_id"],
           "price": row["price"], "payout": payouts[index] if index < len(payouts) else None}
    for group, prefix in GROUPS.items():
        figures = {name: row[f"{prefix}_{name}"] for name in FIGURES}
        shares = figures["shares"]
        figures["avg_entry"] = figures["cost"] / shares if figures["holders"] and shares else None
        out[group] = figures
    return out


def _holder(row: dict[str, Any]) -> dict[str, Any]:
    for flag in ("skilled", "skilled_in_category", "market_maker", "high_frequency",
                 "favourite_buyer"):
        row[flag] = bool(row[flag])
    return row
