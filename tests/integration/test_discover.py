"""Discovery from the trade tape against the replay over a generated world: the registry
holds exactly the world's makers of the period, with their fills and volume; the sticky
timestamp cursor loses and doubles no fill; a resumed or repeated sweep doubles nothing."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import aiohttp
import pyarrow.parquet as pq
import pytest

from polyrank.discover.run import DAY, DiscoverOptions, discover
from polyrank.discover.tape import Tape
from polyrank.errors import InvalidArgument
from polyrank.settings import ORDERBOOK_SUBGRAPH
from polyrank.sim.replay import FaultConfig, ReplayServer
from polyrank.sim.world import WorldParams, generate_world
from polyrank.store import Store
from polyrank.upstream.http import Http
from polyrank.upstream.retry import FailureStreak
from tests.ingest_support import FAST_RETRY, settings_for


def ts(day: str) -> int:
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())


SINCE, MIDDLE, UNTIL = ts("2025-09-01"), ts("2025-10-15"), ts("2025-12-01")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("discover") / "world"
    generate_world(out, WorldParams(seed=9, wallets=150, markets=40, start="2025-06-01",
                                    end="2026-03-01"))
    return out


def world_makers(world, start, end) -> dict[str, tuple[int, float, int, int]]:
    """maker -> (fills, volume in USDC, first, last) of the world's fills in [start, end)."""
    rows = pq.read_table(world / "fills.parquet", columns=[
        "maker", "timestamp", "side", "maker_amount_filled", "taker_amount_filled"]).to_pylist()
    out: dict[str, list] = {}
    for r in rows:
        if start <= r["timestamp"] < end:
            usdc = r["maker_amount_filled"] if r["side"] == 0 else r["taker_amount_filled"]
            e = out.setdefault(r["maker"], [0, 0, r["timestamp"], r["timestamp"]])
            e[0] += 1
            e[1] += usdc
            e[2], e[3] = min(e[2], r["timestamp"]), max(e[3], r["timestamp"])
    return {w: (n, v / 1e6, a, b) for w, (n, v, a, b) in out.items()}


def registry(dsn: str) -> dict[str, tuple[int, float, int, int]]:
    with Store.open(dsn) as store:
        rows = store.rows("SELECT address, fills, volume, first_seen, last_seen "
                          "FROM wallet_registry")
    return {a: (n, v, f, la) for a, n, v, f, la in rows}


def run(server, dsn, root, options):
    settings = settings_for(server.url, dsn, root / "rt")
    with Store.open(dsn) as store:
        return asyncio.run(discover(settings, store, options, policy=FAST_RETRY,
                                    out=root / "wallets.txt"))


def test_the_sticky_cursor_reads_every_fill_once_with_tiny_pages(world, tmp_path):
    """Pages of 3 rows: many end inside a second shared by several fills of one match."""
    want = Counter(r["id"] for r in pq.read_table(world / "fills.parquet").to_pylist()
                   if SINCE <= r["timestamp"] < SINCE + 20 * DAY)
    server_root = tmp_path

    async def main():
        async with aiohttp.ClientSession() as session:
            http = Http(session, policy=FAST_RETRY)
            url = settings_for(server.url, "", server_root).subgraph_url(ORDERBOOK_SUBGRAPH)
            tape = Tape(http, url, page=3)
            got = Counter()
            async for fills in tape.fills(SINCE, SINCE + 20 * DAY, FailureStreak(FAST_RETRY)):
                got.update(f.id for f in fills)
            return got, tape.requests

    with ReplayServer(world, faults=FaultConfig(fault_seed=2, error_rate=0.2)) as server:
        got, requests = asyncio.run(main())
    assert got == want and len(want) > 100 and requests > len(want) // 3


def test_the_registry_is_the_worlds_makers_of_the_period_under_faults(world, tmp_path):
    dsn = f"chdb://{tmp_path / 'store'}"
    want = world_makers(world, SINCE, UNTIL)
    faults = FaultConfig(fault_seed=7, error_rate=0.2, malformed_rate=0.05)
    with ReplayServer(world, faults=faults) as server:
        first = run(server, dsn, tmp_path, DiscoverOptions(since=SINCE, until=MIDDLE))
        second = run(server, dsn, tmp_path, DiscoverOptions(since=SINCE, until=UNTIL,
                                                            min_fills=5))
        assert server.stats()["faults"]
    assert first.days == (MIDDLE - SINCE) // DAY and first.days_already == 0
    # resumed: the days of the first run are not swept again
    assert second.days == (UNTIL - SINCE) // DAY and second.days_already == first.days
    got = registry(dsn)
    assert set(got) == set(want) and len(want) > 50
    for wallet, (n, volume, first_ts, last_ts) in want.items():
        assert got[wallet][0] == n and got[wallet][2:] == (first_ts, last_ts)
        assert got[wallet][1] == pytest.approx(volume, abs=1e-6)
    selected = {w for w, v in want.items() if v[0] >= 5}
    assert set(second.selected) == selected and second.registry == len(want)
    counts = [want[w][0] for w in second.selected]
    assert counts == sorted(counts, reverse=True)   # the most active first
    lines = (tmp_path / "wallets.txt").read_text().splitlines()
    assert lines[0].startswith("# polyrank discover") and lines[1:] == second.selected


def test_front_door_and_cli_filters_limit_and_bad_input(world, tmp_path):
    from typer.testing import CliRunner

    import polyrank
    from polyrank.cli import app

    dsn = f"chdb://{tmp_path / 'store'}"
    want = world_makers(world, SINCE, SINCE + 7 * DAY)
    with ReplayServer(world) as server:
        settings = settings_for(server.url, dsn, tmp_path / "rt")
        with polyrank.open(settings=settings) as pr:
            report = pr.discover(since="2025-09-01", until="2025-09-08", limit=3)
            with pytest.raises(InvalidArgument, match=r"the period is empty: it starts "
                               r"2025-09-08 00:00:00 UTC, no earlier than it ends "
                               r"\(2025-09-01 00:00:00 UTC\)"):
                pr.discover(since="2025-09-08", until="2025-09-01")
        assert report.selected == sorted(want, key=lambda w: (-want[w][0], w))[:3]
        result = CliRunner().invoke(app, [
            "discover", "--since", "2025-09-01", "--until", "2025-09-08", "--min-volume",
            "100", "--out", str(tmp_path / "list.txt"), "--store", dsn, "--goldsky-url",
            server.url])
    assert result.exit_code == 0, result.output
    assert "7 days (6 already swept)" in result.output
    listed = (tmp_path / "list.txt").read_text().splitlines()[1:]
    assert set(listed) == {w for w, v in want.items() if v[1] >= 100}


def test_pipeline_without_wallets_loads_the_registry(world, tmp_path):
    from typer.testing import CliRunner

    from polyrank.cli import app

    dsn = f"chdb://{tmp_path / 'store'}"
    runner = CliRunner()
    with ReplayServer(world) as server:
        urls = ["--goldsky-url", server.url, "--gamma-url", server.url, "--data-api-url",
                server.url, "--store", dsn, "--runtime-dir", str(tmp_path / "rt")]
        empty = runner.invoke(app, ["pipeline", "--no-auto", *urls])
        assert isinstance(empty.exception, InvalidArgument)   # the CLI prints it as one line
        assert "registry is empty: run `polyrank discover` first" in str(empty.exception)
        found = runner.invoke(app, ["discover", "--since", "2025-09-01", "--until",
                                    "2025-09-04", "--store", dsn, "--goldsky-url", server.url])
        assert found.exit_code == 0, found.output
        loaded = runner.invoke(app, ["pipeline", "--no-auto", "--rate-limit", "none", *urls])
    assert loaded.exit_code == 0, loaded.output
    want = set(world_makers(world, SINCE, SINCE + 3 * DAY))
    with Store.open(dsn) as store:
        wallets = {r[0] for r in store.rows("SELECT DISTINCT wallet FROM ingest_wallets")}
    assert wallets == want and want
    import polyrank

    status = polyrank.pipeline_status(store_dsn=dsn)
    assert status.registry_wallets == len(want)
    assert [(r["source"], r["wallets"]) for r in status.registry] == [("tape", len(want))]
    assert status.as_json()["registry_wallets"] == len(want)


def test_days_past_the_subgraphs_head_are_swept_again_once_it_moves_on(world, tmp_path):
    """The replay's clock at mid-period: days after it are swept but not marked (nothing
    was there yet); once the clock moves on, the next run sweeps them and the registry is
    the world's makers of the whole period."""
    dsn = f"chdb://{tmp_path / 'store'}"
    with ReplayServer(world, clock=MIDDLE + DAY // 2) as server:
        first = run(server, dsn, tmp_path, DiscoverOptions(since=SINCE, until=UNTIL))
        assert registry(dsn).keys() == world_makers(world, SINCE, MIDDLE + DAY // 2).keys()
        server.set_clock(UNTIL + DAY)
        second = run(server, dsn, tmp_path, DiscoverOptions(since=SINCE, until=UNTIL))
    assert first.days_already == 0
    assert second.days_already == (MIDDLE - SINCE) // DAY   # the days over at the first run
    assert registry(dsn).keys() == world_makers(world, SINCE, UNTIL).keys()
