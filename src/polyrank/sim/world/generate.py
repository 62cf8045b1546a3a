"""`generate_world`: write a deterministic synthetic Polymarket and its ground-truth ledger.

Events are generated one at a time, each from its own random stream (seed, event index), and
each event's fills are complete and self-contained, so the ledger books them right away and
only compact per-bet and per-fill columns stay in memory. Files are written in row groups.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from polyrank.errors import WorldError
from polyrank.progress import NullProgress, Progress
from polyrank.sim.world.book import LedgerBook, LedgerResult
from polyrank.sim.world.catalogue import plan_catalogue
from polyrank.sim.world.categories import CATEGORIES
from polyrank.sim.world.emit import (
    activity_columns,
    event_record,
    fill_columns,
    market_infos,
    market_records,
)
from polyrank.sim.world.files import (
    ACTIVITY,
    BETS,
    FILLS,
    POSITIONS,
    SPECIALISTS,
    WALLET_METRICS,
    WALLETS,
    TableWriter,
    dump_json,
    json_line,
    rows_to_columns,
    write_table,
)
from polyrank.sim.world.ledger import LedgerConfig
from polyrank.sim.world.params import EXCHANGES, FORMAT, MIGRATION_TS, WorldParams
from polyrank.sim.world.population import ARCHETYPES, make_population
from polyrank.sim.world.simulate import simulate_event

log = logging.getLogger(__name__)

#: Expected fill rows per planned taker action (makers per match, minus skipped decisions):
#: converts the fill target into actions. Measured on generated worlds.
ROWS_PER_ACTION = 2.45


def generate_world(out_dir: Path, params: WorldParams, progress: Progress | None = None, *,
                   ledger_config: LedgerConfig | None = None) -> dict:
    """Generate a world into `out_dir` (created if needed); return a summary with counts."""
    started = time.monotonic()
    progress = progress or NullProgress()
    p = params.resolved()
    out_dir = Path(out_dir)
    ledger_dir = out_dir / "ledger"
    try:
        ledger_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorldError(f"cannot create world folder {out_dir}: {exc}") from exc
    events = plan_catalogue(p, ROWS_PER_ACTION)
    pop = make_population(p.seed, p.wallets or 0, events, sum(e.actions for e in events))
    book = LedgerBook(ledger_config)
    n_markets = n_activity = 0
    with (TableWriter(out_dir / "fills.parquet", FILLS) as fills_w,
          TableWriter(out_dir / "activity.parquet", ACTIVITY) as activity_w,
          TableWriter(ledger_dir / "positions.parquet", POSITIONS) as positions_w,
          TableWriter(ledger_dir / "bets.parquet", BETS) as bets_w,
          open(out_dir / "events.jsonl", "w") as events_f,
          open(out_dir / "markets.jsonl", "w") as markets_f,
          progress.task("world: events", total=len(events)) as task):
        for ev in events:
            rng = np.random.default_rng([p.seed, 1, ev.index])
            trades = simulate_event(ev, pop, rng, MIGRATION_TS, p.end_ts, p.redeem_share)
            fills = fill_columns(trades, ev, pop.addresses, rng)
            activity = activity_columns(trades, ev, pop.addresses, rng)
            fills_w.write(fills)
            activity_w.write(activity)
            n_activity += len(activity["wallet"])
            events_f.write(json_line(event_record(ev)))
            for record in market_records(trades, ev):
                markets_f.write(json_line(record))
                n_markets += 1
            positions, bets = book.add(fills, market_infos(trades, ev), activity)
            positions_w.write(rows_to_columns(positions, POSITIONS.names))
            bets_w.write(rows_to_columns(bets, BETS.names))
            task.advance(1)
    with (progress.task("world: ledger metrics", total=None),
          TableWriter(ledger_dir / "wallet_metrics.parquet", WALLET_METRICS) as metrics_w):
        result = book.finish(sink=metrics_w.write)
    _check(result, events)
    write_table(ledger_dir / "specialists.parquet", SPECIALISTS, result.specialists)
    dump_json(ledger_dir / "summary.json", result.summary)
    _write_wallets(out_dir, pop)
    counts = {"events": len(events), "markets": n_markets, "fills": result.summary["fills"],
              "wallets": len(pop.addresses), "activity": n_activity}
    meta = {
        "format": FORMAT, "seed": p.seed, "params": _params_dict(p),
        "start_ts": p.start_ts, "end_ts": p.end_ts, "as_of_ts": result.summary["as_of_ts"],
        "migration_ts": MIGRATION_TS, "exchanges": dict(EXCHANGES), "counts": counts,
    }
    dump_json(out_dir / "world.json", meta)
    seconds = time.monotonic() - started
    log.info("world written to %s: %s in %.1fs", out_dir, counts, seconds)
    return {**counts, "out_dir": str(out_dir), "seed": p.seed,
            "as_of_ts": result.summary["as_of_ts"], "specialists": result.summary["specialists"],
            "wallets_with_fills": result.summary["wallets"], "seconds": round(seconds, 3)}


def _params_dict(p: WorldParams) -> dict:
    return {name: getattr(p, name) for name in p.__dataclass_fields__}


def _check(result: LedgerResult, events: list) -> None:
    as_of = result.summary["as_of_ts"]
    latest = max((e.resolution_ts for e in events if e.resolved), default=0)
    if latest > as_of:
        raise WorldError(f"a market resolves at {latest}, after the latest fill {as_of}")


def _write_wallets(out_dir: Path, pop) -> None:
    specialty = [CATEGORIES[s] if s >= 0 else None for s in pop.specialty.tolist()]
    write_table(out_dir / "wallets.parquet", WALLETS, {
        "address": pop.addresses.tolist(),
        "archetype": [ARCHETYPES[a] for a in pop.archetype.tolist()],
        "specialty": specialty, "weight": pop.weight.tolist(),
    })
    (out_dir / "wallets.txt").write_text("".join(a + "\n" for a in pop.addresses.tolist()))
