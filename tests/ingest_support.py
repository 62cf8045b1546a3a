"""Helpers for ingest tests: run an ingest in-process, and compare a store with a world."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from polyrank.ingest.options import IngestOptions
from polyrank.ingest.run import Ingest, IngestReport
from polyrank.settings import Settings
from polyrank.store import Store
from polyrank.upstream.retry import RetryPolicy

# real waiting, scaled down: tests must not sleep for seconds
FAST_RETRY = RetryPolicy(retries=5, base_delay_s=0.01, jitter_s=0.01, max_delay_s=1.5,
                         pause_after_failures=5, pause_s=0.05)


def settings_for(url: str, store_dsn: str, runtime: Path) -> Settings:
    return Settings(store_dsn=store_dsn, runtime_dir=runtime, goldsky_url=url, gamma_url=url,
                    data_api_url=url, http_timeout_s=10.0)


def run_ingest(settings: Settings, wallets, **options) -> IngestReport:
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("goldsky_limit", None)
    options.setdefault("publish_every_s", 0.2)
    with Store.open(settings.store_dsn) as store:
        job = Ingest(settings, store, IngestOptions(**options))
        return asyncio.run(job.run(tuple(wallets)))


def world_v1_fills(world_dir: Path) -> dict[str, set[str]]:
    """The fills the orderbook subgraph serves (V1), per maker."""
    table = pq.read_table(world_dir / "fills.parquet", columns=["id", "maker", "version"])
    table = table.filter(pc.equal(table["version"], 1))
    out: dict[str, set[str]] = defaultdict(set)
    for fill_id, maker in zip(table["id"].to_pylist(), table["maker"].to_pylist(), strict=True):
        out[maker].add(fill_id)
    return out


def fill_key(version: int, fill_id: str, tx: str, token: str, side: str, shares: int,
             usdc: int) -> tuple:
    """What identifies a loaded fill: V1 fills by their subgraph id; V2 fills (Data API rows,
    whose ids polyrank derives) by what the Data API tells about them."""
    if version == 1:
        return (1, fill_id)
    return (2, tx, token, side, int(shares), int(usdc))


def world_fills(world_dir: Path, *, v2: bool = True, since: int = 0) -> dict[str, Counter]:
    """Every fill the two sources serve (V1 from the subgraph, V2 from the Data API), per
    maker, as a multiset of `fill_key`s."""
    table = pq.read_table(world_dir / "fills.parquet")
    out: dict[str, Counter] = defaultdict(Counter)
    for r in table.to_pylist():
        if (r["version"] == 2 and not v2) or r["timestamp"] < since:
            continue
        buy = r["side"] == 0
        shares, usdc = ((r["taker_amount_filled"], r["maker_amount_filled"]) if buy
                        else (r["maker_amount_filled"], r["taker_amount_filled"]))
        out[r["maker"]][fill_key(r["version"], r["id"], r["transaction_hash"], r["token_id"],
                                 "BUY" if buy else "SELL", shares, usdc)] += 1
    return dict(out)


def store_fill_keys(store_dsn: str) -> tuple[dict[str, Counter], int, int]:
    """(fills per maker as `fill_key` multisets, raw row count, distinct ids) — raw, without
    FINAL, so a doubled row shows. Checks each row's version against its source."""
    with Store.open(store_dsn) as store:
        rows = store.rows("SELECT maker, exchange_version, source, id, transaction_hash, "
                          "token_id, toString(side), shares, usdc, fee, order_hash FROM fills")
        count, distinct = store.rows("SELECT count(), uniqExact(id) FROM fills")[0]
    out: dict[str, Counter] = defaultdict(Counter)
    for maker, version, source, fill_id, tx, token, side, shares, usdc, fee, order in rows:
        assert (version, source) in ((1, "goldsky"), (2, "data_api")), (version, source)
        if version == 2:  # no fee information, no order hash: never invented
            assert fee == 0 and order == "" and fill_id.startswith(tx + "_0x"), fill_id
        out[maker][fill_key(version, fill_id, tx, token, side, shares, usdc)] += 1
    return dict(out), count, distinct


def world_rows(world_dir: Path) -> list[dict]:
    table = pq.read_table(world_dir / "fills.parquet")
    return table.filter(pc.equal(table["version"], 1)).to_pylist()


def store_fills(store_dsn: str) -> tuple[dict[str, set[str]], int, int]:
    """(fills per maker, raw row count, distinct ids) — raw, without FINAL."""
    with Store.open(store_dsn) as store:
        rows = store.rows("SELECT maker, id FROM fills")
        count, distinct = store.rows("SELECT count(), uniqExact(id) FROM fills")[0]
    out: dict[str, set[str]] = defaultdict(set)
    for maker, fill_id in rows:
        out[maker].add(fill_id)
    return out, count, distinct


def wallet_states(store_dsn: str) -> dict[str, tuple]:
    with Store.open(store_dsn) as store:
        rows = store.rows("SELECT wallet, argMax(status, updated_at), "
                          "argMax(truncated, updated_at), argMax(fills_fetched, updated_at), "
                          "argMax(error, updated_at), argMax(v2_fills, updated_at), "
                          "argMax(v2_fills_without_fee, updated_at), "
                          "argMax(v2_source, updated_at) FROM ingest_wallets GROUP BY wallet")
    return {r[0]: r[1:] for r in rows}
