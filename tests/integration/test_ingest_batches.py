"""Sized batches against the replay: whatever the sizes, the parts a batch's read splits into
and the faults, every wallet's history is loaded whole and once; pages come back fuller than
with fixed batches; the registry's and the store's figures size the batches."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace

import pytest

from polyrank.discover.run import DiscoverOptions, discover
from polyrank.ingest.writer import Writer
from polyrank.settings import V2_MIGRATION_TS
from polyrank.sim.replay import FaultConfig, ReplayServer
from polyrank.store import Store
from tests.ingest_support import (
    FAST_RETRY,
    run_ingest,
    settings_for,
    store_fills,
    wallet_states,
    world_rows,
    world_v1_fills,
)
from tests.replay_world import write_world

START, END = 1767225600, V2_MIGRATION_TS - 1  # 2026-01-01 up to the migration: V1 only
PAGE = 50  # small pages: many of them, and reads long enough to split


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_world(tmp_path_factory.mktemp("batches") / "w", n_wallets=40, n_matches=2500,
                       start_ts=START, end_ts=END, hot_wallet_share=0.2)


def load(tiny, tmp_path, faults: FaultConfig | None = None, **options):
    with ReplayServer(tiny.path, faults=faults or FaultConfig()) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, tiny.wallets, page_size=PAGE, activities=False,
                            **options)
    return settings, report


def assert_loaded_once(tiny, settings, report):
    assert report.failed == {}
    got, count, distinct = store_fills(settings.store_dsn)
    assert got == dict(world_v1_fills(tiny.path)) and count == distinct
    assert {s[0] for s in wallet_states(settings.store_dsn).values()} == {"done"}


def test_sized_batches_fill_fuller_pages_than_fixed_ones(tiny, tmp_path):
    """One worker: no part is split off, the batches alone make the difference."""
    sized_settings, sized = load(tiny, tmp_path / "sized", workers=1, batch_pages=20)
    assert_loaded_once(tiny, sized_settings, sized)
    fixed_settings, fixed = load(tiny, tmp_path / "fixed", workers=1, batch_pages=None,
                                 batch_wallets=4, heavy_rows=10)
    assert_loaded_once(tiny, fixed_settings, fixed)
    assert sized.fills_fetched == fixed.fills_fetched == len(world_rows(tiny.path))
    assert sized.read_parts == 0 and sized.fill_pages < fixed.fill_pages


# one batch for every wallet (the first batch of unknown wallets takes target / PRIOR_ROWS)
ONE_BATCH = {"batch_pages": 1000}


def test_idle_workers_split_a_read_into_parts_and_nothing_is_lost_or_doubled(tiny, tmp_path):
    settings, report = load(tiny, tmp_path, workers=4, **ONE_BATCH)
    assert_loaded_once(tiny, settings, report)
    assert report.read_parts > 0  # no client limit: every idle worker reads a part


def test_a_failed_part_fails_its_batch_and_a_rerun_loads_what_is_left(tiny, tmp_path):
    """One retry only: a part's request that fails twice fails the part, hence its batch
    (nothing of it is written); its wallets are tried alone, those failing again are recorded
    failed with no rows, and the next run loads them, doubling nothing."""
    faults = FaultConfig(fault_seed=4, error_rate=0.1, timeout_rate=0.05, drop_rate=0.03,
                         truncate_rate=0.03, malformed_rate=0.02)
    settings, first = load(tiny, tmp_path, faults, workers=5,
                           retry=replace(FAST_RETRY, retries=1), **ONE_BATCH)
    assert first.read_parts > 0 and first.http["retries"] > 0
    got, count, distinct = store_fills(settings.store_dsn)
    want = world_v1_fills(tiny.path)
    assert count == distinct
    assert not set(got) & set(first.failed)
    assert all(got.get(w, set()) == want.get(w, set()) for w in tiny.wallets
               if w not in first.failed)
    settings, again = load(tiny, tmp_path, workers=5, **ONE_BATCH)
    assert_loaded_once(tiny, settings, again)


def test_the_registry_and_the_store_size_the_batches(tiny, tmp_path):
    """After a discovery of the whole V1 era the registry's figures are each wallet's rows on
    the subgraph; after a load, the store's are."""
    want = Counter({w: len(ids) for w, ids in world_v1_fills(tiny.path).items()})
    dsn = f"chdb://{tmp_path / 'store'}"
    with ReplayServer(tiny.path) as server:
        settings = settings_for(server.url, dsn, tmp_path / "rt")
        with Store.open(dsn) as store:
            asyncio.run(discover(settings, store, DiscoverOptions(since=START, until=END + 1),
                                 policy=FAST_RETRY))
            writer = Writer(store, "t")
            registry = writer.expected_rows({}, tiny.wallets, 0, V2_MIGRATION_TS)
            # from the run's start time on: the days before it are left out
            later = writer.expected_rows({}, tiny.wallets, START + 40 * 86400,
                                         V2_MIGRATION_TS)
            after = writer.expected_rows({}, tiny.wallets, V2_MIGRATION_TS, V2_MIGRATION_TS)
        assert registry == {w: float(n) for w, n in want.items()}
        assert sum(later.values()) < sum(registry.values())
        assert after == dict.fromkeys(tiny.wallets, 0.0)  # the subgraph ends at the migration
        # every wallet known: no probe, batches packed from the registry's figures at once
        report = run_ingest(settings, tiny.wallets, page_size=PAGE, activities=False,
                            workers=3, batch_pages=4)
    assert_loaded_once(tiny, settings, report)
    with Store.open(dsn) as store:
        stored = Writer(store, "t").expected_rows(dict.fromkeys(tiny.wallets, 0), [], 0,
                                                  V2_MIGRATION_TS)
    assert stored == {w: float(want.get(w, 0)) for w in tiny.wallets}
