"""Plain-text summaries of ingest runs and status (pure: dict in, lines out)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from polyrank.errors import InvalidArgument


def parse_time(text: str | None, name: str = "since") -> int:
    """A date (YYYY-MM-DD), an ISO timestamp or unix seconds as unix seconds; '' / None = 0.
    `name` (the parameter, or the caller's option) is what an error names."""
    if not text:
        return 0
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(name, f"{name}: {text!r} is not a date (YYYY-MM-DD, ISO time or "
                                    "unix seconds)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def parse_rate(text: str | None, name: str = "rate_limit") -> tuple[int, float] | None:
    """'N/S' (N requests per S seconds) or 'none'; `name` is what an error names."""
    if text is None or text.strip().lower() in ("none", "off", "0"):
        return None
    try:
        n, s = text.split("/", 1)
        rate = (int(n), float(s))
    except ValueError:
        raise InvalidArgument(name, f"{name}: {text!r} must be N/SECONDS (e.g. 50/10) or none"
                              ) from None
    if rate[0] < 1 or rate[1] <= 0:
        raise InvalidArgument(name, f"{name}: {text!r} must be positive")
    return rate


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def status_lines(status: dict[str, Any]) -> list[str]:
    totals = status.get("totals", {})
    state = "running" if status.get("alive") else "not running (last published state)"
    lines = [
        f"stage: {status.get('stage', '?')} — ingest run {status.get('run_id', '?')} "
        f"(pid {status.get('pid', '?')}, {state})",
        f"wallets: {status.get('wallets_position', 0)}/{status.get('wallets_total', 0)} "
        f"({status.get('percent', 0)}%), done {totals.get('wallets_done', 0)}, "
        f"failed {totals.get('wallets_failed', 0)}, truncated "
        f"{totals.get('wallets_truncated', 0)}; ETA {duration(status.get('eta_s'))}",
        f"fills: fetched {totals.get('fills_fetched', 0)}, new {totals.get('fills_new', 0)}, "
        f"duplicates {totals.get('fills_duplicate', 0)}; V2 era "
        f"{totals.get('fills_v2', 0)} (without fee: {totals.get('fills_without_fee', 0)}); "
        f"unresolved tokens {status.get('unresolved_tokens', 0)}",
    ]
    http = status.get("http") or {}
    if http:
        lines.append(f"requests: {http.get('requests', 0)} ({http.get('retries', 0)} retries, "
                     f"{http.get('pauses', 0)} pauses, failures {http.get('failures', {})})")
    for worker in status.get("workers", []):
        current = worker.get("current") or []
        doing = (current[0] if len(current) == 1 else f"{len(current)} wallets") if current \
            else "-"
        # the chain source: how far the current scan got, by block
        block = f" at block {worker['block']} of {worker['block_to']}" \
            if worker.get("block_to") and current else ""
        lines.append(f"  worker {worker['worker']}: {worker['state']:<10} "
                     f"done {worker['wallets_done']:>6} failed {worker['wallets_failed']:>4} "
                     f"fills {worker['fills_fetched']:>8} now {doing}{block}")
    for wallet, error in (status.get("failed") or {}).items():
        lines.append(f"  failed {wallet}: {error}")
    for wallet in status.get("truncated") or []:
        lines.append(f"  truncated {wallet}")
    return lines
