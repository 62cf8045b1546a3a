"""`refresh_every`: rounds on a schedule; a failed round is reported and the next one runs."""

from __future__ import annotations

import asyncio

import pytest

from polyrank.errors import InvalidArgument, TransientUpstreamError
from polyrank.refresh import refresh_every
from polyrank.session import parse_interval


def test_a_failed_round_is_reported_and_the_next_one_runs():
    calls, slept, seen = [], [], []

    async def run():
        calls.append(len(calls) + 1)
        if len(calls) == 2:
            raise TransientUpstreamError("Gamma answered 503 (gave up after 4 attempts)")
        if len(calls) == 3:
            raise RuntimeError("a bug")
        return f"report {len(calls)}"

    async def sleep(seconds):
        slept.append(seconds)

    rounds = asyncio.run(refresh_every(900, run, rounds=4, on_round=seen.append, sleep=sleep))
    assert [r.number for r in rounds] == [1, 2, 3, 4] and seen == rounds
    assert [r.report for r in rounds] == ["report 1", None, None, "report 4"]
    assert "503" in rounds[1].error and rounds[2].error == "RuntimeError: a bug"
    # each wait is the interval less the round's own time; none after the last round
    assert len(slept) == 3 and all(890 < s <= 900 for s in slept)


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("1h", 3600), ("30s", 30),
                                              ("1d", 86400), ("90", 90), (2.5, 2.5)])
def test_intervals(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "15x", "-5m", "0", "fast", 0])
def test_bad_intervals_are_refused_by_name(text):
    with pytest.raises(InvalidArgument) as exc:
        parse_interval(text)
    assert exc.value.name == "every"
