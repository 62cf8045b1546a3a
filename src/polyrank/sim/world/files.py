"""Schemas and streaming writers of the world folder (docs/world-format.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 131_072

FILLS = pa.schema([
    ("id", pa.string()), ("transaction_hash", pa.string()), ("timestamp", pa.int64()),
    ("order_hash", pa.string()), ("maker", pa.string()), ("taker", pa.string()),
    ("maker_asset_id", pa.string()), ("taker_asset_id", pa.string()),
    ("maker_amount_filled", pa.int64()), ("taker_amount_filled", pa.int64()),
    ("fee", pa.int64()), ("exchange", pa.string()), ("version", pa.int8()),
    ("side", pa.int8()), ("token_id", pa.string()), ("condition_id", pa.string()),
])
ACTIVITY = pa.schema([
    ("id", pa.string()), ("wallet", pa.string()), ("timestamp", pa.int64()),
    ("type", pa.string()), ("condition_id", pa.string()), ("token_id", pa.string()),
    ("outcome_index", pa.int8()), ("size", pa.int64()), ("usdc_size", pa.int64()),
    ("transaction_hash", pa.string()), ("index_set", pa.int64()),
    ("question_count", pa.int16()),
])
WALLETS = pa.schema([
    ("address", pa.string()), ("archetype", pa.string()), ("specialty", pa.string()),
    ("weight", pa.float64()),
])
POSITIONS = pa.schema([
    ("wallet", pa.string()), ("token_id", pa.string()), ("condition_id", pa.string()),
    ("bet_key", pa.string()), ("category", pa.string()), ("amount", pa.float64()),
    ("avg_price", pa.float64()), ("realized", pa.float64()), ("cost", pa.float64()),
    ("bought", pa.float64()), ("unmatched_sell", pa.float64()), ("fills", pa.int64()),
    ("is_open", pa.bool_()), ("closed_ts", pa.int64()), ("mark", pa.float64()),
    ("unrealized", pa.float64()), ("pnl_polymarket", pa.float64()),
    ("pnl_fee_effect", pa.float64()), ("pnl_unredeemed", pa.float64()),
])
BETS = pa.schema([
    ("wallet", pa.string()), ("bet_key", pa.string()), ("category", pa.string()),
    ("pnl", pa.float64()), ("cost", pa.float64()), ("closed", pa.bool_()),
    ("closed_ts", pa.int64()), ("positions", pa.int64()), ("pnl_polymarket", pa.float64()),
    ("pnl_fee_effect", pa.float64()), ("pnl_unredeemed", pa.float64()),
    ("shares_bought", pa.float64()), ("event_id", pa.string()),
])
_F, _I, _S, _B = pa.float64(), pa.int64(), pa.string(), pa.bool_()
WALLET_METRICS = pa.schema([
    ("wallet", _S), ("window", _S), ("category", _S), ("trades", _I), ("volume_usdc", _F),
    ("markets_traded", _I), ("bets_open", _I), ("bets_closed", _I), ("cost", _F),
    ("realized_pnl", _F), ("gains", _F), ("losses", _F), ("omega", _F),
    ("omega_unbounded", _B), ("omega_score", _F), ("bets_won", _I), ("bets_lost", _I),
    ("win_rate", _F), ("win_rate_lb", _F), ("roi", _F), ("roi_se", _F), ("avg_win", _F),
    ("avg_loss", _F), ("max_win", _F), ("max_loss", _F), ("realized_pnl_all", _F),
    ("unrealized_pnl", _F), ("total_pnl", _F), ("first_trade_at", _I), ("last_trade_at", _I),
    ("active_days", _I), ("incomplete_positions", _I), ("eligibility", _S),
    ("pnl_polymarket", _F), ("pnl_fee_effect", _F), ("pnl_unredeemed", _F),
    # skill, risk and behaviour (docs/metrics.md §4.6-§4.8)
    ("edge", _F), ("edge_se", _F), ("skill_z", _F), ("edge_lb", _F), ("skill_p", _F),
    ("skilled", _B), ("sharpe_daily", _F), ("sortino_daily", _F), ("max_drawdown", _F),
    ("max_drawdown_pct", _F), ("passive_share", _F), ("both_sides_share", _F),
    ("median_gap_s", _F), ("median_entry", _F), ("market_maker", _B), ("high_frequency", _B),
    ("favourite_buyer", _B),
])
SPECIALISTS = pa.schema([
    ("wallet", _S), ("category", _S), ("focus_share", _F), ("bets_closed", _I), ("cost", _F),
    ("roi", _F), ("roi_se", _F), ("roi_lb", _F), ("omega_score", _F),
    ("category_eligible", _B), ("omega_top", _B), ("focused", _B), ("edge", _B),
    ("is_specialist", _B), ("focus_only", _B),
])


class TableWriter:
    """Buffer column chunks and write them as parquet row groups of about `rows` rows."""

    def __init__(self, path: Path, schema: pa.Schema, rows: int = ROW_GROUP_ROWS) -> None:
        self.schema, self.rows = schema, rows
        self.writer = pq.ParquetWriter(path, schema, compression="zstd")
        self.buffer: list[pa.Table] = []
        self.buffered = 0
        self.written = 0

    def write(self, columns: Mapping[str, Sequence]) -> None:
        table = pa.Table.from_pydict({f.name: columns[f.name] for f in self.schema},
                                     schema=self.schema)
        if table.num_rows == 0:
            return
        self.buffer.append(table)
        self.buffered += table.num_rows
        if self.buffered >= self.rows:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            table = pa.concat_tables(self.buffer).combine_chunks()
            self.writer.write_table(table, row_group_size=max(self.rows, table.num_rows))
            self.written += table.num_rows
            self.buffer, self.buffered = [], 0

    def close(self) -> None:
        self.flush()
        self.writer.close()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def rows_to_columns(rows: Sequence[object], names: Sequence[str]) -> dict[str, list]:
    """Dataclass rows -> columns."""
    return {n: [getattr(r, n) for r in rows] for n in names}


def write_table(path: Path, schema: pa.Schema, columns: Mapping[str, Sequence]) -> None:
    with TableWriter(path, schema) as writer:
        if columns:
            writer.write(columns)


def dump_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def json_line(record: object) -> str:
    return json.dumps(record, separators=(",", ":")) + "\n"
