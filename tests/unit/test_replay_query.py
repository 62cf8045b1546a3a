"""The replay's graph-node query engine against a brute-force reference, plus the derived API
schema and the fault planner. No sockets here: see tests/integration/test_replay_*.py."""

from __future__ import annotations

import random

import numpy as np
import pytest

from polyrank.errors import ConfigError
from polyrank.sim.replay.apischema import api_schema, entities_by_root_field
from polyrank.sim.replay.faults import FaultConfig, RateLimiter, fault_help, plan_fault
from polyrank.sim.replay.goldsky import _fills_table
from polyrank.sim.replay.query import QueryError, compile_where, find_by_id, find_rows
from tests.replay_world import v1_rows, write_world

FIELDS = {"id": "id", "transactionHash": "transaction_hash", "timestamp": "timestamp",
          "maker": "maker", "taker": "taker", "makerAmountFilled": "maker_amount_filled"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return write_world(tmp_path_factory.mktemp("q"), n_wallets=6, n_matches=600,
                       distinct_timestamps=40, end_ts=1777000000)


@pytest.fixture(scope="module")
def table(world):
    return _fills_table(world.fills)


def reference(rows, where, order_by, desc, first, skip):
    def ok(r, where):
        for key, v in where.items():
            if key == "or":
                if not any(ok(r, w) for w in v):
                    return False
                continue
            if key == "and":
                if not all(ok(r, w) for w in v):
                    return False
                continue
            field, _, op = key.partition("_")
            x = r[FIELDS[field]]
            if field in ("timestamp", "makerAmountFilled"):
                v = [int(i) for i in v] if isinstance(v, list) else int(v)
            match op:
                case "":
                    good = x == v
                case "not":
                    good = x != v
                case "gt":
                    good = x > v
                case "gte":
                    good = x >= v
                case "lt":
                    good = x < v
                case "lte":
                    good = x <= v
                case "in":
                    good = x in v
                case "not_in":
                    good = x not in v
                case "starts_with":
                    good = x.startswith(v)
            if not good:
                return False
        return True

    hits = [r for r in rows if ok(r, where)]
    if order_by is None:
        hits.sort(key=lambda r: r["id"])
    else:
        hits.sort(key=lambda r: (r[FIELDS[order_by]], r["id"]), reverse=desc)
    return [r["id"] for r in hits[skip:skip + first]]


def random_where(rng: random.Random, world, rows) -> dict:
    where: dict = {}
    wallets = world.wallets
    ids = sorted(r["id"] for r in rows)
    stamps = sorted({r["timestamp"] for r in rows})
    choice = rng.random()
    if choice < 0.3:
        where["maker"] = rng.choice(wallets)
    elif choice < 0.55:
        where["maker_in"] = [*rng.sample(wallets, rng.randint(1, 4)), "0x" + "9" * 40]
    elif choice < 0.7:
        where["taker"] = rng.choice([*wallets, "0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e"])
    if rng.random() < 0.4:
        where["id_gt"] = rng.choice(ids)
    if rng.random() < 0.3:  # an ingest's parts read ids up to a bound
        where["id_lte"] = rng.choice(ids)
    if rng.random() < 0.4:
        where[rng.choice(["timestamp_gte", "timestamp_gt"])] = str(rng.choice(stamps))
    if rng.random() < 0.3:
        where[rng.choice(["timestamp_lt", "timestamp_lte"])] = rng.choice(stamps)
    if rng.random() < 0.15:
        where["timestamp"] = rng.choice(stamps)
    if rng.random() < 0.1:
        where["makerAmountFilled_gt"] = "100000000"
    if rng.random() < 0.1:
        where["or"] = [{"maker": rng.choice(wallets)}, {"taker": rng.choice(wallets)}]
    if rng.random() < 0.05:
        where["maker_starts_with"] = "0x0"
    return where


def test_random_queries_match_the_reference(world, table):
    rows = v1_rows(world)
    rng = random.Random(5)
    for _ in range(400):
        where = random_where(rng, world, rows)
        order_by = rng.choice([None, "id", "timestamp", "makerAmountFilled", "maker"])
        desc = rng.random() < 0.5
        first, skip = rng.choice([1, 7, 100, 1000]), rng.choice([0, 0, 3, 50])
        got = find_rows(table, where, order_by, desc, first, skip)
        ids = table.columns["id"].text(got)
        want = reference(rows, where, order_by, desc and order_by is not None, first, skip)
        assert ids == want, (where, order_by, desc, first, skip)


def test_id_order_is_bytewise_not_numeric(table):
    ids = table.columns["id"].text(find_rows(table, {}, "id", False, 1000, 0))
    assert ids == sorted(ids)  # Python str order == byte order for ASCII


def test_order_direction_without_order_by_is_id_ascending(table):
    asc = find_rows(table, {}, None, False, 20, 0)
    assert np.array_equal(find_rows(table, {}, None, True, 20, 0), asc)


def test_find_by_id(world, table):
    row = v1_rows(world)[17]
    hit = find_by_id(table, row["id"])
    assert table.columns["maker"].text(np.array([hit])) == [row["maker"]]
    assert find_by_id(table, row["id"] + "0") is None


def test_bad_filter_values_are_graphql_errors(table):
    with pytest.raises(QueryError, match="BigInt"):
        compile_where(table, {"timestamp_gt": "soon"})
    with pytest.raises(QueryError, match="Bytes"):
        compile_where(table, {"transactionHash": "nothex"})


# --------------------------------------------------------------------------- API schema


def test_derived_schema_follows_graph_node_conventions():
    schema = api_schema("orderbook")
    filt = schema.get_type("OrderFilledEvent_filter").fields
    for name in ("maker", "maker_not", "maker_in", "maker_not_in", "maker_gt", "maker_lte",
                 "maker_contains_nocase", "timestamp_gte", "timestamp_in", "id_gt", "and", "or",
                 "transactionHash_contains", "_change_block"):
        assert name in filt, name
    assert "timestamp_contains" not in filt and "transactionHash_starts_with" not in filt
    assert str(filt["maker_in"].type) == "[String!]"
    order_by = schema.get_type("OrderFilledEvent_orderBy").values
    assert {"id", "timestamp", "maker", "makerAmountFilled"} <= set(order_by)
    root = schema.query_type.fields
    assert {"orderFilledEvents", "orderFilledEvent", "marketDatas", "_meta"} <= set(root)
    assert set(root["orderFilledEvents"].args) == {"skip", "first", "orderBy", "orderDirection",
                                                   "where", "block", "subgraphError"}
    pnl = api_schema("pnl").get_type("Condition_filter").fields
    assert {"id_in", "payoutNumerators_contains", "payoutDenominator_gt"} <= set(pnl)
    assert entities_by_root_field("activity")["redemptions"][1] is True


# --------------------------------------------------------------------------- faults


def test_fault_plans_are_reproducible_and_roughly_at_rate():
    cfg = FaultConfig(fault_seed=3, error_rate=0.2, drop_rate=0.1, latency_jitter_ms=5)
    plans = [plan_fault(cfg, n, goldsky=False) for n in range(2000)]
    assert plans == [plan_fault(cfg, n, goldsky=False) for n in range(2000)]
    other_seed = [plan_fault(FaultConfig(fault_seed=4, error_rate=0.2, drop_rate=0.1), n,
                             goldsky=False) for n in range(2000)]
    assert [p.kind for p in plans] != [p.kind for p in other_seed]
    drops = sum(p.kind == "dropped" for p in plans) / 2000
    errors = sum(p.kind == "http_5xx" for p in plans) / 2000
    assert 0.07 < drops < 0.13
    assert 0.14 < errors < 0.22  # 0.2 * (1 - 0.1)
    assert {p.status for p in plans if p.kind == "http_5xx"} == {502, 503, 522}
    assert all(0 <= p.delay_s <= 0.005 for p in plans)


def test_query_timeouts_only_for_goldsky():
    cfg = FaultConfig(timeout_rate=1.0)
    assert plan_fault(cfg, 1, goldsky=True).kind == "query_timeout"
    assert plan_fault(cfg, 1, goldsky=False).kind is None


def test_rate_limiter_with_a_fake_clock():
    now = [100.0]
    lim = RateLimiter(3, 10.0, clock=lambda: now[0])
    assert [lim.check("a") for _ in range(3)] == [None, None, None]
    assert lim.check("a") == pytest.approx(10.0)
    assert lim.check("b") is None  # per client
    now[0] += 4
    assert lim.check("a") == pytest.approx(6.0)
    now[0] += 6.01
    assert lim.check("a") is None


def test_fault_config_validation_and_help():
    with pytest.raises(ConfigError):
        FaultConfig(error_rate=1.5)
    with pytest.raises(ConfigError):
        FaultConfig(rate_window_s=0)
    helps = fault_help()
    assert set(helps) >= {"fault_seed", "rate_limit", "drop_rate", "truncate_rate"}
    assert all(text.strip() for text in helps.values())
