"""Plan a world's events and markets: tags, timing, fees, ids, activity (no trading yet)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from polyrank.sim import ctf
from polyrank.sim.world.categories import CANONICAL, CATEGORIES, EVENT_SHARE, OTHER, SUB_TAGS, TAGS
from polyrank.sim.world.params import WorldParams

DAY = 86400
#: Share of events of a category (other than the last canonical one) that carry a second,
#: lower-priority canonical tag listed first (so tag order alone gives the wrong category).
MULTI_TAG_SHARE = 0.12
#: Share of events re-tagged during their life (at least one when a world has 10 events):
#: before `retag_ts` Gamma showed another category's tags (`tags_before`).
RETAG_SHARE = 0.03
#: Share of binary events that resolve 50/50 (payout [1, 1] / 2).
VOID_SHARE = 0.03
#: V1 fee rates (bps) and their shares of events; the rest trade without V1 fees.
V1_FEES = ((100, 0.12), (200, 0.08))
#: V2 fee rates (in bps of the rate, 500 = 0.05) and their shares of events.
V2_FEES = ((500, 0.45), (700, 0.20))
EVENT_ID_BASE = 30000
MARKET_ID_BASE = 600000

_SUBJECTS = {
    "sports": ("the Lakers", "the Chiefs", "Arsenal", "the Yankees", "the Oilers", "Alcaraz",
               "the Celtics", "Real Madrid"),
    "crypto": ("Bitcoin", "Ethereum", "Solana", "XRP"),
    "politics": ("the incumbent", "the challenger", "the Senate bill", "the governor"),
    "geopolitics": ("a ceasefire", "the summit", "new sanctions", "the treaty"),
    "economics": ("the Fed", "CPI", "unemployment", "GDP growth"),
    "finance": ("the S&P 500", "the IPO", "Tesla stock", "gold"),
    "tech": ("OpenAI", "Apple", "the new model", "the chip launch"),
    "culture": ("the film", "the album", "the award favourite", "the tour"),
    "weather": ("the hurricane", "the heatwave", "record rainfall"),
    "mentions": ("the press secretary", "the speech", "the debate host"),
    OTHER: ("the rocket launch", "the vaccine trial", "the discovery"),
}


@dataclass
class MarketPlan:
    index: int
    id: str
    question: str
    slug: str
    question_id: str
    condition_id: str
    token_ids: tuple[str, str]
    neg_risk_index: int | None
    fee_bps: int
    v2_fee_bps: int


@dataclass
class EventPlan:
    index: int
    id: str
    slug: str
    title: str
    category: str
    tags: list[dict]
    neg_risk: bool
    neg_risk_market_id: str | None
    start_ts: int
    end_ts: int  # planned end of trading (after the world's end for open events)
    trade_end: int  # last second of trading inside the world
    resolution_ts: int | None  # None: stays open
    void: bool  # resolves 50/50
    actions: int  # taker actions to simulate
    force_last: bool = False  # a trade at exactly trade_end (makes as_of = the world's end)
    retag_ts: int | None = None  # re-tagged at this time (start_ts < retag_ts < trade_end)
    tags_before: list[dict] | None = None  # its tags before retag_ts (another category's)
    markets: list[MarketPlan] = field(default_factory=list)

    @property
    def resolved(self) -> bool:
        return self.resolution_ts is not None


def _hex(rng: np.random.Generator, nbytes: int) -> str:
    return "0x" + rng.bytes(nbytes).hex()


def _tags(rng: np.random.Generator, category: str) -> list[dict]:
    slugs: list[str] = []
    if category != OTHER:
        pos = CANONICAL.index(category)
        if pos < len(CANONICAL) - 1 and rng.random() < MULTI_TAG_SHARE:
            slugs.append(CANONICAL[int(rng.integers(pos + 1, len(CANONICAL)))])
        slugs.append(category)
    subs = SUB_TAGS[category]
    picks = rng.choice(len(subs), size=min(len(subs), int(rng.integers(1, 3))), replace=False)
    slugs.extend(subs[int(i)] for i in sorted(picks))
    return [dict(TAGS[s]) for s in slugs]


def _pick_fee(rng: np.random.Generator, table: tuple[tuple[int, float], ...]) -> int:
    u = rng.random()
    for rate, share in table:
        if u < share:
            return rate
        u -= share
    return 0


def plan_catalogue(params: WorldParams, rows_per_action: float) -> list[EventPlan]:
    """Every event of the world with its markets and number of taker actions.

    `rows_per_action` converts the fill target into taker actions.
    """
    rng = np.random.default_rng([params.seed, 0])
    start, end = params.start_ts, params.end_ts
    cats = list(CATEGORIES)
    shares = np.array([EVENT_SHARE[c] for c in cats])
    shares /= shares.sum()
    events: list[EventPlan] = []
    n_markets = 0
    pops: list[float] = []
    while n_markets < (params.markets or 0):
        i = len(events)
        category = cats[int(rng.choice(len(cats), p=shares))]
        neg_risk = rng.random() < params.neg_risk_share
        size = int(rng.integers(3, 9)) if neg_risk else 1
        is_open = rng.random() < params.open_share
        duration = int(np.clip(rng.lognormal(np.log(21), 0.9), 2, 240) * DAY)
        if is_open:
            first = max(start, end - 150 * DAY)
            ev_start = int(rng.integers(first, end - 10 * DAY))
            ev_end = end + int(rng.integers(10, 120)) * DAY
            resolution, trade_end = None, end
        else:
            delay = int(rng.integers(3600, 3 * DAY))
            latest_start = end - DAY - delay - duration
            if latest_start <= start:
                duration = (end - DAY - delay - start) // 2
                latest_start = end - DAY - delay - duration
            # more events later in the world, as the platform grows
            ev_start = start + int((latest_start - start) * rng.random() ** 0.8)
            ev_end = ev_start + duration
            resolution, trade_end = ev_end + delay, ev_end
        subject = _SUBJECTS[category][int(rng.integers(len(_SUBJECTS[category])))]
        if neg_risk:
            title = f"{subject.capitalize()} #{i + 1}"
        else:
            title = f"Will {subject} deliver #{i + 1}?"
        ev = EventPlan(
            index=i, id=str(EVENT_ID_BASE + i), slug=f"{category}-event-{i + 1}", title=title,
            category=category, tags=_tags(rng, category), neg_risk=neg_risk,
            neg_risk_market_id=(_hex(rng, 31) + "00") if neg_risk else None,
            start_ts=ev_start, end_ts=ev_end, trade_end=trade_end, resolution_ts=resolution,
            void=(not neg_risk) and rng.random() < VOID_SHARE, actions=0,
        )
        fee_bps, v2_fee_bps = _pick_fee(rng, V1_FEES), _pick_fee(rng, V2_FEES)
        for k in range(size):
            ev.markets.append(_plan_market(rng, ev, n_markets + k, k, fee_bps, v2_fee_bps))
        n_markets += size
        pops.append(size ** 0.7 * float(rng.lognormal(0.0, 0.9)))
        events.append(ev)
    _assign_actions(events, np.array(pops), params, rows_per_action)
    _retag(events, np.random.default_rng([params.seed, 3]))
    return events


def _retag(events: list[EventPlan], rng: np.random.Generator) -> None:
    """Re-tag a few events during their life: until `retag_ts` they carried the tags of
    another category (`tags_before`); their final `tags` and `category` stay as planned, so
    the ledger (the world's end state) is unchanged. A stream of its own, so the rest of the
    world is the same with or without re-tagging."""
    if len(events) < 10:
        return
    eligible = [ev for ev in events if ev.trade_end - ev.start_ts >= 2 * DAY]
    count = min(len(eligible), max(1, round(RETAG_SHARE * len(events))))
    cats = list(CATEGORIES)
    for k in sorted(int(i) for i in rng.choice(len(eligible), size=count, replace=False)):
        ev = eligible[k]
        others = [c for c in cats if c != ev.category]
        before = others[int(rng.integers(len(others)))]
        span = ev.trade_end - ev.start_ts
        ev.retag_ts = ev.start_ts + int(span * rng.uniform(0.25, 0.75))
        ev.tags_before = _tags(rng, before)


def _plan_market(rng: np.random.Generator, ev: EventPlan, index: int, k: int, fee_bps: int,
                 v2_fee_bps: int) -> MarketPlan:
    if ev.neg_risk:
        assert ev.neg_risk_market_id is not None
        qid = ctf.neg_risk_question_id(ev.neg_risk_market_id, k)
        cond = ctf.condition_id(ctf.NEG_RISK_ADAPTER, qid)
        tokens = ctf.position_ids(ctf.NEG_RISK_WRAPPED_COLLATERAL, cond)
        question = f"Will option {k + 1} win: {ev.title}?"
    else:
        qid = _hex(rng, 32)
        cond = ctf.condition_id(ctf.UMA_CTF_ADAPTER, qid)
        tokens = ctf.position_ids(ctf.USDC_E, cond)
        question = ev.title
    slug = f"{ev.slug}-{k + 1}" if ev.neg_risk else ev.slug
    return MarketPlan(index=index, id=str(MARKET_ID_BASE + index), question=question, slug=slug,
                      question_id=qid, condition_id=cond, token_ids=tokens,
                      neg_risk_index=k if ev.neg_risk else None, fee_bps=fee_bps,
                      v2_fee_bps=v2_fee_bps)


def _assign_actions(events: list[EventPlan], pops: np.ndarray, params: WorldParams,
                    rows_per_action: float) -> None:
    total = (params.fills or 0) / rows_per_action
    weights = pops / pops.sum()
    for ev, w in zip(events, weights, strict=True):
        seconds = max(ev.trade_end - ev.start_ts, 1)
        ev.actions = int(min(max(3, round(total * w)), seconds // 4))
    open_events = [ev for ev in events if not ev.resolved]
    if open_events:
        open_events[0].force_last = True
    else:  # every world has an event trading up to its end: the as-of time
        ev = events[-1]
        ev.resolution_ts, ev.trade_end, ev.force_last = None, params.end_ts, True
        ev.end_ts = max(ev.end_ts, params.end_ts + 10 * DAY)
