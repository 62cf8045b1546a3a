"""Compacting the runs' rows: dropping what no kept run reads any more, so that a store kept
current by carrying runs (metrics/incremental.py) does not read more rows each round.

A carrying run writes the rows of the wallets it computes under its own id and reads every
other wallet's where an earlier run wrote them (run_sources). A run's partition stays for as
long as a kept run reads any wallet from it, and with it the rows of its wallets that later
runs computed again: the busy wallets, computed again round after round, leave most of each
round's rows dead. Once `position_rows` holds BLOAT times the positions the readable run
reads, every partition whose dead rows are at least as many as its live ones is replaced, in
one step (REPLACE PARTITION), by its live rows alone, in each of those tables: each row
copied is paid for by at least one dead row dropped, so the copying costs no more than the
runs' own writing, and the tables stay within BLOAT times what the kept runs read. Readers
of a kept run never miss a row: only rows no kept run reads are dropped.
"""

from __future__ import annotations

import logging

from polyrank.store import Store, load_sql

log = logging.getLogger(__name__)
SQL = "polyrank.metrics.sql"
#: how many times the readable run's positions `position_rows` may hold before compacting
BLOAT = 3


def compact(store: Store, tables: tuple[str, ...], keep: set[str], positions: int) -> int:
    """Once `position_rows` holds BLOAT times the `positions` the readable run reads: in each
    of `tables` (rows keyed by run_id and wallet_key, read through run_sources), replace every
    partition whose dead rows (read by no run of `keep`) are at least as many as its live
    ones by its live rows; returns how many rows were dropped."""
    held = store.scalar("SELECT sum(rows) FROM system.parts WHERE database = currentDatabase() "
                        "AND table = 'position_rows' AND active")
    if held <= BLOAT * positions:
        return 0
    params = {"keep": sorted(keep)}
    dropped = 0
    for table in tables:
        for run, total, live in store.rows(load_sql(SQL, "partition_rows.sql"),
                                           {**params, "table": table}):
            dead = total - live
            if dead == 0 or dead < live:
                continue
            stage = store.empty_like(table, f"{table}_compacted")
            store.command(load_sql(SQL, "live_rows.sql"),
                          {**params, "table": table, "target": stage, "partition": run})
            # (REPLACE ... FROM takes no parameter for its source: `stage` is ours)
            store.command(f"ALTER TABLE {{t:Identifier}} REPLACE PARTITION {{p:String}} "
                          f"FROM {stage}", {"t": table, "p": run})
            store.command("DROP TABLE {t:Identifier}", {"t": stage})
            log.debug("compacted %s of run %s: %d dead rows dropped, %d kept", table, run,
                      dead, live)
            dropped += dead
    return dropped
