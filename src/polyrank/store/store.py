"""One Store over ClickHouse SQL through clickhouse-connect: its in-process chDB backend for
`chdb://` DSNs, HTTP for a server. The same .sql files run on both; values reach SQL only as
bound parameters ({name:Type} placeholders)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from polyrank.errors import ConfigError, MigrationError, StoreError
from polyrank.store.dsn import StoreTarget, parse_dsn
from polyrank.store.lock import FolderLock
from polyrank.store.migrations import BOOTSTRAP, Migration, discover, pending

log = logging.getLogger(__name__)

# readonly=2 forbids writes but still lets the client send its own settings (server and chDB)
READ_ONLY = {"readonly": 2}


@cache
def load_sql(package: str, name: str) -> str:
    """The text of a packaged .sql file, e.g. load_sql("polyrank.store.queries", "x.sql")."""
    return resources.files(package).joinpath(name).read_text()


class Store:
    """Open with Store.open(dsn); close (or use as a context manager) to release the folder."""

    def __init__(self, target: StoreTarget, client: Any, lock: FolderLock | None) -> None:
        self.target = target
        self._client = client
        self._lock = lock
        # one statement at a time per Store: an embedded chDB connection is not shared
        # between threads (the API's handlers and a pipeline thread in `serve --pipeline`)
        self._serial = threading.RLock()

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, dsn: str, *, migrate: bool = True) -> Store:
        target = parse_dsn(dsn)
        lock = None
        if target.embedded:
            lock = FolderLock(target.path)
            lock.acquire()
        try:
            client = _connect(target)
        except Exception:
            if lock:
                lock.release()
            raise
        store = cls(target, client, lock)
        if migrate:
            try:
                store.migrate()
            except Exception:
                store.close()
                raise
        return store

    def close(self) -> None:
        if self._client is not None:
            try:
                with self._serial:
                    self._client.close()
            finally:
                self._client = None
                if self._lock:
                    self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- SQL ---------------------------------------------------------------------------------
    def query(self, sql: str, params: Mapping[str, Any] | None = None, *,
              read_only: bool = False) -> Any:
        """Run a query; returns clickhouse-connect's QueryResult (result_rows, column_names)."""
        settings = READ_ONLY if read_only else None
        try:
            with self._serial:
                return self._live.query(sql, parameters=dict(params or {}), settings=settings)
        except Exception as exc:
            raise _store_error(exc, sql) from exc

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        return self.query(sql, params).result_rows

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        try:
            with self._serial:
                self._live.command(sql, parameters=dict(params or {}))
        except Exception as exc:
            raise _store_error(exc, sql) from exc

    def insert(self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> int:
        if not rows:
            return 0
        try:
            with self._serial:
                self._live.insert(table, rows, column_names=list(columns))
        except Exception as exc:
            raise _store_error(exc, f"INSERT INTO {table}") from exc
        return len(rows)

    def insert_arrow(self, table: str, arrow_table: Any) -> int:
        if arrow_table.num_rows == 0:
            return 0
        try:
            with self._serial:
                self._live.insert_arrow(table, arrow_table)
        except Exception as exc:
            raise _store_error(exc, f"INSERT INTO {table}") from exc
        return arrow_table.num_rows

    # -- schema ------------------------------------------------------------------------------
    def migrate(self) -> list[Migration]:
        """Apply every migration not yet recorded; returns those applied now."""
        self.command(BOOTSTRAP)
        applied = {v: c for v, c in self.rows(
            "SELECT version, argMax(checksum, applied_at) FROM schema_migrations GROUP BY version"
        )}
        todo = pending(applied, discover())
        for mig in todo:
            for statement in mig.statements():
                try:
                    with self._serial:
                        self._live.command(statement)
                except Exception as exc:
                    raise MigrationError(
                        f"migration {mig.version:04d}_{mig.name}.sql failed on "
                        f"{self.target.describe()}: {_first_line(exc)}"
                    ) from exc
            self.insert("schema_migrations", [(mig.version, mig.name, mig.checksum)],
                        ["version", "name", "checksum"])
            log.info("applied migration %04d_%s", mig.version, mig.name)
        return todo

    def applied_migrations(self) -> list[tuple[int, str]]:
        return self.rows("SELECT version, any(name) FROM schema_migrations "
                         "GROUP BY version ORDER BY version")

    @property
    def _live(self) -> Any:
        if self._client is None:
            raise StoreError(f"the store ({self.target.describe()}) is closed")
        return self._client


def _connect(target: StoreTarget) -> Any:
    import clickhouse_connect

    if target.embedded:
        try:
            return clickhouse_connect.get_client(dsn=f"chdb://{target.path}")
        except Exception as exc:
            text = str(exc)
            if "already initialized" in text:
                raise StoreError(
                    f"this process already has another embedded store open; chDB holds one "
                    f"data folder per process, so close it before opening {target.path}"
                ) from exc
            raise StoreError(f"cannot open the embedded store at {target.path}: "
                             f"{_first_line(exc)}") from exc
    try:
        return clickhouse_connect.get_client(dsn=target.dsn)
    except Exception as exc:
        raise StoreError(f"cannot connect to {target.describe()}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _store_error(exc: Exception, sql: str) -> StoreError:
    if isinstance(exc, (StoreError, ConfigError)):
        return exc
    text = _first_line(exc)
    head = " ".join(sql.split())[:120]
    if "READONLY" in text or "readonly mode" in text:
        return StoreError(f"read-only: this statement would change the store ({head})")
    return StoreError(f"{text} (in: {head})")
