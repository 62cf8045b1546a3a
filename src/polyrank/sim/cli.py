"""`polyrank-sim`: the simulator's commands — generate a world, serve it over the real
protocols, run the offline demo. Apart from the `polyrank` command (the product never imports
the simulator); the same settings, messages and error handling."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from polyrank.cli import root_options, run_app
from polyrank.cli_context import command_settings
from polyrank.cli_report import err, out
from polyrank.sim.demo import DEMO_PORT, DEMO_SEED, DEMO_WALLETS

app = typer.Typer(help="The simulator: synthetic worlds, the replay server, the offline demo.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
world_app = typer.Typer(help="Synthetic Polymarket worlds with a ground-truth ledger.",
                        no_args_is_help=True)
replay_app = typer.Typer(help="The offline replay server (Goldsky / Gamma / Data API / "
                                "Polygon JSON-RPC).",
                         no_args_is_help=True)
app.add_typer(world_app, name="world")
app.add_typer(replay_app, name="replay")


app.callback()(root_options)  # --verbose and the settings, as `polyrank` has them


def fault_option_help(name: str) -> str:
    from polyrank.sim.replay.faults import fault_help

    return fault_help()[name]


def world_option_help(name: str) -> str:
    from polyrank.sim.world.params import param_help

    return param_help()[name]


@world_app.command("generate")
def world_generate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the world into.")],
    wallets: Annotated[int | None, typer.Option(help=world_option_help("wallets"))] = None,
    markets: Annotated[int | None, typer.Option(help=world_option_help("markets"))] = None,
    seed: Annotated[int, typer.Option(help=world_option_help("seed"))] = 7,
    fills: Annotated[int | None, typer.Option(help=world_option_help("fills"))] = None,
    start: Annotated[str, typer.Option(help=world_option_help("start"))] = "2025-06-01",
    end: Annotated[str, typer.Option(help=world_option_help("end"))] = "2026-11-15",
) -> None:
    """Write a synthetic Polymarket world and its ground-truth ledger.

    Events, markets, fills as the exchanges emit them, activity, wallets. Format:
    docs/world-format.md."""
    from polyrank.progress import default_progress
    from polyrank.sim.world import WorldParams, generate_world

    params = WorldParams(seed=seed, wallets=wallets, markets=markets, fills=fills,
                         start=start, end=end)
    summary = generate_world(out_dir, params, default_progress())
    out.print(f"world {out_dir}: {summary['events']} events, {summary['markets']} markets, "
              f"{summary['fills']} fills, {summary['wallets']} wallets, "
              f"{summary['activity']} activity rows in {summary['seconds']:.1f} s")


@replay_app.command("serve")
def replay_serve(
    world_dir: Annotated[Path, typer.Argument(
        help="A world folder (polyrank-sim world generate).")],
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")
                    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.", min=0, max=65535)
                ] = 8765,
    port_file: Annotated[Path | None, typer.Option(
        help="Write the bound port to this file once listening.")] = None,
    fault_seed: Annotated[int, typer.Option(help=fault_option_help("fault_seed"))] = 0,
    rate_limit: Annotated[int, typer.Option(help=fault_option_help("rate_limit"))] = 0,
    rate_window: Annotated[float, typer.Option(help=fault_option_help("rate_window_s"))] = 10.0,
    error_rate: Annotated[float, typer.Option(help=fault_option_help("error_rate"))] = 0.0,
    timeout_rate: Annotated[float, typer.Option(help=fault_option_help("timeout_rate"))] = 0.0,
    latency_ms: Annotated[float, typer.Option(help=fault_option_help("latency_ms"))] = 0.0,
    latency_jitter_ms: Annotated[float, typer.Option(
        help=fault_option_help("latency_jitter_ms"))] = 0.0,
    malformed_rate: Annotated[float, typer.Option(help=fault_option_help("malformed_rate"))] = 0.0,
    truncate_rate: Annotated[float, typer.Option(help=fault_option_help("truncate_rate"))] = 0.0,
    drop_rate: Annotated[float, typer.Option(help=fault_option_help("drop_rate"))] = 0.0,
    clock: Annotated[str | None, typer.Option(
        help="Serve the world as of this time (YYYY-MM-DD[THH:MM:SS] UTC or unix seconds); "
             "later rows are hidden. Default: the whole world. POST /_replay/clock?at= moves "
             "it.")] = None,
    speed: Annotated[float, typer.Option(
        help="With --clock: world seconds the clock advances per wall second (0: frozen).")
    ] = 0.0,
    rpc_max_block_range: Annotated[int, typer.Option(
        help="JSON-RPC: most blocks one eth_getLogs may span, else error -32005 \"block range "
             "is too large\" (0: no cap).")] = 0,
    rpc_max_results: Annotated[int, typer.Option(
        help="JSON-RPC: most logs one eth_getLogs may answer, else error -32005 \"query "
             "returned more than N results. Try with this block range [...]\".")] = 10_000,
    rpc_max_batch: Annotated[int, typer.Option(
        help="JSON-RPC: most calls in one batch, else error -32600 \"batch too large\".")
    ] = 1_000,
) -> None:
    """Serve a world over the real Goldsky, Gamma, Data API and RPC paths.

    Until interrupted, with optional seeded fault injection. Point polyrank at it with
    --goldsky-url, --gamma-url and --data-api-url (JSON-RPC: <url>/rpc)."""
    from polyrank.sim.replay import FaultConfig, ServiceLimits, serve
    from polyrank.sim.replay.chain import ChainLimits
    from polyrank.sim.replay.clock import parse_time

    try:
        start = None if clock is None else parse_time(clock)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--clock") from None
    if speed < 0:
        raise typer.BadParameter("must be >= 0", param_hint="--speed")
    for value, hint in ((rpc_max_block_range, "--rpc-max-block-range"),
                        (rpc_max_results - 1, "--rpc-max-results"),
                        (rpc_max_batch - 1, "--rpc-max-batch")):
        if value < 0:
            raise typer.BadParameter("too small", param_hint=hint)
    limits = ServiceLimits(chain=ChainLimits(max_block_range=rpc_max_block_range or None,
                                             max_results=rpc_max_results,
                                             max_batch=rpc_max_batch))
    faults = FaultConfig(fault_seed=fault_seed, rate_limit=rate_limit,
                         rate_window_s=rate_window, error_rate=error_rate,
                         timeout_rate=timeout_rate, latency_ms=latency_ms,
                         latency_jitter_ms=latency_jitter_ms, malformed_rate=malformed_rate,
                         truncate_rate=truncate_rate, drop_rate=drop_rate)
    err.print(f"replay: reading {world_dir}, then serving it on {host} (Ctrl-C stops)")
    serve(world_dir, host=host, port=port, faults=faults, port_file=port_file, clock=start,
          speed=speed, limits=limits)


@app.command()
def demo(
    ctx: typer.Context,
    world_dir: Annotated[Path, typer.Option("--world", help="World folder (made if missing).")
                         ] = Path("worlds/demo"),
    wallets: Annotated[int, typer.Option(help="Wallets in a new world.")] = DEMO_WALLETS,
    markets: Annotated[int | None, typer.Option(help="Markets in a new world (default 400).")
                       ] = None,
    seed: Annotated[int, typer.Option(help="Seed of a new world.")] = DEMO_SEED,
    store: Annotated[str, typer.Option("--store", help="Store DSN for the demo.")
                     ] = "chdb://./data/demo",
    runtime_dir: Annotated[Path, typer.Option(help="Runtime folder for the demo.")
                           ] = Path("runtime/demo"),
    serve: Annotated[bool, typer.Option(
        help="Serve the web page and API from the start, and after the leaderboard is "
             "printed until Ctrl-C.")] = True,
    port: Annotated[int, typer.Option(help="Port of the page and API; 0 picks a free one.",
                                     min=0, max=65535)] = DEMO_PORT,
) -> None:
    """Run the offline demo end to end and serve its leaderboard.

    Generate a world, serve it with mild faults, sync the catalogue, load every wallet with
    10 workers, enrich, compute metrics, print the omega leaderboard and serve it (web page
    and API) at the URL it prints."""
    from polyrank.progress import default_progress
    from polyrank.sim.demo import run_demo

    settings = command_settings(ctx, store_dsn=store, runtime_dir=runtime_dir)
    own_the_terminal()

    def serving(url: str) -> None:
        err.print(f"web page and API on {url}/ (loading progress shown there)")

    run_demo(settings, world_dir, wallets=wallets, seed=seed, markets=markets,
             progress=default_progress(), port=port if serve else None,
             on_serving=serving,
             on_ready=lambda result: print_demo(result, store))


def own_the_terminal() -> None:
    """Make this process the terminal's foreground process group, so that Ctrl-C reaches
    only it and not a `make demo` that started it (make would report the interrupt as its own
    error even when the demo stops cleanly). Nothing happens without a terminal."""
    if not sys.stdin.isatty():
        return
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # we may be in the background
    try:
        os.setpgid(0, 0)
        os.tcsetpgrp(sys.stdin.fileno(), os.getpgrp())
    except OSError:
        pass  # a session leader, or no controlling terminal: Ctrl-C reaches the group as is
    finally:
        signal.signal(signal.SIGTTOU, previous)


def print_demo(result, store: str) -> None:
    """What the demo did and the top 10 of its omega leaderboard, then where it is served."""
    rep = result.report
    cat, ing, met = rep.catalogue, rep.ingest, rep.metrics
    out.print(f"[bold]world[/bold] {result.world_dir}  [bold]replay[/bold] "
              f"{result.replay_url}")
    out.print(f"catalogue: {cat.events_seen} events, {cat.markets_seen} markets "
              f"({cat.resolved_markets} resolved) in {cat.requests} requests")
    out.print(f"ingest: {ing.done} wallets done, {len(ing.failed)} failed, "
              f"{ing.already_done} already done; {ing.fills_new} new fills, "
              f"{ing.fills_duplicate} duplicates, {ing.activities_new} new activities "
              f"(splits, merges, conversions, redemptions); {ing.http.get('requests', 0)} requests "
              f"({ing.http.get('retries', 0)} retried after injected faults); "
              f"{result.fills_in_store} fills in the store")
    out.print(f"metrics: run {met.run_id}, {met.positions} positions, {met.bets} bets, "
              f"{met.wallets} wallets in {met.seconds:.1f} s")
    table = Table("rank", "wallet", "omega_score", "omega", "realized P&L", "ROI",
                  "win rate LB", "bets",
                  title="Omega leaderboard — lifetime, ranked wallets (top 10)")
    for r in result.leaderboard.rows:
        omega = "∞" if r["omega"] is None else f"{r['omega']:.2f}"
        table.add_row(str(r["rank"]), r["wallet"], f"{r['omega_score']:.3f}", omega,
                      f"{r['realized_pnl']:,.2f}", f"{r['roi']:.1%}", f"{r['win_rate_lb']:.2f}",
                      str(r["bets_closed"]))
    out.print(table)
    out.print(f"From Python, once the demo has stopped (an embedded store admits one "
              f"process): polyrank.open({store!r}).leaderboard(limit=10)", highlight=False)
    out.print(f"Look inside: polyrank sql --store {store} \"SELECT * FROM "
              "wallet_metrics_complete WHERE window = 'lifetime' LIMIT 5\"", highlight=False)
    if result.api_url:
        out.print(f"[bold]Leaderboard: {result.api_url}/[/bold]  (API {result.api_url}/docs; "
                  "Ctrl-C stops)")


#: What only the simulator needs (the `sim` extra), by import name.
SIM_MODULES = ("graphql", "Crypto", "numpy", "pyarrow")


def main() -> None:
    """Entry point of `polyrank-sim` (and `python -m polyrank.sim`)."""
    try:
        run_app(app)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in SIM_MODULES:
            raise
        err.print(f"[bold red]error:[/bold red] polyrank-sim needs the simulator's "
                  f"dependencies ({exc.name} is missing): pip install 'polyrank\\[sim]' "
                  "(or `make venv` in a checkout)", highlight=False)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
