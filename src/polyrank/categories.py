"""The category vocabulary, on the ground floor: enrichment assigns it, metrics group by it,
the API and the page offer it, the simulator's worlds tag their events with it.

A market's category is the first of `PRIORITY` found among its event's tag slugs (the order of
the tags in the event does not matter); `OTHER` when none of them is one. Enrichment assigns
it in SQL (`enrich/sql/build_trade_tokens.sql`)."""

from __future__ import annotations

#: Canonical categories in priority order.
PRIORITY: tuple[str, ...] = (
    "sports", "crypto", "politics", "geopolitics", "economics",
    "finance", "tech", "culture", "weather", "mentions",
)
#: The category of a market none of whose tags is canonical (never a tag itself).
OTHER = "other"
#: Every category a bet can have, in a fixed order.
CATEGORIES: tuple[str, ...] = (*PRIORITY, OTHER)

