"""The `polyrank` command: thin Typer commands that parse, call the library, and render (the
loading ones in cli_load.py).
This is the only place that catches broadly: every PolyrankError becomes one clean message."""

from __future__ import annotations

import logging
import sys
import time
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from polyrank import __version__
from polyrank.cli_context import command_settings, open_front_door
from polyrank.cli_load import ingest_options, register, wallet_list
from polyrank.cli_options import (
    DATA_API_RATE,
    GOLDSKY_RATE,
    WORKERS,
    DataApiOpt,
    DataApiUrlOpt,
    DataRateLimitOpt,
    GammaOpt,
    GoldskyOpt,
    RateLimitOpt,
    RegistryWalletsOpt,
    RuntimeOpt,
    StoreOpt,
    WorkersOpt,
)
from polyrank.cli_report import err, out, print_enrich, print_metrics, print_pipeline
from polyrank.errors import ConfigError, InvalidArgument, PolyrankError
from polyrank.render import FORMATS, table_cells, to_csv, to_json
from polyrank.settings import settings_from_env

app = typer.Typer(help="Find the most skilled traders on Polymarket.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
catalogue_app = typer.Typer(help="The Gamma market catalogue in the store.",
                            no_args_is_help=True)
app.add_typer(catalogue_app, name="catalogue")
register(app, catalogue_app)  # ingest, discover, pipeline, refresh, catalogue sync (cli_load.py)


@app.callback()
def root_options(
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

    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    with open_front_door(ctx, store_dsn=store) as pr:
        result = pr.sql(query)
    columns, rows = result.columns, result.values
    if fmt == "json":
        print_literal(to_json(columns, rows))
    elif fmt == "csv":
        sys.stdout.write(to_csv(columns, rows))
    else:
        print_table(columns, table_cells(rows))
        err.print(f"{len(rows)} row(s)")


@app.command("store")
def store_info(ctx: typer.Context, store: StoreOpt = None) -> None:
    """Show the store's tables and row counts.

    Opening the store applies any pending schema migrations."""
    with open_front_door(ctx, store_dsn=store) as pr:
        migrations, tables = pr.migrations(), pr.tables()
        out.print(f"[bold]{pr.store.target.describe()}[/bold]", highlight=False)
    out.print("migrations: " + ", ".join(f"{v:04d}_{n}" for v, n in migrations))
    table = Table("table", "engine", "rows")
    for t in tables:
        table.add_row(t["name"], t["engine"], "" if t["rows"] is None else str(t["rows"]))
    out.print(table)


@app.command("enrich")
def enrich_cmd(ctx: typer.Context, store: StoreOpt = None,
               runtime_dir: RuntimeOpt = None) -> None:
    """Attach market, event, category, tags and resolution to every fill.

    Rebuilds the enriched trade tables (neg-risk grouping included) and lists the fills whose
    token the catalogue does not know yet. Its progress is published in the runtime folder
    (`polyrank status` shows it)."""
    with open_front_door(ctx, store_dsn=store, runtime_dir=runtime_dir) as pr:
        report = pr.enrich()
    print_enrich(report)


@app.command("metrics")
def metrics_cmd(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option(
        help="Window end (YYYY-MM-DD, ISO time or unix s); default the later of the latest "
             "fill and the latest resolution known.")] = None,
    carry: Annotated[bool, typer.Option(
        help="Compute only the wallets whose figures can differ from the current run's (same "
             "settings, no later) and carry the others' rows over; the same result.")] = False,
    store: StoreOpt = None,
    runtime_dir: RuntimeOpt = None,
) -> None:
    """Compute positions, bets, wallet metrics and specialists in the store.

    Every window and category, eligibility and specialists, as SQL in the store; readers
    switch to the new run only once it is complete. Its progress is published in the runtime
    folder (`polyrank status` shows it)."""
    from polyrank.ingest.report import parse_time

    with open_front_door(ctx, store_dsn=store, runtime_dir=runtime_dir) as pr:
        report = pr.compute_metrics(as_of=parse_time(as_of, "--as-of") if as_of else None,
                                    carry=carry)
    print_metrics(report)


@app.command()
def status(
    ctx: typer.Context,
    store: StoreOpt = None,
    runtime_dir: RuntimeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Show where the pipeline and every ingest worker stand.

    Stage, every worker's position, totals, failures, truncated wallets, ETA. Works while an
    ingest, an enrich or a metrics run holds the store in another process (reads what that
    process publishes: the run's step), and says where the last enrich or metrics run
    failed."""
    import json

    import polyrank
    from polyrank.cli_report import freshness_line, job_line
    from polyrank.ingest.report import status_lines

    settings = command_settings(ctx, store_dsn=store, runtime_dir=runtime_dir)
    st = polyrank.pipeline_status(store_dsn=settings.store_dsn,
                                  runtime_dir=settings.runtime_dir,
                                  query_timeout_s=settings.query_timeout_s)
    if as_json:
        out.print(json.dumps(st.as_json()), markup=False, highlight=False, soft_wrap=True)
        if st.stage == "unknown":
            raise typer.Exit(1)
        return
    if st.stage == "unknown":  # nothing to show but why
        err.print(f"[bold red]status unknown:[/bold red] {st.store_error}", highlight=False)
        raise typer.Exit(1)
    if st.ingest:
        for line in status_lines(st.ingest):
            out.print(line, highlight=False)
    else:
        out.print(f"no ingest has published a status in {settings.runtime_dir}",
                  highlight=False)
    job = job_line(st.job, time.time())
    if job:
        out.print(job, highlight=False)
    out.print(f"pipeline stage: {st.stage}; metrics: {st.metrics}", highlight=False)
    if st.served_by:
        out.print(f"(the store is held by {st.served_by}: read from its /api/status)",
                  highlight=False)
    if st.store_error:   # held by the process whose progress is above: nothing else to read
        out.print(f"store not read: {st.store_error}", highlight=False)
        return
    for w in st.wallets:
        out.print(f"  wallets {w['status']}: {w['wallets']} (fills {w['fills_new']}, "
                  f"truncated {w['truncated']})", highlight=False)
    out.print(f"wallet registry: {st.registry_wallets} wallets" + "".join(
        f"; {r['source']}: {r['wallets']}" for r in st.registry), highlight=False)
    out.print(freshness_line(st.freshness), highlight=False)
    if st.store_error:
        err.print(f"[yellow]note:[/yellow] {st.store_error}", highlight=False)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.",
                                     min=0, max=65535)] = 8000,
    run_pipeline: Annotated[bool, typer.Option(
        "--pipeline", help="Also run the pipeline (catalogue sync, ingest, enrich, metrics) "
                           "inside the server process, over --wallets or else the store's "
                           "registry: the page shows its progress while it loads (an "
                           "embedded store admits one process).")] = False,
    wallets: RegistryWalletsOpt = None,
    workers: WorkersOpt = WORKERS,
    rate_limit: RateLimitOpt = GOLDSKY_RATE,
    data_api: DataApiOpt = True,
    data_rate_limit: DataRateLimitOpt = DATA_API_RATE,
    goldsky_url: GoldskyOpt = None,
    gamma_url: GammaOpt = None,
    data_api_url: DataApiUrlOpt = None,
    store: StoreOpt = None,
    runtime_dir: RuntimeOpt = None,
) -> None:
    """Serve the web page and the read-only API until Ctrl-C.

    Leaderboards, wallets, status; the OpenAPI explorer at /docs."""
    if wallets and not run_pipeline:
        raise InvalidArgument("wallets", "--wallets goes with --pipeline")
    listed = wallet_list(wallets, False).wallets if wallets else None
    with open_front_door(ctx, store_dsn=store, goldsky_url=goldsky_url, gamma_url=gamma_url,
               data_api_url=data_api_url, runtime_dir=runtime_dir) as pr, \
            pr.serve(host=host, port=port) as srv:
        err.print(f"serving {pr.store.target.describe()} on {srv.url} (OpenAPI at "
                  f"{srv.url}/docs; Ctrl-C stops)", highlight=False)
        if run_pipeline:
            print_pipeline(pr.run_pipeline(listed, options=ingest_options(
                workers, rate_limit, data_api, data_rate_limit)))
            out.print(f"pipeline done; still serving on {srv.url}", highlight=False)
        elif pr.status().stage == "empty":
            err.print("the store is empty: load it with `polyrank pipeline --wallets FILE` "
                      "(another store folder or a server DSN), or serve and load at once "
                      "with `polyrank serve --pipeline [--wallets FILE]`", highlight=False)
        srv.wait()


def main() -> None:
    """Entry point of `polyrank`."""
    run_app(app)


def run_app(typer_app: typer.Typer) -> None:
    """Run a command line, turning any PolyrankError into one message and exit code 1."""
    try:
        typer_app()
    except PolyrankError as exc:
        err.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
