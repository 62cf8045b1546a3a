"""A property-based fuzz of the API's OpenAPI schema (schemathesis): every operation, with
inputs that fit the schema (positive) and inputs that do not (negative), answers without a
server error, and its 2xx bodies fit the schema.

In process (ASGI) over the computed store of the session fixture `loaded`, and over an empty
store, where the metrics endpoints answer 503 with the pipeline stage by design. The operations
are read from the app's own schema, so a new endpoint is fuzzed without a change here.
Derandomized: CI sees the same cases every run.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from polyrank.api.app import CATEGORIES, FLAGS, MARKET_SORTS, SORTS, WINDOWS, create_app
from polyrank.store import Store

# Building the schema runs no handler, so it needs no store. One test per operation and mode
# through pytest's own parametrization (schemathesis' `schema.parametrize()` gives every item
# the same node id under pytest 9.2).
OPENAPI = create_app(None).openapi()
SCHEMA = schemathesis.openapi.from_dict(OPENAPI)
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
# Negative cases need a parameter to break: a query parameter (a path parameter is a plain
# string, which every value fits).
CASES = [(label, mode) for label, op in sorted(OPERATIONS.items())
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if mode is GenerationMode.POSITIVE
         or any(p.location == "query" for p in op.iter_parameters())]
IDS = [f"{label} {mode.value}" for label, mode in CASES]
FUZZ = settings(max_examples=80, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))
EMPTY = settings(FUZZ, max_examples=30)   # an empty store answers 503 or empty pages
ADDRESS = st.from_regex(r"\A0x[0-9a-fA-F]{40}\Z")


def steering(wallets: list[str], markets: list[str] = ()) -> dict[str, st.SearchStrategy]:
    """Valid values of parameters the schema types as free strings (a window, a sort key, a
    behaviour flag to hide, a wallet or market known to the store...): half the cases take
    them, or nearly every case would stop at a 400 or 404 before any SQL runs."""
    address = ADDRESS
    if wallets:
        known = st.sampled_from(wallets)
        address = st.one_of(known, known.map(lambda w: "0x" + w[2:].upper()), ADDRESS)
    market = st.text(min_size=1, max_size=12)
    if markets:
        market = st.one_of(st.sampled_from(markets), market)
    return {"window": st.sampled_from(WINDOWS), "category": st.sampled_from(("", *CATEGORIES)),
            "sort": st.sampled_from((*SORTS, *MARKET_SORTS)),
            "hide": st.lists(st.sampled_from(FLAGS), max_size=3).map(",".join),
            "market_id": market, "order": st.sampled_from(("desc", "asc")),
            "state": st.sampled_from(("all", "open", "closed")),
            "search": st.from_regex(r"\A(0x)?[0-9a-fA-F]{0,8}\Z"), "address": address}


@pytest.fixture
def computed_app(loaded):
    _, dsn = loaded
    with Store.open(dsn) as store:
        wallets = [w for (w,) in store.rows("SELECT DISTINCT maker FROM fills ORDER BY maker "
                                            "LIMIT 300")]
        markets = [m for (m,) in store.rows("SELECT DISTINCT id FROM markets ORDER BY id "
                                            "LIMIT 100")]
        yield create_app(store), steering(wallets, markets)


@pytest.fixture
def empty_app(tmp_path):
    with Store.open(f"chdb://{tmp_path / 'store'}") as store:
        yield create_app(store), steering([])


def not_computed_yet_or_no_server_error(ctx, response, case):
    """Before a metrics run, 503 with the stage is the design; any other 5xx is a bug."""
    if response.status_code == 503:
        body = response.json()
        assert isinstance(body, dict) and body.get("stage"), (
            f"503 without the pipeline stage: {response.text[:300]}")
        return None
    return not_a_server_error(ctx, response, case)


def sent_query(response) -> dict[str, str]:
    """The query string as sent (negative cases serialise odd values in odd ways), read as
    FastAPI reads it: the last of repeated names."""
    return dict(parse_qsl(urlsplit(response.request.url).query, keep_blank_values=True))


def pages_keep_to_the_limit(ctx, response, case):
    """A 200 page of rows has at most `limit` rows and a total no smaller than what it shows."""
    if response.status_code != 200:
        return None
    body, query = response.json(), sent_query(response)
    if "rows" in body and query.get("limit", "").strip().isdigit():
        assert len(body["rows"]) <= int(query["limit"])
    if "rows" in body and "total" in body:
        assert body["total"] >= len(body["rows"])
    return None


def leaderboard_answers_what_was_asked(ctx, response, case):
    """A 200 leaderboard page ranks from offset + 1 (any increasing ranks when searching, which
    keeps each wallet's rank), shows only wallets matching the search, and applies the gate:
    bets_closed >= min_bets, or ranked wallets only."""
    if response.status_code != 200 or case.operation.path != "/api/omega/leaderboard":
        return None
    query, rows = sent_query(response), response.json()["rows"]
    try:
        offset = int(query.get("offset", 0))
        min_bets = None if query.get("min_bets") is None else int(query["min_bets"])
    except ValueError:
        return None   # a value the server read otherwise than int() does
    search = query.get("search", "").lower().removeprefix("0x")
    ranks = [r["rank"] for r in rows]
    if search:
        assert ranks == sorted(set(ranks)) and all(search in r["wallet"] for r in rows)
    else:
        assert ranks == list(range(offset + 1, offset + 1 + len(rows)))
    if min_bets is None:
        assert all(r["eligibility"] == "ranked" for r in rows), "unranked row without min_bets"
    else:
        low = min(r["bets_closed"] for r in rows) if rows else None
        assert low is None or low >= min_bets, f"min_bets={min_bets} answered a row with {low}"
    return None


def cases(label: str, mode: GenerationMode, steer: dict) -> st.SearchStrategy:
    op = OPERATIONS[label]
    params = list(op.iter_parameters())
    query = {p.name: steer[p.name] for p in params if p.location == "query" and p.name in steer}
    path = {p.name: steer[p.name] for p in params if p.location == "path" and p.name in steer}
    if (not query and not path) or (mode is GenerationMode.NEGATIVE
                                  and len(query) + len(path) == len(params)):
        return op.as_strategy(mode)   # (nothing left to break if every parameter is steered)
    steered = st.tuples(st.fixed_dictionaries(query), st.fixed_dictionaries(path)).flatmap(
        lambda qp: op.as_strategy(mode, query=qp[0] or None, path_parameters=qp[1] or None))
    return st.one_of(op.as_strategy(mode), steered)


def fuzz(app_and_steering, label: str, mode: GenerationMode, checks: list,
         budget: settings = FUZZ) -> None:
    app, steer = app_and_steering

    @budget
    @given(case=cases(label, mode, steer))
    def run(case) -> None:
        case.call_and_validate(app=app, checks=[*checks, response_schema_conformance,
                                                pages_keep_to_the_limit])

    run()


@pytest.mark.parametrize(("label", "mode"), CASES, ids=IDS)
def test_no_server_error_over_a_computed_store(computed_app, label, mode):
    fuzz(computed_app, label, mode, [not_a_server_error, leaderboard_answers_what_was_asked])


@pytest.mark.parametrize(("label", "mode"), CASES, ids=IDS)
def test_only_503_with_the_stage_before_a_metrics_run(empty_app, label, mode):
    fuzz(empty_app, label, mode, [not_computed_yet_or_no_server_error], EMPTY)


def _integer_schemas(schema: dict):
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "integer":
            yield option


def test_every_integer_parameter_is_bounded():
    """SQL binds integers to fixed widths ({x:Int64}, {x:UInt32}), where a larger value wraps
    silently (min_bets=18446744073709551615 became -1: the ranked-only gate): every integer
    parameter declares a minimum and a maximum, so FastAPI answers 422 instead."""
    unbounded = [f"{method.upper()} {path} {p['name']}" for path, item in OPENAPI["paths"].items()
                 for method, op in item.items() for p in op.get("parameters", [])
                 for s in _integer_schemas(p["schema"]) if "minimum" not in s or "maximum" not in s]
    assert unbounded == []
