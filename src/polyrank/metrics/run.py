"""`polyrank metrics`: positions -> bets -> wallet metrics -> specialists, as SQL inside the
engine, for one as-of time. Rows of a run are written under its run id; the run becomes
visible to readers in one step (pipeline_state 'metrics_run') once all of it is written, then
older runs are dropped."""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from polyrank.errors import PolyrankError
from polyrank.metrics.compaction import compact
from polyrank.metrics.config import MetricsConfig
from polyrank.metrics.incremental import (
    base_run,
    carry_over,
    carry_positions,
    changed_wallets,
    config_key,
    enrich_serial,
    prices_from,
)
from polyrank.progress import NullProgress, Progress, Steps
from polyrank.settings import DEFAULT_METRICS_SLICE_ROWS
from polyrank.stages import STAGE_SQL, set_stage
from polyrank.store import Store, load_sql

log = logging.getLogger(__name__)
SQL = "polyrank.metrics.sql"
#: a run's own result tables, each partitioned by run: the strings of the tokens and bets its
#: positions and bets are in (`run_tokens`, `run_bets`), specialists, the tape's prices and
#: the tokens' curves from them (the next run compares its curves with them), where each
#: wallet's rows are (`run_sources`: per wallet, the run that computed them) and
#: each board's badge threshold (`board_thresholds`). The `positions`, `bets` and
#: `wallet_metrics` views read each wallet's rows in `position_rows`, `bet_rows` and
#: `wallet_metric_rows` (numbers only) from its source run (store/schema/0035, 0037)
OWN = ("run_tokens", "run_bets", "specialists", "token_prices", "token_curves", "run_sources",
       "board_thresholds")
#: rows kept for as long as a kept run reads them (its run_sources name their run): the
#: wallet rows, positions and bets, and the equity curves (a carrying run builds again only
#: the changes from the base run's day on of a wallet whose history before it is the same)
SOURCED = ("wallet_metric_rows", "position_rows", "bet_rows", "risk_curves")
#: The run's steps in three parts (docs/scaling.md): the first reads every wallet's trades
#: (on a cluster sharded by wallet, once over all shards, its table replicated), the second
#: is local to each wallet (each shard alone: SHARD_STEPS once, then WALLET_STEPS slice by
#: slice), the last decides over each board's rows.
TAPE_STEPS = ("token_prices.sql", "token_curves.sql")
#: what the run read, per wallet and token (metrics/incremental.py: a later run compares)
INPUT_STEPS = ("wallet_inputs.sql", "token_inputs.sql")
#: local to each wallet but run once over all of them, not slice by slice: what the wallet
#: steps would otherwise read whole in every slice (the activities, for the redemptions); in
#: a run that carries over, once over the wallets it computes
SHARD_STEPS = ("redeemed.sql",)
WALLET_STEPS = ("positions.sql", "run_tokens.sql", "bets.sql", "run_bets.sql",
                "risk.sql", "wallet_rows.sql")
#: the wallet steps of a run that carries over, or that a later one may carry over from (a
#: run computed whole with `carry`, as a refresh's first is): the equity curves of the
#: wallets it computes are written down (the next carrying run takes their earlier days) and
#: the risk figures folded from them
CARRYING_STEPS = ("positions.sql", "run_tokens.sql", "bets.sql", "run_bets.sql",
                  "risk_curves.sql", "risk_of_curves.sql", "wallet_rows.sql")
#: a line of a step's SQL replaced by a shared part's text (metrics_sql)
INCLUDE = re.compile(r"^-- include: (\S+\.sql)$", re.MULTILINE)
BOARD_STEPS = ("run_sources.sql", "skilled.sql", "specialists.sql")
STEPS = (*TAPE_STEPS, *INPUT_STEPS, *SHARD_STEPS, *WALLET_STEPS, *BOARD_STEPS)
#: the run's redemptions, risk figures, the wallets it computed, the tokens that changed and
#: the positions that moved, dropped once the run is done
WORK = ("run_redeemed", "risk_work", "run_wallets", "run_changed_tokens",
        "run_moved_positions")
#: kept with the run's results: what it read (the next run may carry over from it)
INPUTS = ("wallet_inputs", "token_inputs")
DAY = 86400
#: wallet_key's range: the wallet steps run over slices of it (wallet_slices)
WALLET_KEYS = 2**64
INPUTS_KEY = "metrics_inputs"  # pipeline_state: what the readable run was computed from


@dataclass
class MetricsReport:
    run_id: str
    as_of: int
    trades: int
    positions: int
    bets: int
    wallets: int
    seconds: float
    step_s: dict[str, float]
    #: the wallets the run computed; the others' rows were carried over from `base_run`
    computed_wallets: int = 0
    base_run: str = ""
    #: the trade rows of the wallets it computed (all of them with no base run)
    computed_trades: int = 0
    #: the positions it folded, and those of the wallets it computed that it copied from
    #: `base_run` instead (their inputs unchanged); with no base run, all of them and 0
    computed_positions: int = 0
    copied_positions: int = 0
    #: of the wallets it computed, those whose fill figures (trades, volume, behaviour) it
    #: copied from `base_run` (their fills and the tokens' catalogue rows unchanged)
    copied_fill_figures: int = 0
    #: ... and those whose fill figures it copied in some windows and computed in the
    #: others (the windows a fill of theirs left since `base_run`)
    partly_copied_fill_figures: int = 0
    #: of the wallets it computed, those whose equity curve before the as-of day it took from
    #: `base_run` (their history up to its as-of, and their tokens' curves, unchanged)
    kept_curves: int = 0
    #: the rows of earlier runs that no kept run reads any more, dropped once the run was
    #: readable (metrics/compaction.py)
    compacted_rows: int = 0
    #: the first UTC day whose token prices it read from the trade rows, `base_run`'s copied
    #: for the days before (0: every day read)
    prices_from: int = 0


def sql_params(config: MetricsConfig, run_id: str, as_of: int, *, every_wallet: bool = True,
               base: str = "", base_as_of: int = 0, prices_from: int = 0) -> dict:
    """Every bound parameter the metrics SQL uses (`every_wallet`, `base`, `base_as_of`,
    `prices_from`: run_steps)."""
    return {
        "run_id": run_id, "as_of": as_of, "dust": config.dust,
        "window_names": [name for name, _ in config.windows],
        "window_days": config.window_days,
        "lifetime": config.windows[-1][0],
        "omega_k": config.omega_k, "cbar_fraction": config.cbar_fraction,
        "wilson_z": config.wilson_z,
        "ranked_min_bets": config.ranked_min_bets, "ranked_min_cost": config.ranked_min_cost,
        "ranked_min_span_s": config.ranked_min_span_days * DAY,
        "provisional_min_bets": config.provisional_min_bets,
        "category_min_bets": config.category_min_bets,
        "category_min_cost": config.category_min_cost,
        "focus_share": config.focus_share, "focus_min_bets": config.focus_min_bets,
        "focus_min_cost": config.focus_min_cost, "edge_z": config.edge_z,
        "top_fraction": config.top_fraction, "skill_q": config.skill_q,
        "flag_min_fills": config.flag_min_fills, "mm_passive_share": config.mm_passive_share,
        "mm_both_sides_share": config.mm_both_sides_share,
        "hf_median_gap_s": config.hf_median_gap_s,
        "favourite_median_entry": config.favourite_median_entry,
        "every_wallet": int(every_wallet), "base_run": base, "base_as_of": base_as_of,
        "prices_from": prices_from,
    }


def default_as_of(store: Store) -> int:
    """The present of the data: the later of the latest fill and the latest resolution the
    catalogue knows (no later than its last sync), so a market that resolved after the
    wallets' last trades is booked."""
    latest_fill, latest_resolution, synced_at, as_of = store.rows(
        load_sql(SQL, "default_as_of.sql"))[0]
    log.debug("as-of: latest fill %d, latest resolution %d, catalogue synced %d -> %d",
              latest_fill, latest_resolution, synced_at, as_of)
    return int(as_of)


def inputs_key(store: Store, config: MetricsConfig) -> str:
    """What a run with the default as-of is computed from (the data's latest writes, and the
    settings): equal keys, equal results."""
    return store.scalar(load_sql(SQL, "inputs.sql")) + "|" + repr(config)


def up_to_date(store: Store, config: MetricsConfig | None = None) -> bool:
    """Whether the readable run was computed (with the default as-of) from exactly what the
    store holds now: then a new run would equal it."""
    readable = store.scalar(STAGE_SQL, {"key": "metrics_run"})
    recorded = store.scalar(STAGE_SQL, {"key": INPUTS_KEY})
    return bool(readable and recorded) and recorded == inputs_key(store,
                                                                    config or MetricsConfig())


def compute_metrics(store: Store, config: MetricsConfig | None = None, *,
                    as_of: int | None = None, slice_rows: int = DEFAULT_METRICS_SLICE_ROWS,
                    carry: bool = False, progress: Progress | None = None) -> MetricsReport:
    """A new metrics run as of `as_of` (default: the data's present), made readable once
    complete. `carry`: compute only the wallets whose figures can differ from the readable
    run's and carry the others' rows over, when that run allows it (metrics/incremental.py);
    the result is the same. A run with `carry` computed whole (no run to carry over from)
    writes its wallets' equity curves down for the runs that will carry over from it.
    `progress` shows the step that runs (one task, a statement or a step at a time)."""
    with (progress or NullProgress()).task("metrics") as task:
        return _compute(store, config or MetricsConfig(), as_of, slice_rows, carry,
                        Steps(task, "metrics"))


def _compute(store: Store, config: MetricsConfig, as_of: int | None, slice_rows: int,
             carry: bool, shown: Steps) -> MetricsReport:
    started_at, started = datetime.now(UTC), time.monotonic()
    trades = store.scalar("SELECT count() FROM trade_rows")
    if not trades:
        raise PolyrankError("no enriched trades: run `polyrank enrich` (after an ingest) first")
    inputs = inputs_key(store, config) if as_of is None else ""
    as_of = default_as_of(store) if as_of is None else int(as_of)
    run_id = new_run_id()
    set_stage(store, "metrics")
    enriched = enrich_serial(store)   # (before the run reads a trade row)
    base = base_run(store, config, as_of) if carry else None
    prices = prices_from(store, base)
    # (the statements known so far: a carrying run plans its wallet steps' slices once it
    # knows how many fills the wallets it computes hold)
    tape = (*TAPE_STEPS, *INPUT_STEPS)
    shown.plan(len(tape) + len(SHARD_STEPS) + len(BOARD_STEPS) + 1
               + (3 if base else 0))   # changed_wallets, carried_positions, carry_over
    step_s = run_steps(store, tape, config, run_id, as_of, base=base.run_id if base else "",
                       base_as_of=base.as_of if base else 0, prices_from=prices, shown=shown)
    if base is None:
        computed, rows, copied, kept, partly, curves = 0, trades, 0, 0, 0, 0
        step_s |= run_steps(store, SHARD_STEPS, config, run_id, as_of, shown=shown)
        # (a run that may be carried from writes its equity curves down, so that the next
        # run builds only their last days for the wallets it computes again)
        step_s |= run_steps(store, CARRYING_STEPS if carry else WALLET_STEPS, config, run_id,
                            as_of, slices=wallet_slices(trades, slice_rows), shown=shown)
        folded = _positions(store, run_id)
    else:
        t0 = time.monotonic()
        with shown.step("changed_wallets"):
            computed, rows, kept, partly, curves = changed_wallets(store, config, run_id,
                                                                   as_of, base)
        step_s["changed_wallets"] = time.monotonic() - t0
        step_s |= run_steps(store, SHARD_STEPS, config, run_id, as_of, every_wallet=False,
                            shown=shown)
        t0 = time.monotonic()
        with shown.step("carried_positions"):
            carry_positions(store, run_id, base)
            copied = _positions(store, run_id)
        step_s["carried_positions"] = time.monotonic() - t0
        if computed:
            step_s |= run_steps(store, CARRYING_STEPS, config, run_id, as_of,
                                slices=wallet_slices(rows, slice_rows), every_wallet=False,
                                base=base.run_id, base_as_of=base.as_of, shown=shown)
        folded = _positions(store, run_id) - copied
        t0 = time.monotonic()
        with shown.step("carry_over"):
            carry_over(store, run_id, base)
        step_s["carry_over"] = time.monotonic() - t0
    step_s |= run_steps(store, BOARD_STEPS, config, run_id, as_of,
                        base=base.run_id if base else "", shown=shown)
    with shown.step("publish"):
        report = publish_run(store, run_id, as_of, inputs=inputs, started_at=started_at,
                             seconds=time.monotonic() - started, step_s=step_s,
                             config=config, base=base.run_id if base else "",
                             computed=computed, enriched=enriched)
    return replace(report, computed_trades=rows, computed_positions=folded,
                   copied_positions=copied, copied_fill_figures=kept,
                   partly_copied_fill_figures=partly, kept_curves=curves, prices_from=prices)


def _positions(store: Store, run_id: str) -> int:
    return int(store.scalar("SELECT count() FROM position_rows WHERE run_id = {r:String}",
                            {"r": run_id}))


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def wallet_slices(rows: int, slice_rows: int) -> list[tuple[int, int]]:
    """The wallet_key ranges (inclusive) the wallet steps run over: equal parts of the keys'
    range, as many as `rows` trade rows need at `slice_rows` each (0: one). wallet_key is a
    hash, so the wallets spread evenly over the parts."""
    n = max(1, -(-rows // slice_rows)) if slice_rows > 0 else 1
    step = WALLET_KEYS // n
    return [(i * step, WALLET_KEYS - 1 if i == n - 1 else (i + 1) * step - 1)
            for i in range(n)]


def run_steps(store: Store, steps: tuple[str, ...], config: MetricsConfig, run_id: str,
              as_of: int, *, slices: list[tuple[int, int]] | None = None,
              every_wallet: bool = True, base: str = "", base_as_of: int = 0,
              prices_from: int = 0, shown: Steps | None = None) -> dict[str, float]:
    """Run some of the run's SQL steps (in order); returns the seconds of each. A whole run is
    STEPS; a cluster runs TAPE_STEPS once over every shard, WALLET_STEPS on each shard and
    BOARD_STEPS over every shard's rows (docs/scaling.md). The wallet steps run slice by
    slice (`wallet_slices`), each slice through all of them before the next. A run that
    carries over from run `base` (metrics/incremental.py) runs the wallet steps with
    `every_wallet` False, over its run_wallets alone (`base_as_of`: the base run's as-of,
    for the inputs' digests up to it). `shown`: the run's progress, each statement as it
    runs; the wallet steps' statements are planned here (as many as there are slices), the
    others by the caller, which knows them before the run starts."""
    params = sql_params(config, run_id, as_of, every_wallet=every_wallet, base=base,
                        base_as_of=base_as_of, prices_from=prices_from)
    sqls = {step: metrics_sql(step) for step in steps}
    if any("{categories:" in sql for sql in sqls.values()):
        params["categories"] = numbered(store)
    step_s = dict.fromkeys((step.removesuffix(".sql") for step in steps), 0.0)
    slices = slices or [(0, WALLET_KEYS - 1)]
    plan = _plan(steps, slices)
    shown = shown or Steps(NullProgress.TASK, "")
    shown.plan(sum(_sliced(step) for step, _, _ in plan))
    for step, lo, hi in plan:
        t0 = time.monotonic()
        sql = sqls[step]
        bound = {**params, "wallet_lo": lo, "wallet_hi": hi}
        name = step.removesuffix(".sql")
        part = (f" (slice {slices.index((lo, hi)) + 1} of {len(slices)})"
                if _sliced(step) and len(slices) > 1 else "")
        with shown.step(name + part):
            store.command(sql, {k: v for k, v in bound.items() if "{" + k + ":" in sql})
        step_s[name] += time.monotonic() - t0
    return step_s


def _sliced(step: str) -> bool:
    """Whether a step runs once per slice of the wallets (_plan)."""
    return step in WALLET_STEPS or step in CARRYING_STEPS


def metrics_sql(step: str) -> str:
    """A step's SQL, each `-- include: part.sql` line replaced by that part's text (parts that
    several steps share: risk.sql builds the equity curves that risk_curves.sql writes)."""
    return INCLUDE.sub(lambda m: load_sql(SQL, m[1]).rstrip("\n"), load_sql(SQL, step))


def numbered(store: Store) -> list[str]:
    """The categories of the enriched tokens in the order that numbers them (the n-th is
    number n; 0 is the scope 'all'): the wallet steps group on the numbers, and the steps of
    one call of run_steps share them (risk_work's rows meet wallet_rows' on them)."""
    categories = store.scalar(load_sql(SQL, "categories.sql"))
    if len(categories) > 255:
        raise PolyrankError(f"{len(categories)} categories in trade_tokens: the metrics number "
                            "them in one byte (at most 255)")
    return list(categories)


def _plan(steps: tuple[str, ...],
          slices: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """(step, wallet_lo, wallet_hi) in running order: a run of consecutive wallet steps once
    per slice, each slice through all of them; any other step once, over every wallet."""
    plan: list[tuple[str, int, int]] = []
    block: list[str] = []
    for step in (*steps, None):
        if _sliced(step):
            block.append(step)
            continue
        plan += [(each, lo, hi) for lo, hi in slices for each in block]
        block = []
        if step is not None:
            plan.append((step, 0, WALLET_KEYS - 1))
    return plan


def publish_run(store: Store, run_id: str, as_of: int, *, inputs: str = "",
                started_at: datetime | None = None, seconds: float = 0.0,
                step_s: dict[str, float] | None = None, config: MetricsConfig | None = None,
                base: str = "", computed: int = 0, enriched: int = 0) -> MetricsReport:
    """Make a run whose result tables are written the readable one: drop its work, record it
    (with what it carried over from `base` and how many wallets it `computed`, 0 with no
    base: all of them; and the last enrich it read, `enriched`: enrich_log), switch readers
    to it, drop older runs."""
    for work in WORK:
        store.command("ALTER TABLE {t:Identifier} DROP PARTITION {p:String}",
                      {"t": work, "p": run_id})
    trades = store.scalar("SELECT count() FROM trade_rows")
    # (the run's positions, bets and wallets with rows: each wallet's where the run reads
    # them, counted per wallet in run_sources; not every row read again)
    positions, bets, wallets = store.rows(
        "SELECT sum(positions), sum(bets), countIf(wallet_rows > 0) FROM run_sources "
        "WHERE run_id = {r:String}", {"r": run_id})[0]
    computed = computed if base else wallets
    store.insert("metrics_runs", [(run_id, as_of, started_at or datetime.now(UTC),
                                   datetime.now(UTC), seconds, trades, positions, bets,
                                   wallets, "complete", base, computed,
                                   config_key(config or MetricsConfig()), enriched)],
                 ("run_id", "as_of", "started_at", "finished_at", "seconds", "trades",
                  "positions", "bets", "wallets", "status", "base_run", "computed_wallets",
                  "config", "enrich_serial"))
    previous = store.scalar("SELECT argMax(value, updated_at) FROM pipeline_state "
                            "WHERE key = 'metrics_run' HAVING count() > 0")
    # the switch: readers see the new run from here on
    store.insert("pipeline_state", [("metrics_run", run_id), ("stage", "ready"),
                                    (INPUTS_KEY, inputs)], ("key", "value"))
    # a reader that picked the previous run a moment ago can still finish with it
    t0 = time.monotonic()
    compacted = _drop_runs_except(store, {run_id, previous or run_id}, positions)
    step_s = {**(step_s or {}), "compact": time.monotonic() - t0}
    carried = f" ({wallets - computed} carried over from {base})" if base else ""
    log.info("metrics run %s (as of %d): %d positions, %d bets, %d wallets%s in %.1f s",
             run_id, as_of, positions, bets, wallets, carried, seconds)
    return MetricsReport(run_id, as_of, trades, positions, bets, wallets, seconds,
                         step_s, computed, base, compacted_rows=compacted)


def _drop_runs_except(store: Store, keep: set[str], positions: int) -> int:
    """Drop every run's rows but those of the runs in `keep` (and the wallet rows they read,
    which earlier runs computed), and compact what is kept of the wallet rows when they hold
    too many more than the readable run's `positions` (metrics/compaction.py); returns how
    many rows that dropped."""
    read = {r for (r,) in store.rows("SELECT DISTINCT source_run FROM run_sources WHERE run_id "
                                     "IN {keep:Array(String)}", {"keep": sorted(keep)})}
    # (every table's partitions in one look: one statement per table cost ~0.04 s a run)
    partitions = store.rows("SELECT DISTINCT table, partition FROM system.parts WHERE "
                            "database = currentDatabase() AND active AND table IN "
                            "{tables:Array(String)}",
                            {"tables": [*OWN, *SOURCED, *INPUTS, *WORK]})
    sourced = keep | read
    for table, partition in partitions:
        if partition not in (sourced if table in SOURCED else keep):
            store.command("ALTER TABLE {t:Identifier} DROP PARTITION {p:String}",
                          {"t": table, "p": partition})
    return compact(store, SOURCED, keep, positions)
