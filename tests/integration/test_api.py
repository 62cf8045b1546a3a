"""The read-only API in-process (FastAPI's TestClient) over a computed store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from polyrank.api.app import create_app
from polyrank.store import Store


@pytest.fixture
def client(loaded):
    _, dsn = loaded
    with Store.open(dsn) as store:
        yield TestClient(create_app(store)), store


def test_default_leaderboard_is_ranked_wallets_by_omega_score(client):
    http, store = client
    res = http.get("/api/omega/leaderboard")
    assert res.status_code == 200, res.text
    body = res.json()
    rows = body["rows"]
    ranked = store.scalar("SELECT count() FROM wallet_metrics_complete "
                          "WHERE window = 'lifetime' AND eligibility = 'ranked'")
    assert body["total"] == ranked and len(rows) == min(100, ranked) and body["as_of"]
    scores = [r["omega_score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(r["eligibility"] == "ranked" for r in rows)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert any(r["specialist_in"] for r in rows)


def test_sort_order_paging_min_bets_and_categories(client):
    http, _ = client
    page = http.get("/api/omega/leaderboard", params={"sort": "realized_pnl", "order": "asc",
                                                       "limit": 5, "offset": 5,
                                                       "min_bets": 0}).json()
    pnl = [r["realized_pnl"] for r in page["rows"]]
    assert pnl == sorted(pnl) and page["rows"][0]["rank"] == 6
    assert page["total"] > 100   # min_bets=0 lifts the ranked-only gate
    omega = http.get("/api/omega/leaderboard", params={"sort": "omega", "min_bets": 0,
                                                        "limit": 500}).json()["rows"]
    nulls = [r["omega"] is None for r in omega]
    assert nulls == sorted(nulls)   # nulls last
    crypto = http.get("/api/omega/leaderboard", params={"category": "crypto",
                                                         "window": "180d", "min_bets": 1})
    assert crypto.status_code == 200 and crypto.json()["category"] == "crypto"
    cats = http.get("/api/categories").json()["categories"]
    assert {c["category"] for c in cats} >= {"crypto", "politics", "sports"}


@pytest.mark.parametrize(("params", "status", "says"), [
    ({"window": "7d"}, 400, "unknown window"),
    ({"category": "war"}, 400, "unknown category"),
    ({"sort": "wallet; DROP TABLE fills"}, 400, "unknown sort"),
    ({"order": "sideways"}, 400, "unknown order"),
    ({"limit": 501}, 422, "less than or equal to 500"),
    ({"limit": 0}, 422, "greater than or equal to 1"),
    ({"min_bets": -3}, 422, "greater than or equal to 0"),
])
def test_bad_input_gets_a_clear_4xx(client, params, status, says):
    http, _ = client
    res = http.get("/api/omega/leaderboard", params=params)
    assert res.status_code == status and says in res.text
    if status == 400:
        assert "valid" in res.json()


def test_metrics_endpoints_answer_503_with_the_stage_before_a_run(tmp_path):
    with Store.open(f"chdb://{tmp_path / 'store'}") as store:
        store.insert("pipeline_state", [("stage", "ingest")], ("key", "value"))
        http = TestClient(create_app(store))
        res = http.get("/api/omega/leaderboard")
        assert res.status_code == 503 and res.json()["stage"] == "ingest"
        assert "not computed yet" in res.json()["error"]
        assert http.get("/healthz").json() == {"ok": True}
        assert http.get("/api/status").json()["stage"] == "ingest"


def test_search_keeps_each_wallets_rank(client):
    http, _ = client
    board = http.get("/api/omega/leaderboard", params={"limit": 50}).json()["rows"]
    target = board[37]
    found = http.get("/api/omega/leaderboard",
                     params={"search": target["wallet"][2:14].upper()}).json()
    assert found["total"] == len(found["rows"]) >= 1
    assert {"wallet": target["wallet"], "rank": 38} in [
        {"wallet": r["wallet"], "rank": r["rank"]} for r in found["rows"]]
    bad = http.get("/api/omega/leaderboard", params={"search": "0xZZ"})
    assert bad.status_code == 400 and "malformed search" in bad.json()["error"]


def test_specialists_endpoint_lists_the_detected_specialists(client):
    http, store = client
    expected = {(w, c) for w, c in store.rows(
        "SELECT wallet, category FROM specialists WHERE is_specialist AND run_id = "
        "(SELECT argMax(value, updated_at) FROM pipeline_state WHERE key = 'metrics_run')")}
    body = http.get("/api/specialists", params={"limit": 500}).json()
    assert {(r["wallet"], r["category"]) for r in body["rows"]} == expected
    assert body["total"] == len(expected) >= 5
    bounds = [r["roi_lb"] for r in body["rows"]]
    assert bounds == sorted(bounds, reverse=True)
    crypto = http.get("/api/specialists", params={"category": "crypto"}).json()["rows"]
    assert crypto and all(r["category"] == "crypto" for r in crypto)
    res = http.get("/api/specialists", params={"category": "all"})
    assert res.status_code == 400 and "crypto" in res.json()["valid"]
    cats = {c["category"]: c for c in http.get("/api/categories").json()["categories"]}
    assert sum(c["specialists"] for c in cats.values()) == len(expected)


def test_wallet_pages_agree_with_the_metrics_tables(client):
    http, store = client
    for row in http.get("/api/omega/leaderboard", params={"limit": 5}).json()["rows"]:
        page = http.get(f"/api/wallets/{row['wallet']}").json()
        life = next(m for m in page["metrics"]
                    if (m["window"], m["category"]) == ("lifetime", "all"))
        assert life["omega_score"] == row["omega_score"]
        assert len({m["window"] for m in page["metrics"]}) == 4
        assert set(row["specialist_in"]) == {
            s["category"] for s in page["specialists"] if s["is_specialist"]}
        points = http.get(f"/api/wallets/{row['wallet']}/pnl").json()["points"]
        # the curve ends at the wallet's figures (dust positions aside: < 0.01 share each)
        assert points[-1]["realized"] == pytest.approx(life["realized_pnl"], abs=1e-6)
        assert points[-1]["total"] == pytest.approx(life["total_pnl"], abs=0.05)
        positions = http.get(f"/api/wallets/{row['wallet']}/positions",
                             params={"limit": 500}).json()
        assert sum(p["is_open"] for p in positions["rows"]) == store.scalar(
            "SELECT countIf(is_open) FROM positions WHERE wallet = {w:String} AND run_id = "
            "{r:String}", {"w": row["wallet"], "r": page["run_id"]})
        assert all(p["question"] and p["outcome"] for p in positions["rows"])
        trades = http.get(f"/api/wallets/{row['wallet']}/trades").json()
        assert trades["total"] == life["trades"]
        stamps = [t["ts"] for t in trades["rows"]]
        assert stamps == sorted(stamps, reverse=True)
