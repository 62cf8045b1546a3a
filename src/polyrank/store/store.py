"""One Store over ClickHouse SQL through clickhouse-connect: its in-process chDB backend for
`chdb://` DSNs, HTTP for a server. The same .sql files run on both; values reach SQL only as
bound parameters ({name:Type} placeholders)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any

from polyrank.errors import ConfigError, MigrationError, StoreError
from polyrank.settings import DEFAULT_QUERY_TIMEOUT_S
from polyrank.store.dsn import StoreTarget, parse_dsn
from polyrank.store.guard import allowed_summary, refusal
from polyrank.store.lock import FolderLock
from polyrank.store.migrations import BOOTSTRAP, Migration, discover, pending

log = logging.getLogger(__name__)


def read_only_settings(timeout_s: float) -> dict[str, Any]:
    """The settings of every read-only statement, the same on chDB and a server. readonly=2
    forbids writes and still lets the client send its own settings (with readonly=1 that
    depends on how they reach the engine); guard.py keeps the statement itself from changing
    them. The HTTP ones bound what a table function could spend on a dead host, should one
    ever get past the guard (url() to a closed port retried for 130 s under a 3 s limit)."""
    connect_s = max(1, min(10, round(timeout_s)))
    return {"max_execution_time": timeout_s, "timeout_overflow_mode": "throw",
            "http_max_tries": 1, "http_connection_timeout": connect_s,
            "http_receive_timeout": connect_s, "connect_timeout": connect_s, "readonly": 2}


@cache
def load_sql(package: str, name: str) -> str:
    """The text of a packaged .sql file, e.g. load_sql("polyrank.store.queries", "x.sql")."""
    return resources.files(package).joinpath(name).read_text()


class Store:
    """Open with Store.open(dsn); close (or use as a context manager) to release the folder."""

    def __init__(self, target: StoreTarget, client: Any, lock: FolderLock | None, *,
                 query_timeout_s: float = DEFAULT_QUERY_TIMEOUT_S) -> None:
        self.target = target
        self.query_timeout_s = query_timeout_s
        self._client = client
        self._lock = lock
        self._checked: dict[str, None] = {}  # read-only statements already let through
        #: statements run through this object that may have changed the store (command,
        #: insert): with an embedded store, which only this process opens, nothing else can
        self.writes = 0
        # one statement at a time per Store: an embedded chDB connection is not shared
        # between threads (the API's handlers and a pipeline thread in `serve --pipeline`)
        self._serial = threading.RLock()

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, dsn: str, *, migrate: bool = True,
             query_timeout_s: float = DEFAULT_QUERY_TIMEOUT_S) -> Store:
        """query_timeout_s: the time limit of every read-only statement (Settings field)."""
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
        store = cls(target, client, lock, query_timeout_s=query_timeout_s)
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
    @contextmanager
    def idle(self) -> Iterator[bool]:
        """Whether the store is free right now, without waiting: when it is (True), it is held
        for the block, so the block's statements run without waiting either; when another
        thread's statement runs (False), nothing is held. For readers that would rather answer
        with what they have than wait (the API's cache, `api/cache.py`)."""
        free = self._serial.acquire(blocking=False)
        try:
            yield free
        finally:
            if free:
                self._serial.release()

    def query(self, sql: str, params: Mapping[str, Any] | None = None, *,
              read_only: bool = False) -> Any:
        """Run a query; returns clickhouse-connect's QueryResult (result_rows, column_names).
        read_only: refuse anything but reading the store's tables (guard.py) and stop the
        statement after query_timeout_s."""
        settings = read_only_settings(self.query_timeout_s) if read_only else None
        try:
            with self._serial:
                if read_only:
                    self._check_read_only(sql, params)
                return self._live.query(sql, parameters=dict(params or {}), settings=settings)
        except Exception as exc:
            raise _store_error(exc, sql, self.query_timeout_s if read_only else None) from exc

    def _check_read_only(self, sql: str, params: Mapping[str, Any] | None) -> None:
        """Refuse `sql` unless ClickHouse's own parse of it is read-only (guard.py). Parameters
        bind values only, so a statement's verdict holds for any; passed ones are kept."""
        if sql in self._checked:
            return
        try:
            # one statement: chDB would run every statement of "SELECT 1; DROP TABLE x", the
            # settings reaching only the last; formatQuery parses the text as a bound value
            self._live.query("SELECT formatQuery({statement:String})", {"statement": sql})
            rows = self._live.query(f"EXPLAIN AST {sql}", parameters=dict(params or {}))
        except Exception as exc:
            reason = _first_line(exc).split(": In scope SELECT formatQuery", 1)[0]
            raise StoreError(f"read-only: cannot parse this statement ({_head(sql)}): "
                             f"{reason}") from exc
        why = refusal([row[0] for row in rows.result_rows])
        if why:
            raise StoreError(f"read-only: {why} ({_head(sql)}). {allowed_summary()}")
        if len(self._checked) >= 512:
            self._checked.pop(next(iter(self._checked)))
        self._checked[sql] = None

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        return self.query(sql, params).result_rows

    def dicts(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """A read-only statement's rows as dicts keyed by column name."""
        result = self.query(sql, params, read_only=True)
        return [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        try:
            with self._serial:
                self.writes += 1
                self._live.command(sql, parameters=dict(params or {}))
        except Exception as exc:
            raise _store_error(exc, sql) from exc

    def set_engine_settings(self, **settings: Any) -> None:
        """ClickHouse settings for every later statement of this store's session, beside
        ENGINE_SETTINGS (e.g. max_threads, max_block_size)."""
        for name, value in settings.items():
            self._live.set_client_setting(name, str(value))

    def empty_like(self, table: str, name: str) -> str:
        """A new empty table `name` shaped like `table` (columns, engine, keys, projections),
        any earlier one of that name dropped first (a step killed half way leaves it);
        returns `name`. Both names are the project's own, never a user's: CREATE ... AS
        takes no parameter for its source."""
        self.command("DROP TABLE IF EXISTS {t:Identifier}", {"t": name})
        self.command(f"CREATE TABLE {{t:Identifier}} AS {table}", {"t": name})
        return name

    def insert(self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> int:
        if not rows:
            return 0
        try:
            with self._serial:
                self.writes += 1
                self._live.insert(table, rows, column_names=list(columns))
        except Exception as exc:
            raise _store_error(exc, f"INSERT INTO {table}") from exc
        return len(rows)

    def insert_arrow(self, table: str, arrow_table: Any) -> int:
        if arrow_table.num_rows == 0:
            return 0
        try:
            with self._serial:
                self.writes += 1
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


#: Settings of every statement, on chDB and on a server alike. ClickHouse compiles an
#: expression to machine code once it has run it three times (compile_*). A store kept current
#: runs the same statements every round with a new run id and as-of, and in one process each
#: round from the fourth on took ~1.6x as long (bench/refresh.py --rounds 5: metrics 1.9 s in
#: a fresh process, 3.0 s in the fifth round); without compiling, every round costs what the
#: first does and a whole run is unchanged (docs/architecture.md, "Refresh").
#: optimize_and_compare_chain, a rewrite of AND chains of comparisons that adds the
#: comparisons they imply, took ~80 of the ~290 ms it took to analyse and plan the wallet
#: rows' statement (metrics/sql/wallet_rows.sql, before reading a row), in every slice and
#: every refresh round; our statements gain no filter from it (docs/architecture.md, "Refresh").
ENGINE_SETTINGS = {"compile_expressions": 0, "compile_aggregate_expressions": 0,
                   "compile_sort_description": 0, "optimize_and_compare_chain": 0}


def _connect(target: StoreTarget) -> Any:
    import clickhouse_connect

    if target.embedded:
        try:
            return clickhouse_connect.get_client(dsn=f"chdb://{target.path}",
                                                settings=ENGINE_SETTINGS)
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
        return clickhouse_connect.get_client(dsn=target.dsn, settings=ENGINE_SETTINGS)
    except Exception as exc:
        raise StoreError(f"cannot connect to {target.describe()}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _head(sql: str) -> str:
    return " ".join(sql.split())[:120]


def _store_error(exc: Exception, sql: str, timeout_s: float | None = None) -> StoreError:
    if isinstance(exc, (StoreError, ConfigError)):
        return exc
    text = _first_line(exc)
    head = _head(sql)
    if "READONLY" in text or "readonly mode" in text:
        return StoreError(f"read-only: this statement would change the store ({head})")
    if timeout_s is not None and ("TIMEOUT_EXCEEDED" in text or "Timeout exceeded" in text):
        return StoreError(f"read-only statement stopped at its time limit of {timeout_s:g} s "
                          f"(query_timeout_s, POLYRANK_QUERY_TIMEOUT_S): {head}")
    return StoreError(f"{text} (in: {head})")
