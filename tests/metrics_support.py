"""Compare the store's metric tables with a world's ground-truth ledger."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow.parquet as pq

from polyrank.store import Store

KEYS = {
    "positions": ("wallet", "token_id"),
    "bets": ("wallet", "bet_key"),
    "wallet_metrics": ("wallet", "window", "category"),
    "specialists": ("wallet", "category"),
}
# counts must match exactly; money to 1e-6 USDC (ratios relative 1e-9)
ABS, REL = 1e-6, 1e-9


def _same(expected, got) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, str):
        return expected == got
    if isinstance(expected, bool):
        return bool(got) == expected
    if isinstance(expected, int) and not isinstance(got, float):
        return int(got) == expected
    return math.isclose(float(expected), float(got), rel_tol=REL, abs_tol=ABS)


def ledger_differences(world: Path, store_dsn: str, table: str) -> tuple[int, list[str]]:
    """(rows compared, human-readable differences) between ledger/<table>.parquet and the
    store's current metrics run."""
    keys = KEYS[table]
    expected = {tuple(r[k] for k in keys): r
                for r in pq.read_table(world / "ledger" / f"{table}.parquet").to_pylist()}
    with Store.open(store_dsn) as store:
        result = store.query(
            "SELECT * FROM {t:Identifier} WHERE run_id = (SELECT argMax(value, updated_at) "
            "FROM pipeline_state WHERE key = 'metrics_run')", {"t": table})
    rows = [dict(zip(result.column_names, r, strict=True)) for r in result.result_rows]
    got = {tuple(r[k] for k in keys): r for r in rows}
    problems = [f"{table}: missing {k}" for k in list(set(expected) - set(got))[:5]]
    problems += [f"{table}: unexpected {k}" for k in list(set(got) - set(expected))[:5]]
    for key, want in expected.items():
        have = got.get(key)
        if have is None:
            continue
        for column, value in want.items():
            if column in keys:
                continue
            if column not in have:
                problems.append(f"{table}: no column {column}")
            elif not _same(value, have[column]):
                problems.append(f"{table} {key} {column}: ledger {value!r}, store "
                                f"{have[column]!r}")
    return len(expected), problems
