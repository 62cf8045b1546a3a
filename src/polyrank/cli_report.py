"""What the commands print: one console for results (stdout), one for messages (stderr),
and the renderings of the stage reports."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

# piped or captured output gets room for 42-character wallets instead of Rich's 80 columns
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)


def print_ingest(report) -> None:
    out.print(f"ingest {report.run_id}: {report.done} wallet(s) loaded, {len(report.failed)} "
              f"failed, {len(report.truncated)} truncated, {report.already_done} already done; "
              f"fills fetched {report.fills_fetched}, new {report.fills_new}, duplicates "
              f"{report.fills_duplicate}; V2 (Data API) {report.fills_v2}, of them without fee "
              f"{report.fills_without_fee}; activities (V2 splits, merges, redemptions, "
              f"conversions) fetched {report.activities_fetched}, new {report.activities_new}; "
              f"{report.http.get('requests', 0)} requests "
              f"({report.fills_per_request:.0f} fills/request) in {report.seconds:.1f} s",
              highlight=False)
    for wallet, error in report.failed.items():
        err.print(f"[red]failed[/red] {wallet}: {error}", highlight=False)


def print_literal(text: str) -> None:
    """Print data as it is: no markup ([bold]), no emoji codes (:x:), no highlighting."""
    out.print(text, markup=False, emoji=False, highlight=False, soft_wrap=True)


def print_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A table of data cells, each printed as it is (Text is never parsed for markup or
    emoji codes)."""
    table = Table(show_lines=False)
    for column in columns:
        table.add_column(Text(column))
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    out.print(table)


def print_enrich(report) -> None:
    out.print(f"enrich: {report.trades} trades, {report.unresolved_fills} fills of "
              f"{report.unresolved_tokens} unresolved token(s) in {report.seconds:.1f} s")
    for token, fills, wallets in report.top_unresolved:
        err.print(f"  unresolved token {token}: {fills} fills, {wallets} wallet(s)")


def print_metrics(report) -> None:
    carried = (f" ({report.computed_wallets} computed, the others carried over from "
               f"{report.base_run})" if report.base_run else "")
    out.print(f"metrics run {report.run_id} as of {report.as_of}: {report.positions} "
              f"positions, {report.bets} bets, {report.wallets} wallets{carried} in "
              f"{report.seconds:.1f} s")


def _utc(ts: int | None) -> str:
    return "unknown" if ts is None else datetime.fromtimestamp(ts, UTC).strftime(
        "%Y-%m-%d %H:%M UTC")


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def freshness_line(fresh) -> str:
    """`polyrank status`'s line on how fresh the metrics are (a stages.Freshness)."""
    run = ("no metrics run" if fresh.as_of is None else
           f"data as of {_utc(fresh.as_of)}, computed {_utc(fresh.finished_at)} "
           f"({_age(fresh.age_s or 0.0)} ago)")
    if not fresh.wallets_loaded_to:
        return f"freshness: {run}; wallets loaded up to: unknown"
    return (f"freshness: {run}; wallets loaded up to {_utc(fresh.loaded_to_min)} "
            f"(the latest {_utc(fresh.loaded_to_max)}; {fresh.wallets_loaded_to} wallet(s))")


def job_line(job: dict | None, now: float) -> str | None:
    """`polyrank status`'s line on an enrich or a metrics run (runtime_files.read_job): the
    running one's step, or the last one's failure; None for none, or one that finished."""
    if not job:
        return None
    step = job.get("step") or job.get("job")
    if job.get("alive"):
        took = max(0.0, now - float(job.get("started_at") or now))
        return (f"{step}: statement {int(job.get('done') or 0) + 1} of "
                f"{job.get('total') or '?'}, {_age(took)} so far (pid {job.get('pid')})")
    if job.get("error"):
        return f"the last {job.get('job')} failed at {step}: {job['error']}"
    return None


def print_pipeline(report) -> None:
    ing = report.ingest
    out.print(f"ingest {ing.run_id}: {ing.done} loaded, {len(ing.failed)} failed, "
              f"{len(ing.truncated)} truncated; {ing.fills_new} new fills")
    if report.enrich:
        print_enrich(report.enrich)
    if report.metrics:
        print_metrics(report.metrics)


def print_refresh(report) -> None:
    ing, cat = report.ingest, report.catalogue
    if report.discover is not None:
        found = report.discover
        out.print(f"discover: {found.days - found.days_already} day(s) swept; registry "
                  f"{found.registry} wallets")
    out.print(f"refresh: {report.wallets} wallets; catalogue {cat.events_written} events and "
              f"{cat.markets_written} markets changed ({cat.requests} requests"
              f"{', incremental' if cat.incremental else ', full'}); {ing.done} wallets "
              f"loaded, {len(ing.failed)} failed, {ing.fills_new} new fills, "
              f"{ing.activities_new} new activities, {ing.http.get('requests', 0)} requests")
    if report.changed:
        print_enrich(report.enrich)
        print_metrics(report.metrics)
    else:
        out.print("nothing new: the metrics run stays as it was")
    out.print(f"refresh done in {report.seconds:.1f} s")


def print_round(round_) -> None:
    """One round of `refresh --every`."""
    if round_.error:
        err.print(f"[red]round {round_.number} failed[/red]: {round_.error} (next round "
                  "tries again)", highlight=False)
    else:
        out.print(f"round {round_.number}:", highlight=False)
        print_refresh(round_.report)


def print_discover(report) -> None:
    """One line for the run, then one per source other than the tape."""
    tape = report.sources.get("tape")
    head = (f"{report.days} days ({report.days_already} already swept), {report.fills_seen} "
            f"fills seen in {report.requests} requests" if tape and len(report.sources) == 1
            else f"{len(report.sources)} sources, {report.requests} requests")
    out.print(f"discover: {head}; registry {report.registry} wallets, "
              f"{len(report.selected)} selected"
              + (f", written to {report.out}" if report.out else "")
              + f" in {report.seconds:.1f} s")
    if tape and len(report.sources) == 1:
        return
    for s in report.sources.values():
        line = f"  {s.source}: {s.wallets} wallets in {s.requests} requests"
        if s.source in ("tape", "trades", "chain"):
            line += f", {s.days} days ({s.days_already} already swept), {s.rows} fills"
        if s.source == "holders":
            line += f", {s.markets} markets"
        if s.source == "leaderboard" and s.capped:
            line += f", {len(s.capped)} listings stopped at the offset cap"
        if s.reached is not None:
            when = datetime.fromtimestamp(s.reached, UTC).strftime("%Y-%m-%d %H:%M")
            line += f"; the offset cap stopped it at {when} UTC (earlier trades not read)"
        out.print(escape(line))
