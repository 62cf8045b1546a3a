"""Where the skilled money stands (`/api/markets`, `/api/markets/{id}`) over a world loaded
through the replay: every figure is the world ledger's open positions (ledger/positions.parquet:
`is_open`, `amount`, `avg_price`, `mark`, `unrealized`) summed per outcome — over every holder,
and over the wallets the store badges skilled (read from its wallet_metrics: the whole-history
window, every category or the market's own)."""

from __future__ import annotations

import json
import math
from collections import defaultdict

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from polyrank.api.app import create_app
from polyrank.results.choices import BOARD_CATEGORIES, FLAGS, MARKET_SORTS, ORDERS
from polyrank.store import Store

REL, ABS = 1e-9, 1e-6


def close(want: float) -> object:
    return pytest.approx(want, rel=REL, abs=ABS)


@pytest.fixture(scope="module")
def world(loaded):
    """The world's markets (by condition id) and its ledger's positions."""
    path, _ = loaded
    markets = {m["condition_id"]: m for m in map(json.loads,
                                                  (path / "markets.jsonl").open())}
    positions = pq.read_table(path / "ledger" / "positions.parquet").to_pylist()
    return markets, positions


@pytest.fixture
def served(loaded):
    """The API over the computed store, and the wallets it badges skilled: overall, and per
    category (the whole-history window)."""
    _, dsn = loaded
    with Store.open(dsn) as store:
        skilled: dict[str, set[str]] = defaultdict(set)
        for wallet, category in store.rows(
                "SELECT wallet, category FROM wallet_metrics WHERE run_id = (SELECT "
                "argMax(value, updated_at) FROM pipeline_state WHERE key = 'metrics_run') "
                "AND window = 'lifetime' AND skilled = 1"):
            skilled[category].add(wallet)
        yield TestClient(create_app(store)), skilled


def holdings(positions: list[dict], token: str, wallets: set[str] | None = None) -> dict:
    """The ledger's open positions of a token (of `wallets` only, when given), summed as the
    API sums them."""
    held = [p for p in positions if p["token_id"] == token and p["is_open"]
            and (wallets is None or p["wallet"] in wallets)]
    shares = sum(p["amount"] for p in held)
    cost = sum(p["amount"] * p["avg_price"] for p in held)
    return {"holders": len(held), "shares": shares, "cost": cost,
            "unrealized": sum(p["unrealized"] for p in held),
            "avg_entry": cost / shares if held else None}


def same_holdings(got: dict, want: dict, where: str) -> None:
    assert got["holders"] == want["holders"], where
    for key in ("shares", "cost", "unrealized"):
        assert got[key] == close(want[key]), f"{where} {key}"
    if want["avg_entry"] is None:
        assert got["avg_entry"] is None, where
    else:
        assert got["avg_entry"] == close(want["avg_entry"]), f"{where} avg_entry"


def by_condition(positions: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for p in positions:
        out[p["condition_id"]].append(p)
    return out


def test_the_world_has_skilled_wallets_holding_open_positions(world, served):
    """Without them every skilled figure below would be an empty sum."""
    _, positions = world
    _, skilled = served
    assert len(skilled["all"]) >= 3, skilled
    assert any(p["is_open"] and p["wallet"] in skilled["all"] for p in positions)
    assert len(set().union(*(w for c, w in skilled.items() if c != "all"))) >= 3


def test_every_open_market_equals_the_ledgers_open_positions(world, served):
    markets, positions = world
    http, skilled = served
    held = by_condition(positions)
    open_markets = sorted({p["condition_id"] for p in positions if p["is_open"]})
    assert len(open_markets) > 20
    seen_skilled = 0
    for condition in open_markets:
        market = markets[condition]
        mine = held[condition]
        body = http.get(f"/api/markets/{market['id']}", params={"top": 500}).json()
        assert body["condition_id"] == condition and body["market_id"] == market["id"]
        assert body["question"] == market["question"] and body["slug"] == market["slug"]
        assert body["event_id"] == market["event_id"] and body["resolved"] is False
        category = {p["category"] for p in mine}
        assert category == {body["category"]}
        assert [o["token_id"] for o in body["outcomes"]] == market["token_ids"]
        assert [o["outcome"] for o in body["outcomes"]] == market["outcomes"]
        for outcome in body["outcomes"]:
            token = outcome["token_id"]
            where = f"{market['id']} {outcome['outcome']}"
            marks = {p["mark"] for p in mine if p["token_id"] == token}
            assert len(marks) <= 1, where    # one mark per token
            want = marks.pop() if marks else None
            if want is None or (isinstance(want, float) and math.isnan(want)):
                assert outcome["price"] is None, where
            else:
                assert outcome["price"] == close(want), where
            same_holdings(outcome["all"], holdings(mine, token), f"{where} all")
            same_holdings(outcome["skilled"], holdings(mine, token, skilled["all"]),
                          f"{where} skilled")
            same_holdings(outcome["skilled_category"],
                          holdings(mine, token, skilled[body["category"]]),
                          f"{where} skilled in {body['category']}")
            seen_skilled += outcome["skilled"]["holders"]
        # the skilled holdings: every open position of a wallet skilled overall or in the
        # market's category, largest first
        either = skilled["all"] | skilled[body["category"]]
        want = sorted(((p["wallet"], p["token_id"], p["amount"]) for p in mine
                       if p["is_open"] and p["wallet"] in either),
                      key=lambda w: (-w[2], w[0], w[1]))
        assert body["holders_total"] == len(want)
        got = [(h["wallet"], h["token_id"], h["shares"]) for h in body["holders"]]
        assert [g[:2] for g in got] == [w[:2] for w in want[:500]], market["id"]
        assert [g[2] for g in got] == [close(w[2]) for w in want[:500]]
        for h in body["holders"]:
            assert h["skilled"] == (h["wallet"] in skilled["all"])
            assert h["skilled_in_category"] == (h["wallet"] in skilled[body["category"]])
            assert h["outcome"] == market["outcomes"][market["token_ids"].index(h["token_id"])]
    assert seen_skilled > 0


def test_a_market_is_found_by_its_condition_id_too_and_a_resolved_one_holds_nothing(world,
                                                                                     served):
    markets, positions = world
    http, _ = served
    some = next(p["condition_id"] for p in positions if p["is_open"])
    by_id = http.get(f"/api/markets/{markets[some]['id']}").json()
    assert http.get(f"/api/markets/{some.upper().replace('0X', '0x')}").json() == by_id
    resolved = next(m for m in markets.values() if m["payout_numerators"] is not None
                    and m["condition_id"] in by_condition(positions))
    body = http.get(f"/api/markets/{resolved['id']}").json()
    assert body["resolved"] is True and body["holders"] == [] and body["holders_total"] == 0
    payouts = [n / resolved["payout_denominator"] for n in resolved["payout_numerators"]]
    assert [o["payout"] for o in body["outcomes"]] == [close(p) for p in payouts]
    assert all(o["all"]["holders"] == 0 and o["all"]["shares"] == 0 for o in body["outcomes"])


def test_the_markets_list_is_every_open_market_with_skilled_money(world, served):
    markets, positions = world
    http, skilled = served
    held = by_condition(positions)
    want = {c for c, rows in held.items()
            if any(p["is_open"] and p["wallet"] in skilled["all"] for p in rows)}
    assert want, "skilled wallets hold open positions in the world"
    rows, offset = [], 0
    while True:
        page = http.get("/api/markets", params={"limit": 7, "offset": offset}).json()
        assert page["total"] == len(want) and len(page["rows"]) <= 7
        rows += page["rows"]
        offset += 7
        if offset >= page["total"]:
            break
    assert [r["condition_id"] for r in rows if r["condition_id"] not in want] == []
    assert {r["condition_id"] for r in rows} == want and len(rows) == len(want)
    assert [r["skilled_holders"] for r in rows] == sorted(
        (r["skilled_holders"] for r in rows), reverse=True)
    for row in rows:
        mine = [p for p in held[row["condition_id"]] if p["is_open"]]
        market = markets[row["condition_id"]]
        assert row["market_id"] == market["id"] and row["question"] == market["question"]
        assert row["holders"] == len({p["wallet"] for p in mine})
        assert row["skilled_holders"] == len({p["wallet"] for p in mine
                                              if p["wallet"] in skilled["all"]})
        per_token = {t: holdings(mine, t, skilled["all"]) for t in market["token_ids"]}
        assert row["skilled_shares"] == close(sum(h["shares"] for h in per_token.values()))
        assert row["skilled_cost"] == close(sum(h["cost"] for h in per_token.values()))
        held_tokens = [t for t in market["token_ids"] if per_token[t]["holders"]]
        assert [o["token_id"] for o in row["outcomes"]] == held_tokens
        for o in row["outcomes"]:
            same_holdings({**o, "unrealized": 0}, {**per_token[o["token_id"]], "unrealized": 0},
                          f"{row['market_id']} {o['outcome']}")
        # the leading outcome: the most skilled cost basis
        lead = max(held_tokens, key=lambda t: (per_token[t]["cost"], per_token[t]["shares"]))
        assert row["lead_token_id"] == lead
        assert row["lead_avg_entry"] == close(per_token[lead]["avg_entry"])
        mark = next(p["mark"] for p in mine if p["token_id"] == lead)
        assert row["lead_price"] == close(mark)
        assert row["edge_gap"] == close(mark - per_token[lead]["avg_entry"])


@pytest.mark.parametrize("sort", MARKET_SORTS)
@pytest.mark.parametrize("order", ORDERS)
def test_the_markets_list_sorts_and_filters(served, sort, order):
    http, _ = served
    body = http.get("/api/markets", params={"sort": sort, "order": order,
                                            "limit": 500}).json()
    assert body["sort"] == sort and body["order"] == order and body["rows"]
    values = [r[sort] for r in body["rows"]]
    present = [v for v in values if v is not None]
    assert values == present + [None] * (len(values) - len(present))   # nulls last
    assert present == sorted(present, reverse=order == "desc")
    category = body["rows"][-1]["category"]
    some = http.get("/api/markets", params={"sort": sort, "order": order,
                                            "category": category}).json()
    assert some["rows"] and all(r["category"] == category for r in some["rows"])
    assert some["total"] == sum(r["category"] == category for r in body["rows"])


@pytest.mark.parametrize(("params", "name", "valid"), [
    ({"sort": "omega_score"}, "sort", list(MARKET_SORTS)),
    ({"order": "up"}, "order", list(ORDERS)),
    ({"category": "everything"}, "category", list(BOARD_CATEGORIES)),
])
def test_a_bad_choice_is_400_naming_the_valid_ones(served, params, name, valid):
    http, _ = served
    res = http.get("/api/markets", params=params)
    assert res.status_code == 400
    assert res.json() == {"error": f"unknown {name} {next(iter(params.values()))!r}",
                          "valid": valid}


def test_an_unknown_market_is_404_a_malformed_id_400(served):
    http, _ = served
    for unknown in ("999999999", "0x" + "ab" * 32):
        res = http.get(f"/api/markets/{unknown}")
        assert res.status_code == 404, res.text
        assert res.json() == {"error": f"no market with Gamma id or condition id {unknown} in "
                                       "the catalogue"}
    for bad in ("will-it-rain", "0x1234", "12a"):
        res = http.get(f"/api/markets/{bad}")
        assert res.status_code == 400 and "malformed market id" in res.json()["error"], bad
    assert http.get("/api/markets/1", params={"top": 0}).status_code == 422
    assert http.get("/api/markets", params={"limit": 501}).status_code == 422


def test_before_a_metrics_run_the_market_endpoints_answer_503(store):
    http = TestClient(create_app(store))
    for path in ("/api/markets", "/api/markets/1"):
        res = http.get(path)
        assert res.status_code == 503 and res.json()["stage"], res.text


def test_a_wallets_open_positions_carry_their_market_and_current_price(world, served):
    markets, positions = world
    http, _ = served
    holder = max({p["wallet"] for p in positions if p["is_open"]},
                 key=lambda w: sum(p["is_open"] for p in positions if p["wallet"] == w))
    want = {p["token_id"]: p for p in positions if p["wallet"] == holder and p["is_open"]}
    body = http.get(f"/api/wallets/{holder}/positions",
                    params={"state": "open", "limit": 500}).json()
    assert {r["token_id"] for r in body["rows"]} == set(want)
    for row in body["rows"]:
        p, market = want[row["token_id"]], markets[want[row["token_id"]]["condition_id"]]
        assert row["market_id"] == market["id"] and row["question"] == market["question"]
        assert row["outcome"] == market["outcomes"][market["token_ids"].index(p["token_id"])]
        assert row["amount"] == close(p["amount"]) and row["avg_price"] == close(p["avg_price"])
        assert row["mark"] == close(p["mark"]) and row["unrealized"] == close(p["unrealized"])


def test_meta_names_the_markets_sorts():
    meta = TestClient(create_app(None)).get("/api/meta").json()
    assert meta["market_sorts"] == list(MARKET_SORTS)


def test_the_leaderboard_keeps_the_skilled_and_hides_behaviours_on_request(loaded):
    """`skilled=true` keeps the badged rows, `hide=` (comma-separated) leaves out the flagged
    ones, as the store's wallet_metrics say; ranks are taken after both."""
    _, dsn = loaded
    with Store.open(dsn) as store:
        http = TestClient(create_app(store))
        rows = {w: (skilled, mm, hf) for w, skilled, mm, hf in store.rows(
            "SELECT wallet, skilled, market_maker, high_frequency FROM wallet_metrics WHERE "
            "run_id = (SELECT argMax(value, updated_at) FROM pipeline_state WHERE key = "
            "'metrics_run') AND window = 'lifetime' AND category = 'all' "
            "AND eligibility = 'ranked'")}

        def board(**params) -> dict:
            res = http.get("/api/omega/leaderboard", params={"limit": 500, **params})
            assert res.status_code == 200, res.text
            return res.json()

        everyone = board()
        assert {r["wallet"] for r in everyone["rows"]} == set(rows)
        skilled = board(skilled="true")
        assert skilled["skilled"] is True
        assert {r["wallet"] for r in skilled["rows"]} == {w for w, v in rows.items() if v[0]}
        assert 0 < skilled["total"] < everyone["total"]
        assert [r["rank"] for r in skilled["rows"]] == list(range(1, skilled["total"] + 1))
        assert all(r["skilled"] for r in skilled["rows"])
        hidden = board(hide="market_maker, high_frequency")
        assert hidden["hide"] == ["market_maker", "high_frequency"]
        assert {r["wallet"] for r in hidden["rows"]} == {
            w for w, v in rows.items() if not v[1] and not v[2]}
        assert hidden["total"] < everyone["total"], "the world has flagged ranked wallets"
        res = http.get("/api/omega/leaderboard", params={"hide": "market_maker,bots"})
        assert res.status_code == 400
        assert res.json() == {"error": "unknown hide 'bots'", "valid": list(FLAGS)}
        assert http.get("/api/omega/leaderboard",
                        params={"skilled": "maybe"}).status_code == 422
        sorted_by = board(sort="edge_lb", skilled="true")["rows"]
        values = [r["edge_lb"] for r in sorted_by if r["edge_lb"] is not None]
        assert values and values == sorted(values, reverse=True)
    assert TestClient(create_app(None)).get("/api/meta").json()["flags"] == list(FLAGS)
