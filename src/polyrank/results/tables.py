"""The shape every read returns: a plain dataclass whose `rows` are dicts of Python values
(numbers, strings, datetimes, lists), convertible to pandas or Arrow when those are installed,
and to a JSON-safe dict for the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from polyrank.render import jsonable
from polyrank.store import Store, load_sql

SQL_PACKAGE = "polyrank.results.sql"


@dataclass(frozen=True)
class Rows:
    """A read's rows; subclasses add what the rows are of (run, window, wallet, ...)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def to_pandas(self) -> Any:
        """The rows as a pandas DataFrame (needs pandas)."""
        import pandas

        return pandas.DataFrame(self.rows)

    def to_arrow(self) -> Any:
        """The rows as a pyarrow Table (needs pyarrow)."""
        import pyarrow

        return pyarrow.Table.from_pylist(self.rows)

    def as_dict(self) -> dict[str, Any]:
        """Every field, JSON-safe (what the API answers)."""
        return jsonable(asdict(self))


def read(store: Store, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the packaged query `name`.sql, values bound as parameters."""
    return store.dicts(load_sql(SQL_PACKAGE, f"{name}.sql"), params)


def read_scalar(store: Store, name: str, params: dict[str, Any]) -> Any:
    return store.scalar(load_sql(SQL_PACKAGE, f"{name}.sql"), params)


def split_total(rows: list[dict[str, Any]]) -> int:
    """Removes the `total` column (the match count before paging) and returns it."""
    total = rows[0]["total"] if rows else 0
    for row in rows:
        del row["total"]
    return total
