"""A run's published steps (progress.Published over progress.Steps): what another process
reads (runtime_files.read_job), and a runtime directory that cannot be written, which costs
the run nothing but the record."""

from __future__ import annotations

import logging
import os

import pytest

from polyrank.progress import Published, Steps
from polyrank.runtime_files import read_job


def test_each_step_is_published_as_it_starts_and_counted_once_done(tmp_path):
    with Published(None, tmp_path).task("enrich") as task:
        steps = Steps(task, "enrich")
        steps.plan(3)
        with steps.step("build_trade_rows"):
            job = read_job(tmp_path)
            assert (job["step"], job["done"], job["total"]) == ("enrich: build_trade_rows", 0, 3)
            assert job["running"] and job["alive"] and job["pid"] == os.getpid()
        assert read_job(tmp_path)["done"] == 1
    job = read_job(tmp_path)
    assert (job["running"], job["alive"], job["done"]) == (False, False, 1)
    assert "error" not in job


def test_a_failed_run_records_its_step_and_error(tmp_path):
    with (pytest.raises(ValueError), Published(None, tmp_path).task("metrics") as task,
          Steps(task, "metrics").step("bets (slice 2 of 4)")):
        raise ValueError("no enriched trades")
    job = read_job(tmp_path)
    assert (job["step"], job["error"], job["running"]) == (
        "metrics: bets (slice 2 of 4)", "no enriched trades", False)


def test_a_runtime_directory_that_cannot_be_written_costs_only_the_record(tmp_path, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    caplog.set_level(logging.WARNING, logger="polyrank")
    with Published(None, blocked / "runtime").task("metrics") as task:
        steps = Steps(task, "metrics")
        steps.plan(2)
        for name in ("token_prices", "wallet_rows"):
            with steps.step(name):
                pass
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot publish the steps of the metrics run" in warnings[0]
    assert read_job(blocked / "runtime") is None
