"""The wallet population: archetypes, activity weights, category affinities, casual bets.

Archetypes, and the behaviour each plants for the product to recognise (docs/metrics.md
§4.6-§4.8; simulate.py makes them trade):

- informed, specialist: see the price ahead (specialists far ahead, in their specialty):
  a positive edge (§4.6).
- noise: trade on the current price and pay the spread; a tenth of the maker flow is theirs.
  (It was a fifth: with a third of their fills resting, about one in seven noise wallets
  crossed the `market_maker` flag's passive share of 0.40 by chance, more once bots took part
  of the taker flow; at a tenth about 2% do.)
- favourite: buy the dear side (0.81-0.98) of the most lopsided market and hold it; prices
  converge, so most buys are at 0.93-0.98 and the median BUY entry is >= 0.90
  (`favourite_buyer`). They no longer buy at the clipped end of a converged price (0.99 for
  a near-certainty, a small but real and steady edge that made them look skilled, §4.6), so
  they have no edge beyond luck, and act more often (TAKER_BOOST) to keep their bet counts.
- market_maker: most of the maker flow, so the resting side of nearly all their fills
  (`passive_share` >= 0.40, `market_maker`), and a few taker orders.
- whale: few, large orders, informed.
- casual: 1-9 bets each (pre-assigned events), never ranked.
- hf_bot: takers with no edge (trade on the current price like noise) that act in bursts:
  each time one is drawn in an event it places BURST_ORDERS small orders a few seconds
  apart, so the median gap between its fills is well under a minute (`high_frequency`).
  A burst buys one outcome (it works one view), so bots are not taken for market makers
  (`both_sides_share`).
  Their weight is the expected number of bursts over the world.
- gambler: no information; buy long shots (the cheap side at 0.15 or less) with large
  stakes and hold them to resolution, with enough bets to be ranked (§5). Their edge is
  about the spread and fees below zero, but the pay-offs are lopsided, so a few of them end
  with a large P&L (and now and then a skill_z that one test at 5% would pass) by luck: the
  wallets a correction for many tests (the `skilled` badge) must not reward. Their weight
  is their expected number of taker decisions (most find no long shot and skip).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polyrank.sim.world.catalogue import EventPlan
from polyrank.sim.world.categories import CATEGORIES, CATEGORY_CODE

ARCHETYPES = ("informed", "specialist", "noise", "favourite", "market_maker", "whale", "casual",
              "hf_bot", "gambler")
(INFORMED, SPECIALIST, NOISE, FAVOURITE, MARKET_MAKER, WHALE, CASUAL, HF_BOT,
 GAMBLER) = range(len(ARCHETYPES))

#: Share of the population per archetype (noise takes the rest); minimum counts in brackets.
SHARES = {MARKET_MAKER: (0.003, 3), WHALE: (0.01, 2), INFORMED: (0.06, 5),
          SPECIALIST: (0.02, 4), FAVOURITE: (0.05, 4), CASUAL: (0.35, 5), HF_BOT: (0.01, 3),
          GAMBLER: (0.02, 4)}
#: Taker activity multipliers on top of the Zipf weight.
TAKER_BOOST = {INFORMED: 3.0, SPECIALIST: 1.0, NOISE: 1.0, FAVOURITE: 2.5, MARKET_MAKER: 0.3}
ZIPF_EXPONENT = 0.7
#: Expected taker actions of a whale over the whole world (few, large bets).
WHALE_ACTIONS = 14.0
#: Expected bursts of a high-frequency bot over the whole world (each in some event).
HF_BURSTS = 30.0
#: Expected taker decisions of a gambler over the world: uniform in this range (about a
#: third of them find a long shot to buy, so most gamblers close 20-45 bets).
GAMBLER_ACTIONS = (80.0, 220.0)
#: Category affinity: specialists in / out of their specialty, others in their home category.
SPECIALTY_AFFINITY, OFF_SPECIALTY_AFFINITY, HOME_AFFINITY = 4.0, 0.12, 1.6
#: Besides their weighted share of the flow, specialists join events of their specialty
#: directly, aiming at this many events each over the world (at most 90% of them).
SPECIALIST_EVENTS, MAX_SPECIALIST_PARTICIPATION = 45, 0.9
#: Share of maker flow given by market makers (the rest by noise traders; see above).
MARKET_MAKER_FLOW = 0.9
#: A specialty needs at least this many resolved events in its category.
MIN_SPECIALTY_EVENTS = 30
MAX_CASUAL_BETS = 9


@dataclass(frozen=True)
class Population:
    addresses: np.ndarray  # object array of "0x..." strings
    archetype: np.ndarray  # int8 codes into ARCHETYPES
    specialty: np.ndarray  # int8 category code, -1 for none
    weight: np.ndarray  # float64: expected taker actions (relative)
    taker_cum: np.ndarray  # (n_categories, n_wallets) cumulative taker weights
    maker_cum: np.ndarray  # (n_wallets,) cumulative maker weights
    market_makers: np.ndarray  # indices of market makers
    casual_events: dict[int, list[int]]  # event index -> casual wallets trading in it
    specialists_by_category: list[np.ndarray]  # category code -> specialist wallets
    specialist_participation: np.ndarray  # category code -> chance to join each event


def make_population(seed: int, n: int, events: list[EventPlan], total_actions: float) -> Population:
    rng = np.random.default_rng([seed, 2])
    addresses = np.array(["0x" + rng.bytes(20).hex() for _ in range(n)], dtype=object)
    archetype = np.full(n, NOISE, dtype=np.int8)
    order = rng.permutation(n)
    pos = 0
    for code, (share, minimum) in SHARES.items():
        count = max(minimum, round(share * n))
        archetype[order[pos:pos + count]] = code
        pos += count

    n_cat = len(CATEGORIES)
    resolved_per_cat = np.bincount([CATEGORY_CODE[e.category] for e in events if e.resolved],
                                   minlength=n_cat).astype(float)
    candidates = resolved_per_cat * (resolved_per_cat >= MIN_SPECIALTY_EVENTS)
    if candidates.sum() == 0:
        candidates = (resolved_per_cat == resolved_per_cat.max()).astype(float)
    specialty = np.full(n, -1, dtype=np.int8)
    spec_idx = np.flatnonzero(archetype == SPECIALIST)
    specialty[spec_idx] = rng.choice(n_cat, size=spec_idx.size, p=candidates / candidates.sum())
    home = rng.integers(0, n_cat, size=n)

    weight = (1.0 + rng.permutation(n)) ** -ZIPF_EXPONENT
    for code, boost in TAKER_BOOST.items():
        weight[archetype == code] *= boost
    fixed = np.isin(archetype, (CASUAL, WHALE, HF_BOT, GAMBLER))
    weight[fixed] = 0.0
    weight *= total_actions / weight.sum()
    weight[archetype == WHALE] = WHALE_ACTIONS
    weight[archetype == HF_BOT] = HF_BURSTS
    gamblers = archetype == GAMBLER
    weight[gamblers] = rng.uniform(*GAMBLER_ACTIONS, size=int(gamblers.sum()))

    affinity = np.ones((n_cat, n))
    affinity[home, np.arange(n)] = HOME_AFFINITY
    affinity[:, spec_idx] = OFF_SPECIALTY_AFFINITY
    affinity[specialty[spec_idx], spec_idx] = SPECIALTY_AFFINITY
    taker_cum = np.cumsum(affinity * weight, axis=1)

    mm = np.flatnonzero(archetype == MARKET_MAKER)
    noise = archetype == NOISE
    maker = np.zeros(n)
    mm_w = (1.0 + np.arange(mm.size)) ** -0.5
    maker[mm] = MARKET_MAKER_FLOW * mm_w / mm_w.sum()
    maker[noise] = (1 - MARKET_MAKER_FLOW) * weight[noise] / weight[noise].sum()
    participation = np.minimum(MAX_SPECIALIST_PARTICIPATION,
                               SPECIALIST_EVENTS / np.maximum(resolved_per_cat, 1.0))
    return Population(addresses=addresses, archetype=archetype, specialty=specialty,
                      weight=weight, taker_cum=taker_cum, maker_cum=np.cumsum(maker),
                      market_makers=mm, casual_events=_casual_events(rng, archetype, events),
                      specialists_by_category=[spec_idx[specialty[spec_idx] == c]
                                               for c in range(n_cat)],
                      specialist_participation=participation)


def _casual_events(rng: np.random.Generator, archetype: np.ndarray,
                   events: list[EventPlan]) -> dict[int, list[int]]:
    """Each casual wallet trades in 1-9 distinct events (so it has fewer than 10 bets)."""
    out: dict[int, list[int]] = {}
    n_events = len(events)
    for w in np.flatnonzero(archetype == CASUAL):
        k = min(n_events, int(rng.integers(1, MAX_CASUAL_BETS + 1)))
        for e in rng.choice(n_events, size=k, replace=False):
            out.setdefault(int(e), []).append(int(w))
    return out


def sample(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Weighted draws: indices i with P(i) proportional to the weights behind `cum`."""
    idx = np.searchsorted(cum, u * cum[-1], side="right")
    return np.minimum(idx, cum.size - 1)
