"""A metrics run's plan: the wallet steps over slices of the wallet keys (metrics/run.py).
That slicing changes no figure is checked elsewhere: the ledger tests compute their worlds in
several slices (tests/metrics_support.SLICE_ROWS) and test_shards compares those runs, row by
row, with shards computed whole."""

from __future__ import annotations

from itertools import pairwise

import pytest

from polyrank.metrics.run import (
    BOARD_STEPS,
    CARRYING_STEPS,
    INPUT_STEPS,
    SHARD_STEPS,
    STEPS,
    TAPE_STEPS,
    WALLET_KEYS,
    WALLET_STEPS,
    _plan,
    metrics_sql,
    wallet_slices,
)


@pytest.mark.parametrize(("rows", "slice_rows", "n"), [
    (0, 100, 1), (1, 100, 1), (100, 100, 1), (101, 100, 2), (1_000, 100, 10),
    (10**9, 0, 1), (5, 1, 5),
])
def test_slices_cover_every_key_once_in_as_many_parts_as_the_rows_need(rows, slice_rows, n):
    slices = wallet_slices(rows, slice_rows)
    assert len(slices) == n
    assert slices[0][0] == 0 and slices[-1][1] == WALLET_KEYS - 1
    for (_, hi), (lo, _) in pairwise(slices):
        assert lo == hi + 1  # adjacent, no gap, no overlap
    sizes = [hi - lo + 1 for lo, hi in slices]
    assert max(sizes) - min(sizes) < n  # equal parts (the last takes the remainder)


def test_each_slice_runs_through_every_wallet_step_before_the_next_slice():
    slices = [(0, 9), (10, 19)]
    plan = _plan(STEPS, slices)
    expected = ([(s, 0, WALLET_KEYS - 1) for s in TAPE_STEPS + INPUT_STEPS + SHARD_STEPS]
                + [(s, lo, hi) for lo, hi in slices for s in WALLET_STEPS]
                + [(s, 0, WALLET_KEYS - 1) for s in BOARD_STEPS])
    assert plan == expected


def test_steps_other_than_the_wallet_steps_run_once_over_every_wallet():
    assert _plan(TAPE_STEPS + BOARD_STEPS, [(0, 9), (10, 19)]) == [
        (s, 0, WALLET_KEYS - 1) for s in TAPE_STEPS + BOARD_STEPS]
    assert _plan(WALLET_STEPS[:2], [(0, 9)]) == [(s, 0, 9) for s in WALLET_STEPS[:2]]


def test_the_categories_are_numbered_by_name_and_at_most_255_fit(tmp_path):
    from polyrank.errors import PolyrankError
    from polyrank.metrics.run import numbered
    from polyrank.store import Store

    columns = ("token_key", "category")
    with Store.open(f"chdb://{tmp_path / 'store'}") as store:
        assert numbered(store) == []
        store.insert("trade_tokens", [(1, "sports"), (2, "crypto"), (3, "sports")], columns)
        assert numbered(store) == ["crypto", "sports"]
        store.insert("trade_tokens", [(10 + i, f"c{i:03}") for i in range(254)], columns)
        with pytest.raises(PolyrankError, match="256 categories"):
            numbered(store)


def test_a_carrying_run_plans_its_own_risk_steps_slice_by_slice_too():
    assert [s for s in CARRYING_STEPS if s not in WALLET_STEPS] == [
        "risk_curves.sql", "risk_of_curves.sql"]
    assert _plan(CARRYING_STEPS, [(0, 9), (10, 19)]) == [
        (s, lo, hi) for lo, hi in [(0, 9), (10, 19)] for s in CARRYING_STEPS]


def test_a_step_includes_the_parts_it_shares_in_place_of_their_lines():
    """risk.sql builds the equity curves risk_curves.sql writes down, and folds them as
    risk_of_curves.sql does: each part's text once, where its line was."""
    for step in (*STEPS, *CARRYING_STEPS):
        assert "-- include:" not in metrics_sql(step), step
    whole, curves, folded = (metrics_sql(s) for s in
                             ("risk.sql", "risk_curves.sql", "risk_of_curves.sql"))
    assert whole.count("    equity_curves AS (") == curves.count("    equity_curves AS (") == 1
    assert whole.count("    windows AS (") == folded.count("    windows AS (") == 1
    assert "    windows AS (" not in curves and "INSERT INTO risk_curves" in curves
    assert whole.index("    equity_curves AS (") < whole.index("    windows AS (")
