"""What an ingest run does, decided before any request: pure functions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DONE, FAILED, PENDING = "done", "failed", "pending"


@dataclass(frozen=True)
class Job:
    """Wallets fetched together (`maker_in`), or one wallet paged alone."""

    wallets: tuple[str, ...]
    solo: bool = False
    after: str = ""  # resume paging after this fill id ...
    carry: tuple = ()  # ... with the rows already fetched up to it (a split-off heavy wallet)
    since: int = 0  # read rows at or after this unix time (a refresh's cursor, or --since)

    def __post_init__(self) -> None:
        if not self.wallets:
            raise ValueError("a job needs at least one wallet")


@dataclass(frozen=True)
class Plan:
    todo: tuple[str, ...]  # failed ones first, then never-finished ones, in list order
    already_done: tuple[str, ...]
    retrying_failed: int


def plan_wallets(wallets: Iterable[str], status: Mapping[str, str], *,
                 refresh: bool = False) -> Plan:
    """Skip wallets already done (unless refresh); put previously failed ones first."""
    failed, fresh, done = [], [], []
    for wallet in wallets:
        state = status.get(wallet, PENDING)
        if state == DONE and not refresh:
            done.append(wallet)
        elif state == FAILED:
            failed.append(wallet)
        else:
            fresh.append(wallet)
    return Plan(tuple(failed + fresh), tuple(done), len(failed))


def batch_jobs(wallets: Iterable[str], batch_size: int,
               since: Mapping[str, int] | None = None, default_since: int = 0) -> list[Job]:
    """Group wallets into `maker_in` batches of one start time each (`since`, per wallet;
    `default_since` for the others); batch_size 1 asks one wallet per request."""
    groups: dict[int, list[str]] = {}
    for wallet in wallets:
        start = (since or {}).get(wallet, default_since)
        groups.setdefault(start, []).append(wallet)
    jobs = []
    for start, items in groups.items():
        if batch_size <= 1:
            jobs += [Job((w,), solo=True, since=start) for w in items]
        else:
            jobs += [Job(tuple(items[i:i + batch_size]), since=start)
                     for i in range(0, len(items), batch_size)]
    return jobs


def cursors(loaded_to: Mapping[str, int], since: int, overlap_s: int) -> dict[str, int]:
    """Where an incremental load reads each wallet from: its cursor less the overlap (never
    before `since`); wallets without a cursor are absent (read whole, from `since`)."""
    return {w: max(since, t - overlap_s) for w, t in loaded_to.items() if t > 0}


def heavy_wallets(makers: Iterable[str], batch: tuple[str, ...], threshold: int) -> set[str]:
    """Wallets of a batch whose rows in one full page reach `threshold`: they fill pages by
    themselves, so they are better paged alone (own checkpoint, own cap)."""
    counts = Counter(m for m in makers if m in batch)
    return {wallet for wallet, n in counts.items() if n >= threshold}
