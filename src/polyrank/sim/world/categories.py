"""The tag vocabulary of generated worlds, over the product's categories
(`polyrank.categories`): every category's sub-tags, event shares and stable tag ids."""

from __future__ import annotations

from collections.abc import Iterable

from polyrank.categories import CATEGORIES, OTHER
from polyrank.categories import PRIORITY as CANONICAL

CATEGORY_CODE = {name: i for i, name in enumerate(CATEGORIES)}

#: Sub-tags per category, as Polymarket uses them (slugs).
SUB_TAGS: dict[str, tuple[str, ...]] = {
    "sports": ("nba", "nfl", "soccer", "mlb", "nhl", "tennis", "ufc"),
    "crypto": ("btc", "eth", "sol", "xrp"),
    "politics": ("elections", "us-politics", "trump", "congress"),
    "geopolitics": ("ukraine", "middle-east", "china"),
    "economics": ("fed", "inflation", "jobs", "gdp"),
    "finance": ("stocks", "ipos", "earnings"),
    "tech": ("ai", "openai", "apple"),
    "culture": ("movies", "music", "awards", "celebrities"),
    "weather": ("hurricanes", "temperature"),
    "mentions": ("speeches", "tweets"),
    OTHER: ("science", "space", "health"),
}

#: Relative frequency of each category among generated events.
EVENT_SHARE: dict[str, float] = {
    "sports": 0.24, "crypto": 0.17, "politics": 0.15, "geopolitics": 0.06, "economics": 0.06,
    "finance": 0.06, "tech": 0.05, "culture": 0.07, "weather": 0.03, "mentions": 0.05,
    OTHER: 0.06,
}


def _tag_table() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    next_id = 2
    for name in CANONICAL:
        table[name] = {"id": str(next_id), "label": name.capitalize(), "slug": name}
        next_id += 1
    next_id = 100100
    for cat in CATEGORIES:
        for slug in SUB_TAGS[cat]:
            words = slug.replace("-", " ")
            label = words.upper() if len(slug) <= 3 else words.title()
            table[slug] = {"id": str(next_id), "label": label, "slug": slug}
            next_id += 1
    return table


#: slug -> {"id", "label", "slug"}: every tag a world uses, with stable numeric ids.
TAGS = _tag_table()


def category_of(tag_slugs: Iterable[str]) -> str:
    """The category of an event with these tag slugs, the world's own reckoning (the product
    assigns it in SQL; tests compare the two)."""
    present = set(tag_slugs)
    for name in CANONICAL:
        if name in present:
            return name
    return OTHER
