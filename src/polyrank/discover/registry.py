"""What every discovery source writes to the store's registry (`discovered`, migrations 0015
and 0017), and what each reports.

Rows are one per source x address x day; a marker row (address '') says a day of a day-swept
source (tape, trades) is over and read whole. Sources that see no fills (leaderboard, holders)
write fills 0, volume 0, first_seen / last_seen 0 and a label."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from polyrank.store import Store, load_sql

SQL = "polyrank.discover.sql"
DAY = 86400
COLUMNS = ("address", "source", "day", "fills", "volume", "first_seen", "last_seen", "label")


@dataclass
class Seen:
    """What one period of a trade listing shows of one address (as the owner of fill rows)."""

    fills: int = 0
    volume_micro: int = 0
    first: int = 0
    last: int = 0

    def note(self, timestamp: int, usdc_micro: int) -> None:
        self.first = timestamp if not self.fills else min(self.first, timestamp)
        self.fills += 1
        self.volume_micro += usdc_micro
        self.last = max(self.last, timestamp)


@dataclass
class SourceReport:
    """One source's share of a run."""

    source: str
    requests: int = 0  # requests sent (pages, look-ups), retries not counted
    wallets: int = 0  # distinct addresses it found in this run
    rows: int = 0  # fill rows (tape, trades), board rows (leaderboard), holder rows (holders)
    days: int = 0  # day-swept sources: days in the period
    days_already: int = 0  # of which already swept (skipped)
    capped: list[str] = field(default_factory=list)  # listings an offset cap cut short
    reached: int | None = None  # trades: the oldest time read, when the offset cap stopped it
    markets: int = 0  # holders: markets (condition ids) asked about

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def today() -> int:
    """The start of the current UTC day: the `day` of the rows of the sources without days
    (leaderboard, holders). A second run the same day replaces that day's rows, a run on
    another day adds its own; the registry counts each address once either way."""
    now = int(time.time())
    return now - now % DAY


def done_days(store: Store, source: str, days: Sequence[int]) -> set[int]:
    """The days of `days` the source already swept (marked)."""
    if not days:
        return set()
    return {r[0] for r in store.rows(load_sql(SQL, "done_days.sql"), {
        "source": source, "start": days[0], "end": days[-1] + DAY})}


def day_rows(source: str, day: int, seen: Mapping[str, Seen], *, marked: bool) -> list[tuple]:
    """One day of a trade listing as rows, with the day's marker when it is over."""
    return [("", source, day, 0, 0.0, 0, 0, "")] * marked + [
        (who, source, day, s.fills, s.volume_micro / 1e6, s.first, s.last, "")
        for who, s in sorted(seen.items())]


def labelled_rows(source: str, day: int, labels: Mapping[str, str]) -> list[tuple]:
    """Wallets found without fills (leaderboard, holders), with their labels."""
    return [(who, source, day, 0, 0.0, 0, 0, label) for who, label in sorted(labels.items())]


def insert(store: Store, rows: list[tuple]) -> None:
    if rows:
        store.insert("discovered", rows, COLUMNS)


def merge_label(labels: dict[str, str], wallet: str, label: str) -> None:
    """Keep the first non-empty label met for a wallet."""
    if not labels.get(wallet):
        labels[wallet] = label
