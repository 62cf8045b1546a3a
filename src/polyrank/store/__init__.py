"""The store: ClickHouse SQL, embedded (chDB, a folder) or a server, chosen by DSN."""

from polyrank.store.dsn import StoreTarget, parse_dsn
from polyrank.store.store import Store, load_sql

__all__ = ["Store", "StoreTarget", "load_sql", "parse_dsn"]
