"""Read a world folder back: its metadata, catalogue, and the ledger recomputed from its files.

`recompute_ledger` reads everything into memory: meant for small worlds (tests, checks).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from polyrank.errors import WorldError
from polyrank.sim.world.book import LedgerBook, LedgerResult
from polyrank.sim.world.ledger import BetRow, LedgerConfig, MarketInfo, PositionRow
from polyrank.sim.world.params import FORMAT


def read_meta(world_dir: Path) -> dict:
    """world.json, checked for the supported format."""
    path = Path(world_dir) / "world.json"
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise WorldError(f"not a world folder (no world.json): {world_dir}") from exc
    except json.JSONDecodeError as exc:
        raise WorldError(f"malformed {path}: {exc}") from exc
    if meta.get("format") != FORMAT:
        raise WorldError(f"unsupported world format {meta.get('format')!r} in {path}")
    return meta


def read_jsonl(path: Path) -> list[dict]:
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError as exc:
        raise WorldError(f"missing world file: {path}") from exc
    except json.JSONDecodeError as exc:
        raise WorldError(f"malformed line in {path}: {exc}") from exc


def market_info(market: dict, event: dict) -> MarketInfo:
    """The ledger's view of a markets.jsonl record and its event."""
    nums, den = market["payout_numerators"], market["payout_denominator"]
    resolved = nums is not None and den
    return MarketInfo(
        condition_id=market["condition_id"], token_ids=tuple(market["token_ids"]),
        bet_key=market["neg_risk_market_id"] if market["neg_risk"] else market["condition_id"],
        category=event["category"],
        payouts=tuple(n / den for n in nums) if resolved else None,
        resolved_ts=market["closed_ts"] if resolved else None,
        question=market.get("neg_risk_index"), event_id=str(market["event_id"]),
    )


def recompute_ledger(world_dir: Path, config: LedgerConfig | None = None
                     ) -> tuple[list[PositionRow], list[BetRow], LedgerResult]:
    """Positions, bets and metrics recomputed from fills.parquet and the catalogue."""
    world_dir = Path(world_dir)
    meta = read_meta(world_dir)
    events = read_jsonl(world_dir / "events.jsonl")
    by_event: dict[str, list[MarketInfo]] = {e["id"]: [] for e in events}
    event_of_condition: dict[str, int] = {}
    event_pos = {e["id"]: i for i, e in enumerate(events)}
    for m in read_jsonl(world_dir / "markets.jsonl"):
        event = events[event_pos[m["event_id"]]]
        by_event[m["event_id"]].append(market_info(m, event))
        event_of_condition[m["condition_id"]] = event_pos[m["event_id"]]
    fills = pq.read_table(world_dir / "fills.parquet").to_pydict()
    group = np.array([event_of_condition[c] for c in fills["condition_id"]], dtype=np.int64)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(events) + 1))
    columns = {name: np.asarray(values, dtype=object)[order] for name, values in fills.items()}
    for e in events:  # a conversion names its neg-risk market, not a condition
        if e.get("neg_risk_market_id"):
            event_of_condition[e["neg_risk_market_id"]] = event_pos[e["id"]]
    activity = pq.read_table(world_dir / "activity.parquet").to_pydict()
    acts_of: dict[int, dict[str, list]] = {}
    for r, c in enumerate(activity["condition_id"]):
        part_of = acts_of.setdefault(event_of_condition[c], {k: [] for k in activity})
        for k, values in activity.items():
            part_of[k].append(values[r])
    book = LedgerBook(config)
    positions: list[PositionRow] = []
    bets: list[BetRow] = []
    for i, event in enumerate(events):
        part = {name: col[bounds[i]:bounds[i + 1]] for name, col in columns.items()}
        p, b = book.add(part, by_event[event["id"]], acts_of.get(i))
        positions.extend(p)
        bets.extend(b)
    return positions, bets, book.finish(as_of=meta["as_of_ts"])
