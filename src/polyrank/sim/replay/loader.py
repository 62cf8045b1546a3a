"""Read a world folder (docs/world-format.md, format 1) for the replay server."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from polyrank.errors import WorldError

log = logging.getLogger("polyrank.sim.replay")

FILL_COLUMNS = [
    "id", "transaction_hash", "timestamp", "order_hash", "maker", "taker", "maker_asset_id",
    "taker_asset_id", "maker_amount_filled", "taker_amount_filled", "fee", "exchange", "version",
    "side", "token_id", "condition_id",
]
ACTIVITY_COLUMNS = [
    "wallet", "timestamp", "type", "condition_id", "token_id", "outcome_index", "size",
    "usdc_size", "transaction_hash",
]
# kept when a world has them (CONVERSION rows: the activity id, index set, question count)
OPTIONAL_ACTIVITY_COLUMNS = ["id", "index_set", "question_count"]
SECONDS_PER_BLOCK = 2
FIRST_BLOCK = 80_000_000  # block number assigned to the world's start_ts (arbitrary, stable)


@dataclass
class Chain:
    """A synthetic block clock: block n was mined at start_ts + (n - FIRST_BLOCK) * 2 s."""

    start_ts: int
    head_ts: int

    def block_at(self, ts: int) -> int:
        return FIRST_BLOCK + max(0, ts - self.start_ts) // SECONDS_PER_BLOCK

    def ts_of(self, block: int) -> int:
        return self.start_ts + (block - FIRST_BLOCK) * SECONDS_PER_BLOCK

    @property
    def head_block(self) -> int:
        return self.block_at(self.head_ts)


@dataclass
class WorldFiles:
    path: Path
    meta: dict
    events: list[dict]
    markets: list[dict]
    fills: pa.Table
    activity: pa.Table
    chain: Chain


def _jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open() as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as e:
                    raise WorldError(f"{path}:{n}: not JSON: {e}") from None
    return rows


def _parquet(path: Path, columns: list[str], required: bool,
             optional: list[str] | None = None) -> pa.Table | None:
    if not path.exists():
        if required:
            raise WorldError(f"world file missing: {path}")
        return None
    table = pq.read_table(path)
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise WorldError(f"{path}: missing columns {missing}")
    return table.select(columns + [c for c in optional or () if c in table.column_names])


def load_world(path: Path | str) -> WorldFiles:
    path = Path(path)
    started = time.monotonic()
    meta_path = path / "world.json"
    if not meta_path.exists():
        raise WorldError(f"not a world folder (no world.json): {path}")
    try:
        meta = json.loads(meta_path.read_text())
    except ValueError as e:
        raise WorldError(f"{meta_path}: not JSON: {e}") from None
    if meta.get("format") != 1:
        raise WorldError(f"{meta_path}: unsupported world format {meta.get('format')!r}")
    for name in ("events.jsonl", "markets.jsonl"):
        if not (path / name).exists():
            raise WorldError(f"world file missing: {path / name}")
    events = _jsonl(path / "events.jsonl")
    markets = _jsonl(path / "markets.jsonl")
    fills = _parquet(path / "fills.parquet", FILL_COLUMNS, required=True)
    activity = _parquet(path / "activity.parquet", ACTIVITY_COLUMNS, required=False,
                        optional=OPTIONAL_ACTIVITY_COLUMNS)
    if activity is None:
        activity = pa.table({c: pa.array([], pa.string() if c in (
            "wallet", "type", "condition_id", "token_id", "transaction_hash") else pa.int64())
            for c in ACTIVITY_COLUMNS})
    start_ts = int(meta.get("start_ts", 0))
    head_ts = int(meta.get("as_of_ts") or meta.get("end_ts") or start_ts)
    log.info("world %s read: %d events, %d markets, %d fills, %d activity rows in %.2fs",
             path, len(events), len(markets), fills.num_rows, activity.num_rows,
             time.monotonic() - started)
    return WorldFiles(path, meta, events, markets, fills, activity, Chain(start_ts, head_ts))
