"""Batches sized from what is known of each wallet (`polyrank.ingest.plan`): packing, the
batcher's probe and learning, and the id arithmetic that splits a batch's read into parts."""

from __future__ import annotations

import pytest

from polyrank.ingest.plan import (
    PRIOR_ROWS,
    Batcher,
    Sizing,
    id_at,
    id_fraction,
    pack,
    reads_wanted,
    sized_groups,
    span,
    split_point,
)

W = [f"0x{i:040x}" for i in range(12)]
# 2 pages of 100 rows, less the slack (5): a batch aims at 195 rows, at most 4 wallets
SMALL = Sizing(page=100, pages=2, max_wallets=4)


def batches(wallets, expected, sizing=SMALL):
    return [ws for ws, _ in pack(wallets, expected, sizing)]


def test_the_target_is_whole_pages_less_a_slack():
    assert (SMALL.slack, SMALL.target) == (5, 195)
    assert Sizing().target == 10 * 1000 - 50


def test_a_heavy_wallet_is_a_batch_by_itself():
    expected = {W[0]: 500.0, W[1]: 195.0, W[2]: 10.0}
    got = batches(W[:3], expected)
    assert (W[0],) in got and (W[1],) in got  # at or above the target: alone
    assert (W[2],) in got and len(got) == 3


def test_light_wallets_fill_a_batch_heaviest_first_then_the_gap_with_the_lightest():
    expected = {W[0]: 120.0, W[1]: 60.0, W[2]: 50.0, W[3]: 10.0, W[4]: 5.0}
    # 120 + 60 = 180; 50 does not fit; the lightest close the gap: + 5 + 10 = 195
    assert batches(W[:5], expected) == [(W[0], W[1], W[4], W[3]), (W[2],)]


def test_every_wallet_is_in_exactly_one_batch_and_none_exceeds_the_cap():
    expected = {w: float(i % 4) for i, w in enumerate(W)}  # light: only the cap binds
    got = batches(W, expected)
    assert sorted(w for ws in got for w in ws) == sorted(W)
    assert [len(ws) for ws in got] == [4, 4, 4]


def test_expected_rows_travel_with_their_wallets():
    expected = {W[0]: 30.0, W[1]: 7.0}
    [(wallets, rows)] = pack(W[:2], expected, SMALL)
    assert dict(zip(wallets, rows, strict=True)) == expected


def test_the_page_size_decides_what_is_heavy():
    expected = {W[0]: 900.0, W[1]: 900.0}
    assert len(batches(W[:2], expected, Sizing(page=1000, pages=2))) == 1  # 1,800 < 1,950
    assert len(batches(W[:2], expected, Sizing(page=100, pages=2))) == 2


def test_known_wallets_are_packed_at_once_and_unknown_ones_wait_for_a_probe():
    batcher = Batcher(SMALL)
    known = {W[0]: 100.0, W[1]: 90.0}
    batcher.add([(0, W[:8])], known)
    first = batcher.take()
    # the known pair in one batch; one probe of unknown wallets at PRIOR_ROWS each
    assert [j.wallets for j in first if not j.unknown] == [(W[0], W[1])]
    [probe] = [j for j in first if j.unknown]
    assert len(probe.wallets) == max(1, SMALL.target // PRIOR_ROWS)
    assert probe.expected == (PRIOR_ROWS,) * len(probe.wallets)
    assert batcher.take() == [] and batcher.waiting == 8 - 2 - len(probe.wallets)
    batcher.learn(len(probe.wallets), 40.0 * len(probe.wallets))
    assert batcher.mean == 40.0
    rest = batcher.take()
    assert sorted(w for j in rest for w in j.wallets) == sorted(
        set(W[:8]) - {W[0], W[1], *probe.wallets})
    assert all(j.unknown and set(j.expected) == {40.0} for j in rest)
    assert batcher.waiting == 0 and batcher.take() == []


def test_a_probe_that_ends_unmeasured_releases_the_rest_at_the_prior():
    batcher = Batcher(SMALL)
    batcher.add([(0, W[:6])], {})
    [probe] = batcher.take()
    assert batcher.take() == []
    rest = batcher.take(force=True)
    assert {w for j in rest for w in j.wallets} == set(W[:6]) - set(probe.wallets)
    assert all(set(j.expected) == {PRIOR_ROWS} for j in rest)


def test_groups_keep_their_start_time_and_failed_wallets_come_first():
    groups = sized_groups(W[:5], failed={W[3]}, since={W[1]: 50, W[4]: 50}, default_since=7)
    assert groups == [(7, [W[3]]), (7, [W[0], W[2]]), (50, [W[1], W[4]])]
    batcher = Batcher(SMALL)
    batcher.add(groups, dict.fromkeys(W[:5], 1.0))
    jobs = batcher.take()
    assert [(j.wallets, j.since) for j in jobs] == [
        ((W[3],), 7), ((W[0], W[2]), 7), ((W[1], W[4]), 50)]


def test_ids_map_to_their_place_in_the_id_space():
    fill = "0x8000000000000" + "0" * 51 + "_0x" + "ab" * 32
    assert id_fraction(fill) == 0.5
    assert id_fraction("0x0000000000000") == 0.0 and id_fraction("a1") is None
    assert id_at(0.5) == "0x8000000000000" and id_at(1.0) == "0x" + "f" * 13
    assert span("", "") == 1.0 and span(fill, "") == 0.5 and span("", fill) == 0.5
    assert span("x", "") is None
    # a bound sorts before every id that continues it: id_gt / id_lte split them exactly
    assert id_at(0.5) < fill < id_at(0.5000001)


def test_a_read_splits_where_its_first_part_holds_whole_pages():
    lo, hi = id_at(0.25), id_at(0.75)
    # 400 rows over half the id space: the first part gets 2 pages less 5% (190 rows), i.e.
    # 190 / 400 of the ids; the second keeps the rest (210 rows, at least 2 pages' worth)
    assert split_point(lo, hi, rows_left=400, page=100) == id_at(0.25 + 0.5 * 190 / 400)
    assert split_point(lo, hi, rows_left=399, page=100) is None  # no two parts of 2 pages
    # 10,000 rows: half, i.e. 5 pages less 5% (4,750 rows)
    assert split_point("", "", rows_left=10_000, page=1000) == id_at(0.475)
    # 5,500 rows: about half (3 pages) would leave the second part 2.5: 3 pages less 5%
    assert split_point("", "", rows_left=5_500, page=1000) == id_at(2850 / 5500)
    assert split_point(id_at(0.5), id_at(0.5), rows_left=10_000, page=100) is None
    assert split_point("not-hex", "", rows_left=10_000, page=100) is None


@pytest.mark.parametrize(("limit", "round_trip", "wanted"), [
    ((50, 10.0), 0.4, 3),  # 5/s x 0.4 s x 1.5 = 3 reads in flight keep the limit busy
    ((50, 10.0), 2.0, 10),  # capped at the workers
    ((50, 10.0), 0.01, 1),
    (None, 0.4, 10),  # no limit: every worker
    ((50, 10.0), None, 10),  # nothing measured yet
])
def test_reads_wanted_is_the_limits_rate_times_a_round_trip(limit, round_trip, wanted):
    assert reads_wanted(limit, round_trip, workers=10) == wanted
