"""Option types and help texts shared by the `polyrank` commands (see cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from polyrank.ingest.options import (
    DEFAULT_BATCH_PAGES,
    DEFAULT_BATCH_WALLETS,
    DEFAULT_DATA_API_LIMIT,
    DEFAULT_GOLDSKY_LIMIT,
    DEFAULT_RPC_LIMIT,
    DEFAULT_WORKERS,
)


def rate_text(limit: tuple[int, float] | None) -> str:
    """A rate limit as the flags spell it: (50, 10.0) -> "50/10"; None -> "none"."""
    if limit is None:
        return "none"
    return f"{limit[0]}/{limit[1]:g}"


# the CLI's defaults are the library's
WORKERS = DEFAULT_WORKERS
BATCH_WALLETS = DEFAULT_BATCH_WALLETS
BATCH_PAGES = DEFAULT_BATCH_PAGES
GOLDSKY_RATE = rate_text(DEFAULT_GOLDSKY_LIMIT)
DATA_API_RATE = rate_text(DEFAULT_DATA_API_LIMIT)
RPC_RATE = rate_text(DEFAULT_RPC_LIMIT)

StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="Store DSN: chdb:///path (embedded, default ./data/polyrank) or "
                    "clickhouse://host:8123/db. Env: POLYRANK_STORE_DSN.")]


GoldskyOpt = Annotated[str | None, typer.Option(
    "--goldsky-url", help="Goldsky base URL (default the real host; e.g. a replay server). "
                          "Env: POLYRANK_GOLDSKY_URL.")]
GammaOpt = Annotated[str | None, typer.Option(
    "--gamma-url", help="Gamma base URL. Env: POLYRANK_GAMMA_URL.")]
WalletsOpt = Annotated[Path, typer.Option(
    "--wallets", help="Wallet list: one address per line, # comments allowed.")]
RegistryWalletsOpt = Annotated[Path | None, typer.Option(
    "--wallets", help="Wallet list: one address per line, # comments allowed. Default: the "
                      "store's wallet registry (filled by `polyrank discover`).")]
WorkersOpt = Annotated[int, typer.Option(help="Concurrent fetchers.")]
MaxTradesOpt = Annotated[int | None, typer.Option(
    help="Keep only each wallet's N most recent fills; capped wallets are recorded as "
         "truncated. Default: full history.")]
SinceOpt = Annotated[str | None, typer.Option(
    help="Only fills at or after this date (YYYY-MM-DD, ISO time or unix s).")]
StrictOpt = Annotated[bool, typer.Option(
    help="Refuse the whole list if any line is not a wallet address.")]
RateLimitOpt = Annotated[str, typer.Option(
    help="Client-side Goldsky limit shared by all workers: N/SECONDS or none.")]
DataApiUrlOpt = Annotated[str | None, typer.Option(
    "--data-api-url", help="Data API base URL, the source of fills after the V2 migration "
                           "(2026-04-28). Env: POLYRANK_DATA_API_URL.")]
DataApiOpt = Annotated[bool, typer.Option(
    "--data-api/--no-data-api", help="Also load each wallet's fills from the V2 migration "
                                     "(2026-04-28) on from the Data API, one wallet at a time; "
                                     "--no-data-api loads the orderbook subgraph's history "
                                     "only.")]
ActivitiesOpt = Annotated[bool, typer.Option(
    "--activities/--no-activities", help="Also load splits, merges, redemptions and "
                                         "conversions (activity subgraph before the V2 "
                                         "migration, Data API after it); --no-activities loads "
                                         "fills only.")]
DataRateLimitOpt = Annotated[str, typer.Option(
    help="Client-side Data API limit shared by all workers: N/SECONDS or none (the host "
         "documents 1000/10).")]
RuntimeOpt = Annotated[Path | None, typer.Option(
    "--runtime-dir", help="Where worker checkpoints, logs and status.json go "
                          "(default ./runtime). Env: POLYRANK_RUNTIME_DIR.")]
RpcUrlOpt = Annotated[str | None, typer.Option(
    "--rpc-url", help="A Polygon JSON-RPC endpoint (any provider): fills from the V2 migration "
                      "on come from the chain's logs, with their fees, and so do activities; "
                      "the Data API is not used for them. Env: POLYRANK_RPC_URL.")]
RpcRateLimitOpt = Annotated[str, typer.Option(
    help="Client-side JSON-RPC limit shared by all workers: N/SECONDS or none.")]
RpcMaxSpanOpt = Annotated[int | None, typer.Option(
    min=1, help="The provider's eth_getLogs block-range cap, when known (e.g. 10000); "
                "default: learned from its refusals.")]
ChainV1Opt = Annotated[bool, typer.Option(
    "--chain-v1", help="With --rpc-url: read the V1 era (before 2026-04-28) from the chain "
                       "too, instead of the Goldsky subgraphs.")]
