"""Keeping a store current from the chain: a store loaded at t1 with an RPC URL and refreshed
at t2 — the wallets it knows brought up to date by one sweep of the tape (every wallet's logs
since their cursor, routed), new ones loaded whole — equals a store built from scratch at t2;
a store loaded from the Data API moves to the chain on its next refresh, its fee-less rows
replaced; and the chain's tape as a discovery source finds exactly the world's makers."""

from __future__ import annotations

from collections import Counter

import pyarrow.parquet as pq
import pytest

import polyrank
from polyrank.session import REFRESH_SOURCES
from polyrank.sim.replay import ReplayServer
from polyrank.sim.replay.clock import parse_time
from polyrank.sim.replay.loader import load_world
from polyrank.sim.world import WorldParams, generate_world
from polyrank.store import Store
from tests.ingest_support import FAST_RETRY, settings_for
from tests.integration.test_refresh import assert_same, counts, snapshot

START = "2026-04-01"
T1, T2 = parse_time("2026-05-20"), parse_time("2026-06-20")
FAST = {"retry": FAST_RETRY, "goldsky_limit": None, "data_limit": None, "rpc_limit": None}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("refresh-chain") / "world"
    generate_world(path, WorldParams(seed=23, wallets=90, markets=36, start=START,
                                     end="2026-07-10"))
    return path


@pytest.fixture(scope="module")
def server(world):
    with ReplayServer(load_world(world), clock=T1) as srv:
        yield srv


def open_store(server, dsn: str, root, *, chain: bool = True):
    settings = settings_for(server.url, dsn, root)
    if chain:
        settings = settings.with_overrides(rpc_url=server.rpc_url)
    return polyrank.open(dsn, settings=settings)


def build(server, dsn: str, root, *, chain: bool = True):
    """From scratch at the clock's time: discover (the chain's tape, or both of the others
    without a chain), then the whole pipeline."""
    with open_store(server, dsn, root, chain=chain) as pr:
        pr.discover(since=START, sources=("chain",) if chain else REFRESH_SOURCES,
                    data_limit=None, rpc_limit=None)
        return pr.run_pipeline(**FAST)


def refresh(server, dsn: str, root):
    with open_store(server, dsn, root) as pr:
        return pr.refresh(discover_since=START, **FAST)


def reads(server, prefix: str) -> int:
    return sum(n for path, n in server.stats()["by_path"].items() if path.startswith(prefix))


@pytest.fixture(scope="module")
def rebuilt(server, tmp_path_factory):
    root = tmp_path_factory.mktemp("rebuilt")
    server.set_clock(T2, 0)
    try:
        before = reads(server, "rpc:")
        report = build(server, f"chdb://{root / 'store'}", root / "rt")
        requests = reads(server, "rpc:") - before
    finally:
        server.set_clock(T1, 0)
    return f"chdb://{root / 'store'}", report, requests


@pytest.fixture(scope="module")
def refreshed(server, tmp_path_factory):
    root = tmp_path_factory.mktemp("refreshed")
    dsn = f"chdb://{root / 'store'}"
    server.set_clock(T1, 0)
    first = build(server, dsn, root / "rt")
    at_t1 = counts(dsn)
    server.set_clock(T2, 0)
    try:
        rpc, activity = reads(server, "rpc:"), reads(server, "data:/activity")
        again = refresh(server, dsn, root / "rt")
        used = reads(server, "rpc:") - rpc, reads(server, "data:/activity") - activity
    finally:
        server.set_clock(T1, 0)
    return dsn, first, at_t1, again, used


def test_a_swept_refresh_at_t2_equals_a_rebuild_at_t2(refreshed, rebuilt, world):
    dsn, first, at_t1, again, (rpc_requests, activity_reads) = refreshed
    fills = pq.read_table(world / "fills.parquet", columns=["maker", "timestamp"]).to_pylist()
    known = {f["maker"] for f in fills if f["timestamp"] <= T1}
    new = {f["maker"] for f in fills if T1 < f["timestamp"] <= T2} - known
    assert new, "no wallet first seen after t1"
    assert again.ingest.failed == {} and again.metrics is not None
    # the wallets known at t1 were brought up to date by the sweep, the new ones loaded whole
    assert again.ingest.swept == len(known) == first.ingest.done
    assert_same(snapshot(dsn), snapshot(rebuilt[0]))
    assert counts(dsn)["fills"] == counts(rebuilt[0])["fills"] > at_t1["fills"]
    # the Data API was never asked for a wallet's activity: the chain is the V2 era's source
    assert activity_reads == 0
    # a sweep costs what happened since t1, not a scan per batch of wallets
    assert rpc_requests < rebuilt[2] / 2, (rpc_requests, rebuilt[2])


def test_an_idle_swept_refresh_computes_nothing(server, refreshed, tmp_path):
    dsn, *_ = refreshed
    before = counts(dsn)
    server.set_clock(T2, 0)
    try:
        report = refresh(server, dsn, tmp_path / "rt")
    finally:
        server.set_clock(T1, 0)
    assert report.ingest.fills_new == 0 and report.ingest.activities_new == 0
    assert report.metrics is None and counts(dsn) == before


def test_a_store_on_the_data_api_moves_to_the_chain(server, world, rebuilt, tmp_path):
    """Loaded at t1 without a chain (V2 fills fee-less, under derived ids), refreshed at t2
    with one: the Data API's rows are replaced by the chain's, the fee flag is gone, and
    every result equals the chain-built store's (the registry aside: its sources differ)."""
    dsn = f"chdb://{tmp_path / 'store'}"
    server.set_clock(T1, 0)
    build(server, dsn, tmp_path / "rt", chain=False)
    with Store.open(dsn) as store:
        assert store.scalar("SELECT count() FROM fills WHERE source = 'data_api'") > 0
    server.set_clock(T2, 0)
    try:
        report = refresh(server, dsn, tmp_path / "rt")
    finally:
        server.set_clock(T1, 0)
    assert report.ingest.failed == {} and report.ingest.swept == 0
    with Store.open(dsn) as store:
        sources = dict(store.rows("SELECT source, count() FROM fills GROUP BY source"))
        acts = dict(store.rows("SELECT source, count() FROM activities GROUP BY source"))
        flagged = store.scalar("SELECT sum(v2_fills_without_fee) FROM ingest_wallets FINAL")
    assert "data_api" not in sources and sources["chain"] > 0
    assert "data_api" not in acts and flagged == 0
    assert report.ingest.replaced > 0 and report.enrich is not None
    got, want = snapshot(dsn), snapshot(rebuilt[0])
    got["wallet_registry"] = want["wallet_registry"] = []  # found by other sources
    assert_same(got, want)


def test_the_chain_tape_finds_every_maker_of_the_period(server, world, tmp_path):
    """Every maker with a fill from START to the clock, with its number of fills, first
    and last fill — all four exchanges, both eras."""
    dsn = f"chdb://{tmp_path / 'store'}"
    server.set_clock(T2, 0)
    try:
        with open_store(server, dsn, tmp_path / "rt") as pr:
            report = pr.discover(since=START, sources=("chain",), rpc_limit=None)
            again = pr.discover(since=START, sources=("chain",), rpc_limit=None)
    finally:
        server.set_clock(T1, 0)
    fills = [f for f in pq.read_table(world / "fills.parquet", columns=[
        "maker", "timestamp", "version"]).to_pylist()
        if parse_time(START) <= f["timestamp"] <= T2]
    want = Counter(f["maker"] for f in fills)
    assert {f["version"] for f in fills} == {1, 2}
    with Store.open(dsn) as store:
        got = dict(store.rows("SELECT address, fills FROM wallet_registry"))
        first_last = {r[0]: (r[1], r[2]) for r in store.rows(
            "SELECT address, first_seen, last_seen FROM wallet_registry")}
    assert got == dict(want)
    for maker in list(want)[:20]:
        times = [f["timestamp"] for f in fills if f["maker"] == maker]
        assert first_last[maker] == (min(times), max(times))
    assert report.sources["chain"].wallets == len(want)
    # resumable: the second run skips every day swept and over (all but the last)
    assert again.sources["chain"].days_already == report.sources["chain"].days - 1
    assert again.sources["chain"].requests < report.sources["chain"].requests / 4
