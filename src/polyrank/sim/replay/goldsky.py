"""The Goldsky-hosted Polymarket subgraphs, served from a world (docs/protocols.md §1).

    POST /api/public/project_cl6mb8i9h0003e201j6li0diw/subgraphs/<name>/<version>/gn
    {"query": ..., "variables": {...}, "operationName": ...}

orderbook-subgraph/0.0.1 serves `orderFilledEvents` (V1 fills only: the subgraph indexes only
the old exchanges), `marketDatas` and `_meta`; pnl-subgraph/0.0.14 serves `conditions` and
`negRiskEvents`; activity-subgraph/0.0.4 serves `redemptions`, `splits`, `merges`,
`negRiskConversions` (when the world's activity.parquet has the columns they need), `positions`,
`conditions`, `negRiskEvents`. Entities the world has no data for are served empty; entities
that would need bookkeeping the replay does not do (e.g. `userPositions`) answer an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from aiohttp import web

from polyrank.sim.replay.apischema import (
    EntityDef,
    api_schema,
    entities_by_root_field,
    entity_defs,
    read_input_sdl,
)
from polyrank.sim.replay.graphql import RootCall, Selected, error_body, execute
from polyrank.sim.replay.loader import Chain, WorldFiles
from polyrank.sim.replay.query import QueryError, compile_where, find_by_id, find_rows, project
from polyrank.sim.replay.table import (
    EntityTable,
    build_table,
    int_column,
    list_column,
    string_column,
)

log = logging.getLogger("polyrank.sim.replay")

GOLDSKY_PROJECT = "project_cl6mb8i9h0003e201j6li0diw"
SUBGRAPH_ROUTE = "/api/public/{project}/subgraphs/{name}/{version}/gn"
SUBGRAPHS = {  # (name, version) -> shipped schema
    ("orderbook-subgraph", "0.0.1"): "orderbook",
    ("pnl-subgraph", "0.0.14"): "pnl",
    ("activity-subgraph", "0.0.4"): "activity",
}
DEFAULT_MAX_FIRST = 1000
DEFAULT_MAX_SKIP = 5000
FILL_RUNS = [(None, "timestamp"), ("maker", "id"), ("maker", "timestamp"), ("taker", "id"),
             ("taker", "timestamp")]


def subgraph_path(name: str, version: str) -> str:
    return SUBGRAPH_ROUTE.format(project=GOLDSKY_PROJECT, name=name, version=version)


# --------------------------------------------------------------------------- tables


def _fills_table(fills: pa.Table) -> EntityTable:
    v1 = fills.filter(pc.equal(fills.column("version"), 1))
    cols = {
        "id": string_column("ID", v1.column("id")),
        "transactionHash": string_column("Bytes", pc.utf8_lower(v1.column("transaction_hash"))),
        "timestamp": int_column("BigInt", v1.column("timestamp")),
        "orderHash": string_column("Bytes", pc.utf8_lower(v1.column("order_hash"))),
        "maker": string_column("String", v1.column("maker")),
        "taker": string_column("String", v1.column("taker")),
        "makerAssetId": string_column("String", v1.column("maker_asset_id")),
        "takerAssetId": string_column("String", v1.column("taker_asset_id")),
        "makerAmountFilled": int_column("BigInt", v1.column("maker_amount_filled")),
        "takerAmountFilled": int_column("BigInt", v1.column("taker_amount_filled")),
        "fee": int_column("BigInt", v1.column("fee")),
    }
    return build_table("OrderFilledEvent", cols, FILL_RUNS)


def table_from_rows(entity: EntityDef, rows: list[dict]) -> EntityTable:
    """A small table from Python dicts keyed by GraphQL field name."""
    return table_from_columns(entity, {f.name: [r.get(f.name) for r in rows]
                                       for f in entity.fields})


def table_from_columns(entity: EntityDef, data: dict[str, list]) -> EntityTable:
    cols = {}
    for f in entity.fields:
        values = data[f.name]
        if f.is_list:
            cols[f.name] = list_column(f.type_name, [v or [] for v in values])
        elif f.type_name in ("BigInt", "Int", "Int8"):
            nulls = np.array([v is None for v in values], dtype=bool)
            cols[f.name] = int_column(f.type_name, [0 if v is None else int(v) for v in values],
                                      nulls if nulls.any() else None)
        else:
            cols[f.name] = string_column(f.type_name, pa.array(values, pa.string()))
    return build_table(entity.name, cols)


def _market_tokens(markets: list[dict]) -> list[dict]:
    return [{"id": str(t), "condition": m["condition_id"], "outcomeIndex": i}
            for m in markets for i, t in enumerate(m["token_ids"])]


def _neg_risk_events(world: WorldFiles) -> list[dict]:
    counts: dict[str, int] = {}
    for m in world.markets:
        if m.get("neg_risk") and m.get("neg_risk_market_id"):
            counts[m["neg_risk_market_id"]] = counts.get(m["neg_risk_market_id"], 0) + 1
    return [{"id": k, "questionCount": v} for k, v in counts.items()]


def _resolved_by(m: dict, at: int | None) -> bool:
    """Has the market's condition been resolved (payouts reported) by `at` (None: ever)?"""
    return at is None or (m.get("closed_ts") is not None and int(m["closed_ts"]) <= at)


def _conditions(markets: list[dict], at: int | None = None) -> list[dict]:
    """pnl-subgraph conditions; payouts of a condition resolved after `at` are not yet set."""
    return [{
        "id": m["condition_id"],
        "positionIds": [int(t) for t in m["token_ids"]],
        "payoutNumerators": [int(x) for x in (m.get("payout_numerators") or [])]
        if _resolved_by(m, at) else [],
        "payoutDenominator": int(m.get("payout_denominator") or 0) if _resolved_by(m, at) else 0,
    } for m in markets]


class ConditionsAt:
    """The pnl `Condition` table as of a time: rebuilt only when the set of resolved conditions
    changes (keyed by how many resolution times are <= T), a few versions cached."""

    def __init__(self, entity: EntityDef, markets: list[dict], keep: int = 4) -> None:
        self.entity, self.markets, self.keep = entity, markets, keep
        self.resolved = np.sort(np.array(
            [int(m["closed_ts"]) for m in markets
             if m.get("closed_ts") is not None and m.get("payout_denominator")], np.int64))
        self._cache: dict[int, EntityTable] = {}
        self._lock = threading.Lock()

    def table(self, at: int) -> EntityTable:
        n = int(np.searchsorted(self.resolved, at, "right"))
        with self._lock:
            cached = self._cache.get(n)
            if cached is None:
                # the n-th resolution time (or T itself when n == 0) stands for every T in the run
                cut = int(self.resolved[n - 1]) if n else int(at)
                cached = table_from_rows(self.entity, _conditions(self.markets, cut))
                if len(self._cache) >= self.keep:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[n] = cached
        return cached


def _activity_columns(world: WorldFiles, kind: str) -> dict[str, list]:
    """activity-subgraph entities are keyed by transaction hash: one per tx."""
    act = world.activity
    part = act.filter(pc.equal(act.column("type"), kind)) if act.num_rows else act
    grouped = part.group_by("transaction_hash").aggregate([
        ("timestamp", "min"), ("wallet", "min"), ("condition_id", "min"),
        ("outcome_index", "distinct"), ("usdc_size", "sum"), ("size", "sum")])
    out = {
        "id": grouped.column("transaction_hash").to_pylist(),
        "timestamp": grouped.column("timestamp_min").to_pylist(),
        "condition": grouped.column("condition_id_min").to_pylist(),
    }
    if kind == "REDEEM":
        out["redeemer"] = grouped.column("wallet_min").to_pylist()
        out["indexSets"] = [sorted(1 << i for i in idx if i is not None)
                            for idx in grouped.column("outcome_index_distinct").to_pylist()]
        out["payout"] = grouped.column("usdc_size_sum").to_pylist()
    else:
        out["stakeholder"] = grouped.column("wallet_min").to_pylist()
        out["amount"] = grouped.column("size_sum").to_pylist()
    return out


CONVERSION_COLUMNS = ("id", "index_set", "question_count")


def _conversions(world: WorldFiles) -> list[dict]:
    """activity.parquet's CONVERSION rows (condition_id = the neg-risk market id, size = the
    amount converted), one entity per activity id; none when the world lacks the id, index
    set and question count columns."""
    act = world.activity
    if not act.num_rows or any(c not in act.column_names for c in CONVERSION_COLUMNS):
        return []
    part = act.filter(pc.equal(act.column("type"), "CONVERSION"))
    out: dict[str, dict] = {}
    for r in part.to_pylist():
        if not r["id"] or not r["question_count"]:  # a hand-made row without them
            continue
        out.setdefault(r["id"], {
            "id": r["id"], "timestamp": r["timestamp"], "stakeholder": r["wallet"].lower(),
            "negRiskMarketId": r["condition_id"].lower(), "amount": r["size"],
            "indexSet": r["index_set"], "questionCount": r["question_count"]})
    return list(out.values())


def build_tables(schema_name: str, world: WorldFiles) -> dict[str, EntityTable]:
    defs = {e.name: e for e in entity_defs(read_input_sdl(schema_name))}
    rows: dict[str, list[dict]] = {}
    columns: dict[str, dict[str, list]] = {}
    tables: dict[str, EntityTable] = {}
    if schema_name == "orderbook":
        tables["OrderFilledEvent"] = _fills_table(world.fills)
        rows["MarketData"] = _market_tokens(world.markets)
    elif schema_name == "pnl":
        rows["Condition"] = _conditions(world.markets)
        rows["NegRiskEvent"] = _neg_risk_events(world)
        rows["FPMM"] = []
    elif schema_name == "activity":
        columns["Redemption"] = _activity_columns(world, "REDEEM")
        columns["Split"] = _activity_columns(world, "SPLIT")
        columns["Merge"] = _activity_columns(world, "MERGE")
        rows["NegRiskConversion"] = _conversions(world)
        rows["NegRiskEvent"] = _neg_risk_events(world)
        rows["FixedProductMarketMaker"] = []
        rows["Position"] = _market_tokens(world.markets)
        rows["Condition"] = [{"id": m["condition_id"]} for m in world.markets]
    for name, data in rows.items():
        tables[name] = table_from_rows(defs[name], data)
    for name, cols in columns.items():
        tables[name] = table_from_columns(defs[name], cols)
    return tables


# --------------------------------------------------------------------------- execution


def _deployment_id(name: str, version: str, seed: Any) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    digest = hashlib.sha256(f"{name}/{version}/{seed}".encode()).digest()
    n = int.from_bytes(digest, "big")
    chars = []
    while len(chars) < 44:
        n, r = divmod(n, 58)
        chars.append(alphabet[r])
    return "Qm" + "".join(chars)


def project_value(value: Any, selection: list[Selected] | None, typename: str) -> Any:
    if selection is None or value is None:
        return value
    out = {}
    for sel in selection:
        if sel.name == "__typename":
            out[sel.key] = typename
        else:
            inner = value.get(sel.name)
            out[sel.key] = project_value(inner, sel.sub, "_Block_") if sel.sub else inner
    return out


@dataclass
class Subgraph:
    name: str
    version: str
    schema_name: str
    tables: dict[str, EntityTable]
    chain: Chain
    deployment: str
    max_first: int = DEFAULT_MAX_FIRST
    max_skip: int = DEFAULT_MAX_SKIP
    #: the replay clock's T (None: no clock, the whole world at its head)
    now: Callable[[], int | None] = lambda: None
    #: entity name -> that entity's table as of a time, for entities without a timestamp
    #: whose content changes with time (the pnl subgraph's condition payouts)
    tables_at: dict[str, Callable[[int], EntityTable]] = field(default_factory=dict)
    roots: dict = field(init=False)

    def __post_init__(self) -> None:
        self.schema = api_schema(self.schema_name)
        self.roots = entities_by_root_field(self.schema_name)

    def run(self, payload: Any) -> dict:
        return execute(self.schema, payload, self._resolve)

    def _clock(self) -> int | None:
        """The clock's T, capped at the world's head; None when no clock is set."""
        t = self.now()
        return None if t is None else min(int(t), self.chain.head_ts)

    def _as_of_ts(self, args: dict) -> int | None:
        """The block constraint combined with the clock as a timestamp cutoff, or None for
        the world's head."""
        block = args.get("block") or {}
        clock = self._clock()
        head = self.chain.head_block if clock is None else self.chain.block_at(clock)
        wanted = block.get("number")
        if wanted is None:
            wanted = block.get("number_gte")
            if wanted is not None and wanted <= head:
                return clock
        if wanted is None:
            return clock
        if wanted > head:
            raise QueryError(
                f"Failed to decode `block.number` value: `subgraph {self.deployment} has only "
                f"indexed up to block number {head} and data for block number {wanted} is "
                "therefore not yet available`"
            )
        return self.chain.ts_of(wanted) if wanted < head else clock

    def _meta(self, call: RootCall) -> dict:
        cutoff = self._as_of_ts(call.args)
        number = self.chain.block_at(self.chain.head_ts if cutoff is None else cutoff)
        # the block as the chain (JSON-RPC) serves it: its own timestamp, <= the cutoff
        block = {"number": number, "timestamp": self.chain.ts_of(number),
                 "hash": self.chain.hash_of(number), "parentHash": self.chain.hash_of(number - 1)}
        meta = {"block": block, "deployment": self.deployment, "hasIndexingErrors": False}
        return project_value(meta, call.selection, "_Meta_")

    def _resolve(self, call: RootCall) -> Any:
        if call.name == "_meta":
            return self._meta(call)
        entity, many = self.roots[call.name]
        table = self.tables.get(entity.name)
        if table is None:
            raise QueryError(f"replay: `{call.name}` is not served by the replay server")
        selection = [(s.key, s.name) for s in call.selection or ()]
        cutoff = self._as_of_ts(call.args)
        if cutoff is not None and entity.name in self.tables_at:
            table = self.tables_at[entity.name](cutoff)
        if not many:
            row = find_by_id(table, call.args["id"])
            if row is None or (cutoff is not None and "timestamp" in table.columns
                               and table.columns["timestamp"].values[row] > cutoff):
                return None
            return project(table, np.array([row]), selection)[0]
        first = call.args.get("first")
        skip = call.args.get("skip")
        first = 100 if first is None else first
        skip = 0 if skip is None else skip
        if not 0 < first <= self.max_first:
            raise QueryError(
                f"The `first` argument must be between 0 and {self.max_first}, but is {first}")
        if not 0 <= skip <= self.max_skip:
            raise QueryError(
                f"The `skip` argument must be between 0 and {self.max_skip}, but is {skip}")
        where = dict(call.args.get("where") or {})
        if cutoff is not None and "timestamp" in table.columns:
            where["timestamp_lte"] = min(int(where.get("timestamp_lte", cutoff)), cutoff)
        pred = compile_where(table, where, self.chain.ts_of)
        rows = find_rows(table, where, call.args.get("orderBy"),
                         call.args.get("orderDirection") == "desc", first, skip, pred)
        return project(table, rows, selection)


def build_subgraphs(world: WorldFiles, *, max_first: int = DEFAULT_MAX_FIRST,
                    max_skip: int = DEFAULT_MAX_SKIP,
                    now: Callable[[], int | None] | None = None
                    ) -> dict[tuple[str, str], Subgraph]:
    """The subgraphs; `now` is the replay clock (rows after its T are hidden)."""
    seed = world.meta.get("seed")
    out = {}
    for key, schema_name in SUBGRAPHS.items():
        tables_at = {}
        if schema_name == "pnl":
            defs = {e.name: e for e in entity_defs(read_input_sdl(schema_name))}
            tables_at["Condition"] = ConditionsAt(defs["Condition"], world.markets).table
        out[key] = Subgraph(key[0], key[1], schema_name, build_tables(schema_name, world),
                            world.chain, _deployment_id(key[0], key[1], seed), max_first,
                            max_skip, now or (lambda: None), tables_at)
    return out


def routes(subgraphs: dict[tuple[str, str], Subgraph]) -> list[web.RouteDef]:
    async def handle(request: web.Request) -> web.Response:
        sub = subgraphs.get((request.match_info["name"], request.match_info["version"]))
        if sub is None or request.match_info["project"] != GOLDSKY_PROJECT:
            return web.json_response(error_body("Subgraph not found"), status=404)
        if request.method == "GET":
            payload: Any = {"query": request.query.get("query"),
                            "operationName": request.query.get("operationName")}
            if "variables" in request.query:
                try:
                    payload["variables"] = json.loads(request.query["variables"])
                except ValueError:
                    return web.json_response(error_body("Invalid variables"), status=400)
        else:
            try:
                payload = json.loads(await request.read())
            except ValueError as e:
                return web.json_response(error_body(f"Invalid JSON body: {e}"), status=400)
        body = sub.run(payload)
        return web.Response(text=json.dumps(body, separators=(",", ":")),
                            content_type="application/json")

    return [web.post(SUBGRAPH_ROUTE, handle, name="goldsky"),
            web.get(SUBGRAPH_ROUTE, handle, name="goldsky-get")]
