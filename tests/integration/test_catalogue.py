"""`catalogue sync` against the replay server: Gamma events/markets/tags and pnl payouts."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

from polyrank.enrich.catalogue import payout_vector, sync_catalogue
from polyrank.sim.replay import ReplayServer, ServiceLimits
from polyrank.sim.replay.gamma import GammaLimits
from polyrank.sim.world import WorldParams, generate_world
from polyrank.store import Store
from tests.ingest_support import FAST_RETRY, settings_for


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("catalogue-world")
    generate_world(out, WorldParams(wallets=60, markets=120, seed=9))
    return out


def _jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_payout_vectors():
    assert payout_vector(["1", "0"]) == ([1, 0], 1)
    assert payout_vector(["0", "1"]) == ([0, 1], 1)
    assert payout_vector(["0.5", "0.5"]) == ([1, 1], 2)
    assert payout_vector(["0.25", "0.75"]) == ([1, 3], 4)


@pytest.mark.parametrize("small_pages", [False, True])
def test_sync_loads_the_whole_catalogue_once(world, tmp_path, small_pages):
    limits = ServiceLimits(gamma=GammaLimits(max_limit=7, max_offset=21)) if small_pages \
        else ServiceLimits()
    markets, events = _jsonl(world / "markets.jsonl"), _jsonl(world / "events.jsonl")
    with ReplayServer(world, limits=limits) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        if small_pages:  # forces the start-date windows past the offset cap
            settings = replace(settings, gamma_page_size=7, gamma_max_offset=21)
        with Store.open(settings.store_dsn) as store:
            first = asyncio.run(sync_catalogue(settings, store, policy=FAST_RETRY))
            again = asyncio.run(sync_catalogue(settings, store, policy=FAST_RETRY))
            got_markets = {r[0]: r[1:] for r in store.rows(
                "SELECT condition_id, id, event_id, token_ids, closed FROM markets FINAL")}
            tokens = {r[0]: r[1:] for r in store.rows(
                "SELECT token_id, condition_id, outcome_index FROM tokens FINAL")}
            payouts = {r[0]: r[1:] for r in store.rows(
                "SELECT condition_id, payout_numerators, payout_denominator, source "
                "FROM conditions FINAL")}
            tags = {r[0]: r[1] for r in store.rows("SELECT id, tag_slugs FROM events FINAL")}
    assert first.events_seen == len(events) and first.markets_seen == len(markets)
    assert again.events_written == 0 and again.markets_written == 0  # incremental
    assert set(got_markets) == {m["condition_id"] for m in markets}
    for m in markets:
        assert got_markets[m["condition_id"]][:3] == (m["id"], m["event_id"], m["token_ids"])
        for index, token in enumerate(m["token_ids"]):
            assert tokens[token] == (m["condition_id"], index)
        if m["payout_numerators"] is not None:
            numerators, denominator, source = payouts[m["condition_id"]]
            assert source == "pnl-subgraph"
            assert [n * m["payout_denominator"] for n in numerators] == [
                n * denominator for n in m["payout_numerators"]]
        else:
            assert m["condition_id"] not in payouts
    assert tags == {e["id"]: [t["slug"] for t in e["tags"]] for e in events}
