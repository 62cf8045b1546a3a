"""The discovery sources besides the tape, against the replay over one small generated world
that crosses the V2 migration: the official leaderboard (every category x period x order, as
far as the offset caps let one read, with labels), the top holders of markets and of an event,
and the V2 trades tape (resumable, its depth cut by the offset cap and reported)."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from datetime import UTC, datetime

import aiohttp
import pyarrow.parquet as pq
import pytest

from polyrank.discover.leaderboard import LISTINGS, read_listing
from polyrank.discover.run import DAY, DiscoverOptions, discover
from polyrank.errors import InvalidArgument, UpstreamDataError
from polyrank.settings import V2_MIGRATION_TS
from polyrank.sim.replay import FaultConfig, ReplayServer
from polyrank.sim.replay.boards import Boards
from polyrank.sim.replay.data_api import DataApi as ReplayDataApi
from polyrank.sim.replay.data_api import DataApiLimits
from polyrank.sim.replay.server import ServiceLimits
from polyrank.sim.world import WorldParams, generate_world
from polyrank.sim.world.board import display_name, official_boards, profile
from polyrank.sim.world.load import read_jsonl
from polyrank.store import Store
from polyrank.upstream.data_api import BOARD_PAGE, DataApi
from polyrank.upstream.http import Http
from polyrank.upstream.retry import FailureStreak
from tests.ingest_support import FAST_RETRY, settings_for


def ts(day: str) -> int:
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("sources") / "world"
    generate_world(out, WorldParams(seed=5, wallets=120, markets=40, start="2026-02-01",
                                    end="2026-06-30"))
    return out


@pytest.fixture(scope="module")
def tables(world):
    return {"fills": pq.read_table(world / "fills.parquet").to_pydict(),
            "activity": pq.read_table(world / "activity.parquet").to_pydict(),
            "markets": read_jsonl(world / "markets.jsonl"),
            "events": read_jsonl(world / "events.jsonl"),
            "meta": json.loads((world / "world.json").read_text())}


def boards_at(tables, at):
    return official_boards(tables["fills"], tables["activity"], tables["markets"],
                           tables["events"], at=at)


def run(server, tmp_path, options, name="store"):
    dsn = f"chdb://{tmp_path / name}"
    settings = settings_for(server.url, dsn, tmp_path / "rt")
    with Store.open(dsn) as store:
        return asyncio.run(discover(settings, store, options, policy=FAST_RETRY))


def registry(tmp_path, source, name="store"):
    with Store.open(f"chdb://{tmp_path / name}") as store:
        return {r[0]: r[1:] for r in store.rows(
            "SELECT address, fills, volume, first_seen, last_seen, label FROM wallet_registry "
            "WHERE has(sources, {s:String})", {"s": source})}


def listing(url, category, period, order, max_offset):
    async def main():
        async with aiohttp.ClientSession() as session:
            api = DataApi(Http(session, policy=FAST_RETRY), url)
            return await read_listing(api, category, period, order, max_offset=max_offset,
                                      streak=FailureStreak(FAST_RETRY))
    return asyncio.run(main())


def rows_of(found):
    return [(e.rank, e.wallet, float(e.vol), float(e.pnl)) for e in found.entries]


def expected(board, n):
    return [(k + 1, r.wallet, r.vol, r.pnl) for k, r in enumerate(board[:n])]


# ------------------------------------------------------------------------------ leaderboard


def test_the_leaderboard_source_is_the_worlds_board_as_far_as_the_caps_reach(world, tables,
                                                                              tmp_path):
    """The replay's server cap (offset 50) is below the client's (1000): each listing reads
    offsets 0 and 50, then the 400 beyond the cap ends it cleanly — under faults."""
    at = tables["meta"]["as_of_ts"]
    boards = boards_at(tables, at)
    # an independent check of the board: lifetime pnl_polymarket and volume of the ledger
    ledger = {r["wallet"]: r for r in pq.read_table(world / "ledger/wallet_metrics.parquet")
              .to_pylist() if r["window"] == "lifetime" and r["category"] == "all"}
    overall = boards[("OVERALL", "ALL", "PNL")]
    assert {r.wallet for r in overall} == set(ledger) and len(overall) > BOARD_PAGE * 2
    for r in overall:
        assert r.pnl == pytest.approx(ledger[r.wallet]["pnl_polymarket"], abs=1e-6)
        assert r.vol == pytest.approx(ledger[r.wallet]["volume_usdc"], abs=1e-6)
    limits = ServiceLimits(data_api=DataApiLimits(max_board_offset=50))
    faults = FaultConfig(fault_seed=3, error_rate=0.1, malformed_rate=0.05)
    with ReplayServer(world, limits=limits, faults=faults) as server:
        report = run(server, tmp_path, DiscoverOptions(sources=("leaderboard",),
                                                       data_limit=None))
        for key in [("OVERALL", "ALL", "PNL"), ("CULTURE", "WEEK", "VOL"),
                    ("CRYPTO", "DAY", "PNL"), ("WEATHER", "MONTH", "VOL")]:
            got = listing(server.url, *key, max_offset=1000)
            assert rows_of(got) == expected(boards[key], 100)
            assert got.capped == (len(boards[key]) >= 100)
        # the client's own cap: offset 0 only
        small = listing(server.url, "OVERALL", "ALL", "VOL", max_offset=0)
        assert rows_of(small) == expected(boards[("OVERALL", "ALL", "VOL")], 50)
        assert small.capped and small.requests == 1
        assert server.stats()["faults"]
    want = set()
    for key in LISTINGS:
        want |= {r.wallet for r in boards[key][:100]}
    got = registry(tmp_path, "leaderboard")
    assert set(got) == want and len(want) > 100
    assert {w: v[-1] for w, v in got.items()} == {w: display_name(w) for w in want}
    assert all(v[:4] == (0, 0.0, 0, 0) for v in got.values())
    part = report.sources["leaderboard"]
    assert part.wallets == len(want) and part.requests >= len(LISTINGS)
    assert sorted(part.capped) == sorted(f"{c}/{p}/{o}" for c, p, o in LISTINGS
                                         if len(boards[(c, p, o)]) >= 100)
    assert part.capped and len(part.capped) < len(LISTINGS)
    # wallets found without fills pass the filters
    assert set(report.selected) == want and report.registry == len(want)


def test_the_board_follows_the_replay_clock(world, tables):
    at = ts("2026-04-10")
    with ReplayServer(world, clock=at) as server:
        got = listing(server.url, "OVERALL", "MONTH", "VOL", max_offset=1000)
    then = boards_at(tables, at)[("OVERALL", "MONTH", "VOL")]
    now = boards_at(tables, tables["meta"]["as_of_ts"])[("OVERALL", "MONTH", "VOL")]
    assert rows_of(got) == expected(then, len(then)) and then != now and not got.capped


# ------------------------------------------------------------------------------ holders


def world_holders(tables, conditions, at=None):
    """Each outcome token's top 20 holders of at least one share, folded here from the files:
    fills (a V1 buy less its fee in shares), splits, merges, redemptions, conversions."""
    markets = {m["condition_id"]: m for m in tables["markets"]}
    questions = {(m["neg_risk_market_id"], m["neg_risk_index"]): m for m in tables["markets"]
                 if m["neg_risk"]}
    held = defaultdict(int)
    f = tables["fills"]
    for k in range(len(f["id"])):
        if at is not None and f["timestamp"][k] > at:
            continue
        if f["maker_asset_id"][k] == "0":
            fee = f["fee"][k] if f["version"][k] == 1 else 0
            held[(f["maker"][k], f["taker_asset_id"][k])] += f["taker_amount_filled"][k] - fee
        else:
            held[(f["maker"][k], f["maker_asset_id"][k])] -= f["maker_amount_filled"][k]
    a = tables["activity"]
    for k in range(len(a["wallet"])):
        if at is not None and a["timestamp"][k] > at:
            continue
        who, kind, size, cond = a["wallet"][k], a["type"][k], a["size"][k], a["condition_id"][k]
        if kind in ("SPLIT", "MERGE"):
            for tok in markets[cond]["token_ids"]:
                held[(who, tok)] += size if kind == "SPLIT" else -size
        elif kind == "REDEEM":
            held[(who, a["token_id"][k])] -= size
        elif kind == "CONVERSION":
            q, s = a["question_count"][k], a["index_set"][k]
            for i in range(q):
                m = questions[(cond, i)]
                if s >> i & 1:
                    held[(who, m["token_ids"][1])] -= size
                elif bin(s).count("1") < q:
                    held[(who, m["token_ids"][0])] += size
    out = {}
    for c in conditions:
        for tok in markets[c]["token_ids"]:
            top = sorted(((w, n) for (w, t), n in held.items() if t == tok and n >= 1_000_000),
                         key=lambda wn: (-wn[1], wn[0]))[:20]
            if top:
                out[tok] = [(w, n / 1e6) for w, n in top]
    return out


def served_holders(url, conditions):
    """token -> [(wallet, shares)] as the client reads the replay's /holders."""
    async def main():
        async with aiohttp.ClientSession() as session:
            api = DataApi(Http(session, policy=FAST_RETRY), url)
            return await api.holders(conditions, streak=FailureStreak(FAST_RETRY))
    by_token = defaultdict(list)
    for h in asyncio.run(main()):
        by_token[h.token_id].append((h.wallet, float(h.amount)))
    return dict(by_token)


def test_holders_of_markets_and_of_an_event(world, tables, tmp_path):
    markets = tables["markets"]
    event = next(e for e in tables["events"] if e["neg_risk"] and not e["closed"])
    of_event = [m["condition_id"] for m in markets if m["event_id"] == event["id"]]
    others = [m["condition_id"] for m in markets if m["event_id"] != event["id"]][:3]
    want = world_holders(tables, of_event + others)
    assert len(want) > 4 and len(of_event) > 1
    with ReplayServer(world) as server:
        assert served_holders(server.url, others + of_event) == want
        report = run(server, tmp_path, DiscoverOptions(
            holders=(others[0], event["slug"], others[1].upper().replace("0X", "0x"),
                     others[2], event["id"]), data_limit=None))
    wallets = {w for rows in want.values() for w, _ in rows}
    got = registry(tmp_path, "holders")
    assert set(got) == wallets
    assert {w: v[-1] for w, v in got.items()} == {w: profile(w)[0] or profile(w)[1]
                                                  for w in wallets}
    part = report.sources["holders"]
    assert (part.markets, part.wallets) == (len(of_event) + 3, len(wallets))
    assert part.requests == 2 + 1  # two event look-ups, one /holders request (<= 10 markets)
    assert report.sources.keys() == {"holders"}  # --holders alone: no tape, no period


def test_holders_follow_the_clock_and_bad_targets_are_refused(world, tables, tmp_path):
    """As of a time in the V1 era, markets with a V1 fee (paid in shares) among them."""
    at = ts("2026-04-10")
    open_then = [m for m in tables["markets"]
                 if m["start_ts"] <= at and (m["closed_ts"] or 2**40) > at]
    open_then = [m["condition_id"] for m in sorted(open_then, key=lambda m: -m["fee_rate_bps"])
                 ][:4]
    assert any(m["fee_rate_bps"] for m in tables["markets"] if m["condition_id"] in open_then)
    want = world_holders(tables, open_then, at)
    assert want
    with ReplayServer(world, clock=at) as server:
        assert served_holders(server.url, open_then) == want
        run(server, tmp_path, DiscoverOptions(holders=tuple(open_then), data_limit=None))
        for bad, name in [("no-such-event", "holders"), ("0x1234", "holders"),
                          ("", "holders")]:
            with pytest.raises(InvalidArgument) as caught:
                run(server, tmp_path, DiscoverOptions(holders=(bad,), data_limit=None))
            assert caught.value.name == name
    assert set(registry(tmp_path, "holders")) == {w for rows in want.values() for w, _ in rows}


# ------------------------------------------------------------------------------ V2 trades


V2_SINCE, V2_UNTIL = ts("2026-04-20"), ts("2026-06-10")
MIDDLE = ts("2026-05-20") + DAY // 2


def world_v2_makers(tables, start, end):
    """maker -> (fills, USDC, first, last) of the world's V2 fills in [start, end)."""
    f = tables["fills"]
    out: dict[str, list] = {}
    for k in range(len(f["id"])):
        t = f["timestamp"][k]
        if f["version"][k] == 2 and start <= t < end:
            usdc = f["maker_amount_filled"][k] if f["side"][k] == 0 else \
                f["taker_amount_filled"][k]
            e = out.setdefault(f["maker"][k], [0, 0, t, t])
            e[0] += 1
            e[1] += usdc
            e[2], e[3] = min(e[2], t), max(e[3], t)
    return {w: (n, v / 1e6, a, b) for w, (n, v, a, b) in out.items()}


def assert_registry_is(got, want):
    assert set(got) == set(want) and len(want) > 30
    for w, (n, volume, first, last) in want.items():
        assert got[w][0] == n and got[w][2:4] == (first, last)
        assert got[w][1] == pytest.approx(volume, abs=1e-6)


def test_the_v2_trades_tape_resumes_day_by_day(world, tables, tmp_path):
    """The clock at mid-period: the days before it are read whole and marked; once the clock
    is gone (the whole world), the next run sweeps only the unmarked days, and stops reading
    once past the start of the oldest of them."""
    deep = ServiceLimits(data_api=DataApiLimits(max_trades_offset=10**6))
    options = DiscoverOptions(since=V2_SINCE, until=V2_UNTIL, sources=("trades",),
                              trades_max_offset=10**6, data_limit=None)
    v2_days = (V2_UNTIL - V2_MIGRATION_TS) // DAY
    with ReplayServer(world, clock=MIDDLE, limits=deep) as server:
        first = run(server, tmp_path, options)
        assert_registry_is(registry(tmp_path, "trades"),
                           world_v2_makers(tables, V2_MIGRATION_TS, MIDDLE + 1))
        server.set_clock(None)
        second = run(server, tmp_path, options)
    one, two = first.sources["trades"], second.sources["trades"]
    assert (one.days, one.days_already, one.reached) == (v2_days, 0, None)
    assert two.days_already == (MIDDLE - DAY // 2 - V2_MIGRATION_TS) // DAY
    assert two.reached is None and not two.capped
    assert_registry_is(registry(tmp_path, "trades"),
                       world_v2_makers(tables, V2_MIGRATION_TS, V2_UNTIL))
    # the second run read from the world's end back to the clock's day only
    newer = sum(1 for t, v in zip(tables["fills"]["timestamp"], tables["fills"]["version"],
                                  strict=True) if t >= MIDDLE - DAY // 2)
    assert two.requests == newer // 500 + 1
    assert first.fills_seen == one.rows and first.days == v2_days


def test_the_offset_cap_cuts_the_v2_tape_and_says_where(world, tables, tmp_path):
    """The real listing stops at offset 10,000 (here 1,000, with pages of 200): the days it
    read whole are marked, the day it cut is written unmarked, older days not at all."""
    capped = ServiceLimits(data_api=DataApiLimits(max_trades_offset=1000))
    end = tables["meta"]["as_of_ts"]
    since = end - end % DAY - 20 * DAY
    with ReplayServer(world, limits=capped) as server:
        mine = run(server, tmp_path, DiscoverOptions(
            since=since, until=end + 1, sources=("trades",), trades_page=200,
            trades_max_offset=1000, data_limit=None))
        theirs = run(server, tmp_path, DiscoverOptions(  # the server's cap below the client's
            since=since, until=end + 1, sources=("trades",), trades_page=200,
            trades_max_offset=10**6, data_limit=None), name="other")
    part = mine.sources["trades"]
    reached = part.reached
    assert reached is not None and since < reached < end and part.capped
    assert part.rows == 1200 and part.requests == 6
    got = registry(tmp_path, "trades")
    assert set(world_v2_makers(tables, reached + 1, end + 1)) <= set(got) <= set(
        world_v2_makers(tables, reached, end + 1))
    other = registry(tmp_path, "trades", "other")  # volume: a float sum in any order
    assert {w: (v[0], *v[2:]) for w, v in other.items()} == {w: (v[0], *v[2:])
                                                             for w, v in got.items()}
    assert all(other[w][1] == pytest.approx(v[1], abs=1e-6) for w, v in got.items())
    assert theirs.sources["trades"].reached == reached
    with Store.open(f"chdb://{tmp_path / 'store'}") as store:
        marked = {r[0] for r in store.rows("SELECT day FROM discovered FINAL WHERE source = "
                                           "'trades' AND address = ''")}
    cut = reached - reached % DAY
    assert marked == set(range(cut + DAY, end - end % DAY, DAY))  # not the world's last day


# ------------------------------------------------------------------------------ errors, CLI


@pytest.mark.parametrize(("route", "garbage", "message"), [
    ("leaderboard", {"rows": []}, "expected a list of leaderboard rows"),
    ("leaderboard", [{"rank": "1", "userName": "x"}], "missing field `proxyWallet`"),
    ("leaderboard", [{"rank": "1", "proxyWallet": "0xnothex"}], "is not an address"),
    ("holders", [{"token": "1", "holders": [{"amount": 1}]}], "missing field `proxyWallet`"),
    ("holders", {"token": "1"}, "expected a list of tokens"),
    ("trades", [{"proxyWallet": "0x" + "1" * 40, "timestamp": "late"}], "`timestamp` must be"),
    ("trades", {"data": []}, "expected a list of trades"),
])
def test_malformed_answers_raise_a_clear_error(world, tmp_path, monkeypatch, route, garbage,
                                               message):
    owner = ReplayDataApi if route == "trades" else Boards
    monkeypatch.setattr(owner, route, lambda self, q: garbage)
    options = DiscoverOptions(since=ts("2026-06-01"), until=ts("2026-06-02"),
                              sources=(route,), holders=("0x" + "1" * 64,) * (
                                  route == "holders"), data_limit=None)
    with ReplayServer(world) as server, pytest.raises(UpstreamDataError, match=message):
        run(server, tmp_path, options)


def test_front_door_and_cli(world, tmp_path):
    from typer.testing import CliRunner

    import polyrank
    from polyrank.cli import app

    dsn = f"chdb://{tmp_path / 'store'}"
    runner = CliRunner()
    with ReplayServer(world) as server:
        settings = settings_for(server.url, dsn, tmp_path / "rt")
        with polyrank.open(settings=settings) as pr:
            report = pr.discover(sources="leaderboard", leaderboard_max_offset=0,
                                 data_limit="none", limit=5)
            assert len(report.selected) == 5 and report.sources.keys() == {"leaderboard"}
            for bad, name in [({"sources": ["tape"]}, "since"),
                              ({"sources": ["trades"]}, "since"),
                              ({"sources": ["ledger"]}, "sources"),
                              ({"sources": ["chain"], "since": "2026-05-01"}, "rpc_url"),
                              ({"sources": ["holders"]}, "holders")]:
                with pytest.raises(InvalidArgument) as caught:
                    pr.discover(**bad)
                assert caught.value.name == name
        urls = ["--store", dsn, "--goldsky-url", server.url, "--gamma-url", server.url,
                "--data-api-url", server.url, "--data-rate-limit", "none"]
        event = json.loads((world / "events.jsonl").read_text().splitlines()[0])["slug"]
        result = runner.invoke(app, ["discover", "--holders", event, "--source", "leaderboard",
                                     "--leaderboard-max-offset", "0", "--out",
                                     str(tmp_path / "list.txt"), *urls])
        assert result.exit_code == 0, result.output
        assert "leaderboard:" in result.output and "holders:" in result.output
        bad = runner.invoke(app, ["discover", "--source", "trades", *urls])
        assert isinstance(bad.exception, InvalidArgument) and bad.exception.name == "since"
    lines = (tmp_path / "list.txt").read_text().splitlines()
    assert lines[0].startswith("# polyrank discover: leaderboard, holders") and len(lines) > 50
