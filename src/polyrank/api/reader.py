"""What every API handler shares: the store read through packaged .sql files with bound
parameters, the current metrics run (or a 503 naming the pipeline stage), and input checks
that answer a 4xx saying what is wrong."""

from __future__ import annotations

import re
from typing import Any

from polyrank.render import jsonable
from polyrank.stages import MetricsNotReady, metrics_run
from polyrank.store import Store, load_sql

SQL_PACKAGE = "polyrank.results.sql"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_FRAGMENT = re.compile(r"^(0x)?[0-9a-fA-F]{0,40}$")


class ApiError(Exception):
    """Answered as `{"error": message, **extra}` with this status."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.body = status, {"error": message, **extra}


class Reader:
    """Read-only access to one store (the Store serialises statements across threads)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def rows(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows of a packaged query (`name`.sql) as JSON-safe dicts."""
        return self.sql(load_sql(SQL_PACKAGE, f"{name}.sql"), params)

    def sql(self, text: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        result = self.store.query(text, params or {}, read_only=True)
        return [{k: jsonable(v) for k, v in zip(result.column_names, row, strict=True)}
                for row in result.result_rows]

    def scalar(self, name: str, params: dict[str, Any]) -> Any:
        return self.store.scalar(load_sql(SQL_PACKAGE, f"{name}.sql"), params)

    def run(self) -> tuple[str, int]:
        """(run id, as-of) of the current metrics run; 503 with the stage when there is none."""
        try:
            run = metrics_run(self.store)
        except MetricsNotReady as exc:
            raise ApiError(503, str(exc), stage=exc.stage) from None
        as_of = self.store.scalar("SELECT as_of FROM metrics_runs WHERE run_id = {r:String} "
                                  "ORDER BY finished_at DESC LIMIT 1", {"r": run})
        return run, as_of


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ApiError(400, f"unknown {name} {value!r}", valid=list(allowed))
    return value


def wallet_address(value: str) -> str:
    """A wallet address, lower-cased; 400 unless it is 0x followed by 40 hex digits."""
    if not _ADDRESS.match(value):
        raise ApiError(400, f"malformed wallet address {value!r}: expected 0x followed by "
                            "40 hex digits")
    return value.lower()


def address_fragment(value: str) -> str:
    """A search fragment of an address (hex digits, optional 0x), lower-cased."""
    if not _FRAGMENT.match(value):
        raise ApiError(400, f"malformed search {value!r}: expected hex digits of an address "
                            "(optionally starting with 0x)")
    return value.lower()


def page(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """`{"total", "rows"}` from rows that carry the match count in a `total` column."""
    total = rows[0]["total"] if rows else 0
    for row in rows:
        del row["total"]
    return {"total": total, "rows": rows}
