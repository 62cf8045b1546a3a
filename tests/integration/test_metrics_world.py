"""The whole pipeline on a generated world, checked against its ground-truth ledger:
catalogue sync + ingest over the replay server, then enrich and metrics as SQL in chDB.

The world ends before the V2 migration (2026-04-28): the Goldsky orderbook subgraph then
holds every fill, so the store can hold the world's complete history."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from polyrank.sim.replay import ReplayServer
from polyrank.sim.world import WorldParams, generate_world
from polyrank.store import Store
from tests.metrics_support import KEYS, ledger_differences


@pytest.mark.parametrize("table", list(KEYS))
def test_every_figure_equals_the_ledger(loaded, table):
    world, dsn = loaded
    compared, problems = ledger_differences(world, dsn, table)
    assert compared > 100
    assert problems == []


def test_planted_specialists_are_found_and_favourite_buyers_are_not(loaded):
    world, dsn = loaded
    planted = {r["address"]: r for r in pq.read_table(world / "wallets.parquet").to_pylist()}
    with Store.open(dsn) as store:
        found = store.rows("SELECT wallet, category FROM specialists WHERE is_specialist")
    assert found
    kinds = [planted[w]["archetype"] for w, _ in found]
    assert "favourite" not in kinds
    specialists = [(w, c) for w, c in found if planted[w]["archetype"] == "specialist"]
    assert specialists and all(planted[w]["specialty"] == c for w, c in specialists)
    planted_specialists = sum(1 for r in planted.values() if r["archetype"] == "specialist")
    assert len(specialists) >= planted_specialists // 2


def test_the_earlier_loaders_views_and_run_record(loaded):
    _, dsn = loaded
    with Store.open(dsn) as store:
        overall = store.scalar("SELECT count() FROM wallet_metrics_complete")
        by_category = store.scalar("SELECT uniqExact(category) FROM wallet_metrics_by_category")
        run = store.rows("SELECT run_id, as_of, trades, status FROM metrics_runs")
        stage = store.scalar("SELECT argMax(value, updated_at) FROM pipeline_state "
                             "WHERE key = 'stage'")
    assert overall == 600 * 4 and by_category > 3
    assert len(run) == 1 and run[0][3] == "complete" and stage == "ready"


def _pipeline_cli(tmp_path, seed: int, wallets: int, markets: int, *extra: str):
    """Generate a pre-migration world, run `polyrank pipeline` over its replay; return the
    world, store DSN, runtime folder, CLI runner and the pipeline's result."""
    from typer.testing import CliRunner

    from polyrank.cli import app

    world = tmp_path / "world"
    generate_world(world, WorldParams(seed=seed, wallets=wallets, markets=markets,
                                      start="2025-06-01", end="2026-03-01"))
    store, runtime = f"chdb://{tmp_path / 'store'}", str(tmp_path / "rt")
    runner = CliRunner()
    with ReplayServer(world) as server:
        res = runner.invoke(app, ["pipeline", "--wallets", str(world / "wallets.txt"), *extra,
                                  "--rate-limit", "none", "--goldsky-url", server.url,
                                  "--gamma-url", server.url, "--data-api-url", server.url,
                                  "--store", store,
                                  "--runtime-dir", runtime])
    assert res.exit_code == 0, res.output
    return world, store, runtime, runner, res


def test_cli_pipeline_runs_every_stage_and_status_reports_the_run(tmp_path):
    from polyrank.cli import app

    world, store, runtime, runner, res = _pipeline_cli(tmp_path, 8, 80, 30, "--workers", "3")
    assert "80 loaded" in res.stdout and "0 fills of 0 unresolved" in res.stdout
    assert "metrics run" in res.stdout
    compared, problems = ledger_differences(world, store, "wallet_metrics")
    assert compared > 0 and problems == []
    status = runner.invoke(app, ["status", "--store", store, "--runtime-dir", runtime])
    assert "pipeline stage: ready; metrics: run " in status.stdout


def test_cli_pipeline_no_auto_stops_after_the_ingest(tmp_path):
    from polyrank.cli import app

    _, store, runtime, runner, res = _pipeline_cli(tmp_path, 9, 60, 20, "--no-auto")
    assert "60 loaded" in res.stdout and "metrics run" not in res.stdout
    status = runner.invoke(app, ["status", "--store", store, "--runtime-dir", runtime])
    assert "metrics are not computed yet: the pipeline is at stage 'ingested'" in status.stdout
