"""Fixtures shared by integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from polyrank.sim.world import WorldParams, generate_world
from tests.metrics_support import load_and_compute


@pytest.fixture(scope="session")
def loaded(tmp_path_factory) -> tuple[Path, str]:
    """A pre-migration world loaded through the replay (catalogue + ingest), enriched and
    computed: the store holds the world's complete history (the Goldsky orderbook subgraph
    serves every fill before 2026-04-28)."""
    root = tmp_path_factory.mktemp("metrics-world")
    world = root / "world"
    # 400 markets: enough closed bets per category for the planted specialists to qualify
    generate_world(world, WorldParams(seed=5, wallets=600, markets=400, fills=120_000,
                                      start="2025-03-01", end="2026-04-20"))
    dsn, _ = load_and_compute(world, root)
    return world, dsn
