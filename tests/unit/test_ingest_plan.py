import pytest

from polyrank.errors import ConfigError
from polyrank.ingest.monitor import Monitor, read_status
from polyrank.ingest.plan import Job, batch_jobs, heavy_wallets, plan_wallets
from polyrank.ingest.report import parse_rate, parse_time, status_lines

W = [f"0x{i:040x}" for i in range(7)]


def test_plan_puts_failed_first_and_skips_done():
    status = {W[1]: "done", W[3]: "failed", W[5]: "failed", W[6]: "pending"}
    plan = plan_wallets(W, status)
    assert plan.todo == (W[3], W[5], W[0], W[2], W[4], W[6])
    assert plan.already_done == (W[1],) and plan.retrying_failed == 2
    assert plan_wallets(W, status, refresh=True).todo[:2] == (W[3], W[5])
    assert len(plan_wallets(W, status, refresh=True).todo) == 7


def test_batches_and_the_one_request_per_wallet_mode():
    jobs = batch_jobs(W, 3)
    assert [j.wallets for j in jobs] == [tuple(W[0:3]), tuple(W[3:6]), (W[6],)]
    assert not any(j.solo for j in jobs)
    solo = batch_jobs(W, 1)
    assert all(j.solo and len(j.wallets) == 1 for j in solo) and len(solo) == 7
    with pytest.raises(ValueError):
        Job(())


def test_heavy_wallets_are_those_filling_a_page_by_themselves():
    makers = [W[0]] * 600 + [W[1]] * 350 + [W[2]] * 50 + ["0xnot-in-batch"] * 300
    assert heavy_wallets(makers, (W[0], W[1], W[2]), 200) == {W[0], W[1]}


def test_since_and_rate_parsing():
    assert parse_time("2026-04-28") == 1777334400
    assert parse_time("1777334400") == 1777334400
    assert parse_time("2026-04-28T00:00:00Z") == 1777334400
    assert parse_time(None) == 0
    with pytest.raises(ConfigError, match="not a date"):
        parse_time("yesterday")
    assert parse_rate("50/10") == (50, 10.0)
    assert parse_rate("none") is None
    for bad in ("50", "x/10", "0/10", "5/0"):
        with pytest.raises(ConfigError):
            parse_rate(bad)


def test_monitor_publishes_worker_files_and_status(tmp_path):
    clock = iter(range(1000, 2000)).__next__
    monitor = Monitor(tmp_path, "run-1", workers=2, total=4, clock=lambda: float(clock()))
    monitor.workers[1].state = "fetching"
    monitor.workers[1].current = [W[0]]
    monitor.workers[0].counts.wallets_done = 1
    monitor.checkpoint(1)
    monitor.log(1, "[1/4] 25.0% - Processing wallet: " + W[0])
    monitor.publish()
    monitor.close()
    files = sorted(p.name for p in (tmp_path / "parallel-loads").iterdir())
    assert files == ["worker_0.log", "worker_1.checkpoint.json", "worker_1.log"]
    assert "Processing wallet: " + W[0] in (tmp_path / "parallel-loads/worker_1.log").read_text()
    status = read_status(tmp_path)
    assert status["alive"] is True  # this very process published it
    assert status["wallets_position"] == 1 and status["wallets_total"] == 4
    text = "\n".join(status_lines(status))
    assert "worker 1: fetching" in text and W[0] in text and "1/4" in text


def test_a_dead_publisher_is_not_reported_running(tmp_path):
    monitor = Monitor(tmp_path, "run-2", workers=1, total=1)
    monitor.publish()
    monitor.close()
    status = (tmp_path / "status.json").read_text().replace(f'"pid": {__import__("os").getpid()}',
                                                            '"pid": 999999999')
    (tmp_path / "status.json").write_text(status)
    assert read_status(tmp_path)["alive"] is False
