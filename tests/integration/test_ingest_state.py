"""One ingest run's state: one set of counters behind status.json and the report, and each
worker's own request count (retries included) — against the replay, with faults."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

import pytest

from polyrank.ingest import run as run_module
from polyrank.sim.replay import FaultConfig, ReplayServer
from polyrank.sim.world import WorldParams, generate_world
from tests.ingest_support import run_ingest, settings_for

COUNTERS = ("wallets_done", "wallets_failed", "wallets_truncated", "fills_fetched",
            "fills_new", "fills_duplicate", "fills_v2", "fills_without_fee",
            "activities_fetched", "activities_new", "activities_skipped")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("state-world")
    generate_world(out, WorldParams(wallets=60, markets=20, seed=9))
    return out


def test_status_and_report_share_one_set_of_counters_and_requests_are_per_worker(world,
                                                                                 tmp_path):
    wallets = (world / "wallets.txt").read_text().split()
    faults = FaultConfig(fault_seed=4, error_rate=0.1, latency_ms=5)  # retries count too
    with ReplayServer(world, faults=faults) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, wallets, workers=4, batch_wallets=3)
    status = json.loads((tmp_path / "rt" / "status.json").read_text())
    totals, workers = status["totals"], status["workers"]
    assert report.http["retries"] > 0 and report.failed == {}
    # the report and status.json read the same counters ...
    assert totals == {"wallets_done": report.done, "wallets_failed": len(report.failed),
                      "wallets_truncated": len(report.truncated),
                      "fills_fetched": report.fills_fetched, "fills_new": report.fills_new,
                      "fills_duplicate": report.fills_duplicate, "fills_v2": report.fills_v2,
                      "fills_without_fee": report.fills_without_fee,
                      "activities_fetched": report.activities_fetched,
                      "activities_new": report.activities_new,
                      "activities_skipped": report.activities_skipped}
    assert report.done == len(wallets) and report.fills_fetched > 0
    # ... of which the totals are the workers' sum
    for name in COUNTERS:
        assert sum(w[name] for w in workers) == totals[name], name
    # each worker counts its own requests, retries included: they add up to the total
    total = report.http["requests"]
    assert status["http"]["requests"] == total
    per_worker = [w["requests"] for w in workers]
    assert sum(per_worker) == total, (per_worker, total)
    assert sum(1 for n in per_worker if n) >= 2 and max(per_worker) < total
    checkpoints = sorted((tmp_path / "rt" / "parallel-loads").glob("worker_*.checkpoint.json"))
    assert len(checkpoints) == 4
    assert {json.loads(p.read_text())["worker"] for p in checkpoints} == {0, 1, 2, 3}


def test_the_run_keeps_its_state_in_one_object_built_per_run():
    """No attribute of Ingest or of a run is set outside __init__, none is probed with
    hasattr: the state of a run lives in the object run() builds for it."""
    source = inspect.getsource(run_module)
    set_late = []
    for cls in (n for n in ast.parse(source).body if isinstance(n, ast.ClassDef)):
        for method in cls.body:
            if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) \
                    or method.name == "__init__":
                continue
            for node in ast.walk(method):
                targets = node.targets if isinstance(node, ast.Assign) else \
                    [node.target] if isinstance(node, ast.AnnAssign) else []
                for target in targets:
                    elts = target.elts if isinstance(target, ast.Tuple) else [target]
                    set_late += [f"{cls.name}.{method.name}: self.{t.attr}" for t in elts
                                 if isinstance(t, ast.Attribute)
                                 and isinstance(t.value, ast.Name) and t.value.id == "self"]
    assert set_late == []
    assert "hasattr(" not in source
