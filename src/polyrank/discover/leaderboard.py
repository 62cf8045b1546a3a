"""The official leaderboard as a source of wallets (docs/protocols.md §3.5): every category x
period x order of the Data API's `/v1/leaderboard`, 50 rows a page by offset up to a cap
(about 1000 on the real service: `max_offset`), a listing ending at a short page, at the cap or
at a 400 / 422 answer beyond the server's own cap. Each wallet is kept with its label (the
board's userName); the board's figures are not stored (see `registry.py`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from polyrank.discover.registry import (
    SourceReport,
    insert,
    labelled_rows,
    merge_label,
    today,
)
from polyrank.errors import PermanentUpstreamError
from polyrank.progress import Progress
from polyrank.store import Store
from polyrank.upstream.board_records import BoardEntry
from polyrank.upstream.data_api import BOARD_PAGE, DataApi
from polyrank.upstream.retry import FailureStreak

log = logging.getLogger(__name__)
SOURCE = "leaderboard"
CATEGORIES = ("OVERALL", "POLITICS", "SPORTS", "CRYPTO", "FINANCE", "CULTURE", "MENTIONS",
              "WEATHER", "ECONOMICS", "TECH")
PERIODS = ("DAY", "WEEK", "MONTH", "ALL")
ORDERS = ("PNL", "VOL")
LISTINGS = tuple((c, p, o) for c in CATEGORIES for p in PERIODS for o in ORDERS)
CAP_STATUSES = (400, 422)  # what an offset beyond the server's cap answers


@dataclass
class Listing:
    category: str
    period: str
    order: str
    entries: list[BoardEntry]
    requests: int
    capped: bool  # the offset cap stopped it: there may be more rows

    @property
    def name(self) -> str:
        return f"{self.category}/{self.period}/{self.order}"


async def read_listing(api: DataApi, category: str, period: str, order: str, *,
                       max_offset: int, streak: FailureStreak) -> Listing:
    """One board, page by page, as far as `max_offset` lets one read."""
    entries: list[BoardEntry] = []
    offset = requests = 0
    while True:
        requests += 1
        try:
            page = await api.board_page(category, period, order, offset, streak=streak)
        except PermanentUpstreamError as exc:
            if offset > 0 and exc.status in CAP_STATUSES:  # the server's cap is lower
                return Listing(category, period, order, entries, requests, True)
            raise
        entries.extend(page)
        if len(page) < BOARD_PAGE:
            return Listing(category, period, order, entries, requests, False)
        offset += BOARD_PAGE
        if offset > max_offset:
            return Listing(category, period, order, entries, requests, True)


def labels_of(listings: list[Listing]) -> dict[str, str]:
    """address -> its label: the first non-empty userName met, in listing order."""
    labels: dict[str, str] = {}
    for listing in listings:
        for entry in listing.entries:
            merge_label(labels, entry.wallet, entry.user_name)
    return labels


async def sweep_leaderboard(api: DataApi, store: Store, *, max_offset: int,
                            streak: FailureStreak, progress: Progress) -> SourceReport:
    """Read every listing, then write its wallets in one insert (nothing when it fails)."""
    report = SourceReport(SOURCE)
    listings = []
    with progress.task("discover: leaderboard listings", total=len(LISTINGS)) as bar:
        for category, period, order in LISTINGS:
            listing = await read_listing(api, category, period, order, max_offset=max_offset,
                                         streak=streak)
            listings.append(listing)
            report.requests += listing.requests
            report.rows += len(listing.entries)
            if listing.capped:
                report.capped.append(listing.name)
            bar.advance(1)
    labels = labels_of(listings)
    insert(store, labelled_rows(SOURCE, today(), labels))
    report.wallets = len(labels)
    if report.capped:
        log.info("discover: leaderboard: %d listings stopped at the offset cap (%d)",
                 len(report.capped), max_offset)
    return report
