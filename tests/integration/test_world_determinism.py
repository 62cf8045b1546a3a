"""Small worlds: same seed, same bytes; the written ledger equals one recomputed from files."""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from polyrank.errors import WorldError
from polyrank.sim.world import WorldParams, generate_world
from polyrank.sim.world.files import BETS, POSITIONS, rows_to_columns
from polyrank.sim.world.load import read_meta, recompute_ledger

SMALL = {"wallets": 150, "markets": 30, "fills": 8000}
FILES = ["world.json", "events.jsonl", "markets.jsonl", "fills.parquet", "activity.parquet",
         "wallets.parquet", "wallets.txt", "ledger/positions.parquet", "ledger/bets.parquet",
         "ledger/wallet_metrics.parquet", "ledger/specialists.parquet", "ledger/summary.json"]


@pytest.fixture(scope="module")
def worlds(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        out[name] = tmp_path_factory.mktemp(f"world_{name}")
        generate_world(out[name], WorldParams(seed=seed, **SMALL))
    return out


def test_same_seed_gives_identical_files(worlds):
    for name in FILES:
        assert (worlds["a"] / name).read_bytes() == (worlds["b"] / name).read_bytes(), name


def test_another_seed_gives_another_world(worlds):
    for name in ("fills.parquet", "markets.jsonl", "wallets.txt"):
        assert (worlds["a"] / name).read_bytes() != (worlds["c"] / name).read_bytes(), name


def test_ledger_recomputed_from_the_files_equals_the_written_one(worlds):
    world = worlds["a"]
    positions, bets, result = recompute_ledger(world)
    assert pq.read_table(world / "ledger" / "positions.parquet").to_pydict() == rows_to_columns(
        positions, POSITIONS.names)
    assert pq.read_table(world / "ledger" / "bets.parquet").to_pydict() == rows_to_columns(
        bets, BETS.names)
    metrics = pq.read_table(world / "ledger" / "wallet_metrics.parquet").to_pydict()
    assert metrics == result.wallet_metrics
    specialists = pq.read_table(world / "ledger" / "specialists.parquet").to_pydict()
    assert specialists == result.specialists
    summary = json.loads((world / "ledger" / "summary.json").read_text())
    assert summary == json.loads(json.dumps(result.summary))


def test_reading_a_folder_that_is_not_a_world_fails_cleanly(tmp_path):
    with pytest.raises(WorldError):
        read_meta(tmp_path)
    (tmp_path / "world.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(WorldError):
        read_meta(tmp_path)
