"""What the commands print: one console for results (stdout), one for messages (stderr),
and the renderings of the stage reports."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

# piped or captured output gets room for 42-character wallets instead of Rich's 80 columns
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)


def print_enrich(report) -> None:
    out.print(f"enrich: {report.trades} trades, {report.unresolved_fills} fills of "
              f"{report.unresolved_tokens} unresolved token(s) in {report.seconds:.1f} s")
    for token, fills, wallets in report.top_unresolved:
        err.print(f"  unresolved token {token}: {fills} fills, {wallets} wallet(s)")


def print_metrics(report) -> None:
    out.print(f"metrics run {report.run_id} as of {report.as_of}: {report.positions} "
              f"positions, {report.bets} bets, {report.wallets} wallets in "
              f"{report.seconds:.1f} s")


def print_pipeline(report) -> None:
    ing = report.ingest
    out.print(f"ingest {ing.run_id}: {ing.done} loaded, {len(ing.failed)} failed, "
              f"{len(ing.truncated)} truncated; {ing.fills_new} new fills")
    if report.enrich:
        print_enrich(report.enrich)
    if report.metrics:
        print_metrics(report.metrics)


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
              f"{ing.fills_duplicate} duplicates; {ing.http.get('requests', 0)} requests "
              f"({ing.http.get('retries', 0)} retried after injected faults); "
              f"{result.fills_in_store} fills in the store")
    out.print(f"metrics: run {met.run_id}, {met.positions} positions, {met.bets} bets, "
              f"{met.wallets} wallets in {met.seconds:.1f} s")
    table = Table("wallet", "omega_score", "omega", "realized P&L", "ROI", "win rate LB",
                  "bets", title="Omega leaderboard — lifetime, ranked wallets (top 10)")
    for row in result.leaderboard:
        wallet, score, omega, pnl, roi, wlb, bets = row
        table.add_row(wallet, f"{score:.3f}", "∞" if omega is None else f"{omega:.2f}",
                      f"{pnl:,.2f}", f"{roi:.1%}", f"{wlb:.2f}", str(bets))
    out.print(table)
    out.print(f"Look inside: polyrank sql --store {store} \"SELECT * FROM "
              "wallet_metrics_complete WHERE window = 'lifetime' LIMIT 5\"")
    if result.api_url:
        out.print(f"[bold]Leaderboard: {result.api_url}/[/bold]  (API {result.api_url}/docs; "
                  "Ctrl-C stops)")

