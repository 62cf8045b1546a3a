"""`polyrank catalogue sync`: Gamma events with their markets and tags (open and closed) into
the store, incrementally (unchanged rows are not rewritten), with resolution payouts from the
pnl-subgraph where it answers and from Gamma's outcomePrices otherwise."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd, lcm

import aiohttp

from polyrank.errors import UpstreamError
from polyrank.progress import NullProgress, Progress
from polyrank.settings import ORDERBOOK_SUBGRAPH, PNL_SUBGRAPH, Settings
from polyrank.stages import STAGE_SQL, set_stage
from polyrank.store import Store, load_sql
from polyrank.upstream.data_api import DataApi
from polyrank.upstream.gamma import Gamma
from polyrank.upstream.goldsky import Goldsky
from polyrank.upstream.head import upstream_head
from polyrank.upstream.http import Http
from polyrank.upstream.records import ConditionPayout, GammaEvent, GammaMarket
from polyrank.upstream.retry import FailureStreak, RetryPolicy

log = logging.getLogger(__name__)
SQL = "polyrank.enrich.sql"
HEAD_KEY = "catalogue_synced_to"  # pipeline_state: the upstream time the last sync reached
START_MARGIN_S = 86400  # closed events are listed from a day before the last sync

EVENT_COLUMNS = ("id", "slug", "title", "neg_risk", "neg_risk_market_id", "tag_ids",
                 "tag_slugs", "tag_labels", "closed", "source")
MARKET_COLUMNS = ("condition_id", "id", "question_id", "event_id", "question", "slug",
                  "outcomes", "token_ids", "outcome_prices", "neg_risk", "neg_risk_market_id",
                  "end_date", "closed", "closed_time", "uma_resolution_status", "volume",
                  "source")
TOKEN_COLUMNS = ("token_id", "condition_id", "outcome_index", "market_id", "source")
CONDITION_COLUMNS = ("condition_id", "payout_numerators", "payout_denominator",
                     "position_ids", "resolved", "resolved_at", "source")


@dataclass
class CatalogueReport:
    events_seen: int = 0
    events_written: int = 0
    markets_seen: int = 0
    markets_written: int = 0
    resolved_markets: int = 0
    payouts_from_subgraph: int = 0
    requests: int = 0
    seconds: float = 0.0
    incremental: bool = False  # only what can have changed since the last sync was read
    notes: list[str] = field(default_factory=list)


# -- pure row builders -----------------------------------------------------------------------
def payout_vector(prices: Iterable) -> tuple[list[int], int]:
    """Gamma's resolved outcomePrices as integer numerators over one denominator:
    ("1","0") -> ([1,0], 1); ("0.5","0.5") -> ([1,1], 2)."""
    fractions = [Fraction(str(p)) for p in prices]
    denominator = lcm(*(f.denominator for f in fractions)) if fractions else 1
    numerators = [int(f * denominator) for f in fractions]
    common = gcd(*numerators, denominator) or 1
    return [n // common for n in numerators], denominator // common


def event_row(event: GammaEvent) -> tuple:
    return (event.id, event.slug or "", event.title or "", int(event.neg_risk),
            event.neg_risk_market_id or "", [t.id for t in event.tags],
            [t.slug for t in event.tags], [t.label for t in event.tags],
            int(bool(event.closed)), "gamma")


def market_row(market: GammaMarket, event_id: str) -> tuple:
    return (market.condition_id, market.id, market.question_id or "", event_id,
            market.question or "", market.slug or "", list(market.outcomes),
            list(market.token_ids), [str(p) for p in market.outcome_prices],
            int(market.neg_risk), market.neg_risk_market_id or "", market.end_date,
            int(bool(market.closed)), market.closed_time, market.uma_resolution_status or "",
            "" if market.volume is None else str(market.volume), "gamma")


def token_rows(market: GammaMarket) -> list[tuple]:
    return [(token, market.condition_id, index, market.id, "gamma")
            for index, token in enumerate(market.token_ids)]


def gamma_condition_row(market: GammaMarket) -> tuple | None:
    if not market.resolved or not market.outcome_prices:
        return None
    numerators, denominator = payout_vector(market.outcome_prices)
    if sum(numerators) == 0:
        return None  # legacy ["0","0"]: no usable payout
    return (market.condition_id, numerators, denominator, list(market.token_ids), 1,
            market.closed_time, "gamma")


def subgraph_condition_row(payout: ConditionPayout, resolved_at: int | None) -> tuple | None:
    if not payout.resolved:
        return None
    return (payout.condition_id, list(payout.payout_numerators), payout.payout_denominator,
            list(payout.position_ids), 1, resolved_at, "pnl-subgraph")


def _market_signature(row: tuple) -> tuple:
    by = dict(zip(MARKET_COLUMNS, row, strict=True))
    return (by["closed"], by["uma_resolution_status"], tuple(by["outcome_prices"]),
            tuple(by["token_ids"]), by["question"], by["event_id"])


def _event_signature(row: tuple) -> tuple:
    by = dict(zip(EVENT_COLUMNS, row, strict=True))
    return (by["closed"], tuple(by["tag_slugs"]), by["title"], by["neg_risk_market_id"])


# -- the sync --------------------------------------------------------------------------------
async def sync_catalogue(settings: Settings, store: Store, *, progress: Progress | None = None,
                         policy: RetryPolicy | None = None, sleep=None,
                         incremental: bool = False) -> CatalogueReport:
    """Sync the catalogue: every open and closed event (the first time, or unless
    `incremental`), else only what can have changed since the last sync (`_changed_events`).
    Only changed rows are written; payouts are asked for the markets that newly resolved."""
    progress = progress or NullProgress()
    report, started = CatalogueReport(), time.monotonic()
    set_stage(store, "catalogue")
    known_markets = {r[0]: (r[1], r[2], tuple(r[3]), tuple(r[4]), r[5], r[6])
                     for r in store.rows(load_sql(SQL, "market_signatures.sql"))}
    known_events = {r[0]: (r[1], tuple(r[2]), r[3], r[4]) for r in
                    store.rows(load_sql(SQL, "event_signatures.sql"))}
    synced_to = int(store.scalar(STAGE_SQL, {"key": HEAD_KEY}) or 0) if incremental else 0
    report.incremental = bool(synced_to and known_events)
    async with aiohttp.ClientSession() as session:
        http = Http(session, policy=policy or RetryPolicy(), timeout_s=settings.http_timeout_s,
                    sleep=sleep or asyncio.sleep)
        gamma = Gamma(http, settings.gamma_url, page=settings.gamma_page_size,
                      max_offset=settings.gamma_max_offset)
        streak = FailureStreak(http.policy)
        goldsky = Goldsky(http, settings.subgraph_url(ORDERBOOK_SUBGRAPH),
                          settings.subgraph_url(PNL_SUBGRAPH))
        head = await _head(goldsky, DataApi(http, settings.data_api_url), streak, report)
        # newly resolved markets, and resolved ones whose payout is still Gamma's: the
        # pnl-subgraph is asked for these
        resolved: dict[str, int | None] = dict(store.rows(load_sql(SQL, "gamma_payouts.sql")))
        with progress.task("catalogue events") as bar:
            listings = (_changed_events(gamma, streak, synced_to, known_events)
                        if report.incremental else _all_events(gamma, streak))
            async for events in listings:
                _save_page(store, events, known_events, known_markets, resolved, report)
                bar.advance(len(events))
        try:
            payouts = await goldsky.conditions(sorted(resolved), streak)
        except UpstreamError as exc:
            payouts = []
            report.notes.append(f"pnl-subgraph payouts unavailable ({exc}); Gamma's "
                                "outcomePrices used")
        rows = [r for p in payouts if (r := subgraph_condition_row(p, resolved.get(
            p.condition_id)))]
        store.insert("conditions", rows, CONDITION_COLUMNS)
        report.payouts_from_subgraph = len(rows)
        report.requests = http.stats.requests
    if head is not None:  # the next incremental sync starts from here
        store.insert("pipeline_state", [(HEAD_KEY, str(head))], ("key", "value"))
    report.seconds = time.monotonic() - started
    return report


async def _head(goldsky: Goldsky, data_api: DataApi, streak: FailureStreak,
                report: CatalogueReport) -> int | None:
    """How far the upstream reaches as the sync begins (`upstream_head`)."""
    try:
        return await upstream_head(goldsky, data_api, streak)
    except UpstreamError as exc:
        report.notes.append(f"the upstream's present is unreadable ({exc}): the next "
                            "incremental sync starts from the previous one")
        return None


async def _all_events(gamma: Gamma, streak: FailureStreak
                      ) -> AsyncIterator[list[GammaEvent]]:
    for closed in (False, True):
        async for events in gamma.events(closed=closed, streak=streak):
            yield events


async def _changed_events(gamma: Gamma, streak: FailureStreak, synced_to: int,
                          known_events: dict) -> AsyncIterator[list[GammaEvent]]:
    """The events that can have changed since a sync that reached `synced_to`: every open
    event (new markets, resolutions, tag changes happen there), the closed events that
    started since (created and closed in between: never seen open), and the events the
    store has as open that are in neither (closed since: asked for by id). A change to an
    event that was already closed is not seen: a full sync (`incremental=False`) reads all."""
    was_open = {event_id for event_id, sig in known_events.items() if not sig[0]}
    seen: set[str] = set()
    for closed, start_min in ((False, None), (True, synced_to - START_MARGIN_S)):
        async for events in gamma.events(closed=closed, streak=streak, start_min=start_min):
            seen.update(e.id for e in events)
            yield events
    gone = sorted(was_open - seen)
    if gone:
        yield await gamma.events_by_id(gone, closed=True, streak=streak)


def _save_page(store: Store, events: list[GammaEvent], known_events: dict, known_markets: dict,
               resolved: dict[str, int | None], report: CatalogueReport) -> None:
    ev_rows, mk_rows, tok_rows, cond_rows, tag_rows = [], [], [], [], {}
    for event in events:
        report.events_seen += 1
        row = event_row(event)
        if known_events.get(event.id) != _event_signature(row):
            ev_rows.append(row)
            known_events[event.id] = _event_signature(row)
            for tag in event.tags:
                tag_rows[tag.id] = (tag.id, tag.label, tag.slug)
        for market in event.markets:
            report.markets_seen += 1
            mrow = market_row(market, event.id)
            report.resolved_markets += market.resolved
            if known_markets.get(market.condition_id) == _market_signature(mrow):
                continue
            if market.resolved:
                resolved[market.condition_id] = market.closed_time
            known_markets[market.condition_id] = _market_signature(mrow)
            mk_rows.append(mrow)
            tok_rows.extend(token_rows(market))
            if (crow := gamma_condition_row(market)) is not None:
                cond_rows.append(crow)
    store.insert("events", ev_rows, EVENT_COLUMNS)
    store.insert("tags", list(tag_rows.values()), ("id", "label", "slug"))
    store.insert("markets", mk_rows, MARKET_COLUMNS)
    store.insert("tokens", tok_rows, TOKEN_COLUMNS)
    store.insert("conditions", cond_rows, CONDITION_COLUMNS)
    report.events_written += len(ev_rows)
    report.markets_written += len(mk_rows)
