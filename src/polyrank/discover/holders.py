"""The holders of chosen markets as a source of wallets (docs/protocols.md §3.5): the Data API's
`/holders?market=` lists the largest holders of each outcome token of a market. A target is a
market's condition id (`0x` + 64 hex) or an event — its Gamma id (digits) or slug — which
stands for every market it holds (Gamma `/events/{id}`, `/events/slug/{slug}`). Each holder is
kept with its label (its name, else its pseudonym)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from urllib.parse import quote

from polyrank.discover.registry import (
    SourceReport,
    insert,
    labelled_rows,
    merge_label,
    today,
)
from polyrank.errors import InvalidArgument, PermanentUpstreamError
from polyrank.progress import Progress
from polyrank.store import Store
from polyrank.upstream.data_api import DataApi
from polyrank.upstream.http import Http
from polyrank.upstream.records import parse_gamma_event
from polyrank.upstream.retry import FailureStreak

log = logging.getLogger(__name__)
SOURCE = "holders"
MARKETS_PER_REQUEST = 10  # `market` takes a comma list; a short one keeps URLs small
_CONDITION = re.compile(r"^0x[0-9a-fA-F]{64}$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def classify(target: str) -> tuple[str, str]:
    """("market", condition id) | ("event", Gamma id) | ("slug", event slug)."""
    text = target.strip()
    if _CONDITION.match(text):
        return "market", text.lower()
    if text.isdigit():
        return "event", text
    if _SLUG.match(text) and not text.lower().startswith("0x"):
        return "slug", text
    raise InvalidArgument("holders", f"--holders {target!r} is neither a condition id (0x + 64 "
                          "hex) nor an event id or slug")


async def event_markets(http: Http, gamma_url: str, kind: str, ref: str,
                        streak: FailureStreak) -> list[str]:
    """The condition ids of an event's markets, from Gamma."""
    base = gamma_url.rstrip("/")
    url = f"{base}/events/{ref}" if kind == "event" else f"{base}/events/slug/{quote(ref)}"
    try:
        body = await http.get_json(url, streak=streak)
    except PermanentUpstreamError as exc:
        if exc.status == 404:
            raise InvalidArgument("holders", f"no event {ref!r} on Gamma ({url})") from None
        raise
    event = parse_gamma_event(body)
    if not event.markets:
        log.warning("discover: holders: event %s has no markets", ref)
    return [m.condition_id for m in event.markets]


async def targets_to_markets(http: Http, gamma_url: str, targets: Sequence[str],
                             streak: FailureStreak) -> tuple[list[str], int]:
    """Every condition id the targets stand for, once each in the order given, and the number
    of Gamma requests it took."""
    markets: dict[str, None] = {}
    requests = 0
    for kind, ref in [classify(t) for t in targets]:
        if kind == "market":
            markets[ref] = None
            continue
        requests += 1
        markets.update(dict.fromkeys(await event_markets(http, gamma_url, kind, ref, streak)))
    return list(markets), requests


async def sweep_holders(api: DataApi, http: Http, gamma_url: str, store: Store,
                        targets: Sequence[str], *, limit: int, streak: FailureStreak,
                        progress: Progress) -> SourceReport:
    report = SourceReport(SOURCE)
    markets, report.requests = await targets_to_markets(http, gamma_url, targets, streak)
    report.markets = len(markets)
    labels: dict[str, str] = {}
    with progress.task("discover: holders markets", total=len(markets)) as bar:
        for start in range(0, len(markets), MARKETS_PER_REQUEST):
            chunk = markets[start:start + MARKETS_PER_REQUEST]
            report.requests += 1
            for holder in await api.holders(chunk, limit=limit, streak=streak):
                report.rows += 1
                merge_label(labels, holder.wallet, holder.label)
            bar.advance(len(chunk))
    insert(store, labelled_rows(SOURCE, today(), labels))
    report.wallets = len(labels)
    return report
