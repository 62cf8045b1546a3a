"""The `polyrank` commands that load the store: ingest, discover, pipeline, refresh and
catalogue sync (cli.py registers them; the same thin layer over the front door)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from polyrank.cli_context import open_front_door
from polyrank.cli_options import (
    BATCH_PAGES,
    BATCH_WALLETS,
    DATA_API_RATE,
    GOLDSKY_RATE,
    RPC_RATE,
    WORKERS,
    ActivitiesOpt,
    ChainV1Opt,
    DataApiOpt,
    DataApiUrlOpt,
    DataRateLimitOpt,
    GammaOpt,
    GoldskyOpt,
    MaxTradesOpt,
    RateLimitOpt,
    RegistryWalletsOpt,
    RpcMaxSpanOpt,
    RpcRateLimitOpt,
    RpcUrlOpt,
    RuntimeOpt,
    SinceOpt,
    StoreOpt,
    StrictOpt,
    WalletsOpt,
    WorkersOpt,
)
from polyrank.cli_report import (
    err,
    out,
    print_discover,
    print_ingest,
    print_pipeline,
    print_refresh,
    print_round,
)
from polyrank.errors import InvalidArgument


def register(app: typer.Typer, catalogue_app: typer.Typer) -> None:
    """Add the loading commands to the `polyrank` command and its `catalogue` group."""
    app.command("discover")(discover_cmd)
    app.command()(ingest)
    app.command()(pipeline)
    app.command()(refresh)
    catalogue_app.command("sync")(catalogue_sync)


def wallet_list(path: Path, strict: bool):
    """Read a wallet list, reporting skipped lines and duplicates on stderr."""
    from polyrank.ingest.wallets import read_wallet_list

    listed = read_wallet_list(path, strict=strict)
    for bad in listed.bad:
        err.print(f"[yellow]skipped[/yellow] {path} {bad}", highlight=False)
    if listed.duplicates:
        err.print(f"{listed.duplicates} duplicate address(es) ignored")
    return listed


def ingest(
    ctx: typer.Context,
    wallets: WalletsOpt,
    workers: WorkersOpt = WORKERS,
    max_trades: MaxTradesOpt = None,
    since: SinceOpt = None,
    strict: StrictOpt = False,
    shard: Annotated[str | None, typer.Option(
        help="K/N: load only shard K of N of the list (several processes on a server "
             "store).")] = None,
    batch_wallets: Annotated[int, typer.Option(
        help="Most wallets fetched together per request (maker_in); 1 = one per wallet.")
    ] = BATCH_WALLETS,
    batch_pages: Annotated[int, typer.Option(
        help="Pages of rows a batch aims at, sized from what is known of its wallets (the "
             "store's fills, the registry's, or what the run measures); 0 = fixed batches of "
             "--batch-wallets wallets.")] = BATCH_PAGES,
    rate_limit: RateLimitOpt = GOLDSKY_RATE,
    data_api: DataApiOpt = True,
    activities: ActivitiesOpt = True,
    data_rate_limit: DataRateLimitOpt = DATA_API_RATE,
    refresh: Annotated[bool, typer.Option(
        help="Fetch wallets already done again (adds only new fills).")] = False,
    rpc_url: RpcUrlOpt = None,
    rpc_rate_limit: RpcRateLimitOpt = RPC_RATE,
    rpc_max_span: RpcMaxSpanOpt = None,
    chain_v1: ChainV1Opt = False,
    goldsky_url: GoldskyOpt = None,
    data_api_url: DataApiUrlOpt = None,
    store: StoreOpt = None,
    runtime_dir: RuntimeOpt = None,
) -> None:
    """Load every listed wallet's fills into the store.

    Only rows where the wallet is the maker; parallel, resumable, rate-limit aware. Kill it
    and run it again: it resumes, nothing lost, nothing doubled."""
    from polyrank.ingest.wallets import shard as take_shard

    chosen = take_shard(wallet_list(wallets, strict).wallets, shard, "--shard")
    options = ingest_options(workers, rate_limit, data_api, data_rate_limit,
                              max_trades=max_trades, since=since,
                              batch_wallets=batch_wallets, batch_pages=batch_pages or None,
                              refresh=refresh,
                              activities=activities, rpc=(rpc_rate_limit, rpc_max_span, chain_v1))
    with open_front_door(ctx, store_dsn=store, goldsky_url=goldsky_url, data_api_url=data_api_url,
               rpc_url=rpc_url, runtime_dir=runtime_dir) as pr:
        report = pr.ingest(chosen, options=options)
    print_ingest(report)
    if report.failed:
        raise typer.Exit(2)


def discover_cmd(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(
        help="Start of the period to sweep (YYYY-MM-DD, ISO time or unix s); needed by the "
             "tape and trades sources.")] = None,
    until: Annotated[str | None, typer.Option(
        help="End of the period (exclusive); default now.")] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="A source of wallets, repeatable: tape (orderbook subgraph, V1 era), "
                         "trades (Data API latest trades, V2 era), leaderboard (the official "
                         "board), holders (of --holders), chain (the exchanges' logs, both "
                         "eras; needs --rpc-url). Default tape.")] = None,
    holders: Annotated[list[str] | None, typer.Option(
        "--holders", help="A market (condition id) or event (Gamma id or slug) whose top "
                          "holders to add, repeatable; implies --source holders.")] = None,
    leaderboard_max_offset: Annotated[int | None, typer.Option(
        min=0, help="Largest offset asked of each leaderboard listing (the real API stops "
                    "near 1000).")] = None,
    min_fills: Annotated[int, typer.Option(min=0, help="Keep wallets with this many fills.")] = 1,
    min_volume: Annotated[float, typer.Option(
        min=0.0, help="Keep wallets with this much volume (USDC).")] = 0.0,
    active_since: Annotated[str | None, typer.Option(
        help="Keep wallets whose last fill is at or after this time.")] = None,
    limit: Annotated[int | None, typer.Option(
        min=1, help="At most this many wallets, the most active first (a first try).")] = None,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write the selected wallets here, one a line (for --wallets).")] = None,
    data_rate_limit: Annotated[str, typer.Option(
        help="Client-side Data API limit: N/SECONDS or none (the leaderboard documents "
             "100/10).")] = "100/10",
    goldsky_url: GoldskyOpt = None,
    gamma_url: GammaOpt = None,
    data_api_url: DataApiUrlOpt = None,
    rpc_url: RpcUrlOpt = None,
    rpc_rate_limit: RpcRateLimitOpt = RPC_RATE,
    rpc_max_span: RpcMaxSpanOpt = None,
    store: StoreOpt = None,
) -> None:
    """Find wallets to rank: sweep sources into the wallet registry.

    tape: every maker of the orderbook subgraph's fills in the period, one UTC day at a time
    (resumable: days already swept are skipped), with its fills, volume and first and last
    fill. trades: the same from the Data API's latest trades (V2 era), as far back as its
    offset cap reaches. leaderboard: everyone on the official board, with their names.
    holders: the top holders of chosen markets or events. Then the wallets that pass the
    filters (wallets found without fills always pass), the most active first."""
    from polyrank.ingest.report import parse_rate, parse_time

    with open_front_door(ctx, store_dsn=store, goldsky_url=goldsky_url, gamma_url=gamma_url,
               data_api_url=data_api_url, rpc_url=rpc_url) as pr:
        report = pr.discover(since=parse_time(since, "--since") if since else None,
                             until=parse_time(until, "--until") if until else None,
                             sources=tuple(source) if source else None,
                             holders=tuple(holders or ()),
                             leaderboard_max_offset=leaderboard_max_offset,
                             data_limit=data_rate_limit,
                             rpc_limit=parse_rate(rpc_rate_limit, "--rpc-rate-limit"),
                             rpc_max_span=rpc_max_span,
                             min_fills=min_fills, min_volume=min_volume,
                             active_since=parse_time(active_since, "--active-since")
                             if active_since else None, limit=limit, out=out_file)
    print_discover(report)


def pipeline(
    ctx: typer.Context,
    wallets: RegistryWalletsOpt = None,
    workers: WorkersOpt = WORKERS,
    max_trades: MaxTradesOpt = None,
    since: SinceOpt = None,
    strict: StrictOpt = False,
    auto: Annotated[bool, typer.Option(
        "--auto/--no-auto", help="Run enrich and metrics when the ingest finishes.")] = True,
    sync: Annotated[bool, typer.Option(
        "--sync/--no-sync", help="Sync the Gamma catalogue first.")] = True,
    rate_limit: RateLimitOpt = GOLDSKY_RATE,
    data_api: DataApiOpt = True,
    activities: ActivitiesOpt = True,
    data_rate_limit: DataRateLimitOpt = DATA_API_RATE,
    rpc_url: RpcUrlOpt = None,
    rpc_rate_limit: RpcRateLimitOpt = RPC_RATE,
    rpc_max_span: RpcMaxSpanOpt = None,
    chain_v1: ChainV1Opt = False,
    goldsky_url: GoldskyOpt = None,
    gamma_url: GammaOpt = None,
    data_api_url: DataApiUrlOpt = None,
    store: StoreOpt = None,
    runtime_dir: RuntimeOpt = None,
) -> None:
    """Run catalogue sync, ingest, enrich and metrics in one command.

    Resumable like ingest: run it again after a crash. Without --wallets, the wallets of
    the store's registry (`polyrank discover`)."""
    listed = wallet_list(wallets, strict).wallets if wallets else None
    options = ingest_options(workers, rate_limit, data_api, data_rate_limit,
                              max_trades=max_trades, since=since, activities=activities,
                              rpc=(rpc_rate_limit, rpc_max_span, chain_v1))
    with open_front_door(ctx, store_dsn=store, goldsky_url=goldsky_url, gamma_url=gamma_url,
               data_api_url=data_api_url, rpc_url=rpc_url, runtime_dir=runtime_dir) as pr:
        report = pr.run_pipeline(listed, options=options, sync=sync, auto=auto)
    print_pipeline(report)
    if report.ingest.failed:
        raise typer.Exit(2)


def refresh(
    ctx: typer.Context,
    discover_since: Annotated[str | None, typer.Option(
        "--discover-since", help="Also discover new wallets on the tape from this date "
                                 "(days already swept are skipped).")] = None,
    every: Annotated[str | None, typer.Option(
        help="Refresh again every interval (e.g. 15m, 1h) until Ctrl-C; a failed round is "
             "reported and retried next round.")] = None,
    rounds: Annotated[int | None, typer.Option(
        help="With --every: stop after N rounds.")] = None,
    serve_api: Annotated[bool, typer.Option(
        "--serve/--no-serve", help="With --every: serve the page and the API meanwhile "
                                   "(readers keep the last complete run).")] = False,
    host: Annotated[str, typer.Option(help="--serve: address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="--serve: port; 0 picks a free one.")] = 8000,
    full_catalogue: Annotated[bool, typer.Option(
        "--full-catalogue", help="Read the whole Gamma catalogue, not only what can have "
                                 "changed (e.g. once a day).")] = False,
    workers: WorkersOpt = WORKERS,
    rate_limit: RateLimitOpt = GOLDSKY_RATE,
    data_api: DataApiOpt = True,
    activities: ActivitiesOpt = True,
    data_rate_limit: DataRateLimitOpt = DATA_API_RATE,
    rpc_url: RpcUrlOpt = None,
    rpc_rate_limit: RpcRateLimitOpt = RPC_RATE,
    rpc_max_span: RpcMaxSpanOpt = None,
    chain_v1: ChainV1Opt = False,
    goldsky_url: GoldskyOpt = None,
    gamma_url: GammaOpt = None,
    data_api_url: DataApiUrlOpt = None,
    store: StoreOpt = None,
    runtime_dir: RuntimeOpt = None,
) -> None:
    """Bring the store up to date: new fills, catalogue changes, metrics.

    Loads every known wallet only from its own cursor, syncs what changed in the catalogue,
    and computes a new metrics run only when something changed. Resumable and idempotent."""
    from polyrank.ingest.report import parse_time
    from polyrank.session import parse_interval

    if rounds is not None and rounds < 1:
        raise InvalidArgument("rounds", f"--rounds must be at least 1, got {rounds}")
    if (rounds is not None or serve_api) and every is None:
        raise InvalidArgument("every", "--rounds and --serve go with --every")
    options = ingest_options(workers, rate_limit, data_api, data_rate_limit,
                              activities=activities, rpc=(rpc_rate_limit, rpc_max_span, chain_v1))
    kwargs = {"discover_since": parse_time(discover_since, "--discover-since")
              if discover_since else None, "full_catalogue": full_catalogue,
              "options": options}
    with open_front_door(ctx, store_dsn=store, goldsky_url=goldsky_url, gamma_url=gamma_url,
               data_api_url=data_api_url, rpc_url=rpc_url, runtime_dir=runtime_dir) as pr:
        if every is None:
            report = pr.refresh(**kwargs)
            print_refresh(report)
            if report.ingest.failed:
                raise typer.Exit(2)
            return
        interval = parse_interval(every)
        with (pr.serve(host=host, port=port) if serve_api else nullcontext()) as srv:
            if srv is not None:
                err.print(f"serving {pr.store.target.describe()} on {srv.url} while "
                          "refreshing", highlight=False)
            err.print(f"refreshing every {every} (Ctrl-C stops)", highlight=False)
            pr.refresh_every(interval, rounds=rounds, on_round=print_round, **kwargs)


def ingest_options(workers: int, rate_limit: str, data_api: bool, data_rate_limit: str, *,
                    since: str | None = None,
                    rpc: tuple[str, int | None, bool] = (RPC_RATE, None, False), **rest):
    """The IngestOptions of `ingest`, `pipeline`, `refresh` and `serve --pipeline` from their
    flags; `rpc` = (--rpc-rate-limit, --rpc-max-span, --chain-v1)."""
    from polyrank.ingest.options import IngestOptions
    from polyrank.ingest.report import parse_rate, parse_time

    rpc_rate, rpc_max_span, chain_v1 = rpc
    return IngestOptions(workers=workers, since=parse_time(since, "--since"),
                         goldsky_limit=parse_rate(rate_limit, "--rate-limit"), data_api=data_api,
                         data_limit=parse_rate(data_rate_limit, "--data-rate-limit"),
                         rpc_limit=parse_rate(rpc_rate, "--rpc-rate-limit"),
                         rpc_max_span=rpc_max_span, chain_v1=chain_v1, **rest)


def catalogue_sync(
    ctx: typer.Context,
    gamma_url: GammaOpt = None,
    goldsky_url: GoldskyOpt = None,
    store: StoreOpt = None,
) -> None:
    """Load Gamma's events, markets and tags into the store.

    Open and closed, incrementally, with payouts from the pnl-subgraph where available."""
    with open_front_door(ctx, store_dsn=store, gamma_url=gamma_url, goldsky_url=goldsky_url) as pr:
        report = pr.sync_catalogue()
    out.print(f"catalogue: {report.events_seen} events ({report.events_written} written), "
              f"{report.markets_seen} markets ({report.markets_written} written, "
              f"{report.resolved_markets} resolved, {report.payouts_from_subgraph} payouts "
              f"from the pnl-subgraph), {report.requests} requests in {report.seconds:.1f} s")
    for note in report.notes:
        err.print(f"[yellow]note[/yellow] {note}", highlight=False)
