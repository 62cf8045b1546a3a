"""What the page builds itself from (/api/meta), the category counts of a window, and the one
error shape (`{"error": ...}`) of every 4xx, FastAPI's request validation included."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from polyrank.api.app import create_app
from polyrank.categories import CATEGORIES
from polyrank.metrics.config import DEFAULT_WINDOWS
from polyrank.results import choices
from polyrank.stages import STAGES, STEPS
from polyrank.store import Store


@pytest.fixture
def client(loaded):
    _, dsn = loaded
    with Store.open(dsn) as store:
        yield TestClient(create_app(store)), store


def test_meta_lists_are_the_librarys():
    """Building the page from /api/meta is only worth it if meta is the library's own lists;
    answered without a store (the page reads it before any metrics run)."""
    meta = TestClient(create_app(None)).get("/api/meta")
    assert meta.status_code == 200, meta.text
    body = meta.json()
    assert [w["name"] for w in body["windows"]] == list(choices.WINDOWS)
    assert [(w["name"], w["days"]) for w in body["windows"]] == list(DEFAULT_WINDOWS)
    # the page's default window is the last one over the whole history
    assert [w["name"] for w in body["windows"] if w["days"] is None][-1] == "lifetime"
    assert body["categories"] == list(choices.BOARD_CATEGORIES) == ["all", *CATEGORIES]
    assert body["sorts"] == list(choices.SORTS)
    assert body["orders"] == list(choices.ORDERS)
    assert body["position_states"] == list(choices.POSITION_STATES)
    assert body["stages"] == list(STAGES)
    assert [(s["name"], s["running"], s["done"]) for s in body["steps"]] == list(STEPS)
    assert body["limits"] == {"default": choices.DEFAULT_LIMIT, "max": choices.MAX_LIMIT,
                              "max_offset": choices.MAX_OFFSET}


def test_categories_count_the_window_asked_for(client):
    http, store = client
    lifetime = http.get("/api/categories").json()
    assert lifetime["window"] == "lifetime"
    assert lifetime == http.get("/api/categories", params={"window": "lifetime"}).json()
    seen = {}
    for window in choices.WINDOWS:
        res = http.get("/api/categories", params={"window": window})
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["window"] == window
        want = {cat: (wallets, ranked) for cat, wallets, ranked in store.rows(
            "SELECT category, uniqExact(wallet), countIf(eligibility = 'ranked') "
            "FROM wallet_metrics_by_category WHERE window = {w:String} GROUP BY category",
            {"w": window})}
        got = {c["category"]: (c["wallets"], c["ranked"]) for c in body["categories"]}
        assert got == want
        seen[window] = got
    # the windows differ (a 30-day window ranks fewer wallets than the whole history)
    ranked = {w: sum(r for _, r in counts.values()) for w, counts in seen.items()}
    assert ranked["30d"] < ranked["lifetime"], ranked
    # specialists are a whole-history figure: the same in every window
    specialists = {c["category"]: c["specialists"] for c in lifetime["categories"]}
    assert any(specialists.values())
    short = http.get("/api/categories", params={"window": "30d"}).json()["categories"]
    assert all(c["specialists"] == specialists[c["category"]] for c in short)


def test_categories_refuse_an_unknown_window(client):
    http, _ = client
    res = http.get("/api/categories", params={"window": "7d"})
    assert res.status_code == 400
    assert res.json() == {"error": "unknown window '7d'", "valid": list(choices.WINDOWS)}


@pytest.mark.parametrize(("path", "params", "says"), [
    ("/api/omega/leaderboard", {"limit": "0"}, "limit: Input should be greater than or equal "
                                               "to 1 (got '0')"),
    ("/api/omega/leaderboard", {"limit": "abc"}, "limit: Input should be a valid integer"),
    ("/api/omega/leaderboard", {"min_bets": "-3"}, "min_bets: Input should be greater than"),
    ("/api/specialists", {"offset": "x"}, "offset: Input should be a valid integer"),
    ("/api/wallets/0x" + "ab" * 20 + "/trades", {"limit": "501"},
     "limit: Input should be less than or equal to 500"),
])
def test_a_validation_error_has_the_same_shape_as_every_other_error(path, params, says):
    """FastAPI's 422 answers `{"detail": [...]}`; ours adds the `error` string every other
    4xx carries, naming the parameter, and keeps `detail`. Answered before any handler runs,
    so no store is needed."""
    res = TestClient(create_app(None)).get(path, params=params)
    assert res.status_code == 422, res.text
    body = res.json()
    assert isinstance(body["error"], str) and body["error"].startswith(says), body["error"]
    assert isinstance(body["detail"], list) and body["detail"][0]["loc"][-1] == says.split(":")[0]


def test_two_bad_parameters_are_both_named():
    res = TestClient(create_app(None)).get("/api/omega/leaderboard",
                                           params={"limit": "0", "offset": "-1"})
    assert res.status_code == 422
    error = res.json()["error"]
    assert error.startswith("limit: ") and "; offset: " in error, error
