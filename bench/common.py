"""Shared benchmark plumbing: a replay server in its own process, a fresh store."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replay_process(world: Path, *flags: str):
    """`polyrank-sim replay serve` in a separate process (so it does not share our GIL)."""
    port_file = Path(tempfile.mkdtemp()) / "port"
    proc = subprocess.Popen([sys.executable, "-m", "polyrank.sim", "replay", "serve", str(world),
                             "--port", "0", "--port-file", str(port_file), *flags],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not port_file.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("replay server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text().strip()}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def replay_stats(url: str, *, times: bool = False) -> dict:
    """The replay's counters (`times`: with every request's arrival, `arrivals_s`)."""
    query = "?times=1" if times else ""
    with urllib.request.urlopen(f"{url}/_replay/stats{query}", timeout=30) as resp:
        return json.loads(resp.read())


def replay_reset(url: str) -> None:
    urllib.request.urlopen(f"{url}/_replay/reset", timeout=30).read()


@contextmanager
def fresh_dir(prefix: str):
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def ensure_world(path: Path, **params) -> Path:
    from polyrank.sim.world import WorldParams, generate_world

    if not (path / "world.json").exists():
        generate_world(path, WorldParams(**params))
    return path


class RssSampler:
    """Peak resident memory of this process over a stretch of code (sampled from /proc)."""

    def __init__(self, every_s: float = 0.05) -> None:
        import threading

        self.every_s, self.peak = every_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            self._stop.wait(self.every_s)

    def __enter__(self) -> RssSampler:
        self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


def load_world_into_store(world: Path, store, *, activities: bool = False) -> int:
    """Put a world's fills and catalogue straight into a store (no HTTP): what a complete
    ingest + catalogue sync would have written (with `activities`, the world's splits,
    merges, conversions and redemptions too, as the activity subgraph stores them). Returns
    the number of fills."""
    from datetime import UTC, datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {"id": "id", "transaction_hash": "transaction_hash", "timestamp": "timestamp",
               "order_hash": "order_hash", "maker": "maker", "taker": "taker",
               "maker_asset_id": "maker_asset_id", "taker_asset_id": "taker_asset_id",
               "maker_amount_filled": "maker_amount_filled",
               "taker_amount_filled": "taker_amount_filled", "fee": "fee",
               "version": "exchange_version"}
    parquet = pq.ParquetFile(world / "fills.parquet")
    n = 0
    for batch in parquet.iter_batches(batch_size=1_000_000, columns=list(columns)):
        table = pa.Table.from_batches([batch]).rename_columns(list(columns.values()))
        table = table.set_column(table.schema.get_field_index("timestamp"), "timestamp",
                                 table["timestamp"].cast(pa.uint32()))
        for name in ("maker_amount_filled", "taker_amount_filled", "fee"):
            table = table.set_column(table.schema.get_field_index(name), name,
                                     table[name].cast(pa.uint64()))
        table = table.set_column(table.schema.get_field_index("exchange_version"),
                                 "exchange_version", table["exchange_version"].cast(pa.uint8()))
        n += store.insert_arrow("fills", table)
    events = [json.loads(line) for line in (world / "events.jsonl").read_text().splitlines()]
    markets = [json.loads(line) for line in (world / "markets.jsonl").read_text().splitlines()]
    store.insert("events", [(e["id"], [t["slug"] for t in e["tags"]]) for e in events],
                 ("id", "tag_slugs"))
    store.insert("markets", [(m["condition_id"], m["id"], m["event_id"], m["token_ids"],
                              int(m["neg_risk"]), m["neg_risk_market_id"] or "",
                              m["question_id"])
                             for m in markets],
                 ("condition_id", "id", "event_id", "token_ids", "neg_risk",
                  "neg_risk_market_id", "question_id"))
    if activities:
        act = pq.read_table(world / "activity.parquet").to_pylist()
        store.insert("activities", [
            (a["id"], a["wallet"], a["type"].lower(), a["timestamp"], a["condition_id"],
             a["size"], a["usdc_size"], a["index_set"], a["question_count"],
             a["transaction_hash"], "world") for a in act],
            ("id", "wallet", "kind", "timestamp", "condition_id", "amount", "usdc", "index_set",
             "question_count", "tx_hash", "source"))
    store.insert("tokens", [(t, m["condition_id"], i, m["id"]) for m in markets
                            for i, t in enumerate(m["token_ids"])],
                 ("token_id", "condition_id", "outcome_index", "market_id"))
    store.insert("conditions", [(m["condition_id"], m["payout_numerators"],
                                 m["payout_denominator"],
                                 datetime.fromtimestamp(m["closed_ts"], UTC), 1)
                                for m in markets if m["payout_numerators"] is not None],
                 ("condition_id", "payout_numerators", "payout_denominator", "resolved_at",
                  "resolved"))
    wait_for_merges(store)
    return n


def wait_for_merges(store, timeout_s: float = 600) -> None:
    """Let the background merges a load started finish, so that they do not run during
    (and get timed with) the stage measured next."""
    deadline = time.monotonic() + timeout_s
    while store.scalar("SELECT count() FROM system.merges") and time.monotonic() < deadline:
        time.sleep(0.5)
