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
