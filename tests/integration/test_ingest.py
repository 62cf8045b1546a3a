"""Ingest against the replay server over real sockets, into a real chDB store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polyrank.sim.replay import FaultConfig, ReplayServer
from polyrank.sim.world import WorldParams, generate_world
from tests.ingest_support import (
    run_ingest,
    settings_for,
    store_fill_keys,
    store_fills,
    wallet_states,
    world_fills,
    world_rows,
    world_v1_fills,
)
from tests.replay_world import write_world


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Path:
    """2025-06-01 .. 2026-11-15: most fills are after the V2 migration (Data API only)."""
    out = tmp_path_factory.mktemp("ingest-world")
    generate_world(out, WorldParams(wallets=150, markets=40, seed=5))
    return out


def wallets_of(world_dir: Path) -> list[str]:
    return (world_dir / "wallets.txt").read_text().split()


def test_faulty_rate_limited_upstream_loads_every_fill_exactly_once(world, tmp_path):
    faults = FaultConfig(fault_seed=11, error_rate=0.08, timeout_rate=0.05, malformed_rate=0.03,
                         truncate_rate=0.03, drop_rate=0.03, rate_limit=25, rate_window_s=1.0)
    wallets = wallets_of(world)
    with ReplayServer(world, faults=faults) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, wallets, workers=6, batch_wallets=8,
                            goldsky_limit=(30, 1.0))
        stats = server.stats()
    assert report.failed == {}
    got, count, distinct = store_fill_keys(settings.store_dsn)
    expected = world_fills(world)
    assert count == distinct == sum(sum(c.values()) for c in expected.values())
    assert got == expected
    v2 = {w: sum(n for k, n in c.items() if k[0] == 2) for w, c in expected.items()}
    assert sum(v2.values()) > count // 3 and report.fills_v2 == sum(v2.values())
    states = wallet_states(settings.store_dsn)
    assert {s[0] for s in states.values()} == {"done"} and len(states) == len(wallets)
    # every V2 fill is counted as loaded without its fee, per wallet
    assert {w: (s[4], s[5], s[6]) for w, s in states.items()} == {
        w: (v2.get(w, 0), v2.get(w, 0), "data_api") for w in wallets}
    assert stats["by_path"]["data:/activity"] >= len(wallets)
    # the faults really happened, in mixed kinds (0.22 of the requests expected), and the
    # rate limit bit (the client's limit, 30 a second, is above the replay's 25: after a 429
    # it lowers its own, so few requests are answered 429)
    faulted = sum(n for k, n in stats["faults"].items() if k != "rate_limited")
    assert faulted / stats["requests"] >= 0.12, stats
    assert len([k for k, n in stats["faults"].items() if n and k != "rate_limited"]) >= 5, stats
    assert stats["faults"]["rate_limited"] > 0, stats
    assert report.http["retries"] > 0


def test_failed_wallets_are_reported_never_empty_and_retried_first(world, tmp_path):
    wallets = wallets_of(world)[:20]
    store_dsn = f"chdb://{tmp_path / 'store'}"
    with ReplayServer(world, faults=FaultConfig(error_rate=1.0)) as server:
        settings = settings_for(server.url, store_dsn, tmp_path / "rt")
        report = run_ingest(settings, wallets, workers=3, batch_wallets=5)
    assert sorted(report.failed) == sorted(wallets) and report.done == 0
    assert all("HTTP 50" in e or "HTTP 522" in e for e in report.failed.values())
    states = wallet_states(store_dsn)
    assert {s[0] for s in states.values()} == {"failed"}
    status = json.loads((tmp_path / "rt" / "status.json").read_text())
    assert status["totals"]["wallets_failed"] == 20 and status["failed_count"] == 20
    with ReplayServer(world) as server:
        settings = settings_for(server.url, store_dsn, tmp_path / "rt")
        report = run_ingest(settings, wallets, workers=2, batch_wallets=5)
    assert report.failed == {} and report.done == 20
    got, count, distinct = store_fill_keys(store_dsn)
    expected = world_fills(world)
    assert got == {w: expected[w] for w in wallets if expected.get(w)}
    assert count == distinct


def test_garbage_answers_fail_wallets_with_a_clear_error(world, tmp_path):
    wallets = wallets_of(world)[:6]
    with ReplayServer(world, faults=FaultConfig(malformed_rate=1.0)) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, wallets, workers=2, batch_wallets=3)
    assert sorted(report.failed) == sorted(wallets)
    assert all("malformed JSON" in e for e in report.failed.values())
    assert store_fills(settings.store_dsn)[1] == 0


def test_rerun_adds_nothing_and_counts_duplicates(world, tmp_path):
    wallets = wallets_of(world)[:40]
    with ReplayServer(world) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        first = run_ingest(settings, wallets, workers=3)
        again = run_ingest(settings, wallets, workers=5)
        forced = run_ingest(settings, wallets, workers=2, refresh=True)
    assert first.fills_new == first.fills_fetched > 0
    assert again.already_done == 40 and again.fills_fetched == 0
    assert forced.fills_new == 0 and forced.fills_duplicate == first.fills_fetched
    _, count, distinct = store_fills(settings.store_dsn)
    assert count == distinct == first.fills_new


def test_zero_trade_wallet_is_done_not_failed_and_unknown_tokens_keep_their_fills(tmp_path):
    tiny = write_world(tmp_path / "w", n_wallets=8, n_matches=300, end_ts=1777334399)
    markets = (tiny.path / "markets.jsonl").read_text().splitlines()
    dropped = json.loads(markets[0])
    (tiny.path / "markets.jsonl").write_text("\n".join(markets[1:]) + "\n")
    nobody = "0x" + "00" * 19 + "01"
    with ReplayServer(tiny.path) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, [*tiny.wallets, nobody], workers=2, batch_wallets=4)
    assert report.failed == {}
    states = wallet_states(settings.store_dsn)
    assert states[nobody][0] == "done" and states[nobody][2] == 0
    got, count, _ = store_fills(settings.store_dsn)
    assert got == dict(world_v1_fills(tiny.path)) and nobody not in got
    from polyrank.store import Store

    with Store.open(settings.store_dsn) as st:
        unresolved = {r[0] for r in st.rows("SELECT token_id FROM unresolved_tokens")}
        orphan = st.scalar("SELECT count() FROM trades_raw WHERE condition_id = ''")
        resolved = st.scalar("SELECT count() FROM trades_raw WHERE condition_id != ''")
    assert unresolved and unresolved <= set(dropped["token_ids"])
    lost = sum(1 for r in world_rows(tiny.path)
               if dropped["condition_id"] == r["condition_id"])
    assert orphan == lost > 0 and resolved == count - lost


def test_a_wallet_with_over_5000_fills_is_loaded_whole(tmp_path):
    tiny = write_world(tmp_path / "w", n_wallets=6, n_matches=8000, hot_wallet_share=0.75,
                       end_ts=1777334399)
    expected = world_v1_fills(tiny.path)
    hot = max(expected, key=lambda w: len(expected[w]))
    assert len(expected[hot]) > 5000
    with ReplayServer(tiny.path) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, tiny.wallets, workers=3, batch_wallets=6)
        by_path = server.stats()["by_path"]
    got, count, distinct = store_fills(settings.store_dsn)
    assert got == dict(expected) and count == distinct
    # full pages whatever the mix: one partial page per split-off wallet, one token look-up
    # (and one empty Data API page per wallet: this world ends before the migration; and
    # one activity-subgraph page per job: its kinds share the request)
    activity = sum(n for path, n in by_path.items() if "activity-subgraph" in path)
    assert 0 < activity <= 3   # the batch and the split-off wallets' jobs
    assert report.data_api_requests == len(tiny.wallets)
    # (and two requests a run for the upstream's present: the subgraph's head, the newest trade)
    assert report.http["requests"] - report.data_api_requests - activity - 2 <= count // 1000 + 3


@pytest.mark.parametrize("batch", [1, 3])
def test_small_pages_with_shared_timestamps_lose_and_double_nothing(tmp_path, batch):
    tiny = write_world(tmp_path / "w", n_wallets=5, n_matches=400, distinct_timestamps=9,
                       end_ts=1777334399)
    with ReplayServer(tiny.path) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        run_ingest(settings, tiny.wallets, workers=2, batch_wallets=batch, page_size=7)
    got, count, distinct = store_fills(settings.store_dsn)
    assert got == dict(world_v1_fills(tiny.path)) and count == distinct


def test_max_trades_keeps_the_most_recent_across_shared_timestamp_pages(tmp_path):
    tiny = write_world(tmp_path / "w", n_wallets=5, n_matches=400, distinct_timestamps=9,
                       end_ts=1777334399)
    rows = world_rows(tiny.path)
    cap = 25
    with ReplayServer(tiny.path) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, tiny.wallets, workers=2, max_trades=cap, page_size=7)
    got, _, _ = store_fills(settings.store_dsn)
    states = wallet_states(settings.store_dsn)
    for wallet in tiny.wallets:
        mine = sorted((r for r in rows if r["maker"] == wallet),
                      key=lambda r: (r["timestamp"], r["id"]), reverse=True)
        assert got.get(wallet, set()) == {r["id"] for r in mine[:cap]}
        assert bool(states[wallet][1]) == (len(mine) > cap)
        assert (wallet in report.truncated) == (len(mine) > cap)
    assert report.truncated


def _wait_for(predicate, timeout: float = 60.0, every: float = 0.05):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting")


def test_sigkill_mid_run_then_resume_with_another_worker_count(world, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from polyrank.ingest.monitor import read_status

    store_dsn, runtime = f"chdb://{tmp_path / 'store'}", tmp_path / "rt"
    wallets = wallets_of(world)
    faults = FaultConfig(fault_seed=3, latency_ms=60, error_rate=0.05)
    with ReplayServer(world, faults=faults) as server:
        base = [sys.executable, "-m", "polyrank"]
        proc = subprocess.Popen(
            [*base, "ingest", "--wallets", str(world / "wallets.txt"), "--workers", "4",
             "--batch-wallets", "2", "--rate-limit", "none", "--store", store_dsn,
             "--goldsky-url", server.url, "--data-api-url", server.url,
             "--runtime-dir", str(runtime)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            status = _wait_for(lambda: (s := read_status(runtime)) and s["alive"]
                               and s["wallets_position"] >= 12 and s)
            # status works while the ingest holds the embedded store
            shown = subprocess.run([*base, "status", "--store", store_dsn, "--runtime-dir",
                                    str(runtime)], capture_output=True, text=True, timeout=60)
            assert shown.returncode == 0, shown.stderr
            assert "running" in shown.stdout and "worker 3:" in shown.stdout
            assert f"/{len(wallets)}" in shown.stdout
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        assert status["wallets_total"] == len(wallets)
        states = wallet_states(store_dsn)
        done_before = {w for w, s in states.items() if s[0] == "done"}
        assert 0 < len(done_before) < len(wallets), "the kill came too late to test a resume"
        settings = settings_for(server.url, store_dsn, runtime)
        report = run_ingest(settings, wallets, workers=2, batch_wallets=5)
    assert report.failed == {} and report.already_done == len(done_before)
    got, count, distinct = store_fill_keys(store_dsn)
    assert got == world_fills(world) and count == distinct
    assert {s[0] for s in wallet_states(store_dsn).values()} == {"done"}
    # activities too: each wallet's were written with its fills, so none is lost or doubled
    from tests.integration.test_ingest_activities import (
        store_activities,
        store_v1_activities,
        world_activities,
        world_v1_activities,
    )

    v2, rows, ids = store_activities(store_dsn)
    v1 = store_v1_activities(store_dsn)
    assert v2 == world_activities(world, wallets) and v1 == world_v1_activities(world, wallets)
    assert rows == ids == sum(v2.values()) + sum(v1.values()) > 0


def test_cli_ingest_reports_bad_wallet_lines(world, tmp_path):
    from typer.testing import CliRunner

    from polyrank.cli import app
    from polyrank.errors import ConfigError

    good = wallets_of(world)[:3]
    path = tmp_path / "wallets.txt"
    path.write_text(f"# list\n{good[0]}\n0xabc\n{good[1].upper().replace('0X', '0x')}\n"
                    f"{good[0]}\nnot hex at all\n{good[2]}\n")
    args = ["ingest", "--wallets", str(path), "--store", f"chdb://{tmp_path / 'store'}",
            "--runtime-dir", str(tmp_path / "rt"), "--rate-limit", "none"]
    runner = CliRunner()
    strict = runner.invoke(app, [*args, "--strict", "--goldsky-url", "http://127.0.0.1:9",
                                 "--data-api-url", "http://127.0.0.1:9"])
    assert isinstance(strict.exception, ConfigError)
    assert "line 3" in str(strict.exception) and "line 6" in str(strict.exception)
    with ReplayServer(world) as server:
        lenient = runner.invoke(app, [*args, "--goldsky-url", server.url,
                                      "--data-api-url", server.url])
    assert lenient.exit_code == 0, lenient.output
    assert "line 3" in lenient.output and "line 6" in lenient.output
    assert "1 duplicate" in lenient.output and "3 wallet(s) loaded" in lenient.output


def test_tokens_unknown_to_the_subgraph_are_resolved_through_gamma(tmp_path):
    import shutil
    from dataclasses import replace

    from polyrank.store import Store

    tiny = write_world(tmp_path / "w", n_wallets=6, n_matches=200, end_ts=1777334399)
    partial = tmp_path / "w-partial"  # the subgraph's view lacks one market; Gamma has it
    shutil.copytree(tiny.path, partial)
    markets = (partial / "markets.jsonl").read_text().splitlines()
    dropped = json.loads(markets[0])
    (partial / "markets.jsonl").write_text("\n".join(markets[1:]) + "\n")
    with ReplayServer(partial) as goldsky, ReplayServer(tiny.path) as gamma:
        settings = replace(settings_for(goldsky.url, f"chdb://{tmp_path / 'store'}",
                                        tmp_path / "rt"), gamma_url=gamma.url)
        report = run_ingest(settings, tiny.wallets, workers=2, batch_wallets=3)
        assert gamma.stats()["by_path"].get("gamma:/markets", 0) >= 2  # open and closed
    assert report.failed == {} and report.unresolved_tokens == 0
    with Store.open(settings.store_dsn) as st:
        rows = st.rows("SELECT token_id, condition_id, outcome_index, market_id, source "
                       "FROM tokens FINAL WHERE condition_id = {c:String} ORDER BY "
                       "outcome_index", {"c": dropped["condition_id"]})
        blank = st.scalar("SELECT count() FROM trades_raw WHERE condition_id = ''")
    traded = {r["token_id"] for r in world_rows(tiny.path)}
    expected = [(t, dropped["condition_id"], i, dropped["id"], "gamma")
                for i, t in enumerate(dropped["token_ids"]) if t in traded]
    assert rows == expected and expected and blank == 0
