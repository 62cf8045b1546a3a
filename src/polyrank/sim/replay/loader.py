"""Read a world folder (docs/world-format.md, format 1) for the replay server."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from Crypto.Hash import keccak

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
#: activity.parquet columns a hand-made world may leave out: (type, default)
OPTIONAL_ACTIVITY_COLUMNS = {"id": (pa.string(), None), "index_set": (pa.int64(), 0),
                             "question_count": (pa.int16(), 0)}
FIRST_BLOCK = 80_000_000  # the block of the world's start_ts when no row is earlier (arbitrary)


class Chain:
    """The replay's block clock (docs/replay.md, "Chain (JSON-RPC)"). Block timestamps are the
    sorted union of every even second from `start_ts` (block FIRST_BLOCK) on and every distinct
    timestamp of a world row: blocks come 1-2 s apart, irregularly (a client cannot compute
    them), and every row sits in the block whose timestamp is its own.

    Only the row timestamps off the even grid (`odd`) are stored: block_at/ts_of are binary
    searches over them, so a world of any length costs memory in its rows, not in its seconds.
    Blocks before `start_ts` continue the 2 s grid backwards (block 0 is years earlier).
    """

    def __init__(self, start_ts: int, head_ts: int, row_ts: list[np.ndarray] = (),
                 seed: object = None) -> None:
        self.start_ts, self.head_ts, self.seed = int(start_ts), int(head_ts), seed
        stamps = [np.asarray(t, np.int64) for t in row_ts if len(t)]
        every = np.concatenate(stamps) if stamps else np.empty(0, np.int64)
        self.odd = np.unique(every[(every - self.start_ts) % 2 == 1])
        # the block offset (from FIRST_BLOCK) of each odd timestamp: evens up to it + odds before
        self._odd_pos = (self.odd - self.start_ts) // 2 + np.arange(1, len(self.odd) + 1)
        self._salt = f"polyrank-replay:{seed}:block:".encode()

    def blocks_at(self, ts: np.ndarray) -> np.ndarray:
        """block_at of each timestamp (vectorised)."""
        ts = np.asarray(ts, np.int64)
        n = FIRST_BLOCK + (ts - self.start_ts) // 2 + np.searchsorted(self.odd, ts, "right")
        return np.maximum(n, 0)

    def block_at(self, ts: int) -> int:
        """The last block whose timestamp is <= ts."""
        return int(self.blocks_at(np.array([ts]))[0])

    def ts_of_blocks(self, blocks: np.ndarray) -> np.ndarray:
        """ts_of of each block number (vectorised)."""
        k = np.asarray(blocks, np.int64) - FIRST_BLOCK
        j = np.searchsorted(self._odd_pos, k, "left")  # odd timestamps before block k
        hit = j < len(self._odd_pos)
        hit[hit] = self._odd_pos[j[hit]] == k[hit]
        out = self.start_ts + 2 * (k - j)
        if hit.any():
            out[hit] = self.odd[j[hit]]
        return out

    def ts_of(self, block: int) -> int:
        return int(self.ts_of_blocks(np.array([block]))[0])

    @property
    def head_block(self) -> int:
        return self.block_at(self.head_ts)

    def hash_of(self, block: int) -> str:
        """A block's hash: keccak of the world's seed and the number (its parent's is
        hash_of(block - 1))."""
        digest = keccak.new(digest_bits=256, data=self._salt + str(int(block)).encode())
        return "0x" + digest.hexdigest()


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
             optional: dict[str, tuple[pa.DataType, object]] | None = None) -> pa.Table | None:
    if not path.exists():
        if required:
            raise WorldError(f"world file missing: {path}")
        return None
    table = pq.read_table(path)
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise WorldError(f"{path}: missing columns {missing}")
    return _with_optional(table, optional or {}).select([*columns, *(optional or {})])


def _with_optional(table: pa.Table, optional: dict[str, tuple[pa.DataType, object]]
                   ) -> pa.Table:
    """The table with each optional column it lacks, filled with the column's default."""
    for name, (dtype, default) in optional.items():
        if name not in table.column_names:
            table = table.append_column(name, pa.array([default] * table.num_rows, dtype))
    return table


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
        activity = _with_optional(activity, OPTIONAL_ACTIVITY_COLUMNS)
    start_ts = int(meta.get("start_ts", 0))
    head_ts = int(meta.get("as_of_ts") or meta.get("end_ts") or start_ts)
    log.info("world %s read: %d events, %d markets, %d fills, %d activity rows in %.2fs",
             path, len(events), len(markets), fills.num_rows, activity.num_rows,
             time.monotonic() - started)
    chain = Chain(start_ts, head_ts, [fills.column("timestamp").to_numpy(),
                                      activity.column("timestamp").to_numpy()], meta.get("seed"))
    return WorldFiles(path, meta, events, markets, fills, activity, chain)
