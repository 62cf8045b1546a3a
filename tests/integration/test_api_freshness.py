"""How fresh the data is, on the API and in `polyrank status`: per wallet, how far its history
is loaded (`ingest_wallets.loaded_to`, 0 = unknown) and which discovery sources found it; per
run, its as-of time and age, and how far the store's wallets are loaded."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from polyrank.api.app import create_app
from polyrank.results import wallets
from polyrank.stages import pipeline_status
from polyrank.store import Store
from tests.metrics_support import DAY, T0, Book

A = "0x" + "a1" * 20   # loaded from a wallet list: no registry rows
B = "0x" + "b2" * 20   # found by two discovery sources
C = "0x" + "c3" * 20   # loaded, its cursor unknown (0)
STATE = ("wallet", "status", "loaded_to", "updated_at")
DISCOVERED = ("address", "source", "day", "fills", "volume", "first_seen", "last_seen")


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def book() -> Book:
    b = Book()
    m = b.market("won", payout=(1, 0), resolved=T0 + 3 * DAY)
    for n, w in enumerate((A, B, C)):
        b.trade(w, m, "BUY", 10, 4, ts=T0 + n * 60)
    return b


@pytest.fixture
def loaded(store):
    book().load(store)
    store.insert("ingest_wallets", [
        (A, "failed", 0, at(T0 + 4 * DAY)),          # the first load failed ...
        (A, "done", T0 + 5 * DAY, at(T0 + 6 * DAY)),  # ... a later one went through
        (B, "done", T0 + 4 * DAY, at(T0 + 4 * DAY + 30)),
        (C, "done", 0, at(T0 + 4 * DAY + 60)),
    ], STATE)
    store.insert("discovered", [
        (B, "tape", T0 - T0 % DAY, 3, 12.0, T0 + 60, T0 + 120),
        (B, "leaderboard", T0 - T0 % DAY + DAY, 1, 4.0, T0 + DAY, T0 + 2 * DAY),
        ("", "tape", T0 - T0 % DAY, 0, 0.0, 0, 0),    # the day's marker row
    ], DISCOVERED)
    return store


def test_a_wallets_page_says_how_far_it_is_loaded_and_who_found_it(loaded):
    http = TestClient(create_app(loaded))
    a = http.get(f"/api/wallets/{A}").json()["loading"]
    # the latest state: done, up to its cursor; from a wallet list, so no sources
    assert a == {"status": "done", "loaded_to": T0 + 5 * DAY, "loaded_at": T0 + 6 * DAY,
                 "discovered_by": [], "first_seen": None, "last_seen": None}
    b = http.get(f"/api/wallets/{B}").json()["loading"]
    assert b == {"status": "done", "loaded_to": T0 + 4 * DAY, "loaded_at": T0 + 4 * DAY + 30,
                 "discovered_by": ["leaderboard", "tape"], "first_seen": T0 + 60,
                 "last_seen": T0 + 2 * DAY}
    # a cursor of 0 is unknown: null, not 1970
    c = http.get(f"/api/wallets/{C.upper().replace('0X', '0x')}").json()["loading"]
    assert c["loaded_to"] is None and c["status"] == "done"
    # the library's own answer is the API's
    assert wallets.wallet(loaded, B).as_dict()["loading"] == b
    assert wallets.loading(loaded, B).discovered_by == ["leaderboard", "tape"]


def test_a_wallet_never_loaded_by_an_ingest_has_an_empty_loading_block(store):
    book().load(store)   # fills written directly: no ingest state, no registry
    loading = TestClient(create_app(store)).get(f"/api/wallets/{A}").json()["loading"]
    assert loading == {"status": None, "loaded_to": None, "loaded_at": None,
                       "discovered_by": [], "first_seen": None, "last_seen": None}


def test_status_gives_the_runs_as_of_and_age_and_the_wallets_cursors(loaded):
    before = time.time()
    body = TestClient(create_app(loaded)).get("/api/status").json()
    fresh = body["freshness"]
    run = loaded.dicts("SELECT as_of, toUnixTimestamp(finished_at) AS finished_at "
                       "FROM metrics_runs FINAL WHERE run_id = {r:String}",
                       {"r": body["metrics_run"]})[0]
    assert fresh["as_of"] == run["as_of"] == T0 + 3 * DAY == body["runs"][0]["as_of"]
    assert fresh["finished_at"] == run["finished_at"]
    # the age is the time since the run finished, as of the question
    assert 0 <= fresh["age_s"] <= time.time() - run["finished_at"] + 1
    assert fresh["age_s"] >= before - run["finished_at"] - 1
    # over the wallets whose cursor is known (C's is 0), each at its latest state
    assert (fresh["loaded_to_min"], fresh["loaded_to_max"], fresh["wallets_loaded_to"]) == (
        T0 + 4 * DAY, T0 + 5 * DAY, 2)
    assert pipeline_status(loaded).as_json()["freshness"].keys() == fresh.keys()


def test_status_before_any_run_or_cursor_has_nulls(store):
    store.insert("pipeline_state", [("stage", "ingest")], ("key", "value"))
    store.insert("ingest_wallets", [(C, "done", 0, at(T0))], STATE)
    fresh = TestClient(create_app(store)).get("/api/status").json()["freshness"]
    assert fresh == {"as_of": None, "finished_at": None, "age_s": None,
                     "loaded_to_min": None, "loaded_to_max": None, "wallets_loaded_to": 0}


def test_polyrank_status_prints_the_freshness(store_dsn, tmp_path):
    from polyrank.cli import app

    with Store.open(store_dsn) as st:
        book().load(st)
        st.insert("ingest_wallets", [(A, "done", T0 + 5 * DAY, at(T0 + 6 * DAY))], STATE)
    res = CliRunner().invoke(app, ["status", "--store", store_dsn, "--runtime-dir",
                                   str(tmp_path / "rt")])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.stdout.splitlines() if x.startswith("freshness:"))
    as_of = at(T0 + 3 * DAY).strftime("%Y-%m-%d %H:%M UTC")
    loaded_to = at(T0 + 5 * DAY).strftime("%Y-%m-%d %H:%M UTC")
    assert f"data as of {as_of}, computed " in line and " ago)" in line
    assert f"wallets loaded up to {loaded_to}" in line and "1 wallet(s)" in line
