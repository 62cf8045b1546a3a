"""Two metrics runs of one store as of one time give the same figures to the last bit. The
engine sums a group's rows in the order its threads read them; with small blocks read by
several threads, a floating-point sum taken in that order differed between runs (the sums
are exact now: bets.sql, wallet_rows.sql)."""

from __future__ import annotations

import pytest

from polyrank.metrics.run import compute_metrics
from polyrank.store import Store
from tests.metrics_support import SLICE_ROWS, enriched_copy

#: the tables of a run's results that hold figures
TABLES = ("position_rows", "bet_rows", "wallet_metric_rows")


@pytest.fixture(scope="module")
def store(loaded, tmp_path_factory) -> str:
    """The loaded world's inputs in a store of this module's own, enriched."""
    return enriched_copy(loaded[1], tmp_path_factory.mktemp("repeatable"))


def as_text(store: Store, table: str, run: str) -> list[str]:
    """The run's rows of the table, each as the text of its stored columns, sorted."""
    columns = [c for (c,) in store.rows(
        "SELECT name FROM system.columns WHERE database = currentDatabase() "
        "AND table = {t:String} AND default_kind = '' AND name != 'run_id' ORDER BY position",
        {"t": table})]
    return [r for (r,) in store.rows(
        f"SELECT toString(tuple({', '.join(columns)})) AS r FROM {table} "
        "WHERE run_id = {run:String} ORDER BY r", {"run": run})]


def test_two_runs_give_every_row_to_the_last_bit(store):
    with Store.open(store) as st:
        # blocks of a few dozen rows, read by four threads: a group's rows reach its sum from
        # several threads, in an order that changes from run to run
        st.set_engine_settings(max_block_size=37, max_threads=4)
        as_of = st.scalar("SELECT max(ts) FROM trade_rows")
        runs = [compute_metrics(st, as_of=as_of, slice_rows=SLICE_ROWS).run_id
                for _ in range(2)]
        for table in TABLES:
            first, second = (as_text(st, table, run) for run in runs)
            assert len(first) > 1000
            differ = len(set(first) ^ set(second)) // 2
            assert differ == 0, f"{table}: {differ} of {len(first)} rows differ between the runs"
