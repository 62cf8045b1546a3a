"""Where the skilled money stands, over `polyrank.results.markets`: one market's outcomes
with what every holder and the skilled holders hold (`/api/markets/{market_id}`), and the
open markets where skilled wallets hold positions (`/api/markets`). The response models
describe the answers in the OpenAPI schema (and FastAPI checks every answer against them)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from polyrank.results import markets
from polyrank.results.choices import (
    BOARD_CATEGORIES,
    DEFAULT_LIMIT,
    DEFAULT_TOP_HOLDERS,
    MARKET_SORTS,
    MAX_LIMIT,
    MAX_OFFSET,
    ORDERS,
)
from polyrank.store import Store

MARKET_ID = Path(description="The market's Gamma id (digits) or its condition id (0x and 64 "
                             "hex digits)")


class ErrorBody(BaseModel):
    """Every error's shape: what is wrong, the valid choices when there are few (400), the
    pipeline's stage before the first metrics run (503)."""

    error: str
    valid: list[str] | None = None
    stage: str | None = None


#: The errors a read of the metrics run answers besides 422 (FastAPI's, described by it).
ERRORS = {400: {"model": ErrorBody, "description": "A value the library does not accept"},
          503: {"model": ErrorBody, "description": "No metrics run yet: `stage` says where the "
                                                   "pipeline is"}}
#: ... and one market's page, for a market the catalogue does not know.
UNKNOWN = {404: {"model": ErrorBody, "description": "A market the catalogue does not know"}}


class Holdings(BaseModel):
    """What one group of wallets holds in one outcome, over open positions."""

    holders: int = Field(description="wallets with an open position")
    shares: float = Field(description="net shares: Σ amount")
    cost: float = Field(description="cost basis: Σ amount × average price")
    avg_entry: float | None = Field(description="cost basis / shares; null without shares")
    unrealized: float = Field(description="P&L at the current price")


class Outcome(BaseModel):
    outcome_index: int
    outcome: str
    token_id: str
    price: float | None = Field(description="current price: the token's latest trade price "
                                            "(its mark); null when nobody traded it")
    payout: float | None = Field(description="payout per share once resolved, else null")
    all: Holdings = Field(description="every holder in the store")
    skilled: Holdings = Field(description="wallets badged skilled overall (whole history, "
                                          "every category)")
    skilled_category: Holdings = Field(description="wallets badged skilled in the market's "
                                                   "category (whole history)")


class SkilledHolder(BaseModel):
    """One open position of a skilled wallet in the market."""

    wallet: str
    token_id: str
    outcome_index: int
    outcome: str
    shares: float
    avg_price: float = Field(description="average entry price")
    cost: float
    price: float | None = Field(description="current price (the token's mark)")
    unrealized: float
    skilled: bool = Field(description="badged skilled overall")
    skilled_in_category: bool = Field(description="badged skilled in the market's category")
    edge: float | None = Field(description="overall: mean dollars per share beyond the price "
                                           "paid")
    edge_lb: float | None = Field(description="overall: edge − 1.645 standard errors")
    skill_z: float | None = Field(description="overall: edge / its standard error")
    category_edge_lb: float | None
    category_skill_z: float | None
    market_maker: bool
    high_frequency: bool
    favourite_buyer: bool


class MarketHead(BaseModel):
    """What names a market, in the page and in the list."""

    market_id: str
    condition_id: str
    question: str
    slug: str
    event_id: str
    event_title: str | None
    category: str
    closed: bool = Field(description="closed for trading (Gamma)")


class Market(MarketHead):
    """One market as the current metrics run sees it."""

    event_slug: str | None
    resolved: bool = Field(description="a payout known at or before the run's as-of time")
    resolved_at: int | None
    end_date: int | None
    neg_risk: bool
    run_id: str
    as_of: int | None
    window: str = Field(description="the window whose skilled badges are read")
    outcomes: list[Outcome]
    holders: list[SkilledHolder] = Field(description="the largest skilled holdings")
    holders_total: int = Field(description="skilled holdings in all")


class OutcomeHeld(BaseModel):
    """The skilled money in one outcome of a listed market."""

    outcome_index: int
    outcome: str
    token_id: str
    holders: int
    shares: float
    cost: float
    avg_entry: float | None
    price: float | None


class MarketRow(MarketHead):
    skilled_holders: int = Field(description="skilled wallets with an open position")
    holders: int = Field(description="every wallet with an open position")
    skilled_shares: float
    skilled_cost: float
    lead_outcome_index: int = Field(description="the outcome with the most skilled cost "
                                                "basis")
    lead_outcome: str
    lead_token_id: str
    lead_shares: float
    lead_cost: float
    lead_avg_entry: float | None
    lead_price: float | None
    edge_gap: float | None = Field(description="lead_price − lead_avg_entry")
    outcomes: list[OutcomeHeld]


class MarketsPage(BaseModel):
    rows: list[MarketRow]
    run_id: str
    as_of: int | None
    window: str
    category: str
    sort: str
    order: str
    total: int


def market_routes(store: Store) -> APIRouter:
    router = APIRouter(prefix="/api/markets", responses=ERRORS)

    @router.get("", response_model=MarketsPage)
    def market_list(
        sort: str = Query(MARKET_SORTS[0], description=" | ".join(MARKET_SORTS)),
        order: str = Query(ORDERS[0], description=" | ".join(ORDERS)),
        category: str = Query(BOARD_CATEGORIES[0], description="all or a canonical category"),
        limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> dict:
        """The open markets where wallets badged skilled hold positions: per market the
        skilled holders, their shares and cost basis, the outcome they hold most (by cost
        basis) with their average entry, its current price and `edge_gap` (price − entry),
        and the skilled money per outcome."""
        return markets.markets(store, sort=sort, order=order, category=category, limit=limit,
                               offset=offset).as_dict()

    @router.get("/{market_id}", response_model=Market, responses=UNKNOWN)
    def market(
        market_id: str = MARKET_ID,
        top: int = Query(DEFAULT_TOP_HOLDERS, ge=1, le=MAX_LIMIT,
                         description="how many skilled holdings to list, largest first"),
    ) -> dict:
        """One market: per outcome its current price and, over open positions, the holders,
        net shares, cost basis, average entry and unrealized P&L of every holder, of the
        skilled wallets and of those skilled in its category; and the largest skilled
        holdings with the holders' skill figures. 404 when the catalogue does not know it."""
        return markets.market(store, market_id, top=top).as_dict()

    return router
