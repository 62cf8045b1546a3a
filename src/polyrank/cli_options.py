"""Option types and help texts shared by the `polyrank` commands (see cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
RuntimeOpt = Annotated[Path | None, typer.Option(
    "--runtime-dir", help="Where worker checkpoints, logs and status.json go "
                          "(default ./runtime). Env: POLYRANK_RUNTIME_DIR.")]


def fault_option_help(name: str) -> str:
    from polyrank.replay.faults import fault_help

    return fault_help()[name]


def world_option_help(name: str) -> str:
    from polyrank.world.params import param_help

    return param_help()[name]
