"""`polyrank sql` and `polyrank store` through the real CLI (Typer's runner, real chDB)."""

from __future__ import annotations

import csv
import io
import json
import os
import re

import pytest
from typer.testing import CliRunner

from polyrank.cli import app
from polyrank.progress import Published, Steps
from polyrank.runtime_files import read_serving
from polyrank.serving import ApiServer
from polyrank.store import Store
from tests.integration.test_store import FILL_COLUMNS, TOKEN, WALLET, fill

runner = CliRunner()


def _seed(dsn: str) -> None:
    with Store.open(dsn) as st:
        st.insert("fills", [fill(1), fill(2, buy=False)], FILL_COLUMNS)


def test_sql_json_keeps_big_token_ids_and_decimals_exact(store_dsn):
    _seed(store_dsn)
    res = runner.invoke(app, ["sql", "SELECT wallet_address, token_id, shares FROM trades_raw "
                              "ORDER BY timestamp", "--format", "json", "--store", store_dsn])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows[0] == {"wallet_address": WALLET, "token_id": TOKEN, "shares": "5.000000"}
    assert len(rows) == 2


def test_sql_csv_and_table(store_dsn):
    _seed(store_dsn)
    res = runner.invoke(app, ["sql", "SELECT side, usdc_value FROM trades_raw ORDER BY "
                              "timestamp", "-f", "csv", "--store", store_dsn])
    assert res.exit_code == 0, res.output
    assert list(csv.reader(io.StringIO(res.stdout))) == [
        ["side", "usdc_value"], ["BUY", "2.500001"], ["SELL", "2.500002"]]
    res = runner.invoke(app, ["sql", "SELECT count() AS n FROM fills", "--store", store_dsn])
    assert res.exit_code == 0 and "n" in res.stdout and "2" in res.stdout


def test_sql_refuses_writes_and_bad_formats(store_dsn):
    from polyrank.errors import ConfigError, StoreError

    res = runner.invoke(app, ["sql", "DROP TABLE fills", "--store", store_dsn])
    assert res.exit_code != 0 and isinstance(res.exception, StoreError)
    assert "read-only" in str(res.exception)
    res = runner.invoke(app, ["sql", "SELECT 1", "-f", "xml", "--store", store_dsn])
    assert isinstance(res.exception, ConfigError) and "table, csv, json" in str(res.exception)


def test_store_env_var_is_honoured(store_dsn, monkeypatch):
    monkeypatch.setenv("POLYRANK_STORE_DSN", store_dsn)
    _seed(store_dsn)
    res = runner.invoke(app, ["store"])
    assert res.exit_code == 0, res.output
    assert "trades_raw" in res.stdout and "0004_trades_raw" in res.stdout


def test_status_says_metrics_are_not_computed_yet_and_names_the_stage(store_dsn, tmp_path):
    from polyrank.stages import MetricsNotReady, metrics_run

    with Store.open(store_dsn) as st:
        with pytest.raises(MetricsNotReady, match="stage 'empty'"):
            metrics_run(st)
        st.insert("pipeline_state", [("stage", "ingest")], ("key", "value"))
        with pytest.raises(MetricsNotReady, match="stage 'ingest'"):
            metrics_run(st)
    res = runner.invoke(app, ["status", "--store", store_dsn, "--runtime-dir",
                              str(tmp_path / "rt")])
    assert res.exit_code == 0, res.output
    assert "pipeline stage: ingest" in res.stdout
    assert "metrics are not computed yet: the pipeline is at stage 'ingest'" in res.stdout
    assert "no ingest has published a status" in res.stdout


def test_status_of_a_store_a_metrics_run_holds_shows_its_step(store_dsn, tmp_path):
    """A metrics run holds the store and publishes its steps (progress.Published, as the
    front door's runs do): status shows the step, the statement and the stage, and says the
    store itself was not read; once the run failed, the step it failed at and why."""
    rt = tmp_path / "rt"
    with Store.open(store_dsn), Published(None, rt).task("metrics") as task:
        steps = Steps(task, "metrics")
        steps.plan(5)
        with steps.step("token_prices"):
            pass
        with steps.step("wallet_rows (slice 2 of 3)"):
            res = runner.invoke(app, ["status", "--store", store_dsn, "--runtime-dir",
                                      str(rt)])
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert re.search(r"metrics: wallet_rows \(slice 2 of 3\): statement 2 of 5, \d+ s so far "
                     rf"\(pid {os.getpid()}\)", out), out
    assert "pipeline stage: metrics; metrics: unknown (the store could not be read)" in out
    assert "store not read: the store at" in out and "held by" in out
    assert f"the running metrics (pid {os.getpid()}) publishes its step" in out
    assert "wallet registry" not in out   # nothing the store was not read for

    with (pytest.raises(RuntimeError), Published(None, rt).task("metrics") as task,
          Steps(task, "metrics").step("bets (slice 1 of 2)")):
        raise RuntimeError("the engine ran out of memory")
    res = runner.invoke(app, ["status", "--store", store_dsn, "--runtime-dir", str(rt)])
    assert res.exit_code == 0, res.output
    assert ("the last metrics failed at metrics: bets (slice 1 of 2): the engine ran out of "
            "memory") in " ".join(res.stdout.split())


def test_status_of_a_store_a_server_holds_asks_its_api(store_dsn, tmp_path):
    """A process serves the store it holds (`polyrank serve`, `refresh --every --serve`, the
    demo): status asks that process's /api/status, shows the store's status and says where it
    came from; once the server stopped, status reads the store itself again."""
    rt = tmp_path / "rt"
    with Store.open(store_dsn) as st:
        st.insert("pipeline_state", [("stage", "ingested")], ("key", "value"))
        with ApiServer(st, port=0, runtime_dir=rt) as server:
            res = runner.invoke(app, ["status", "--store", store_dsn, "--runtime-dir",
                                      str(rt)])
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "pipeline stage: ingested" in out and "wallet registry: 0 wallets" in out
    assert (f"(the store is held by pid {os.getpid()}, serving {server.url}: read from its "
            "/api/status)") in out
    assert "store not read" not in out
    assert read_serving(rt)["running"] is False   # (its record says it stopped)
    res = runner.invoke(app, ["status", "--store", store_dsn, "--runtime-dir", str(rt)])
    assert res.exit_code == 0, res.output
    assert "pipeline stage: ingested" in res.stdout and "held by" not in res.stdout


def test_status_of_a_store_another_process_holds_says_who_and_fails(store_dsn, tmp_path):
    """Nothing published, the store held: say which process holds it, exit non-zero, and do
    not send the user to `polyrank status` (this is it)."""
    with Store.open(store_dsn):   # flock: a second open, even in this process, is refused
        res = runner.invoke(app, ["status", "--store", store_dsn, "--runtime-dir",
                                  str(tmp_path / "rt")])
    assert res.exit_code == 1, res.output
    assert f"pid {os.getpid()}" in res.stderr and "held by" in res.stderr
    assert "polyrank status" not in res.output and "None" not in res.output
    assert "pipeline stage" not in res.stdout
