"""What a running ingest counts and publishes for people and for `polyrank status`, without the
store: per-worker checkpoint and log files (runtime/parallel-loads/worker_N.*, the layout the
hand-run loader polyrank replaced used) and one status.json, each replaced atomically."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from polyrank.runtime_files import read_published, write_json_atomic

if TYPE_CHECKING:
    from polyrank.ingest.writer import Committed

LOADS_DIR = "parallel-loads"
STATUS_FILE = "status.json"


@dataclass
class Counters:
    """What committed wallets add up to: one worker's share, or (summed) a run's totals. The
    only counters of a run: status.json publishes them and the run's report is built from
    them, so the two cannot disagree."""

    wallets_done: int = 0
    wallets_failed: int = 0
    wallets_truncated: int = 0
    fills_fetched: int = 0
    fills_new: int = 0
    fills_duplicate: int = 0
    fills_v2: int = 0  # of fills_fetched: V2 era (the Data API's or the chain's)
    fills_without_fee: int = 0  # V2 fills stored with fee 0: the Data API carries no fee
    activities_fetched: int = 0  # splits, merges, redemptions, conversions (both eras)
    activities_new: int = 0  # of them, not stored before
    activities_skipped: int = 0  # Data API rows that change no position (REWARD, ...)

    def add(self, c: Committed) -> None:
        """Count one committed wallet."""
        if c.failed:
            self.wallets_failed += 1
        else:
            self.wallets_done += 1
        self.wallets_truncated += int(c.truncated)
        self.fills_fetched += c.fetched
        self.fills_new += c.new
        self.fills_duplicate += c.duplicate
        self.fills_v2 += c.v2_fetched
        self.fills_without_fee += c.v2_without_fee
        self.activities_fetched += c.activities_fetched
        self.activities_new += c.activities_new
        self.activities_skipped += c.activities_skipped

    @classmethod
    def total(cls, parts: Iterable[Counters]) -> Counters:
        out = cls()
        for part in parts:
            for f in fields(cls):
                setattr(out, f.name, getattr(out, f.name) + getattr(part, f.name))
        return out


@dataclass
class WorkerState:
    worker: int
    state: str = "idle"  # idle | fetching | committing | pausing | finished
    current: list[str] = field(default_factory=list)
    counts: Counters = field(default_factory=Counters)
    requests: int = 0  # this worker's own HTTP requests, retries included (upstream/http.py)
    last_wallet: str = ""
    # the chain source: the block range of the current job's scan, and how far it got
    block: int = 0
    block_to: int = 0
    updated_at: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Flat, as status.json and the checkpoint files have it."""
        flat = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "counts"}
        return {**flat, **asdict(self.counts)}


class Monitor:
    """Owns runtime/: one checkpoint + log file per worker and the run's status.json, and the
    run's tallies (per-worker counters, failed and truncated wallets)."""

    def __init__(self, runtime_dir: Path, run_id: str, workers: int, total: int,
                 clock=time.time) -> None:
        self.dir = runtime_dir / LOADS_DIR
        self.status_path = runtime_dir / STATUS_FILE
        self.dir.mkdir(parents=True, exist_ok=True)
        self.run_id, self.total, self.clock = run_id, total, clock
        self.started = clock()
        self.workers = [WorkerState(i) for i in range(workers)]
        self.failed: dict[str, str] = {}
        self.truncated: list[str] = []
        self.stage = "ingest"
        self._logs = [open(self.dir / f"worker_{i}.log", "a", encoding="utf-8")  # noqa: SIM115
                      for i in range(workers)]

    def record(self, worker: int, c: Committed, error: str = "") -> None:
        """Count one committed wallet for `worker`: the one place a run's counters change."""
        state = self.workers[worker]
        state.counts.add(c)
        state.last_wallet = c.wallet
        if c.failed:
            self.failed[c.wallet] = error
        if c.truncated:
            self.truncated.append(c.wallet)

    @property
    def totals(self) -> Counters:
        return Counters.total(w.counts for w in self.workers)

    def log(self, worker: int, line: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.clock()))
        handle = self._logs[worker]
        handle.write(f"{stamp} {line}\n")
        handle.flush()

    def checkpoint(self, worker: int) -> None:
        state = self.workers[worker]
        state.updated_at = self.clock()
        payload = {"run_id": self.run_id, "position": self.position, "total": self.total,
                   **state.as_dict()}
        write_json_atomic(self.dir / f"worker_{worker}.checkpoint.json", payload)

    @property
    def position(self) -> int:
        totals = self.totals
        return totals.wallets_done + totals.wallets_failed

    def snapshot(self, *, running: bool = True, extra: dict | None = None) -> dict[str, Any]:
        elapsed = max(self.clock() - self.started, 1e-9)
        totals = self.totals
        done = totals.wallets_done + totals.wallets_failed
        rate = done / elapsed
        eta = (self.total - done) / rate if rate > 0 and running else None
        return {"pid": os.getpid(), "running": running, "stage": self.stage,
                "run_id": self.run_id, "started_at": self.started, "updated_at": self.clock(),
                "wallets_total": self.total, "wallets_position": done,
                "percent": round(100.0 * done / self.total, 1) if self.total else 100.0,
                "wallets_per_s": round(rate, 3), "eta_s": None if eta is None else round(eta),
                "totals": asdict(totals), "failed": dict(list(self.failed.items())[:100]),
                "failed_count": len(self.failed), "truncated": self.truncated[:100],
                "workers": [w.as_dict() for w in self.workers], **(extra or {})}

    def publish(self, *, running: bool = True, extra: dict | None = None) -> None:
        write_json_atomic(self.status_path, self.snapshot(running=running, extra=extra))

    def close(self) -> None:
        for handle in self._logs:
            handle.close()


def read_status(runtime_dir: Path) -> dict[str, Any] | None:
    """What the last (or the running) ingest published, with `alive` telling whether the
    publishing process still runs."""
    return read_published(runtime_dir / STATUS_FILE)
