"""The `polyrank` command: thin Typer commands that parse, call the library, and render.
This is the only place that catches broadly: every PolyrankError becomes one clean message."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from polyrank import __version__
from polyrank.cli_options import (
    DataApiOpt,
    DataApiUrlOpt,
    DataRateLimitOpt,
    GammaOpt,
    GoldskyOpt,
    MaxTradesOpt,
    RateLimitOpt,
    RuntimeOpt,
    SinceOpt,
    StoreOpt,
    StrictOpt,
    WalletsOpt,
    WorkersOpt,
)
from polyrank.cli_report import err, out, print_enrich, print_metrics, print_pipeline
from polyrank.errors import ConfigError, PolyrankError
from polyrank.render import FORMATS, table_cells, to_csv, to_json
from polyrank.settings import Settings, settings_from_env

app = typer.Typer(help="Find the most skilled traders on Polymarket.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
catalogue_app = typer.Typer(help="The Gamma market catalogue in the store.",
                            no_args_is_help=True)
app.add_typer(catalogue_app, name="catalogue")


def _settings(ctx: typer.Context, **overrides: object) -> Settings:
    base: Settings = ctx.obj or settings_from_env()
    return base.with_overrides(**overrides)


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False,
) -> None:
    setup_logging(ctx, verbose)


def setup_logging(ctx: typer.Context, verbose: bool) -> None:
    """Log lines to stderr; the settings from the environment into the context."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    ctx.obj = settings_from_env()


@app.command()
def version() -> None:
    """Print the polyrank version."""
    out.print(__version__)


@app.command()
def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="One read-only statement (SELECT, SHOW, ...).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    store: StoreOpt = None,
) -> None:
    """Run a read-only query against the store and print the result.

    With an embedded store nothing else can open the folder while a command holds it; this is
    the way to look inside."""
    from polyrank.cli_report import print_literal, print_table
    from polyrank.store import Store

    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    settings = _settings(ctx, store_dsn=store)
    with Store.open(settings.store_dsn, query_timeout_s=settings.query_timeout_s) as st:
        result = st.query(query, read_only=True)
    columns, rows = list(result.column_names), result.result_rows
    if fmt == "json":
        print_literal(to_json(columns, rows))
    elif fmt == "csv":
        sys.stdout.write(to_csv(columns, rows))
    else:
        print_table(columns, table_cells(rows))
        err.print(f"{len(rows)} row(s)")


@app.command("store")
def store_info(ctx: typer.Context, store: StoreOpt = None) -> None:
    """Open the store (applying pending migrations) and show its tables and row counts."""
    from polyrank.store import Store

    settings = _settings(ctx, store_dsn=store)
    with Store.open(settings.store_dsn) as st:
        migrations = st.applied_migrations()
        tables = st.rows("SELECT name, engine, total_rows FROM system.tables "
                         "WHERE database = currentDatabase() ORDER BY name")
        out.print(f"[bold]{st.target.describe()}[/bold]")
    out.print("migrations: " + ", ".join(f"{v:04d}_{n}" for v, n in migrations))
    table = Table("table", "engine", "rows")
    for name, engine, rows in tables:
        table.add_row(name, engine, "" if rows is None else str(rows))
    out.print(table)


def _wallet_list(path: Path, strict: bool):
    """Read a wallet list, reporting skipped lines and duplicates on stderr."""
    from polyrank.ingest.wallets import read_wallet_list

    listed = read_wallet_list(path, strict=strict)
    for bad in listed.bad:
        err.print(f"[yellow]skipped[/yellow] {path} {bad}", highlight=False)
    if listed.duplicates:
        err.print(f"{listed.duplicates} duplicate address(es) ignored")
    return listed


@app.command()
def ingest(
    ctx: typer.Context,
    wallets: WalletsOpt,
    workers: WorkersOpt = 10,
    max_trades: MaxTradesOpt = None,
    since: SinceOpt = None,
    strict: StrictOpt = False,
    shard: Annotated[str | None, typer.Option(
        help="K/N: load only shard K of N of the list (several processes on a server "
             "store).")] = None,
    batch_wallets: Annotated[int, typer.Option(
        help="Wallets fetched together per request (maker_in); 1 = one per wallet.")] = 100,
    rate_limit: RateLimitOpt = "50/10",
    data_api: DataApiOpt = True,
    data_rate_limit: DataRateLimitOpt = "200/10",
    refresh: Annotated[bool, typer.Option(
        help="Fetch wallets already done again (adds only new fills).")] = False,
    goldsky_url: GoldskyOpt = None,
    data_api_url: DataApiUrlOpt = None,
    store: StoreOpt = None,
    runtime_dir: RuntimeOpt = None,
) -> None:
    """Load every listed wallet's fills (maker == wallet) into the store: parallel, resumable,
    rate-limit aware. Kill it and run it again: it resumes, nothing lost, nothing doubled."""
    from polyrank.ingest.run import Ingest
    from polyrank.ingest.wallets import shard as take_shard
    from polyrank.progress import default_progress
    from polyrank.store import Store

    settings = _settings(ctx, store_dsn=store, goldsky_url=goldsky_url,
                         data_api_url=data_api_url, runtime_dir=runtime_dir)
    chosen = take_shard(_wallet_list(wallets, strict).wallets, shard)
    options = _ingest_options(workers, rate_limit, data_api, data_rate_limit,
                              max_trades=max_trades, since=since,
                              batch_wallets=batch_wallets, refresh=refresh)
    with Store.open(settings.store_dsn) as st:
        job = Ingest(settings, st, options, progress=default_progress())
        report = asyncio.run(job.run(chosen, command=" ".join(sys.argv)))
    out.print(f"ingest {report.run_id}: {report.done} wallet(s) loaded, {len(report.failed)} "
              f"failed, {len(report.truncated)} truncated, {report.already_done} already done; "
              f"fills fetched {report.fills_fetched}, new {report.fills_new}, duplicates "
              f"{report.fills_duplicate}; V2 (Data API) {report.fills_v2}, of them without fee "
              f"{report.fills_without_fee}; {report.http.get('requests', 0)} requests "
              f"({report.fills_per_request:.0f} fills/request) in {report.seconds:.1f} s")
    for wallet, error in report.failed.items():
        err.print(f"[red]failed[/red] {wallet}: {error}", highlight=False)
    if report.failed:
        raise typer.Exit(2)


@app.command("enrich")
def enrich_cmd(ctx: typer.Context, store: StoreOpt = None) -> None:
    """Attach market, event, category, tags, neg-risk grouping and resolution to every stored
    fill (rebuilds the trades table); lists fills whose token is still unknown."""
    from polyrank.enrich.trades import enrich
    from polyrank.store import Store

    settings = _settings(ctx, store_dsn=store)
    with Store.open(settings.store_dsn) as st:
        report = enrich(st)
    print_enrich(report)


@app.command("metrics")
def metrics_cmd(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option(
        help="Window end (YYYY-MM-DD, ISO time or unix s); default the latest fill.")] = None,
    store: StoreOpt = None,
) -> None:
    """Compute positions, bets, wallet metrics (30d/90d/180d/lifetime, overall and per
    category), eligibility and specialists as SQL in the store; readers switch to the new run
    only once it is complete."""
    from polyrank.ingest.report import parse_time
    from polyrank.metrics.run import compute_metrics
    from polyrank.store import Store

    settings = _settings(ctx, store_dsn=store)
    with Store.open(settings.store_dsn) as st:
        report = compute_metrics(st, as_of=parse_time(as_of, "--as-of") if as_of else None)
    print_metrics(report)


@app.command()
def pipeline(
    ctx: typer.Context,
    wallets: WalletsOpt,
    workers: WorkersOpt = 10,
    max_trades: MaxTradesOpt = None,
    since: SinceOpt = None,
    strict: StrictOpt = False,
    auto: Annotated[bool, typer.Option(
        "--auto/--no-auto", help="Run enrich and metrics when the ingest finishes.")] = True,
    sync: Annotated[bool, typer.Option(
        "--sync/--no-sync", help="Sync the Gamma catalogue first.")] = True,
    rate_limit: RateLimitOpt = "50/10",
    data_api: DataApiOpt = True,
    data_rate_limit: DataRateLimitOpt = "200/10",
    goldsky_url: GoldskyOpt = None,
    gamma_url: GammaOpt = None,
    data_api_url: DataApiUrlOpt = None,
    store: StoreOpt = None,
    runtime_dir: RuntimeOpt = None,
) -> None:
    """catalogue sync -> ingest -> enrich -> metrics in one command (the auto-complete
    pipeline). Resumable like ingest: rerun it after a crash."""
    from polyrank.store import Store

    settings = _settings(ctx, store_dsn=store, goldsky_url=goldsky_url, gamma_url=gamma_url,
                         data_api_url=data_api_url, runtime_dir=runtime_dir)
    listed = _wallet_list(wallets, strict)
    options = _ingest_options(workers, rate_limit, data_api, data_rate_limit,
                              max_trades=max_trades, since=since)
    with Store.open(settings.store_dsn) as st:
        report = _run_pipeline(settings, st, listed.wallets, options, sync=sync, auto=auto)
    if report.ingest.failed:
        raise typer.Exit(2)


def _ingest_options(workers: int, rate_limit: str, data_api: bool, data_rate_limit: str, *,
                    since: str | None = None, **rest):
    """The IngestOptions of `ingest`, `pipeline` and `serve --pipeline` from their flags."""
    from polyrank.ingest.options import IngestOptions
    from polyrank.ingest.report import parse_rate, parse_time

    return IngestOptions(workers=workers, since=parse_time(since, "--since"),
                         goldsky_limit=parse_rate(rate_limit, "--rate-limit"), data_api=data_api,
                         data_limit=parse_rate(data_rate_limit, "--data-rate-limit"), **rest)


def _run_pipeline(settings: Settings, st, wallets: tuple[str, ...], options, *,
                  sync: bool = True, auto: bool = True):
    """Run the pipeline with progress on the terminal and print what each stage did."""
    from polyrank.pipeline import run_pipeline
    from polyrank.progress import default_progress

    report = run_pipeline(settings, st, wallets, options, progress=default_progress(),
                          sync=sync, auto=auto, command=" ".join(sys.argv))
    print_pipeline(report)
    return report


@app.command()
def status(
    ctx: typer.Context,
    store: StoreOpt = None,
    runtime_dir: RuntimeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Where the pipeline stands: every worker's position, totals, failures, truncated
    wallets, ETA. Works while an ingest runs (reads what that process publishes)."""
    import json

    from polyrank.errors import StoreLockedError
    from polyrank.ingest.monitor import read_status
    from polyrank.ingest.report import status_lines
    from polyrank.stages import MetricsNotReady, current_stage, metrics_run
    from polyrank.store import Store, load_sql

    settings = _settings(ctx, store_dsn=store, runtime_dir=runtime_dir)
    published = read_status(settings.runtime_dir) or {}
    summary: list[tuple] = []
    stage = published.get("stage")
    metrics = f"not computed yet (pipeline at stage {stage!r})"
    if not published.get("alive"):
        try:
            with Store.open(settings.store_dsn) as st:
                summary = st.rows(load_sql("polyrank.ingest.sql", "wallet_summary.sql"))
                stage = current_stage(st)
                try:
                    metrics = f"run {metrics_run(st)}"
                except MetricsNotReady as exc:
                    metrics = str(exc)
        except StoreLockedError as exc:
            err.print(f"[yellow]{exc}[/yellow]")
    if as_json:
        out.print(json.dumps({"stage": stage, "metrics": metrics, "published": published,
                              "wallets": [list(r) for r in summary]}, default=str))
        return
    if published:
        for line in status_lines(published):
            out.print(line, highlight=False)
    else:
        out.print("no ingest has published a status in "
                  f"{settings.runtime_dir} yet", highlight=False)
    out.print(f"pipeline stage: {stage or 'unknown'}; metrics: {metrics}")
    for status_name, count, fills_new, truncated in summary:
        out.print(f"  wallets {status_name}: {count} (fills {fills_new}, truncated "
                  f"{truncated})")


@catalogue_app.command("sync")
def catalogue_sync(
    ctx: typer.Context,
    gamma_url: GammaOpt = None,
    goldsky_url: GoldskyOpt = None,
    store: StoreOpt = None,
) -> None:
    """Load Gamma events with their markets and tags (open and closed) into the store,
    incrementally, with payouts from the pnl-subgraph where available."""
    from polyrank.enrich.catalogue import sync_catalogue
    from polyrank.progress import default_progress
    from polyrank.store import Store

    settings = _settings(ctx, store_dsn=store, gamma_url=gamma_url, goldsky_url=goldsky_url)
    with Store.open(settings.store_dsn) as st:
        report = asyncio.run(sync_catalogue(settings, st, progress=default_progress()))
    out.print(f"catalogue: {report.events_seen} events ({report.events_written} written), "
              f"{report.markets_seen} markets ({report.markets_written} written, "
              f"{report.resolved_markets} resolved, {report.payouts_from_subgraph} payouts "
              f"from the pnl-subgraph), {report.requests} requests in {report.seconds:.1f} s")
    for note in report.notes:
        err.print(f"[yellow]note[/yellow] {note}")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")] = 8000,
    pipeline_wallets: Annotated[Path | None, typer.Option(
        "--pipeline", help="Also run the pipeline (catalogue sync, ingest, enrich, metrics) "
                           "for this wallet list inside the server process: the page shows "
                           "its progress while it loads (an embedded store admits one "
                           "process).")] = None,
    workers: WorkersOpt = 10,
    rate_limit: RateLimitOpt = "50/10",
    data_api: DataApiOpt = True,
    data_rate_limit: DataRateLimitOpt = "200/10",
    goldsky_url: GoldskyOpt = None,
    gamma_url: GammaOpt = None,
    data_api_url: DataApiUrlOpt = None,
    store: StoreOpt = None,
    runtime_dir: RuntimeOpt = None,
) -> None:
    """Serve the web page and the read-only API (leaderboards, wallets, status; OpenAPI at
    /docs) over the store until Ctrl-C."""
    from polyrank.serving import ApiServer
    from polyrank.store import Store

    settings = _settings(ctx, store_dsn=store, goldsky_url=goldsky_url, gamma_url=gamma_url,
                         data_api_url=data_api_url, runtime_dir=runtime_dir)
    listed = _wallet_list(pipeline_wallets, False) if pipeline_wallets else None
    with Store.open(settings.store_dsn) as st, ApiServer(
            st, host=host, port=port, runtime_dir=settings.runtime_dir) as srv:
        err.print(f"serving {st.target.describe()} on {srv.url} (OpenAPI at {srv.url}/docs; "
                  "Ctrl-C stops)")
        if listed:
            _run_pipeline(settings, st, listed.wallets, _ingest_options(
                workers, rate_limit, data_api, data_rate_limit))
            out.print(f"pipeline done; still serving on {srv.url}")
        srv.wait()


def main() -> None:
    """Entry point of `polyrank`."""
    run_app(app)


def run_app(typer_app: typer.Typer) -> None:
    """Run a command line, turning any PolyrankError into one message and exit code 1."""
    try:
        typer_app()
    except PolyrankError as exc:
        err.print(f"[bold red]error:[/bold red] {exc}", highlight=False)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
