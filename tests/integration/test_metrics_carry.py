"""A run that carries over (metrics/incremental.py) equals a run computed whole, on every row
and column of every result table: a run as of A1, then one as of A2 (the same UTC day) that
computes only the wallets whose figures can have changed, against a run as of A2 computed
whole. Most A1 -> A2 are one second holding one thing that changes figures (so that each
reason to compute a wallet again is needed on its own): a market's resolution, a
redemption, a split or merge (of a wallet with no fill then), a wallet's first fill, a fill
and a bet's closing leaving a window; then two busy hours, and an event re-tagged between
the runs. A run of a later day carries over too (every wallet computed, most of what they
read kept); a run with other settings computes every wallet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict

import pytest

from polyrank.enrich.trades import enrich
from polyrank.metrics import compaction
from polyrank.metrics.config import MetricsConfig
from polyrank.metrics.run import (
    BOARD_STEPS,
    INPUT_STEPS,
    SHARD_STEPS,
    SOURCED,
    TAPE_STEPS,
    WALLET_STEPS,
    MetricsReport,
    compute_metrics,
    wallet_slices,
)
from polyrank.results import markets as market_pages
from polyrank.results import wallets as wallet_pages
from polyrank.store import Store
from tests.metrics_support import (
    KEYS,
    SLICE_ROWS,
    _same,
    differences,
    enriched_copy,
    keyed_rows,
)

DAY, HOUR = 86400, 3600
#: every table of a run's results, by its key
TABLES = {**KEYS, "token_prices": ("token_key", "day")}
#: the moments a pair of runs ends at: name -> (SQL giving candidate times, A2 - A1)
MOMENTS = {
    "resolution": ("SELECT resolved_at FROM trade_tokens WHERE payout IS NOT NULL", 1),
    "redemption": ("SELECT timestamp FROM activities WHERE kind = 'redeem'", 1),
    "split or merge": ("SELECT timestamp FROM activities WHERE kind IN ('split', 'merge') "
                       "AND (wallet, timestamp) NOT IN (SELECT maker, timestamp FROM fills)", 1),
    "first fill": ("SELECT min(ts) FROM trade_rows GROUP BY wallet_key", 1),
    "a 30-day window's edge": ("SELECT ts + 30 * 86400 FROM trade_rows", 1),
    "a bet closing 90 days before": ("SELECT closed_ts + 90 * 86400 FROM bets "
                                     "WHERE closed AND run_id = {run:String}", 1),
    "two busy hours": ("SELECT ts FROM trade_rows", 2 * HOUR),
}

#: moments whose wallets are computed again for another reason than their own inputs (the
#: holders of a token that resolves or trades, a window's edge), or for inputs of their own
#: that came after an unchanged history (a redemption, a split or merge): they copy
#: positions (the latter those that did not move: moved_positions.sql)
COPYING = {"resolution", "a 30-day window's edge", "a bet closing 90 days before",
           "two busy hours", "redemption", "split or merge"}
#: moments whose wallets are computed again for a change their fills do not see (a token's
#: resolution or new price, a bet closing out of a window): they copy fill figures; in the
#: first two, every computed wallet's (nothing else happens in that second)
KEEPING_FILLS = {"resolution", "a bet closing 90 days before", "two busy hours"}
ONLY_KEEPING_FILLS = {"resolution", "a bet closing 90 days before"}
#: moments with wallets computed again for a fill leaving a window (and nothing else): the
#: fill figures of that window computed again, the other windows' copied
PARTLY_KEEPING_FILLS = {"a 30-day window's edge", "two busy hours"}


@pytest.fixture(scope="module")
def store(loaded, tmp_path_factory) -> str:
    """The loaded world's inputs (fills, activities, catalogue) in a store of this module's
    own, enriched, with a run computed whole."""
    dsn = enriched_copy(loaded[1], tmp_path_factory.mktemp("carry"))
    with Store.open(dsn) as dst:
        compute_metrics(dst, slice_rows=SLICE_ROWS)
    return dsn


def around(store: Store, moment: str) -> tuple[int, int]:
    """(A1, A2) = (t - width, t) within one UTC day, for a t of the moment's SQL in the middle
    of the history (and of its day), so that there is history before it."""
    sql, width = MOMENTS[moment]
    run = store.scalar("SELECT argMax(value, updated_at) FROM pipeline_state "
                       "WHERE key = 'metrics_run'")
    first, last = store.rows("SELECT min(ts), max(ts) FROM trade_rows")[0]
    times = sorted(t for (t,) in store.rows(sql, {"run": run})
                   if t and first + 60 * DAY < t < last and 3 * HOUR < t % DAY < 21 * HOUR)
    assert times, sql
    t = times[len(times) // 2]
    return t - width, t


def carried_and_whole(store: Store, a1: int, a2: int, *, change=None, a0: int | None = None
                      ) -> tuple[MetricsReport, MetricsReport, dict, dict]:
    """A run as of a1 (with `a0`, one as of a0 computed whole, then the one as of a1 carrying
    over from it), `change` (a function of the store) if any, then a run as of a2 carrying
    over from it and one as of a2 computed whole: both reports and both runs' rows. (The
    carrying run goes in slices, the whole one not: either way, the same rows.)"""
    if a0 is not None:
        compute_metrics(store, as_of=a0)
    compute_metrics(store, as_of=a1, carry=a0 is not None)
    if change is not None:
        change(store)
    return carried_then_whole(store, a2)


def carried_then_whole(store: Store, a2: int
                       ) -> tuple[MetricsReport, MetricsReport, dict, dict]:
    """A run as of a2 carrying over from the readable run, then one computed whole: both
    reports and both runs' rows."""
    carried = compute_metrics(store, as_of=a2, slice_rows=SLICE_ROWS, carry=True)
    assert counted(carried) == read(store, carried.run_id)
    got = {t: keyed_rows(store, t, "run_id = {r:String}", {"r": carried.run_id}, keys)
           for t, keys in TABLES.items()}
    whole = compute_metrics(store, as_of=a2)
    assert counted(whole) == read(store, whole.run_id) == counted(carried)
    want = {t: keyed_rows(store, t, "run_id = {r:String}", {"r": whole.run_id}, keys)
            for t, keys in TABLES.items()}
    return carried, whole, got, want


def counted(report: MetricsReport) -> tuple[int, int, int]:
    """A run's positions, bets and wallets as it counted them (run_sources' counts)."""
    return report.positions, report.bets, report.wallets


def read(store: Store, run_id: str) -> tuple[int, int, int]:
    """The same, from every row the run reads: its positions, its bets, and the wallets with
    wallet metrics."""
    return tuple(store.scalar(sql, {"r": run_id}) for sql in (
        "SELECT count() FROM positions WHERE run_id = {r:String}",
        "SELECT count() FROM bets WHERE run_id = {r:String}",
        "SELECT uniqExact(wallet) FROM wallet_metrics WHERE run_id = {r:String}"))


def assert_same_rows(got: dict, want: dict) -> None:
    for table in TABLES:
        assert want[table], table
        problems = differences(want[table], got[table])
        assert problems == [], (table, len(problems), problems[:5])


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_carried_run_equals_one_computed_whole(store, moment):
    with Store.open(store) as s:
        a1, a2 = around(s, moment)
        carried, whole, got, want = carried_and_whole(s, a1, a2)
    assert carried.base_run
    assert 0 < carried.computed_wallets < whole.wallets == carried.wallets
    # the positions of the wallets it computed: folded again, or copied when neither the
    # wallet's own inputs nor the token's changed (a whole run folds every one)
    assert (whole.computed_positions, whole.copied_positions) == (whole.positions, 0)
    assert carried.computed_positions + carried.copied_positions < whole.computed_positions
    if moment in COPYING:
        assert carried.copied_positions > 0
    # fill figures copied only where the fills cannot tell the runs apart
    assert whole.copied_fill_figures == 0
    if moment in ONLY_KEEPING_FILLS:
        assert carried.copied_fill_figures == carried.computed_wallets
    else:
        assert carried.copied_fill_figures < carried.computed_wallets
    if moment in KEEPING_FILLS:
        assert carried.copied_fill_figures > 0
    assert whole.partly_copied_fill_figures == 0
    if moment in PARTLY_KEEPING_FILLS:
        assert carried.partly_copied_fill_figures > 0
    if moment in ONLY_KEEPING_FILLS:
        assert carried.partly_copied_fill_figures == 0
    # equity curves: built whole, as the base run was computed whole and so wrote none down
    # (a carrying run does: test_fills_of_an_earlier_day_loaded_late, and the chain below)
    assert whole.kept_curves == carried.kept_curves == 0
    # the tape's prices read again from A1's day on only (no enrich since), the days before
    # copied; every day's in a run computed whole
    assert (carried.prices_from, whole.prices_from) == (a1 // DAY, 0)
    assert_same_rows(got, want)


def test_a_retagged_event_between_the_runs(store):
    """An event's tags change between the runs (its markets change category): the holders of
    its tokens are computed again, their fill figures too."""
    with Store.open(store) as s:
        a1, a2 = around(s, "two busy hours")
        event, category = s.rows(  # the event the most wallets traded by A1
            "SELECT t.event_id, any(t.category) FROM trade_rows AS r JOIN trade_tokens AS t "
            "ON t.token_key = r.token_key WHERE r.ts <= {a1:UInt32} AND t.event_id != '' "
            "GROUP BY t.event_id ORDER BY uniqExact(r.wallet_key) DESC, t.event_id LIMIT 1",
            {"a1": a1})[0]
        retag = "weather" if category != "weather" else "mentions"

        def change(st: Store) -> None:
            st.command("INSERT INTO events SELECT * REPLACE ([{t:String}] AS tag_slugs, "
                       "now64(3) + 1 AS updated_at) FROM events FINAL WHERE id = {e:String}",
                       {"t": retag, "e": event})
            enrich(st)

        carried, whole, got, want = carried_and_whole(s, a1, a2, change=change)
        categories = s.rows("SELECT DISTINCT category FROM trade_tokens "
                            "WHERE event_id = {e:String}", {"e": event})
        holders = s.scalar("SELECT uniqExact(wallet) FROM positions WHERE run_id = {r:String} "
                           "AND token_id IN (SELECT token_id FROM trade_tokens "
                           "WHERE event_id = {e:String})", {"r": whole.run_id, "e": event})
    assert categories == [(retag,)]
    assert carried.base_run and 0 < holders <= carried.computed_wallets < whole.wallets
    # which of their fills count in which category changed: their fill figures are computed
    assert holders <= carried.computed_wallets - carried.copied_fill_figures
    # (the enrich rebuilt every trade row: every day's prices read again)
    assert carried.prices_from == 0
    assert_same_rows(got, want)


def test_fills_of_an_earlier_day_loaded_late(store):
    """Runs as of A0 (whole), A1 and A2 of one day, each carrying over from the last, so that
    the second writes down the equity curves of the wallets it computes (those that traded
    in (A0, A1]) and the third can take their days before its day. Two fills of the day before
    reach the store only between A1 and A2: the last trade of its token that day, of the token
    most wallets held (its value curve changes before the runs' day), and a fill of a wallet
    that traded in (A0, A1] that was not its token's last that day (no curve changes). The
    curves of that wallet and of the token's holders are built whole again, not taken from
    the base run; the other wallets that traded in both hours keep theirs. They come as late
    fills do: loaded again and appended by an incremental enrich, which logs that it appended
    rows of the day before (enrich_log), so the run reads that day's prices again."""
    with Store.open(store) as s:
        a1, a2 = around(s, "two busy hours")
        a0 = a1 - HOUR // 2
        keys = {"d": a2 // DAY * DAY, "a0": a0, "a1": a1}
        keys["t"], keys["ts"] = s.rows(
            "SELECT token_key, max(ts) FROM trade_rows WHERE ts >= {d:UInt32} - 86400 "
            "AND ts < {d:UInt32} GROUP BY token_key "
            "ORDER BY (SELECT uniqExact(wallet_key) FROM trade_rows AS h WHERE "
            "h.token_key = trade_rows.token_key AND h.ts < {d:UInt32}) DESC, token_key "
            "LIMIT 1", keys)[0]
        holders = s.scalar("SELECT uniqExact(wallet_key) FROM trade_rows WHERE "
                           "token_key = {t:UInt64} AND ts < {d:UInt32}", keys)
        keys["w2"], keys["t2"], keys["ts2"] = s.rows(
            "SELECT wallet_key, token_key, ts FROM trade_rows AS r "
            "WHERE ts >= {d:UInt32} - 86400 AND ts < (SELECT max(ts) FROM trade_rows "
            "WHERE token_key = r.token_key AND ts < {d:UInt32}) "
            "AND wallet_key NOT IN (SELECT wallet_key FROM trade_rows WHERE token_key = "
            "{t:UInt64} UNION ALL SELECT wallet_key FROM activity_rows WHERE token_key = "
            "{t:UInt64}) AND wallet_key IN (SELECT wallet_key FROM "
            "trade_rows WHERE ts > {a0:UInt32} AND ts <= {a1:UInt32}) "
            "ORDER BY wallet_key, ts LIMIT 1", keys)[0]
        late = ("(token_key = {t:UInt64} AND ts = {ts:UInt32}) OR (wallet_key = {w2:UInt64} "
                "AND token_key = {t2:UInt64} AND ts = {ts2:UInt32})")
        s.command("DROP TABLE IF EXISTS late_rows")
        s.command("CREATE TABLE late_rows AS trade_rows")
        s.command(f"INSERT INTO late_rows SELECT * FROM trade_rows WHERE {late}", keys)
        s.command(f"ALTER TABLE trade_rows DELETE WHERE {late} SETTINGS mutations_sync = 2",
                  keys)

        late_fills = ("(cityHash64(token_id) = {t:UInt64} AND timestamp = {ts:UInt32}) OR "
                      "(cityHash64(maker) = {w2:UInt64} AND cityHash64(token_id) = {t2:UInt64} "
                      "AND timestamp = {ts2:UInt32})")

        def change(st: Store) -> None:
            st.command("INSERT INTO fills SELECT * REPLACE (now64(3) AS loaded_at) "
                       f"FROM fills FINAL WHERE {late_fills}", keys)
            enrich(st, incremental=True)
            appended = st.scalar(f"SELECT count() FROM trade_rows WHERE {late}", keys)
            assert appended == st.scalar("SELECT count() FROM late_rows") > 1

        carried, _, got, want = carried_and_whole(s, a1, a2, change=change, a0=a0)
        s.command("DROP TABLE late_rows")
    assert holders > 1 and carried.base_run
    # the holders and the second wallet computed again, their curves built whole (a busy
    # hour's other wallets keep theirs)
    assert carried.computed_wallets - carried.kept_curves >= holders + 1
    assert carried.kept_curves > 0
    # every day's prices read again: the enrich appended rows of the day before
    assert carried.prices_from == 0
    assert_same_rows(got, want)


def test_a_run_computed_whole_for_a_refresh_writes_its_curves_down(store):
    """A run with `carry` that has no run to carry over from (the readable one has other
    settings, as at a refresh's first round after they changed) is computed whole and writes
    down the equity curve of every wallet with a flow by then (a run without `carry` writes
    none), so the next run keeps the earlier days of the wallets it computes again, and
    equals a run computed whole."""
    def curves(s: Store, run: str) -> int:
        return s.scalar("SELECT uniqExact(wallet_key) FROM risk_curves WHERE run_id = "
                        "{r:String}", {"r": run})

    with Store.open(store) as s:
        a1, a2 = around(s, "two busy hours")
        plain = compute_metrics(s, MetricsConfig(dust=0.02), as_of=a1)
        first = compute_metrics(s, as_of=a1, carry=True)
        flowed = s.scalar("SELECT uniqExact(wallet_key) FROM (SELECT wallet_key FROM trade_rows "
                          "WHERE ts <= {t:UInt32} UNION ALL SELECT wallet_key FROM activity_rows "
                          "WHERE ts <= {t:UInt32})", {"t": a1})
        assert curves(s, plain.run_id) == 0 and first.base_run == ""
        assert curves(s, first.run_id) == flowed > 0
        carried, _, got, want = carried_then_whole(s, a2)
    assert carried.base_run == first.run_id
    # (a wallet holding a token whose curve before the day changed builds its curve whole)
    assert 0 < carried.kept_curves <= carried.computed_wallets
    assert_same_rows(got, want)


@pytest.mark.parametrize("days", [1, 3])
@pytest.mark.parametrize("base", ["whole", "carrying"])
def test_a_run_of_a_later_day_carries_over(store, days, base):
    """A run as of A2, `days` UTC days after the readable run as of A1: every wallet is
    computed again, as its risk figures count the days up to the as-of day, but most keep
    their positions and fill figures (copied), and their equity curve's days before A1's day
    (kept); the run equals one computed whole. The run as of A1 is computed whole with
    `carry` (its curves written down), or carries over itself from a run as of A1 - 1 h
    computed whole without it (only the curves of the wallets it computed written down)."""
    with Store.open(store) as s:
        _, a2 = around(s, "two busy hours")
        a1 = a2 - days * DAY - HOUR
        if base == "whole":
            compute_metrics(s, as_of=a1, carry=True)
            carried, whole, got, want = carried_then_whole(s, a2)
        else:
            carried, whole, got, want = carried_and_whole(s, a1, a2, a0=a1 - HOUR)
    assert carried.base_run and a1 // DAY + days == a2 // DAY
    assert carried.computed_wallets >= whole.wallets == carried.wallets
    assert 0 < carried.computed_positions < carried.copied_positions
    assert 0 < carried.copied_fill_figures < carried.computed_wallets
    # (fills left the windows: those windows' fill figures computed, the others' copied)
    assert 0 < carried.partly_copied_fill_figures < carried.computed_wallets
    assert 0 < carried.kept_curves <= carried.computed_wallets
    assert carried.prices_from == a1 // DAY
    assert_same_rows(got, want)


def test_other_settings_or_a_later_run_compute_every_wallet(store):
    """A run carries over only from a run with the same settings, as of no later."""
    with Store.open(store) as s:
        a1, a2 = around(s, "two busy hours")
        for base_as_of, config in ((a2 + HOUR, None), (a1, MetricsConfig(dust=0.02))):
            compute_metrics(s, config, as_of=base_as_of)
            report = compute_metrics(s, as_of=a2, carry=True)
            assert report.base_run == "" and report.computed_wallets == report.wallets


def test_a_chain_of_carrying_runs_reads_each_wallet_where_it_was_computed(store):
    """Runs as of A1 (whole), A2 and A3 (each carrying over from the last): the third reads
    some wallets' rows from each of the three runs (run_sources), equals a run as of A3
    computed whole, and the store keeps the positions, bets and wallet rows of a dropped run
    for as long as a kept run reads them, and no longer."""
    def partitions(s: Store) -> set[str]:
        """The runs whose rows the store keeps, the same in each table of wallets' rows."""
        kept = [{p for (p,) in s.rows("SELECT DISTINCT partition FROM system.parts WHERE "
                                      "database = currentDatabase() AND active "
                                      "AND table = {t:String}", {"t": table})}
                for table in ("wallet_metric_rows", "position_rows", "bet_rows",
                              "risk_curves")]
        # (the equity curves: only the carrying runs write theirs down)
        assert kept[0] == kept[1] == kept[2] >= kept[3]
        return kept[0]

    with Store.open(store) as s:
        a1, a3 = around(s, "two busy hours")
        a2 = (a1 + a3) // 2
        first = compute_metrics(s, as_of=a1)
        second = compute_metrics(s, as_of=a2, slice_rows=SLICE_ROWS, carry=True)
        third = compute_metrics(s, as_of=a3, slice_rows=SLICE_ROWS, carry=True)
        assert (second.base_run, third.base_run) == (first.run_id, second.run_id)
        # the second run's wallets that the third computes again keep their curves' earlier
        # days (the first, computed whole, wrote none down)
        assert second.kept_curves == 0 < third.kept_curves < third.computed_wallets
        read_from = dict(s.rows("SELECT source_run, count() FROM run_sources WHERE run_id = "
                                "{r:String} GROUP BY source_run", {"r": third.run_id}))
        runs = (first.run_id, second.run_id, third.run_id)
        assert set(read_from) == set(runs) and min(read_from.values()) > 0
        assert read_from[third.run_id] == third.computed_wallets
        # the first run's own tables are gone (only the last two runs are kept), its wallet
        # rows stay: the third reads some of them
        assert partitions(s) == set(runs)
        assert not s.scalar("SELECT count() FROM run_sources WHERE run_id = {r:String}",
                            {"r": first.run_id})
        got = {t: keyed_rows(s, t, "run_id = {r:String}", {"r": third.run_id}, keys)
               for t, keys in TABLES.items()}
        sampled = pages_wallets(s, third.run_id)
        shown = pages(s, sampled)
        # a wallet page reads the wallet's rows by itself: those the view gives, badge included
        # (some of each source run's wallets, and some skilled ones)
        skilled = [w for (w,) in s.rows(
            "SELECT DISTINCT wallet FROM wallet_metrics WHERE run_id = {r:String} AND skilled "
            "ORDER BY wallet LIMIT 3", {"r": third.run_id})]
        assert skilled
        for w in sampled + skilled:
            view = s.query("SELECT * EXCEPT (run_id, wallet) FROM wallet_metrics WHERE run_id = "
                           "{r:String} AND wallet = {w:String}", {"r": third.run_id, "w": w})
            rows = {(r["window"], r["category"]): r for r in (
                dict(zip(view.column_names, row, strict=True)) for row in view.result_rows)}
            page = {(r["window"], r["category"]): {k: v for k, v in r.items()
                                                   if k != "fills_without_fee"}
                    for r in wallet_pages.wallet(s, w).metrics}
            assert rows and page_differences(rows, page) == [], w
        whole = compute_metrics(s, as_of=a3)
        want = {t: keyed_rows(s, t, "run_id = {r:String}", {"r": whole.run_id}, keys)
                for t, keys in TABLES.items()}
        # what the pages show of the carried run is what they show of the whole one
        assert shown["markets"] and all(shown["wallets"].values())
        assert page_differences(pages(s, sampled), shown) == []
        assert partitions(s) == {*runs, whole.run_id}  # the third run is still kept
        again = compute_metrics(s, as_of=a3)
        assert partitions(s) == {whole.run_id, again.run_id}
    assert_same_rows(got, want)


def test_rows_no_kept_run_reads_are_compacted_away(store, monkeypatch):
    """Runs over two busy hours, one computed whole, then five carrying over each from the
    last: the busy wallets, computed again in each, leave rows that no kept run reads. With
    compaction as soon as position_rows holds more than the readable run reads (BLOAT 1, not
    3), after each run no partition of a table of wallets' rows holds as many such dead rows
    as live ones (those are replaced by their live rows), the rows dropped are the ones
    counted, and the last run still equals one computed whole, its pages too."""
    monkeypatch.setattr(compaction, "BLOAT", 1)

    def rows(s: Store, keep: set[str]) -> dict[str, list[tuple[str, int, int]]]:
        """Per table, per partition: its rows, and those a run of `keep` reads."""
        return {table: s.rows(
            "SELECT run_id, count(), countIf((run_id, wallet_key) IN (SELECT source_run, "
            "wallet_key FROM run_sources WHERE run_id IN {keep:Array(String)})) "
            f"FROM {table} GROUP BY run_id ORDER BY run_id", {"keep": sorted(keep)})
            for table in SOURCED}

    with Store.open(store) as s:
        a1, a2 = around(s, "two busy hours")
        times = [a1 + i * (a2 - a1) // 5 for i in range(6)]
        runs = [compute_metrics(s, as_of=times[0])]
        dropped = 0
        for t in times[1:]:
            before = sum(n for table in rows(s, set()).values() for _, n, _ in table)
            runs.append(compute_metrics(s, as_of=t, slice_rows=SLICE_ROWS, carry=True))
            assert runs[-1].base_run == runs[-2].run_id
            after = rows(s, {runs[-1].run_id, runs[-2].run_id})
            for table, partitions in after.items():
                for run, total, live in partitions:
                    assert total - live < max(live, 1), (table, run, total, live)
            written = sum(s.scalar(f"SELECT count() FROM {table} WHERE run_id = {{r:String}}",
                                   {"r": runs[-1].run_id}) for table in SOURCED)
            # what the tables hold now: what they held, what the run wrote, less what the
            # dropped runs and the compaction took
            gone = sum(n for table in rows(s, set()).values() for _, n, _ in table)
            assert gone <= before + written - runs[-1].compacted_rows
            dropped += runs[-1].compacted_rows
        assert dropped > 0
        last = runs[-1].run_id
        got = {t: keyed_rows(s, t, "run_id = {r:String}", {"r": last}, keys)
               for t, keys in TABLES.items()}
        sampled = pages_wallets(s, last)
        shown = pages(s, sampled)
        whole = compute_metrics(s, as_of=times[-1])
        want = {t: keyed_rows(s, t, "run_id = {r:String}", {"r": whole.run_id}, keys)
                for t, keys in TABLES.items()}
        assert page_differences(pages(s, sampled), shown) == []
    assert_same_rows(got, want)


class Recorded:
    """A progress collector that keeps, per task, its last total, every note it was given
    and how far it advanced."""

    def __init__(self) -> None:
        self.tasks: dict[str, Recorded.Task] = {}

    class Task:
        def __init__(self, total: int | None) -> None:
            self.total, self.notes, self.done = total, [], 0

        def advance(self, n: int = 1) -> None:
            self.done += n

        def update(self, *, total: int | None = None, note: str | None = None) -> None:
            if total is not None:
                self.total = total
            if note is not None:
                self.notes.append(note)

    @contextmanager
    def task(self, name: str, total: int | None = None) -> Iterator[Recorded.Task]:
        assert name not in self.tasks, name
        self.tasks[name] = Recorded.Task(total)
        yield self.tasks[name]


def test_a_run_and_an_enrich_show_each_statement_as_it_runs(store):
    """With `progress`, a metrics run is one task whose total is every statement it runs,
    each named as it starts (the wallet steps with their slice) and counted once done: a run
    computed whole in slices, and one carrying over that computes some wallets. The enrich,
    a rebuild and an incremental one, likewise."""
    with Store.open(store) as s:
        a1, a2 = around(s, "two busy hours")
        shown = Recorded()
        whole = compute_metrics(s, as_of=a1, slice_rows=SLICE_ROWS, progress=shown)
        task = shown.tasks["metrics"]
        n = len(wallet_slices(whole.trades, SLICE_ROWS))
        assert n > 1
        assert task.done == task.total == len(task.notes)
        steps = [f"metrics: {step.removesuffix('.sql')}" for step in WALLET_STEPS]
        assert task.notes == (
            [f"metrics: {step.removesuffix('.sql')}" for step in (*TAPE_STEPS, *INPUT_STEPS,
                                                                 *SHARD_STEPS)]
            + [f"{step} (slice {i} of {n})" for i in range(1, n + 1) for step in steps]
            + [f"metrics: {step.removesuffix('.sql')}" for step in BOARD_STEPS]
            + ["metrics: publish"])

        shown = Recorded()
        carried = compute_metrics(s, as_of=a2, slice_rows=SLICE_ROWS, carry=True,
                                  progress=shown)
        task = shown.tasks["metrics"]
        assert carried.base_run == whole.run_id and carried.computed_wallets > 0
        assert task.done == task.total == len(task.notes)
        assert {"metrics: changed_wallets", "metrics: carried_positions",
                "metrics: carry_over", "metrics: publish"} <= set(task.notes)
        assert any(note.startswith("metrics: risk_curves") for note in task.notes)

        for incremental in (False, True):
            shown = Recorded()
            enrich(s, incremental=incremental, progress=shown)
            task = shown.tasks["enrich"]
            assert task.done == task.total == len(task.notes)
            assert task.notes[0] == "enrich: enriched_markets"
            assert task.notes[-2:] == ["enrich: swap", "enrich: report"]
            assert ("enrich: activity_wallets" in task.notes) == incremental
        # (the module's other tests read the readable run: a whole one as of the present)
        compute_metrics(s, slice_rows=SLICE_ROWS)


def pages_wallets(s: Store, run_id: str) -> list[str]:
    """Some wallets of each source of the run: three it computed, three of each earlier run."""
    return [w for (w,) in s.rows(
        "SELECT w.wallet FROM run_sources AS r JOIN trade_wallets AS w "
        "ON w.wallet_key = r.wallet_key WHERE r.run_id = {r:String} "
        "ORDER BY r.source_run, r.wallet_key LIMIT 3 BY r.source_run", {"r": run_id})]


def pages(s: Store, wallets: list[str]) -> dict:
    """What the readable run's pages say: the markets list, each wallet's metrics, positions
    and P&L curve, and the pages of the first listed markets and of the markets the wallets
    hold open positions in (run ids left out)."""
    listed = asdict(market_pages.markets(s, limit=500))
    shown = {w: [asdict(wallet_pages.wallet(s, w)),
                 asdict(wallet_pages.positions(s, w, limit=500)),
                 asdict(wallet_pages.pnl(s, w))] for w in wallets}
    held = [p["market_id"] for w in wallets for p in shown[w][1]["rows"]
            if p["is_open"] and p["market_id"]]
    ids = list(dict.fromkeys([m["market_id"] for m in listed["rows"]][:4] + held[::7]))[:12]
    return strip({"markets": listed, "wallets": shown,
                  "market": [asdict(market_pages.market(s, i)) for i in ids]})


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in ("run_id", "run")}
    if isinstance(value, list | tuple):
        return [strip(v) for v in value]
    return value


def page_differences(want, got, path: str = "") -> list[str]:
    if isinstance(want, dict) and isinstance(got, dict):
        if want.keys() != got.keys():
            return [f"{path}: keys {sorted(want.keys() ^ got.keys())}"]
        return [d for k in want for d in page_differences(want[k], got[k], f"{path}.{k}")]
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{path}: {len(want)} != {len(got)} items"]
        return [d for i, (a, b) in enumerate(zip(want, got, strict=True))
                for d in page_differences(a, b, f"{path}[{i}]")]
    return [] if _same(want, got) else [f"{path}: {want!r} != {got!r}"]
