"""Ready to shard (docs/scaling.md): a world's wallets split into 3 shards, each its own store
holding only its wallets' fills and activities (and the whole catalogue), computed as a
cluster sharded by wallet would compute them, give every wallet the rows a single store
gives it; the leaderboard merged from the shards' tops is the single store's.

The cluster is played by stores and files: what a Distributed table would read from every
shard is each shard's rows written to Parquet and read into a fourth store, the coordinator;
what a replicated table would hold on every shard is the coordinator's rows read into each.
A run's steps go where docs/scaling.md says: TAPE_STEPS on the coordinator over every shard's
trades, SHARD_STEPS and WALLET_STEPS on each shard alone, BOARD_STEPS on the coordinator over
every shard's rows (their results routed back to the shard of each wallet)."""

from __future__ import annotations

import pytest

from polyrank.enrich.trades import enrich
from polyrank.ingest.wallets import shard
from polyrank.metrics.config import MetricsConfig
from polyrank.metrics.run import (
    BOARD_STEPS,
    SHARD_STEPS,
    TAPE_STEPS,
    WALLET_STEPS,
    publish_run,
    run_steps,
)
from polyrank.results.boards import leaderboard
from polyrank.store import Store
from tests.metrics_support import (
    CATALOGUE,
    WALLET_INPUTS,
    _same,
    differences,
    export_rows,
    import_rows,
    keyed_rows,
)

SHARDS = 3
RUN = "sharded-run"
CURRENT = "run_id = (SELECT argMax(value, updated_at) FROM pipeline_state WHERE key = " \
          "'metrics_run')"


@pytest.fixture(scope="module")
def cluster(loaded, tmp_path_factory):
    """(single store DSN, shard DSNs, coordinator DSN, wallets per shard), every run done."""
    _, single = loaded
    root = tmp_path_factory.mktemp("shards")
    files = root / "files"
    files.mkdir()
    with Store.open(single) as store:
        wallets = tuple(w for (w,) in store.rows("SELECT wallet FROM ingest_wallets FINAL"))
        as_of = store.scalar(f"SELECT as_of FROM metrics_runs WHERE {CURRENT}")
        parts = [shard(wallets, f"{k + 1}/{SHARDS}") for k in range(SHARDS)]
        for k, part in enumerate(parts):  # what loading shard k would have written
            for table, column in WALLET_INPUTS.items():
                export_rows(store, files / f"{table}-{k}.parquet",
                        f"SELECT * FROM {table} WHERE {column} IN {{w:Array(String)}}",
                        {"w": list(part)})
        for table in CATALOGUE:
            export_rows(store, files / f"{table}.parquet", f"SELECT * FROM {table}")
    shards = [f"chdb://{root / f'shard-{k}'}" for k in range(SHARDS)]
    coordinator = f"chdb://{root / 'coordinator'}"
    config = MetricsConfig()
    for k, dsn in enumerate(shards):
        with Store.open(dsn) as store:
            for table in WALLET_INPUTS:
                import_rows(store, table, files / f"{table}-{k}.parquet")
            for table in CATALOGUE:
                import_rows(store, table, files / f"{table}.parquet")
            enrich(store)
            for table in ("trade_rows", "trade_tokens"):
                export_rows(store, files / f"{table}-{k}.parquet", f"SELECT * FROM {table}")
    with Store.open(coordinator) as store:  # the tape steps, over every shard's trades
        import_rows(store, "trade_rows",
                    *(files / f"trade_rows-{k}.parquet" for k in range(SHARDS)))
        # and the tokens' catalogue rows, replicated on a cluster: every shard's, each once
        store.command("INSERT INTO trade_tokens SELECT DISTINCT * FROM file({p:String}, Parquet)",
                      {"p": str(files / "trade_tokens-*.parquet")})
        run_steps(store, TAPE_STEPS, config, RUN, as_of)
        for table in ("token_prices", "token_curves"):
            export_rows(store, files / f"{table}.parquet", f"SELECT * FROM {table}")
    for k, dsn in enumerate(shards):  # each shard alone, with the replicated prices
        with Store.open(dsn) as store:
            for table in ("token_prices", "token_curves"):
                import_rows(store, table, files / f"{table}.parquet")
            run_steps(store, (*SHARD_STEPS, *WALLET_STEPS), config, RUN, as_of)
            for table in ("wallet_metric_rows", "position_rows", "bet_rows"):
                export_rows(store, files / f"{table}-{k}.parquet", f"SELECT * FROM {table}")
    with Store.open(coordinator) as store:  # the boards, over every shard's rows
        for table in ("wallet_metric_rows", "position_rows", "bet_rows"):
            import_rows(store, table, *(files / f"{table}-{k}.parquet" for k in range(SHARDS)))
        run_steps(store, BOARD_STEPS, config, RUN, as_of)
        for k, part in enumerate(parts):
            for table, wallet in (("specialists", "wallet"), ("run_sources", "wallet_key")):
                key = "cityHash64(w)" if wallet == "wallet_key" else "w"
                export_rows(store, files / f"{table}-{k}.parquet",
                            f"SELECT * FROM {table} WHERE {wallet} IN "
                            f"(SELECT arrayJoin(arrayMap(w -> {key}, {{w:Array(String)}})))",
                            {"w": list(part)})
        # each board's badge threshold: replicated on a cluster
        export_rows(store, files / "board_thresholds.parquet", "SELECT * FROM board_thresholds")
    for k, dsn in enumerate(shards):  # the boards' rows routed back to their shards
        with Store.open(dsn) as store:
            for table in ("specialists", "run_sources"):
                import_rows(store, table, files / f"{table}-{k}.parquet")
            import_rows(store, "board_thresholds", files / "board_thresholds.parquet")
            publish_run(store, RUN, as_of)
    return single, shards, coordinator, parts


def test_the_shards_split_the_wallets(cluster):
    _, _, _, parts = cluster
    assert all(len(p) > 100 for p in parts)
    assert sum(len(p) for p in parts) == len(set().union(*parts)) == 600


@pytest.mark.parametrize("table", ["positions", "bets"])
def test_every_wallets_positions_and_bets_on_its_shard_equal_the_single_stores(cluster, table):
    single, shards, _, _ = cluster
    with Store.open(single) as store:
        expected = keyed_rows(store, table, CURRENT)
    got: dict = {}
    for dsn in shards:
        with Store.open(dsn) as store:
            part = keyed_rows(store, table, CURRENT)
        assert part and not part.keys() & got.keys()
        got |= part
    assert len(expected) > 1000
    assert differences(expected, got) == []


@pytest.mark.parametrize("table", ["wallet_metrics", "specialists"])
def test_every_wallets_figures_and_badges_equal_the_single_stores(cluster, table):
    single, _, coordinator, _ = cluster
    with Store.open(single) as store:
        expected = keyed_rows(store, table, CURRENT)
    with Store.open(coordinator) as store:
        got = keyed_rows(store, table, "run_id = {r:String}", {"r": RUN})
    assert len(expected) > 1000
    if table == "wallet_metrics":
        assert sum(r["skilled"] for r in expected.values()) > 0  # the boards' decision is in
    assert differences(expected, got) == []


@pytest.mark.parametrize("board", [
    {}, {"window": "90d", "sort": "realized_pnl"}, {"sort": "edge_lb", "skilled": True},
    {"category": "sports", "min_bets": 1, "sort": "roi", "order": "asc"}])
def test_the_leaderboard_merged_from_the_shards_tops_is_the_single_stores(cluster, board):
    """Each shard answers its own top N; sorted together by the board's order (the sort key,
    nulls last, then realized P&L, then address) their first N are the single store's N."""
    single, shards, _, _ = cluster
    n = 25
    with Store.open(single) as store:
        expected = leaderboard(store, limit=n, **board).rows
    tops = []
    for dsn in shards:
        with Store.open(dsn) as store:
            tops += leaderboard(store, limit=n, **board).rows
    key = board.get("sort", "omega_score")
    sign = 1 if board.get("order") == "asc" else -1

    def order(row):
        value = row[key]
        return (value is None, 0 if value is None else sign * value, -row["realized_pnl"],
                row["wallet"])

    merged = sorted(tops, key=order)[:n]
    assert len(expected) == n or (board.get("skilled") and len(expected) > 3)
    assert [r["wallet"] for r in merged] == [r["wallet"] for r in expected]
    for got, want in zip(merged, expected, strict=True):
        assert all(want[c] == got[c] if isinstance(want[c], list) else _same(want[c], got[c])
                   for c in want if c != "rank"), got["wallet"]
