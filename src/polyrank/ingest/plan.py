"""What an ingest run does, decided before any request (and revised with what the run
measures): pure functions."""

from __future__ import annotations

import math
import re
from collections import Counter, deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from polyrank.ingest.fetch import Sweep

DONE, FAILED, PENDING = "done", "failed", "pending"


@dataclass(frozen=True)
class Job:
    """Wallets fetched together (`maker_in`: a fixed batch, a sized batch or one part of a
    sized batch's read), or one wallet paged alone."""

    wallets: tuple[str, ...]
    solo: bool = False
    after: str = ""  # resume paging after this fill id ...
    carry: tuple = ()  # ... with the rows already fetched up to it (a split-off heavy wallet)
    since: int = 0  # read rows at or after this unix time (a refresh's cursor, or --since)
    # a sized batch: the rows each wallet is expected to have (aligned with `wallets`), and
    # whether nothing was known of any of them (the run learns its mean from such batches)
    expected: tuple[float, ...] = ()
    unknown: bool = False
    # a part of a sized batch's read: its ids up to `until` ("" = the end), and the read it
    # belongs to (`fetch.Sweep`: the rows of every part, gathered)
    until: str = ""
    sweep: Sweep | None = field(default=None, compare=False, repr=False)

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


# -- batches sized from what is known of each wallet ---------------------------------------
#: A wallet nothing is known of counts for this many rows until the run has measured some
#: (so the first batch of unknown wallets is about as large as the fixed batches were).
PRIOR_ROWS = 100
_HEX_ID = re.compile(r"0x([0-9a-f]{13})")


@dataclass(frozen=True)
class Sizing:
    """How large a batch is: `pages` pages of `page` rows (less `slack`, so that a batch
    holding what it was expected to does not spill a few rows onto one more page), at most
    `max_wallets` wallets in one `maker_in` list."""

    page: int = 1000
    pages: int = 10
    max_wallets: int = 1000

    @property
    def slack(self) -> int:
        return max(1, self.page // 20)

    @property
    def target(self) -> int:
        """The rows a batch aims at; a wallet expected to have this many is a batch by
        itself."""
        return max(1, self.pages * self.page - self.slack)


def pack(wallets: Sequence[str], expected: Mapping[str, float], sizing: Sizing
         ) -> list[tuple[tuple[str, ...], tuple[float, ...]]]:
    """Group wallets into batches of about `sizing.target` expected rows: heaviest first, each
    batch's gap closed with the lightest wallets left, at most `sizing.max_wallets` a batch;
    a heavy wallet (expected >= the target) is a batch by itself. Returns (wallets, their
    expected rows) per batch; every wallet is in exactly one."""
    queue = deque(sorted(wallets, key=lambda w: -expected[w]))  # stable among equals
    batches = []
    while queue:
        batch = [queue.popleft()]
        total = _fill(batch, expected[batch[0]], queue, expected, sizing, heaviest=True)
        _fill(batch, total, queue, expected, sizing, heaviest=False)
        batches.append((tuple(batch), tuple(expected[w] for w in batch)))
    return batches


def _fill(batch: list[str], total: float, queue: deque[str], expected: Mapping[str, float],
          sizing: Sizing, *, heaviest: bool) -> float:
    """Move wallets from one end of `queue` (sorted heaviest first) into `batch` while they
    fit; returns the batch's expected rows."""
    while queue and len(batch) < sizing.max_wallets:
        wallet = queue[0] if heaviest else queue[-1]
        if total + expected[wallet] > sizing.target:
            break
        batch.append(queue.popleft() if heaviest else queue.pop())
        total += expected[wallet]
    return total


class Batcher:
    """The wallets still waiting for a batch, in groups of one start time (failed ones' groups
    first). Wallets with expected rows (`expected`: the store's or the registry's figures) are
    packed at once; of the others, one batch at `PRIOR_ROWS` a wallet goes first, and the rest
    wait until the run has measured their kind (`learn`) or a job has ended (`take(force)`)."""

    def __init__(self, sizing: Sizing) -> None:
        self.sizing = sizing
        self.expected: dict[str, float] = {}
        self._groups: list[tuple[int, list[str]]] = []
        self._probed = False
        self.learned_wallets, self.learned_rows = 0, 0.0

    def add(self, groups: Sequence[tuple[int, Sequence[str]]],
            expected: Mapping[str, float]) -> None:
        """Wallets to batch: (start time, wallets) groups, and what is known of them."""
        self.expected.update(expected)
        self._groups += [(since, list(ws)) for since, ws in groups if ws]

    @property
    def mean(self) -> float | None:
        """Rows per wallet measured on batches of unknown wallets (None before any)."""
        return self.learned_rows / self.learned_wallets if self.learned_wallets else None

    def learn(self, wallets: int, rows: float) -> None:
        if wallets > 0:
            self.learned_wallets += wallets
            self.learned_rows += max(0.0, rows)

    @property
    def waiting(self) -> int:
        return sum(len(ws) for _, ws in self._groups)

    def take(self, *, force: bool = False) -> list[Job]:
        """The batches that can be decided now (none once every wallet is in one)."""
        jobs: list[Job] = []
        mean = self.mean
        keep = []
        for since, ws in self._groups:
            known = [w for w in ws if w in self.expected]
            unknown = [w for w in ws if w not in self.expected]
            jobs += self._jobs(known, self.expected, since, unknown=False)
            if unknown and (mean is not None or force):
                guess = mean if mean is not None else PRIOR_ROWS
                jobs += self._jobs(unknown, dict.fromkeys(unknown, guess), since, unknown=True)
            elif unknown and not self._probed:
                self._probed = True
                probe, rows = pack(unknown, dict.fromkeys(unknown, PRIOR_ROWS), self.sizing)[0]
                jobs.append(Job(probe, since=since, expected=rows, unknown=True))
                taken = set(probe)
                keep.append((since, [w for w in unknown if w not in taken]))
            elif unknown:
                keep.append((since, unknown))
        self._groups = [(since, ws) for since, ws in keep if ws]
        return jobs

    def _jobs(self, wallets: list[str], expected: Mapping[str, float], since: int, *,
              unknown: bool) -> list[Job]:
        return [Job(ws, since=since, expected=rows, unknown=unknown)
                for ws, rows in pack(wallets, expected, self.sizing)]


def sized_groups(todo: Sequence[str], failed: Collection[str], since: Mapping[str, int],
                 default_since: int) -> list[tuple[int, list[str]]]:
    """`todo`'s wallets by start time (`since`, per wallet; `default_since` for the others),
    the `failed` ones (retried first) in groups of their own ahead of the others."""
    groups: dict[tuple[bool, int], list[str]] = {}
    for wallet in todo:
        key = (wallet not in failed, since.get(wallet, default_since))
        groups.setdefault(key, []).append(wallet)
    return [(start, ws) for (_, start), ws in sorted(groups.items(), key=lambda g: g[0][0])]


def id_fraction(fill_id: str) -> float | None:
    """Where a fill id lies in the id space, from 0 to 1: ids are `<txHash>_<orderHash>`, hex
    hashes spread evenly, so any range of ids holds the same share of every wallet's rows
    (docs/architecture.md, "Loading"). None for an id of another form."""
    m = _HEX_ID.match(fill_id)
    return int(m.group(1), 16) / 16 ** 13 if m else None


def id_at(fraction: float) -> str:
    """The id bound at `fraction` of the id space (`id_gt` / `id_lte` compare strings: the
    ids above it are those whose hash is)."""
    return "0x" + f"{min(16 ** 13 - 1, max(0, int(fraction * 16 ** 13))):013x}"


def _bounds(after: str, until: str) -> tuple[float, float] | None:
    """The ids (`after`, `until`] as fractions of the id space ("": the start, the end)."""
    lo = id_fraction(after) if after else 0.0
    hi = id_fraction(until) if until else 1.0
    return None if lo is None or hi is None else (lo, hi)


def span(after: str, until: str) -> float | None:
    """The share of the id space in (`after`, `until`] ("": the start, the end)."""
    bounds = _bounds(after, until)
    return None if bounds is None else max(0.0, bounds[1] - bounds[0])


#: A cut aims this much below whole pages: the rows left are an estimate
CUT_MARGIN = 0.05


def split_point(after: str, until: str, rows_left: float, page: int,
                min_pages: int = 2) -> str | None:
    """Where to cut the ids (`after`, `until`] of one read in two parts, each with at least
    `min_pages` pages of the `rows_left` expected: about half way, where the first part holds
    whole pages less `CUT_MARGIN` (its last page comes back nearly full; only the second part
    ends where the read would have). None when too few rows are left (or the ids say
    nothing)."""
    bounds = _bounds(after, until)
    if bounds is None or rows_left < 2 * min_pages * page:
        return None
    pages = min(max(min_pages, round(rows_left / 2 / page)), int(rows_left // page) - min_pages)
    lo, hi = bounds
    cut = id_at(lo + (hi - lo) * pages * page * (1 - CUT_MARGIN) / rows_left)
    return cut if (not after or cut > after) and (not until or cut < until) else None


def reads_wanted(limit: tuple[int, float] | None, round_trip_s: float | None,
                 workers: int) -> int:
    """Concurrent page reads that keep a host's limit busy: its rate times a request's round
    trip (Little's law) and half again, for jitter; every worker when there is no limit (or
    no round trip measured yet)."""
    if limit is None or round_trip_s is None:
        return workers
    n, per = limit
    return max(1, min(workers, math.ceil(n / per * round_trip_s * 1.5)))
