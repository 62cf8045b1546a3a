"""Runs that carry over: a run computes again only the wallets whose figures can differ from
an earlier run's, and reads every other wallet's rows where that run did.

Each run records, per wallet and per token, one hash of what it read (wallet_inputs.sql,
token_inputs.sql). A later run with the same settings compares them with its own:
changed_wallets.sql lists the wallets with changed inputs, the holders of changed tokens and
the wallets whose fills or closed bets crossed a window's edge since, and, when the run is
of a later UTC day than the base run, every wallet (the windows' risk figures count the days
up to the as-of day: a new day changes every wallet's, though rarely its positions or its
fill figures). The wallet steps run over those alone, folding again only the positions
that can have changed (every one of a wallet that is new or whose history up to the base
run's as-of changed; of a wallet whose own inputs changed only after it, those that moved
since: moved_positions.sql; the others' on changed tokens; the rest are copied first:
carried_positions.sql) and reading again only the fills whose figures can have changed (a
wallet computed for a new price or resolution of a token it holds, for a bet of its closing
out of a window or for a new day has its fill figures copied, and one computed for a fill
of its that left some windows has the other windows' copied: wallet_rows.sql; and a wallet
whose history up to the base run's as-of time did not change, nor any curve before the base
run's day of a token it held, has only its equity curve's days from the base run's day on
built: risk_curves.sql). The other wallets' positions, bets and wallet rows are not copied:
run_sources.sql records that the run reads them where the base run did (the `positions`,
`bets` and `wallet_metrics` views), and carry_over.sql brings only the strings of their
tokens and bets; the skilled step decides each board's threshold over every row the run
reads, as in a run computed whole. The result equals a run computed whole
(tests/integration/test_metrics_carry.py checks every row and column)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from importlib import resources

from polyrank.metrics.config import MetricsConfig
from polyrank.stages import STAGE_SQL
from polyrank.store import Store, load_sql

log = logging.getLogger(__name__)
SQL = "polyrank.metrics.sql"
#: what the run copies from the base run (carry_over.sql): the strings of the tokens and bets
#: the wallets it does not compute hold that its own rows did not bring, each as (table,
#: key, the table of the keys the run already has); their positions, bets and wallet rows
#: are not copied (run_sources.sql)
CARRIED = (("run_tokens", "token_key", "run_tokens"),
           ("run_bets", "bet_hash", "run_bets"))


@dataclass(frozen=True)
class Base:
    """The run a new run carries over from."""

    run_id: str
    as_of: int
    #: the last enrich the base run read (enrich_log; 0: none logged)
    enrich_serial: int = 0


def config_key(config: MetricsConfig) -> str:
    """The settings and the metrics SQL a run was computed with, as one value: a run carries
    over only from a run with the same (not from one an older polyrank computed)."""
    files = sorted((f for f in resources.files(SQL).iterdir() if f.name.endswith(".sql")),
                   key=lambda f: f.name)
    sql = "".join(f.read_text() for f in files)
    return hashlib.sha256((repr(config) + sql).encode()).hexdigest()[:32]


def base_run(store: Store, config: MetricsConfig, as_of: int) -> Base | None:
    """The readable run, if a run as of `as_of` with `config` can carry over from it: the same
    settings, an as-of no later, and its inputs recorded."""
    run_id = store.scalar(STAGE_SQL, {"key": "metrics_run"})
    if not run_id:
        return None
    rows = store.rows("SELECT as_of, config, enrich_serial FROM metrics_runs FINAL "
                      "WHERE run_id = {r:String}", {"r": run_id})
    recorded = store.scalar("SELECT count() FROM token_inputs WHERE run_id = {r:String}",
                            {"r": run_id})
    if not rows or not recorded:
        reason = "its inputs were not recorded"
    elif rows[0][1] != config_key(config):
        reason = "its settings differ"
    elif not rows[0][0] <= as_of:
        reason = f"it is as of {rows[0][0]}, later than {as_of}"
    else:
        return Base(run_id, int(rows[0][0]), int(rows[0][2]))
    log.info("metrics: computing every wallet, not carrying over run %s: %s", run_id, reason)
    return None


def enrich_serial(store: Store) -> int:
    """The last enrich logged (enrich_log), which a run reads from its start on."""
    return int(store.scalar("SELECT max(serial) FROM enrich_log"))


def prices_from(store: Store, base: Base | None) -> int:
    """The first UTC day whose prices a run reads again from the trade rows
    (token_prices.sql), the base run's copied for the days before: the base run's as-of day,
    when every enrich since the base run only appended rows of that day or later; else 0
    (every day read: no base run, an enrich rebuilt the rows, or fills of an earlier day
    came late)."""
    if base is None or not base.enrich_serial:
        return 0
    day = base.as_of // 86400
    later = store.scalar("SELECT countIf(whole OR min_ts < {t:UInt32}) FROM enrich_log "
                         "WHERE serial > {s:UInt64}", {"t": day * 86400, "s": base.enrich_serial})
    return 0 if later else day


def changed_wallets(store: Store, config: MetricsConfig, run_id: str, as_of: int,
                    base: Base) -> tuple[int, int, int, int, int]:
    """Record the tokens whose inputs changed (run_changed_tokens) and the wallets the run
    computes (run_wallets, each whole or only its positions on those tokens and those that
    moved since the base run: run_moved_positions, with its fill
    figures computed or copied, window by window, its equity curve before the as-of day built
    or the base run's); returns how many wallets, their trade rows up to the as-of time, and
    how many of them have their fill figures copied, those of some windows only, and their
    curve's earlier days."""
    params = {"run_id": run_id, "as_of": as_of, "base_run": base.run_id,
              "base_as_of": base.as_of, "window_days": config.window_days}
    for step in ("changed_tokens.sql", "changed_wallets.sql", "moved_positions.sql"):
        sql = load_sql(SQL, step)
        store.command(sql, {k: v for k, v in params.items() if "{" + k + ":" in sql})
    every = (1 << len(config.window_days)) - 1
    wallets, kept, partly = store.rows(
        "SELECT count(), countIf(fill_windows = 0), countIf(fill_windows NOT IN (0, {e:UInt64})) "
        "FROM run_wallets WHERE run_id = {r:String}", {"r": run_id, "e": every})[0]
    past = store.scalar(load_sql(SQL, "kept_curves.sql"), {"run_id": run_id,
                                                           "base_run": base.run_id})
    rows = store.scalar("SELECT count() FROM trade_rows WHERE ts <= {as_of:UInt32} AND "
                        "wallet_key IN (SELECT wallet_key FROM run_wallets "
                        "WHERE run_id = {r:String})", {"r": run_id, "as_of": as_of})
    return int(wallets), int(rows), int(kept), int(partly), int(past)


def carry_positions(store: Store, run_id: str, base: Base) -> None:
    """Copy the positions of the wallets the run computes that it does not fold again
    (carried_positions.sql), before the wallet steps."""
    store.command(load_sql(SQL, "carried_positions.sql"), {"run_id": run_id,
                                                            "base_run": base.run_id})


def carry_over(store: Store, run_id: str, base: Base) -> None:
    """Copy from the base run the strings of the tokens and bets of every wallet the run did
    not compute."""
    sql = load_sql(SQL, "carry_over.sql")
    for table, key, taken in CARRIED:
        store.command(sql, {"table": table, "key": key, "taken": taken, "run_id": run_id,
                            "base_run": base.run_id})
