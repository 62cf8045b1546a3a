"""The `polyrank` command: thin Typer commands that parse, call the library, and render.
This is the only place that catches broadly: every PolyrankError becomes one clean message."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from polyrank import __version__
from polyrank.errors import ConfigError, PolyrankError
from polyrank.render import FORMATS, table_cells, to_csv, to_json
from polyrank.settings import Settings, settings_from_env

app = typer.Typer(help="Find the most skilled traders on Polymarket.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
world_app = typer.Typer(help="Synthetic Polymarket worlds with a ground-truth ledger.",
                        no_args_is_help=True)
replay_app = typer.Typer(help="The offline replay server (Goldsky / Gamma / Data API).",
                         no_args_is_help=True)
app.add_typer(world_app, name="world")
app.add_typer(replay_app, name="replay")

out = Console()
err = Console(stderr=True)

StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="Store DSN: chdb:///path (embedded, default ./data/polyrank) or "
                    "clickhouse://host:8123/db. Env: POLYRANK_STORE_DSN.")]


def _settings(ctx: typer.Context, **overrides: object) -> Settings:
    base: Settings = ctx.obj or settings_from_env()
    return base.with_overrides(**overrides)


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False,
) -> None:
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
    from polyrank.store import Store

    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    settings = _settings(ctx, store_dsn=store)
    with Store.open(settings.store_dsn) as st:
        result = st.query(query, read_only=True)
    columns, rows = list(result.column_names), result.result_rows
    if fmt == "json":
        out.print(to_json(columns, rows), markup=False, highlight=False, soft_wrap=True)
    elif fmt == "csv":
        sys.stdout.write(to_csv(columns, rows))
    else:
        table = Table(*columns, show_lines=False)
        for row in table_cells(rows):
            table.add_row(*row)
        out.print(table)
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


def main() -> None:
    """Entry point: run the app, turning any PolyrankError into one message and exit code 1."""
    try:
        app()
    except PolyrankError as exc:
        err.print(f"[bold red]error:[/bold red] {exc}", highlight=False)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
